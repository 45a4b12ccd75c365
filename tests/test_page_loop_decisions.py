"""AppTest of the decisions page: record with evidence of every kind, backed filter, follow-up done."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.loop.decisions import EvidenceLink
from reviewlab.models import Decision, DecisionEvidence
from reviewlab.store import loop
from tests.loop_data import T0, add_conversation, add_members, column_labels, form_input, tag_id

PAGE = "pages/loop/decisions.py"


def button(at, label):
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def data(engine):
    with session_scope(engine, write=True) as s:
        m = add_members(s)
        conv = add_conversation(s, "dc1", started_at=T0)
        issue = loop.create_issue(session=s, title="Wrong totals", channel="review", actor_id=None)
        meeting = loop.create_meeting(session=s, title="AI guild", held_at=T0, actor_id=None)
        return {k: v.id for k, v in m.items()} | {
            "conv": conv.id,
            "issue": issue.id,
            "meeting": meeting.id,
            "tag": tag_id(s, "wrong answer"),
        }


def test_record_a_decision_with_evidence(engine, open_page, data):
    at = open_page(PAGE, member_id=data["cy"], query_params={"conversation": data["conv"], "issue": str(data["issue"])})
    assert at.text_area(key="d_conversations").value == data["conv"]
    assert at.multiselect(key="d_issues").value == [data["issue"]]
    at.text_input(key="d_title").set_value("Add a totals check")
    at.text_area(key="d_rationale").set_value("Totals were wrong.")
    at.selectbox(key="d_owner").set_value(data["bo"])
    at.selectbox(key="d_meeting").set_value(data["meeting"])
    at.date_input(key="d_follow_up").set_value(date.today() + timedelta(days=14))
    at.multiselect(key="d_tags").set_value([data["tag"]])
    at.multiselect(key="d_metrics").set_value(["conversations_last_7_days"])
    button(at, "Record the decision").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with session_scope(engine) as s:
        decision = s.exec(select(Decision)).one()
        evidence = {(e.kind, e.ref): e.snapshot for e in s.exec(select(DecisionEvidence))}
    assert (decision.title, decision.owner_id, decision.meeting_id) == (
        "Add a totals check",
        data["bo"],
        data["meeting"],
    )
    assert decision.follow_up_on == date.today() + timedelta(days=14)
    assert set(evidence) == {
        ("conversation", data["conv"]),
        ("issue", str(data["issue"])),
        ("tag", str(data["tag"])),
        ("metric", "conversations_last_7_days"),
    }
    assert evidence[("metric", "conversations_last_7_days")]["value"] == 0.0
    assert at.success[0].value == "Decision recorded."
    assert at.dataframe[0].value["backed_by_data"].tolist() == [True]


def test_backed_filter_and_follow_up(engine, open_page, data):
    with session_scope(engine, write=True) as s:
        gut = loop.create_decision(
            session=s, title="Gut feeling", decided_at=T0, follow_up_on=T0.date() + timedelta(days=1), actor_id=None
        )
        loop.create_decision(
            session=s,
            title="From data",
            decided_at=T0,
            evidence=[EvidenceLink("conversation", data["conv"])],
            actor_id=None,
        )
    at = open_page(PAGE, member_id=data["ada"])
    assert at.metric[0].value == "50%"
    at.selectbox(key="d_filter").set_value(False).run()
    assert at.dataframe[0].value["title"].tolist() == ["Gut feeling"]
    assert at.dataframe[0].value["follow_up_due"].tolist() == [True]
    at.selectbox(key="decision_pick").set_value(gut.id).run()
    assert any("not backed by user data" in w.value for w in at.warning)
    at.button(key=f"follow_{gut.id}").click().run()
    with session_scope(engine) as s:
        assert s.get(Decision, gut.id).follow_up_done


def test_table_labels_and_missing_values(engine, open_page, data):
    with session_scope(engine, write=True) as s:
        bare = loop.create_decision(session=s, title="No owner, no date", decided_at=T0, actor_id=None)
        loop.create_decision(
            session=s,
            title="Owned",
            decided_at=T0,
            owner_id=data["bo"],
            follow_up_on=date(2026, 4, 1),
            actor_id=None,
        )
    at = open_page(PAGE, member_id=data["ada"], query_params={"id": str(bare.id)})
    listed = at.dataframe[0].value.set_index("title")
    assert (listed.loc["No owner, no date", "owner"], listed.loc["No owner, no date", "follow_up_on"]) == ("—", "—")
    assert (listed.loc["Owned", "owner"], listed.loc["Owned", "follow_up_on"]) == ("Bo", "2026-04-01")
    labels = column_labels(at.dataframe[0])
    assert (labels["follow_up_on"], labels["follow_up_done"], labels["owner"]) == (
        "Follow up on",
        "Follow-up done",
        "Owner",
    )
    caption = next(c.value for c in at.caption if c.value.startswith("Decided"))
    assert "owner nobody" in caption and "no follow-up date" in caption
    # A picked decision that the filter hides stays open.
    at.selectbox(key="d_filter").set_value(True).run()
    assert at.subheader[0].value == "No owner, no date"


def test_a_refused_decision_keeps_what_was_typed_and_a_recorded_one_clears_the_form(engine, open_page, data):
    at = open_page(PAGE, member_id=data["cy"], query_params={"conversation": data["conv"]})
    form_input(at.text_input, "d_title").set_value("Add a totals check")
    form_input(at.text_area, "d_rationale").set_value("Totals were wrong.")
    form_input(at.selectbox, "d_owner").set_value(data["bo"])
    form_input(at.date_input, "d_decided").set_value(date.today())
    form_input(at.date_input, "d_follow_up").set_value(date.today() - timedelta(days=1))
    button(at, "Record the decision").click().run()
    assert "The follow-up date is before the decision." in at.error[0].value
    assert form_input(at.text_input, "d_title").value == "Add a totals check"
    assert form_input(at.text_area, "d_rationale").value == "Totals were wrong."
    assert form_input(at.selectbox, "d_owner").value == data["bo"]
    assert form_input(at.text_area, "d_conversations").value == data["conv"]  # the URL's prefill too

    form_input(at.date_input, "d_follow_up").set_value(date.today() + timedelta(days=7))
    button(at, "Record the decision").click().run()
    assert not at.exception and not at.error and at.success[0].value == "Decision recorded."
    with session_scope(engine) as s:
        decision = s.exec(select(Decision)).one()
    assert (decision.title, decision.rationale, decision.owner_id) == ("Add a totals check", "Totals were wrong.",
                                                                      data["bo"])  # fmt: skip
    assert form_input(at.text_input, "d_title").value == ""
    assert form_input(at.text_area, "d_rationale").value == ""
    assert form_input(at.selectbox, "d_owner").value is None
    assert form_input(at.date_input, "d_follow_up").value is None
    assert form_input(at.text_area, "d_conversations").value == ""  # the prefill left the URL
    assert "conversation" not in at.query_params
