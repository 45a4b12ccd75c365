"""Issues: open one (from a conversation, a session or by hand), filter the list, follow one to resolution and
check whether the fix worked.

Deep links: `?id=<issue id>` opens an issue; `?conversation=<conversation id>` pre-fills a new issue's evidence.
"""

from datetime import time

import pandas as pd
import streamlit as st

from reviewlab.db import session_scope
from reviewlab.loop.issues import CHANNELS, SIGNALS, TRANSITIONS, channel_label, format_duration
from reviewlab.models import FOUND_VIA_CHOICES, ISSUE_STATUS_CHOICES, SEVERITY_CHOICES, utcnow
from reviewlab.store import loop
from reviewlab.ui.loop import (
    at_utc,
    clear_form,
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

STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "resolved": "Resolved", "wont_fix": "Won't fix"}


@st.cache_data(ttl=30, show_spinner=False)
def load_choices(db: str, tag_id: int | None = None, topic_id: int | None = None) -> tuple[dict, dict]:
    """Tags and active topics an issue can be about, plus an issue's current ones."""
    with session_scope(get_engine()) as session:
        return loop.about_choices(session=session, tag_id=tag_id, topic_id=topic_id)


@st.cache_data(ttl=30, show_spinner=False)
def load_issues(db: str, **filters) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return loop.issues_frame(session=session, **filters)


@st.cache_data(ttl=30, show_spinner=False)
def load_issue(db: str, issue_id: int, weeks: int):
    with session_scope(get_engine()) as session:
        row = loop.issues_frame(session=session).set_index("id").loc[issue_id]
        issue = loop.get_issue(session=session, issue_id=issue_id)
        evidence = loop.issue_evidence_frame(session=session, issue_id=issue_id)
        impact = loop.issue_impact(session=session, issue_id=issue_id, weeks=weeks)
    return issue.model_dump(), row, evidence, impact


def points(difference: float) -> str:
    """A difference of two rates, in percentage points (a fall from 20% to 11% is -9 points, not -9%)."""
    return f"{difference * 100:+.1f} pts"


def hours_text(hours: float | None) -> str:
    return format_duration(None if pd.isna(hours) else pd.Timedelta(hours=hours))


def optional(label: str, options: dict, key: str, current=None):
    """A selectbox with a "none" choice first."""
    choices = [None, *options]
    return st.selectbox(
        label,
        choices,
        index=choices.index(current) if current in choices else 0,
        format_func=lambda k: "—" if k is None else options[k],
        key=key,
    )


def new_issue_form(prefill: str) -> None:
    tags, topics = load_choices(db_key())
    owners = member_labels(members(), with_function=False)
    key = form_keys("new_issue")
    with st.form("new_issue", clear_on_submit=False):
        title = st.text_input("Title", key=key("new_title"))
        description = st.text_area("Description", key=key("new_description"))
        left, right = st.columns(2)
        channel = left.selectbox("Found via", CHANNELS, format_func=channel_label, key=key("new_channel"))
        severity = right.selectbox("Severity", SEVERITY_CHOICES, index=1, key=key("new_severity"))
        with left:
            owner_id = optional("Owner", owners, key("new_owner"))
            tag_id = optional("About the tag", tags, key("new_tag"))
        with right:
            topic_id = optional("About the topic", topics, key("new_topic"))
            signal = optional("About the signal", SIGNALS, key("new_signal"))
        now = utcnow()
        day = left.date_input("Detected on", value=now.date(), key=key("new_day"))
        clock = right.time_input("at (UTC)", value=time(now.hour, now.minute), key=key("new_time"))
        evidence = st.text_area(
            "Evidence conversations (ids, one per line)",
            value=prefill,
            key=key("new_evidence"),
            help="Copy a conversation's id from the reader, or open an issue from the reader itself.",
        )
        if st.form_submit_button("Open the issue"):
            actor = require_member("open an issue")
            if actor is not None and write(
                loop.create_issue,
                "Issue opened.",
                title=title,
                description=description,
                channel=channel,
                severity=severity,
                owner_id=owner_id,
                tag_id=tag_id,
                topic_id=topic_id,
                signal=signal,
                detected_at=at_utc(day, clock),
                evidence_ids=parse_ids(evidence),
                actor_id=actor,
            ):
                st.query_params.pop("conversation", None)
                clear_form("new_issue")
                st.rerun()


