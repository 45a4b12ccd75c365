"""Finding and reading conversations: the explorer's filtered, sorted, paginated query and the transcript.

Everything is filtered, sorted and paginated in SQL; a page of rows is enriched with its tags, reviewers and a
preview by one query each (never one per row). Filters round-trip through URL query parameters, so a view can be
shared as a link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Integer, case, exists, false, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from reviewlab.models import (
    Annotation,
    Conversation,
    ImportBatch,
    Judgement,
    Message,
    Segment,
    Tag,
    Topic,
    UserSegment,
)
from reviewlab.store.fulltext import fts5_query, sqlite_conversation_count, sqlite_hit_count, text_condition

FEEDBACK_CHOICES = ("positive", "negative", "any")
SORTS = {
    "started_at": Conversation.started_at,
    "frustration": Conversation.frustration,
    "n_messages": Conversation.n_messages,
    "n_user_turns": Conversation.n_user_turns,
    "explicit_feedback": Conversation.explicit_feedback,
}
SIMILARITY = "similarity"  # the order of `filters.ids` (a semantic search's ranking, most similar first)
INDEXED_SORTS = ("started_at", "frustration")
BROAD_SEARCH_HITS = 5_000  # messages; above this a search page walks the sort index instead of sorting every hit
PREVIEW_CHARS = 160
ROW_COLUMNS = [
    "id", "started_at", "source", "variant", "product_area", "user_id", "n_messages", "n_user_turns",
    "explicit_feedback", "frustration", "topic_id", "topic", "preview", "tags", "n_reviewers", "reviewed",
]  # fmt: skip


@dataclass
class ConversationFilter:
    """What the explorer (and a review sample) narrows conversations down to. Empty fields do not filter."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    sources: list[str] | None = None
    variants: list[str] | None = None
    product_areas: list[str] | None = None
    user_id: str | None = None
    tags_any: list[int] | None = None
    tags_all: list[int] | None = None
    tags_none: list[int] | None = None
    reviewed: bool | None = None  # reviewed = someone tagged or judged it
    feedback: str | None = None  # positive | negative | any
    min_frustration: float | None = None
    topic_ids: list[int] | None = None
    segment_ids: list[int] | None = None
    text: str | None = None  # full-text query
    ids: list[str] | None = None  # restrict to these ids (e.g. semantic search results); [] matches nothing

    # URL parameter name of each field (short, readable links).
    _PARAMS = {
        "date_from": "from", "date_to": "to", "sources": "source", "variants": "variant", "product_areas": "area",
        "user_id": "user", "tags_any": "tag_any", "tags_all": "tag_all", "tags_none": "tag_none",
        "reviewed": "reviewed", "feedback": "feedback", "min_frustration": "min_frustration", "topic_ids": "topic",
        "segment_ids": "segment", "text": "q", "ids": "ids",
    }  # fmt: skip

    def is_empty(self) -> bool:
        return self == ConversationFilter()

    def to_query_params(self) -> dict[str, str | list[str]]:
        """URL parameters for the set fields: lists as lists of strings (repeated keys), the rest as strings."""
        params: dict[str, str | list[str]] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == "" or (isinstance(value, list) and not value and f.name != "ids"):
                continue
            key = self._PARAMS[f.name]
            if isinstance(value, list):
                params[key] = [str(v) for v in value]
            elif isinstance(value, bool):
                params[key] = "yes" if value else "no"
            elif isinstance(value, date):
                params[key] = value.isoformat()
            else:
                params[key] = str(value)
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, str | list[str]]) -> ConversationFilter:
        """The filter a link describes. Lists may come as lists or comma-separated strings; bad values are ignored."""
        out = cls()
        for f in fields(cls):
            raw = params.get(cls._PARAMS[f.name])
            if raw is None:
                continue
            value = _parse(f.name, raw)
            if value is not None:
                setattr(out, f.name, value)
        return out

    def key(self) -> tuple:
        """A hashable, order-insensitive key (for caches)."""
        items = []
        for name, value in sorted(self.to_query_params().items()):
            items.append((name, tuple(sorted(value)) if isinstance(value, list) else value))
        return tuple(items)


_INT_LISTS = {"tags_any", "tags_all", "tags_none", "topic_ids", "segment_ids"}
_STR_LISTS = {"sources", "variants", "product_areas", "ids"}


