"""Tags on conversations and turns, reviewers' judgements, and the taxonomy they use.

Every write records an audit row in the same transaction. Removing a tag is a soft delete (who and when are kept).
"""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session

from reviewlab.audit import record
from reviewlab.models import (
    FULFILLED_CHOICES,
    TAG_KIND_CHOICES,
    TASK_CHOICES,
    Annotation,
    Conversation,
    Judgement,
    Member,
    Message,
    Tag,
    utcnow,
)

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
ANNOTATION_COLUMNS = [
    "id", "conversation_id", "message_id", "position", "role", "tag_id", "tag", "kind", "colour", "member_id",
    "member", "note", "created_at", "deleted_at", "deleted_by",
]  # fmt: skip
JUDGEMENT_COLUMNS = [
    "id", "conversation_id", "member_id", "member", "intent", "intent_fulfilled", "satisfaction", "task_completed",
    "note", "created_at", "updated_at",
]  # fmt: skip
JUDGEMENT_FIELDS = ("intent", "intent_fulfilled", "satisfaction", "task_completed")


# --- Annotations --------------------------------------------------------------------------------------------


def add_annotation(
    *,
    session: Session,
    conversation_id: str,
    tag_id: int,
    member_id: int | None,
    message_id: int | None = None,
    note: str = "",
) -> Annotation:
    """Tag a whole conversation (message_id None) or one of its turns."""
    if session.get(Conversation, conversation_id) is None:
        raise ValueError(f"No conversation {conversation_id!r}.")
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise ValueError(f"No tag {tag_id}.")
    if tag.archived:
        raise ValueError(f"Tag {tag.name!r} is archived; pick another tag.")
    if message_id is not None:
        message = session.get(Message, message_id)
        if message is None or message.conversation_id != conversation_id:
            raise ValueError(f"Message {message_id} is not part of conversation {conversation_id!r}.")
    _check_member(session, member_id)
    annotation = Annotation(
        conversation_id=conversation_id, message_id=message_id, tag_id=tag_id, member_id=member_id, note=note.strip()
    )
    session.add(annotation)
    session.flush()
    record(
        session,
        member_id=member_id,
        action="create",
        entity="annotation",
        entity_id=annotation.id,
        detail={"conversation_id": conversation_id, "tag": tag.name, "message_id": message_id},
    )
    return annotation


def remove_annotation(*, session: Session, annotation_id: int, member_id: int | None) -> Annotation:
    """Soft-delete an annotation: it disappears from views and counts but stays in the database and audit log."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise ValueError(f"No annotation {annotation_id}.")
    if annotation.deleted_at is None:
        annotation.deleted_at = utcnow()
        annotation.deleted_by_id = member_id
        session.add(annotation)
        record(
            session,
            member_id=member_id,
            action="delete",
            entity="annotation",
            entity_id=annotation_id,
            detail={"conversation_id": annotation.conversation_id, "tag_id": annotation.tag_id},
        )
    return annotation


_AUTHOR, _REMOVER = aliased(Member, name="author"), aliased(Member, name="remover")
_ANNOTATIONS = (
    select(
        Annotation.id,
        Annotation.conversation_id,
        Annotation.message_id,
        Message.position,
        Message.role,
        Annotation.tag_id,
        Tag.name.label("tag"),
        Tag.kind,
        Tag.colour,
        Annotation.member_id,
        _AUTHOR.name.label("member"),
        Annotation.note,
        Annotation.created_at,
        Annotation.deleted_at,
        _REMOVER.name.label("deleted_by"),
    )  # fmt: skip
    .join(Tag, Tag.id == Annotation.tag_id)
    .outerjoin(Message, Message.id == Annotation.message_id)
    .outerjoin(_AUTHOR, _AUTHOR.id == Annotation.member_id)
    .outerjoin(_REMOVER, _REMOVER.id == Annotation.deleted_by_id)
    .order_by(Annotation.conversation_id, Annotation.created_at, Annotation.id)
)


def annotations_frame(
    *,
    session: Session,
    conversation_id: str | None = None,
    conversation_ids: list[str] | None = None,
    include_deleted: bool = False,
) -> pd.DataFrame:
    """Annotations (of one conversation, of several, or all) with tag, turn and who/when (ANNOTATION_COLUMNS)."""
    query = _ANNOTATIONS
    if conversation_id is not None:
        query = query.where(Annotation.conversation_id == conversation_id)
    if conversation_ids is not None:
        query = query.where(Annotation.conversation_id.in_(conversation_ids))
    if not include_deleted:
        query = query.where(Annotation.deleted_at.is_(None))
    return _frame(session.execute(query).all(), ANNOTATION_COLUMNS, ints=("message_id", "position", "member_id"))


def _frame(rows: list, columns: list[str], ints: tuple[str, ...] = ()) -> pd.DataFrame:
    """A frame from result rows, with nullable integer columns (built column by column: no costly astype)."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    data = {
        name: pd.array(list(column), dtype="Int64") if name in ints else list(column)
        for name, column in zip(columns, values, strict=True)
    }
    return pd.DataFrame(data, columns=columns)


