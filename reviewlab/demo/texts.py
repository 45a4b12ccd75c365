"""The demo's text bank: what users of "Larkspur" (a made-up home-electronics shop) ask its assistant, and the
answers (good, wrong, off-target, partial) it gives. All of it is written for this project.

Templates use `{slot}` fields filled per conversation by `make_slots`, so a rephrase names the same order number
as the question it rephrases.
"""

from __future__ import annotations

import random

PRODUCTS = ("Aria smart speaker", "Halo thermostat", "Beam video doorbell", "Nimbus robot vacuum",
            "Fjord desk lamp", "Lumen light strip", "Pico security camera", "Tern wireless earbuds")
FURNITURE = ("Oslo three-seat sofa", "Birch standing desk", "Alder bookshelf", "Moss lounge chair")
DEVICES = ("Aria speaker", "Halo thermostat", "Beam doorbell", "Nimbus vacuum", "Pico camera")
ECOSYSTEMS = ("Google Home", "Alexa", "Apple Home", "SmartThings")
CITIES = ("Leeds", "Rotterdam", "Lyon", "Porto", "Gdansk", "Cork", "Aarhus", "Graz", "Ghent", "Bologna")
COUNTRIES = ("Norway", "Switzerland", "Iceland", "Canada", "Australia", "Japan")
CARRIERS = ("ParcelLine", "SwiftPost", "GreenRoute Couriers")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
PRICES = ("$19.99", "$34.50", "$59.00", "$89.99", "$129.00", "$249.00", "$399.00")
BUDGETS = ("$50", "$100", "$150", "$300")


def make_slots(rng: random.Random) -> dict[str, str]:
    product, product2 = rng.sample(PRODUCTS, 2)
    return {
        "order": f"LK-{rng.randint(100000, 999999)}",
        "amount": rng.choice(PRICES),
        "product": product,
        "product2": product2,
        "furniture": rng.choice(FURNITURE),
        "device": rng.choice(DEVICES),
        "ecosystem": rng.choice(ECOSYSTEMS),
        "city": rng.choice(CITIES),
        "country": rng.choice(COUNTRIES),
        "carrier": rng.choice(CARRIERS),
        "eta": rng.choice(WEEKDAYS),
        "days": str(rng.randint(2, 4)),
        "budget": rng.choice(BUDGETS),
        "code": f"{rng.randint(0, 999999):06d}",
    }


# --- Lines any area uses --------------------------------------------------------------------------------

GREETINGS = ("", "", "", "Hi! ", "Hello. ", "hey! ", "Hi there! ", "Good morning. ")
THANKS = ("Thanks, that worked!", "Perfect, thank you.", "great, thanks", "That's exactly what I needed, cheers.",
          "Thank you so much!", "Got it, thanks.", "Brilliant, sorted.", "ok thanks!")
WELCOMES = ("You're welcome! Is there anything else I can help you with?", "Glad I could help. Have a good day!",
            "Happy to help. Just message me if anything else comes up.")
#: What a user writes after an answer that is wrong (frustration words on purpose: the signals look for them).
CORRECTIONS = ("That's not right.", "No, that's wrong.", "That doesn't match what your website says.",
               "Are you sure? That's not what I was told last time.", "That can't be right.")
COMPLAINTS = ("This is useless.", "Seriously? This is the second time I'm asking the same thing.",
              "Ridiculous. I'll just call support.", "You keep giving me wrong information, this is so frustrating.",
              "Unbelievable. Nothing you say is correct.", "I'm really annoyed now, this is a waste of my time.")
#: The last words of a user who gives up (the conversation ends on them, nobody answers).
GIVE_UPS = ("forget it", "never mind, I'll figure it out myself", "ok whatever", "I'll just call someone.",
            "never mind", "this isn't working. bye", "Forget it, I'll ask in the shop.")
REPHRASE_LEADS = ("", "", "No, I mean: ", "Let me put it another way. ", "That's not what I asked. ",
                  "What I'm asking is: ", "I'll try again. ")
