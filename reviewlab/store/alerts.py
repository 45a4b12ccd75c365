"""Alert rules and fired alerts: detect degradations (reviewlab.alerts), triage them, open issues from them."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reviewlab.alerts import DEFAULT_Z, METRICS, WINDOW_WEEKS, find_degradations, pain_scores
from reviewlab.audit import record
from reviewlab.db import session_scope
from reviewlab.indicators import parse_week, week_bounds, week_label, weeks_of
from reviewlab.models import Alert, AlertRule, Conversation, Issue, Topic
from reviewlab.store.loop.issues import create_issue

FRUSTRATED = 0.5  # pain at or above this makes a conversation evidence for an issue
ALERT_STATUSES = ("new", "acknowledged", "issue_opened", "dismissed")
EVIDENCE_LIMIT = 20  # conversations attached to an issue opened from an alert
DEFAULT_RULES = (
    {"name": "Topic degrading", "metric": "topic_frustration", "scope": "", "z_threshold": DEFAULT_Z},
    {"name": "Product area degrading", "metric": "area_frustration", "scope": "", "z_threshold": DEFAULT_Z},
)


def ensure_default_rules(session: Session) -> None:
    """Seed the default rules (every topic, every product area) when there is no rule at all."""
    if session.execute(select(AlertRule.id).limit(1)).first() is None:
        for fields in DEFAULT_RULES:
            rule = AlertRule(**fields)
            session.add(rule)
            session.flush()
            record(session, member_id=None, action="seed", entity="alertrule", entity_id=rule.id, detail=fields)


def _scope_column(metric: str):
    return {"topic_frustration": Conversation.topic_id, "area_frustration": Conversation.product_area}[metric]


def _conversations(session: Session, metric: str, scope: str = "") -> pd.DataFrame:
    """One row per conversation of the metric's scopes: conversation_id, scope, started_at, week_no, pain."""
    column = _scope_column(metric)
    query = select(Conversation.id, column, Conversation.started_at, Conversation.frustration,
                   Conversation.explicit_feedback).where(column.is_not(None), Conversation.started_at.is_not(None))
    if metric == "topic_frustration":
        query = query.join(Topic, Topic.id == Conversation.topic_id).where(Topic.active)
    if scope:
        query = query.where(column == (int(scope) if metric == "topic_frustration" else scope))
    frame = pd.DataFrame(session.execute(query).all(),
                         columns=["conversation_id", "scope", "started_at", "frustration", "feedback"])
    frame["scope"] = frame["scope"].astype(str)
    frame["pain"] = pain_scores(frame["frustration"], frame["feedback"])
    frame["week_no"] = weeks_of(frame["started_at"]) if len(frame) else pd.Series(dtype="Int64")
    return frame


def update_alerts(engine: Engine, *, member_id: int | None = None) -> int:
    """Run every active rule over the whole history and store new alerts (one per rule, scope and onset week).

    Idempotent: an alert already stored for a rule, scope and week is left as it is (with its triage status).
    Returns how many alerts were added.
    """
    with session_scope(engine, write=True) as session:
        ensure_default_rules(session)
        rules = session.execute(select(AlertRule).where(AlertRule.active).order_by(AlertRule.id)).scalars().all()
        added = 0
        for rule in rules:
            if rule.metric not in METRICS:
                continue
            findings = find_degradations(_conversations(session, rule.metric, rule.scope),
                                         z_threshold=rule.z_threshold)
            seen = set(session.execute(select(Alert.scope, Alert.week).where(Alert.rule_id == rule.id)).all())
            for f in findings.itertuples():
                week = week_label(f.week_no)
                if (f.scope, week) in seen:
                    continue
                alert = Alert(rule_id=rule.id, metric=rule.metric, scope=f.scope, week=week, value=f.value,
                              baseline=f.baseline, z=f.z)
                session.add(alert)
                session.flush()
                record(session, member_id=member_id, action="create", entity="alert", entity_id=alert.id,
                       detail={"rule": rule.name, "scope": f.scope, "week": week, "z": f.z})
                added += 1
    return added


