"""Full-text search index upkeep (SQLite FTS5 external-content table `message_fts`; PostgreSQL needs none)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

# The shadow table message_fts_docsize has one row per *indexed* message. (max(rowid) of message_fts itself
# reads the external content table, i.e. the message table, so it cannot tell what is indexed.)
_SYNC_SQL = text(
    "INSERT INTO message_fts(rowid, content) SELECT id, content FROM message "
    "WHERE id > (SELECT coalesce(max(id), 0) FROM message_fts_docsize) ORDER BY id"
)


def sync_search_index(session: Session) -> int:
    """Index the messages added since the last sync; returns how many. A no-op on PostgreSQL (GIN index)."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    return session.connection().execute(_SYNC_SQL).rowcount
