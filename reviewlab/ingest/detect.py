"""Open an import file: refuse binary or undecodable files, recognise the format from its first records."""

from __future__ import annotations

import csv
import importlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reviewlab.ingest.records import ConversationRecord, ImportFileError, ReaderOptions, Rejection
from reviewlab.ingest.streams import open_text, sniff

#: Format name → reader module (each has `read(text, *, file, options)`).
READERS = {
    "openai": "reviewlab.ingest.openai",
    "sharegpt": "reviewlab.ingest.sharegpt",
    "csv": "reviewlab.ingest.csvlog",
    "langfuse": "reviewlab.ingest.langfuse",
    "otel": "reviewlab.ingest.otel",
    "hh": "reviewlab.ingest.hh",
}
FORMATS = tuple(READERS)

Reader = Callable[..., Iterator[ConversationRecord | Rejection]]


@dataclass
class OpenedImport:
    format: str
    text: IO[str]
    reader: Reader

    def __enter__(self) -> OpenedImport:
        return self

    def __exit__(self, *exc) -> None:
        self.text.close()


def open_import(path: Path, *, format: str = "auto", progress: Callable[[int, int | None], None] | None = None
                ) -> OpenedImport:
    """Check the file, pick its reader (detected when format is "auto") and open it for streaming."""
    if format != "auto" and format not in READERS:
        raise ImportFileError(f"unknown format {format!r}; choose one of: auto, {', '.join(FORMATS)}")
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    gzipped, encoding, head = sniff(path)
    if not head.strip():
        raise ImportFileError(f"{path.name}: the file is empty")
    if format == "auto":
        format = detect_format(head)
        if format is None:
            raise ImportFileError(
                f"{path.name}: unknown format: not one of {', '.join(FORMATS)} (pass --format to force one)")
    total = path.stat().st_size
    text = open_text(path, gzipped=gzipped, encoding=encoding,
                     progress=(lambda done: progress(done, total)) if progress else None)
    read = importlib.import_module(READERS[format]).read
    return OpenedImport(format=format, text=text, reader=_guard_encoding(read, path.name))


def _guard_encoding(read: Reader, name: str) -> Reader:
    def guarded(text: IO[str], *, file: str, options: ReaderOptions) -> Iterator[ConversationRecord | Rejection]:
        try:
            yield from read(text, file=file, options=options)
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{name}: unreadable encoding: not valid UTF-8 ({exc.reason})") from None
    return guarded


# --- Detection -----------------------------------------------------------------------------------------

_DECODER = json.JSONDecoder()


def detect_format(head: str) -> str | None:
    """The format of a file from its first characters, or None."""
    text = head.lstrip()
    if text[:1] in "[{":
        first = _first_json_record(text)
        if first is not None:
            return classify_record(first)
        return _classify_by_keys(text)
    return _classify_table(text)


def _first_json_record(text: str) -> Any:
    """The first JSON Lines record, or the first element of a top-level array, when the head holds it whole."""
    try:
        if text[0] == "[":
            pos = len(text) - len(text[1:].lstrip())
            return _DECODER.raw_decode(text, pos)[0] if pos < len(text) and text[pos] != "]" else None
        return _DECODER.raw_decode(text)[0]
    except ValueError:
        return None


def classify_record(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    keys = set(obj)
    if "chosen" in keys:
        return "hh"
    if "conversations" in keys:
        return "sharegpt"
    messages = obj.get("messages")
    if isinstance(messages, list):
        first = messages[0] if messages and isinstance(messages[0], dict) else {}
        return "sharegpt" if "from" in first else "openai"
    if isinstance(obj.get("body"), dict) and "messages" in obj["body"]:
        return "openai"
    if keys & {"resourceSpans", "resourceLogs"} or any(k.startswith(("gen_ai.", "llm.")) for k in keys):
        return "otel"
    attributes = obj.get("attributes")
    if isinstance(attributes, list) and ("spanId" in keys or "traceId" in keys):
        return "otel"
    if isinstance(attributes, dict) and ("context" in keys or any(
            str(k).startswith(("gen_ai.", "llm.", "openinference.")) for k in attributes)):
        return "otel"
    if keys & {"trace", "observations", "traces", "sessionId", "session_id", "trace_id", "traceId"}:
        return "langfuse"
    if isinstance(obj.get("data"), list):
        return classify_record(obj["data"][0]) if obj["data"] else None
    return None


_KEY_HINTS = (  # for a first record too large for the head: the first telling key decides
    ('"resourceSpans"', "otel"), ('"resourceLogs"', "otel"), ('"gen_ai.', "otel"), ('"llm.input_messages', "otel"),
    ('"chosen"', "hh"), ('"conversations"', "sharegpt"), ('"from"', "sharegpt"),
    ('"observations"', "langfuse"), ('"traceId"', "langfuse"), ('"trace_id"', "langfuse"),
    ('"messages"', "openai"),
)


def _classify_by_keys(text: str) -> str | None:
    found = [(text.find(key), fmt) for key, fmt in _KEY_HINTS if key in text]
    return min(found)[1] if found else None


_LANGFUSE_COLUMNS = {"trace_id", "input", "output"}


def _classify_table(text: str) -> str | None:
    first_line = text.split("\n", 1)[0]
    if "\n" not in text and len(text) < 65536 and "," not in first_line:
        return None
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return None
    header = {h.strip().lower() for h in next(csv.reader([first_line], dialect))}
    if len(header) < 2:
        return None
    if _LANGFUSE_COLUMNS <= header:
        return "langfuse"
    return "csv"
