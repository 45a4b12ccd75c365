"""Review sessions: plan with a sample, assignments and progress, the walk-through, the wrap-up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from reviewlab.audit import record
from reviewlab.loop.sessions import SampleRules, SessionSummary, assign_round_robin, sample_conversations
from reviewlab.models import (
    Annotation,
    Conversation,
    Decision,
    Issue,
    Judgement,
    Meeting,
    Member,
    ReviewAssignment,
    Tag,
    utcnow,
)
from reviewlab.store.loop.common import day_start, get_or_fail, member_names, reviewed_ids
from reviewlab.store.loop.decisions import decisions_with_counts
from reviewlab.store.loop.meetings import create_meeting, meeting_attendees


def sample_candidates(*, session: Session, date_from: date | None = None, date_to: date | None = None) -> pd.DataFrame:
    """Conversations a sample may draw from, with the columns the sampling rules look at."""
    reviewed = col(Conversation.id).in_(reviewed_ids())
    query = select(
        Conversation.id,
        Conversation.started_at,
        Conversation.variant,
        Conversation.product_area,
        Conversation.topic_id,
        Conversation.frustration,
        reviewed.label("reviewed"),
    )
    if date_from:
        query = query.where(Conversation.started_at >= day_start(date_from))
    if date_to:
        query = query.where(Conversation.started_at < day_start(date_to + timedelta(days=1)))
    columns = ["id", "started_at", "variant", "product_area", "topic_id", "frustration", "reviewed"]
    frame = pd.DataFrame([tuple(row) for row in session.exec(query)], columns=columns)
    frame["reviewed"] = frame["reviewed"].astype(bool)
    return frame


def plan_session(
    *,
    session: Session,
    title: str,
    held_at: datetime,
    rules: SampleRules,
    attendee_ids: list[int],
    reviewer_ids: list[int],
    facilitator_id: int | None,
    agenda: str = "",
    actor_id: int | None,
) -> Meeting:
    """Create a review session, draw its sample and assign it round-robin to the reviewers."""
    if not reviewer_ids:
        raise ValueError("Pick at least one reviewer.")
    if rules.overlap > len(set(reviewer_ids)):
        raise ValueError(f"An overlap of {rules.overlap} needs at least {rules.overlap} reviewers.")
    candidates = sample_candidates(session=session, date_from=rules.date_from, date_to=rules.date_to)
    sample = sample_conversations(candidates, rules)
    if not sample:
        raise ValueError("No conversation matches these sampling rules.")
    meeting = create_meeting(
        session=session,
        title=title,
        held_at=held_at,
        attendee_ids=set(attendee_ids) | set(reviewer_ids),
        kind="review_session",
        agenda=agenda,
        facilitator_id=facilitator_id,
        sample_rules=rules.to_dict() | {"eligible": int(len(candidates)), "drawn": len(sample)},
        actor_id=actor_id,
    )
    rows = assign_round_robin(sample, reviewer_ids, rules.overlap)
    for conversation_id, member_id, position in rows:
        session.add(
            ReviewAssignment(
                meeting_id=meeting.id, conversation_id=conversation_id, member_id=member_id, position=position
            )
        )
    record(
        session,
        member_id=actor_id,
        action="assign",
        entity="reviewassignment",
        entity_id=meeting.id,
        detail={"conversations": len(sample), "assignments": len(rows), "reviewers": sorted(set(reviewer_ids))},
    )
    return meeting


def list_sessions(*, session: Session) -> list[Meeting]:
    query = select(Meeting).where(Meeting.kind == "review_session").order_by(col(Meeting.held_at).desc())
    return list(session.exec(query))


def get_meeting(*, session: Session, meeting_id: int) -> Meeting:
    return get_or_fail(session, Meeting, meeting_id)


def session_conversation_ids(*, session: Session, meeting_id: int) -> list[str]:
    """The sample in walk order."""
    query = (
        select(ReviewAssignment.conversation_id, func.min(ReviewAssignment.position))
        .where(ReviewAssignment.meeting_id == meeting_id)
        .group_by(ReviewAssignment.conversation_id)
        .order_by(func.min(ReviewAssignment.position))
    )
    return [cid for cid, _ in session.exec(query)]


def assignments_frame(*, session: Session, meeting_id: int | None = None, member_id: int | None = None) -> pd.DataFrame:
    """Assignments with their progress. Done: the reviewer judged or tagged the conversation, or marked it done."""
    judged = exists().where(
        Judgement.conversation_id == ReviewAssignment.conversation_id, Judgement.member_id == ReviewAssignment.member_id
    )
    tagged = exists().where(
        Annotation.conversation_id == ReviewAssignment.conversation_id,
        Annotation.member_id == ReviewAssignment.member_id,
        col(Annotation.deleted_at).is_(None),
    )
    query = (
        select(
            ReviewAssignment.id,
            ReviewAssignment.meeting_id,
            Meeting.title,
            Meeting.held_at,
            Meeting.status,
            ReviewAssignment.conversation_id,
            ReviewAssignment.member_id,
            Member.name,
            ReviewAssignment.position,
            ReviewAssignment.done_at,
            judged.label("judged"),
            tagged.label("tagged"),
            Conversation.started_at,
            Conversation.n_messages,
        )
        .join(Meeting, col(Meeting.id) == col(ReviewAssignment.meeting_id))
        .join(Member, col(Member.id) == col(ReviewAssignment.member_id))
        .join(Conversation, col(Conversation.id) == col(ReviewAssignment.conversation_id))
        .order_by(col(Meeting.held_at).desc(), ReviewAssignment.position, Member.name)
    )
    if meeting_id is not None:
        query = query.where(ReviewAssignment.meeting_id == meeting_id)
    if member_id is not None:
        query = query.where(ReviewAssignment.member_id == member_id)
    columns = [
        "id", "meeting_id", "meeting_title", "held_at", "meeting_status", "conversation_id", "member_id",
        "member_name", "position", "done_at", "judged", "tagged", "started_at", "n_messages",
    ]  # fmt: skip
    frame = pd.DataFrame([tuple(r) for r in session.exec(query)], columns=columns)
    frame["judged"] = frame["judged"].astype(bool)
    frame["tagged"] = frame["tagged"].astype(bool)
    frame["done"] = frame["done_at"].notna() | frame["judged"] | frame["tagged"]
    return frame


def progress_frame(*, session: Session, meeting_id: int) -> pd.DataFrame:
    """Per reviewer: assigned, done, share done."""
    frame = assignments_frame(session=session, meeting_id=meeting_id)
    if frame.empty:
        return pd.DataFrame(columns=["member_id", "member_name", "assigned", "done", "share_done"])
    out = (
        frame.groupby(["member_id", "member_name"], as_index=False)
        .agg(assigned=("id", "size"), done=("done", "sum"))
        .sort_values("member_name")
    )
    out["done"] = out["done"].astype(int)
    out["share_done"] = out["done"] / out["assigned"]
    return out.reset_index(drop=True)


def mark_assignment_done(*, session: Session, assignment_id: int, done: bool = True, actor_id: int | None) -> None:
    assignment = get_or_fail(session, ReviewAssignment, assignment_id)
    assignment.done_at = utcnow() if done else None
    session.add(assignment)
    record(
        session,
        member_id=actor_id,
        action="update",
        entity="reviewassignment",
        entity_id=assignment_id,
        detail={"done": done},
    )


def set_session_status(*, session: Session, meeting_id: int, status: str, actor_id: int | None) -> Meeting:
    if status not in ("planned", "running", "done"):
        raise ValueError(f"Unknown session status {status!r}.")
    meeting = get_or_fail(session, Meeting, meeting_id)
    if meeting.status != status:
        meeting.status = status
        session.add(meeting)
        record(
            session,
            member_id=actor_id,
            action="update",
            entity="meeting",
            entity_id=meeting_id,
            detail={"status": status},
        )
    return meeting


def session_summary(*, session: Session, meeting_id: int) -> SessionSummary:
    meeting = get_or_fail(session, Meeting, meeting_id)
    assignments = assignments_frame(session=session, meeting_id=meeting_id)
    sample = session_conversation_ids(session=session, meeting_id=meeting_id)
    reviewed = assignments.loc[assignments["done"], "conversation_id"].nunique() if len(assignments) else 0
    tag_rows = session.exec(
        select(Tag.name, func.count(col(Annotation.id)))
        .join(Tag, col(Tag.id) == col(Annotation.tag_id))
        .where(col(Annotation.conversation_id).in_(sample or [""]), col(Annotation.deleted_at).is_(None))
        .group_by(Tag.name)
        .order_by(func.count(col(Annotation.id)).desc(), Tag.name)
    )
    names = member_names(session)
    issues = [
        {"id": i.id, "title": i.title, "severity": i.severity, "channel": i.channel}
        for i in session.exec(select(Issue).where(Issue.meeting_id == meeting_id).order_by(Issue.id))
    ]
    decisions = [
        {
            "id": d.id,
            "title": d.title,
            "owner": names.get(d.owner_id),
            "follow_up_on": d.follow_up_on,
            "n_evidence": n,
        }
        for d, n in decisions_with_counts(session, Decision.meeting_id == meeting_id)
    ]
    rules = meeting.sample_rules or {}
    return SessionSummary(
        meeting_id=meeting.id,
        title=meeting.title,
        held_at=meeting.held_at,
        status=meeting.status,
        attendees=[m.name for m in meeting_attendees(session=session, meeting_id=meeting_id)],
        sample_rules=SampleRules.from_dict(rules).describe() if rules else "not recorded",
        n_sampled=len(sample),
        n_reviewed=int(reviewed),
        tags=[(name, int(n)) for name, n in tag_rows],
        issues=issues,
        decisions=decisions,
        notes=meeting.notes,
    )


def finish_session(
    *, session: Session, meeting_id: int, notes: str | None = None, actor_id: int | None
) -> SessionSummary:
    """Mark the session done; it discussed user behaviour when at least one conversation was reviewed."""
    meeting = get_or_fail(session, Meeting, meeting_id)
    if notes is not None:
        meeting.notes = notes
    summary = session_summary(session=session, meeting_id=meeting_id)
    meeting.status = "done"
    meeting.discussed_user_behaviour = summary.n_reviewed >= 1
    session.add(meeting)
    record(
        session,
        member_id=actor_id,
        action="finish",
        entity="meeting",
        entity_id=meeting_id,
        detail={"reviewed": summary.n_reviewed, "issues": len(summary.issues), "decisions": len(summary.decisions)},
    )
    summary.status = "done"
    return summary


def mark_conversation_reviewed(*, session: Session, meeting_id: int, conversation_id: str, actor_id: int | None) -> int:
    """The group went through this conversation in the session: mark its open assignments done. Returns how many."""
    open_rows = session.exec(
        select(ReviewAssignment).where(
            ReviewAssignment.meeting_id == meeting_id,
            ReviewAssignment.conversation_id == conversation_id,
            col(ReviewAssignment.done_at).is_(None),
        )
    ).all()
    now = utcnow()
    for assignment in open_rows:
        assignment.done_at = now
        session.add(assignment)
    if open_rows:
        record(
            session,
            member_id=actor_id,
            action="update",
            entity="reviewassignment",
            entity_id=meeting_id,
            detail={"conversation_id": conversation_id, "done": len(open_rows)},
        )
    return len(open_rows)
