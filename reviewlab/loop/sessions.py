"""Review sessions: the agenda template, sampling rules, round-robin assignment and the wrap-up summary.

Sampling is a pure function of a candidates frame and the rules, deterministic for a given seed: candidates are
sorted by conversation id before numpy's `Generator(PCG64(seed))` draws, so the same database and rules give
the same sample on any machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

DEFAULT_AGENDA = """\
# {title} — {date}

1. Check-in: what shipped or changed since last week (5 min)
2. Follow-ups due from earlier decisions (5 min)
3. Walk through the sample: tags, judgements, where we disagree (30 min)
4. Issues to open and decisions to take, each with its evidence (10 min)
5. Wrap-up: owners and follow-up dates (5 min)
"""

# Rule name -> Conversation column used to stratify.
STRATA = {"variant": "variant", "product_area": "product_area", "topic": "topic_id"}
NO_VALUE = "(none)"


@dataclass(frozen=True)
class SampleRules:
    """How the facilitator picks the conversations to review. Stored on Meeting.sample_rules."""

    n: int = 10
    seed: int = 0
    unreviewed_only: bool = False
    stratify_by: str | None = None  # a key of STRATA; None: simple random sample
    min_frustration: float | None = None  # "flagged by signals": Conversation.frustration >= this
    overlap: int = 1  # reviewers per conversation (k > 1 lets us measure agreement)
    date_from: date | None = None  # conversations started on or after this day (UTC)
    date_to: date | None = None  # … and on or before this day

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError("Sample size must be at least 1.")
        if self.overlap < 1:
            raise ValueError("Each conversation needs at least 1 reviewer.")
        if self.stratify_by is not None and self.stratify_by not in STRATA:
            raise ValueError(f"Cannot stratify by {self.stratify_by!r}; choose one of {', '.join(STRATA)}.")
        if self.min_frustration is not None and not 0 <= self.min_frustration <= 1:
            raise ValueError("The frustration threshold must lie between 0 and 1.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("The start date is after the end date.")

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("date_from", "date_to"):
            out[key] = out[key].isoformat() if out[key] else None
        return out

    @classmethod
    def from_dict(cls, data: dict) -> SampleRules:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("date_from", "date_to"):
            if known.get(key):
                known[key] = date.fromisoformat(known[key])
        return cls(**known)

    def describe(self) -> str:
        parts = [f"{self.n} conversations", f"seed {self.seed}"]
        parts.append(f"stratified by {self.stratify_by.replace('_', ' ')}" if self.stratify_by else "random")
        if self.unreviewed_only:
            parts.append("unreviewed only")
        if self.min_frustration is not None:
            parts.append(f"frustration ≥ {self.min_frustration:g}")
        if self.date_from or self.date_to:
            parts.append(f"started {self.date_from or '…'} to {self.date_to or '…'}")
        parts.append(f"{self.overlap} reviewer(s) each")
        return ", ".join(parts)


def eligible(candidates: pd.DataFrame, rules: SampleRules) -> pd.DataFrame:
    """The candidates the rules allow, sorted by id (the order the random draws index into).

    `candidates` has columns id, started_at, variant, product_area, topic_id, frustration, reviewed.
    """
    df = candidates
    if rules.unreviewed_only:
        df = df[~df["reviewed"].astype(bool)]
    if rules.min_frustration is not None:
        df = df[df["frustration"].notna() & (df["frustration"] >= rules.min_frustration)]
    if rules.date_from is not None or rules.date_to is not None:
        days = pd.to_datetime(df["started_at"], utc=True).dt.date
        keep = days.notna()
        if rules.date_from is not None:
            keep &= days >= rules.date_from
        if rules.date_to is not None:
            keep &= days <= rules.date_to
        df = df[keep.fillna(False).astype(bool)]
    return df.sort_values("id", kind="stable").reset_index(drop=True)


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Split n draws across strata in proportion to their sizes (largest remainder; ties by stratum name)."""
    total = sum(sizes.values())
    n = min(n, total)
    exact = {key: n * size / total for key, size in sizes.items()}
    quota = {key: int(np.floor(value)) for key, value in exact.items()}
    left = n - sum(quota.values())
    for key in sorted(sizes, key=lambda k: (-(exact[k] - quota[k]), k))[:left]:
        quota[key] += 1
    return quota


def sample_conversations(candidates: pd.DataFrame, rules: SampleRules) -> list[str]:
    """The conversation ids to review, in walk order. Fewer than n when fewer are eligible."""
    pool = eligible(candidates, rules)
    rng = np.random.default_rng(rules.seed)
    if pool.empty:
        return []
    if rules.stratify_by is None:
        picked = rng.choice(len(pool), size=min(rules.n, len(pool)), replace=False)
        return pool["id"].iloc[picked].tolist()
    keys = pool[STRATA[rules.stratify_by]].astype("string").fillna(NO_VALUE)
    groups = {key: np.flatnonzero((keys == key).to_numpy()) for key in sorted(keys.unique())}
    quota = allocate({key: len(rows) for key, rows in groups.items()}, rules.n)
    picked = np.concatenate([rng.choice(rows, size=quota[key], replace=False) for key, rows in groups.items()])
    # Shuffle so the walk-through mixes strata instead of reviewing one variant after another.
    return pool["id"].iloc[rng.permutation(picked)].tolist()


