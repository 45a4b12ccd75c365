"""AppTest of the review-session page: plan → run (issue, decision, mark reviewed) → wrap-up, checked in the DB."""

from datetime import date, timedelta

import pytest
import streamlit as st
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.loop.sessions import SampleRules
from reviewlab.models import AppSetting, AuditLog, Decision, DecisionEvidence, Issue, IssueEvidence, Meeting
from reviewlab.models import ReviewAssignment as Assignment
from reviewlab.store import loop
from tests.loop_data import T0, add_conversation, add_members, annotate, browser_selectbox, shown_label, tag_id

PAGE = "pages/loop/sessions.py"


def button(at, label):
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def team(engine):
    with session_scope(engine, write=True) as s:
        m = add_members(s)
        for i in range(12):
            add_conversation(s, f"p{i}", started_at=T0 + timedelta(hours=i), variant="ab"[i % 2], text=f"question {i}")
        return {k: v.id for k, v in m.items()}


def test_plan_warns_and_creates_a_sampled_assigned_session(engine, open_page, team):
    at = open_page(PAGE, member_id=team["ada"])
    at.multiselect(key="plan_attendees").set_value([team["ada"], team["bo"]]).run()
    assert any("No business member" in w.value for w in at.warning)
    at.multiselect(key="plan_attendees").set_value([team["ada"], team["cy"]]).run()
    assert not any("invited" in w.value for w in at.warning)
    at.text_input(key="plan_title").set_value("Week 10 review")
    at.number_input(key="plan_n").set_value(4)
    at.number_input(key="plan_seed").set_value(99)
    at.selectbox(key="plan_stratify").set_value("variant")
    at.number_input(key="plan_overlap").set_value(2)
    at.multiselect(key="plan_reviewers").set_value([team["ada"], team["bo"], team["cy"]])
    at.run()
    assert any("12 conversations match" in c.value for c in at.caption)
    at.button(key="plan_submit").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        meeting = s.exec(select(Meeting)).one()
        assignments = s.exec(select(Assignment)).all()
    assert (meeting.title, meeting.kind, meeting.facilitator_id) == ("Week 10 review", "review_session", team["ada"])
    assert meeting.agenda.startswith("# Week 10 review — ") and meeting.sample_rules["stratify_by"] == "variant"
    assert meeting.sample_rules["seed"] == 99 and len(assignments) == 8
    assert {a.member_id for a in assignments} == {team["ada"], team["bo"], team["cy"]}
    # After planning, the page opens the new session's run view.
    assert at.radio(key="session_step").value == "Run" and at.selectbox(key="session_pick").value == meeting.id
    assert at.success[0].value.startswith("Session planned")


def test_plan_needs_an_identity(engine, open_page, team):
    at = open_page(PAGE)
    at.multiselect(key="plan_attendees").set_value([team["ada"], team["cy"]]).run()
    at.button(key="plan_submit").click().run()
    assert any("Pick who you are" in w.value for w in at.warning)
    with session_scope(engine) as s:
        assert s.exec(select(Meeting)).first() is None


def test_team_template_is_saved_and_used(engine, open_page, team):
    at = open_page(PAGE, member_id=team["cy"])
    at.text_area(key="template_text").set_value("Agenda for {title}")
    at.button(key="save_template").click().run()
    with session_scope(engine) as s:
        assert s.get(AppSetting, "agenda_template").value == "Agenda for {title}"
    assert at.text_area(key="plan_agenda").value == "Agenda for {title}"


def plan(at, team, n=3):
    at.multiselect(key="plan_attendees").set_value([team["ada"], team["cy"]])
    at.number_input(key="plan_n").set_value(n)
    at.button(key="plan_submit").click().run()
    assert not at.exception


def test_run_walks_the_sample_and_opens_issues_and_decisions(engine, open_page, team):
    at = open_page(PAGE, member_id=team["ada"])
    plan(at, team)
    with session_scope(engine) as s:
        meeting = s.exec(select(Meeting)).one()
        first = s.exec(select(Assignment).where(Assignment.position == 0)).first().conversation_id
        annotate(s, first, tag_id(s, "slow"), team["cy"])
    st.cache_data.clear()  # as the reader does after its writes
    at.run()
    assert any(f"**Conversation 1 of 3** · `{first}`" == m.value for m in at.markdown)
    tags = next(df.value for df in at.dataframe if "tag" in df.value.columns)
    assert tags[["member", "tag"]].values.tolist() == [["Cy", "slow"]]
    button(at, "Start the session").click().run()
    with session_scope(engine) as s:
        assert s.get(Meeting, meeting.id).status == "running"

    at.text_input(key="issue_title").set_value("Answers are slow")
    at.selectbox(key="issue_channel").set_value("review")
    at.selectbox(key="issue_severity").set_value("high")
    button(at, "Open the issue").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        issue = s.exec(select(Issue)).one()
        assert (issue.title, issue.meeting_id, issue.severity, issue.found_via) == (
            "Answers are slow",
            meeting.id,
            "high",
            "proactive",
        )
        assert s.exec(select(IssueEvidence.conversation_id)).all() == [first]

    at.text_input(key="decision_title").set_value("Cache the catalogue")
    at.multiselect(key="decision_issues").set_value([issue.id])
    button(at, "Record the decision").click().run()
    with session_scope(engine) as s:
        decision = s.exec(select(Decision)).one()
        assert decision.meeting_id == meeting.id
        kinds = sorted((e.kind, e.ref) for e in s.exec(select(DecisionEvidence)))
        assert kinds == [("conversation", first), ("issue", str(issue.id))]

    button(at, "Mark reviewed together").click().run()
    with session_scope(engine) as s:
        done = s.exec(select(Assignment).where(Assignment.conversation_id == first)).all()
        assert done and all(a.done_at is not None for a in done)

    button(at, "Next").click().run()
    assert any("Conversation 2 of 3" in m.value for m in at.markdown)
    button(at, "Previous").click().run()
    assert any("Conversation 1 of 3" in m.value for m in at.markdown)


