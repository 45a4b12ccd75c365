"""Helpers shared by the loop's store modules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import case, func, union
from sqlmodel import Session, col, select

from reviewlab.models import Annotation, Conversation, Judgement, Meeting, Member, Tag, Topic


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def reviewed_ids():
    """Conversation ids someone reviewed: a live annotation or a judgement."""
    return union(
        select(Annotation.conversation_id).where(col(Annotation.deleted_at).is_(None)),
        select(Judgement.conversation_id),
    )


def member_names(session: Session) -> dict[int, str]:
    return {m.id: m.name for m in session.exec(select(Member))}


def get_or_fail(session: Session, model, key):
    obj = session.get(model, key)
    if obj is None:
        raise ValueError(f"No {model.__name__.lower()} {key}.")
    return obj


def check_refs(
    session: Session,
    *,
    tag_id: int | None = None,
    topic_id: int | None = None,
    meeting_id: int | None = None,
    owner_id: int | None = None,
) -> None:
    for model, key in ((Tag, tag_id), (Topic, topic_id), (Meeting, meeting_id), (Member, owner_id)):
        if key is not None:
            get_or_fail(session, model, key)


def count_hits(session: Session, hit, base) -> tuple[int, int]:
    hits, n = session.exec(
        select(func.coalesce(func.sum(case((hit, 1), else_=0)), 0), func.count()).select_from(Conversation).where(base)
    ).one()
    return int(hits), int(n)
