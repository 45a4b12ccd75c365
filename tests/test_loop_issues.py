"""Issues: found via / channel rules, status transitions, evidence, time to detect and resolve, filters."""

from datetime import timedelta

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.loop.issues import (
    check_found_via,
    check_transition,
    format_duration,
    found_via_for,
    time_to_detect,
    time_to_resolve,
)
from reviewlab.models import AuditLog, Issue, IssueEvidence, Tag
from reviewlab.store import loop
from tests.loop_data import T0, add_conversation, add_members, tag_id


def test_channels_map_to_proactive_or_reactive():
    assert [found_via_for(c) for c in ("review", "alert", "cluster", "analysis")] == ["proactive"] * 4
    assert [found_via_for(c) for c in ("complaint", "support_ticket", "escalation")] == ["reactive"] * 3
    with pytest.raises(ValueError, match="Unknown channel"):
        found_via_for("rumour")
    with pytest.raises(ValueError, match="reactive, not proactive"):
        check_found_via("proactive", "complaint")
    assert check_found_via(None, "alert") == "proactive"


def test_status_transitions():
    check_transition("open", "in_progress")
    check_transition("in_progress", "resolved")
    check_transition("in_progress", "wont_fix")
    check_transition("open", "resolved")  # a quick fix may skip "in progress"
    check_transition("resolved", "open")  # reopen
    with pytest.raises(ValueError, match="from resolved to wont_fix"):
        check_transition("resolved", "wont_fix")
    with pytest.raises(ValueError, match="Unknown status"):
        check_transition("open", "closed")


def test_durations():
    assert time_to_detect(None, T0) is None
    assert time_to_detect(T0, T0 + timedelta(days=3)) == timedelta(days=3)
    assert time_to_detect(T0 + timedelta(days=1), T0) == timedelta(0)  # evidence added after detection
    assert time_to_resolve(T0, None) is None
    assert time_to_resolve(T0, T0 + timedelta(hours=5)) == timedelta(hours=5)
    assert format_duration(timedelta(hours=5)) == "5.0 h" and format_duration(timedelta(days=3)) == "3.0 days"
    assert format_duration(None) == "—"


def test_issue_lifecycle_evidence_and_times(any_engine):
    with session_scope(any_engine, write=True) as s:
        m = add_members(s)
        ada, cy = m["ada"].id, m["cy"].id
        early = add_conversation(s, "early", started_at=T0 - timedelta(days=4))
        late = add_conversation(s, "late", started_at=T0 - timedelta(days=1))
        issue = loop.create_issue(
            session=s,
            title="Refuses refunds",
            description="The assistant refuses to explain the refund policy.",
            channel="support_ticket",
            severity="high",
            owner_id=cy,
            tag_id=tag_id(s, "unnecessary refusal"),
            detected_at=T0,
            evidence_ids=[late.id, early.id, late.id],
            actor_id=ada,
        )
        issue_id = issue.id
        assert issue.found_via == "reactive" and issue.created_by_id == ada
    with session_scope(any_engine, write=True) as s:
        assert loop.add_issue_evidence(session=s, issue_id=issue_id, conversation_ids=[early.id], actor_id=ada) == 0
        with pytest.raises(ValueError, match="Unknown conversation"):
            loop.add_issue_evidence(session=s, issue_id=issue_id, conversation_ids=["nope"], actor_id=ada)
    with session_scope(any_engine, write=True) as s:
        with pytest.raises(ValueError, match="before it was detected"):
            loop.set_issue_status(
                session=s, issue_id=issue_id, status="resolved", at=T0 - timedelta(days=1), actor_id=ada
            )
    with session_scope(any_engine, write=True) as s:
        loop.set_issue_status(session=s, issue_id=issue_id, status="in_progress", actor_id=ada)
        loop.set_issue_status(session=s, issue_id=issue_id, status="resolved", at=T0 + timedelta(days=2), actor_id=cy)
    with session_scope(any_engine) as s:
        row = loop.issues_frame(session=s).iloc[0]
        assert row["status"] == "resolved" and row["n_evidence"] == 2 and row["owner"] == "Cy"
        assert row["first_evidence_at"] == T0 - timedelta(days=4)
        assert row["detect_hours"] == 96 and row["resolve_hours"] == 48
        assert row["about"] == "tag: unnecessary refusal"
        assert list(loop.issue_evidence_frame(session=s, issue_id=issue_id)["conversation_id"]) == [early.id, late.id]
    with session_scope(any_engine, write=True) as s:
        loop.set_issue_status(session=s, issue_id=issue_id, status="open", actor_id=ada)
        loop.remove_issue_evidence(session=s, issue_id=issue_id, conversation_id=early.id, actor_id=ada)
    with session_scope(any_engine) as s:
        stored = s.get(Issue, issue_id)
        assert stored.status == "open" and stored.resolved_at is None
        assert len(s.exec(select(IssueEvidence)).all()) == 1
        trail = [
            (a.action, a.member_id)
            for a in s.exec(select(AuditLog).where(AuditLog.entity == "issue").order_by(AuditLog.id))
        ]
        assert trail == [
            ("create", ada),
            ("add_evidence", ada),
            ("status", ada),
            ("status", cy),
            ("status", ada),
            ("remove_evidence", ada),
        ]


