"""Decisions: record one with its evidence (in a session or outside), see which are backed by user data, and close
follow-ups.

Deep links: `?conversation=<id>` and `?issue=<id>` pre-fill a new decision's evidence; `?id=<decision id>` opens one.
"""

import pandas as pd
import streamlit as st

from reviewlab.db import session_scope
from reviewlab.loop.decisions import EvidenceLink
from reviewlab.loop.sessions import session_label
from reviewlab.models import utcnow
from reviewlab.store import loop
from reviewlab.ui.loop import (
    at_utc,
    clear_form,
    day_text,
    db_key,
    form_keys,
    member_labels,
    members,
    parse_ids,
    pick_id,
    reader_link,
    require_member,
    show_flash,
    table,
    text_or,
    write,
)
from reviewlab.ui.shell import get_engine

BACKED = {None: "All decisions", True: "Backed by user data", False: "Not backed by user data"}


@st.cache_data(ttl=30, show_spinner=False)
def load_choices(db: str):
    """Meetings, issues, tags and topics a decision can link to."""
    with session_scope(get_engine()) as session:
        meetings = loop.meetings_frame(session=session)
        issues = loop.issues_frame(session=session)
        tags, topics = loop.about_choices(session=session)
    return (
        {int(r.id): session_label(r.held_at, r.title) for r in meetings.itertuples()},
        {int(r.id): f"#{r.id} {r.title} ({r.status})" for r in issues.itertuples()},
        tags,
        topics,
    )


@st.cache_data(ttl=30, show_spinner=False)
def load_decisions(db: str, backed: bool | None, text: str | None) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return loop.decisions_frame(session=session, backed=backed, text=text)


@st.cache_data(ttl=30, show_spinner=False)
def load_evidence(db: str, decision_id: int) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return loop.decision_evidence_frame(session=session, decision_id=decision_id)


def take_snapshots(metrics: list[str]) -> list[EvidenceLink]:
    """Each chosen metric's value right now, stored with the decision."""
    with session_scope(get_engine()) as session:
        return [EvidenceLink("metric", m, loop.metric_snapshot(session=session, metric=m)) for m in metrics]


def new_decision_form() -> None:
    meetings, issues, tags, topics = load_choices(db_key())
    owners = {None: "Nobody yet"} | member_labels(members(), with_function=False)
    wanted_issue = st.query_params.get("issue", "")
    key = form_keys("new_decision")
    with st.form("new_decision", clear_on_submit=False):
        title = st.text_input("Decision", key=key("d_title"))
        rationale = st.text_area("Rationale: why, and what we expect to change", key=key("d_rationale"))
        left, right = st.columns(2)
        owner_id = left.selectbox("Owner", list(owners), format_func=owners.get, key=key("d_owner"))
        meeting_id = right.selectbox(
            "Taken in",
            [None, *meetings],
            format_func=lambda k: "Outside a meeting" if k is None else meetings[k],
            key=key("d_meeting"),
        )
        decided = left.date_input("Decided on", value=utcnow().date(), key=key("d_decided"))
        follow_up = right.date_input("Follow up on", value=None, key=key("d_follow_up"))
        st.markdown("**Evidence** (a decision is backed by user data when it links at least one)")
        conversations = st.text_area(
            "Conversations (ids, one per line)",
            value=st.query_params.get("conversation", ""),
            key=key("d_conversations"),
        )
        linked_issues = st.multiselect(
            "Issues",
            list(issues),
            format_func=issues.get,
            key=key("d_issues"),
            default=[int(wanted_issue)] if wanted_issue.isdigit() and int(wanted_issue) in issues else [],
        )
        linked_tags = st.multiselect("Tags", list(tags), format_func=tags.get, key=key("d_tags"))
        linked_topics = st.multiselect("Topics", list(topics), format_func=topics.get, key=key("d_topics"))
        metrics = st.multiselect(
            "Metrics (their value now is stored with the decision)",
            list(loop.METRICS),
            format_func=loop.METRICS.get,
            key=key("d_metrics"),
        )
        if st.form_submit_button("Record the decision"):
            actor = require_member("record a decision")
            if actor is None:
                return
            evidence = [EvidenceLink("conversation", c) for c in parse_ids(conversations)]
            evidence += [EvidenceLink("issue", str(i)) for i in linked_issues]
            evidence += [EvidenceLink("tag", str(t)) for t in linked_tags]
            evidence += [EvidenceLink("topic", str(t)) for t in linked_topics]
            evidence += take_snapshots(metrics)
            now = utcnow()
            decided_at = now if decided == now.date() else at_utc(decided, now.time())
            if write(
                loop.create_decision,
                "Decision recorded.",
                title=title,
                rationale=rationale,
                owner_id=owner_id,
                decided_at=decided_at,
                follow_up_on=follow_up,
                meeting_id=meeting_id,
                evidence=evidence,
                actor_id=actor,
            ):
                for param in ("conversation", "issue"):
                    st.query_params.pop(param, None)
                clear_form("new_decision")
                st.rerun()