def _scope_labels(session: Session) -> dict[str, str]:
    return {str(tid): label for tid, label in session.execute(
        select(Topic.id, func.coalesce(Topic.custom_label, Topic.label))).all()}


ALERT_COLUMNS = ["id", "rule", "metric", "scope", "about", "week", "value", "baseline", "z", "status", "issue_id",
                 "fired_at"]


def alerts_frame(*, session: Session, statuses: list[str] | None = None) -> pd.DataFrame:
    """Fired alerts, newest week and strongest first."""
    query = select(Alert, AlertRule.name).outerjoin(AlertRule, AlertRule.id == Alert.rule_id)
    if statuses:
        query = query.where(Alert.status.in_(statuses))
    topics = _scope_labels(session)
    rows = []
    for alert, rule_name in session.execute(query).all():
        about = (f"Topic: {topics.get(alert.scope, alert.scope)}" if alert.metric == "topic_frustration"
                 else f"Product area: {alert.scope}")
        rows.append({"id": alert.id, "rule": rule_name, "metric": alert.metric, "scope": alert.scope, "about": about,
                     "week": alert.week, "value": alert.value, "baseline": alert.baseline, "z": alert.z,
                     "status": alert.status, "issue_id": alert.issue_id, "fired_at": alert.fired_at})
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    frame["issue_id"] = frame["issue_id"].astype("Int64")  # missing ids stay <NA>, not float NaN
    return frame.sort_values(["week", "z", "id"], ascending=[False, False, True]).reset_index(drop=True)


def set_alert_status(*, session: Session, alert_id: int, status: str, member_id: int | None) -> Alert:
    """Acknowledge or dismiss an alert (or put it back to new)."""
    if status not in ("new", "acknowledged", "dismissed"):
        raise ValueError(f"Unknown alert status {status!r}; choose new, acknowledged or dismissed.")
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise ValueError(f"No alert {alert_id}.")
    before = alert.status
    alert.status = status
    session.add(alert)
    record(session, member_id=member_id, action="update", entity="alert", entity_id=alert_id,
           detail={"status": [before, status]})
    return alert


def alert_window(week: str) -> tuple[datetime, datetime]:
    """[start, end) of the weeks an alert of `week` looked at (its window ends with that week)."""
    number = parse_week(week)
    return week_bounds(number - WINDOW_WEEKS + 1)[0], week_bounds(number)[1]


def alert_conversation_ids(*, session: Session, alert_id: int, only_painful: bool = True) -> list[str]:
    """The conversations behind an alert: its scope's conversations in the alert's window, most painful first
    (only those with pain ≥ 0.5 by default)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise ValueError(f"No alert {alert_id}.")
    start, end = alert_window(alert.week)
    frame = _conversations(session, alert.metric, alert.scope)
    started = pd.to_datetime(frame["started_at"], utc=True)
    frame = frame[(started >= start) & (started < end)]
    if only_painful:
        frame = frame[frame["pain"] >= FRUSTRATED]
    return frame.sort_values(["pain", "conversation_id"], ascending=[False, True])["conversation_id"].tolist()


def alert_history(*, session: Session, alert_id: int) -> pd.DataFrame:
    """The alert's scope, week by week: week, n (conversations), pain (mean), painful (pain ≥ 0.5)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise ValueError(f"No alert {alert_id}.")
    frame = _conversations(session, alert.metric, alert.scope)
    weekly = frame.groupby("week_no").agg(n=("pain", "size"), pain=("pain", "mean"),
                                          painful=("pain", lambda p: int((p >= FRUSTRATED).sum()))).reset_index()
    weekly["week"] = [week_label(w) for w in weekly["week_no"]]
    weekly["pain"] = weekly["pain"].round(4)
    return weekly[["week", "n", "pain", "painful"]].sort_values("week").reset_index(drop=True)