APOLOGIES = ("I apologise for the confusion. ", "Sorry about that! ", "You're right, my apologies. ")
HANDOFFS = ("I'm sorry this has been difficult. Would you like me to connect you with a member of our support team?",
            "I understand your frustration. You can reach a human agent from the Help page, 8am to 8pm every day.")
#: Refusals: the fixed issue ("unnecessary refusal") is made of these, the tests look for them.
REFUSALS = ("I'm sorry, but I can't help with account security questions. Please contact our support team.",
            "I'm not able to assist with that request.",
            "For security reasons I can't discuss account access. Please visit the Help page.")
PUSHBACKS = ("Why not? It's a simple question.", "That's not helpful at all.",
             "Then who can help me? The Help page sends me back to you.", "Come on, this is a simple question.")
ACCOUNT_PUSHBACKS = ("Why not? It's my own account.", "That's not helpful, I just need to get back in.",
                     "Then who can help me? The Help page sends me back to you.")
VAGUE = ("I don't have that information right now. You may find more details on our Help page.",
         "I'm not sure about that. Please check the product page or contact support.")
OKAYS = ("ok.", "hm, ok", "Okay I guess.", "ok, I'll look myself")
#: The worse variant sometimes pads its answers; a reader notices, a tag ("too long") may follow.
PADDING = ("Great question! ", "Thanks for reaching out to Larkspur! I'd be happy to help with that. ")


# --- Intents per product area ---------------------------------------------------------------------------
# Each intent: label (what a reviewer writes as the user's intent), ask, rephrase, good, wrong, miss (answers a
# different question), partial, followup [(question, answer)], optional tool (name, arguments, result) and
# corrections (area-specific replies to a wrong answer).