def test_wrap_up_exports_markdown_and_marks_the_meeting(engine, open_page, team):
    at = open_page(PAGE, member_id=team["ada"])
    plan(at, team)
    button(at, "Mark reviewed together").click().run()
    at.radio(key="session_step").set_value("Wrap-up").run()
    assert not at.exception
    with session_scope(engine) as s:
        meeting = s.exec(select(Meeting)).one()
    summary = at.code[0].value
    assert "Conversations reviewed: 1 of 3" in summary
    assert at.get("download_button")
    at.text_area(key=f"wrap_notes_{meeting.id}").set_value("Good session")
    at.button(key=f"wrap_finish_{meeting.id}").click().run()
    with session_scope(engine) as s:
        stored = s.get(Meeting, meeting.id)
        finished = s.exec(select(AuditLog).where(AuditLog.action == "finish")).one()
    assert stored.status == "done" and stored.discussed_user_behaviour and stored.notes == "Good session"
    assert finished.member_id == team["ada"]
    assert "Good session" in at.code[0].value


@pytest.fixture
def two_sessions(engine, team):
    """An older and a newer planned session, two conversations each, reviewed by Bo."""
    with session_scope(engine, write=True) as s:
        ids = [
            loop.plan_session(
                session=s,
                title=f"Weekly conversation review — {(T0 + timedelta(weeks=week)).date()}",
                held_at=T0 + timedelta(weeks=week),
                rules=SampleRules(n=2, seed=week),
                attendee_ids=[team["cy"]],
                reviewer_ids=[team["bo"]],
                facilitator_id=team["ada"],
                actor_id=None,
            ).id
            for week in range(2)
        ]
    return {"older": ids[0], "newer": ids[1]}


def test_actions_stay_on_the_picked_older_session(engine, open_page, team, two_sessions):
    older, newer = two_sessions["older"], two_sessions["newer"]
    at = open_page(PAGE, member_id=team["ada"])
    at.radio(key="session_step").set_value("Run").run()
    assert at.selectbox(key="session_pick").value == newer  # the newest first
    assert at.selectbox(key="session_pick").options[0] == "Weekly conversation review — 2026-03-09"  # no date twice
    at.selectbox(key="session_pick").set_value(older).run()
    label = shown_label(at, "session_pick")
    label = browser_selectbox(at, "session_pick", label)
    at.button(key=f"run_start_{older}").click().run()
    assert at.selectbox(key="session_pick").value == older and at.query_params["meeting"] == str(older)
    assert at.success[0].value == "Session started."
    browser_selectbox(at, "session_pick", label)
    at.button(key=f"walk_done_{older}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="session_pick").value == older
    assert at.success[0].value == "Marked reviewed: 1 open assignment done."
    with session_scope(engine) as s:
        assert s.get(Meeting, older).status == "running" and s.get(Meeting, newer).status == "planned"
        done = s.exec(select(Assignment.meeting_id).where(Assignment.done_at.is_not(None))).all()
    assert done == [older]


def test_marking_again_says_nothing_is_left_at_once(engine, open_page, team, two_sessions):
    at = open_page(PAGE, member_id=team["ada"], query_params={"meeting": str(two_sessions["older"])})
    at.radio(key="session_step").set_value("Run").run()
    assert at.selectbox(key="session_pick").value == two_sessions["older"]
    at.button(key=f"walk_done_{two_sessions['older']}").click().run()
    at.button(key=f"walk_done_{two_sessions['older']}").click().run()
    assert [m.value for m in at.success] == [
        "Nothing left to mark: every reviewer had already finished this conversation."
    ]
    at.button(key=f"walk_next_{two_sessions['older']}").click().run()
    assert not at.success  # no leftover message on the next, unrelated action


def test_the_seed_follows_the_date_and_warnings_wait_for_attendees(open_page, team):
    at = open_page(PAGE, member_id=team["ada"])
    assert not [w for w in at.warning if "invited" in w.value]
    at.date_input(key="plan_date").set_value(date(2026, 12, 10)).run()
    assert at.number_input(key="plan_seed").value == 20261210
    at.number_input(key="plan_seed").set_value(7).run()
    assert at.number_input(key="plan_seed").value == 7  # a seed typed by hand stays until the date changes
    at.multiselect(key="plan_attendees").set_value([team["ada"]]).run()
    assert [w.value for w in at.warning if "invited" in w.value] == [
        "No business member is invited: the session will miss the view of the people the product serves."
    ]