def test_issue_validation_writes_nothing(session):
    add_members(session)
    with pytest.raises(ValueError, match="title"):
        loop.create_issue(session=session, title="", channel="review", actor_id=None)
    with pytest.raises(ValueError, match="severity"):
        loop.create_issue(session=session, title="x", channel="review", severity="huge", actor_id=None)
    with pytest.raises(ValueError, match="signal"):
        loop.create_issue(session=session, title="x", channel="review", signal="vibes", actor_id=None)
    with pytest.raises(ValueError, match="No tag"):
        loop.create_issue(session=session, title="x", channel="review", tag_id=9999, actor_id=None)
    assert session.exec(select(Issue)).first() is None


def test_update_issue_rederives_found_via(session):
    m = add_members(session)
    issue = loop.create_issue(session=session, title="x", channel="review", actor_id=None)
    loop.update_issue(
        session=session, issue_id=issue.id, channel="escalation", severity="critical", actor_id=m["di"].id
    )
    assert (issue.found_via, issue.channel, issue.severity) == ("reactive", "escalation", "critical")
    with pytest.raises(ValueError, match="Cannot edit status"):
        loop.update_issue(session=session, issue_id=issue.id, status="resolved", actor_id=None)
    detail = session.exec(select(AuditLog).where(AuditLog.action == "update")).one().detail
    assert detail == {"channel": "escalation", "severity": "critical", "found_via": "reactive"}


def test_set_issue_about_links_and_unlinks_with_audit(session):
    m = add_members(session)
    slow = tag_id(session, "slow")
    issue = loop.create_issue(session=session, title="From the reader", channel="review", actor_id=None)
    loop.set_issue_about(
        session=session, issue_id=issue.id, tag_id=slow, topic_id=None, signal="frustration", actor_id=m["di"].id
    )
    assert (issue.tag_id, issue.topic_id, issue.signal) == (slow, None, "frustration")
    assert loop.issues_frame(session=session).set_index("id").loc[issue.id, "about"] == "tag: slow; signal: frustration"
    loop.set_issue_about(session=session, issue_id=issue.id, tag_id=slow, topic_id=None, signal=None, actor_id=None)
    assert issue.signal is None
    updates = session.exec(select(AuditLog).where(AuditLog.action == "update").order_by(AuditLog.id)).all()
    assert [(a.member_id, a.detail) for a in updates] == [
        (m["di"].id, {"tag_id": slow, "signal": "frustration"}),
        (None, {"signal": None}),
    ]
    with pytest.raises(ValueError, match="signal"):
        loop.set_issue_about(session=session, issue_id=issue.id, tag_id=None, topic_id=None, signal="x", actor_id=None)
    with pytest.raises(ValueError, match="No tag"):
        loop.set_issue_about(session=session, issue_id=issue.id, tag_id=9999, topic_id=None, signal=None, actor_id=None)
    assert issue.tag_id == slow and len(session.exec(select(AuditLog).where(AuditLog.action == "update")).all()) == 2


def test_about_choices_keep_an_issues_archived_tag(session):
    slow = tag_id(session, "slow")
    session.get(Tag, slow).archived = True
    session.flush()
    assert slow not in loop.about_choices(session=session)[0]
    assert loop.about_choices(session=session, tag_id=slow)[0][slow] == "slow"


def test_issue_filters(session):
    m = add_members(session)
    a = loop.create_issue(session=session, title="Slow search", channel="review", severity="low", actor_id=None)
    b = loop.create_issue(
        session=session,
        title="Angry customer",
        description="search broke",
        channel="complaint",
        owner_id=m["bo"].id,
        severity="high",
        actor_id=None,
    )
    loop.set_issue_status(session=session, issue_id=a.id, status="wont_fix", actor_id=None)
    assert a.resolved_at is None  # closed, not resolved: no time to resolve

    def ids(**kw):
        return set(loop.issues_frame(session=session, **kw)["id"])

    assert ids() == {a.id, b.id}
    assert ids(found_via="reactive") == {b.id}
    assert ids(statuses=["open", "in_progress"]) == {b.id}
    assert ids(severities=["low"]) == {a.id}
    assert ids(owner_id=m["bo"].id) == {b.id}
    assert ids(text="SEARCH") == {a.id, b.id}
    assert ids(channels=["review"]) == {a.id}
