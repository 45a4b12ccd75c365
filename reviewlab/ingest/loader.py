"""The one write path for imports: validate records, skip known conversations, bulk insert in one transaction.

One file = one ImportBatch = one transaction. If anything fails (or the process is killed) the transaction rolls
back and the database is exactly as before; a failure we can catch is then recorded as a separate "failed" batch
row holding the error, so the Import page shows it. Re-running the same import completes it: conversation ids
are stable, so nothing is ever added twice.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Engine

from reviewlab.config import get_settings
from reviewlab.db import session_scope
from reviewlab.ingest.detect import open_import
from reviewlab.ingest.records import (
    ROLES,
    ConversationRecord,
    ImportFileError,
    ReaderOptions,
    RecordError,
    Rejection,
    conversation_id,
)
from reviewlab.store.imports import (
    CONVERSATION_COLUMNS,
    existing_conversation_ids,
    finish_batch,
    insert_conversations,
    record_failed_batch,
    start_batch,
)
from reviewlab.store.search import sync_search_index

STARTED_AT = CONVERSATION_COLUMNS.index("started_at")
CHUNK_CONVERSATIONS = 2000  # conversations per executemany round trip (all inside the one transaction)
MAX_REPORTED = 10_000  # rejections kept in the stored report; all of them are counted

Progress = Callable[[int, int | None], None]


@dataclass
class ImportResult:
    batch_id: int | None
    file: str
    format: str
    conversations_added: int = 0
    conversations_skipped: int = 0  # already stored, or a duplicate earlier in the same file
    messages_added: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    records_rejected: int = 0  # all rejections, also those beyond MAX_REPORTED
    error: str | None = None  # a file-level error: nothing was written
    indexed: int = 0  # messages added to the full-text index after the commit
    undated: int = 0  # conversations added without a start time: no weekly figure can count them

    @property
    def ok(self) -> bool:
        return self.error is None

    def reject(self, rejection: Rejection) -> None:
        self.records_rejected += 1
        if len(self.rejections) < MAX_REPORTED:
            self.rejections.append(rejection)

    def summary(self) -> str:
        if self.error:
            return f"{self.file}: FAILED, nothing imported: {self.error}"
        undated = (f"; {self.undated:,} of them without any timestamp, so no weekly figure (dashboard, trends, "
                   "alerts, segments) counts them" if self.undated else "")
        return (f"{self.file} ({self.format}): {_count(self.conversations_added, 'conversation')} added "
                f"({_count(self.messages_added, 'message')}), {self.conversations_skipped:,} already present, "
                f"{self.records_rejected:,} rejected{undated}")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def import_records(
    engine: Engine,
    records: Iterable[ConversationRecord | Rejection],
    *,
    source: str,
    file_name: str,
    format: str,
    file_sha256: str,
    member_id: int | None = None,
    search_index: bool = True,
) -> ImportResult:
    """Write conversations as one batch in one transaction; return the counts and the rejections.

    `records` may also carry the reader's `Rejection`s, which go into the report. Invalid records are rejected
    (with their line), conversations whose id is already stored are counted as skipped. After the commit the new
    messages are added to the full-text index (its own transaction; `search_index=False` leaves that to the
    caller, e.g. to index once after several files).
    """
    result = ImportResult(batch_id=None, file=file_name, format=format)
    max_chars = get_settings().max_message_chars
    try:
        with session_scope(engine, write=True) as session:
            batch_id = start_batch(session=session, source=source, format=format, file_name=file_name,
                                   file_sha256=file_sha256, member_id=member_id)
            pending: dict[str, tuple[tuple, list[tuple]]] = {}
            for item in records:
                if isinstance(item, Rejection):
                    result.reject(item)
                    continue
                try:
                    conv_row, msg_rows = _rows(item, source=source, batch_id=batch_id, max_chars=max_chars)
                except RecordError as exc:
                    result.reject(Rejection(file_name, exc.line or item.line, exc.field, exc.reason))
                    continue
                if conv_row[0] in pending:
                    result.conversations_skipped += 1
                    continue
                pending[conv_row[0]] = (conv_row, msg_rows)
                if len(pending) >= CHUNK_CONVERSATIONS:
                    _flush(session, pending, result)
            _flush(session, pending, result)
            finish_batch(session=session, batch_id=batch_id, status="completed",
                         conversations_added=result.conversations_added,
                         conversations_skipped=result.conversations_skipped, messages_added=result.messages_added,
                         records_rejected=result.records_rejected,
                         report=[r.as_dict() for r in result.rejections], member_id=member_id)
    except BaseException as exc:  # rolled back by session_scope; leave a visible "failed" batch, then report
        result = _failed(engine, result, exc, source=source, file_sha256=file_sha256, member_id=member_id)
        if not isinstance(exc, Exception):
            raise
        return result
    result.batch_id = batch_id
    if search_index:
        with session_scope(engine, write=True) as session:
            result.indexed = sync_search_index(session)
    return result


def _flush(session, pending: dict[str, tuple[tuple, list[tuple]]], result: ImportResult) -> None:
    if not pending:
        return
    known = existing_conversation_ids(session=session, ids=list(pending))
    conversations, messages = [], []
    for cid, (conv_row, msg_rows) in pending.items():
        if cid in known:
            result.conversations_skipped += 1
            continue
        conversations.append(conv_row)
        messages.extend(msg_rows)
    insert_conversations(session=session, conversations=conversations, messages=messages)
    result.conversations_added += len(conversations)
    result.undated += sum(row[STARTED_AT] is None for row in conversations)
    result.messages_added += len(messages)
    pending.clear()


def _failed(engine: Engine, result: ImportResult, exc: BaseException, *, source: str, file_sha256: str,
            member_id: int | None) -> ImportResult:
    reason = str(exc) if isinstance(exc, ImportFileError) else f"{type(exc).__name__}: {exc}"
    failed = ImportResult(batch_id=None, file=result.file, format=result.format, error=reason,
                          rejections=result.rejections, records_rejected=result.records_rejected)
    report = [r.as_dict() for r in result.rejections] + [Rejection(result.file, None, None, reason).as_dict()]
    try:
        with session_scope(engine, write=True) as session:
            failed.batch_id = record_failed_batch(session=session, source=source, format=result.format,
                                                  file_name=result.file, file_sha256=file_sha256,
                                                  member_id=member_id, report=report)
    except Exception:  # the database itself is unusable: the error is still returned to the caller
        pass
    return failed


def _rows(record: ConversationRecord, *, source: str, batch_id: int, max_chars: int) -> tuple[tuple, list[tuple]]:
    """Validate one conversation and turn it into the rows to insert (raises RecordError).

    Rows are tuples in the column order of reviewlab.store.imports (CONVERSATION_COLUMNS, MESSAGE_COLUMNS).
    """
    if not record.messages:
        raise RecordError("messages", "empty conversation")
    external_id = record.external_id
    if not isinstance(external_id, str) or not external_id.strip():
        raise RecordError("id", "missing conversation id")
    cid = conversation_id(source, external_id)
    msg_rows = []
    n_user = 0
    first = last = None
    for position, m in enumerate(record.messages):
        content, created = m.content, m.created_at
        if m.role not in ROLES:
            raise RecordError(f"messages[{position}].role", f"unknown role {m.role!r}" if m.role else "missing role")
        if type(content) is not str:
            raise RecordError(f"messages[{position}].content", "content is not text")
        if len(content) > max_chars:
            raise RecordError(f"messages[{position}].content", f"message of {len(content):,} characters "
                              f"exceeds the limit of {max_chars:,} (REVIEWLAB_MAX_MESSAGE_CHARS)")
        if not m.tool_calls and not content.strip():
            raise RecordError(f"messages[{position}].content", "missing content")
        if created is not None:
            if created.tzinfo is None:
                raise RecordError(f"messages[{position}].created_at", "timestamp without a time zone")
            if first is None or created < first:
                first = created
            if last is None or created > last:
                last = created
        if m.feedback is not None and not -1 <= m.feedback <= 1:
            raise RecordError(f"messages[{position}].feedback", f"feedback {m.feedback} outside [-1, 1]")
        if m.role == "user":
            n_user += 1
        msg_rows.append((cid, position, m.role, content, created, m.name, m.tool_calls or None, m.feedback,
                         m.meta or None))
    if record.started_at is not None and record.started_at.tzinfo is None:
        raise RecordError("started_at", "timestamp without a time zone")
    if record.explicit_feedback is not None and not -1 <= record.explicit_feedback <= 1:
        raise RecordError("feedback", f"feedback {record.explicit_feedback} outside [-1, 1]")
    started = record.started_at or first
    conv_row = (cid, external_id, source, batch_id, record.user_id, started, last or started, len(msg_rows), n_user,
                record.variant, record.product_area, record.explicit_feedback, record.meta or None)
    return conv_row, msg_rows


# --- Files ----------------------------------------------------------------------------------------------


def import_paths(
    engine: Engine,
    paths: list[Path | str],
    *,
    format: str = "auto",
    source: str | None = None,
    member_id: int | None = None,
    progress: Progress | None = None,
    column_map: dict[str, str] | None = None,
    search_index: bool = True,
) -> list[ImportResult]:
    """Import each file as its own batch. `progress(bytes_done, bytes_total)` is called as each file is read.

    `source` defaults to the file's format; `column_map` maps our CSV column names to the file's.
    """
    options = ReaderOptions(column_map=dict(column_map or {}))
    results = []
    for path in map(Path, paths):
        try:
            digest = file_sha256(path)
            opened = open_import(path, format=format, progress=progress)
        except (ImportFileError, OSError) as exc:
            results.append(_failed(engine, ImportResult(None, path.name, format), ImportFileError(str(exc)),
                                   source=source or format, file_sha256="", member_id=member_id))
            continue
        with opened:
            records = opened.reader(opened.text, file=path.name, options=options)
            results.append(import_records(engine, records, source=source or opened.format, file_name=path.name,
                                          format=opened.format, file_sha256=digest, member_id=member_id,
                                          search_index=search_index))
    return results


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def import_uploads(
    engine: Engine,
    uploads: Iterable[tuple[str, IO[bytes]]],
    *,
    format: str = "auto",
    source: str | None = None,
    member_id: int | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    column_map: dict[str, str] | None = None,
) -> list[ImportResult]:
    """Import uploaded files given as (file name, binary stream), e.g. from the Import page.

    Each stream is copied in blocks to a temporary file under its own name, then imported like a path.
    `progress(file_index, file_count, fraction_of_that_file)` is called while reading.
    """
    uploads = list(uploads)
    results = []
    with tempfile.TemporaryDirectory(prefix="reviewlab-upload-") as folder:
        for index, (name, stream) in enumerate(uploads):
            path = Path(folder) / (Path(name).name or f"upload-{index}")
            with path.open("wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
            report = (lambda done, total, i=index: progress(i, len(uploads), done / total if total else 1.0)) \
                if progress else None
            results += import_paths(engine, [path], format=format, source=source, member_id=member_id,
                                    progress=report, column_map=column_map)
    return results
