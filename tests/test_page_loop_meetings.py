"""AppTest of the meetings log: quick record, .ics/CSV upload (bad file: error, nothing imported), which count."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Meeting, MeetingAttendee, utcnow
from reviewlab.store import loop
from tests.loop_data import add_members, column_labels, form_input
from tests.test_loop_meetings import ICS

PAGE = "pages/loop/meetings.py"


def button(at, label):
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def team(engine):
    with session_scope(engine, write=True) as s:
        return {k: v.id for k, v in add_members(s).items()}


def test_quick_record(engine, open_page, team):
    at = open_page(PAGE, member_id=team["ada"])
    at.text_input(key="meeting_title").set_value("Prompt clinic")
    at.date_input(key="meeting_date").set_value(date(2026, 3, 3))
    at.multiselect(key="meeting_attendees").set_value([team["ada"], team["cy"]])
    at.checkbox(key="meeting_ub").check()
    button(at, "Record the meeting").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        meeting = s.exec(select(Meeting)).one()
        attendees = {a.member_id for a in s.exec(select(MeetingAttendee))}
    assert (meeting.title, meeting.held_at.date(), meeting.discussed_user_behaviour, meeting.counts) == (
        "Prompt clinic",
        date(2026, 3, 3),
        True,
        True,
    )
    assert attendees == {team["ada"], team["cy"]} and meeting.source == "manual"
    assert at.success[0].value == "Meeting recorded."


def test_ics_upload_imports_once_and_bad_csv_imports_nothing(engine, open_page, team):
    at = open_page(PAGE, member_id=team["ada"])
    at.date_input(key="log_from").set_value(date(2026, 1, 1))
    at.file_uploader(key="meeting_file").set_value(("team.ics", ICS.encode(), "text/calendar")).run()
    at.button(key="meeting_import").click().run()
    assert not at.exception
    assert "team.ics: 4 meetings added, 0 already imported" in at.success[0].value
    assert "who@elsewhere.org" in at.success[0].value and "1 recurring" in at.success[0].value
    at.button(key="meeting_import").click().run()
    assert "0 meetings added, 4 already imported" in at.success[0].value
    bad = b"title,date,attendees,discussed\nok,2026-03-01,,yes\nbroken,yesterday,,no\n"
    at.file_uploader(key="meeting_file").set_value(("bad.csv", bad, "text/csv")).run()
    at.button(key="meeting_import").click().run()
    assert (
        at.error[0].value == "Nothing imported. bad.csv, line 3, field date: bad date 'yesterday': use YYYY-MM-DD "
        "or YYYY-MM-DDTHH:MM"
    )
    with session_scope(engine) as s:
        assert len(s.exec(select(Meeting)).all()) == 4
        assert {m.source for m in s.exec(select(Meeting))} == {"ics"}


def test_mark_which_meetings_count(engine, open_page, team):
    at = open_page(PAGE, member_id=team["ada"])
    for title in ("AI guild", "Lunch"):
        form_input(at.text_input, "meeting_title").set_value(title)
        form_input(at.date_input, "meeting_date").set_value(date.today() - timedelta(days=1))  # held: only those count
        button(at, "Record the meeting").click().run()
    with session_scope(engine) as s:
        ids = {m.title: m.id for m in s.exec(select(Meeting))}
    assert len(at.dataframe[0].value) == 2
    picker = next(w for w in at.multiselect if w.label == "Meetings that count as AI-related")
    assert sorted(picker.value) == sorted(ids.values())
    picker.set_value([ids["AI guild"]])
    at.button(key="save_counting").click().run()
    with session_scope(engine) as s:
        counts = {m.title: m.counts for m in s.exec(select(Meeting))}
    assert counts == {"AI guild": True, "Lunch": False}
    assert at.metric[0].value == "1"


def test_planned_future_sessions_do_not_count_yet(engine, open_page, team):
    with session_scope(engine, write=True) as s:
        now = utcnow()
        loop.create_meeting(session=s, title="Held", held_at=now - timedelta(days=1), actor_id=None)
        loop.create_meeting(
            session=s, title="Next review", held_at=now + timedelta(days=5), kind="review_session", actor_id=None
        )
    at = open_page(PAGE, member_id=team["ada"])
    assert len(at.dataframe[0].value) == 2
    assert at.metric[0].value == "1" and "1 still to come" in at.metric[0].help
    assert column_labels(at.dataframe[0])["kind"] == "Kind"
    assert at.dataframe[0].value.set_index("title").loc["Next review", "kind"] == "Review session"
