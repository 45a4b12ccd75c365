"""The demo's users and conversations: who talks to the assistant when, about what, and how it goes.

Everything is drawn from one `random.Random`, so a seed gives the same workspace every time. What each
conversation "really" was (its outcome) is kept beside the record: that is the planted truth the analytics
should rediscover from the text alone.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from reviewlab.demo import texts
from reviewlab.ingest.records import ConversationRecord, MessageRecord, conversation_id

SOURCE = "demo"
N_WEEKS = 14
VARIANTS = ("prompt-v1", "prompt-v2")
WORSE_VARIANT = "prompt-v2"
AREA_WEIGHTS = {"billing": 0.22, "account access": 0.20, "shipping": 0.18, "product search": 0.15,
                "returns": 0.13, "technical setup": 0.12}
DEGRADED_AREA, DEGRADED_FROM_WEEK = "shipping", 9
FIXED_AREA, FIX_WEEK, FIX_WEEKDAY, FIX_HOUR = "account access", 8, 1, 10  # resolved on Tuesday of week 8, 10:00
BASE_CONVERSATIONS, BASE_USERS, BASE_ABANDONERS = 2100, 360, 24

RESOLVED, REPHRASED, WRONG = "resolved", "resolved_after_rephrase", "wrong_answer"
REFUSED, PARTIAL, ABANDONED = "refusal", "partial", "rephrase_then_abandon"
COMPLETED = (RESOLVED, REPHRASED)

#: Outcome mix per variant in a normal week: prompt-v2 completes fewer tasks (about 60% against 78%).
BASE_MIX = {
    "prompt-v1": {RESOLVED: 0.64, REPHRASED: 0.14, WRONG: 0.07, REFUSED: 0.03, PARTIAL: 0.09, ABANDONED: 0.03},
    "prompt-v2": {RESOLVED: 0.48, REPHRASED: 0.12, WRONG: 0.12, REFUSED: 0.04, PARTIAL: 0.19, ABANDONED: 0.05},
}
#: Shifts away from RESOLVED in the degrading area (from its week) and in the fixed area (until the fix).
DEGRADED_SHIFT = {WRONG: 0.24, REPHRASED: 0.08, ABANDONED: 0.04}
UNFIXED_SHIFT = {REFUSED: 0.30}
ABANDONER_MIX = {ABANDONED: 0.8, PARTIAL: 0.2}
#: (chance of any thumb, chance it is down) per outcome: unhappy users click more.
FEEDBACK = {RESOLVED: (0.22, 0.04), REPHRASED: (0.25, 0.25), WRONG: (0.55, 0.92), REFUSED: (0.5, 0.85),
            PARTIAL: (0.3, 0.55), ABANDONED: (0.35, 0.8)}


@dataclass(frozen=True)
class Calendar:
    """The demo's weeks: `N_WEEKS` ISO weeks ending with the week of yesterday; days before `today` only."""

    today: date
    mondays: tuple[date, ...]

    @classmethod
    def ending_before(cls, today: date, n_weeks: int = N_WEEKS) -> Calendar:
        yesterday = today - timedelta(days=1)
        last_monday = yesterday - timedelta(days=yesterday.weekday())
        return cls(today, tuple(last_monday - timedelta(weeks=n_weeks - 1 - i) for i in range(n_weeks)))

    @property
    def n_weeks(self) -> int:
        return len(self.mondays)

    def label(self, week: int) -> str:
        """The ISO week label ("2026-W47") of week number `week` (1-based)."""
        year, number, _ = self.mondays[week - 1].isocalendar()
        return f"{year}-W{number:02d}"

    def days(self, week: int) -> list[date]:
        monday = self.mondays[week - 1]
        return [d for d in (monday + timedelta(days=i) for i in range(7)) if d < self.today]

    def at(self, week: int, weekday: int, hour: int, minute: int = 0) -> datetime:
        day = self.mondays[week - 1] + timedelta(days=weekday)
        return datetime.combine(day, time(hour, minute), tzinfo=UTC)

    def week_of(self, moment: datetime | date) -> int | None:
        day = moment.date() if isinstance(moment, datetime) else moment
        index = (day - self.mondays[0]).days // 7 + 1
        return index if 1 <= index <= self.n_weeks else None

    @property
    def fix_time(self) -> datetime:
        return self.at(FIX_WEEK, FIX_WEEKDAY, FIX_HOUR)


@dataclass
class DemoUser:
    user_id: str
    variant: str  # sticky A/B assignment
    style: str  # how they write: plain, casual, terse
    join_week: int
    favourite_area: str
    rate: float = 1.0
    tau: float = 6.0  # weeks for the chance of coming back to fall by e
    abandoner: bool = False