def assign_round_robin(
    conversation_ids: list[str], reviewer_ids: list[int], overlap: int
) -> list[tuple[str, int, int]]:
    """(conversation_id, member_id, position) rows: each conversation gets `overlap` distinct reviewers, taken in
    turn from the reviewer list, so workloads differ by at most one conversation."""
    reviewers = list(dict.fromkeys(reviewer_ids))
    if not reviewers:
        raise ValueError("Pick at least one reviewer.")
    if overlap > len(reviewers):
        raise ValueError(f"An overlap of {overlap} needs at least {overlap} reviewers; {len(reviewers)} picked.")
    rows = []
    for position, conversation_id in enumerate(conversation_ids):
        for j in range(overlap):
            rows.append((conversation_id, reviewers[(position * overlap + j) % len(reviewers)], position))
    return rows


def attendee_warnings(sides: list[str]) -> list[str]:
    """Warn when a session would not be cross-functional."""
    warnings = []
    if "builder" not in sides:
        warnings.append("No builder is invited: nobody who can change the product will see these conversations.")
    if "business" not in sides:
        warnings.append(
            "No business member is invited: the session will miss the view of the people the product serves."
        )
    return warnings


def session_label(held_at: datetime | date, title: str) -> str:
    """'2026-12-03 — Weekly review'; the title alone when it already names the day."""
    day = (held_at.date() if isinstance(held_at, datetime) else held_at).isoformat()
    return title if day in title else f"{day} — {title}"


def seed_for(day: date) -> int:
    """The default sample seed of a session held on `day`: 20261210 on 2026-12-10."""
    return int(day.strftime("%Y%m%d"))


def marked_reviewed_message(n_marked: int) -> str:
    """Feedback after "mark reviewed together" marked `n_marked` open assignments done."""
    if not n_marked:
        return "Nothing left to mark: every reviewer had already finished this conversation."
    return f"Marked reviewed: {n_marked} open assignment{'s' if n_marked > 1 else ''} done."


def render_agenda(template: str, *, title: str, held_at: datetime | date) -> str:
    """Fill the {title} and {date} placeholders (plain replacement: other braces are left alone)."""
    day = held_at.date() if isinstance(held_at, datetime) else held_at
    return template.replace("{title}", title).replace("{date}", day.isoformat())


@dataclass
class SessionSummary:
    meeting_id: int
    title: str
    held_at: datetime
    status: str
    attendees: list[str]
    sample_rules: str
    n_sampled: int
    n_reviewed: int
    tags: list[tuple[str, int]]  # (tag name, annotations on the sample), most frequent first
    issues: list[dict] = field(default_factory=list)  # {id, title, severity, channel}
    decisions: list[dict] = field(default_factory=list)  # {id, title, owner, follow_up_on, n_evidence}
    notes: str = ""


def summary_markdown(summary: SessionSummary) -> str:
    """The wrap-up as a Markdown document the team can paste into their notes."""
    lines = [
        f"# {summary.title}",
        "",
        f"- Date: {summary.held_at:%Y-%m-%d %H:%M} UTC",
        f"- Attendees: {', '.join(summary.attendees) or 'none recorded'}",
        f"- Sample: {summary.sample_rules}",
        f"- Conversations reviewed: {summary.n_reviewed} of {summary.n_sampled}",
        f"- Tags found: {sum(n for _, n in summary.tags)} ({len(summary.tags)} distinct)",
        f"- Issues opened: {len(summary.issues)}",
        f"- Decisions taken: {len(summary.decisions)}",
        "",
        "## Tags found",
        "",
    ]
    lines += [f"- {name}: {n}" for name, n in summary.tags] or ["No tags on the sampled conversations."]
    lines += ["", "## Issues opened", ""]
    lines += [
        f"- #{i['id']} {i['title']} ({i['severity']}, found via {i['channel'].replace('_', ' ')})"
        for i in summary.issues
    ] or ["None."]
    lines += ["", "## Decisions taken", ""]
    for d in summary.decisions:
        follow = f", follow-up {d['follow_up_on']}" if d.get("follow_up_on") else ""
        backed = f"{d['n_evidence']} evidence link(s)" if d["n_evidence"] else "no evidence linked"
        lines.append(f"- #{d['id']} {d['title']} (owner {d.get('owner') or 'unassigned'}{follow}; {backed})")
    if not summary.decisions:
        lines.append("None.")
    if summary.notes.strip():
        lines += ["", "## Notes", "", summary.notes.strip()]
    return "\n".join(lines) + "\n"
