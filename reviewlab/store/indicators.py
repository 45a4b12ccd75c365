"""Queries behind the culture indicators and the dashboard, and the team's indicator targets.

The loaders aggregate in SQL and return the small frames that `reviewlab.indicators` computes from: one row per
week (conversations, judgements, decisions), one row per user (activity), or one row per meeting or issue.
Conversations are counted per week by range (UTC week bounds as parameters, using the started_at index); where a
week number is needed in SQL, `_week` computes it from UTC epoch days with the same formula as
`reviewlab.indicators.weeks_from_days`, one expression per dialect (SQLite, PostgreSQL).
KPI uploads live in `reviewlab.store.kpis`, the weekly report's queries in `reviewlab.store.report`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    cast,
    exists,
    extract,
    func,
    or_,
    select,
    union_all,
)
from sqlmodel import Session

from reviewlab.audit import record
from reviewlab.indicators import (
    FRAME_COLUMNS,
    FRUSTRATION_THRESHOLD,
    INDICATOR_BY_KEY,
    SESSION_WINDOW_HOURS,
    IndicatorFrames,
    cohort_retention,
    kpi_correlations,
    kpi_weekly,
    week_bounds,
    week_of,
    weekly_indicators,
)
from reviewlab.models import (
    Annotation,
    Conversation,
    Decision,
    DecisionEvidence,
    IndicatorTarget,
    Issue,
    IssueEvidence,
    Judgement,
    Kpi,
    Meeting,
    MeetingAttendee,
    Member,
    Message,
    ReviewAssignment,
    Tag,
    utcnow,
)

UNIX_EPOCH_JULIAN_DAY = 2440587.5

conv_t = Conversation.__table__
judgement_t = Judgement.__table__
meeting_t = Meeting.__table__
attendee_t = MeetingAttendee.__table__
member_t = Member.__table__
assignment_t = ReviewAssignment.__table__
annotation_t = Annotation.__table__
decision_t = Decision.__table__
decision_evidence_t = DecisionEvidence.__table__
issue_t = Issue.__table__
issue_evidence_t = IssueEvidence.__table__
kpi_t = Kpi.__table__
tag_t = Tag.__table__
message_t = Message.__table__


# --- Dialect helpers -------------------------------------------------------------------------------------


def epoch_days(session: Session, column):
    """Float days since 1970-01-01 00:00 UTC (SQLite stores UTC text; PostgreSQL timestamptz)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(column) - UNIX_EPOCH_JULIAN_DAY
    return extract("epoch", column) / 86400.0


def _week(session: Session, column):
    """Week number (Mondays since the epoch, see reviewlab.indicators), in SQL."""
    if session.get_bind().dialect.name == "sqlite":
        return cast((func.julianday(column) - UNIX_EPOCH_JULIAN_DAY + 3) / 7, Integer)  # dates after 1970
    return cast(func.floor((extract("epoch", column) / 86400.0 + 3) / 7), Integer)


def query_rows(session: Session, query) -> list[tuple]:
    # Plain tuples: numpy and pandas probe SQLAlchemy Row objects attribute by attribute (20-50x slower).
    return [tuple(row) for row in session.connection().execute(query)]


def query_frame(session: Session, query, columns: list[str]) -> pd.DataFrame:
    rows = query_rows(session, query)
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame({c: [] for c in columns})


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


# --- Indicator frames ------------------------------------------------------------------------------------


