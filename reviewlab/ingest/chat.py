"""Turn the message shapes found in tracing exports into MessageRecords, and merge the turns of one conversation.

Shapes handled (possibly as JSON text, even double-encoded): OpenAI chat messages (content string or parts,
tool_calls, tool messages), OpenAI Responses items (message / function_call / function_call_output) and response
objects, chat.completion objects, OpenTelemetry GenAI messages ({"role", "parts": [text | tool_call |
tool_call_response …]}), Vercel AI SDK tool calls ({"toolCallId", "toolName", "input"}), {"prompt": …},
{"messages": […]}, and plain text.
"""

from __future__ import annotations

import json
from typing import Any

from reviewlab.ingest.records import MessageRecord, maybe_json, normalise_role, text_of


def to_messages(value: Any, *, default_role: str, field: str) -> list[MessageRecord]:
    """Messages from one input or output value (empty list when it holds none)."""
    value = maybe_json(value)
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, str):
        return [MessageRecord(role=default_role, content=value)]
    if isinstance(value, list):
        out: list[MessageRecord] = []
        for i, item in enumerate(value):
            out.extend(_item(maybe_json(item), default_role=default_role, field=f"{field}[{i}]"))
        return out
    if isinstance(value, dict):
        return _item(value, default_role=default_role, field=field)
    return [MessageRecord(role=default_role, content=text_of(value, field=field))]


def _item(item: Any, *, default_role: str, field: str) -> list[MessageRecord]:
    if isinstance(item, str):
        return [MessageRecord(role=default_role, content=item)] if item else []
    if not isinstance(item, dict):
        return [MessageRecord(role=default_role, content=text_of(item, field=field))]
    kind = item.get("type")
    if isinstance(item.get("messages"), list):
        return to_messages(item["messages"], default_role=default_role, field=f"{field}.messages")
    if item.get("object") == "response" and isinstance(item.get("output"), list):
        return to_messages(item["output"], default_role="assistant", field=f"{field}.output")
    if isinstance(item.get("choices"), list) and item["choices"]:
        choice = item["choices"][0]
        return _item(choice.get("message", choice), default_role="assistant", field=f"{field}.choices[0]")
    if kind == "function_call":
        return [MessageRecord(role="assistant", content="", tool_calls=[_openai_call(
            item.get("call_id") or item.get("id"), item.get("name"), item.get("arguments"))])]
    if kind == "function_call_output":
        return [MessageRecord(role="tool", content=tool_text(item.get("output")),
                              meta=_drop_none({"tool_call_id": item.get("call_id")}))]
    if kind == "reasoning":
        return []
    if "toolCallId" in item and "toolName" in item:
        if "output" in item or "result" in item:
            result = item.get("output", item.get("result"))
            return [MessageRecord(role="tool", content=tool_text(result),
                                  name=item["toolName"], meta={"tool_call_id": item["toolCallId"]})]
        return [MessageRecord(role="assistant", content="", tool_calls=[_openai_call(
            item["toolCallId"], item["toolName"], item.get("input", item.get("args")))])]
    if "role" in item:
        return [_message(item, field=field)]
    if "prompt" in item:
        return to_messages(item["prompt"], default_role="user", field=f"{field}.prompt")
    for key in ("content", "text", "completion", "output", "response", "message"):
        if key in item:
            return to_messages(item[key], default_role=default_role, field=f"{field}.{key}")
    return []


def _message(item: dict, *, field: str) -> MessageRecord:
    role = normalise_role(item.get("role"), field=f"{field}.role")
    tool_calls = [c if isinstance(c, dict) else {"value": c} for c in item.get("tool_calls") or []] or None
    meta = _drop_none({"tool_call_id": item.get("tool_call_id"), "finish_reason": item.get("finish_reason")})
    if "parts" in item:  # OpenTelemetry GenAI
        texts, calls = [], []
        for part in item["parts"] or []:
            if not isinstance(part, dict):
                continue
            ptype = part.get("type")
            if ptype == "tool_call":
                calls.append(_openai_call(part.get("id"), part.get("name"), part.get("arguments")))
            elif ptype == "tool_call_response":
                meta["tool_call_id"] = part.get("id")
                texts.append(tool_text(part.get("response")))
            elif ptype == "text":
                texts.append(text_of(part.get("content"), field=field))
            elif ptype and ptype != "reasoning":  # images, files…: a placeholder, never the payload
                texts.append(f"[{part.get('modality') or ptype}]")
        content = "\n".join(t for t in texts if t)
        tool_calls = calls or tool_calls
    else:
        content = text_of(item.get("content", item.get("text")), field=f"{field}.content")
    return MessageRecord(role=role, content=content, name=item.get("name") if role == "tool" else None,
                         tool_calls=tool_calls, meta=meta or None)


def _openai_call(call_id: Any, name: Any, arguments: Any) -> dict:
    if not isinstance(arguments, str):
        arguments = "" if arguments is None else json.dumps(arguments, ensure_ascii=False)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool_text(value: Any) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    return json.dumps(value, ensure_ascii=False)


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _key(m: MessageRecord) -> tuple:
    calls = tuple((c.get("function") or {}).get("name") or c.get("name") for c in m.tool_calls or [])
    return m.role, m.content.strip(), calls


def merge_turns(history: list[MessageRecord], turn: list[MessageRecord]) -> list[MessageRecord]:
    """Add one model call's messages (its input, then its output) to a conversation's history.

    Tracing tools log the whole history as each call's input; when the history so far is a prefix of the new
    call's messages, they replace it. Otherwise the call's messages are appended, minus any leading part
    that repeats the end of the history.
    """
    if not history:
        return list(turn)
    keys_h = [_key(m) for m in history]
    keys_t = [_key(m) for m in turn]
    if keys_t[: len(keys_h)] == keys_h:
        return list(turn)
    if keys_h[-len(keys_t):] == keys_t:
        return history
    overlap = 0
    for n in range(min(len(keys_h), len(keys_t)), 0, -1):
        if keys_h[-n:] == keys_t[:n]:
            overlap = n
            break
    return history + turn[overlap:]
