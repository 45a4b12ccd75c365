"""Streaming file access for the readers: open (gzip too), decode, and walk JSON Lines or large JSON documents
without ever holding a whole file in memory.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from reviewlab.ingest.records import ConversationRecord, ImportFileError, RecordError, Rejection

READ_CHUNK = 1 << 20
HEAD_BYTES = 1 << 16
MAX_JSON_VALUE = 256 << 20  # one record (line, array element) larger than this is refused, not buffered forever

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"


class _ProgressFile(io.RawIOBase):
    """A raw file that reports how many bytes were read so far (compressed bytes for .gz)."""

    def __init__(self, raw: IO[bytes], callback: Callable[[int], None] | None):
        self._raw, self._callback, self.done = raw, callback, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self.done += n or 0
        if self._callback and n:
            self._callback(self.done)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def sniff(path: Path) -> tuple[bool, str, str]:
    """(gzipped, encoding, head text) of a file, or ImportFileError for binary or undecodable content."""
    with path.open("rb") as f:
        raw_head = f.read(HEAD_BYTES)
    gzipped = raw_head[:2] == b"\x1f\x8b"
    if gzipped:
        try:
            with gzip.open(path, "rb") as f:
                raw_head = f.read(HEAD_BYTES)
        except (OSError, EOFError) as exc:
            raise ImportFileError(f"{path.name}: damaged gzip file ({exc})") from None
    for magic, kind in ((b"PK\x03\x04", "a zip archive"), (b"BZh", "a bzip2 file"), (b"\xfd7zXZ", "an xz file"),
                        (b"\x28\xb5\x2f\xfd", "a zstd file"), (b"SQLite format 3", "a SQLite database")):
        if raw_head.startswith(magic):
            raise ImportFileError(f"{path.name}: binary file ({kind}); unpack it or export the logs as text first")
    if raw_head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in raw_head:
        raise ImportFileError(f"{path.name}: binary file (contains NUL bytes), not a text log export")
    else:
        encoding = "utf-8-sig"
    try:
        # The head may end inside a multi-byte character: decode incrementally, leaving a partial tail undecoded.
        text = codecs.getincrementaldecoder(encoding)().decode(raw_head, final=False)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: unreadable encoding: not UTF-8 (byte 0x{raw_head[exc.start]:02x} at offset {exc.start})"
        ) from None
    return gzipped, encoding, text


def open_text(path: Path, *, gzipped: bool, encoding: str, progress: Callable[[int], None] | None) -> IO[str]:
    """The file as a text stream (newlines untranslated, as the csv module wants)."""
    raw = _ProgressFile(path.open("rb", buffering=0), progress)
    binary: IO[bytes] = io.BufferedReader(raw, READ_CHUNK)
    if gzipped:
        binary = gzip.GzipFile(fileobj=binary, mode="rb")
    return io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")


def _short(exc: Exception) -> str:
    """The parser's message without its line (reported apart), with where on the line when that is known."""
    if isinstance(exc, json.JSONDecodeError):
        what = exc.msg.removesuffix(" at")
        if not exc.doc[exc.pos:].strip():
            return f"{what} at the end of the record (is it cut short?)"
        if "\n" not in exc.doc.rstrip("\n"):  # the document is this one line: its column is the line's
            return f"{what} at column {exc.colno}"
        return what
    return str(exc).split(": line ")[0]


