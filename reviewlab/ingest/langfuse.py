"""Langfuse exports: traces and observations, grouped into conversations by session (or by trace).

Accepted: blob-storage exports (traces / observations / observations_v2 as JSONL or CSV), public API responses
(a trace with its observations, a session with its traces, `{"data": [...]}` lists) and the UI "download trace"
file (`{"trace": …, "observations": […]}`). input/output may be JSON text (even double-encoded).

Per trace, the messages come from its last model call (GENERATION) whose input holds messages: that input, its
output, and the results of tools run after it. Traces of one session are merged in time order (a call that
repeats the history so far extends it). Without usable generations, the trace's own input/output are used.
Scores whose name speaks of user feedback (thumbs, rating…) become the explicit feedback; all scores are kept
in meta.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from reviewlab.ingest.chat import merge_turns, to_messages, tool_text
from reviewlab.ingest.records import (
    ConversationRecord,
    MessageRecord,
    ReaderOptions,
    RecordError,
    Rejection,
    maybe_json,
    normalise_feedback,
    optional_str,
    parse_timestamp,
)
from reviewlab.ingest.spool import Spool
from reviewlab.ingest.streams import PrefixedText, iter_json_leaves

_OBS = {"observations": {"*": None}}
TREE = {"trace": None, **_OBS, "traces": {"*": _OBS}, "data": {"*": _OBS}, "*": _OBS}
FEEDBACK_WORDS = ("feedback", "thumb", "rating", "like", "satisf", "user")


def read(text: IO[str], *, file: str, options: ReaderOptions) -> Iterator[ConversationRecord | Rejection]:
    head = text.read(1)
    with Spool() as spool:
        stream = PrefixedText(head, text)
        units = _json_units(stream) if head in "[{" else _csv_units(stream)
        for line, unit in units:
            if isinstance(unit, RecordError):
                yield Rejection(file, line, unit.field, unit.reason)
                continue
            try:
                _spool_unit(spool, unit, line)
            except RecordError as exc:
                yield Rejection(file, line, exc.field, exc.reason)
        for group, items in spool.groups():
            try:
                record = build_conversation(group, items)
            except RecordError as exc:
                yield Rejection(file, items[0][0], exc.field, exc.reason)
                continue
            if record is None:
                yield Rejection(file, items[0][0], "input", "no messages in this trace or session")
            else:
                yield record


def _json_units(text) -> Iterator[tuple[int, Any]]:
    for _path, line, value in iter_json_leaves(text, TREE):
        if isinstance(value, RecordError) or (isinstance(value, dict) and value):
            yield line, value


def _csv_units(text) -> Iterator[tuple[int, Any]]:
    rows = csv.DictReader(text)
    line = 2
    for row in rows:
        start, line = line, rows.line_num + 1
        yield start, {k: (None if v == "" else v) for k, v in row.items() if k}


def _get(unit: dict, *names: str) -> Any:
    for name in names:
        if unit.get(name) not in (None, ""):
            return unit[name]
    return None


def _spool_unit(spool: Spool, unit: dict, line: int) -> None:
    if _get(unit, "type") and _get(unit, "traceId", "trace_id"):  # an observation
        trace_id = str(_get(unit, "traceId", "trace_id"))
        when = parse_timestamp(_get(unit, "startTime", "start_time"), field="start_time")
        kind = "obs"
    elif _get(unit, "id") and ("timestamp" in unit or "sessionId" in unit or "session_id" in unit):  # a trace
        trace_id = str(unit["id"])
        when = parse_timestamp(_get(unit, "timestamp"), field="timestamp")
        kind = "trace"
    else:
        return  # sessions lists, pagination "meta", envelopes: nothing to import
    session = _get(unit, "sessionId", "session_id")
    if session:
        spool.link(trace_id, f"session:{session}")
    spool.add(trace_id, (kind, trace_id, when, _slim(unit)), line=line, order=when.timestamp() if when else None)


_KEEP = ("id", "traceId", "trace_id", "type", "name", "input", "output", "model", "provided_model_name",
         "promptName", "prompt_name", "promptVersion", "prompt_version", "startTime", "start_time", "endTime",
         "end_time", "timestamp", "sessionId", "session_id", "userId", "user_id", "tags", "release", "version",
         "scores", "metadata")


def _slim(unit: dict) -> dict:
    return {k: unit[k] for k in _KEEP if k in unit}


def build_conversation(group: str, items: list[tuple[int, tuple]]) -> ConversationRecord | None:
    traces: dict[str, dict] = {}
    observations: dict[str, list[tuple[datetime | None, dict]]] = {}
    order: dict[str, datetime | None] = {}
    for _line, (kind, trace_id, when, unit) in items:
        if kind == "trace":
            traces[trace_id] = unit
        else:
            observations.setdefault(trace_id, []).append((when, unit))
        if trace_id not in order or (when and (order[trace_id] is None or when < order[trace_id])):
            order[trace_id] = when
    history: list[MessageRecord] = []
    variant = user_id = None
    scores: dict[str, Any] = {}
    feedback = None
    for trace_id in sorted(order, key=lambda t: (order[t] is None, order[t] or datetime.min)):
        trace = traces.get(trace_id, {})
        turn, model = _trace_turn(trace, observations.get(trace_id, []))
        history = merge_turns(history, turn) if turn else history
        variant = _variant(trace, observations.get(trace_id, [])) or model or variant
        user_id = _get(trace, "userId", "user_id") or user_id
        for score in trace.get("scores") or []:
            scores[str(score.get("name"))] = score.get("value", score.get("stringValue"))
            feedback = _score_feedback(score) if _score_feedback(score) is not None else feedback
    for _, obs in (o for obs_list in observations.values() for o in obs_list):
        user_id = user_id or _get(obs, "user_id", "userId")
    if not history:
        return None
    starts = [w for w in order.values() if w is not None]
    session = group.removeprefix("session:") if group.startswith("session:") else None
    meta = {"langfuse": {"session_id": session, "trace_ids": list(order)}}
    if scores:
        meta["scores"] = scores
    return ConversationRecord(
        external_id=group, messages=history, user_id=optional_str(user_id), started_at=min(starts, default=None),
        variant=optional_str(variant), explicit_feedback=feedback, meta=meta,
    )


def _trace_turn(trace: dict, observations: list[tuple[datetime | None, dict]]) -> tuple[list[MessageRecord], Any]:
    """The messages of one trace, and the model that produced them."""
    generations = sorted(((w, o) for w, o in observations if o.get("type") == "GENERATION"),
                         key=lambda pair: (pair[0] is None, pair[0] or datetime.min))
    for when, gen in reversed(generations):
        inputs = to_messages(gen.get("input"), default_role="user", field="input")
        if not inputs:
            continue
        outputs = to_messages(gen.get("output"), default_role="assistant", field="output")
        tools = [MessageRecord(role="tool", content=tool_text(o.get("output")), name=optional_str(o.get("name")))
                 for w, o in sorted(observations, key=lambda p: (p[0] is None, p[0] or datetime.min))
                 if o.get("type") == "TOOL" and when is not None and w is not None and w > when]
        return inputs + outputs + tools, _get(gen, "model", "provided_model_name")
    inputs = to_messages(trace.get("input"), default_role="user", field="input")
    outputs = to_messages(trace.get("output"), default_role="assistant", field="output")
    return inputs + outputs, None


def _variant(trace: dict, observations: list) -> str | None:
    for _, obs in observations:
        name, version = _get(obs, "promptName", "prompt_name"), _get(obs, "promptVersion", "prompt_version")
        if name:
            return f"{name}@{version}" if version else str(name)
    return _get(trace, "version", "release")


def _score_feedback(score: dict) -> float | None:
    name = str(score.get("name") or "").lower()
    if score.get("source") == "EVAL" or not any(word in name for word in FEEDBACK_WORDS):
        return None
    value = score.get("value") if score.get("value") is not None else score.get("stringValue")
    if score.get("dataType") == "BOOLEAN":
        return normalise_feedback({"thumb": value}, field="scores")
    try:
        return normalise_feedback(maybe_json(value), field="scores")
    except RecordError:
        return None