def load_indicator_frames(*, session: Session, first_week: int, last_week: int,
                          as_of: datetime | None = None) -> IndicatorFrames:
    """The frames for `reviewlab.indicators.weekly_indicators` over weeks first..last (inclusive).

    Meetings held after `as_of` (default: now) are left out, so a session planned later this week does not
    count yet. A user's first week looks at all history up to the last week (returning users and cohorts need it).
    """
    lo, _ = week_bounds(first_week)
    _, hi = week_bounds(last_week)
    as_of = as_of or utcnow()
    conv_week = _week(session, conv_t.c.started_at)
    conversations = _conversation_weeks(session, first_week, last_week)
    activity = _user_activity(session, first_week, last_week)

    # Each judgement looks up its conversation's week (a primary-key probe per judgement), rather than the
    # database scanning the range's conversations and probing judgements for each.
    judged = select(
        judgement_t.c.satisfaction, judgement_t.c.intent_fulfilled, judgement_t.c.task_completed,
        select(conv_week).where(conv_t.c.id == judgement_t.c.conversation_id).scalar_subquery().label("week"),
    ).subquery()
    answered = judged.c.intent_fulfilled.in_(("yes", "partial", "no"))
    judgements = query_frame(session, select(
        judged.c.week,
        func.count(judged.c.satisfaction),
        func.sum(judged.c.satisfaction),
        _count_if(answered),
        _count_if(judged.c.intent_fulfilled == "yes"),
        _count_if(judged.c.task_completed.in_(("yes", "no"))),
        _count_if(judged.c.task_completed == "yes"),
    ).where(judged.c.week.between(first_week, last_week)).group_by(judged.c.week), FRAME_COLUMNS["judgements"])

    meetings = query_frame(session, select(
        _week(session, meeting_t.c.held_at),
        meeting_t.c.kind,
        meeting_t.c.counts,
        meeting_t.c.discussed_user_behaviour,
        _reviewed_during(session),
        _has_side("builder"),
        _has_side("business"),
    ).where(meeting_t.c.held_at >= lo, meeting_t.c.held_at < hi, meeting_t.c.held_at <= as_of),
        ["week", "kind", "counts", "discussed_user_behaviour", "reviewed", "has_builder", "has_business"])

    decision_week = _week(session, decision_t.c.decided_at)
    has_evidence = exists().where(decision_evidence_t.c.decision_id == decision_t.c.id)
    decisions = query_frame(session, select(decision_week, func.count(), _count_if(has_evidence))
                       .where(decision_t.c.decided_at >= lo, decision_t.c.decided_at < hi)
                       .group_by(decision_week), ["week", "decisions", "with_evidence"])

    first_evidence = (
        select(func.min(conv_t.c.started_at))
        .select_from(issue_evidence_t.join(conv_t, conv_t.c.id == issue_evidence_t.c.conversation_id))
        .where(issue_evidence_t.c.issue_id == issue_t.c.id)
        .scalar_subquery()
    )
    issues = query_frame(session, select(
        issue_t.c.found_via,
        issue_t.c.status,
        epoch_days(session, issue_t.c.detected_at),
        epoch_days(session, issue_t.c.resolved_at),
        epoch_days(session, first_evidence),
    ).where(
        issue_t.c.detected_at < hi,
        or_(issue_t.c.detected_at >= lo, issue_t.c.resolved_at >= lo),
    ), ["found_via", "status", "detected_day", "resolved_day", "first_evidence_day"])
    for column in ("detected_day", "resolved_day", "first_evidence_day"):
        issues[column] = pd.to_numeric(issues[column], errors="coerce").astype("float64")

    kpis = query_frame(session, select(kpi_t.c.name, kpi_t.c.day, kpi_t.c.value)
                  .where(kpi_t.c.day >= lo.date(), kpi_t.c.day < hi.date()), ["kpi", "day", "value"])

    for frame in (judgements, decisions):
        frame[frame.columns] = frame[frame.columns].apply(pd.to_numeric).fillna(0)
    return IndicatorFrames(conversations=conversations, activity=activity, judgements=judgements,
                           meetings=meetings, decisions=decisions, issues=issues, kpis=kpis)


@dataclass
class IndicatorBundle:
    """Everything the dashboard shows for a range of weeks."""

    first_week: int
    last_week: int
    table: pd.DataFrame  # weekly_indicators
    cohorts: pd.DataFrame  # cohort_retention, cohorts starting in the range
    weekly_kpis: pd.DataFrame  # kpi_weekly
    correlations: pd.DataFrame  # kpi_correlations
    targets: dict[str, tuple[float, bool]]