def _parse(name: str, raw: str | list[str]):
    if name in _INT_LISTS or name in _STR_LISTS:
        items = raw if isinstance(raw, list) else list(raw.split(","))
        items = [item.strip() for item in items if item.strip()]
        if name in _INT_LISTS:
            items = [int(item) for item in items if item.lstrip("-").isdigit()]
        return items if items or name == "ids" else None
    text = (raw[-1] if raw else "") if isinstance(raw, list) else raw
    text = text.strip()
    if not text:
        return None
    try:
        if name in ("date_from", "date_to"):
            return date.fromisoformat(text)
        if name == "min_frustration":
            return float(text)
    except ValueError:
        return None
    if name == "reviewed":
        return {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(text.lower())
    if name == "feedback":
        return text if text in FEEDBACK_CHOICES else None
    return text


# --- The filtered query -------------------------------------------------------------------------------------


def _reviewed_condition() -> ColumnElement:
    tagged = exists().where(Annotation.conversation_id == Conversation.id, Annotation.deleted_at.is_(None))
    judged = exists().where(Judgement.conversation_id == Conversation.id)
    return or_(tagged, judged)


def _reviewed_by_condition(member_id: int) -> ColumnElement:
    tagged = exists().where(
        Annotation.conversation_id == Conversation.id,
        Annotation.deleted_at.is_(None),
        Annotation.member_id == member_id,
    )
    judged = exists().where(Judgement.conversation_id == Conversation.id, Judgement.member_id == member_id)
    return or_(tagged, judged)


def _tagged_with(tag_ids: list[int]) -> ColumnElement:
    return Conversation.id.in_(
        select(Annotation.conversation_id).where(Annotation.tag_id.in_(tag_ids), Annotation.deleted_at.is_(None))
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _unindexed(column):
    """The same values as an expression SQLite cannot look up in an index (so it walks the sort index instead)."""
    return column + 0 if isinstance(column.type, Integer) else column + ""


def filter_conditions(
    filters: ConversationFilter, dialect: str, *, favour_order: bool = False, favour_order_text: bool = False
) -> list[ColumnElement]:
    """The WHERE conditions on `conversation` for `filters` (for other stores that sample from the same view).

    `favour_order` (SQLite, a page sorted by an indexed column): the broad metadata filters (source, variant,
    area, topic) are written so SQLite walks the sort index and stops at the page, instead of collecting and
    sorting every match (without statistics, it takes any equality index to be selective).
    `favour_order_text`: the same for a full-text search that hits many messages.
    """
    f = filters
    conds: list[ColumnElement] = []
    if f.ids is not None:
        conds.append(Conversation.id.in_(f.ids) if f.ids else false())
    if f.date_from:
        conds.append(Conversation.started_at >= _start_of(f.date_from))
    if f.date_to:
        conds.append(Conversation.started_at < _start_of(f.date_to + timedelta(days=1)))
    for column, values in (
        (Conversation.source, f.sources),
        (Conversation.variant, f.variants),
        (Conversation.product_area, f.product_areas),
        (Conversation.topic_id, f.topic_ids),
    ):
        if values:
            conds.append((_unindexed(column) if favour_order else column).in_(values))
    if f.user_id:
        conds.append(Conversation.user_id == f.user_id)
    if f.tags_any:
        conds.append(_tagged_with(f.tags_any))
    for tag_id in f.tags_all or []:
        conds.append(_tagged_with([tag_id]))
    if f.tags_none:
        conds.append(not_(_tagged_with(f.tags_none)))
    if f.reviewed is not None:
        conds.append(_reviewed_condition() if f.reviewed else not_(_reviewed_condition()))
    if f.feedback == "positive":
        conds.append(Conversation.explicit_feedback > 0)
    elif f.feedback == "negative":
        conds.append(Conversation.explicit_feedback < 0)
    elif f.feedback == "any":
        conds.append(Conversation.explicit_feedback.is_not(None))
    if f.min_frustration is not None:
        conds.append(Conversation.frustration >= f.min_frustration)
    if f.segment_ids:
        users = select(UserSegment.user_id).where(UserSegment.segment_id.in_(f.segment_ids))
        conds.append(Conversation.user_id.in_(users))
    if f.text:
        condition = text_condition(f.text, dialect, favour_order=favour_order_text)
        if condition is not None:
            conds.append(condition)
    return conds


def _similarity_ranks(ids: list[str]) -> dict[str, int]:
    """Each id's value in the SIMILARITY sort: the first id highest."""
    return {cid: len(ids) - rank for rank, cid in enumerate(ids)}


def _sort_column(sort: str, filters: ConversationFilter) -> ColumnElement:
    """The column a list is sorted by. SIMILARITY ranks `filters.ids` (first id highest); without ids it falls
    back to the start time."""
    if sort == SIMILARITY:
        if not filters.ids:
            return Conversation.started_at
        return case(_similarity_ranks(filters.ids), value=Conversation.id, else_=0)
    if sort not in SORTS:
        raise ValueError(f"Unknown sort {sort!r}; choose one of {', '.join([*SORTS, SIMILARITY])}.")
    return SORTS[sort]


def _sort_value(sort: str, filters: ConversationFilter, current: Conversation):
    """`current`'s value of the sort column (see `_sort_column`)."""
    if sort == SIMILARITY:
        return _similarity_ranks(filters.ids).get(current.id, 0) if filters.ids else current.started_at
    return getattr(current, sort)


def _order_by(column: ColumnElement, descending: bool, reverse: bool = False) -> list:
    """The list order (NULL values last, ties by id); `reverse` gives exactly the opposite order."""
    if descending != reverse:
        order = [column.desc(), Conversation.id.desc()]
    else:
        order = [column.asc(), Conversation.id.asc()]
    return [order[0].nulls_first() if reverse else order[0].nulls_last(), order[1]]


def _page_conditions(session: Session, filters: ConversationFilter, sort: str) -> list[ColumnElement]:
    """Conditions for reading rows in list order (see `filter_conditions` on favouring the sort index)."""
    dialect = session.get_bind().dialect.name
    favour = dialect == "sqlite" and sort in INDEXED_SORTS
    broad_text = favour and bool(filters.text) and sqlite_hit_count(session, filters.text) >= BROAD_SEARCH_HITS
    return filter_conditions(filters, dialect, favour_order=favour, favour_order_text=broad_text)


def count_conversations(*, session: Session, filters: ConversationFilter) -> int:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and fts5_query(filters.text) and replace(filters, text=None).is_empty():
        return sqlite_conversation_count(session, filters.text)  # a plain search: count the hits' conversations
    conds = filter_conditions(filters, dialect)
    return session.execute(select(func.count()).select_from(Conversation).where(*conds)).scalar_one()


def query_conversations(
    *,
    session: Session,
    filters: ConversationFilter,
    sort: str = "started_at",
    descending: bool = True,
    page: int = 0,
    page_size: int = 50,
) -> tuple[pd.DataFrame, int]:
    """One page of the conversations matching `filters` (columns: ROW_COLUMNS) and the total number matching."""
    frame = page_conversations(
        session=session, filters=filters, sort=sort, descending=descending, page=page, page_size=page_size
    )
    return frame, count_conversations(session=session, filters=filters)


def page_conversations(
    *,
    session: Session,
    filters: ConversationFilter,
    sort: str = "started_at",
    descending: bool = True,
    page: int = 0,
    page_size: int = 50,
) -> pd.DataFrame:
    """One page of the conversations matching `filters` (columns: ROW_COLUMNS), without counting them all."""
    conds = _page_conditions(session, filters, sort)
    column = _sort_column(sort, filters)
    topic_label = func.coalesce(Topic.custom_label, Topic.label)
    query = (
        select(
            Conversation.id,
            Conversation.started_at,
            Conversation.source,
            Conversation.variant,
            Conversation.product_area,
            Conversation.user_id,
            Conversation.n_messages,
            Conversation.n_user_turns,
            Conversation.explicit_feedback,
            Conversation.frustration,
            Conversation.topic_id,
            topic_label.label("topic"),
        )  # fmt: skip
        .outerjoin(Topic, Topic.id == Conversation.topic_id)
        .where(*conds)
        .order_by(*_order_by(column, descending))
        .limit(page_size)
        .offset(max(page, 0) * page_size)
    )
    rows = [dict(row._mapping) for row in session.execute(query)]
    ids = [row["id"] for row in rows]
    previews = _previews(session, ids)
    tags = _tag_names(session, ids)
    reviewers = _reviewers(session, ids)
    for row in rows:
        row["preview"] = previews.get(row["id"], "")
        row["tags"] = ", ".join(tags.get(row["id"], []))
        row["n_reviewers"] = len(reviewers.get(row["id"], ()))
        row["reviewed"] = row["n_reviewers"] > 0 or bool(tags.get(row["id"]))
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def _previews(session: Session, ids: list[str]) -> dict[str, str]:
    """The start of each conversation's first user message."""
    if not ids:
        return {}
    query = (
        select(Message.conversation_id, func.substr(Message.content, 1, PREVIEW_CHARS + 1))
        .where(Message.conversation_id.in_(ids), Message.role == "user")
        .order_by(Message.conversation_id, Message.position)
    )
    out: dict[str, str] = {}
    for conversation_id, text in session.execute(query):
        if conversation_id not in out:
            text = " ".join((text or "").split())
            out[conversation_id] = text[:PREVIEW_CHARS] + ("…" if len(text) > PREVIEW_CHARS else "")
    return out


def _tag_names(session: Session, ids: list[str]) -> dict[str, list[str]]:
    if not ids:
        return {}
    query = (
        select(Annotation.conversation_id, Tag.name)
        .join(Tag, Tag.id == Annotation.tag_id)
        .where(Annotation.conversation_id.in_(ids), Annotation.deleted_at.is_(None))
        .distinct()
        .order_by(Annotation.conversation_id, Tag.name)
    )
    out: dict[str, list[str]] = defaultdict(list)
    for conversation_id, name in session.execute(query):
        out[conversation_id].append(name)
    return out


def _reviewers(session: Session, ids: list[str]) -> dict[str, set[int]]:
    """Members who tagged or judged each conversation."""
    if not ids:
        return {}
    out: dict[str, set[int]] = defaultdict(set)
    tagged = select(Annotation.conversation_id, Annotation.member_id).where(
        Annotation.conversation_id.in_(ids), Annotation.deleted_at.is_(None), Annotation.member_id.is_not(None)
    )
    judged = select(Judgement.conversation_id, Judgement.member_id).where(Judgement.conversation_id.in_(ids))
    for query in (tagged, judged):
        for conversation_id, member_id in session.execute(query):
            out[conversation_id].add(member_id)
    return out


# --- Moving through the filtered list -----------------------------------------------------------------------


def _segments_after(column: ColumnElement, descending: bool, value, conversation_id: str
                    ) -> list[list[ColumnElement]]:
    """The rows after (value, id) in the list order, as consecutive segments that each need one index range."""
    id_beyond = (Conversation.id < conversation_id) if descending else (Conversation.id > conversation_id)
    if value is None:
        return [[column.is_(None), id_beyond]]
    within = (column <= value) if descending else (column >= value)
    beyond = (column < value) if descending else (column > value)
    return [[within, or_(beyond, id_beyond)], [column.is_(None)]]


def _segments_before(column: ColumnElement, descending: bool, value, conversation_id: str
                     ) -> list[list[ColumnElement]]:
    """The rows before (value, id), nearest segment first (read in reverse list order)."""
    id_ahead = (Conversation.id > conversation_id) if descending else (Conversation.id < conversation_id)
    if value is None:
        return [[column.is_(None), id_ahead], [column.is_not(None)]]
    within = (column >= value) if descending else (column <= value)
    ahead = (column > value) if descending else (column < value)
    return [[within, or_(ahead, id_ahead)]]


def neighbours(
    *,
    session: Session,
    filters: ConversationFilter,
    conversation_id: str | None,
    sort: str = "started_at",
    descending: bool = True,
    member_id: int | None = None,
) -> dict[str, str | None]:
    """Ids of the previous and next conversation in the filtered, sorted list, and of the next one not yet
    reviewed (by `member_id` when given, else by anyone). With `conversation_id` None, "next" is the first row.
    Keyset queries (each an index range plus LIMIT 1): fast at any position in any list."""
    out: dict[str, str | None] = {"previous": None, "next": None, "next_unreviewed": None}
    conds = _page_conditions(session, filters, sort)
    column = _sort_column(sort, filters)
    after: list[list[ColumnElement]] = [[]]
    if conversation_id is not None:
        current = session.get(Conversation, conversation_id)
        if current is None:
            return out
        value = _sort_value(sort, filters, current)
        after = _segments_after(column, descending, value, conversation_id)
        before = _segments_before(column, descending, value, conversation_id)
        out["previous"] = _first(session, conds, before, column, descending, reverse=True)
    not_reviewed = not_(_reviewed_by_condition(member_id) if member_id is not None else _reviewed_condition())
    out["next"] = _first(session, conds, after, column, descending)
    out["next_unreviewed"] = _first(session, [*conds, not_reviewed], after, column, descending)
    return out


def _first(
    session: Session,
    conds: list[ColumnElement],
    segments: list[list[ColumnElement]],
    column: ColumnElement,
    descending: bool,
    reverse: bool = False,
) -> str | None:
    """The first row of the first segment that has one, in list order (or reverse list order)."""
    for segment in segments:
        query = select(Conversation.id).where(*conds, *segment).order_by(*_order_by(column, descending, reverse))
        found = session.execute(query.limit(1)).scalar_one_or_none()
        if found is not None:
            return found
    return None


# --- Reading ------------------------------------------------------------------------------------------------


def get_transcript(*, session: Session, conversation_id: str) -> tuple[Conversation, list[Message]]:
    """The conversation and its messages in order. Raises LookupError when there is no such conversation."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(f"No conversation {conversation_id!r}.")
    messages = session.execute(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.position)
    ).scalars()
    return conversation, list(messages)


def transcripts(*, session: Session, conversation_ids: list[str], chunk: int = 500) -> dict[str, list[Message]]:
    """Messages of many conversations at once (in order), for exports."""
    out: dict[str, list[Message]] = defaultdict(list)
    for start in range(0, len(conversation_ids), chunk):
        part = conversation_ids[start : start + chunk]
        query = (
            select(Message).where(Message.conversation_id.in_(part)).order_by(Message.conversation_id, Message.position)
        )
        for message in session.execute(query).scalars():
            out[message.conversation_id].append(message)
    return dict(out)


def filter_choices(*, session: Session) -> dict[str, list[str]]:
    """Distinct sources, variants and product areas, for the explorer's pickers."""
    out = {}
    for name, column in (
        ("sources", Conversation.source),
        ("variants", Conversation.variant),
        ("product_areas", Conversation.product_area),
    ):
        query = select(column).where(column.is_not(None)).distinct().order_by(column)
        out[name] = list(session.execute(query).scalars())
    return out


def conversations_frame(*, session: Session, conversation_ids: list[str], chunk: int = 500) -> pd.DataFrame:
    """Identity and metadata of the given conversations (for exports and reports)."""
    columns = [Conversation.id, Conversation.source, Conversation.external_id, Conversation.user_id,
               Conversation.started_at, Conversation.variant, Conversation.product_area,
               Conversation.explicit_feedback, Conversation.frustration]  # fmt: skip
    rows = []
    for start in range(0, len(conversation_ids), chunk):
        part = conversation_ids[start : start + chunk]
        rows += [dict(row._mapping) for row in session.execute(select(*columns).where(Conversation.id.in_(part)))]
    return pd.DataFrame(rows, columns=[c.key for c in columns])


def topic_choices(*, session: Session) -> dict[int, str]:
    """Active topics by id, with the team's label when set (for filter pickers)."""
    query = select(Topic.id, func.coalesce(Topic.custom_label, Topic.label)).where(Topic.active).order_by(Topic.id)
    return dict(session.execute(query).all())


def segment_choices(*, session: Session) -> dict[int, str]:
    return dict(session.execute(select(Segment.id, Segment.name)).all())


def reader_context(*, session: Session, conversation: Conversation) -> dict[str, str | None]:
    """Labels the reader shows beside a transcript: import batch, topic and the user's segment."""
    batch = session.get(ImportBatch, conversation.batch_id) if conversation.batch_id is not None else None
    topic = session.get(Topic, conversation.topic_id) if conversation.topic_id is not None else None
    segment = None
    if conversation.user_id is not None:
        query = select(Segment.name).join(UserSegment, UserSegment.segment_id == Segment.id)
        segment = session.execute(query.where(UserSegment.user_id == conversation.user_id)).scalar_one_or_none()
    return {
        "batch": f"{batch.file_name} · {batch.imported_at:%Y-%m-%d %H:%M}" if batch else None,
        "topic": (topic.custom_label or topic.label) if topic else None,
        "segment": segment,
    }
