"""Issues with their evidence conversations, time to detect and resolve, and whether the fix worked."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import and_, exists, func, or_
from sqlmodel import Session, col, select

from reviewlab.audit import record
from reviewlab.loop.impact import RateComparison
from reviewlab.loop.issues import (
    FRUSTRATED,
    SIGNALS,
    check_found_via,
    check_severity,
    check_signal,
    check_transition,
    time_to_detect,
    time_to_resolve,
)
from reviewlab.models import Annotation, Conversation, Issue, IssueEvidence, Tag, Topic, utcnow
from reviewlab.store.loop.common import check_refs, count_hits, get_or_fail, member_names, reviewed_ids

# --- Issues ------------------------------------------------------------------------------------------------


def create_issue(
    *,
    session: Session,
    title: str,
    channel: str,
    description: str = "",
    found_via: str | None = None,
    severity: str = "medium",
    owner_id: int | None = None,
    meeting_id: int | None = None,
    tag_id: int | None = None,
    topic_id: int | None = None,
    signal: str | None = None,
    detected_at: datetime | None = None,
    evidence_ids: Iterable[str] = (),
    actor_id: int | None,
) -> Issue:
    """Open an issue (found proactively or reactively, derived from the channel) with its evidence conversations."""
    if not title.strip():
        raise ValueError("An issue needs a title.")
    found_via = check_found_via(found_via, channel)
    check_severity(severity)
    check_signal(signal)
    check_refs(session, tag_id=tag_id, topic_id=topic_id, meeting_id=meeting_id, owner_id=owner_id)
    issue = Issue(
        title=title.strip(),
        description=description,
        found_via=found_via,
        channel=channel,
        severity=severity,
        owner_id=owner_id,
        created_by_id=actor_id,
        meeting_id=meeting_id,
        tag_id=tag_id,
        topic_id=topic_id,
        signal=signal,
        detected_at=detected_at or utcnow(),
    )
    session.add(issue)
    session.flush()
    record(
        session,
        member_id=actor_id,
        action="create",
        entity="issue",
        entity_id=issue.id,
        detail={"title": issue.title, "found_via": found_via, "channel": channel, "meeting_id": meeting_id},
    )
    add_issue_evidence(session=session, issue_id=issue.id, conversation_ids=evidence_ids, actor_id=actor_id)
    return issue


def update_issue(
    *,
    session: Session,
    issue_id: int,
    actor_id: int | None,
    **changes,
) -> Issue:
    """Edit an issue's fields (title, description, channel, severity, owner_id, tag_id, topic_id, signal,
    detected_at). Status goes through `set_issue_status`."""
    allowed = {"title", "description", "channel", "severity", "owner_id", "tag_id", "topic_id", "signal", "detected_at"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Cannot edit {', '.join(sorted(unknown))} here.")
    issue = get_or_fail(session, Issue, issue_id)
    if "title" in changes and not str(changes["title"]).strip():
        raise ValueError("An issue needs a title.")
    if "channel" in changes:
        changes["found_via"] = check_found_via(None, changes["channel"])
    if "severity" in changes:
        check_severity(changes["severity"])
    if "signal" in changes:
        check_signal(changes["signal"])
    check_refs(
        session, tag_id=changes.get("tag_id"), topic_id=changes.get("topic_id"), owner_id=changes.get("owner_id")
    )
    diff = {k: v for k, v in changes.items() if getattr(issue, k) != v}
    for key, value in diff.items():
        setattr(issue, key, value)
    if diff:
        session.add(issue)
        record(
            session,
            member_id=actor_id,
            action="update",
            entity="issue",
            entity_id=issue_id,
            detail={k: v.isoformat() if isinstance(v, datetime) else v for k, v in diff.items()},
        )
    return issue


def set_issue_about(
    *,
    session: Session,
    issue_id: int,
    tag_id: int | None,
    topic_id: int | None,
    signal: str | None,
    actor_id: int | None,
) -> Issue:
    """Set (or clear, with None) the tag, topic and signal an issue is about: what "did the fix work?" measures.
    Audited as an update, with only what changed."""
    return update_issue(
        session=session, issue_id=issue_id, tag_id=tag_id, topic_id=topic_id, signal=signal, actor_id=actor_id
    )


def set_issue_status(
    *, session: Session, issue_id: int, status: str, at: datetime | None = None, actor_id: int | None
) -> Issue:
    """Move an issue along open → in progress → resolved | won't fix. Resolving stamps resolved_at (`at`, default
    now); any other status clears it (a won't-fix issue was closed, not resolved)."""
    issue = get_or_fail(session, Issue, issue_id)
    check_transition(issue.status, status)
    if status == issue.status:
        return issue
    resolved_at = (at or utcnow()) if status == "resolved" else None
    if resolved_at is not None and resolved_at < issue.detected_at:
        raise ValueError("An issue cannot be resolved before it was detected.")
    detail = {"from": issue.status, "to": status}
    issue.status, issue.resolved_at = status, resolved_at
    session.add(issue)
    record(session, member_id=actor_id, action="status", entity="issue", entity_id=issue_id, detail=detail)
    return issue


def add_issue_evidence(
    *, session: Session, issue_id: int, conversation_ids: Iterable[str], actor_id: int | None
) -> int:
    """Link conversations as evidence (already linked ones are skipped). Returns how many were added."""
    wanted = list(dict.fromkeys(c.strip() for c in conversation_ids if c and c.strip()))
    if not wanted:
        return 0
    get_or_fail(session, Issue, issue_id)
    found = set(session.exec(select(Conversation.id).where(col(Conversation.id).in_(wanted))))
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValueError(f"Unknown conversation id(s): {', '.join(missing)}.")
    linked = set(session.exec(select(IssueEvidence.conversation_id).where(IssueEvidence.issue_id == issue_id)))
    new = [c for c in wanted if c not in linked]
    for conversation_id in new:
        session.add(IssueEvidence(issue_id=issue_id, conversation_id=conversation_id))
    if new:
        record(
            session,
            member_id=actor_id,
            action="add_evidence",
            entity="issue",
            entity_id=issue_id,
            detail={"conversations": new},
        )
    return len(new)


def remove_issue_evidence(*, session: Session, issue_id: int, conversation_id: str, actor_id: int | None) -> None:
    link = session.get(IssueEvidence, (issue_id, conversation_id))
    if link is None:
        raise ValueError(f"Conversation {conversation_id} is not evidence of issue {issue_id}.")
    session.delete(link)
    record(
        session,
        member_id=actor_id,
        action="remove_evidence",
        entity="issue",
        entity_id=issue_id,
        detail={"conversation": conversation_id},
    )


def get_issue(*, session: Session, issue_id: int) -> Issue:
    return get_or_fail(session, Issue, issue_id)


def issue_evidence_frame(*, session: Session, issue_id: int) -> pd.DataFrame:
    query = (
        select(
            Conversation.id,
            Conversation.started_at,
            Conversation.variant,
            Conversation.n_messages,
            IssueEvidence.added_at,
        )
        .join(IssueEvidence, col(IssueEvidence.conversation_id) == col(Conversation.id))
        .where(IssueEvidence.issue_id == issue_id)
        .order_by(Conversation.started_at)
    )
    columns = ["conversation_id", "started_at", "variant", "n_messages", "added_at"]
    return pd.DataFrame([tuple(r) for r in session.exec(query)], columns=columns)


ISSUE_COLUMNS = [
    "id", "title", "status", "severity", "found_via", "channel", "owner_id", "owner", "meeting_id", "about",
    "tag_id", "topic_id", "signal", "detected_at", "resolved_at", "n_evidence", "first_evidence_at",
    "detect_hours", "resolve_hours",
]  # fmt: skip


def issues_frame(
    *,
    session: Session,
    statuses: list[str] | None = None,
    found_via: str | None = None,
    channels: list[str] | None = None,
    severities: list[str] | None = None,
    owner_id: int | None = None,
    meeting_id: int | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """Issues newest first, with time to detect (earliest evidence conversation → detected) and time to resolve,
    in hours."""
    evidence = (
        select(
            IssueEvidence.issue_id,
            func.count().label("n"),
            func.min(Conversation.started_at).label("first_at"),
        )
        .join(Conversation, col(Conversation.id) == col(IssueEvidence.conversation_id))
        .group_by(IssueEvidence.issue_id)
        .subquery()
    )
    query = (
        select(Issue, evidence.c.n, evidence.c.first_at)
        .join(evidence, evidence.c.issue_id == Issue.id, isouter=True)
        .order_by(col(Issue.detected_at).desc(), col(Issue.id).desc())
    )
    if statuses:
        query = query.where(col(Issue.status).in_(statuses))
    if found_via:
        query = query.where(Issue.found_via == found_via)
    if channels:
        query = query.where(col(Issue.channel).in_(channels))
    if severities:
        query = query.where(col(Issue.severity).in_(severities))
    if owner_id is not None:
        query = query.where(Issue.owner_id == owner_id)
    if meeting_id is not None:
        query = query.where(Issue.meeting_id == meeting_id)
    if text:
        query = query.where(or_(col(Issue.title).ilike(f"%{text}%"), col(Issue.description).ilike(f"%{text}%")))
    names = member_names(session)
    tags = {t.id: t.name for t in session.exec(select(Tag))}
    topics = {t.id: t.custom_label or t.label for t in session.exec(select(Topic))}
    rows = []
    for issue, n, first_at in session.exec(query):
        if first_at is not None and first_at.tzinfo is None:  # func.min may drop the column type on some backends
            first_at = first_at.replace(tzinfo=UTC)
        detect = time_to_detect(first_at, issue.detected_at)
        resolve = time_to_resolve(issue.detected_at, issue.resolved_at)
        rows.append(
            issue.model_dump()
            | {
                "owner": names.get(issue.owner_id),
                "about": _about(issue, tags, topics),
                "n_evidence": int(n or 0),
                "first_evidence_at": first_at,
                "detect_hours": detect.total_seconds() / 3600 if detect is not None else None,
                "resolve_hours": resolve.total_seconds() / 3600 if resolve is not None else None,
            }
        )
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS)


def about_choices(
    *, session: Session, tag_id: int | None = None, topic_id: int | None = None
) -> tuple[dict[int, str], dict[int, str]]:
    """What an issue can be about: live tags and active topics, {id: name}, plus `tag_id` and `topic_id` (an
    issue's current ones) even when archived or inactive, so editing keeps them."""
    live_tag = col(Tag.archived).is_(False) | (col(Tag.id) == tag_id)
    tags = {t.id: t.name for t in session.exec(select(Tag).where(live_tag).order_by(Tag.name))}
    active = col(Topic.active) | (col(Topic.id) == topic_id)
    topics = {t.id: t.custom_label or t.label for t in session.exec(select(Topic).where(active).order_by(Topic.id))}
    return tags, topics


def _about(issue: Issue, tags: dict[int, str], topics: dict[int, str]) -> str:
    parts = []
    if issue.tag_id is not None:
        parts.append(f"tag: {tags.get(issue.tag_id, issue.tag_id)}")
    if issue.topic_id is not None:
        parts.append(f"topic: {topics.get(issue.topic_id, issue.topic_id)}")
    if issue.signal:
        parts.append(f"signal: {issue.signal}")
    return "; ".join(parts)


# --- Did the fix work? -------------------------------------------------------------------------------------


def rate_counts(*, session: Session, issue: Issue, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
    """(measure, hits, n) over conversations started in [start, end), one per thing the issue is about.

    - tag: share of reviewed conversations (a live annotation or a judgement) carrying the tag, or a tag merged
      into it;
    - topic: share of conversations assigned to a topic that are in this topic;
    - signal "frustration": share of scored conversations with frustration ≥ 0.5;
    - signal "thumbs_down_rate": share of conversations with explicit feedback that is negative.
    """
    window = and_(Conversation.started_at >= start, Conversation.started_at < end)
    out = []
    if issue.tag_id is not None:
        tag = session.get(Tag, issue.tag_id)
        tag_ids = [issue.tag_id, *session.exec(select(Tag.id).where(Tag.merged_into_id == issue.tag_id))]
        hit = exists().where(
            Annotation.conversation_id == Conversation.id,
            col(Annotation.tag_id).in_(tag_ids),
            col(Annotation.deleted_at).is_(None),
        )
        base = and_(window, col(Conversation.id).in_(reviewed_ids()))
        out.append((f"share of reviewed conversations tagged “{tag.name}”", *count_hits(session, hit, base)))
    if issue.topic_id is not None:
        topic = session.get(Topic, issue.topic_id)
        label = topic.custom_label or topic.label if topic else str(issue.topic_id)
        hit = Conversation.topic_id == issue.topic_id
        base = and_(window, col(Conversation.topic_id).is_not(None))
        out.append((f"share of conversations in topic “{label}”", *count_hits(session, hit, base)))
    if issue.signal in SIGNALS:
        hit, scored = signal_rate(issue.signal)
        out.append((f"share of {SIGNALS[issue.signal]}", *count_hits(session, hit, and_(window, scored))))
    return out


def signal_rate(signal: str):
    """(hit, denominator) conditions of a signal's rate."""
    if signal == "frustration":
        return col(Conversation.frustration) >= FRUSTRATED, col(Conversation.frustration).is_not(None)
    return col(Conversation.explicit_feedback) < 0, col(Conversation.explicit_feedback).is_not(None)


def issue_impact(*, session: Session, issue_id: int, weeks: int = 4, confidence: float = 0.95) -> list[RateComparison]:
    """For a resolved issue: the rate of each thing it is about in the `weeks` before vs after resolved_at.
    Empty when the issue is not resolved or is about no tag, topic or signal."""
    if weeks < 1:
        raise ValueError("Compare at least one week on each side.")
    issue = get_or_fail(session, Issue, issue_id)
    if issue.status != "resolved" or issue.resolved_at is None:
        return []
    pivot, span = issue.resolved_at, timedelta(weeks=weeks)
    before = rate_counts(session=session, issue=issue, start=pivot - span, end=pivot)
    after = rate_counts(session=session, issue=issue, start=pivot, end=pivot + span)
    return [
        RateComparison(measure, weeks, b_hits, b_n, a_hits, a_n, confidence)
        for (measure, b_hits, b_n), (_, a_hits, a_n) in zip(before, after, strict=True)
    ]