def indicator_bundle(*, session: Session, first_week: int, last_week: int,
                     as_of: datetime | None = None) -> IndicatorBundle:
    """Load and compute every indicator for weeks first..last (what the dashboard and the bench run)."""
    frames = load_indicator_frames(session=session, first_week=first_week, last_week=last_week, as_of=as_of)
    table = weekly_indicators(frames, first_week, last_week)
    weekly_kpis = kpi_weekly(frames.kpis)
    return IndicatorBundle(
        first_week=first_week,
        last_week=last_week,
        table=table,
        cohorts=cohort_retention(frames.activity),
        weekly_kpis=weekly_kpis,
        correlations=kpi_correlations(weekly_kpis, table),
        targets=get_targets(session=session),
    )


def _conversation_weeks(session: Session, first_week: int, last_week: int) -> pd.DataFrame:
    """Per-week conversation counts, feedback and frustration sums: one range query per week glued with UNION ALL.

    Each part reads its week through the started_at index, so nothing is sorted (a GROUP BY on a computed week
    would sort every row), and week bounds are plain UTC datetimes on any database.
    """
    params = {}
    for i, week in enumerate(range(first_week, last_week + 1)):
        params[f"w{i}"] = week
        params[f"lo{i}"], params[f"hi{i}"] = week_bounds(week)
    statement = _conversation_weeks_statement(last_week - first_week + 1)
    rows = [tuple(row) for row in session.connection().execute(statement, params)]
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS["conversations"]).apply(pd.to_numeric).fillna(0)
    return frame[frame["conversations"] > 0]


@lru_cache(maxsize=16)
def _conversation_weeks_statement(n_weeks: int):
    """The UNION ALL statement for `n_weeks` weeks, built once (its week bounds are bound parameters)."""
    started = conv_t.c.started_at
    return union_all(*[
        select(
            bindparam(f"w{i}", type_=Integer),
            func.count(),
            func.count(conv_t.c.explicit_feedback),
            func.coalesce(func.sum(conv_t.c.explicit_feedback), 0.0),
            _count_if(conv_t.c.explicit_feedback > 0),
            func.count(conv_t.c.frustration),
            _count_if(conv_t.c.frustration >= FRUSTRATION_THRESHOLD),
        ).where(started >= bindparam(f"lo{i}"), started < bindparam(f"hi{i}"))
        for i in range(n_weeks)
    ])


def _user_activity(session: Session, first_week: int, last_week: int) -> pd.DataFrame:
    """One row per user active in the range: the week of their first conversation ever, and which weeks of the
    range they were active in (see IndicatorFrames.activity).

    SQL returns one narrow (user, week) row per conversation up to the range's end, read straight off the
    (user_id, started_at) index; numpy finds each user's first week and active weeks. Measured faster on SQLite
    than grouping in SQL, where the per-user DISTINCT sets dominate.
    """
    _, hi = week_bounds(last_week)
    started = conv_t.c.started_at
    result = session.connection().execute(select(conv_t.c.user_id, _week(session, started)).where(
        conv_t.c.user_id.is_not(None), conv_t.c.user_id != "", started < hi,
    ))
    rows = result.cursor.fetchall()  # the driver's plain tuples (text and integer need no result processing)
    result.close()
    weeks = pd.RangeIndex(first_week, last_week + 1)
    if not rows:
        return pd.DataFrame(columns=weeks, index=pd.Index([], dtype="int64", name="first_week"), dtype=bool)
    frame = pd.DataFrame(rows, columns=["user_id", "week"])
    users, _ = pd.factorize(frame["user_id"], sort=True)  # rows ordered by user id, as a GROUP BY would
    week = frame["week"].to_numpy(dtype="int64")
    first = np.full(users.max() + 1, np.iinfo("int64").max)
    np.minimum.at(first, users, week)
    in_range = week >= first_week
    active = np.zeros((len(first), len(weeks)), dtype=bool)
    active[users[in_range], week[in_range] - first_week] = True
    keep = active.any(axis=1)
    return pd.DataFrame(active[keep], columns=weeks, index=pd.Index(first[keep], name="first_week"))


