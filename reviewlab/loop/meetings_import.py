"""Read meetings from a calendar export (.ics, RFC 5545) or a CSV file (title,date,attendees,discussed).

Parsers are all-or-nothing: the first problem raises `MeetingFileError` naming the file, line and field, so a bad
file imports nothing. Each record carries a stable `uid` (the calendar UID, or a hash of title and time for CSV)
that makes re-imports idempotent.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass
class MeetingRecord:
    title: str
    held_at: datetime  # tz-aware UTC
    uid: str
    attendees: list[str] = field(default_factory=list)  # emails (ics) or emails / names (csv)
    discussed_user_behaviour: bool = False
    line: int | None = None
    recurring: bool = False  # an .ics event with RRULE: only its first occurrence is imported


class MeetingFileError(ValueError):
    def __init__(self, file: str, line: int | None, field: str | None, reason: str):
        self.file, self.line, self.field, self.reason = file, line, field, reason
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}{f', field {field}' if field else ''}: {reason}")


def decode(data: bytes, file_name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MeetingFileError(file_name, line, None, "the file is not UTF-8 text") from None


def parse_meetings_file(data: bytes, file_name: str) -> list[MeetingRecord]:
    """Pick the parser by extension (.ics or .csv)."""
    text = decode(data, file_name)
    lower = file_name.lower()
    if lower.endswith((".ics", ".ical", ".ifb")):
        return parse_ics(text, file_name)
    if lower.endswith(".csv"):
        return parse_csv(text, file_name)
    raise MeetingFileError(file_name, None, None, "unknown file type: expected a .ics calendar export or a .csv file")


# --- iCalendar --------------------------------------------------------------------------------------------

_PARAM = re.compile(r';([A-Za-z0-9-]+)=("[^"]*"|[^;:]*)')


def _unfold(text: str) -> list[tuple[int, str]]:
    """Logical content lines with the physical line number they start on (RFC 5545 §3.1 folding)."""
    out: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + raw[1:])
        elif raw.strip():
            out.append((number, raw))
    return out


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """NAME;PARAM=VALUE:value -> (NAME, {PARAM: VALUE}, value). Colons inside quoted parameters are kept."""
    match = re.match(r"([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:\"[^\"]*\"|[^;:]*))*):(.*)\Z", line, re.S)
    if not match:
        raise ValueError("not a NAME:value content line")
    name, params, value = match.groups()
    return name.upper(), {k.upper(): v.strip('"') for k, v in _PARAM.findall(params)}, value


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _ics_datetime(value: str, params: dict[str, str], default_tz: str | None) -> datetime:
    value = value.strip()
    if params.get("VALUE", "").upper() == "DATE" or re.fullmatch(r"\d{8}", value):
        return datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time(0), tzinfo=UTC)
    if value.endswith("Z"):
        return datetime.strptime(value[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    naive = datetime.strptime(value, "%Y%m%dT%H%M%S")
    tz_name = params.get("TZID") or default_tz  # floating time: the calendar's X-WR-TIMEZONE, else UTC
    if not tz_name:
        return naive.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(tz_name.strip("/"))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz_name!r}") from None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def parse_ics(text: str, file_name: str) -> list[MeetingRecord]:
    lines = _unfold(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise MeetingFileError(file_name, 1, None, "not an iCalendar file: it must start with BEGIN:VCALENDAR")
    default_tz = None
    records: list[MeetingRecord] = []
    event: dict | None = None
    depth: list[str] = []  # nested components (VALARM inside VEVENT…)
    for number, line in lines:
        try:
            name, params, value = _split(line)
        except ValueError as exc:
            raise MeetingFileError(file_name, number, None, str(exc)) from None
        if name == "BEGIN":
            depth.append(value.strip().upper())
            if depth[-1] == "VEVENT":
                event = {"line": number, "attendees": []}
            continue
        if name == "END":
            closing = value.strip().upper()
            if not depth or depth[-1] != closing:
                raise MeetingFileError(file_name, number, "END", f"END:{closing} does not close an open component")
            depth.pop()
            if closing == "VEVENT" and event is not None:
                record = _event_record(event, file_name)
                if record is not None:
                    records.append(record)
                event = None
            continue
        if depth == ["VCALENDAR"] and name == "X-WR-TIMEZONE":
            default_tz = value.strip()
        if event is None or depth[-1] != "VEVENT":
            continue
        if name in ("DTSTART", "RECURRENCE-ID"):
            try:
                event[name] = _ics_datetime(value, params, default_tz)
            except ValueError as exc:
                raise MeetingFileError(file_name, number, name, f"bad date-time {value!r} ({exc})") from None
        elif name in ("SUMMARY", "UID", "STATUS", "RRULE"):
            event[name] = _unescape(value).strip()
        elif name == "ATTENDEE" and value.lower().startswith("mailto:"):
            event["attendees"].append(value[7:].strip().lower())
    if depth:
        raise MeetingFileError(file_name, lines[-1][0], "END", f"the file ends inside {depth[-1]}")
    return records


def _event_record(event: dict, file_name: str) -> MeetingRecord | None:
    if event.get("STATUS", "").upper() == "CANCELLED":
        return None
    if "DTSTART" not in event:
        raise MeetingFileError(file_name, event["line"], "DTSTART", "the event has no start date")
    if not event.get("UID"):
        raise MeetingFileError(file_name, event["line"], "UID", "the event has no UID")
    uid = event["UID"]
    if "RECURRENCE-ID" in event:  # a moved occurrence of a recurring event shares the series UID
        uid = f"{uid}#{event['RECURRENCE-ID']:%Y%m%dT%H%M%SZ}"
    return MeetingRecord(
        title=event.get("SUMMARY") or "(untitled meeting)",
        held_at=event["DTSTART"],
        uid=uid,
        attendees=list(dict.fromkeys(event["attendees"])),
        line=event["line"],
        recurring="RRULE" in event,
    )


# --- CSV --------------------------------------------------------------------------------------------------

CSV_COLUMNS = ("title", "date", "attendees", "discussed")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0", ""}


def _csv_datetime(value: str) -> datetime:
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_csv(text: str, file_name: str) -> list[MeetingRecord]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("title", "date") if c not in header]
    if missing:
        raise MeetingFileError(file_name, 1, missing[0], f"missing column; the header must be {','.join(CSV_COLUMNS)}")
    reader.fieldnames = header
    records = []
    for row in reader:
        number = reader.line_num
        if None in row:
            raise MeetingFileError(file_name, number, None, "more values than columns (quote fields with commas)")
        title = (row.get("title") or "").strip()
        if not title:
            raise MeetingFileError(file_name, number, "title", "empty title")
        try:
            held_at = _csv_datetime(row.get("date") or "")
        except ValueError:
            raise MeetingFileError(
                file_name, number, "date", f"bad date {row.get('date')!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
            ) from None
        discussed = (row.get("discussed") or "").strip().lower()
        if discussed not in _TRUE | _FALSE:
            raise MeetingFileError(file_name, number, "discussed", f"{discussed!r} is not yes/no")
        attendees = [a.strip() for a in re.split(r"[;|]", row.get("attendees") or "") if a.strip()]
        digest = hashlib.sha256(f"{title}\n{held_at.isoformat()}".encode()).hexdigest()[:24]
        records.append(
            MeetingRecord(
                title=title,
                held_at=held_at,
                uid=f"csv:{digest}",
                attendees=attendees,
                discussed_user_behaviour=discussed in _TRUE,
                line=number,
            )
        )
    return records