def annotated_conversation_ids(*, session: Session, tag_ids: list[int] | None = None) -> list[str]:
    """Conversations with at least one live annotation (with one of `tag_ids` when given), oldest first."""
    query = (
        select(Annotation.conversation_id)
        .join(Conversation, Conversation.id == Annotation.conversation_id)
        .where(Annotation.deleted_at.is_(None))
        .group_by(Annotation.conversation_id, Conversation.started_at)
        .order_by(Conversation.started_at, Annotation.conversation_id)
    )
    if tag_ids:
        query = query.where(Annotation.tag_id.in_(tag_ids))
    return list(session.execute(query).scalars())


# --- Judgements ---------------------------------------------------------------------------------------------


def save_judgement(
    *,
    session: Session,
    conversation_id: str,
    member_id: int,
    intent: str = "",
    intent_fulfilled: str | None = None,
    satisfaction: int | None = None,
    task_completed: str | None = None,
    note: str = "",
) -> Judgement:
    """Create or replace this reviewer's judgement of the conversation (one per reviewer per conversation).

    An atomic upsert (INSERT … ON CONFLICT DO UPDATE), so two saves at the same moment never collide.
    """
    if intent_fulfilled is not None and intent_fulfilled not in FULFILLED_CHOICES:
        raise ValueError(f"intent_fulfilled must be one of {', '.join(FULFILLED_CHOICES)}, not {intent_fulfilled!r}.")
    if task_completed is not None and task_completed not in TASK_CHOICES:
        raise ValueError(f"task_completed must be one of {', '.join(TASK_CHOICES)}, not {task_completed!r}.")
    if satisfaction is not None and (isinstance(satisfaction, bool) or satisfaction not in range(1, 6)):
        raise ValueError(f"satisfaction must be a whole number from 1 to 5, not {satisfaction!r}.")
    if session.get(Conversation, conversation_id) is None:
        raise ValueError(f"No conversation {conversation_id!r}.")
    if member_id is None:
        raise ValueError("A judgement needs a reviewer: pick who you are first.")
    _check_member(session, member_id)
    now = utcnow()
    values = {
        "intent": " ".join(intent.split()),
        "intent_fulfilled": intent_fulfilled,
        "satisfaction": satisfaction,
        "task_completed": task_completed,
        "note": note.strip(),
    }
    insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Judgement)
        .values(conversation_id=conversation_id, member_id=member_id, created_at=now, updated_at=now, **values)
        .on_conflict_do_update(index_elements=["conversation_id", "member_id"], set_={**values, "updated_at": now})
        .returning(Judgement.id)
    )
    judgement_id = session.execute(statement).scalar_one()
    judgement = session.execute(
        select(Judgement).where(Judgement.id == judgement_id).execution_options(populate_existing=True)
    ).scalar_one()
    record(
        session,
        member_id=member_id,
        action="save",
        entity="judgement",
        entity_id=judgement_id,
        detail={"conversation_id": conversation_id, **values},
    )
    return judgement


