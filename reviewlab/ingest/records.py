"""Normalised records that every reader yields and the loader writes, plus the value parsers readers share.

Readers turn one format into `ConversationRecord`s (or `Rejection`s for input they cannot use). A reader raises
`RecordError(field, reason)` for a bad record; the reader loop turns it into a `Rejection` with file and line.
`ImportFileError` is for the whole file (binary, unknown format, unreadable encoding): nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

ROLES = ("system", "user", "assistant", "tool")

#: Role names seen in real exports, mapped to ours (lower-cased before lookup).
ROLE_ALIASES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "ai": "assistant",
    "chatgpt": "assistant",
    "tool": "tool",
    "function": "tool",
    "observation": "tool",
    "ipython": "tool",
}


@dataclass(slots=True)
class MessageRecord:
    role: str
    content: str
    created_at: datetime | None = None
    name: str | None = None  # tool name for tool messages
    tool_calls: list[dict] | None = None
    feedback: float | None = None  # normalised to [-1, 1]
    meta: dict | None = None


@dataclass(slots=True)
class ConversationRecord:
    external_id: str
    messages: list[MessageRecord]
    user_id: str | None = None
    started_at: datetime | None = None
    variant: str | None = None  # model / prompt version
    product_area: str | None = None
    explicit_feedback: float | None = None  # normalised to [-1, 1]
    meta: dict | None = None
    line: int | None = None  # where the record starts in its file, for the report


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int | None
    field: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "field": self.field, "reason": self.reason}


class RecordError(ValueError):
    """One record cannot be imported; the others can."""

    def __init__(self, field: str | None, reason: str, *, line: int | None = None):
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.line = line

    def __reduce__(self):  # picklable (readers may spool it)
        return self.__class__, (self.field, self.reason), {"line": self.line}


class ImportFileError(Exception):
    """The whole file cannot be imported (binary, unknown format, unreadable encoding…); nothing is written."""


@dataclass(slots=True)
class ReaderOptions:
    """Per-import options a reader may use."""

    column_map: dict[str, str] = field(default_factory=dict)  # CSV: our name -> the file's column name


def conversation_id(source: str, external_id: str) -> str:
    """The stable id of a conversation: 32 hex chars of sha256(source, external id)."""
    return hashlib.sha256(f"{source}\x1f{external_id}".encode()).hexdigest()[:32]


def content_id(messages: list[MessageRecord]) -> str:
    """An external id for a conversation that has none: a hash of its roles and contents."""
    h = hashlib.sha256()
    for m in messages:
        h.update(m.role.encode())
        h.update(b"\x1e")
        h.update(m.content.encode())
        h.update(b"\x1f")
    return "sha256:" + h.hexdigest()[:32]


def normalise_role(value: Any, *, field: str = "role") -> str:
    if value is None or value == "":
        raise RecordError(field, "missing role")
    if not isinstance(value, str):
        raise RecordError(field, f"role must be a string, got {type(value).__name__}")
    role = ROLE_ALIASES.get(value.strip().lower())
    if role is None:
        raise RecordError(field, f"unknown role {value[:40]!r}")
    return role


_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")


def parse_timestamp(value: Any, *, field: str = "created_at") -> datetime | None:
    """ISO-8601 (with or without T/Z/offset; naive means UTC), Unix seconds/ms/µs/ns, or None."""
    if value is None or value == "":
        return None
    if type(value) is str:  # fast path: ISO 8601 with an offset or Z (Python 3.11 reads both)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise RecordError(field, f"bad timestamp {value!r}")
    if isinstance(value, str) and _NUMERIC.match(value.strip()):
        value = float(value)
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise RecordError(field, f"bad timestamp {value!r}")
        while value > 1e11:  # ms, µs or ns since the epoch
            value /= 1000
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise RecordError(field, f"bad timestamp {value!r}") from None
    if not isinstance(value, str):
        raise RecordError(field, f"bad timestamp {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python's parser accepts at most 6 fractional digits; OTel/Langfuse may give 9.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise RecordError(field, f"bad timestamp {value[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


THUMBS = {"up": 1.0, "down": -1.0, "positive": 1.0, "negative": -1.0, "like": 1.0, "dislike": -1.0,
          "good": 1.0, "bad": -1.0, "thumbs_up": 1.0, "thumbs_down": -1.0, "+1": 1.0, "-1": -1.0}


def normalise_feedback(value: Any, *, field: str = "feedback") -> float | None:
    """Thumbs (up/down, true/false) → ±1; a rating → [-1, 1].

    Accepted: "up"/"down", booleans, {"thumb": …}, {"rating": r, "scale": n} or {"score": …}; numbers in [-1, 1]
    are kept, 1–5 ratings map linearly (1 → -1, 5 → +1), 0–10 ratings likewise.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return 1.0 if value else -1.0
    if isinstance(value, dict):
        for key in ("thumb", "thumbs"):
            if key in value:
                return _thumb(value[key], field=f"{field}.{key}")
        for key in ("rating", "score", "value"):
            if key in value:
                return _rating(value[key], value.get("scale") or value.get("max"), field=f"{field}.{key}")
        return None
    return _rating(value, None, field=field)


def _thumb(value: Any, *, field: str) -> float | None:
    if value in (1, True, "1"):
        return 1.0
    if value in (0, -1, False, "0", "-1"):
        return -1.0
    return _rating(value, None, field=field)


def _rating(value: Any, scale: Any, *, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return 1.0 if value else -1.0
    if isinstance(value, str):
        key = value.strip().lower()
        if key in THUMBS:
            return THUMBS[key]
        try:
            value = float(key)
        except ValueError:
            raise RecordError(field, f"unreadable feedback {value[:40]!r}") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordError(field, f"unreadable feedback {value!r}")
    if scale:  # a rating from 1 to `scale`
        top = float(scale)
        if top <= 1 or not 1 <= value <= top:
            raise RecordError(field, f"rating {value!r} outside its scale 1..{scale}")
        return -1 + 2 * (value - 1) / (top - 1)
    if -1 <= value <= 1:
        return float(value)
    if 1 <= value <= 5:
        return (value - 3) / 2
    if 0 <= value <= 10:
        return (value - 5) / 5
    raise RecordError(field, f"feedback {value!r} outside any known scale")


def text_of(content: Any, *, field: str = "content") -> str:
    """Message text from a string, a list of parts ({"type": "text", "text"} / {"content"} / strings) or a dict.

    Non-text parts (images, audio…) become a short placeholder such as "[image]" so the reader sees they existed.
    """
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        pieces = [text_of(part, field=field) for part in content]
        return "\n".join(p for p in pieces if p)
    if isinstance(content, dict):
        for key in ("text", "content", "value", "result", "response"):
            if key in content and isinstance(content[key], str | list | dict):
                return text_of(content[key], field=field)
        kind = content.get("type")
        if isinstance(kind, str) and kind:
            return f"[{kind}]"
        return json.dumps(content, ensure_ascii=False, sort_keys=True)
    if isinstance(content, int | float | bool):
        return json.dumps(content)
    raise RecordError(field, f"content must be text or a list of parts, got {type(content).__name__}")


def maybe_json(value: Any) -> Any:
    """Decode a value that may hold JSON text (possibly double-encoded); otherwise return it unchanged."""
    for _ in range(2):
        if not isinstance(value, str):
            return value
        stripped = value.strip()
        if not stripped or stripped[0] not in '[{"':
            return value
        try:
            value = json.loads(stripped)
        except ValueError:
            return value
    return value


def optional_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)