def open_issue_from_alert(*, session: Session, alert_id: int, member_id: int | None, title: str | None = None,
                          severity: str = "medium") -> Issue:
    """Open a proactive issue (channel "alert") about the alert's topic, with its bad conversations as evidence."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise ValueError(f"No alert {alert_id}.")
    if alert.issue_id is not None:
        raise ValueError(f"Alert {alert_id} already has issue #{alert.issue_id}.")
    about = _scope_labels(session).get(alert.scope, alert.scope) if alert.metric == "topic_frustration" else alert.scope
    evidence = alert_conversation_ids(session=session, alert_id=alert_id)[:EVIDENCE_LIMIT]
    issue = create_issue(
        session=session,
        title=(title or "").strip() or f"{about}: more frustrated users since {alert.week}",
        channel="alert",
        found_via="proactive",
        description=(f"Alert: the {METRICS[alert.metric]} rose to {alert.value:.2f} in the {WINDOW_WEEKS} weeks "
                     f"up to {alert.week}, from a baseline of {alert.baseline:.2f} (z = {alert.z:.1f})."),
        severity=severity,
        topic_id=int(alert.scope) if alert.metric == "topic_frustration" else None,
        evidence_ids=evidence,
        actor_id=member_id,
    )
    alert.status = "issue_opened"
    alert.issue_id = issue.id
    session.add(alert)
    record(session, member_id=member_id, action="update", entity="alert", entity_id=alert_id,
           detail={"status": "issue_opened", "issue_id": issue.id})
    return issue


def rules_frame(*, session: Session) -> pd.DataFrame:
    rules = session.execute(select(AlertRule).order_by(AlertRule.id)).scalars().all()
    return pd.DataFrame([r.model_dump() for r in rules], columns=list(AlertRule.model_fields))


def save_rule(*, session: Session, member_id: int | None, rule_id: int | None = None, name: str | None = None,
              metric: str | None = None, scope: str | None = None, z_threshold: float | None = None,
              active: bool | None = None) -> AlertRule:
    """Create a rule (rule_id None: name and metric required) or change some of its fields."""
    rule = AlertRule(name="", metric="topic_frustration") if rule_id is None else session.get(AlertRule, rule_id)
    if rule is None:
        raise ValueError(f"No alert rule {rule_id}.")
    changes = {k: v for k, v in {"name": name, "metric": metric, "scope": scope, "z_threshold": z_threshold,
                                 "active": active}.items() if v is not None}
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if rule_id is None and not changes.get("name"):
        raise ValueError("An alert rule needs a name.")
    if changes.get("metric", rule.metric) not in METRICS:
        raise ValueError(f"Unknown metric {changes['metric']!r}; choose one of {', '.join(METRICS)}.")
    if changes.get("name"):
        same_name = select(AlertRule.id).where(func.lower(AlertRule.name) == changes["name"].lower())
        if rule.id is not None:
            same_name = same_name.where(AlertRule.id != rule.id)
        if session.execute(same_name).first():
            raise ValueError(f"An alert rule named {changes['name']!r} already exists; pick another name.")
    metric, scope = changes.get("metric", rule.metric), changes.get("scope", rule.scope)
    if metric == "topic_frustration" and scope and not (scope.isascii() and scope.isdigit()):
        raise ValueError(f"The scope of a topic rule is a topic id (a number) or empty for all, not {scope!r}.")
    if metric == "topic_frustration" and scope and {"metric", "scope"} & changes.keys():
        topic = session.get(Topic, int(scope)) if len(scope) <= 18 else None  # longer: beyond a 64-bit id
        if topic is None or not topic.active:
            raise ValueError(f"There is no active topic #{scope} (see Insights › Topics for the ids); leave the scope "
                             "empty for all topics.")
    if "z_threshold" in changes and not 0 < changes["z_threshold"] <= 20:
        raise ValueError("The z-score threshold must be between 0 and 20.")
    for key, value in changes.items():
        setattr(rule, key, value)
    session.add(rule)
    session.flush()
    record(session, member_id=member_id, action="create" if rule_id is None else "update", entity="alertrule",
           entity_id=rule.id, detail=changes)
    return rule


def new_alert_count(*, session: Session) -> int:
    return session.execute(select(func.count()).where(Alert.status == "new")).scalar_one()
