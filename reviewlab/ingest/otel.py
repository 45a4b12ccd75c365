"""OpenTelemetry GenAI spans as JSON, grouped into conversations.

Accepted: OTLP/JSON trace exports (`{"resourceSpans": …}`, one document or one per line), OTLP/JSON log exports
with the older per-message events (`gen_ai.user.message`, `gen_ai.choice`, … as log records tied to their span),
SDK / OpenInference span JSON (`{"name", "context", "attributes": {…}}`), and bare attribute maps.

Messages of a span: `gen_ai.input.messages` + `gen_ai.output.messages` (with `gen_ai.system_instructions`), the
deprecated `gen_ai.prompt` / `gen_ai.completion`, OpenInference `llm.input_messages` / `llm.output_messages`
(nested or flattened `…messages.0.message.role`), else the span's events. Spans are grouped by
`gen_ai.conversation.id` (or `session.id`), else by trace; spans without any id form one conversation per file.
Within a conversation, spans are merged in time order (a call that repeats the history extends it).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from reviewlab.ingest.chat import merge_turns, to_messages
from reviewlab.ingest.records import (
    ConversationRecord,
    MessageRecord,
    ReaderOptions,
    RecordError,
    Rejection,
    content_id,
    maybe_json,
    optional_str,
    parse_timestamp,
    text_of,
)
from reviewlab.ingest.spool import Spool
from reviewlab.ingest.streams import iter_json_leaves

TREE = {
    "resourceSpans": {"*": {"scopeSpans": {"*": {"spans": {"*": None}}}}},
    "resourceLogs": {"*": {"scopeLogs": {"*": {"logRecords": {"*": None}}}}},
    "*": None,
}
CONVERSATION_KEYS = ("gen_ai.conversation.id", "session.id", "langfuse.session.id", "conversation.id")
USER_KEYS = ("user.id", "enduser.id", "gen_ai.user.id", "langfuse.user.id")
MODEL_KEYS = ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name")
EVENT_ROLES = {"gen_ai.system.message": "system", "gen_ai.user.message": "user",
               "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool", "gen_ai.choice": "assistant"}
NO_IDS = "\x00file"
_ANONYMOUS = itertools.count()


def read(text: IO[str], *, file: str, options: ReaderOptions) -> Iterator[ConversationRecord | Rejection]:
    with Spool() as spool:
        for path, line, value in iter_json_leaves(text, TREE):
            if isinstance(value, RecordError):
                yield Rejection(file, line, value.field, value.reason)
                continue
            kind = _kind(path, value)
            if kind is None:
                continue
            try:
                unit = _span(value) if kind == "span" else _log_event(value)
            except RecordError as exc:
                yield Rejection(file, line, exc.field, exc.reason)
                continue
            trace_id = unit.pop("trace_id") or NO_IDS
            if unit.get("conversation"):
                spool.link(trace_id, unit["conversation"])
            when = unit["time"]
            spool.add(trace_id, unit, line=line, order=when.timestamp() if when else None)
        for group, items in spool.groups():
            record = build_conversation(group, items)
            if record is None:
                yield Rejection(file, items[0][0], "attributes", "no GenAI messages in these spans")
            else:
                yield record


def _kind(path: tuple[str, ...], value: Any) -> str | None:
    if not isinstance(value, dict) or not value:
        return None
    if path[:1] == ("resourceLogs",):
        return "event" if path[-2:] == ("logRecords", "*") and _event_name(value) else None
    if path[:1] == ("resourceSpans",):
        return "span" if path[-2:] == ("spans", "*") else None
    attributes = value.get("attributes")
    if isinstance(attributes, dict | list) or any(k.startswith(("gen_ai.", "llm.")) for k in value):
        return "span"
    return None


# --- Normalising spans and events ----------------------------------------------------------------------


def any_value(value: Any) -> Any:
    """An OTLP/JSON AnyValue ({"stringValue": …}, {"kvlistValue": …}…) as a Python value."""
    if not isinstance(value, dict) or len(value) != 1:
        return value
    (kind, inner), = value.items()
    if kind == "stringValue" or kind == "boolValue" or kind == "doubleValue":
        return inner
    if kind == "intValue":
        return int(inner)
    if kind == "arrayValue":
        return [any_value(v) for v in (inner or {}).get("values", [])]
    if kind == "kvlistValue":
        return {kv["key"]: any_value(kv.get("value")) for kv in (inner or {}).get("values", [])}
    if kind == "bytesValue":
        return "[bytes]"
    return value


def attributes_of(raw: Any) -> dict:
    if isinstance(raw, list):  # OTLP: [{"key", "value": AnyValue}]
        return {a["key"]: any_value(a.get("value")) for a in raw if isinstance(a, dict) and "key" in a}
    return dict(raw) if isinstance(raw, dict) else {}


def _span(value: dict) -> dict:
    attrs = attributes_of(value["attributes"]) if "attributes" in value else \
        {k: v for k, v in value.items() if "." in k}
    context = value.get("context") if isinstance(value.get("context"), dict) else {}
    start = value.get("startTimeUnixNano") or value.get("start_time") or value.get("startTime")
    events = [(_event_name(e), attributes_of(e.get("attributes")), e.get("body")) for e in value.get("events") or []
              if isinstance(e, dict)]
    return {
        "trace_id": optional_str(value.get("traceId") or context.get("trace_id")),
        "span_id": optional_str(value.get("spanId") or context.get("span_id")) or f"@{next(_ANONYMOUS)}",
        "time": parse_timestamp(start, field="startTimeUnixNano"),
        "conversation": _first(attrs, CONVERSATION_KEYS),
        "user_id": _first(attrs, USER_KEYS),
        "model": _first(attrs, MODEL_KEYS),
        "messages": span_messages(attrs, events),
    }


def _log_event(value: dict) -> dict:
    attrs = attributes_of(value.get("attributes"))
    name = _event_name(value)
    when = value.get("timeUnixNano") or value.get("observedTimeUnixNano")
    return {
        "trace_id": optional_str(value.get("traceId")),
        "span_id": optional_str(value.get("spanId")) or "",
        "time": parse_timestamp(when, field="timeUnixNano"),
        "conversation": _first(attrs, CONVERSATION_KEYS),
        "user_id": None,
        "model": None,
        "messages": _event_messages(name, attrs, value.get("body")),
        "event": True,
    }


def _event_name(value: dict) -> str | None:
    name = value.get("eventName") or value.get("name")
    if not name:
        name = attributes_of(value.get("attributes")).get("event.name")
    return name if isinstance(name, str) and name.startswith("gen_ai.") else None


def _first(attrs: dict, keys: tuple[str, ...]) -> str | None:
    return next((optional_str(attrs[k]) for k in keys if attrs.get(k) not in (None, "")), None)


def span_messages(attrs: dict, events: list[tuple[str | None, dict, Any]]) -> list[MessageRecord]:
    """Input then output messages of one span (empty when it carries none)."""
    if "gen_ai.input.messages" in attrs or "gen_ai.output.messages" in attrs:
        system = to_messages(attrs.get("gen_ai.system_instructions"), default_role="system",
                             field="gen_ai.system_instructions")
        for m in system:
            m.role = "system"
        return (system + to_messages(attrs.get("gen_ai.input.messages"), default_role="user",
                                     field="gen_ai.input.messages")
                + to_messages(attrs.get("gen_ai.output.messages"), default_role="assistant",
                              field="gen_ai.output.messages"))
    nested = unflatten(attrs)
    for inputs, outputs in (("gen_ai.prompt", "gen_ai.completion"), ("llm.input_messages", "llm.output_messages")):
        if inputs in nested or outputs in nested:
            return (to_messages(_openinference(nested.get(inputs)), default_role="user", field=inputs)
                    + to_messages(_openinference(nested.get(outputs)), default_role="assistant", field=outputs))
    if "llm.prompts" in nested or "llm.choices" in nested:  # OpenInference text completions
        return ([MessageRecord(role="user", content=_text_field(p)) for p in nested.get("llm.prompts") or []]
                + [MessageRecord(role="assistant", content=_text_field(c)) for c in nested.get("llm.choices") or []])
    messages: list[MessageRecord] = []
    for name, event_attrs, body in events:
        if name:
            messages += _event_messages(name, event_attrs, body)
    if not messages and _is_model_call(attrs):  # last resort: the raw request and response
        messages = (to_messages(attrs.get("input.value"), default_role="user", field="input.value")
                    + to_messages(attrs.get("output.value"), default_role="assistant", field="output.value"))
    return messages


def _text_field(item: Any) -> str:
    """The text of {"prompt.text": …} / {"completion.text": …} items."""
    if isinstance(item, dict):
        item = next((v for k, v in item.items() if k.endswith("text")), item)
    return text_of(item, field="text")


def _is_model_call(attrs: dict) -> bool:
    return (attrs.get("openinference.span.kind") == "LLM"
            or attrs.get("gen_ai.operation.name") in ("chat", "text_completion", "generate_content"))


def _event_messages(name: str | None, attrs: dict, body: Any) -> list[MessageRecord]:
    body = any_value(body) if body is not None else None
    if body is None:  # span events of older emitters carry the message in attributes
        body = maybe_json(attrs.get("gen_ai.event.content") or attrs.get("content"))
    if name in ("gen_ai.content.prompt", "gen_ai.content.completion"):
        key = "gen_ai.prompt" if name.endswith("prompt") else "gen_ai.completion"
        role = "user" if name.endswith("prompt") else "assistant"
        return to_messages(attrs.get(key), default_role=role, field=key)
    role = EVENT_ROLES.get(name or "")
    if role is None or body is None:
        return []
    if name == "gen_ai.choice" and isinstance(body, dict):
        body = body.get("message", body)
    if isinstance(body, dict):
        body = {"role": body.get("role") or role, **{k: v for k, v in body.items() if k != "role"}}
        if "id" in body and role == "tool":
            body["tool_call_id"] = body.pop("id")
        if "content" not in body and not body.get("tool_calls"):
            body["content"] = ""
    return to_messages(body, default_role=role, field=name or "event")


_INDEX_SPLIT = re.compile(r"\.(\d+)(?:\.|$)")


def unflatten(attrs: dict) -> dict:
    """Indexed attribute keys as lists: {"llm.input_messages.0.message.role": "user"} →
    {"llm.input_messages": [{"message.role": "user"}]}. Keys split only at numeric indices."""
    root: dict = {}
    for key, value in attrs.items():
        parts = _INDEX_SPLIT.split(key)
        if len(parts) == 1:
            root[key] = value
            continue
        node: Any = root
        parent, index = root, 0
        for name, index_text in zip(parts[0:-1:2], parts[1:-1:2], strict=True):
            node = node.setdefault(name, {}) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                break
            parent, index = node, int(index_text)
            node = node.setdefault(index, {})
        else:
            if parts[-1] and isinstance(node, dict):
                node[parts[-1]] = value
            elif not parts[-1]:
                parent[index] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            return [_lists(node[k]) for k in sorted(node)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _openinference(value: Any) -> Any:
    """OpenInference message dicts ({"message.role", "message.contents": [...]…}) → OpenAI-style dicts."""
    value = maybe_json(value)
    if not isinstance(value, list):
        return value
    out = []
    for item in value:
        if not isinstance(item, dict) or not any(k.startswith("message") for k in item):
            out.append(item)
            continue
        msg = {k.removeprefix("message."): v for k, v in item.items()}
        contents = msg.pop("contents", None)
        if "content" not in msg and isinstance(contents, list):
            msg["content"] = [{k.removeprefix("message_content."): v for k, v in (c or {}).items()}
                              if isinstance(c, dict) else c for c in contents]
        calls = msg.get("tool_calls")
        if isinstance(calls, list):
            msg["tool_calls"] = [_tool_call(c) for c in calls]
        out.append(msg)
    return out


def _tool_call(call: Any) -> Any:
    if not isinstance(call, dict):
        return call
    flat = {k.removeprefix("tool_call."): v for k, v in call.items()}
    return {"id": flat.get("id"), "type": "function",
            "function": {"name": flat.get("function.name"), "arguments": flat.get("function.arguments")}}


# --- Conversations -------------------------------------------------------------------------------------


def build_conversation(group: str, items: list[tuple[int | None, dict]]) -> ConversationRecord | None:
    turns: dict[str, list[MessageRecord]] = {}
    times: dict[str, datetime | None] = {}
    span_has_messages: set[str] = set()
    user_id = model = None
    for _, unit in items:
        span = unit["span_id"]
        times.setdefault(span, unit["time"])
        user_id = user_id or unit["user_id"]
        model = unit["model"] or model
        if unit.get("event"):
            if span not in span_has_messages:  # events count only when the span itself has no messages
                turns.setdefault(span, []).extend(unit["messages"])
        elif unit["messages"]:
            turns[span] = list(unit["messages"])
            span_has_messages.add(span)
    history: list[MessageRecord] = []
    for span in sorted(turns, key=lambda s: (times[s] is None, times[s] or datetime.min)):
        if turns[span]:
            history = merge_turns(history, turns[span])
    if not history:
        return None
    starts = [t for t in times.values() if t is not None]
    return ConversationRecord(
        external_id=content_id(history) if group == NO_IDS else group, messages=history, user_id=user_id,
        started_at=min(starts, default=None), variant=model,
    )
