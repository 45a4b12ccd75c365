"""What the Home page shows first: workspace counts, conversations to look at, follow-ups due, the review session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import and_, distinct, exists, func, or_, select
from sqlmodel import Session

from reviewlab.models import (
    Annotation,
    Conversation,
    Decision,
    ImportBatch,
    Issue,
    Judgement,
    Meeting,
    MeetingAttendee,
    Member,
    Message,
    ReviewAssignment,
)

OPEN_ISSUE_STATUSES = ("open", "in_progress")
URGENT_SEVERITIES = ("high", "critical")
PREVIEW_CHARS = 160


@dataclass(frozen=True)
class WorkspaceSummary:
    conversations: int
    messages: int
    users: int
    last_import_at: datetime | None
    last_import_file: str | None
    last_import_added: int | None
    # The review window: the 7 days ending today, or ending at the latest conversation when the logs stop earlier.
    window_start: date | None
    window_end: date | None
    window_is_current: bool
    window_conversations: int
    window_reviewed: int  # of those, conversations with a live tag or a judgement
    reviewed_last_7_days: int  # conversations the team tagged or judged in the last 7 days
    reviewers_last_7_days: int
    open_issues: int
    urgent_open_issues: int

    @property
    def is_empty(self) -> bool:
        return self.conversations == 0

    @property
    def window_reviewed_share(self) -> float | None:
        return self.window_reviewed / self.window_conversations if self.window_conversations else None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _is_reviewed():
    """SQL condition: the conversation has a tag that was not removed, or a judgement."""
    tagged = exists().where(Annotation.conversation_id == Conversation.id, Annotation.deleted_at.is_(None))
    judged = exists().where(Judgement.conversation_id == Conversation.id)
    return or_(tagged, judged)


def workspace_summary(*, session: Session, today: date | None = None) -> WorkspaceSummary:
    today = today or datetime.now(UTC).date()
    n_conversations, n_users, latest = session.execute(
        select(
            func.count(Conversation.id), func.count(distinct(Conversation.user_id)), func.max(Conversation.started_at)
        )
    ).one()
    n_messages = session.execute(select(func.count(Message.id))).scalar_one()
    last_batch = session.execute(
        select(ImportBatch.imported_at, ImportBatch.file_name, ImportBatch.conversations_added)
        .where(ImportBatch.status == "completed")
        .order_by(ImportBatch.imported_at.desc())
        .limit(1)
    ).first()

    window_start = window_end = None
    window_conversations = window_reviewed = 0
    if latest is not None:
        # The last 7 days when the logs reach into them; otherwise the last 7 days of the logs.
        window_end = today if latest.date() > today - timedelta(days=7) else latest.date()
        window_start = window_end - timedelta(days=6)
        in_window = and_(
            Conversation.started_at >= _day_start(window_start),
            Conversation.started_at < _day_start(window_end + timedelta(days=1)),
        )
        window_conversations, window_reviewed = session.execute(
            select(func.count(Conversation.id), func.count(Conversation.id).filter(_is_reviewed())).where(in_window)
        ).one()

    since = _day_start(today - timedelta(days=6))
    recent_reviews = (
        select(Annotation.conversation_id.label("conversation_id"), Annotation.member_id.label("member_id"))
        .where(Annotation.created_at >= since, Annotation.deleted_at.is_(None))
        .union_all(select(Judgement.conversation_id, Judgement.member_id).where(Judgement.updated_at >= since))
        .subquery()
    )
    reviewed_7d, reviewers_7d = session.execute(
        select(func.count(distinct(recent_reviews.c.conversation_id)), func.count(distinct(recent_reviews.c.member_id)))
    ).one()

    is_open = Issue.status.in_(OPEN_ISSUE_STATUSES)
    open_issues, urgent = session.execute(
        select(func.count(Issue.id), func.count(Issue.id).filter(Issue.severity.in_(URGENT_SEVERITIES))).where(is_open)
    ).one()

    return WorkspaceSummary(
        conversations=n_conversations,
        messages=n_messages,
        users=n_users,
        last_import_at=last_batch.imported_at if last_batch else None,
        last_import_file=last_batch.file_name if last_batch else None,
        last_import_added=last_batch.conversations_added if last_batch else None,
        window_start=window_start,
        window_end=window_end,
        window_is_current=window_end == today,
        window_conversations=window_conversations,
        window_reviewed=window_reviewed,
        reviewed_last_7_days=reviewed_7d,
        reviewers_last_7_days=reviewers_7d,
        open_issues=open_issues,
        urgent_open_issues=urgent,
    )


LOOK_HERE_COLUMNS = ["id", "started_at", "user_id", "variant", "product_area", "frustration", "feedback", "preview"]


def look_here_first(*, session: Session, days: int = 14, limit: int = 5) -> tuple[pd.DataFrame, str]:
    """Recent conversations nobody has reviewed yet, most frustrated first.

    Returns the rows and the basis used: "frustration" (signals computed), "feedback" (only explicit
    thumbs-down is known) or "none" (nothing points anywhere yet).
    """
    latest = session.execute(select(func.max(Conversation.started_at))).scalar_one()
    if latest is None:
        return pd.DataFrame(columns=LOOK_HERE_COLUMNS), "none"
    recent_unreviewed = and_(Conversation.started_at >= latest - timedelta(days=days), ~_is_reviewed())
    columns = (
        Conversation.id,
        Conversation.started_at,
        Conversation.user_id,
        Conversation.variant,
        Conversation.product_area,
        Conversation.frustration,
        Conversation.explicit_feedback.label("feedback"),
    )
    basis = "frustration"
    rows = session.execute(
        select(*columns)
        .where(recent_unreviewed, Conversation.frustration.is_not(None))
        .order_by(Conversation.frustration.desc(), Conversation.started_at.desc())
        .limit(limit)
    ).all()
    if not rows:
        basis = "feedback"
        rows = session.execute(
            select(*columns)
            .where(recent_unreviewed, Conversation.explicit_feedback < 0)
            .order_by(Conversation.explicit_feedback, Conversation.started_at.desc())
            .limit(limit)
        ).all()
    if not rows:
        return pd.DataFrame(columns=LOOK_HERE_COLUMNS), "none"
    frame = pd.DataFrame([r._asdict() for r in rows])
    previews = _first_user_messages(session=session, conversation_ids=list(frame["id"]))
    frame["preview"] = frame["id"].map(previews).fillna("")
    return frame[LOOK_HERE_COLUMNS], basis


def _first_user_messages(*, session: Session, conversation_ids: list[str]) -> dict[str, str]:
    first = (
        select(Message.conversation_id, func.min(Message.position).label("position"))
        .where(Message.conversation_id.in_(conversation_ids), Message.role == "user")
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = session.execute(
        select(Message.conversation_id, Message.content).join(
            first, and_(Message.conversation_id == first.c.conversation_id, Message.position == first.c.position)
        )
    ).all()
    return {cid: _preview(content) for cid, content in rows}


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


FOLLOW_UP_COLUMNS = ["id", "title", "owner", "decided_at", "follow_up_on", "days_overdue"]


def follow_ups_due(*, session: Session, today: date | None = None) -> pd.DataFrame:
    """Decisions whose follow-up date has come and that nobody has marked as followed up, oldest first."""
    today = today or datetime.now(UTC).date()
    rows = session.execute(
        select(Decision.id, Decision.title, Member.name.label("owner"), Decision.decided_at, Decision.follow_up_on)
        .outerjoin(Member, Member.id == Decision.owner_id)
        .where(Decision.follow_up_on <= today, Decision.follow_up_done.is_(False))
        .order_by(Decision.follow_up_on, Decision.id)
    ).all()
    frame = pd.DataFrame([r._asdict() for r in rows], columns=FOLLOW_UP_COLUMNS[:-1])
    frame["days_overdue"] = [(today - d).days for d in frame["follow_up_on"]]
    return frame[FOLLOW_UP_COLUMNS]


@dataclass(frozen=True)
class ReviewSessionCard:
    id: int
    title: str
    held_at: datetime
    status: str  # planned | running | done
    when: str  # "running" | "next" | "last"
    facilitator: str | None
    attendees: int
    assigned: int
    assigned_done: int
    conversations_reviewed: int  # distinct conversations assigned in this session that are done


def review_session_card(*, session: Session, now: datetime | None = None) -> ReviewSessionCard | None:
    """The review session to show: the one running, else the next planned one, else the most recent one."""
    now = now or datetime.now(UTC)
    found = _current_review_session(session, now)
    if found is None:
        return None
    when, meeting = found
    facilitator = session.get(Member, meeting.facilitator_id) if meeting.facilitator_id else None
    attendees = session.execute(
        select(func.count()).select_from(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting.id)
    ).scalar_one()
    assigned, done, reviewed = session.execute(
        select(
            func.count(ReviewAssignment.id),
            func.count(ReviewAssignment.id).filter(ReviewAssignment.done_at.is_not(None)),
            func.count(distinct(ReviewAssignment.conversation_id)).filter(ReviewAssignment.done_at.is_not(None)),
        ).where(ReviewAssignment.meeting_id == meeting.id)
    ).one()
    return ReviewSessionCard(
        id=meeting.id,
        title=meeting.title,
        held_at=meeting.held_at,
        status=meeting.status,
        when=when,
        facilitator=facilitator.name if facilitator else None,
        attendees=attendees,
        assigned=assigned,
        assigned_done=done,
        conversations_reviewed=reviewed,
    )


def _current_review_session(session: Session, now: datetime) -> tuple[str, Meeting] | None:
    sessions = Meeting.kind == "review_session"
    candidates = (
        ("running", select(Meeting).where(sessions, Meeting.status == "running").order_by(Meeting.held_at.desc())),
        (
            "next",
            select(Meeting)
            .where(sessions, Meeting.status == "planned", Meeting.held_at >= _day_start(now.date()))
            .order_by(Meeting.held_at),
        ),
        ("last", select(Meeting).where(sessions, Meeting.held_at < now).order_by(Meeting.held_at.desc())),
    )
    for when, query in candidates:
        meeting = session.execute(query.limit(1)).scalar_one_or_none()
        if meeting is not None:
            return when, meeting
    return None
