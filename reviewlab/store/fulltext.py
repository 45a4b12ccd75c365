"""Full-text search over message content, as a SQL condition on conversations.

SQLite: the FTS5 table `message_fts` (external content, rowid = message.id, filled by
`reviewlab.store.search.sync_search_index`). PostgreSQL: the GIN index on `to_tsvector('english', content)`.
User input never reaches the query syntax: it is reduced to quoted words and phrases first.
"""

from __future__ import annotations

import re

from sqlalchemy import String, func, literal_column, select
from sqlalchemy import text as sql_text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from reviewlab.models import Conversation, Message

_PART = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")


def fts5_query(text: str | None) -> str | None:
    """A safe FTS5 MATCH expression for what a user typed, or None when it holds no searchable word.

    Every word becomes a quoted string (so `AND`, `NEAR`, `-`, `:` or stray quotes are plain text); text in double
    quotes stays a phrase; a trailing `*` on a word keeps prefix search. All parts must match (implicit AND).
    """
    parts = []
    for phrase, word in _PART.findall(text or ""):
        words = _WORD.findall(phrase or word)
        if not words:
            continue
        prefix = "*" if word.endswith("*") and len(words) == 1 else ""
        parts.append('"' + " ".join(words) + '"' + prefix)
    return " ".join(parts) or None


# Hits → conversations through the narrow covering index (migration c1_review), not the wide message rows.
_SQLITE_HITS = "SELECT rowid FROM message_fts WHERE message_fts MATCH :fts_query"
_SQLITE_HIT_CONVERSATIONS = sql_text(
    f"SELECT m.conversation_id FROM message AS m INDEXED BY ix_message_id_conversation WHERE m.id IN ({_SQLITE_HITS})"
).columns(conversation_id=String)
_SQLITE_HIT_COUNT = sql_text(f"SELECT count(*) FROM ({_SQLITE_HITS})")
_SQLITE_CONVERSATION_COUNT = sql_text(
    "SELECT count(DISTINCT conversation_id) FROM "
    f"(SELECT m.conversation_id FROM message AS m INDEXED BY ix_message_id_conversation WHERE m.id IN ({_SQLITE_HITS}))"
)


def text_condition(text: str | None, dialect: str, *, favour_order: bool = False) -> ColumnElement | None:
    """Conversations with at least one message matching `text` (None: no condition).

    `favour_order` (SQLite, for a match that hits many messages): written so SQLite walks the sort index and
    probes the hits, instead of fetching and sorting every matching conversation.
    """
    if dialect == "sqlite":
        query = fts5_query(text)
        if query is None:
            return None
        column = Conversation.id + "" if favour_order else Conversation.id
        return column.in_(_SQLITE_HIT_CONVERSATIONS.bindparams(fts_query=query))
    match = _postgres_match(text)
    return None if match is None else Conversation.id.in_(select(Message.conversation_id).where(match))


def sqlite_hit_count(session: Session, text: str | None) -> int:
    """How many messages match (SQLite; FTS5 answers from its index alone, in milliseconds)."""
    query = fts5_query(text)
    return 0 if query is None else session.execute(_SQLITE_HIT_COUNT, {"fts_query": query}).scalar_one()


def sqlite_conversation_count(session: Session, text: str) -> int:
    """How many conversations have a message matching `text` (which must hold a searchable word), on SQLite,
    without touching the conversation table."""
    return session.execute(_SQLITE_CONVERSATION_COUNT, {"fts_query": fts5_query(text)}).scalar_one()


def _postgres_match(text: str | None) -> ColumnElement | None:
    if not _WORD.search(text or ""):
        return None
    english = literal_column("'english'")  # a literal, so the planner matches the expression index
    return func.to_tsvector(english, Message.content).op("@@")(func.plainto_tsquery(english, text))
