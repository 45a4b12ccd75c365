"""Import batches and the bulk writes of imported conversations (SQLAlchemy Core, executemany)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

import pandas as pd
from sqlalchemy import Connection, Dialect, Table, bindparam, insert, select, text, update
from sqlmodel import Session
from sqlmodel.sql.sqltypes import UTCDateTime

from reviewlab.audit import record
from reviewlab.models import Conversation, ImportBatch, Message, utcnow

IMPORT_LOCK_KEY = 0x5265_7669_6577  # PostgreSQL advisory lock that serialises imports ("Review")
BATCH_COLUMNS = ["id", "imported_at", "source", "format", "file_name", "status", "conversations_added",
                 "conversations_skipped", "messages_added", "records_rejected", "member_id"]


def start_batch(*, session: Session, source: str, format: str, file_name: str, file_sha256: str,
                member_id: int | None) -> int:
    """Insert the batch row (status "running") in the caller's transaction and return its id.

    Imports run one at a time: SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL a transaction
    advisory lock does, so two overlapping imports of the same conversations never collide on a primary key (the
    second waits, then skips what the first added).
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
    result = conn.execute(
        insert(ImportBatch.__table__).values(
            source=source, format=format, file_name=file_name, file_sha256=file_sha256, imported_at=utcnow(),
            status="running", member_id=member_id, report=[],
        )
    )
    return result.inserted_primary_key[0]


def existing_conversation_ids(*, session: Session, ids: list[str]) -> set[str]:
    """Which of these conversation ids are already stored (including earlier chunks of this transaction)."""
    if not ids:
        return set()
    table = Conversation.__table__
    rows = session.connection().execute(select(table.c.id).where(table.c.id.in_(ids)))
    return {row[0] for row in rows}


CONVERSATION_COLUMNS = ("id", "external_id", "source", "batch_id", "user_id", "started_at", "ended_at", "n_messages",
                        "n_user_turns", "variant", "product_area", "explicit_feedback", "meta")
MESSAGE_COLUMNS = ("conversation_id", "position", "role", "content", "created_at", "name", "tool_calls", "feedback",
                   "meta")


def insert_conversations(*, session: Session, conversations: list[tuple], messages: list[tuple]) -> None:
    """Bulk insert rows (tuples in CONVERSATION_COLUMNS / MESSAGE_COLUMNS order) in the caller's transaction."""
    conn = session.connection()
    _bulk_insert(conn, Conversation.__table__, CONVERSATION_COLUMNS, conversations)
    _bulk_insert(conn, Message.__table__, MESSAGE_COLUMNS, messages)


def _bulk_insert(conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """One executemany of a Core insert() compiled once for this dialect.

    Each non-None value goes through its column type's own bind processor (the conversion SQLAlchemy itself
    applies: UTC datetimes, JSON text), once; None stays SQL NULL. Skipping SQLAlchemy's per-row parameter
    handling is what makes bulk imports run close to the speed of the driver (see bench/import_bench.py).
    """
    if not rows:
        return
    sql, processors = _compiled_insert(conn.dialect, table, columns)
    if processors:
        ready = []
        for row in rows:
            row = list(row)
            for i, process in processors:
                if row[i] is not None:
                    row[i] = process(row[i])
            ready.append(tuple(row))
        rows = ready
    conn.exec_driver_sql(sql, rows if conn.dialect.positional else [dict(zip(columns, r, strict=True))
                                                                  for r in rows])


@lru_cache(maxsize=32)
def _compiled_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[str, list]:
    statement = insert(table).values({name: bindparam(name) for name in columns})
    compiled = statement.compile(dialect=dialect)
    if dialect.positional:
        assert tuple(compiled.positiontup) == columns, compiled.positiontup
    processors = [(i, _processor(table.c[name].type, dialect)) for i, name in enumerate(columns)]
    return str(compiled), [(i, p) for i, p in processors if p is not None]


def _processor(type_, dialect: Dialect):
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return sqlite_utc_text
    return type_.dialect_impl(dialect).bind_processor(dialect)


def sqlite_utc_text(value: datetime) -> str:
    """What SQLAlchemy stores for a UTCDateTime on SQLite ("YYYY-MM-DD HH:MM:SS.ffffff", UTC), three times faster."""
    if value.tzinfo is None:
        raise ValueError("Datetime values must have timezone information.")
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def finish_batch(*, session: Session, batch_id: int, status: str, conversations_added: int,
                 conversations_skipped: int, messages_added: int, records_rejected: int, report: list[dict],
                 member_id: int | None) -> None:
    """Store the batch's counts and report, with its audit row, in the caller's transaction."""
    table = ImportBatch.__table__
    session.connection().execute(
        update(table).where(table.c.id == batch_id).values(
            status=status, finished_at=utcnow(), conversations_added=conversations_added,
            conversations_skipped=conversations_skipped, messages_added=messages_added,
            records_rejected=records_rejected, report=report,
        )
    )
    record(session, member_id=member_id, action="import", entity="importbatch", entity_id=batch_id,
           detail={"status": status, "conversations_added": conversations_added,
                   "conversations_skipped": conversations_skipped, "records_rejected": records_rejected})


def record_failed_batch(*, session: Session, source: str, format: str, file_name: str, file_sha256: str,
                        member_id: int | None, report: list[dict]) -> int:
    """A visible trace of a batch that failed (its data was rolled back): status "failed", nothing added."""
    batch_id = start_batch(session=session, source=source, format=format, file_name=file_name,
                           file_sha256=file_sha256, member_id=member_id)
    finish_batch(session=session, batch_id=batch_id, status="failed", conversations_added=0,
                 conversations_skipped=0, messages_added=0, records_rejected=len(report), report=report,
                 member_id=member_id)
    return batch_id


def list_batches(*, session: Session, limit: int = 200) -> pd.DataFrame:
    """Past import batches, newest first."""
    table = ImportBatch.__table__
    query = select(*(table.c[name] for name in BATCH_COLUMNS)).order_by(table.c.id.desc()).limit(limit)
    rows = session.connection().execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=BATCH_COLUMNS)


def batch_report(*, session: Session, batch_id: int) -> pd.DataFrame:
    """The rejected records of one batch: file, line, field, reason."""
    batch = session.get(ImportBatch, batch_id)
    rows = (batch.report or []) if batch else []
    return pd.DataFrame(rows, columns=["file", "line", "field", "reason"])
