"""ShareGPT JSON (an array) or JSONL: {"id", "conversations": [{"from": "human"|"gpt"|"system"|…, "value"}]}.

Also: "messages" instead of "conversations" and role/content instead of from/value (LLaMA-Factory variants),
a top-level "system" prompt, the tool roles "function_call" (value: JSON {"name", "arguments"}) and
"observation", and a top-level "tools" string (kept in meta). Long conversations that were split into chunks
`X_0`, `X_1`, … are joined back in chunk order (chunks may lie anywhere in the file). An id counts as chunked
only when its base looks like an opaque id (has a digit or a capital letter: "QWJhYvA_1", "c81e7_2"), so
"identity_0", "identity_1" stay separate conversations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from reviewlab.ingest.records import (
    ConversationRecord,
    MessageRecord,
    ReaderOptions,
    RecordError,
    Rejection,
    content_id,
    maybe_json,
    normalise_role,
    optional_str,
    text_of,
)
from reviewlab.ingest.spool import Spool
from reviewlab.ingest.streams import iter_json_records

_CHUNK = re.compile(r"^(?P<base>.*[0-9A-Z].*)_(?P<index>\d+)$")


def read(text: IO[str], *, file: str, options: ReaderOptions) -> Iterator[ConversationRecord | Rejection]:
    with Spool() as spool:
        for line, obj in iter_json_records(text):
            if isinstance(obj, RecordError):
                yield Rejection(file, line, obj.field, obj.reason)
                continue
            try:
                record = parse_record(obj)
            except RecordError as exc:
                yield Rejection(file, exc.line or line, exc.field, exc.reason)
                continue
            record.line = line
            chunk = _CHUNK.match(record.external_id) if isinstance(obj, dict) and obj.get("id") else None
            if chunk:
                spool.add(chunk["base"], record, line=line, order=int(chunk["index"]))
            else:
                spool.add(f"\x00{line}", record, line=line)  # never joined with anything
        for key, items in spool.groups():
            records = [record for _, record in items]
            if len(records) == 1 and key.startswith("\x00"):
                yield records[0]
                continue
            first = records[0]
            first.external_id = key
            first.messages = [m for r in records for m in r.messages]
            first.meta = {**(first.meta or {}), "chunks": len(records)}
            yield first


def parse_record(obj: Any) -> ConversationRecord:
    if not isinstance(obj, dict):
        raise RecordError(None, f"expected a JSON object, got {type(obj).__name__}")
    field = "conversations" if "conversations" in obj else "messages"
    turns = obj.get(field)
    if turns is None:
        raise RecordError("conversations", "missing conversations")
    if not isinstance(turns, list):
        raise RecordError(field, "must be a list of turns")
    messages = []
    if isinstance(obj.get("system"), str) and obj["system"].strip():
        messages.append(MessageRecord(role="system", content=obj["system"]))
    messages += [parse_turn(t, f"{field}[{i}]") for i, t in enumerate(turns)]
    if not messages:
        raise RecordError(field, "empty conversation")
    meta = {k: maybe_json(obj[k]) for k in ("tools", "images", "model", "source") if obj.get(k)}
    meta = {k: v for k, v in meta.items() if v}
    external_id = optional_str(obj.get("id"))
    return ConversationRecord(external_id=external_id or content_id(messages), messages=messages,
                              variant=optional_str(obj.get("model")), meta=meta or None)


def parse_turn(turn: Any, where: str) -> MessageRecord:
    if not isinstance(turn, dict):
        raise RecordError(where, "a turn must be a JSON object")
    speaker = turn.get("from", turn.get("role"))
    value = turn.get("value", turn.get("content"))
    if value is None:
        raise RecordError(f"{where}.value", "missing content")
    if isinstance(speaker, str) and speaker.strip().lower() == "function_call":
        call = maybe_json(value)
        if not isinstance(call, dict):
            raise RecordError(f"{where}.value", "function_call value must be JSON {name, arguments}")
        arguments = call.get("arguments")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        return MessageRecord(role="assistant", content="", tool_calls=[
            {"type": "function", "function": {"name": call.get("name"), "arguments": arguments}}])
    role = normalise_role(speaker, field=f"{where}.from")
    return MessageRecord(role=role, content=text_of(value, field=f"{where}.value"))