INTENTS: dict[str, list[dict]] = {
    "billing": [
        {
            "key": "charged_twice",
            "label": "dispute a double charge",
            "ask": ("I was charged twice for order {order}, {amount} each time. Can you refund one?",
                    "Why do I see two payments of {amount} for the same order?",
                    "there are 2 charges on my card for {order}"),
            "rephrase": ("My card shows {amount} taken twice for order {order}. I only ordered once. Can you fix it?",
                         "I need one of the two {amount} charges for {order} refunded."),
            "good": ("I can see order {order}. The second {amount} is a card authorisation, not a charge: it drops "
                     "off your statement within 3 to 5 business days without you doing anything. If it is still "
                     "there after 5 days, reply here and I'll open a refund case.",
                     "Sorry for the worry! Only one payment of {amount} was captured for {order}. The other is a "
                     "pending hold that your bank releases automatically within 3 to 5 business days."),
            "wrong": ("Duplicate payments can't be refunded once the order has shipped.",
                      "Both payments of {amount} are correct: one is for the item and one for delivery."),
            "miss": ("You can see all your orders under Account > Orders. Would you like to place a new order?",),
            "partial": ("It looks like there may be a pending authorisation on your card.",),
            "followup": (("And if it doesn't drop off?", "Then reply here with a screenshot of your statement and "
                          "I'll open a refund case; refunds land in 5 to 10 business days."),),
        },
        {
            "key": "update_card",
            "label": "change payment card",
            "ask": ("How do I change the card on my Larkspur Plus subscription?",
                    "my card expired, where do I update it for Plus?",
                    "I need to switch the payment method for my subscription"),
            "rephrase": ("Where in the app can I put a new card for the Plus membership?",
                         "How can I replace my old card with a new one for my subscription payments?"),
            "good": ("Go to Account > Subscription > Payment method, choose Replace card and enter the new details. "
                     "The next Plus payment will use the new card.",
                     "In the app, open Account, then Subscription, then Payment method, and tap Replace card. "
                     "It takes effect from your next billing date."),
            "wrong": ("You need to cancel Plus and sign up again with the new card.",
                      "Cards can only be changed by calling our billing line."),
            "miss": ("Larkspur Plus costs $6.99 a month or $59 a year and includes free express delivery.",),
            "partial": ("You can manage your payment details in your account settings.",),
            "followup": (("Will I be charged again when I change it?", "No, changing the card does not trigger a "
                          "payment. You'll be charged on your usual billing date."),),
        },
        {
            "key": "invoice",
            "label": "get an invoice",
            "ask": ("Where can I download an invoice for order {order}?",
                    "I need a VAT invoice for {order} for my company",
                    "can you send me the invoice for my last order"),
            "rephrase": ("I need the invoice document (PDF) for {order}, where do I get it?",
                         "How do I get a proper invoice with VAT for order {order}?"),
            "good": ("Open Account > Orders, select {order} and choose Download invoice. It's a PDF with the VAT "
                     "breakdown. To add a company name, use Edit billing details before downloading.",
                     "You'll find it under Account > Orders > {order} > Download invoice. If you need your "
                     "company's VAT number on it, add it under Billing details first and download again."),
            "wrong": ("Invoices are only available for orders over $500.",
                      "We email invoices 30 days after delivery; they can't be downloaded."),
            "miss": ("Your order {order} is on its way and should arrive on {eta}.",),
            "partial": ("Invoices are in your account.",),
            "followup": (("Can I change the address on it?", "Yes: edit your billing details, then download the "
                          "invoice again and it will show the new address."),),
        },
        {
            "key": "plus_price",
            "label": "ask about Plus pricing",
            "ask": ("How much is Larkspur Plus per year?", "what does the Plus membership cost",
                    "Is Plus cheaper if I pay yearly?"),
            "rephrase": ("What's the annual price of the Plus subscription?",
                         "How much would I pay for Plus if I choose yearly billing?"),
            "good": ("Larkspur Plus is $59 a year, or $6.99 a month. Yearly works out about 30% cheaper, and both "
                     "include free express delivery and 60-day returns.",
                     "It's $6.99 per month or $59 per year. The yearly plan saves you about $25."),
            "wrong": ("Larkspur Plus is $99 a year.", "Plus is free for the first year for everyone."),
            "miss": ("You can cancel Plus at any time from Account > Subscription.",),
            "partial": ("There are monthly and yearly options for Plus.",),
            "followup": (("Can I switch from monthly to yearly?", "Yes, under Account > Subscription > Change "
                          "plan. The switch happens at your next billing date."),),
        },
    ],
    "account access": [
        {
            "key": "two_factor",
            "label": "recover 2FA after losing phone",
            "ask": ("I lost my phone and can't get the two-factor code to log in. What do I do?",
                    "new phone, my authenticator codes are gone and I'm locked out",
                    "How do I reset two-step verification? I don't have my old phone anymore."),
            "rephrase": ("I can't log in because the 2FA codes were on my old phone. How do I get back in?",
                         "My two-factor app is on a phone I no longer have. How can I recover my account?"),
            "good": ("On the login page choose 'Use a recovery code' and enter one of the codes you saved when you "
                     "set up two-factor. If you don't have them, choose 'I can't use any of these' and we'll verify "
                     "you by email and your last order number; access comes back within 24 hours.",
                     "No problem. Tap 'Try another way' on the code screen and use a recovery code. Without one, "
                     "start identity verification from the same screen: we email a link and ask for a recent "
                     "order number, then you can set up two-factor on the new phone."),
            "wrong": ("You'll need to create a new account; the old one can't be recovered.",
                      "Just wait 24 hours and two-factor will switch itself off."),
            "miss": ("To turn on two-factor authentication, go to Account > Security > Two-step verification.",),
            "partial": ("You can use a recovery code if you saved one.",),
            "followup": (("How long does the verification take?", "Usually a few hours, at most 24. You'll get an "
                          "email as soon as you can log in again."),),
        },
        {
            "key": "reset_password",
            "label": "reset password",
            "ask": ("The password reset email never arrives. I've tried three times.",
                    "i can't log in and the reset link isn't coming",
                    "How do I reset my password? The email doesn't show up."),
            "rephrase": ("I requested a password reset several times but I get no email at all. What now?",
                         "The reset-password email is not reaching my inbox, how else can I reset it?"),
            "good": ("Reset emails come from no-reply@larkspur.example and can land in spam or promotions. If it's not "
                     "there after 10 minutes, check that you used the address on your account, or use 'Reset by "
                     "text message' on the login page.",
                     "Sorry about that. Please check your spam folder for a message from no-reply@larkspur.example. "
                     "You can also choose 'Send a code by SMS' on the reset page if your phone number is on file."),
            "wrong": ("Password resets are disabled for accounts older than a year.",
                      "You can only reset your password from the app, not the website."),
            "miss": ("To change your password, log in and go to Account > Security > Change password.",),
            "partial": ("Please check your spam folder.",),
            "followup": (("It's not in spam either.", "Then use 'Send a code by SMS' on the reset page, or let me "
                          "open a ticket so support can confirm your email address."),),
        },
        {
            "key": "change_email",
            "label": "change account email",
            "ask": ("How do I change the email address on my account?", "I want to use a different email for login",
                    "can i update my email? old one is my work address"),
            "rephrase": ("I'd like to switch my login email to a new address, how?",
                         "Where do I change which email address my Larkspur account uses?"),
            "good": ("Go to Account > Security > Email address, enter the new address and confirm with the link we "
                     "send there. Your orders and Plus membership stay on the account.",
                     "Open Account > Security, choose Change email, and click the confirmation link we send to the "
                     "new address. Until you click it, the old address stays active."),
            "wrong": ("Email addresses can't be changed; you'll need a new account.",
                      "You have to contact your bank to change the email on your account."),
            "miss": ("You can unsubscribe from marketing emails under Account > Notifications.",),
            "partial": ("You can change it in your account settings.",),
            "followup": (("Will my order history move too?", "Yes, it's the same account, only the login "
                          "email changes."),),
        },
        {
            "key": "locked_account",
            "label": "unlock a locked account",
            "ask": ("My account says it's locked after too many attempts.", "locked out of my account, what now",
                    "Why is my account locked and how do I unlock it?"),
            "rephrase": ("It says my account is locked because of failed logins. How do I unlock it?",
                         "I'm blocked from logging in, too many wrong passwords. Can you unlock me?"),
            "good": ("Accounts unlock by themselves after 30 minutes. If you can't remember the password, use "
                     "'Forgot password' after that and the new password unlocks it straight away.",
                     "For your safety the account locks for 30 minutes after 5 failed attempts. Wait, then log in, "
                     "or reset your password, which also unlocks it immediately."),
            "wrong": ("Locked accounts stay locked for 30 days.",
                      "Your account was closed for suspicious activity and cannot be reopened."),
            "miss": ("You can delete your account under Account > Privacy > Delete account.",),
            "partial": ("The lock is temporary.",),
            "followup": (("Can you unlock it now?", "I can't lift the lock myself, but resetting your password "
                          "unlocks it straight away."),),
        },
    ],
    "shipping": [
        {
            "key": "where_order",
            "label": "track an order",
            "ask": ("Where is my order {order}?", "my order {order} still hasn't arrived, where is it",
                    "Can you check the status of {order}? It was supposed to come yesterday."),
            "rephrase": ("What's the delivery status of order {order}? When will it actually arrive?",
                         "Can you track {order} for me? I need to know when it gets here."),
            "tool": ("lookup_order", {"order_id": "{order}"},
                     {"order_id": "{order}", "status": "in_transit", "carrier": "{carrier}",
                      "estimated_delivery": "{eta}"}),
            "good": ("Order {order} is with {carrier} and on its way. It's due on {eta}; you'll get a text with a "
                     "one-hour delivery window that morning.",
                     "I've checked {order}: it left our warehouse and {carrier} expects to deliver it on {eta}. "
                     "The tracking link is in your shipping confirmation email."),
            "wrong": ("Order {order} was delivered yesterday and signed for at the front door.",
                      "Order {order} hasn't been shipped yet and will leave the warehouse in 2 to 3 weeks."),
            "miss": ("Standard delivery takes 3 to 5 business days and express 1 to 2.",),
            "partial": ("Your order {order} is in transit.",),
            "followup": (("Can it be left with a neighbour?", "Yes: use the link in the {carrier} text to choose "
                          "a neighbour or a safe place."),),
            "corrections": ("That's not right, it was NOT delivered. Nothing arrived here.",
                            "Wrong again, the tracking page says it's with {carrier}.",
                            "That's not what the tracking says at all."),
        },
        {
            "key": "delivery_estimate",
            "label": "ask for a delivery estimate",
            "ask": ("How long does express shipping take to {city}?",
                    "if I order the {product} today when does it arrive",
                    "What's the delivery time to {city} for standard shipping?"),
            "rephrase": ("If I pick express delivery to {city}, how many days until it arrives?",
                         "When would an order placed today reach {city}?"),
            "good": ("Express delivery to {city} takes 1 to 2 business days when you order before 2pm; standard takes "
                     "3 to 5. The exact date is shown at checkout before you pay.",
                     "To {city}, express arrives in 1 to 2 business days and standard in 3 to 5. Order before 2pm for "
                     "same-day dispatch."),
            "wrong": ("Express shipping to {city} takes 10 to 14 business days.",
                      "We don't deliver to {city}."),
            "miss": ("You can track your order with the link in the shipping confirmation email.",),
            "partial": ("Delivery times vary by location.",),
            "followup": (("Is express free with Plus?", "Yes, express delivery is free on every order with "
                          "Larkspur Plus."),),
            "corrections": ("10 to 14 days for express? Your checkout page says 1 to 2.",
                            "That can't be right, I've had deliveries to {city} before."),
        },
        {
            "key": "change_address",
            "label": "change delivery address",
            "ask": ("Can I change the delivery address for order {order}?",
                    "I moved, need to change address on {order}",
                    "wrong address on my order, can you fix it?"),
            "rephrase": ("I typed the wrong address for {order}. Can it be sent somewhere else?",
                         "Is it still possible to redirect order {order} to a new address?"),
            "good": ("If {order} hasn't shipped yet you can change the address under Account > Orders > {order} > "
                     "Change address. Once it's with {carrier}, use their redirect link in the tracking text.",
                     "Yes. Before dispatch you can edit the address on the order page; after dispatch {carrier} can "
                     "redirect it from their tracking page, usually for free."),
            "wrong": ("Addresses can never be changed after an order is placed.",
                      "I've changed the address for you."),
            "miss": ("You can add a new address to your address book under Account > Addresses.",),
            "partial": ("It depends on whether the order has shipped.",),
            "followup": (("It already shipped.", "Then use the redirect option in the {carrier} tracking text; it "
                          "usually adds one day."),),
            "corrections": ("You didn't change anything, the order page still shows the old address.",),
        },
        {
            "key": "international",
            "label": "ask about international shipping",
            "ask": ("Do you ship to {country}?", "can I order from {country}", "Is delivery to {country} possible?"),
            "rephrase": ("I live in {country}. Can I get things delivered there?",
                         "Does Larkspur deliver orders to {country}?"),
            "good": ("Yes, we ship to {country} with tracked international delivery in 5 to 8 business days. Import "
                     "duties are shown at checkout and paid upfront, so there's nothing to pay on arrival.",
                     "We do. Delivery to {country} takes 5 to 8 business days and duties are included in the price "
                     "at checkout."),
            "wrong": ("We only ship within the EU.", "Delivery to {country} is free and takes 2 days."),
            "miss": ("Our prices include VAT for EU countries.",),
            "partial": ("We ship to many countries.",),
            "followup": (("Do returns from {country} cost anything?", "Returns from {country} are free within "
                          "30 days; print the prepaid label from your order page."),),
            "corrections": ("That's wrong, a friend in {country} ordered from you last month.",),
        },
    ],
    "product search": [
        {
            "key": "find_product",
            "label": "find a product within budget",
            "ask": ("I'm looking for a smart speaker under {budget}, what do you have?",
                    "any good robot vacuums under {budget}?", "Which security camera would you recommend for a flat?"),
            "rephrase": ("Can you suggest something in my price range, under {budget}?",
                         "What would you recommend for under {budget}?"),
            "tool": ("search_catalog", {"query": "{product}", "max_price": "{budget}"},
                     {"results": [{"name": "{product}", "price": "{amount}", "in_stock": True}]}),
            "good": ("The {product} at {amount} fits your budget and is in stock. It has 4.6 stars from about 900 "
                     "reviews; people like the setup and the sound.",
                     "I'd look at the {product} ({amount}, in stock). If you can stretch a little, the {product2} "
                     "adds more features."),
            "wrong": ("The {product} is $19 and comes with a free {product2}.",
                      "We don't sell anything under {budget}."),
            "miss": ("The {product2} is our best seller this month.",),
            "partial": ("We have several options in that range.",),
            "followup": (("Does it come in white?", "Yes, the {product} comes in white and charcoal."),),
        },
        {
            "key": "compare",
            "label": "compare two products",
            "ask": ("What's the difference between the {product} and the {product2}?",
                    "{product} vs {product2}, which is better?", "Should I get the {product} or the {product2}?"),
            "rephrase": ("Can you compare the {product} and the {product2} for me?",
                         "How do the {product} and {product2} differ, in plain words?"),
            "good": ("The {product} is simpler and cheaper, good if you want one thing done well. The {product2} "
                     "does more and works with {ecosystem}, but costs more. For most homes the {product} is enough.",
                     "Short version: the {product} for price and simplicity, the {product2} if you want {ecosystem} "
                     "integration and more features."),
            "wrong": ("They're the same product under two names.", "The {product} is discontinued."),
            "miss": ("The {product} has a two-year warranty.",),
            "partial": ("They are both popular products.",),
            "followup": (("Which one has the longer warranty?", "Both have two years, and three with Plus."),),
        },
        {
            "key": "stock",
            "label": "check stock",
            "ask": ("Is the {product} back in stock?", "when will {product} be available again",
                    "{product} says sold out, any news?"),
            "rephrase": ("When can I buy the {product} again? It's showing as out of stock.",
                         "Do you know when the {product} restocks?"),
            "good": ("The {product} is back in stock at our main warehouse and ships within a day.",
                     "It's expected back on {eta}. Tap 'Notify me' on the product page and we'll email you the "
                     "moment it's available."),
            "wrong": ("The {product} will never be restocked.", "It's in stock in every colour right now."),
            "miss": ("The {product2} is in stock and ships today.",),
            "partial": ("Stock changes daily.",),
            "followup": (("Can I reserve one?", "We can't reserve items, but 'Notify me' emails you first."),),
        },
        {
            "key": "dimensions",
            "label": "ask for product dimensions",
            "ask": ("What are the dimensions of the {furniture}?",
                    "how big is the {furniture}? will it fit a small room",
                    "Can you tell me the size of the {furniture}?"),
            "rephrase": ("How wide and deep is the {furniture}, in centimetres?",
                         "I need the measurements of the {furniture} before I buy."),
            "good": ("The {furniture} is 180 cm wide, 85 cm deep and 82 cm high. It's delivered flat-packed in two "
                     "boxes, so it fits through a standard door.",
                     "It measures 180 x 85 x 82 cm (width x depth x height). The full spec sheet is under "
                     "'Dimensions' on the product page."),
            "wrong": ("The {furniture} is 4 metres wide.", "We don't publish dimensions for furniture."),
            "miss": ("The {furniture} comes in oak, walnut and white.",),
            "partial": ("It's a medium-sized piece.",),
            "followup": (("Is assembly included?", "Assembly is free with Plus, otherwise $39."),),
        },
    ],
    "returns": [
        {
            "key": "return_window",
            "label": "ask about the return window",
            "ask": ("How long do I have to return the {product}?", "can I still return something I bought 3 weeks ago",
                    "What's your return policy for sale items?"),
            "rephrase": ("How many days after delivery can I send the {product} back?",
                         "Is there a deadline for returns? I bought it on sale."),
            "good": ("You have 30 days from delivery to return anything, sale items included (60 days with Plus). "
                     "The item should be complete, but opened boxes are fine.",
                     "30 days from delivery, 60 with Plus, and sale items are covered too. Start the return from "
                     "Account > Orders."),
            "wrong": ("Sale items can't be returned.", "Returns are only accepted within 7 days."),
            "miss": ("Refunds go back to the original payment method in 5 to 10 business days.",),
            "partial": ("Most items can be returned.",),
            "followup": (("Do I need the original box?", "It helps, but it's not required if the item is "
                          "well packed."),),
        },
        {
            "key": "return_label",
            "label": "get a return label",
            "ask": ("How do I print a return label for {order}?", "I need a return label for {order}",
                    "where's the return label? I don't have a printer btw"),
            "rephrase": ("Can you send me the prepaid return label for order {order}?",
                         "How do I get the label to send back {order}?"),
            "tool": ("create_return_label", {"order_id": "{order}"},
                     {"order_id": "{order}", "label_url": "https://larkspur.example/returns/{order}",
                      "qr_code": True}),
            "good": ("I've created a prepaid return label for {order}. Download it from your order page, or show the "
                     "QR code at any {carrier} drop-off point if you don't have a printer.",
                     "Done: the label for {order} is on your order page and in your email. No printer? {carrier} "
                     "drop-off points scan the QR code instead."),
            "wrong": ("You have to buy your own postage for returns.",
                      "Return labels are sent by post within 14 days."),
            "miss": ("Your refund for {order} will be processed when we receive the item.",),
            "partial": ("Return labels are on the order page.",),
            "followup": (("Where is the nearest drop-off?", "The {carrier} site lists drop-off points by "
                          "postcode; most supermarkets have one."),),
        },
        {
            "key": "damaged_item",
            "label": "report a damaged item",
            "ask": ("My {product} arrived damaged, the box was crushed.", "the {furniture} came with a broken leg",
                    "Item arrived broken. What do I do?"),
            "rephrase": ("The {product} I received is broken. Can I get a replacement?",
                         "What happens now that my delivery arrived damaged?"),
            "good": ("I'm sorry it arrived like that. Send a photo of the damage from Account > Orders > Report a "
                     "problem and we'll ship a replacement straight away; keep the damaged one until the courier "
                     "collects it.",
                     "Sorry about that! Report it with a photo from your order page. We send a replacement within a "
                     "day and collect the damaged item for free."),
            "wrong": ("Damage in transit is the courier's responsibility, please contact them.",
                      "We can't replace items after delivery."),
            "miss": ("You have 30 days to return an item you don't want.",),
            "partial": ("Please report the damage from your order page.",),
            "followup": (("Do I need to keep the box?", "Yes, please keep it until the courier picks it up."),),
        },
        {
            "key": "exchange",
            "label": "exchange for another model",
            "ask": ("Can I exchange the {product} for the {product2}?",
                    "i want to swap my {product} for a different one",
                    "Is it possible to exchange instead of return?"),
            "rephrase": ("Instead of a refund, can I get the {product2} in place of the {product}?",
                         "How do I swap the {product} I bought for another model?"),
            "good": ("Yes. Start a return for the {product} and choose 'Exchange'. Pick the {product2}; if it costs "
                     "more you pay the difference, if less we refund it.",
                     "You can: choose Exchange when you start the return and select the {product2}. We ship it as "
                     "soon as the {carrier} scan shows your return on its way."),
            "wrong": ("Exchanges are only possible in our physical shops.",
                      "We don't do exchanges, only store credit."),
            "miss": ("The {product2} is in stock and costs {amount}.",),
            "partial": ("Exchanges are possible in some cases.",),
            "followup": (("Do I have to wait for my return to arrive?", "No, we ship the new one as soon as the "
                          "courier scans your return."),),
        },
    ],
    "technical setup": [
        {
            "key": "wifi",
            "label": "connect a device to wifi",
            "ask": ("How do I connect my {device} to wifi?", "{device} won't connect to my wifi",
                    "Setting up the {device}, it can't find my network"),
            "rephrase": ("My {device} doesn't find the wifi network during setup. How do I get it online?",
                         "What are the steps to get the {device} onto my home wifi?"),
            "good": ("1. Open the Larkspur Home app and tap Add device. 2. Hold the button on the {device} for 5 "
                     "seconds until the light blinks blue. 3. Pick your 2.4 GHz network (the {device} can't use 5 "
                     "GHz) and enter the password.",
                     "The {device} only works on 2.4 GHz wifi. In the Larkspur Home app choose Add device, put the "
                     "{device} in pairing mode (hold the button 5 seconds), and select your 2.4 GHz network."),
            "wrong": ("The {device} needs an ethernet cable; it doesn't support wifi.",
                      "Restart your router three times in a row and the {device} will connect automatically."),
            "miss": ("The {device} works with {ecosystem} once it's set up.",),
            "partial": ("Make sure your wifi is working.",),
            "followup": (("My router only shows one network.", "Many routers combine both bands; in its settings "
                          "turn on a separate 2.4 GHz network, or pair the {device} while standing next to it."),),
        },
        {
            "key": "firmware",
            "label": "fix a failing firmware update",
            "ask": ("The app says my {device} needs a firmware update but it keeps failing.",
                    "firmware update stuck at 60% on the {device}", "Update failed on my {device}, error 0x12"),
            "rephrase": ("The {device} update fails every time I try. How do I get it to install?",
                         "What can I do when the {device} firmware update won't finish?"),
            "good": ("Keep the {device} plugged in and within a few metres of the router, then try again from "
                     "Settings > Firmware. If it stops at the same point, hold the button for 15 seconds to restart "
                     "it; the update resumes on its own.",
                     "Error 0x12 means the download was interrupted. Move the {device} closer to the router, keep it "
                     "on power, and retry from Settings > Firmware."),
            "wrong": ("Firmware updates can only be done at a service centre.",
                      "Failed updates mean the {device} is broken; you'll need a new one."),
            "miss": ("You can turn on automatic updates under Settings > Firmware.",),
            "partial": ("Try again later.",),
            "followup": (("Will I lose my settings?", "No, settings and schedules are kept during updates."),),
        },
        {
            "key": "compatibility",
            "label": "check compatibility",
            "ask": ("Does the {device} work with {ecosystem}?", "can i use {device} with {ecosystem}",
                    "Is the {device} compatible with {ecosystem}?"),
            "rephrase": ("Will the {device} work if my home runs on {ecosystem}?",
                         "Can I control the {device} from {ecosystem}?"),
            "good": ("Yes. Link your Larkspur account in the {ecosystem} app under Add device > Works with, and the "
                     "{device} appears there. Voice control and routines both work.",
                     "It does: enable the Larkspur skill in {ecosystem}, sign in, and the {device} shows up "
                     "with its controls."),
            "wrong": ("The {device} only works with the Larkspur app.", "{ecosystem} support was removed last year."),
            "miss": ("The {device} comes with a two-year warranty.",),
            "partial": ("It works with several smart home systems.",),
            "followup": (("Does it need a hub?", "No hub needed; it connects over wifi."),),
        },
        {
            "key": "factory_reset",
            "label": "factory reset a device",
            "ask": ("How do I factory reset the {device}?", "need to reset {device} before selling it",
                    "How can I wipe my {device} and start again?"),
            "rephrase": ("What's the way to put the {device} back to factory settings?",
                         "How do I completely reset the {device}?"),
            "good": ("Hold the button on the {device} for 20 seconds until the light turns orange, then release. It "
                     "restarts with factory settings. Remove it from the Larkspur Home app too before you sell it.",
                     "Press and hold the button for 20 seconds (the light turns orange). That wipes the {device}; "
                     "then remove it from your account in the app."),
            "wrong": ("The {device} can't be reset.", "Unplug it for a week and it resets itself."),
            "miss": ("You can rename the {device} in the app under Settings > Name.",),
            "partial": ("There's a reset button on the device.",),
            "followup": (("Will that remove it from my account?", "No, remove it in the app as well."),),
        },
    ],
}

PRODUCT_AREAS = tuple(INTENTS)