@dataclass
class DemoConversation:
    external_id: str
    user: DemoUser
    week: int
    started_at: datetime
    product_area: str
    intent: dict = field(repr=False)
    outcome: str = RESOLVED
    feedback: float | None = None
    messages: list[MessageRecord] = field(default_factory=list, repr=False)
    marks: dict[str, int] = field(default_factory=dict)  # story role -> message position (failing answer…)

    @cached_property
    def id(self) -> str:
        return conversation_id(SOURCE, self.external_id)

    @property
    def variant(self) -> str:
        return self.user.variant

    @property
    def completed(self) -> bool:
        return self.outcome in COMPLETED

    def record(self) -> ConversationRecord:
        return ConversationRecord(
            external_id=self.external_id, messages=self.messages, user_id=self.user.user_id,
            started_at=self.started_at, variant=self.variant, product_area=self.product_area,
            explicit_feedback=self.feedback, meta={"channel": "app" if self.user.style == "casual" else "web"},
        )


class Quota:
    """Draws a category per item so that, for every key, the counts stay within about one of n·p.

    Items arrive in random order, so which items get which category is random, but a small demo (scale 0.1)
    still shows every planted effect at its intended size instead of at the mercy of sampling noise.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.debts: dict[tuple, dict[str, float]] = {}

    def draw(self, key: tuple, probs: dict[str, float]) -> str:
        debts = self.debts.setdefault(key, {c: self.rng.random() for c in probs})
        for category, p in probs.items():
            debts[category] += p
        chosen = max(debts, key=lambda c: (debts[c], c))
        debts[chosen] -= 1
        return chosen

    def chance(self, key: tuple, p: float) -> bool:
        """True for a share `p` of the calls with this key."""
        return self.draw(key, {"yes": p, "no": 1 - p}) == "yes"


def outcome_mix(area: str, variant: str, week: int, started_at: datetime, cal: Calendar) -> tuple[str, dict]:
    """The regime a conversation falls in and its outcome probabilities."""
    mix = dict(BASE_MIX[variant])
    regime = "base"
    if area == DEGRADED_AREA and week >= DEGRADED_FROM_WEEK:
        regime, shift = "degraded", DEGRADED_SHIFT
    elif area == FIXED_AREA and started_at < cal.fix_time:
        regime, shift = "unfixed", UNFIXED_SHIFT
    else:
        shift = {}
    for outcome, extra in shift.items():
        mix[outcome] += extra
        mix[RESOLVED] -= extra
    return regime, mix


# --- Users and when they come ---------------------------------------------------------------------------


def make_users(rng: random.Random, cal: Calendar, scale: float) -> list[DemoUser]:
    n_users = max(30, round(BASE_USERS * scale))
    n_abandoners = max(6, round(BASE_ABANDONERS * scale))
    ids: set[str] = set()
    while len(ids) < n_users:
        ids.add(f"usr_{rng.getrandbits(32):08x}")
    user_ids = sorted(ids)
    rng.shuffle(user_ids)
    areas, area_weights = list(AREA_WEIGHTS), list(AREA_WEIGHTS.values())
    week_weights = [len(cal.days(w)) * (0.85 + 0.03 * w) for w in range(2, cal.n_weeks + 1)]
    users = []
    for i, user_id in enumerate(user_ids):
        abandoner = i < n_abandoners
        if abandoner:
            join = rng.randint(2, cal.n_weeks - 3)
        elif rng.random() < 0.2:
            join = 1
        else:
            join = rng.choices(range(2, cal.n_weeks + 1), week_weights)[0]
        users.append(DemoUser(
            user_id=user_id, variant=VARIANTS[i % 2], style=rng.choices(("plain", "casual", "terse"), (5, 3, 2))[0],
            join_week=join, favourite_area=rng.choices(areas, area_weights)[0],
            rate=rng.lognormvariate(0, 0.8), tau=rng.uniform(2, 20), abandoner=abandoner,
        ))
    return users


def plan_visits(rng: random.Random, cal: Calendar, users: list[DemoUser], scale: float) -> list[tuple[DemoUser, int]]:
    """(user, week) for every conversation: each user once in their join week, abandoners a few times in a row
    and never again, the rest spread by each user's rate and a retention curve."""
    visits = []
    for user in users:
        if user.abandoner:
            k = rng.randint(2, 4)
            visits += [(user, min(user.join_week + j // 2 + j % 2, cal.n_weeks - 1)) for j in range(k)]
        else:
            visits.append((user, user.join_week))
    target = max(len(visits), round(BASE_CONVERSATIONS * scale))
    cells, weights = [], []
    for user in users:
        if user.abandoner:
            continue
        for week in range(user.join_week, cal.n_weeks + 1):
            cells.append((user, week))
            weights.append(user.rate * math.exp(-(week - user.join_week) / user.tau) * len(cal.days(week)) / 7)
    visits += rng.choices(cells, weights, k=target - len(visits))
    return visits


def visit_time(rng: random.Random, cal: Calendar, week: int) -> datetime:
    days = cal.days(week)
    day = rng.choices(days, [0.6 if d.weekday() >= 5 else 1.0 for d in days])[0]
    hour = rng.choices(range(24), [1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 10, 10, 10, 9, 9, 9, 10, 11, 12, 11, 9, 6, 3])[0]
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=UTC)


# --- Conversations --------------------------------------------------------------------------------------


def make_conversations(rng: random.Random, cal: Calendar, scale: float) -> list[DemoConversation]:
    users = make_users(rng, cal, scale)
    visits = plan_visits(rng, cal, users, scale)
    areas, area_weights = list(AREA_WEIGHTS), list(AREA_WEIGHTS.values())
    conversations = []
    external_ids: set[str] = set()
    for user, week in visits:
        area = user.favourite_area if rng.random() < 0.45 else rng.choices(areas, area_weights)[0]
        if user.abandoner and area == DEGRADED_AREA:  # keep the two planted stories apart
            area = rng.choice([a for a in areas if a != DEGRADED_AREA])
        while (external_id := f"conv_{rng.getrandbits(48):012x}") in external_ids:
            pass
        external_ids.add(external_id)
        conversations.append(DemoConversation(
            external_id=external_id, user=user, week=week, started_at=visit_time(rng, cal, week),
            product_area=area, intent=rng.choice(texts.INTENTS[area]),
        ))
    conversations.sort(key=lambda c: (c.started_at, c.external_id))

    last_of_abandoner = {c.user.user_id: c for c in conversations if c.user.abandoner}
    order = list(conversations)
    rng.shuffle(order)
    quota = Quota(rng)
    for conv in order:
        if conv.user.abandoner:
            is_last = last_of_abandoner[conv.user.user_id] is conv
            conv.outcome = ABANDONED if is_last else quota.draw(("abandoner",), ABANDONER_MIX)
        else:
            regime, mix = outcome_mix(conv.product_area, conv.variant, conv.week, conv.started_at, cal)
            conv.outcome = quota.draw((conv.product_area, regime, conv.variant), mix)
        p_any, p_down = FEEDBACK[conv.outcome]
        thumb = quota.draw(("feedback", conv.outcome),
                           {"none": 1 - p_any, "up": p_any * (1 - p_down), "down": p_any * p_down})
        conv.feedback = {"none": None, "up": 1.0, "down": -1.0}[thumb]
    for conv in conversations:  # text last, in time order, so a change to outcomes never reshuffles the words
        conv.messages, conv.marks = write_messages(rng, conv)
    return conversations


class _Turns:
    """Appends messages with plausible timestamps; remembers the position of story turns."""

    def __init__(self, rng: random.Random, start: datetime, slots: dict, style: str):
        self.rng, self.now, self.slots, self.style = rng, start, slots, style
        self.messages: list[MessageRecord] = []
        self.marks: dict[str, int] = {}

    def fill(self, template: str) -> str:
        return template.format_map(self.slots)

    def user(self, text: str, mark: str | None = None) -> None:
        if self.messages:
            self.now += timedelta(seconds=self.rng.randint(12, 150))
        text = self.fill(text)
        if self.style == "casual":
            text = text[:1].lower() + text[1:].rstrip(".")
        self._add("user", text, mark)

    def assistant(self, text: str, mark: str | None = None) -> None:
        self.now += timedelta(seconds=self.rng.randint(2, 9))
        self._add("assistant", self.fill(text), mark)

    def fill_all(self, value):
        if isinstance(value, str):
            return self.fill(value)
        if isinstance(value, dict):
            return {k: self.fill_all(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill_all(v) for v in value]
        return value

    def tool(self, spec: tuple) -> None:
        """An assistant tool call and the tool's answer (OpenAI shape), before the assistant's reply."""
        name, arguments, result = spec
        call_id = f"call_{self.rng.getrandbits(40):010x}"
        self.now += timedelta(seconds=self.rng.randint(1, 4))
        function = {"name": name, "arguments": json.dumps(self.fill_all(arguments))}
        self.messages.append(MessageRecord(role="assistant", content="", created_at=self.now,
                                           tool_calls=[{"id": call_id, "type": "function", "function": function}]))
        self.now += timedelta(seconds=1)
        self.messages.append(MessageRecord(role="tool", content=json.dumps(self.fill_all(result)), created_at=self.now,
                                           name=name, meta={"tool_call_id": call_id}))

    def _add(self, role: str, text: str, mark: str | None) -> None:
        if mark:
            self.marks.setdefault(mark, len(self.messages))
        self.messages.append(MessageRecord(role=role, content=text, created_at=self.now))

    def last_position(self, role: str) -> int | None:
        return next((i for i in range(len(self.messages) - 1, -1, -1) if self.messages[i].role == role), None)


def write_messages(rng: random.Random, conv: DemoConversation) -> tuple[list[MessageRecord], dict[str, int]]:
    """The conversation's turns for its outcome, in the user's style."""
    intent, outcome, pick = conv.intent, conv.outcome, rng.choice
    turns = _Turns(rng, conv.started_at, texts.make_slots(rng), conv.user.style)
    greeting = "" if conv.user.style == "terse" else pick(texts.GREETINGS)
    turns.user(greeting + pick(intent["ask"]), mark="ask")
    padding = pick(texts.PADDING) if conv.variant == WORSE_VARIANT and rng.random() < 0.35 else ""
    if "tool" in intent and outcome in (RESOLVED, WRONG, PARTIAL) and rng.random() < 0.6:
        turns.tool(intent["tool"])

    if outcome == RESOLVED:
        turns.assistant(padding + pick(intent["good"]), mark="answer")
        if rng.random() < 0.35:
            question, answer = pick(intent["followup"])
            turns.user(question)
            turns.assistant(answer)
        if rng.random() < 0.55:
            turns.user(pick(texts.THANKS))
            if rng.random() < 0.45:
                turns.assistant(pick(texts.WELCOMES))
    elif outcome == REPHRASED:
        turns.assistant(padding + pick(intent["miss"]), mark="miss")
        turns.user(pick(texts.REPHRASE_LEADS) + pick(intent["rephrase"]), mark="rephrase")
        turns.assistant(pick(intent["good"]), mark="answer")
        if rng.random() < 0.6:
            turns.user(pick(texts.THANKS))
    elif outcome == WRONG:
        turns.assistant(padding + pick(intent["wrong"]), mark="wrong")
        turns.user(pick(intent.get("corrections") or texts.CORRECTIONS), mark="correction")
        second = pick(list(intent["wrong"]) + list(texts.VAGUE))
        turns.assistant(pick(texts.APOLOGIES) + second, mark="wrong_again")
        if rng.random() < 0.7:
            turns.user(pick(texts.COMPLAINTS), mark="complaint")
            if rng.random() < 0.5:
                turns.assistant(pick(texts.HANDOFFS))
    elif outcome == REFUSED:
        refusals = texts.REFUSALS if conv.product_area == FIXED_AREA else texts.REFUSALS[1:2]
        turns.assistant(pick(refusals), mark="refusal")
        turns.user(pick(texts.ACCOUNT_PUSHBACKS if conv.product_area == FIXED_AREA else texts.PUSHBACKS),
                   mark="pushback")
        turns.assistant(pick(refusals) if rng.random() < 0.5 else pick(texts.HANDOFFS))
        if rng.random() < 0.4:
            turns.user(pick(texts.COMPLAINTS), mark="complaint")
    elif outcome == PARTIAL:
        turns.assistant(padding + pick(intent["partial"]), mark="partial")
        question, _ = pick(intent["followup"])
        turns.user(question)
        turns.assistant(pick(texts.VAGUE))
        if rng.random() < 0.5:
            turns.user(pick(texts.OKAYS))
    elif outcome == ABANDONED:
        first_miss = rng.random() < 0.6
        turns.assistant(padding + pick(intent["miss"] if first_miss else intent["wrong"]),
                        mark="miss" if first_miss else "wrong")
        turns.user(pick(texts.REPHRASE_LEADS[2:]) + pick(intent["rephrase"]), mark="rephrase")
        turns.assistant(pick(list(intent["miss"]) + list(intent["partial"]) + list(texts.VAGUE)), mark="miss_again")
        turns.user(pick(texts.GIVE_UPS), mark="give_up")
    else:  # pragma: no cover - outcomes are a closed set
        raise ValueError(outcome)

    if conv.feedback is not None:
        position = turns.last_position("assistant")
        turns.messages[position].feedback = conv.feedback
    return turns.messages, turns.marks