def decision_detail(row: pd.Series) -> None:
    decision_id = int(row["id"])
    st.subheader(row["title"])
    follow = f"follow-up {row['follow_up_on']}" if pd.notna(row["follow_up_on"]) else "no follow-up date"
    st.caption(
        f"Decided {row['decided_at']:%Y-%m-%d} · owner {text_or(row['owner'], 'nobody')} · {follow}"
        + (" (done)" if row["follow_up_done"] else "")
    )
    if row["rationale"]:
        st.text(row["rationale"])
    evidence = load_evidence(db_key(), decision_id)
    if evidence.empty:
        st.warning("No evidence linked: this decision is not backed by user data.", icon=":material/info:")
    for link in evidence.itertuples():
        if link.kind == "conversation":
            reader_link(link.ref, link.label)
        else:
            st.markdown(f"- {link.label}")
    if pd.notna(row["follow_up_on"]):
        done = bool(row["follow_up_done"])
        if st.button("Reopen the follow-up" if done else "Follow-up done", key=f"follow_{decision_id}"):
            actor = require_member("close the follow-up")
            if actor is not None and write(
                loop.set_follow_up_done, "Follow-up updated.", decision_id=decision_id, done=not done, actor_id=actor
            ):
                st.rerun()


def decision_list() -> pd.DataFrame:
    filter_col, text_col = st.columns(2)
    backed = filter_col.selectbox("Show", list(BACKED), format_func=BACKED.get, key="d_filter")
    text = text_col.text_input("Search", key="d_search")
    frame = load_decisions(db_key(), backed, text or None)
    if frame.empty:
        st.info("No decision yet." if backed is None and not text else "No decision matches.")
        return frame
    if backed is None:
        share = frame["backed_by_data"].mean()
        st.metric("Backed by user data", f"{share:.0%}", help=f"{int(frame['backed_by_data'].sum())} of {len(frame)}")
    table(
        frame.assign(follow_up_on=frame["follow_up_on"].map(day_text)),
        {
            "id": st.column_config.NumberColumn("#", format="%d"),
            "title": "Decision",
            "owner": "Owner",
            "decided_at": st.column_config.DatetimeColumn("Decided", format="YYYY-MM-DD"),
            "follow_up_on": st.column_config.TextColumn("Follow up on"),
            "follow_up_done": st.column_config.CheckboxColumn("Follow-up done"),
            "follow_up_due": st.column_config.CheckboxColumn("Follow-up due", help="Dated today or earlier, not done"),
            "n_evidence": st.column_config.NumberColumn("Evidence", help="Evidence links"),
            "backed_by_data": st.column_config.CheckboxColumn("Backed by data"),
        },
    )
    return frame


st.title("Decisions")
show_flash()
prefilled = bool(st.query_params.get("conversation") or st.query_params.get("issue"))
with st.expander("Record a decision", expanded=prefilled, icon=":material/gavel:"):
    new_decision_form()

frame = decision_list()
everything = load_decisions(db_key(), None, None)  # labels for every decision, so a pick the filters hide stays
labels = {int(r.id): f"#{r.id} {r.title}" for r in everything.itertuples()}
if labels:
    listed = [int(i) for i in frame["id"]]
    picked = pick_id(
        "Decision", listed, labels, key="decision_pick", param="id", placeholder="Pick a decision to see its evidence"
    )
    if picked is not None:
        decision_detail(everything[everything["id"] == picked].iloc[0])
