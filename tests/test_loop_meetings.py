"""Meetings log: quick records, .ics and CSV imports (bad files import nothing), idempotence, which count."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.loop.meetings import log_stats
from reviewlab.loop.meetings_import import MeetingFileError, parse_csv, parse_ics, parse_meetings_file
from reviewlab.models import AuditLog, Meeting
from reviewlab.store import loop
from tests.loop_data import add_members

ICS = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//Test//EN\r\n"
    "X-WR-TIMEZONE:Europe/Paris\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:19701025T030000\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:evt-1@example.com\r\n"
    "DTSTART;TZID=Europe/Paris:20260303T100000\r\n"
    "SUMMARY:AI review\\, week 10 with a very long title that the exporter fol\r\n"
    " ded onto a second line\r\n"
    'ATTENDEE;CN="Ada, Lovelace";ROLE=REQ-PARTICIPANT:mailto:ADA@example.com\r\n'
    "ATTENDEE;CN=Cy:MAILTO:cy@example.com\r\n"
    "ATTENDEE;CN=Stranger:mailto:who@elsewhere.org\r\n"
    "BEGIN:VALARM\r\n"
    "ATTENDEE:mailto:alarm@example.com\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:evt-2@example.com\r\n"
    "DTSTART:20260305T140000Z\r\n"
    "RRULE:FREQ=WEEKLY\r\n"
    "SUMMARY:Model sync\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:evt-3@example.com\r\n"
    "DTSTART;VALUE=DATE:20260306\r\n"
    "SUMMARY:Offsite\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:evt-4@example.com\r\n"
    "DTSTART:20260307T090000\r\n"
    "SUMMARY:Floating time in the calendar zone\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:evt-5@example.com\r\n"
    "STATUS:CANCELLED\r\n"
    "DTSTART:20260308T090000Z\r\n"
    "SUMMARY:Cancelled\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_parse_ics_unfolds_and_reads_times_attendees():
    records = parse_ics(ICS, "cal.ics")
    assert [r.uid for r in records] == [
        "evt-1@example.com",
        "evt-2@example.com",
        "evt-3@example.com",
        "evt-4@example.com",
    ]
    first = records[0]
    assert first.title == "AI review, week 10 with a very long title that the exporter folded onto a second line"
    assert first.held_at == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 Paris in winter
    assert first.attendees == ["ada@example.com", "cy@example.com", "who@elsewhere.org"]
    assert first.line == 11
    assert records[1].held_at == datetime(2026, 3, 5, 14, 0, tzinfo=UTC) and records[1].recurring
    assert records[2].held_at == datetime(2026, 3, 6, tzinfo=UTC)
    assert records[3].held_at == datetime(2026, 3, 7, 8, 0, tzinfo=UTC)  # X-WR-TIMEZONE applies to floating times


@pytest.mark.parametrize(
    ("text", "line", "field", "reason"),
    [
        ("BEGIN:VEVENT\nEND:VEVENT\n", 1, None, "BEGIN:VCALENDAR"),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nSUMMARY:no start\nEND:VEVENT\nEND:VCALENDAR\n",
            2,
            "DTSTART",
            "no start",
        ),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101T100000Z\nEND:VEVENT\nEND:VCALENDAR\n", 2, "UID", "no UID"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:2026-01-01\nEND:VEVENT\nEND:VCALENDAR\n", 4, "DTSTART", "bad"),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART;TZID=Mars/Olympus:20260101T100000\nEND:VEVENT\nEND:VCALENDAR\n",
            4,
            "DTSTART",
            "unknown time zone",
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nthis is not a property\nEND:VEVENT\nEND:VCALENDAR\n",
            4,
            None,
            "content",
        ),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20260101T100000Z\nEND:VCALENDAR\n", 5, "END", "does not close"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20260101T100000Z\nEND:VEVENT\n", 5, "END", "ends inside"),
    ],
)
def test_bad_ics_names_file_line_and_field(text, line, field, reason):
    with pytest.raises(MeetingFileError) as err:
        parse_ics(text, "bad.ics")
    assert (err.value.file, err.value.line, err.value.field) == ("bad.ics", line, field)
    assert reason in err.value.reason
    assert str(err.value).startswith(f"bad.ics, line {line}")


CSV = (
    "title,date,attendees,discussed\n"
    "Prompt review,2026-03-03,ada@example.com; Cy,yes\n"
    '"Roadmap, AI part",2026-03-04T15:30,bo@example.com,no\n'
    "Standup,2026-03-05T09:00+01:00,,\n"
)


def test_parse_csv():
    records = parse_csv(CSV, "m.csv")
    assert [r.title for r in records] == ["Prompt review", "Roadmap, AI part", "Standup"]
    assert records[0].attendees == ["ada@example.com", "Cy"] and records[0].discussed_user_behaviour
    assert records[1].held_at == datetime(2026, 3, 4, 15, 30, tzinfo=UTC) and not records[1].discussed_user_behaviour
    assert records[2].held_at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert records[0].uid.startswith("csv:") and records[0].uid == parse_csv(CSV, "other.csv")[0].uid


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("name,when\nx,2026-01-01\n", 1, "title"),
        ("title,date\n,2026-01-01\n", 2, "title"),
        ("title,date\nok,2026-01-01\nbad,01/02/2026\n", 3, "date"),
        ("title,date,discussed\nok,2026-01-01,maybe\n", 2, "discussed"),
        ("title,date\nok,2026-01-01,extra\n", 2, None),
    ],
)
def test_bad_csv_names_line_and_field(text, line, field):
    with pytest.raises(MeetingFileError) as err:
        parse_csv(text, "bad.csv")
    assert (err.value.line, err.value.field) == (line, field)


def test_parse_meetings_file_checks_type_and_encoding():
    with pytest.raises(MeetingFileError, match="unknown file type"):
        parse_meetings_file(b"x", "notes.txt")
    with pytest.raises(MeetingFileError, match="line 2.*not UTF-8"):
        parse_meetings_file(b"title,date\n\xff\xfe,2026-01-01\n", "m.csv")
    assert len(parse_meetings_file(("\ufeff" + CSV).encode(), "M.CSV")) == 3


def test_import_matches_members_and_is_idempotent(any_engine):
    with session_scope(any_engine, write=True) as s:
        m = add_members(s)
        ada = m["ada"].id
        result = loop.import_meetings(
            session=s, records=parse_ics(ICS, "cal.ics"), source="ics", file_name="cal.ics", actor_id=ada
        )
    assert (result.added, result.skipped, result.recurring) == (4, 0, 1)
    assert result.unmatched == ["who@elsewhere.org"]
    with session_scope(any_engine, write=True) as s:
        again = loop.import_meetings(
            session=s, records=parse_ics(ICS, "cal.ics"), source="ics", file_name="cal.ics", actor_id=ada
        )
        csv_result = loop.import_meetings(
            session=s, records=parse_csv(CSV, "m.csv"), source="csv", file_name="m.csv", counts=False, actor_id=ada
        )
    assert (again.added, again.skipped) == (0, 4)
    assert csv_result.added == 3 and csv_result.unmatched == []
    with session_scope(any_engine) as s:
        frame = loop.meetings_frame(session=s)
        assert len(frame) == 7
        review = frame[frame["title"].str.startswith("AI review")].iloc[0]
        assert review["attendees"] == "Ada, Cy" and review["cross_functional"] and review["source"] == "ics"
        prompt = frame[frame["title"] == "Prompt review"].iloc[0]
        assert prompt["attendees"] == "Ada, Cy" and prompt["discussed_user_behaviour"] and not prompt["counts"]
        assert frame["held_at"].is_monotonic_decreasing
        imports = s.exec(select(AuditLog).where(AuditLog.action == "import")).all()
        assert len(imports) == 3
        assert len(loop.meetings_frame(session=s, date_from=datetime(2026, 3, 5).date(), kind="other")) == 4


def test_quick_record_and_marking_which_count(session):
    m = add_members(session)
    first = loop.create_meeting(
        session=session,
        title="Prompt clinic",
        held_at=datetime(2026, 3, 3, 10, tzinfo=UTC),
        attendee_ids=[m["ada"].id, m["di"].id],
        discussed_user_behaviour=True,
        actor_id=m["ada"].id,
    )
    second = loop.create_meeting(
        session=session, title="Vendor call", held_at=datetime(2026, 3, 4, tzinfo=UTC), actor_id=m["ada"].id
    )
    assert loop.meetings_frame(session=session).set_index("id").loc[first.id, "cross_functional"]
    changed = loop.mark_counting(
        session=session, meeting_ids=[first.id, second.id], counting_ids=[first.id], actor_id=m["ada"].id
    )
    assert changed == 1
    assert session.get(Meeting, first.id).counts and not session.get(Meeting, second.id).counts
    with pytest.raises(ValueError, match="title"):
        loop.create_meeting(session=session, title=" ", held_at=datetime(2026, 3, 4, tzinfo=UTC), actor_id=None)
    audit = session.exec(select(AuditLog).where(AuditLog.entity == "meeting").order_by(AuditLog.id)).all()
    assert [a.action for a in audit] == ["create", "create", "update"]


def test_log_stats_count_only_meetings_that_took_place(session):
    team = add_members(session)
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    both = [team["ada"].id, team["cy"].id]
    loop.create_meeting(session=session, title="Held", held_at=now - timedelta(days=1), attendee_ids=both,
                        discussed_user_behaviour=True, actor_id=None)  # fmt: skip
    loop.create_meeting(session=session, title="Not counting", held_at=now - timedelta(days=2), counts=False,
                        actor_id=None)  # fmt: skip
    loop.create_meeting(session=session, title="Planned", held_at=now + timedelta(days=6), attendee_ids=both,
                        kind="review_session", actor_id=None)  # fmt: skip
    stats = log_stats(loop.meetings_frame(session=session), now)
    assert (stats.held, stats.upcoming, stats.counting, stats.cross_functional) == (2, 1, 1, 1)
    assert stats.discussed_share == 1.0
    assert log_stats(loop.meetings_frame(session=session, kind="other", date_from=now.date()), now).counting == 0
