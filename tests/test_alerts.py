"""Alerts: onset of a degradation against a trailing baseline, stored once per rule/scope/week, triage, issues."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlmodel import select

from reviewlab.alerts import find_degradations, pain_scores
from reviewlab.db import session_scope
from reviewlab.models import Alert, AlertRule, AuditLog, Conversation, Issue, IssueEvidence
from reviewlab.store import alerts as store
from reviewlab.store.analytics import update_topics
from tests.analytics_data import seed_topics


def weekly_frame(rates: dict[str, list[float]], n: int = 20, seed: int = 0) -> pd.DataFrame:
    """n conversations per week and scope, a share `rate` of them in pain (1.0), the rest calm (0.0)."""
    rng = np.random.default_rng(seed)
    rows = []
    for scope, by_week in rates.items():
        for week, rate in enumerate(by_week, start=100):
            painful = int(round(rate * n))
            pains = [1.0] * painful + [0.0] * (n - painful)
            rng.shuffle(pains)
            rows += [{"scope": scope, "week_no": week, "pain": p} for p in pains]
    return pd.DataFrame(rows)


def test_pain_is_frustration_or_a_thumbs_down():
    pain = pain_scores(pd.Series([0.2, None, 0.9, None]), pd.Series([None, -1.0, 1.0, None]))
    assert pain.tolist() == [0.2, 1.0, 0.9, 0.0]


def test_finds_the_onset_of_a_degradation_and_nothing_in_a_steady_scope():
    frame = weekly_frame({"steady": [0.1, 0.15, 0.1, 0.1, 0.15, 0.1, 0.1, 0.15, 0.1, 0.1],
                          "worse": [0.1, 0.15, 0.1, 0.1, 0.15, 0.1, 0.5, 0.55, 0.5, 0.5]})
    found = find_degradations(frame, z_threshold=3.0)
    assert found["scope"].tolist() == ["worse"]
    onset = found.iloc[0]
    assert onset["week_no"] in (106, 107)  # one alert for the episode, at its start
    assert onset["value"] > 0.4 and onset["baseline"] < 0.2 and onset["z"] >= 3.0


def test_needs_enough_history_and_conversations():
    few = weekly_frame({"new": [0.0, 1.0]}, n=20)
    assert find_degradations(few).empty  # no baseline yet
    small = weekly_frame({"tiny": [0.0, 0.0, 0.0, 0.0, 1.0]}, n=3)
    assert find_degradations(small).empty  # 3 + 3 conversations in the window: too few to tell


def seed_degrading_topic(engine) -> int:
    """Three topics over five weeks; the password topic turns painful in the last two weeks."""
    ids = seed_topics(engine, weeks=5)
    update_topics(engine)
    with session_scope(engine, write=True) as s:
        for cid in ids["password"] + ids["refund"] + ids["invoice"]:
            conv = s.get(Conversation, cid)
            late = conv.started_at >= ids_start(s, ids) + timedelta(weeks=3)
            conv.frustration = 0.9 if cid in ids["password"] and late else 0.05
        return s.get(Conversation, ids["password"][0]).topic_id


def ids_start(session, ids):
    return min(session.get(Conversation, c).started_at for c in ids["refund"])


def test_update_alerts_fires_once_for_the_degrading_topic(any_engine):
    topic_id = seed_degrading_topic(any_engine)
    assert store.update_alerts(any_engine) >= 1
    with session_scope(any_engine) as s:
        alerts = store.alerts_frame(session=s)
        rules = store.rules_frame(session=s)
    assert set(rules["metric"]) == {"topic_frustration", "area_frustration"}  # the default rules, seeded
    assert alerts["scope"].tolist() == [str(topic_id)]
    assert alerts.iloc[0]["about"].startswith("Topic: ") and alerts.iloc[0]["status"] == "new"
    assert store.update_alerts(any_engine) == 0  # idempotent


def test_triage_and_open_an_issue_from_an_alert(engine):
    topic_id = seed_degrading_topic(engine)
    store.update_alerts(engine)
    with session_scope(engine, write=True) as s:
        alert_id = s.exec(select(Alert.id)).first()
        store.set_alert_status(session=s, alert_id=alert_id, status="acknowledged", member_id=None)
        with pytest.raises(ValueError, match="Unknown alert status"):
            store.set_alert_status(session=s, alert_id=alert_id, status="issue_opened", member_id=None)
        history = store.alert_history(session=s, alert_id=alert_id)
        assert history["pain"].iloc[-1] > history["pain"].iloc[0]
        issue = store.open_issue_from_alert(session=s, alert_id=alert_id, member_id=None, severity="high")
    with session_scope(engine) as s:
        issue = s.get(Issue, issue.id)
        assert (issue.found_via, issue.channel, issue.topic_id, issue.severity) == ("proactive", "alert", topic_id,
                                                                                   "high")
        evidence = s.exec(select(IssueEvidence.conversation_id).where(IssueEvidence.issue_id == issue.id)).all()
        assert evidence and all(s.get(Conversation, c).frustration == 0.9 for c in evidence)
        alert = s.get(Alert, alert_id)
        assert (alert.status, alert.issue_id) == ("issue_opened", issue.id)
        assert s.exec(select(AuditLog).where(AuditLog.entity == "alert", AuditLog.entity_id == str(alert_id))).all()
    with session_scope(engine, write=True) as s, pytest.raises(ValueError, match="already has issue"):
        store.open_issue_from_alert(session=s, alert_id=alert_id, member_id=None)


def test_rules_are_validated(session):
    with pytest.raises(ValueError, match="needs a name"):
        store.save_rule(session=session, member_id=None, name=" ", metric="topic_frustration")
    with pytest.raises(ValueError, match="Unknown metric"):
        store.save_rule(session=session, member_id=None, name="x", metric="nope")
    with pytest.raises(ValueError, match="topic id"):
        store.save_rule(session=session, member_id=None, name="x", metric="topic_frustration", scope="shipping")
    rule = store.save_rule(session=session, member_id=None, name="Shipping", metric="area_frustration",
                           scope="shipping", z_threshold=2.0)
    store.save_rule(session=session, member_id=None, rule_id=rule.id, active=False)
    assert session.get(AlertRule, rule.id).active is False


def test_rules_need_a_unique_name_and_an_existing_topic(engine):
    topic_id = seed_degrading_topic(engine)
    with session_scope(engine, write=True) as s:
        store.save_rule(session=s, member_id=None, name="Password watch", metric="topic_frustration",
                        scope=str(topic_id))
        with pytest.raises(ValueError, match="already exists"):
            store.save_rule(session=s, member_id=None, name=" password WATCH ", metric="area_frustration")
        for scope in ("99999", "9" * 40):
            with pytest.raises(ValueError, match="no active topic"):
                store.save_rule(session=s, member_id=None, name="Ghost", metric="topic_frustration", scope=scope)
        other = store.save_rule(session=s, member_id=None, name="Areas", metric="area_frustration")
        with pytest.raises(ValueError, match="already exists"):  # renaming onto another rule's name
            store.save_rule(session=s, member_id=None, rule_id=other.id, name="Password watch")
        store.save_rule(session=s, member_id=None, rule_id=other.id, name="Areas", z_threshold=3.0)  # its own name
        assert [r.name for r in s.exec(select(AlertRule).order_by(AlertRule.id))] == ["Password watch", "Areas"]
