"""Alerts page: check the rules, acknowledge, dismiss, open an issue, tune a rule — all through the widgets."""

from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Alert, AlertRule, AuditLog, Issue
from reviewlab.store.alerts import update_alerts
from reviewlab.store.people import create_member
from tests.test_alerts import seed_degrading_topic

PAGE = "pages/insights/alerts.py"


def setup(engine) -> tuple[int, int]:
    seed_degrading_topic(engine)
    with session_scope(engine, write=True) as s:
        ada = create_member(session=s, name="Ada", email="ada@example.com", function="product", side="business")
    return ada.id, update_alerts(engine)


def only_alert(engine) -> Alert:
    with session_scope(engine) as s:
        return s.exec(select(Alert)).one()


def test_check_rules_now_finds_the_alert(engine, open_page):
    seed_degrading_topic(engine)
    at = open_page(PAGE)
    assert at.info  # nothing yet
    at.button[0].click().run()  # "Check rules now"
    assert not at.exception
    assert only_alert(engine).status == "new"
    assert any(m.label == "z-score" for m in at.metric)


def test_acknowledge_then_dismiss(engine, open_page):
    ada, _ = setup(engine)
    alert = only_alert(engine)
    at = open_page(PAGE, member_id=ada)
    at.button(key=f"ack_{alert.id}").click().run()
    assert only_alert(engine).status == "acknowledged"
    at.button(key=f"dismiss_{alert.id}").click().run()
    assert only_alert(engine).status == "dismissed"
    with session_scope(engine) as s:
        assert len(s.exec(select(AuditLog).where(AuditLog.entity == "alert", AuditLog.member_id == ada)).all()) == 2


def test_open_an_issue_from_an_alert(engine, open_page):
    ada, _ = setup(engine)
    alert = only_alert(engine)
    at = open_page(PAGE, member_id=ada)
    at.text_input(key=f"issue_title_{alert.id}").input("Password resets broke")
    at.selectbox(key=f"issue_severity_{alert.id}").set_value("high")
    at.button(key=f"issue_{alert.id}").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        issue = s.exec(select(Issue)).one()
        assert (issue.title, issue.found_via, issue.channel, issue.severity, issue.created_by_id) == (
            "Password resets broke", "proactive", "alert", "high", ada)
        assert s.get(Alert, alert.id).issue_id == issue.id
    assert at.info  # handled: gone from the default view (new and acknowledged alerts)
    at.multiselect(key="alert_statuses").set_value(["issue_opened"]).run()
    links = {link.value: link.proto.query_string for link in at.get("page_link")}
    assert links[f"Issue #{issue.id}"] == f"id={issue.id}"


def test_writes_need_an_identity(engine, open_page):
    setup(engine)
    alert = only_alert(engine)
    at = open_page(PAGE)
    at.button(key=f"ack_{alert.id}").click().run()
    assert any("Pick who you are" in w.value for w in at.warning)
    assert only_alert(engine).status == "new"


def test_tune_and_add_rules(engine, open_page):
    ada, _ = setup(engine)
    at = open_page(PAGE, member_id=ada)
    rule_id = at.selectbox(key="rule_pick").value
    at.number_input(key=f"rule_z_{rule_id}").set_value(4.0)
    at.toggle(key=f"rule_active_{rule_id}").set_value(False)
    next(b for b in at.button if b.label == "Save rule").click().run()
    at.text_input(key="new_rule_name").input("Shipping watch")
    at.selectbox(key="new_rule_metric").set_value("area_frustration")
    at.text_input(key="new_rule_scope").input("shipping")
    next(b for b in at.button if b.label == "Add rule").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        rule = s.get(AlertRule, rule_id)
        assert (rule.z_threshold, rule.active) == (4.0, False)
        added = s.exec(select(AlertRule).where(AlertRule.name == "Shipping watch")).one()
        assert (added.metric, added.scope) == ("area_frustration", "shipping")


def test_alerts_with_and_without_an_issue_listed_together(engine, open_page):
    ada, _ = setup(engine)
    first = only_alert(engine)
    with session_scope(engine, write=True) as s:  # a second alert, still new
        second = Alert(**first.model_dump(exclude={"id", "fired_at"}) | {"week": "2000-W01"})
        s.add(second)
        s.flush()
        second_id = second.id
    at = open_page(PAGE, member_id=ada)
    at.button(key=f"issue_{first.id}").click().run()
    at.multiselect(key="alert_statuses").set_value(["new", "issue_opened"]).run()
    assert not at.exception, [e.value for e in at.exception]
    with session_scope(engine) as s:
        issue_id = s.get(Alert, first.id).issue_id
    links = {link.value for link in at.get("page_link")}
    assert f"Issue #{issue_id}" in links
    assert at.button(key=f"ack_{second_id}")  # the alert without an issue can still be triaged


def test_refused_rules_show_why(engine, open_page):
    ada, _ = setup(engine)
    at = open_page(PAGE, member_id=ada)
    at.text_input(key="new_rule_name").input("Topic degrading")  # the default rule's name
    next(b for b in at.button if b.label == "Add rule").click().run()
    assert any("already" in e.value for e in at.error)
    at.text_input(key="new_rule_name").input("Ghost topic")
    at.text_input(key="new_rule_scope").input("99999")
    next(b for b in at.button if b.label == "Add rule").click().run()
    assert any("99999" in e.value for e in at.error)
    with session_scope(engine) as s:
        assert len(s.exec(select(AlertRule)).all()) == 2  # only the default rules