def issue_list() -> pd.DataFrame:
    status_col, via_col, severity_col, text_col = st.columns(4)
    statuses = status_col.multiselect(
        "Status", ISSUE_STATUS_CHOICES, default=["open", "in_progress"], format_func=STATUS_LABELS.get, key="f_status"
    )
    found_via = via_col.selectbox(
        "Found", [None, *FOUND_VIA_CHOICES], format_func=lambda v: v or "Any way", key="f_via"
    )
    severities = severity_col.multiselect("Severity", SEVERITY_CHOICES, key="f_severity")
    text = text_col.text_input("Search titles and descriptions", key="f_text")
    frame = load_issues(db_key(), statuses=statuses, found_via=found_via, severities=severities, text=text or None)
    if frame.empty:
        st.info("No issue matches.")
        return frame
    shown = frame.assign(
        time_to_detect=frame["detect_hours"].map(hours_text),
        time_to_resolve=frame["resolve_hours"].map(hours_text),
        status=frame["status"].map(STATUS_LABELS),
        found_via=frame["found_via"].str.capitalize(),
        channel=frame["channel"].str.replace("_", " "),
        severity=frame["severity"].str.capitalize(),
    )
    table(
        shown,
        {
            "id": st.column_config.NumberColumn("#", format="%d"),
            "title": "Title",
            "status": "Status",
            "severity": "Severity",
            "found_via": "Found",
            "channel": "Channel",
            "owner": "Owner",
            "about": "About",
            "detected_at": st.column_config.DatetimeColumn("Detected (UTC)", format="YYYY-MM-DD HH:mm"),
            "n_evidence": st.column_config.NumberColumn("Evidence", help="Evidence conversations"),
            "time_to_detect": st.column_config.TextColumn("Time to detect", help="Earliest evidence → detected"),
            "time_to_resolve": st.column_config.TextColumn("Time to resolve", help="Detected → resolved"),
        },
    )
    return frame


def about_form(issue: dict) -> None:
    """Change what the issue is about (what "did the fix work?" measures), e.g. for one opened from the reader."""
    issue_id = issue["id"]
    tags, topics = load_choices(db_key(), issue["tag_id"], issue["topic_id"])
    tag_col, topic_col, signal_col = st.columns(3)
    with tag_col:
        tag_id = optional("About the tag", tags, f"about_tag_{issue_id}", current=issue["tag_id"])
    with topic_col:
        topic_id = optional("About the topic", topics, f"about_topic_{issue_id}", current=issue["topic_id"])
    with signal_col:
        signal = optional("About the signal", SIGNALS, f"about_signal_{issue_id}", current=issue["signal"])
    if st.button("Save what it is about", key=f"about_{issue_id}"):
        actor = require_member("edit the issue")
        if actor is not None and write(
            loop.set_issue_about,
            "Issue updated.",
            issue_id=issue_id,
            tag_id=tag_id,
            topic_id=topic_id,
            signal=signal,
            actor_id=actor,
        ):
            st.rerun()


