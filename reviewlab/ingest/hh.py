"""'Human: … Assistant: …' transcripts, one JSON per line, as in Anthropic's HH-RLHF files (read gzipped directly).

Line: {"chosen": "\\n\\nHuman: …\\n\\nAssistant: …", "rejected": "…"} — `chosen` is the conversation; the last
assistant reply of `rejected` (the answer that lost) is kept in the conversation's meta. A line may also give the
transcript as "transcript" or "text". There are no ids: a conversation's id is a hash of its content.
"""

from __future__ import annotations

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
)
from reviewlab.ingest.streams import read_json_records

_TURN = re.compile(r"(?:^|\n\n)(Human|Assistant|System):[ \t]?")
_ROLES = {"Human": "user", "Assistant": "assistant", "System": "system"}


def read(text: IO[str], *, file: str, options: ReaderOptions) -> Iterator[ConversationRecord | Rejection]:
    return read_json_records(text, file=file, parse=parse_line)


def parse_line(obj: Any) -> ConversationRecord:
    if not isinstance(obj, dict):
        raise RecordError(None, f"expected a JSON object, got {type(obj).__name__}")
    key = next((k for k in ("chosen", "transcript", "text") if k in obj), None)
    if key is None:
        raise RecordError("chosen", "missing transcript ('chosen')")
    messages = parse_transcript(obj[key], field=key)
    meta = {}
    rejected = obj.get("rejected")
    if isinstance(rejected, str) and rejected.strip():
        turns = parse_transcript(rejected, field="rejected")
        if turns and turns[-1].role == "assistant":
            meta["rejected_reply"] = turns[-1].content
    return ConversationRecord(external_id=content_id(messages), messages=messages, meta=meta or None)


def parse_transcript(transcript: Any, *, field: str) -> list[MessageRecord]:
    if not isinstance(transcript, str):
        raise RecordError(field, "the transcript must be a string")
    pieces = _TURN.split(transcript)
    if len(pieces) < 3:
        raise RecordError(field, "no 'Human:' or 'Assistant:' turns found" if transcript.strip()
                          else "empty conversation")
    if pieces[0].strip():
        raise RecordError(field, "text before the first 'Human:'/'Assistant:' turn")
    return [MessageRecord(role=_ROLES[speaker], content=body.strip())
            for speaker, body in zip(pieces[1::2], pieces[2::2], strict=True)]