def _reviewed_during(session: Session):
    """True when one of the meeting's assigned conversations was reviewed during it (see indicators docstring)."""
    start = epoch_days(session, meeting_t.c.held_at)
    end = start + SESSION_WINDOW_HOURS / 24

    def during(column):
        day = epoch_days(session, column)
        return and_(day >= start, day < end)

    judged = exists().where(
        judgement_t.c.conversation_id == assignment_t.c.conversation_id,
        or_(during(judgement_t.c.created_at), during(judgement_t.c.updated_at)),
    ).correlate(meeting_t, assignment_t)
    annotated = exists().where(
        annotation_t.c.conversation_id == assignment_t.c.conversation_id,
        annotation_t.c.deleted_at.is_(None),
        during(annotation_t.c.created_at),
    ).correlate(meeting_t, assignment_t)
    return exists().where(
        assignment_t.c.meeting_id == meeting_t.c.id,
        or_(assignment_t.c.done_at.is_not(None), judged, annotated),
    )


def _has_side(side: str):
    return exists().where(
        attendee_t.c.meeting_id == meeting_t.c.id,
        member_t.c.id == attendee_t.c.member_id,
        member_t.c.side == side,
    )


def data_week_range(*, session: Session) -> tuple[int, int] | None:
    """First and last week with a conversation, meeting, issue or decision (None for an empty workspace)."""
    bounds = []
    for column in (conv_t.c.started_at, meeting_t.c.held_at, issue_t.c.detected_at, decision_t.c.decided_at):
        low, high = session.connection().execute(select(func.min(column), func.max(column))).one()
        bounds += [_as_datetime(v) for v in (low, high) if v is not None]
    if not bounds:
        return None
    return week_of(min(bounds)), week_of(max(bounds))


def _as_datetime(value) -> datetime:
    # min()/max() over a SQLite text column come back as text, without the column's type.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- Targets ---------------------------------------------------------------------------------------------


def get_targets(*, session: Session) -> dict[str, tuple[float, bool]]:
    """Indicator key → (target, higher_is_better), for the indicators the team has set a target for."""
    rows = session.connection().execute(select(
        IndicatorTarget.__table__.c.indicator, IndicatorTarget.__table__.c.target,
        IndicatorTarget.__table__.c.higher_is_better,
    )).all()
    return {key: (float(target), bool(higher)) for key, target, higher in rows if key in INDICATOR_BY_KEY}


def set_target(*, session: Session, indicator: str, target: float, higher_is_better: bool | None = None,
               member_id: int | None = None) -> IndicatorTarget:
    """Create or change the team's target for an indicator (shares are fractions: 0.6 means 60%)."""
    spec = INDICATOR_BY_KEY.get(indicator)
    if spec is None:
        raise ValueError(f"Unknown indicator {indicator!r}.")
    target = float(target)
    if not math.isfinite(target):
        raise ValueError("A target must be a finite number.")
    if spec.unit == "share" and not 0 <= target <= 1:
        raise ValueError(f"{spec.label} is a share: its target must lie between 0 and 1 (0% to 100%).")
    if spec.unit in ("count", "days", "ratio") and target < 0:
        raise ValueError(f"{spec.label} cannot be negative.")
    higher = spec.higher_is_better if higher_is_better is None else bool(higher_is_better)
    row = session.get(IndicatorTarget, indicator)
    before = None if row is None else {"target": row.target, "higher_is_better": row.higher_is_better}
    if row is None:
        row = IndicatorTarget(indicator=indicator, target=target, higher_is_better=higher)
    else:
        row.target, row.higher_is_better, row.updated_at = target, higher, utcnow()
    session.add(row)
    record(session, member_id=member_id, action="update" if before else "create", entity="indicatortarget",
           entity_id=indicator, detail={"target": target, "higher_is_better": higher, "before": before})
    session.flush()
    return row


def clear_target(*, session: Session, indicator: str, member_id: int | None = None) -> bool:
    row = session.get(IndicatorTarget, indicator)
    if row is None:
        return False
    session.delete(row)
    record(session, member_id=member_id, action="delete", entity="indicatortarget", entity_id=indicator,
           detail={"target": row.target})
    session.flush()
    return True
