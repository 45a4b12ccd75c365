"""The demo team and its weekly loop: members, meetings, reviews (tags and judgements), issues, decisions, KPIs.

Pure planning, no database: rows are dicts that point at members, meetings and issues by their index in the
plan's lists and at conversations by id; `reviewlab.demo.seed` writes them and swaps indexes for database ids.

The story: until week 5 a data scientist reviews a few conversations now and then, and most problems reach the
team as complaints. From week 6 builders and business people meet every Thursday to review last week's
conversations together; problems are found earlier and more often by the team itself (proactive), decisions cite
evidence, and meetings talk about what users do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from reviewlab.demo.conversations import (
    ABANDONED,
    COMPLETED,
    DEGRADED_AREA,
    FIXED_AREA,
    PARTIAL,
    REFUSED,
    REPHRASED,
    RESOLVED,
    WORSE_VARIANT,
    WRONG,
    Calendar,
    DemoConversation,
    Quota,
)

SESSIONS_FROM_WEEK = 6
SESSION_WEEKDAY, SESSION_HOUR = 3, 15  # Thursdays, 15:00 UTC
SESSION_SHARE = 0.22  # of last week's conversations sampled for a session, each read by two reviewers
ADHOC_SHARE = 0.12  # of a week's conversations read by the data scientist before sessions start
ADHOC_OVERLAP = 0.3  # of those, also read by a second reviewer
DEGRADATION_ISSUE_WEEK, VARIANT_ISSUE_WEEK = 10, 12

TEAM = (  # name, email, function, side
    ("Priya Raman", "priya.raman", "data/ai", "builder"),
    ("Tomás Ferreira", "tomas.ferreira", "engineering", "builder"),
    ("Lena Hoffmann", "lena.hoffmann", "engineering", "builder"),
    ("Kwame Mensah", "kwame.mensah", "data/ai", "builder"),
    ("Jonas Weber", "jonas.weber", "design", "builder"),
    ("Sofia Lindqvist", "sofia.lindqvist", "product", "business"),
    ("Daniel Okafor", "daniel.okafor", "product", "business"),
    ("Mei Chen", "mei.chen", "support", "business"),
    ("Rafael Duarte", "rafael.duarte", "support", "business"),
    ("Aisha Karim", "aisha.karim", "business", "business"),
    ("Hannah Brooks", "hannah.brooks", "leadership", "business"),
)
EMAIL_DOMAIN = "larkspur.example"
PRIYA, TOMAS, LENA, KWAME, JONAS, SOFIA, DANIEL, MEI, RAFAEL, AISHA, HANNAH = range(len(TEAM))
ENGINEERS, SUPPORT, PRODUCT = (TOMAS, LENA), (MEI, RAFAEL), (SOFIA, DANIEL)

#: Other AI meetings, one a week in rotation: title, usual attendees.
OTHER_MEETINGS = (
    ("AI platform sync", (TOMAS, LENA, KWAME)),
    ("Model evaluation check-in", (PRIYA, KWAME, TOMAS)),
    ("Support escalations review", (MEI, RAFAEL, SOFIA)),
    ("Assistant roadmap", (SOFIA, DANIEL, TOMAS, HANNAH)),
    ("Prompt experiment readout", (PRIYA, KWAME, DANIEL)),
)
AGENDA = """\
# {title}