def issue_detail(issue_id: int) -> None:
    weeks = st.session_state.get("impact_weeks", 4)
    issue, row, evidence, impact = load_issue(db_key(), issue_id, weeks)
    st.subheader(f"#{issue_id} {issue['title']}")
    st.caption(
        f"{STATUS_LABELS[issue['status']]} · {issue['severity']} · found via {channel_label(issue['channel'])} · "
        f"owner {text_or(row['owner'], 'nobody')} · {text_or(row['about'], 'not linked to a tag, topic or signal')}"
    )
    if issue["description"]:
        st.text(issue["description"])
    detect, resolve, count = st.columns(3)
    detect.metric("Time to detect", hours_text(row["detect_hours"]), help="Earliest evidence → detected")
    resolve.metric("Time to resolve", hours_text(row["resolve_hours"]), help="Detected → resolved")
    count.metric("Evidence conversations", len(evidence))

    status_col, edit_col = st.columns(2)
    with status_col:
        next_status = st.selectbox(
            "Move to", TRANSITIONS[issue["status"]], format_func=STATUS_LABELS.get, key=f"next_{issue_id}"
        )
        now = utcnow()
        day = st.date_input("Resolved on (when resolving)", value=now.date(), key=f"when_{issue_id}")
        if st.button("Update the status", key=f"status_{issue_id}"):
            actor = require_member("change the status")
            at = at_utc(day, time(now.hour, now.minute)) if day != now.date() else None
            if actor is not None and write(
                loop.set_issue_status, "Status updated.", issue_id=issue_id, status=next_status, at=at, actor_id=actor
            ):
                st.rerun()
    with edit_col:
        owners = member_labels(members(), with_function=False)
        owner_id = optional("Owner", owners, f"owner_{issue_id}", current=issue["owner_id"])
        severity = st.selectbox(
            "Severity", SEVERITY_CHOICES, index=SEVERITY_CHOICES.index(issue["severity"]), key=f"sev_{issue_id}"
        )
        if st.button("Save owner and severity", key=f"edit_{issue_id}"):
            actor = require_member("edit the issue")
            if actor is not None and write(
                loop.update_issue,
                "Issue updated.",
                issue_id=issue_id,
                owner_id=owner_id,
                severity=severity,
                actor_id=actor,
            ):
                st.rerun()
    about_form(issue)

    st.markdown("**Evidence**")
    for conversation in evidence.itertuples():
        started = f"{conversation.started_at:%Y-%m-%d %H:%M}" if pd.notna(conversation.started_at) else "undated"
        text, link, remove = st.columns([4, 2, 1], vertical_alignment="center")
        text.markdown(f"`{conversation.conversation_id}` · started {started}")
        with link:
            reader_link(conversation.conversation_id, "Read")
        if remove.button("Remove", key=f"rm_{issue_id}_{conversation.conversation_id}"):
            actor = require_member("remove evidence")
            if actor is not None and write(
                loop.remove_issue_evidence,
                "Evidence removed.",
                issue_id=issue_id,
                conversation_id=conversation.conversation_id,
                actor_id=actor,
            ):
                st.rerun()
    more = st.text_input("Add evidence (conversation ids)", key=f"add_ev_{issue_id}")
    if st.button("Add", key=f"add_ev_btn_{issue_id}") and more.strip():
        actor = require_member("add evidence")
        if (
            actor is not None
            and write(
                loop.add_issue_evidence,
                "Evidence added.",
                issue_id=issue_id,
                conversation_ids=parse_ids(more),
                actor_id=actor,
            )
            is not None
        ):
            st.rerun()

    st.markdown("**Did the fix work?**")
    if issue["status"] != "resolved":
        st.caption("Once the issue is resolved, this compares the rate of what it is about before and after the fix.")
        return
    if not impact:
        st.caption("Link the issue to a tag, topic or signal to measure the fix.")
        return
    st.number_input("Weeks on each side", min_value=1, max_value=26, value=4, key="impact_weeks")
    for rate in impact:
        st.markdown(
            f"*{rate.measure.capitalize()}*, {rate.weeks} weeks before vs after {issue['resolved_at']:%Y-%m-%d}"
        )
        before, after, change = st.columns(3)
        before.metric(
            "Before",
            "—" if rate.before_rate is None else f"{rate.before_rate:.1%}",
            help=f"{rate.before_hits} of {rate.before_n} conversations",
        )
        after.metric(
            "After",
            "—" if rate.after_rate is None else f"{rate.after_rate:.1%}",
            help=f"{rate.after_hits} of {rate.after_n} conversations",
        )
        if rate.difference:
            diff, low, high = rate.difference
            interval = f"{rate.confidence:.0%} interval {points(low)} to {points(high)}"
            change.metric("Change", points(diff), help=interval)
            st.caption(
                f"{rate.before_hits}/{rate.before_n} before, {rate.after_hits}/{rate.after_n} after; "
                f"{interval} of the change (Newcombe). " + rate.verdict
            )
        else:
            st.caption(rate.verdict)


st.title("Issues")
show_flash()
prefill = st.query_params.get("conversation", "")
with st.expander("Open an issue", expanded=bool(prefill), icon=":material/add:"):
    new_issue_form(prefill)
frame = issue_list()
everything = load_issues(db_key())  # labels for every issue, so a picked issue the filters hide keeps its label
labels = {int(r.id): f"#{r.id} {r.title}" for r in everything.itertuples()}
wanted = st.query_params.get("id", "")
if wanted and "issue_pick" not in st.session_state and not (wanted.isdigit() and int(wanted) in labels):
    st.warning(f"No issue #{wanted}.", icon=":material/search_off:")
if labels:
    listed = [int(i) for i in frame["id"]]
    picked = pick_id("Issue", listed, labels, key="issue_pick", param="id", placeholder="Pick an issue to follow it up")
    if picked is not None:
        issue_detail(picked)
