"""OpenAI chat JSONL (one conversation per line, or a JSON array), including fine-tuning and Batch input files.

Line: {"id", "user"|"user_id", "model", "prompt_version", "created_at", "metadata": {"product_area", "variant", …},
"feedback": {"thumb": "up"} | 1 | …, "rating": 1-5, "messages": [{"role", "content", "created_at"?, "feedback"?,
"name"?, "tool_calls"?, "tool_call_id"?}]}. Batch input lines {"custom_id", "body": {"model", "messages"}} too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from reviewlab.ingest.records import (
    ROLE_ALIASES,
    ConversationRecord,
    MessageRecord,
    ReaderOptions,
    RecordError,
    Rejection,
    content_id,
    normalise_feedback,
    normalise_role,
    optional_str,
    parse_timestamp,
    text_of,
)
from reviewlab.ingest.streams import read_json_records

_MESSAGE_KEYS = {"role", "content", "created_at", "timestamp", "feedback", "name", "tool_calls", "function_call"}


def read(text: IO[str], *, file: str, options: ReaderOptions) -> Iterator[ConversationRecord | Rejection]:
    return read_json_records(text, file=file, parse=parse_conversation)


def parse_conversation(obj: Any) -> ConversationRecord:
    if not isinstance(obj, dict):
        raise RecordError(None, f"expected a JSON object, got {type(obj).__name__}")
    body = obj.get("body") if isinstance(obj.get("body"), dict) else {}
    raw_messages = obj.get("messages", body.get("messages"))
    if raw_messages is None:
        raise RecordError("messages", "missing messages")
    if not isinstance(raw_messages, list):
        raise RecordError("messages", "messages must be a list")
    messages = [parse_message(m, i) for i, m in enumerate(raw_messages)]
    if not messages:
        raise RecordError("messages", "empty conversation")
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    model = optional_str(obj.get("model") or body.get("model"))
    prompt_version = optional_str(obj.get("prompt_version"))
    feedback = normalise_feedback(obj.get("feedback"), field="feedback")
    if feedback is None and obj.get("rating") not in (None, ""):
        rating = obj["rating"]
        feedback = normalise_feedback(rating if isinstance(rating, dict) else {"rating": rating, "scale": 5},
                                      field="rating")
    external_id = optional_str(obj.get("id") or obj.get("conversation_id") or obj.get("custom_id"))
    meta = {k: v for k, v in (("model", model), ("prompt_version", prompt_version), ("metadata", metadata or None))
            if v is not None}
    return ConversationRecord(
        external_id=external_id or content_id(messages),
        messages=messages,
        user_id=optional_str(obj.get("user") or obj.get("user_id")),
        started_at=parse_timestamp(obj.get("created_at") or obj.get("timestamp") or obj.get("created"),
                                   field="created_at"),
        variant=optional_str(metadata.get("variant")) or prompt_version or model,
        product_area=optional_str(metadata.get("product_area")),
        explicit_feedback=feedback,
        meta=meta or None,
    )


def parse_message(m: Any, index: int) -> MessageRecord:
    """One message (kept lean: it runs for every message of every import)."""
    if type(m) is not dict:
        raise RecordError(f"messages[{index}]", "a message must be a JSON object")
    role = m.get("role")
    role = (type(role) is str and ROLE_ALIASES.get(role)) or normalise_role(role, field=f"messages[{index}].role")
    content = m.get("content")
    if len(m) == 2 and type(content) is str:  # the common {"role", "content"} message
        return MessageRecord(role, content)
    tool_calls = m.get("tool_calls") or None
    if m.get("function_call"):  # the legacy single-function form
        tool_calls = [{"type": "function", "function": m["function_call"]}]
    if tool_calls is not None and not isinstance(tool_calls, list):
        raise RecordError(f"messages[{index}].tool_calls", "tool_calls must be a list")
    if "content" not in m and not tool_calls:
        raise RecordError(f"messages[{index}].content", "missing content")
    if type(content) is not str:
        content = text_of(content, field=f"messages[{index}].content")
    stamp = m.get("created_at") or m.get("timestamp")
    feedback = m.get("feedback")
    extra = None if m.keys() <= _MESSAGE_KEYS else {k: v for k, v in m.items() if k not in _MESSAGE_KEYS}
    return MessageRecord(
        role,
        content,
        parse_timestamp(stamp, field=f"messages[{index}].created_at") if stamp is not None else None,
        optional_str(m.get("name")),
        tool_calls,
        normalise_feedback(feedback, field=f"messages[{index}].feedback") if feedback is not None else None,
        extra or None,
    )