class JsonCursor:
    """Pull-parser over a text stream: walks a JSON document's structure without loading it whole.

    Containers on the path of interest are stepped through; every other value is decoded in one piece
    (`value()`), so memory is bounded by the largest single record, not by the file.
    """

    def __init__(self, text: IO[str]):
        self._text = text
        self._buf = ""
        self._pos = 0
        self._eof = False
        self.line = 1  # line number at the cursor
        self.error: RecordError | None = None  # set when a walk of this document stopped on malformed JSON

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._text.read(READ_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buf = self._buf[self._pos:] + chunk
        self._pos = 0
        return True

    def _advance(self, new_pos: int) -> None:
        self.line += self._buf.count("\n", self._pos, new_pos)
        self._pos = new_pos

    def peek(self) -> str:
        """The next non-blank character ("" at the end)."""
        while True:
            pos = self._pos
            n = len(self._buf)
            while pos < n and self._buf[pos] in _WS:
                pos += 1
            self._advance(pos)
            if pos < n:
                return self._buf[pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        got = self.peek()
        if got != char:
            raise RecordError("json", f"malformed JSON: expected {char!r}, found {got or 'end of file'!r}",
                              line=self.line)
        self._advance(self._pos + 1)

    def value(self) -> Any:
        """Decode the next complete value (refilling the buffer as needed)."""
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self._buf, self._pos)
            except ValueError as exc:
                # Incomplete at the end of the buffer, or truly malformed: read more and retry until EOF.
                if len(self._buf) - self._pos > MAX_JSON_VALUE:
                    raise RecordError("json", "a single JSON value larger than 256 MB", line=self.line) from None
                if self._fill():
                    continue
                raise RecordError("json", f"malformed JSON: {_short(exc)}", line=self.line) from None
            # A number at the very end of the buffer may continue in the next chunk.
            if end == len(self._buf) and not self._eof and isinstance(obj, int | float) and self._fill():
                continue
            self._advance(end)
            return obj

    def items(self) -> Iterator[int]:
        """Step through an array: yields the line of each element; the caller consumes the element."""
        self.expect("[")
        if self.peek() == "]":
            self._advance(self._pos + 1)
            return
        while True:
            self.peek()
            yield self.line
            nxt = self.peek()
            if nxt == "]":
                self._advance(self._pos + 1)
                return
            self.expect(",")

    def members(self) -> Iterator[str]:
        """Step through an object: yields each key; the caller consumes the value."""
        self.expect("{")
        if self.peek() == "}":
            self._advance(self._pos + 1)
            return
        while True:
            if self.peek() != '"':
                raise RecordError("json", "malformed JSON: expected a key", line=self.line)
            key = self.value()
            self.expect(":")
            yield key
            nxt = self.peek()
            if nxt == "}":
                self._advance(self._pos + 1)
                return
            self.expect(",")

    def values(self) -> Iterator[int]:
        """Step through whitespace-separated values until the end: yields the line of each."""
        while self.peek():
            yield self.line

    def lines(self) -> Iterator[tuple[int, str]]:
        """The rest of the stream line by line, numbered (switches the cursor to line mode for good)."""
        number = self.line
        head, self._buf, self._pos = self._buf[self._pos:], "", 0
        parts = head.split("\n")
        pending = parts.pop()
        for part in parts:
            yield number, part + "\n"
            number += 1
        for line in self._text:
            if pending:
                line, pending = pending + line, ""
            yield number, line
            number += 1
        if pending:
            yield number, pending


def iter_json_records(text: IO[str]) -> Iterator[tuple[int, Any]]:
    """Records of a JSON Lines file, a top-level JSON array, or a sequence of (pretty-printed) JSON objects,
    streamed: (line, value), or (line, RecordError) for a malformed record.

    JSON Lines resume after a malformed line. In an array or a pretty-printed sequence a malformed record ends
    the walk (there is no safe place to resume): it is reported with its line, the records before it are kept.
    """
    cursor = JsonCursor(text)
    first = cursor.peek()
    if first == "":
        return
    if first == "{":
        lines = cursor.lines()
        number, line = next(lines)
        try:
            yield number, json.loads(line)
        except ValueError:
            if not line.rstrip().endswith(("{", "[", ",", ":")):  # a malformed line of a JSON Lines file
                yield number, RecordError("json", "malformed JSON")
            else:  # pretty-printed: an object spread over several lines; walk values instead of lines
                cursor = JsonCursor(_Chain(line, lines))
                cursor.line = number
                yield from _walk_values(cursor, cursor.values())
                return
        for number, line in lines:
            if line.strip():
                try:
                    yield number, json.loads(line)
                except ValueError as exc:
                    yield number, RecordError("json", f"malformed JSON: {_short(exc)}")
        return
    if first == "[":
        yield from _walk_values(cursor, cursor.items())
    else:
        yield cursor.line, RecordError("json", f"malformed JSON: unexpected {first!r} at the start")


def _walk_values(cursor: JsonCursor, steps: Iterator[int]) -> Iterator[tuple[int, Any]]:
    try:
        for line in steps:
            yield line, cursor.value()
    except RecordError as exc:
        yield exc.line or cursor.line, RecordError("json", f"{exc.reason}; the rest of the file was not read")


class _Chain(io.TextIOBase):
    """A text stream made of a first piece and then (number, line) pairs (to hand lines back to a cursor)."""

    def __init__(self, first: str, lines: Iterator[tuple[int, str]]):
        self._first, self._lines = first, lines

    def read(self, size: int = -1) -> str:
        if self._first:
            piece, self._first = self._first, ""
            return piece
        parts, total = [], 0
        for _, line in self._lines:
            parts.append(line)
            total += len(line)
            if total >= READ_CHUNK:
                break
        return "".join(parts)


def read_json_records(
    text: IO[str], *, file: str, parse: Callable[[Any], ConversationRecord]
) -> Iterator[ConversationRecord | Rejection]:
    """Run `parse` on each JSON record; malformed JSON and RecordErrors become Rejections with file and line."""
    for line, obj in iter_json_records(text):
        if isinstance(obj, RecordError):
            yield Rejection(file, line, obj.field, obj.reason)
            continue
        try:
            record = parse(obj)
        except RecordError as exc:
            yield Rejection(file, exc.line or line, exc.field, exc.reason)
            continue
        record.line = line
        yield record


Tree = dict[str, "Tree | None"]


def iter_json_leaves(text: IO[str], tree: Tree) -> Iterator[tuple[tuple[str, ...], int, Any]]:
    """Walk JSON documents (JSON Lines, or one large document, streamed) along the paths of `tree`.

    `tree` maps keys (or "*" for array elements) to subtrees; None marks a leaf. Yields (path, line, value) for
    each leaf value, and, after each object on a path, (path, line, {its other members}). A malformed document
    yields (path, line, RecordError): a malformed line of JSON Lines is skipped, a malformed large document
    ends the walk.
    """
    cursor = JsonCursor(text)
    if cursor.peek() == "{":
        lines = cursor.lines()
        first_number, first_line = next(lines)
        try:
            json.loads(first_line)
            is_jsonl = True
        except ValueError:
            is_jsonl = not first_line.rstrip().endswith(("{", "[", ",", ":"))
        if is_jsonl:
            for number, line in _prepend((first_number, first_line), lines):
                if line.strip():
                    line_cursor = JsonCursor(io.StringIO(line))
                    line_cursor.line = number
                    yield from _walk_document(line_cursor, tree)
            return
        cursor = JsonCursor(_Chain(first_line, lines))
        cursor.line = first_number
    while cursor.peek():
        yield from _walk_document(cursor, tree)
        if cursor.error is not None:
            return


def _prepend(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _walk_document(cursor: JsonCursor, tree: Tree) -> Iterator[tuple[tuple[str, ...], int, Any]]:
    line = cursor.line
    try:
        yield from _walk(cursor, tree, ())
    except RecordError as exc:
        cursor.error = exc
        yield (), exc.line or line, exc


def _walk(cursor: JsonCursor, tree: Tree, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], int, Any]]:
    char = cursor.peek()
    if char == "[" and "*" in tree:
        for line in cursor.items():
            sub = tree["*"]
            if sub is None:
                yield (*path, "*"), line, cursor.value()
            else:
                yield from _walk(cursor, sub, (*path, "*"))
    elif char == "{":
        line = cursor.line
        rest = {}
        for key in cursor.members():
            if key in tree and key != "*":
                sub = tree[key]
                if sub is None:
                    cursor.peek()
                    yield (*path, key), cursor.line, cursor.value()
                else:
                    yield from _walk(cursor, sub, (*path, key))
            else:
                rest[key] = cursor.value()
        yield path, line, rest
    else:
        yield path, cursor.line, cursor.value()


class PrefixedText:
    """A text stream whose first characters were already read: `head`, then the rest (read() and lines)."""

    def __init__(self, head: str, rest: IO[str]):
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> str:
        if self._head:
            piece, self._head = self._head, ""
            return piece
        return self._rest.read(size)

    def __iter__(self) -> Iterator[str]:
        lines = list(io.StringIO(self._head, newline=""))
        self._head = ""
        pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        yield from lines
        for line in self._rest:
            if pending:
                line, pending = pending + line, ""
            yield line
        if pending:
            yield pending
