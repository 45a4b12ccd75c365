"""Alerts: topics (or product areas) whose users suddenly got more frustrated than in their own recent past.
Acknowledge, dismiss, or open an issue found proactively; tune the rules."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from reviewlab.alerts import METRICS, WINDOW_WEEKS
from reviewlab.db import session_scope
from reviewlab.insight_charts import build_alert_chart
from reviewlab.models import SEVERITY_CHOICES
from reviewlab.store import alerts as store
from reviewlab.ui.loop import ISSUES_PAGE, db_key, page_link, require_member, show_flash, write
from reviewlab.ui.shell import after_write, get_engine

EXPLORER = "pages/review/conversations.py"
STATUS_LABELS = {"new": "New", "acknowledged": "Acknowledged", "issue_opened": "Issue opened", "dismissed": "Dismissed"}


@st.cache_data(ttl=30, show_spinner=False)
def load_alerts(db: str, statuses: tuple[str, ...]) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return store.alerts_frame(session=session, statuses=list(statuses))


@st.cache_data(ttl=30, show_spinner=False)
def load_history(db: str, alert_id: int) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return store.alert_history(session=session, alert_id=alert_id)


@st.cache_data(ttl=30, show_spinner=False)
def load_rules(db: str) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return store.rules_frame(session=session)


def explorer_params(alert) -> dict[str, str]:
    start, end = store.alert_window(alert.week)
    params = {"from": start.date().isoformat(), "to": (end - timedelta(days=1)).date().isoformat()}
    if alert.metric == "topic_frustration":
        params["topic"] = alert.scope
    else:
        params["area"] = alert.scope
    return params


st.title("Alerts")
show_flash()
top = st.columns([3, 1], vertical_alignment="bottom")
statuses = top[0].multiselect("Status", list(STATUS_LABELS), default=["new", "acknowledged"],
                              format_func=STATUS_LABELS.get, key="alert_statuses")
if top[1].button("Check rules now", icon=":material/refresh:", width="stretch",
                 help="Run the alert rules over the stored conversations (also done by `reviewlab analyze`)."):
    member = st.session_state.get("member_id")
    added = store.update_alerts(get_engine(), member_id=member)
    after_write()
    st.toast(f"{added} new alerts.")
    st.rerun()

alerts = load_alerts(db_key(), tuple(statuses))
if alerts.empty:
    st.info("No alerts with this status. An alert fires when the users of a topic or product area get clearly more "
            "frustrated (or give more thumbs down) than in the weeks before.", icon=":material/notifications:")

for alert in alerts.itertuples():
    with st.container(border=True):
        head = st.columns([4, 1, 1, 1])
        head[0].markdown(f"**{alert.about}** · week {alert.week}")
        head[0].caption(f"{alert.rule} · {STATUS_LABELS[alert.status]}")
        head[1].metric("Pain now", f"{alert.value:.2f}", help=f"Mean pain of the {WINDOW_WEEKS} weeks up to "
                       f"{alert.week}: frustration, or 1 for a thumbs down.")
        head[2].metric("Before", f"{alert.baseline:.2f}", help="Mean pain of the weeks before.")
        head[3].metric("z-score", f"{alert.z:.1f}")
        st.altair_chart(build_alert_chart(load_history(db_key(), alert.id), week=alert.week), width="stretch")
        links = st.columns(2)
        with links[0]:
            page_link(EXPLORER, "Read these weeks' conversations", icon=":material/forum:",
                      query_params=explorer_params(alert))
        if pd.notna(alert.issue_id):  # a missing id is <NA> in the frame, never None
            with links[1]:
                page_link(ISSUES_PAGE, f"Issue #{int(alert.issue_id)}", icon=":material/bug_report:",
                          query_params={"id": str(int(alert.issue_id))})
            continue
        actions = st.columns([1, 1, 3])
        if alert.status != "acknowledged" and actions[0].button("Acknowledge", key=f"ack_{alert.id}"):
            if (member := require_member("triage alerts")) and write(
                    store.set_alert_status, "Alert acknowledged.", alert_id=alert.id, status="acknowledged",
                    member_id=member):
                st.rerun()
        if alert.status != "dismissed" and actions[1].button("Dismiss", key=f"dismiss_{alert.id}"):
            if (member := require_member("triage alerts")) and write(
                    store.set_alert_status, "Alert dismissed.", alert_id=alert.id, status="dismissed",
                    member_id=member):
                st.rerun()
        with actions[2].popover("Open an issue", icon=":material/add_task:"):
            st.text_input("Title", key=f"issue_title_{alert.id}", placeholder=f"{alert.about}: more frustration in "
                          f"{alert.week}")
            st.selectbox("Severity", SEVERITY_CHOICES, index=1, key=f"issue_severity_{alert.id}")
            st.caption("Found proactively (channel: alert), with the frustrated conversations behind the alert as "
                       "evidence.")
            if st.button("Open issue", key=f"issue_{alert.id}", type="primary"):
                if (member := require_member("open an issue")) and write(
                        store.open_issue_from_alert, "Issue opened from the alert.", alert_id=alert.id,
                        member_id=member, title=st.session_state[f"issue_title_{alert.id}"],
                        severity=st.session_state[f"issue_severity_{alert.id}"]):
                    st.rerun()

with st.expander("Alert rules"):
    rules = load_rules(db_key())
    if rules.empty:
        st.caption("No rules yet: the default rule is added on the first check.")
    else:
        st.dataframe(rules[["id", "name", "metric", "scope", "z_threshold", "active"]], hide_index=True,
                     width="stretch")
        rule_names = dict(zip(rules["id"], rules["name"], strict=True))
        rule_id = st.selectbox("Rule", list(rule_names), format_func=rule_names.get, key="rule_pick")
        rule = rules.set_index("id").loc[rule_id]
        cols = st.columns(3, vertical_alignment="bottom")
        cols[0].number_input("z-score threshold", 0.5, 20.0, float(rule["z_threshold"]), step=0.5,
                             key=f"rule_z_{rule_id}", help="Higher: fewer, stronger alerts.")
        cols[1].toggle("Active", bool(rule["active"]), key=f"rule_active_{rule_id}")
        if cols[2].button("Save rule", icon=":material/save:") and (member := require_member("change alert rules")):
            if write(store.save_rule, "Rule saved.", member_id=member, rule_id=int(rule_id),
                     z_threshold=st.session_state[f"rule_z_{rule_id}"],
                     active=st.session_state[f"rule_active_{rule_id}"]):
                st.rerun()
    st.markdown("**New rule**")
    cols = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    cols[0].text_input("Name", key="new_rule_name")
    cols[1].selectbox("Metric", list(METRICS), key="new_rule_metric", help="; ".join(
        f"{k}: {v}" for k, v in METRICS.items()))
    cols[2].text_input("Scope", key="new_rule_scope", help="A topic id or a product area; empty for all.")
    if cols[3].button("Add rule") and (member := require_member("add alert rules")):
        if write(store.save_rule, "Rule added.", member_id=member, name=st.session_state["new_rule_name"],
                 metric=st.session_state["new_rule_metric"], scope=st.session_state["new_rule_scope"].strip(),
                 z_threshold=3.0):
            st.rerun()
