"""Decisions: evidence links of every kind, backed by user data, metric snapshots, follow-ups due."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.loop.decisions import EvidenceLink, backed_by_user_data
from reviewlab.models import AuditLog, Decision, DecisionEvidence, Topic
from reviewlab.store import loop
from tests.loop_data import T0, add_conversation, add_members, annotate, tag_id


def test_evidence_link_rules():
    assert not backed_by_user_data(0) and backed_by_user_data(1)
    with pytest.raises(ValueError, match="Unknown evidence kind"):
        EvidenceLink("rumour", "x")
    with pytest.raises(ValueError, match="needs a reference"):
        EvidenceLink("conversation", " ")
    with pytest.raises(ValueError, match="snapshot"):
        EvidenceLink("metric", "frustrated_share_last_28_days")


def test_decision_with_every_kind_of_evidence(any_engine):
    with session_scope(any_engine, write=True) as s:
        m = add_members(s)
        conv = add_conversation(s, "d1", started_at=T0 - timedelta(days=1), frustration=0.8)
        add_conversation(s, "d2", started_at=T0 - timedelta(days=2), frustration=0.1)
        topic = Topic(label="billing")
        s.add(topic)
        s.flush()
        issue = loop.create_issue(session=s, title="Wrong totals", channel="alert", actor_id=None)
        snapshot = loop.metric_snapshot(session=s, metric="frustrated_share_last_28_days", as_of=T0)
        assert snapshot["value"] == 0.5 and snapshot["n"] == 2
        links = [
            EvidenceLink("conversation", conv.id),
            EvidenceLink("issue", str(issue.id)),
            EvidenceLink("tag", str(tag_id(s, "wrong answer"))),
            EvidenceLink("topic", str(topic.id)),
            EvidenceLink("metric", "frustrated_share_last_28_days", snapshot),
            EvidenceLink("conversation", conv.id),  # duplicate: stored once
        ]
        decision = loop.create_decision(
            session=s,
            title="Add a totals check",
            rationale="Totals were wrong in half the frustrated chats.",
            owner_id=m["bo"].id,
            decided_at=T0,
            follow_up_on=date(2026, 3, 16),
            evidence=links,
            actor_id=m["ada"].id,
        )
        decision_id = decision.id
    with session_scope(any_engine) as s:
        evidence = loop.decision_evidence_frame(session=s, decision_id=decision_id)
        assert list(evidence["kind"]) == ["conversation", "issue", "tag", "topic", "metric"]
        assert evidence["label"].tolist()[1:4] == ["issue #1: Wrong totals", "tag: wrong answer", "topic: billing"]
        assert evidence["label"].iloc[4].endswith(": 50.0% (as of 2026-03-02)")
        row = loop.decisions_frame(session=s).iloc[0]
        assert row["n_evidence"] == 5 and row["backed_by_data"] and row["owner"] == "Bo"
        assert s.exec(select(DecisionEvidence)).all()[4].snapshot["value"] == 0.5
        audit = s.exec(select(AuditLog).where(AuditLog.entity == "decision").order_by(AuditLog.id)).all()
        assert [a.action for a in audit] == ["create", "add_evidence"]


def test_bad_evidence_and_dates_write_nothing(session):
    with pytest.raises(ValueError, match="Unknown conversation"):
        loop.create_decision(session=session, title="x", evidence=[EvidenceLink("conversation", "nope")], actor_id=None)
    with pytest.raises(ValueError, match="must be a number"):
        loop.create_decision(session=session, title="x", evidence=[EvidenceLink("tag", "slow")], actor_id=None)
    with pytest.raises(ValueError, match="Unknown issue"):
        loop.create_decision(session=session, title="x", evidence=[EvidenceLink("issue", "42")], actor_id=None)
    with pytest.raises(ValueError, match="follow-up date is before"):
        loop.create_decision(session=session, title="x", decided_at=T0, follow_up_on=date(2026, 1, 1), actor_id=None)
    with pytest.raises(ValueError, match="title"):
        loop.create_decision(session=session, title=" ", actor_id=None)
    assert session.exec(select(Decision)).first() is None


def test_backed_filter_follow_ups_and_metrics(session):
    m = add_members(session)
    conv = add_conversation(session, "f1", started_at=T0 - timedelta(days=3))
    annotate(session, conv.id, tag_id(session, "slow"), m["ada"].id)
    add_conversation(session, "f2", started_at=T0 - timedelta(days=10))
    bare = loop.create_decision(
        session=session, title="Gut feeling", decided_at=T0, follow_up_on=date(2026, 3, 5), actor_id=None
    )
    backed = loop.create_decision(
        session=session,
        title="From data",
        decided_at=T0,
        follow_up_on=date(2026, 3, 20),
        evidence=[EvidenceLink("conversation", conv.id)],
        actor_id=None,
    )
    assert list(loop.decisions_frame(session=session, backed=True)["id"]) == [backed.id]
    assert list(loop.decisions_frame(session=session, backed=False)["id"]) == [bare.id]

    def due(today):
        frame = loop.decisions_frame(session=session, today=today)
        return sorted(frame.loc[frame["follow_up_due"], "id"])

    assert due(date(2026, 3, 10)) == [bare.id]
    assert due(date(2026, 3, 20)) == sorted([bare.id, backed.id])
    loop.set_follow_up_done(session=session, decision_id=bare.id, actor_id=m["ada"].id)
    assert due(date(2026, 3, 20)) == [backed.id]
    assert loop.metric_snapshot(session=session, metric="conversations_last_7_days", as_of=T0)["value"] == 1
    reviewed = loop.metric_snapshot(session=session, metric="reviewed_share_last_28_days", as_of=T0)
    assert (reviewed["value"], reviewed["n"]) == (0.5, 2)
    assert (
        loop.metric_snapshot(session=session, metric="negative_feedback_share_last_28_days", as_of=T0)["value"] is None
    )
    with pytest.raises(ValueError, match="Unknown metric"):
        loop.metric_snapshot(session=session, metric="vibes")