1. Check-in: what shipped or changed since last week (5 min)
2. Follow-ups due from earlier decisions (5 min)
3. Walk through the sample: tags, judgements, where we disagree (30 min)
4. Issues to open and decisions to take, each with its evidence (10 min)
5. Wrap-up: owners and follow-up dates (5 min)
"""

#: Problems the team can find, per area (None: any area): (title, tag, description). Issues that are not planted
#: use these; their evidence is conversations of that area whose outcome the tag describes.
ISSUE_THEMES = {
    "billing": (
        ("Double charges described as non-refundable", "wrong answer",
         "Card authorisations are explained as permanent duplicate payments."),
        ("Assistant quotes an old Plus price", "wrong answer", "Some answers still say $99 a year."),
        ("Invoice answers say PDFs can't be downloaded", "wrong answer", "Users with a VAT need are turned away."),
        ("Refund answers leave out the bank's processing time", "incomplete answer",
         "Users come back a day later asking where the money is."),
    ),
    "account access": (
        ("Password reset help stops before the SMS option", "incomplete answer",
         "Users whose reset email never arrives are not told about the SMS code."),
        ("Change-email answers send users to their bank", "wrong answer", "A made-up step in the answer."),
        ("Locked-account answers say the lock lasts 30 days", "wrong answer", "It lasts 30 minutes."),
        ("Two-factor questions answered with how to turn it on", "misunderstood intent",
         "Locked-out users get the set-up instructions."),
    ),
    "shipping": (
        ("Address-change answers claim a change was made", "wrong answer",
         "The assistant says it changed the address; it cannot."),
        ("International answers contradict the checkout", "wrong answer", "'EU only' is wrong for most countries."),
        ("Delivery-time answers ignore the 2pm cut-off", "incomplete answer", "Users expect next-day and get two."),
        ("Order-status questions answered with generic delivery times", "misunderstood intent",
         "The user asked about their parcel, not the policy."),
    ),
    "product search": (
        ("Comparisons call current products discontinued", "wrong answer", "Hurts sales of two speakers."),
        ("Stock questions answered with another product", "misunderstood intent",
         "Users asking about one item get a different item's stock."),
        ("Budget searches suggest items over budget", "wrong answer", "The price filter is not applied."),
        ("Dimension questions answered with the colours", "misunderstood intent", "Users need sizes to buy."),
    ),
    "returns": (
        ("Sale items described as non-returnable", "wrong answer", "They are returnable within 30 days."),
        ("Damaged-item reports pushed to the courier", "wrong answer",
         "We replace damaged items; the answer sends users to the courier."),
        ("Exchange answers say exchanges are shop-only", "wrong answer", "Exchanges work online too."),
        ("Return-label answers skip the QR code option", "incomplete answer", "Users without a printer are stuck."),
    ),
    "technical setup": (
        ("Wifi setup answers miss the 2.4 GHz requirement", "incomplete answer",
         "The most common setup failure is never mentioned."),
        ("Firmware failures answered with 'try again later'", "incomplete answer", "No actual troubleshooting."),
        ("Factory reset answers say devices can't be reset", "wrong answer", "Every device has a reset button."),
        ("Compatibility answers deny smart-home support", "wrong answer", "All devices work with the big four."),
    ),
    None: (
        ("Users who rephrase twice get no handoff", "abandoned", "They leave instead of reaching a person."),
        ("Answers point to the Help page instead of answering", "incomplete answer", "Vague non-answers."),
        ("Follow-up questions lose the context of the first one", "misunderstood intent",
         "The second answer ignores what the user said before."),
    ),
}
THEME_OUTCOMES = {"wrong answer": WRONG, "incomplete answer": PARTIAL, "misunderstood intent": REPHRASED,
                  "abandoned": ABANDONED}
DECISIONS = (  # title, rationale
    ("Add the returns policy page to the assistant's knowledge base", "Answers about returns contradict the policy."),
    ("Number the steps in every setup answer", "Setup answers are long paragraphs users lose their place in."),
    ("Route damaged-item reports to the replacement flow", "Users are sent to the courier and come back angry."),
    ("Offer a human handoff after two failed answers", "Users who rephrase twice usually leave."),
    ("Show the tracking link in every shipping answer", "Users ask again when they can't see the source."),
    ("Ask for a thumbs rating after resolved conversations", "We have too little explicit feedback to compare."),
    ("Review refusals every week", "Refusals are rare but each one blocks a user completely."),
    ("Stop opening prompt-v2 answers with a greeting", "Reviewers tag the padding as too long."),
    ("Keep a glossary of product names for the assistant", "Comparisons mix up current and old products."),
    ("Add the Plus price table to the system prompt", "Price answers drift from the website."),
)
INDICATOR_TARGETS = (  # indicator key (reviewlab.indicators), target, higher is better
    ("meeting_content_share", 0.6, True),
    ("evidence_backed_share", 0.8, True),
    ("proactive_share", 0.6, True),
    ("cross_functional_meetings", 2.0, True),
    ("task_completion_rate", 0.75, True),
    ("positive_feedback_share", 0.6, True),
    ("median_days_to_detect", 7.0, False),
)
REVIEW_NOTES = {
    WRONG: ("The answer is simply wrong.", "Confident and wrong.", "Contradicts our policy page."),
    REFUSED: ("Should not have refused this.", "User was locked out and we said no."),
    ABANDONED: ("User tried twice and left.", "Rephrased, got the same non-answer, gave up."),
    PARTIAL: ("Half an answer.", "Vague, no next step."),
    REPHRASED: ("Got there on the second try.",),
}


@dataclass
class Plan:
    cal: Calendar
    conversations: list[DemoConversation]
    members: list[dict] = field(default_factory=list)
    meetings: list[dict] = field(default_factory=list)  # + "attendees": [member index], "week"
    assignments: list[dict] = field(default_factory=list)  # meeting (index), conversation_id, member (index)…
    annotations: list[dict] = field(default_factory=list)  # conversation_id, position (None: whole), tag, member…
    judgements: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)  # + "evidence": [conversation id], "planted": key or None
    decisions: list[dict] = field(default_factory=list)  # + "evidence": [{"kind", "ref" or "issue", "snapshot"}]
    kpis: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    reviewed: dict[str, set[int]] = field(default_factory=dict)  # conversation id -> reviewer indexes


def plan_workspace(rng: random.Random, cal: Calendar, conversations: list[DemoConversation]) -> Plan:
    plan = Plan(cal=cal, conversations=conversations)
    start = datetime.combine(cal.mondays[0], datetime.min.time(), tzinfo=cal.fix_time.tzinfo)
    plan.members = [{"name": name, "email": f"{local}@{EMAIL_DOMAIN}", "function": function, "side": side,
                     "created_at": start} for name, local, function, side in TEAM]
    by_week: dict[int, list[DemoConversation]] = {}
    for conv in conversations:
        by_week.setdefault(conv.week, []).append(conv)
    _plan_meetings(rng, plan)
    _plan_reviews(rng, plan, by_week)
    _plan_issues(rng, plan)
    _plan_decisions(rng, plan)
    _plan_kpis(rng, plan, by_week)
    plan.targets = [{"indicator": i, "target": t, "higher_is_better": h} for i, t, h in INDICATOR_TARGETS]
    return plan


# --- Meetings -------------------------------------------------------------------------------------------


def _plan_meetings(rng: random.Random, plan: Plan) -> None:
    cal = plan.cal
    quota = Quota(rng)
    now = datetime.combine(cal.today, datetime.min.time(), tzinfo=cal.fix_time.tzinfo)
    for week in range(1, cal.n_weeks + 1):
        title, usual = OTHER_MEETINGS[(week - 1) % len(OTHER_MEETINGS)]
        held = cal.at(week, 1, 11)
        if held >= now:
            continue
        after = week >= SESSIONS_FROM_WEEK
        attendees = list(usual)
        builders = [m for m in attendees if TEAM[m][3] == "builder"]
        if after and quota.chance(("invite",), 0.6):  # the habit spreads: the other side gets invited
            pool = (SOFIA, DANIEL, MEI) if builders == attendees else (PRIYA, KWAME, LENA)
            attendees.append(rng.choice([m for m in pool if m not in attendees]))
        discussed = quota.chance(("discussed", after), 0.6 if after else 0.25)
        plan.meetings.append(_meeting(title, held, "other", attendees, discussed=discussed, week=week,
                                      notes="Looked at a few conversations users struggled with." if discussed else ""))
        if week == 3:  # booked in the AI calendar, but not about AI: does not count for the indicators
            plan.meetings.append(_meeting("Office move logistics", cal.at(week, 2, 10), "other",
                                          [SOFIA, AISHA, TOMAS], discussed=False, week=week, counts=False))
    for week in range(SESSIONS_FROM_WEEK, cal.n_weeks + 1):
        held = cal.at(week, SESSION_WEEKDAY, SESSION_HOUR)
        if held < now:
            plan.meetings.append(_session(rng, week, held, status="done"))
    days_ahead = (SESSION_WEEKDAY - cal.today.weekday()) % 7
    upcoming = datetime.combine(cal.today + timedelta(days=days_ahead), datetime.min.time().replace(hour=SESSION_HOUR),
                                tzinfo=now.tzinfo)
    planned = _session(rng, None, upcoming, status="planned")
    planned["created_at"] = min(planned["created_at"], now - timedelta(hours=12))  # planned yesterday at the latest
    plan.meetings.append(planned)
    plan.meetings.sort(key=lambda m: m["held_at"])


def _session(rng: random.Random, week: int | None, held: datetime, *, status: str) -> dict:
    builders, business = rng.sample((TOMAS, LENA, KWAME, JONAS), 2), rng.sample((SOFIA, DANIEL, MEI, RAFAEL, AISHA), 3)
    attendees = [PRIYA, *builders, *business]
    if rng.random() < 0.25:
        attendees.append(HANNAH)
    title = f"Weekly conversation review — {held.date().isoformat()}"
    return _meeting(title, held, "review_session", attendees, discussed=status == "done", week=week, status=status,
                    agenda=AGENDA.format(title=title), facilitator=PRIYA)


def _meeting(title, held, kind, attendees, *, discussed, week, counts=True, status="done", agenda="", notes="",
             facilitator=None) -> dict:
    return {"title": title, "held_at": held, "kind": kind, "discussed_user_behaviour": discussed, "counts": counts,
            "agenda": agenda, "notes": notes, "status": status, "facilitator": facilitator, "sample_rules": None,
            "created_at": held - timedelta(days=2), "attendees": sorted(set(attendees)), "week": week}


def sessions(plan: Plan, status: str | None = "done") -> list[tuple[int, dict]]:
    return [(i, m) for i, m in enumerate(plan.meetings)
            if m["kind"] == "review_session" and (status is None or m["status"] == status)]


# --- Reviews: assignments, tags, judgements -------------------------------------------------------------


def _plan_reviews(rng: random.Random, plan: Plan, by_week: dict[int, list[DemoConversation]]) -> None:
    cal = plan.cal
    for week in range(1, SESSIONS_FROM_WEEK - 1):  # before the sessions: a data scientist reads a few
        pool = by_week.get(week, [])
        for conv in rng.sample(pool, min(len(pool), max(1, round(ADHOC_SHARE * len(pool))))):
            when = conv.started_at + timedelta(days=rng.uniform(0.5, 3))
            reviewers = [KWAME, PRIYA] if rng.random() < ADHOC_OVERLAP else [KWAME]
            for member in reviewers:
                _review(rng, plan, conv, member, when + timedelta(minutes=rng.randint(0, 600)))
    for index, meeting in sessions(plan, status=None):
        held = meeting["held_at"]
        day_from = held.date() - timedelta(days=held.weekday() + 7)  # last week's Monday…
        day_to = min(day_from + timedelta(days=6), cal.today - timedelta(days=1))  # …to Sunday (or yesterday)
        pool = sorted((c for c in plan.conversations if day_from <= c.started_at.date() <= day_to),
                      key=lambda c: c.id)
        sample = rng.sample(pool, min(len(pool), max(2, round(SESSION_SHARE * len(pool)))))
        meeting["sample_rules"] = {"n": len(sample), "seed": rng.randrange(10_000), "unreviewed_only": True,
                                   "stratify_by": "product_area", "min_frustration": None, "overlap": 2,
                                   "date_from": day_from.isoformat(), "date_to": day_to.isoformat()}
        reviewers = meeting["attendees"]
        done = meeting["status"] == "done"
        for position, conv in enumerate(sample):
            for j in range(2):
                member = reviewers[(2 * position + j) % len(reviewers)]
                when = held + timedelta(minutes=5 + 50 * position / max(1, len(sample)) + rng.randint(0, 4))
                plan.assignments.append({"meeting": index, "conversation_id": conv.id, "member": member,
                                         "position": position, "done_at": when if done else None})
                if done:
                    _review(rng, plan, conv, member, when)
        if done:
            n_tagged = len({a["conversation_id"] for a in plan.annotations if a["created_at"] >= held
                            and a["created_at"] < held + timedelta(hours=2)})
            meeting["notes"] = f"Reviewed {len(sample)} conversations from last week in pairs; {n_tagged} tagged."


def _review(rng: random.Random, plan: Plan, conv: DemoConversation, member: int, when: datetime) -> None:
    """One reviewer reads one conversation: tags (mostly what really happened, with some noise) and a judgement."""
    plan.reviewed.setdefault(conv.id, set()).add(member)
    marks, outcome = conv.marks, conv.outcome
    tags: list[tuple[str, int | None, float]] = {  # tag, message position (None: whole conversation), chance
        RESOLVED: [("solved it", None, 0.5), ("delightful", None, 0.04)],
        REPHRASED: [("user had to rephrase", marks.get("rephrase"), 0.85),
                    ("misunderstood intent", marks.get("miss"), 0.6), ("solved it", None, 0.3)],
        WRONG: [("wrong answer", marks.get("wrong"), 0.9), ("tone", None, 0.05)],
        REFUSED: [("unnecessary refusal", marks.get("refusal"), 0.9)],
        PARTIAL: [("incomplete answer", marks.get("partial"), 0.8), ("missing capability", None, 0.2)],
        ABANDONED: [("user had to rephrase", marks.get("rephrase"), 0.8), ("abandoned", None, 0.85),
                    ("misunderstood intent", marks["miss"], 0.4) if "miss" in marks
                    else ("wrong answer", marks.get("wrong"), 0.6)],
    }[outcome]
    if conv.variant == WORSE_VARIANT and outcome == RESOLVED:
        tags.append(("too long", marks.get("answer"), 0.15))
    tags.append((rng.choice(("too long", "formatting", "slow", "tone")), None, 0.04))  # reviewer noise
    for tag, position, chance in tags:
        if rng.random() < chance:
            note = rng.choice(REVIEW_NOTES.get(outcome, ("",))) if position is not None and rng.random() < 0.3 else ""
            plan.annotations.append({"conversation_id": conv.id, "position": position, "tag": tag, "member": member,
                                     "note": note, "created_at": when})
    fulfilled = {RESOLVED: "yes", REPHRASED: "yes" if rng.random() < 0.7 else "partial", WRONG: "no",
                 REFUSED: "no", PARTIAL: "partial", ABANDONED: "no"}[outcome]
    if rng.random() < 0.08:  # reviewers disagree at the margins
        fulfilled = {"yes": "partial", "partial": rng.choice(("yes", "no")), "no": "partial"}[fulfilled]
    elif rng.random() < 0.03:
        fulfilled = "unclear"
    low, high = {RESOLVED: (4, 5), REPHRASED: (3, 4), WRONG: (1, 2), REFUSED: (1, 2), PARTIAL: (2, 3),
                 ABANDONED: (1, 2)}[outcome]
    completed = "yes" if outcome in COMPLETED else "no"
    draw = rng.random()
    if draw < 0.06:
        completed = "no" if completed == "yes" else "yes"
    elif draw < 0.1:
        completed = "unknown"
    plan.judgements.append({
        "conversation_id": conv.id, "member": member, "intent": conv.intent["label"], "intent_fulfilled": fulfilled,
        "satisfaction": rng.randint(low, high), "task_completed": completed,
        "note": rng.choice(REVIEW_NOTES[outcome]) if outcome in REVIEW_NOTES and rng.random() < 0.2 else "",
        "created_at": when, "updated_at": when,
    })


# --- Issues ---------------------------------------------------------------------------------------------


def _plan_issues(rng: random.Random, plan: Plan) -> None:
    cal = plan.cal
    done_sessions = {m["week"]: i for i, m in sessions(plan)}
    themes = [(area, theme) for area, items in ISSUE_THEMES.items() for theme in items]
    rng.shuffle(themes)
    quota = Quota(rng)
    today = datetime.combine(cal.today, datetime.min.time(), tzinfo=cal.fix_time.tzinfo)

    first = done_sessions.get(SESSIONS_FROM_WEEK)
    if first is not None:
        _add_issue(rng, plan, "fixed_refusal", "Assistant refuses to help with two-factor recovery", FIXED_AREA,
                   "unnecessary refusal", "Users who lost their phone get a security refusal instead of the recovery "
                   "code and identity verification steps.", channel="review", meeting=first, severity="high",
                   detected=plan.meetings[first]["held_at"] + timedelta(minutes=55), resolved=cal.fix_time,
                   owner=TOMAS, author=MEI, outcome=REFUSED)
    if DEGRADATION_ISSUE_WEEK <= cal.n_weeks and cal.at(DEGRADATION_ISSUE_WEEK, 2, 9) < today:
        _add_issue(rng, plan, "degradation", "Shipping answers give wrong delivery dates and statuses", DEGRADED_AREA,
                   "wrong answer", "Since the carrier feed change the assistant ignores the tracking tool: "
                   "'delivered' for parcels in transit, 10-14 days for express.", channel="alert",
                   detected=cal.at(DEGRADATION_ISSUE_WEEK, 2, 9, 30), status="in_progress", severity="high",
                   owner=LENA, author=KWAME, outcome=WRONG, signal="thumbs_down_rate")
    variant_session = done_sessions.get(VARIANT_ISSUE_WEEK)
    if variant_session is not None:
        _add_issue(rng, plan, "worse_variant", f"{WORSE_VARIANT} leaves more tasks unfinished than prompt-v1", None,
                   "incomplete answer", "In the reviewed sample fewer prompt-v2 conversations end with the task done; "
                   "its answers are vaguer and padded.", channel="analysis", meeting=variant_session,
                   detected=plan.meetings[variant_session]["held_at"] + timedelta(minutes=50), status="open",
                   severity="medium", owner=PRIYA, author=DANIEL, outcome=PARTIAL, variant=WORSE_VARIANT)

    for week in range(2, cal.n_weeks + 1):  # from week 2: complaints need some history to point at
        after = week >= SESSIONS_FROM_WEEK
        count = (1 + week % 2) if not after else 2 + (rng.random() < 0.4)
        count -= sum(1 for i in plan.issues if cal.week_of(i["detected_at"]) == week)
        for _ in range(max(0, count)):
            if not themes:
                return
            proactive = quota.chance(("proactive", after), 0.75 if after else 0.25)
            if proactive:
                channel = rng.choice(("review", "review", "cluster", "alert")) if after else rng.choice(
                    ("analysis", "alert"))
            else:
                channel = rng.choice(("complaint", "support_ticket", "escalation"))
            meeting = done_sessions.get(week) if channel == "review" else None
            if channel == "review" and meeting is None:
                channel = "analysis"
            if meeting is not None:
                detected = plan.meetings[meeting]["held_at"] + timedelta(minutes=rng.randint(20, 55))
            else:
                days = cal.days(week)
                detected = datetime.combine(rng.choice(days), datetime.min.time().replace(hour=rng.randint(8, 17)),
                                            tzinfo=today.tzinfo)
            if detected >= today:
                continue
            area, (title, tag, description) = themes.pop()
            age = (today - detected).days
            status, resolved = rng.choices(("open", "in_progress"), (3, 2))[0], None
            if age > 9:
                status = rng.choices(("resolved", "wont_fix", "in_progress"), (7, 1, 2))[0]
                if status == "resolved":
                    resolved = detected + timedelta(days=rng.uniform(3, 12) if after else rng.uniform(10, 28))
                    if resolved >= today:
                        status, resolved = "in_progress", None
            if not proactive:
                author = rng.choice(SUPPORT)
            else:
                author = rng.choice(plan.meetings[meeting]["attendees"] if meeting is not None else (PRIYA, KWAME))
            outcome = THEME_OUTCOMES[tag]
            _add_issue(rng, plan, None, title, area, tag, description, channel=channel, meeting=meeting,
                       detected=detected, resolved=resolved, status=status,
                       severity=rng.choices(("low", "medium", "high", "critical"), (3, 5, 2, 1 if proactive else 3))[0],
                       owner=rng.choice((TOMAS, LENA, PRIYA, KWAME)), author=author, outcome=outcome)
    plan.issues.sort(key=lambda i: i["detected_at"])


def _add_issue(rng: random.Random, plan: Plan, planted: str | None, title: str, area: str | None, tag: str,
               description: str, *, channel: str, detected: datetime, owner: int, author: int, outcome: str,
               meeting: int | None = None, resolved: datetime | None = None, status: str | None = None,
               severity: str = "medium", signal: str | None = None, variant: str | None = None) -> None:
    proactive = channel in ("review", "alert", "cluster", "analysis")
    if proactive and channel == "review":  # seen in the session's sample: conversations of the week before
        window = (detected - timedelta(days=11), detected - timedelta(days=1))
    elif proactive:
        window = (detected - timedelta(days=9), detected - timedelta(hours=6))
    else:  # users complained: the trouble started weeks earlier
        window = (detected - timedelta(days=24), detected - timedelta(days=3))

    lo, hi = window
    recent = [c for c in plan.conversations if lo <= c.started_at < hi]
    tiers = (  # what the issue is about first; then other failures in the area; then any failure
        lambda c: (area is None or c.product_area == area) and (variant is None or c.variant == variant)
        and c.outcome == outcome,
        lambda c: (area is None or c.product_area == area) and not c.completed,
        lambda c: not c.completed,
    )
    k = rng.randint(2, 4)
    evidence: list[DemoConversation] = []
    if channel == "review":  # what the team actually read first
        read = [c for c in recent if c.id in plan.reviewed and tiers[0](c)]
        evidence = rng.sample(read, min(len(read), k))
    for test in tiers:
        taken = {c.id for c in evidence}
        pool = [c for c in recent if c.id not in taken and test(c)]
        evidence += rng.sample(pool, min(len(pool), k - len(evidence)))
    plan.issues.append({
        "planted": planted, "title": title, "description": description,
        "found_via": "proactive" if proactive else "reactive", "channel": channel, "severity": severity,
        "status": status or ("resolved" if resolved else "open"), "owner": owner, "created_by": author,
        "meeting": meeting, "tag": tag, "signal": signal, "detected_at": detected, "resolved_at": resolved,
        "created_at": detected, "evidence": sorted(c.id for c in evidence), "product_area": area,
    })


# --- Decisions ------------------------------------------------------------------------------------------


def _plan_decisions(rng: random.Random, plan: Plan) -> None:
    cal = plan.cal
    quota = Quota(rng)
    templates = list(DECISIONS)
    rng.shuffle(templates)
    planted = {i["planted"]: n for n, i in enumerate(plan.issues) if i["planted"]}
    for index, meeting in enumerate(plan.meetings):
        if meeting["status"] != "done" or not meeting["counts"]:
            continue
        session = meeting["kind"] == "review_session"
        week = cal.week_of(meeting["held_at"])
        if not session and (week >= SESSIONS_FROM_WEEK or rng.random() < 0.4):
            continue
        decided = meeting["held_at"] + timedelta(minutes=58)
        opened_here = [n for n, i in enumerate(plan.issues) if i["meeting"] == index]
        if "fixed_refusal" in planted and plan.issues[planted["fixed_refusal"]]["meeting"] == index:
            issue = planted["fixed_refusal"]
            _add_decision(plan, index, "Let the assistant walk users through two-factor recovery",
                          "Refusing locks users out; the recovery steps are public and safe to explain.", SOFIA,
                          decided, follow_up=cal.fix_time.date() + timedelta(days=7), done=True,
                          evidence=_issue_evidence(plan, issue, rng))
            continue
        if week == DEGRADATION_ISSUE_WEEK and session and "degradation" in planted:
            issue = planted["degradation"]
            _add_decision(plan, index, "Answer delivery questions only from the tracking tool's output",
                          "Thumbs down on shipping answers more than doubled since the carrier feed change.", LENA,
                          decided, follow_up=cal.today - timedelta(days=2), done=False,
                          evidence=_issue_evidence(plan, issue, rng) + [_metric(plan, "thumbs_down_rate",
                                                                                DEGRADED_AREA, decided)])
            continue
        if "worse_variant" in planted and plan.issues[planted["worse_variant"]]["meeting"] == index:
            issue = planted["worse_variant"]
            _add_decision(plan, index, f"Hold {WORSE_VARIANT} at 50% until its task completion matches prompt-v1",
                          "Reviewed conversations show fewer completed tasks on prompt-v2.", DANIEL, decided,
                          follow_up=cal.today + timedelta(days=5), done=False,
                          evidence=_issue_evidence(plan, issue, rng) + [_metric(plan, "task_completion", None,
                                                                                decided)])
            continue
        if not templates:
            continue
        title, rationale = templates.pop()
        backed = quota.chance(("backed", session), 0.85 if session else 0.25)
        evidence = []
        if backed:
            if opened_here:
                evidence += _issue_evidence(plan, opened_here[0], rng)
            else:
                reviewed = [a["conversation_id"] for a in plan.assignments if a["meeting"] == index]
                evidence += [{"kind": "conversation", "ref": cid, "snapshot": None}
                             for cid in rng.sample(reviewed, min(2, len(reviewed)))]
                evidence.append({"kind": "tag", "tag": rng.choice(("wrong answer", "user had to rephrase")),
                                 "snapshot": None})
        follow_up = decided.date() + timedelta(days=14)
        _add_decision(plan, index, title, rationale, rng.choice((SOFIA, DANIEL, TOMAS, LENA, PRIYA)), decided,
                      follow_up=follow_up, done=follow_up < cal.today and rng.random() < 0.6, evidence=evidence)


def _issue_evidence(plan: Plan, issue: int, rng: random.Random) -> list[dict]:
    found = plan.issues[issue]
    links = [{"kind": "issue", "issue": issue, "snapshot": None},
             {"kind": "tag", "tag": found["tag"], "snapshot": None}]
    links += [{"kind": "conversation", "ref": cid, "snapshot": None}
              for cid in rng.sample(found["evidence"], min(2, len(found["evidence"])))]
    return links


def _metric(plan: Plan, name: str, area: str | None, at: datetime) -> dict:
    """A metric snapshot computed from the conversations of the 4 weeks before `at`."""
    recent = [c for c in plan.conversations if at - timedelta(weeks=4) <= c.started_at < at
              and (area is None or c.product_area == area)]
    if name == "thumbs_down_rate":
        rated = [c for c in recent if c.feedback is not None]
        value = sum(c.feedback < 0 for c in rated) / len(rated) if rated else None
        snapshot = {"metric": name, "scope": area, "value": value, "n": len(rated)}
    else:
        by_variant = {}
        for variant in sorted({c.variant for c in recent}):
            group = [c for c in recent if c.variant == variant]
            by_variant[variant] = sum(c.completed for c in group) / len(group)
        snapshot = {"metric": name, "scope": "variant", "value": by_variant, "n": len(recent)}
    snapshot["as_of"] = at.date().isoformat()
    return {"kind": "metric", "ref": name, "snapshot": snapshot}


def _add_decision(plan: Plan, meeting: int | None, title: str, rationale: str, owner: int, decided: datetime, *,
                  follow_up: date | None, done: bool, evidence: list[dict]) -> None:
    plan.decisions.append({"meeting": meeting, "title": title, "rationale": rationale, "owner": owner,
                           "decided_at": decided, "follow_up_on": follow_up, "follow_up_done": done,
                           "created_at": decided, "evidence": evidence})


# --- Business KPIs --------------------------------------------------------------------------------------


def _plan_kpis(rng: random.Random, plan: Plan, by_week: dict[int, list[DemoConversation]]) -> None:
    """Weekly business KPIs (dated on the week's Monday) that move with how well the assistant does."""
    for week in range(1, plan.cal.n_weeks + 1):
        group = by_week.get(week) or []
        completion = sum(c.completed for c in group) / len(group) if group else 0.7
        values = {
            "csat": round(3.0 + 1.7 * completion + rng.gauss(0, 0.04), 2),
            "retention": round(0.78 + 0.18 * completion + rng.gauss(0, 0.006), 3),
            "support_tickets": round(140 + 320 * (1 - completion) + rng.gauss(0, 8)),
        }
        plan.kpis += [{"name": n, "day": plan.cal.mondays[week - 1], "value": float(v)} for n, v in values.items()]