def get_judgement(*, session: Session, conversation_id: str, member_id: int) -> Judgement | None:
    query = select(Judgement).where(Judgement.conversation_id == conversation_id, Judgement.member_id == member_id)
    return session.execute(query).scalar_one_or_none()


_JUDGEMENTS = (
    select(
        Judgement.id,
        Judgement.conversation_id,
        Judgement.member_id,
        Member.name.label("member"),
        Judgement.intent,
        Judgement.intent_fulfilled,
        Judgement.satisfaction,
        Judgement.task_completed,
        Judgement.note,
        Judgement.created_at,
        Judgement.updated_at,
    )  # fmt: skip
    .join(Member, Member.id == Judgement.member_id)
    .order_by(Judgement.conversation_id, Judgement.updated_at, Judgement.id)
)


def judgements_frame(
    *, session: Session, conversation_id: str | None = None, conversation_ids: list[str] | None = None
) -> pd.DataFrame:
    """Judgements (of one conversation, of several, or all) with the reviewer's name (JUDGEMENT_COLUMNS)."""
    query = _JUDGEMENTS
    if conversation_id is not None:
        query = query.where(Judgement.conversation_id == conversation_id)
    if conversation_ids is not None:
        query = query.where(Judgement.conversation_id.in_(conversation_ids))
    return _frame(session.execute(query).all(), JUDGEMENT_COLUMNS, ints=("satisfaction",))


def intent_suggestions(*, session: Session, limit: int = 100) -> list[str]:
    """Intents reviewers already wrote, most used first (so the team converges on shared names)."""
    query = (
        select(Judgement.intent, func.count().label("n"))
        .where(Judgement.intent != "")
        .group_by(Judgement.intent)
        .order_by(func.count().desc(), Judgement.intent)
        .limit(limit)
    )
    return [intent for intent, _ in session.execute(query)]


# --- The taxonomy -------------------------------------------------------------------------------------------


def list_tags(*, session: Session, include_archived: bool = False) -> list[Tag]:
    query = select(Tag).order_by(Tag.kind, Tag.name)
    if not include_archived:
        query = query.where(Tag.archived.is_(False))
    return list(session.execute(query).scalars())


def tags_frame(*, session: Session) -> pd.DataFrame:
    """Every tag with how many live annotations use it."""
    used = (
        select(Annotation.tag_id, func.count().label("uses"))
        .where(Annotation.deleted_at.is_(None))
        .group_by(Annotation.tag_id)
        .subquery()
    )
    query = (
        select(
            Tag.id,
            Tag.name,
            Tag.kind,
            Tag.description,
            Tag.colour,
            Tag.archived,
            Tag.merged_into_id,
            func.coalesce(used.c.uses, 0).label("uses"),
        )  # fmt: skip
        .outerjoin(used, used.c.tag_id == Tag.id)
        .order_by(Tag.archived, Tag.kind, Tag.name)
    )
    rows = [dict(row._mapping) for row in session.execute(query)]
    return pd.DataFrame(
        rows, columns=["id", "name", "kind", "description", "colour", "archived", "merged_into_id", "uses"]
    )


def create_tag(
    *,
    session: Session,
    name: str,
    kind: str = "pain_point",
    description: str = "",
    colour: str = "#888888",
    member_id: int | None = None,
) -> Tag:
    name = " ".join(name.split())
    _check_tag_fields(session, name=name, kind=kind, colour=colour)
    tag = Tag(name=name, kind=kind, description=description.strip(), colour=colour)
    session.add(tag)
    session.flush()
    record(session, member_id=member_id, action="create", entity="tag", entity_id=tag.id, detail={"name": name})
    return tag


