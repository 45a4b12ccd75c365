"""CSV (or TSV, ;-separated), one row per message. Rows of a conversation may be anywhere in the file.

Columns are found by name (case-insensitive, first match wins); `--column NAME=COLUMN` maps ours to yours:
  conversation_id  conversation_id, conversation, conv_id, session_id, thread_id, dialog_id, chat_id
  role             role, speaker, from, author, sender
  content          content, text, message, value, body, utterance
  created_at       created_at, timestamp, time, date, datetime
  user_id          user_id, user, customer_id
  feedback         feedback, thumb, thumbs, rating, score
  variant          variant, model, prompt_version
  product_area     product_area, area, product
  position         position, turn, seq, index (orders messages; file order otherwise)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from typing import IO

from reviewlab.config import get_settings
from reviewlab.ingest.records import (
    ConversationRecord,
    ImportFileError,
    MessageRecord,
    ReaderOptions,
    RecordError,
    Rejection,
    normalise_feedback,
    normalise_role,
    optional_str,
    parse_timestamp,
)
from reviewlab.ingest.spool import Spool
from reviewlab.ingest.streams import PrefixedText

COLUMNS = {
    "conversation_id": ("conversation_id", "conversation", "conv_id", "session_id", "thread_id", "dialog_id",
                        "chat_id"),
    "role": ("role", "speaker", "from", "author", "sender"),
    "content": ("content", "text", "message", "value", "body", "utterance"),
    "created_at": ("created_at", "timestamp", "time", "date", "datetime"),
    "user_id": ("user_id", "user", "customer_id"),
    "feedback": ("feedback", "thumb", "thumbs", "rating", "score"),
    "variant": ("variant", "model", "prompt_version"),
    "product_area": ("product_area", "area", "product"),
    "position": ("position", "turn", "seq", "index"),
}
REQUIRED = ("conversation_id", "role", "content")


def read(text: IO[str], *, file: str, options: ReaderOptions) -> Iterator[ConversationRecord | Rejection]:
    head = text.read(1 << 16)
    try:
        dialect = csv.Sniffer().sniff(head.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(PrefixedText(head, text), dialect)
    header = next(rows, None)
    if not header:
        raise ImportFileError(f"{file}: empty CSV file")
    columns = resolve_columns(header, options.column_map, file=file)
    csv.field_size_limit(max(csv.field_size_limit(), 4 * get_settings().max_message_chars + 1024))
    with Spool() as spool:
        line = rows.line_num + 1
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                yield Rejection(file, line, None, f"unreadable CSV row: {exc}")
                line = rows.line_num + 1
                continue
            start, line = line, rows.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            cells = {name: (row[i] if i < len(row) else "") for name, i in columns.items()}
            conv = cells["conversation_id"].strip()
            if not conv:
                yield Rejection(file, start, "conversation_id", "missing conversation id")
                continue
            spool.add(conv, _parse_row(cells), line=start, order=_position(cells.get("position")))
        for conv, items in spool.groups():
            yield _conversation(conv, items, file=file)


def resolve_columns(header: list[str], column_map: dict[str, str], *, file: str) -> dict[str, int]:
    """Our column name → index in the row."""
    index = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
    unknown = set(column_map) - set(COLUMNS)
    if unknown:
        raise ImportFileError(f"{file}: unknown column mapping {sorted(unknown)}; ours are {sorted(COLUMNS)}")
    found = {}
    for name, aliases in COLUMNS.items():
        wanted = [column_map[name]] if name in column_map else aliases
        for alias in wanted:
            if alias.strip().lower() in index:
                found[name] = index[alias.strip().lower()]
                break
        else:
            if name in column_map:
                raise ImportFileError(f"{file}: column {column_map[name]!r} (mapped to {name}) is not in the header")
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise ImportFileError(
            f"{file}: no {', '.join(missing)} column in the header {header[:12]}; map yours with "
            f"--column {missing[0]}=YOUR_COLUMN")
    return found


def _position(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _parse_row(cells: dict[str, str]) -> MessageRecord | RecordError:
    try:
        return MessageRecord(
            role=normalise_role(cells["role"].strip(), field="role"),
            content=cells["content"],
            created_at=parse_timestamp(cells.get("created_at"), field="created_at"),
            feedback=normalise_feedback(cells.get("feedback"), field="feedback"),
            meta={k: cells[k] for k in ("user_id", "variant", "product_area") if cells.get(k)} or None,
        )
    except RecordError as exc:
        return exc


def _conversation(conv: str, items: list, *, file: str) -> ConversationRecord | Rejection:
    for line, item in items:
        if isinstance(item, RecordError):
            return Rejection(file, line, item.field, item.reason)
    messages = [m for _, m in items]
    first_meta = next((m.meta for m in messages if m.meta), {}) or {}
    for m in messages:
        m.meta = None
    feedback = [m.feedback for m in messages if m.feedback is not None]
    return ConversationRecord(
        external_id=conv, messages=messages, line=items[0][0],
        user_id=optional_str(first_meta.get("user_id")), variant=optional_str(first_meta.get("variant")),
        product_area=optional_str(first_meta.get("product_area")),
        explicit_feedback=feedback[-1] if feedback else None,
    )