def update_tag(
    *,
    session: Session,
    tag_id: int,
    member_id: int | None = None,
    name: str | None = None,
    kind: str | None = None,
    description: str | None = None,
    colour: str | None = None,
    archived: bool | None = None,
) -> Tag:
    """Change some of a tag's fields (None leaves a field as it is); archiving hides it from new annotations."""
    tag = _get_tag(session, tag_id)
    changes = {
        "name": " ".join(name.split()) if name is not None else None,
        "kind": kind,
        "description": description.strip() if description is not None else None,
        "colour": colour,
        "archived": archived,
    }
    changes = {key: value for key, value in changes.items() if value is not None and value != getattr(tag, key)}
    if not changes:
        return tag
    _check_tag_fields(
        session,
        name=changes.get("name", tag.name),
        kind=changes.get("kind", tag.kind),
        colour=changes.get("colour", tag.colour),
        tag_id=tag_id,
    )
    for key, value in changes.items():
        setattr(tag, key, value)
    session.add(tag)
    record(session, member_id=member_id, action="update", entity="tag", entity_id=tag_id, detail=changes)
    return tag


def merge_tags(*, session: Session, source_id: int, target_id: int, member_id: int | None = None) -> int:
    """Move every annotation of tag `source_id` to `target_id` and archive the source (marked merged).

    An annotation that would duplicate one the same reviewer already has with the target tag on the same
    conversation or turn is soft-deleted instead. Returns how many annotations moved.
    """
    if source_id == target_id:
        raise ValueError("Pick two different tags to merge.")
    source, target = _get_tag(session, source_id), _get_tag(session, target_id)
    if target.archived:
        raise ValueError(f"Tag {target.name!r} is archived; merge into a live tag.")
    live = select(Annotation).where(Annotation.deleted_at.is_(None))
    existing = {
        (a.conversation_id, a.message_id, a.member_id)
        for a in session.execute(live.where(Annotation.tag_id == target_id)).scalars()
    }
    moved = duplicates = 0
    now = utcnow()
    for annotation in session.execute(live.where(Annotation.tag_id == source_id)).scalars():
        key = (annotation.conversation_id, annotation.message_id, annotation.member_id)
        if key in existing:
            annotation.deleted_at, annotation.deleted_by_id = now, member_id
            duplicates += 1
        else:
            existing.add(key)
            moved += 1
        session.add(annotation)
    # Deleted annotations move too, so the history reads under the surviving tag.
    session.execute(update(Annotation).where(Annotation.tag_id == source_id).values(tag_id=target_id))
    source.archived, source.merged_into_id = True, target_id
    session.add(source)
    record(
        session,
        member_id=member_id,
        action="merge",
        entity="tag",
        entity_id=source_id,
        detail={
            "from": source.name,
            "into": target.name,
            "target_id": target_id,
            "moved": moved,
            "dropped": duplicates,
        },
    )
    return moved


def _get_tag(session: Session, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise ValueError(f"No tag {tag_id}.")
    return tag


def _check_tag_fields(session: Session, *, name: str, kind: str, colour: str, tag_id: int | None = None) -> None:
    if not name:
        raise ValueError("A tag needs a name.")
    if kind not in TAG_KIND_CHOICES:
        raise ValueError(f"Unknown kind {kind!r}; choose one of {', '.join(TAG_KIND_CHOICES)}.")
    if not COLOUR.match(colour):
        raise ValueError(f"Colour must look like #1f77b4, not {colour!r}.")
    clash = session.execute(select(Tag.id).where(func.lower(Tag.name) == name.lower(), Tag.id != (tag_id or -1)))
    if clash.first():
        raise ValueError(f"A tag named {name!r} already exists.")


def _check_member(session: Session, member_id: int | None) -> None:
    if member_id is None:
        return
    member = session.get(Member, member_id)
    if member is None:
        raise ValueError(f"No member {member_id}.")
    if not member.active:
        raise ValueError(f"{member.name} is deactivated and cannot review.")


def review_counts(*, session: Session) -> dict[str, int]:
    """How much review work is stored: live and removed annotations, judgements, tagged conversations."""
    live = Annotation.deleted_at.is_(None)
    count = func.count()
    return {
        "annotations": session.execute(select(count).where(live)).scalar_one(),
        "removed": session.execute(select(count).where(Annotation.deleted_at.is_not(None))).scalar_one(),
        "judgements": session.execute(select(count).select_from(Judgement)).scalar_one(),
        "tagged_conversations": session.execute(
            select(func.count(func.distinct(Annotation.conversation_id))).where(live)
        ).scalar_one(),
    }
