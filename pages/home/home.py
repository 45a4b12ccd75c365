"""Home: what the team sees first — the workspace at a glance and where to look this week."""

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from reviewlab.db import session_scope
from reviewlab.store.home import follow_ups_due, look_here_first, review_session_card, workspace_summary
from reviewlab.ui.shell import get_engine

IMPORT_PAGE = "pages/admin/import_logs.py"
READER_PAGE = "pages/review/reader.py"
EXPLORER_PAGE = "pages/review/conversations.py"
ISSUES_PAGE = "pages/loop/issues.py"
DECISIONS_PAGE = "pages/loop/decisions.py"
SESSIONS_PAGE = "pages/loop/sessions.py"


@st.cache_data(ttl=60, show_spinner=False)
def load_home(url_key: str):
    with session_scope(get_engine()) as session:
        return (
            workspace_summary(session=session),
            look_here_first(session=session),
            follow_ups_due(session=session),
            review_session_card(session=session),
        )


def link(page: str, label: str, **kwargs) -> bool:
    """A link to another page, drawn only when that page is registered in app.py (no dead links)."""
    try:
        st.page_link(page, label=label, **kwargs)
    except StreamlitPageNotFoundError:
        return False
    return True


def show_get_started() -> None:
    st.info("This workspace has no conversations yet. Bring some in to start reviewing.", icon=":material/info:")
    st.markdown(
        "- **Your own logs**: upload an export on the Import page, or run `reviewlab import PATH…` "
        "(OpenAI chat JSONL, ShareGPT, CSV, Langfuse, OpenTelemetry GenAI spans, Human/Assistant transcripts).\n"
        "- **Try it first**: `reviewlab demo` fills this database with a synthetic demo workspace; "
        "`make run` does that by itself on a brand-new database."
    )
    link(IMPORT_PAGE, "Import conversation logs", icon=":material/upload:")


def show_metrics(summary) -> None:
    conversations, last_import, reviewed, issues = st.columns(4)
    conversations.metric(
        "Conversations",
        f"{summary.conversations:,}",
        help=f"{summary.messages:,} messages from {summary.users:,} users",
    )
    if summary.last_import_at is not None:
        last_import.metric(
            "Last import",
            summary.last_import_at.strftime("%d %b %Y"),
            help=f"{summary.last_import_file}: {summary.last_import_added:,} conversations added",
        )
    else:
        last_import.metric("Last import", "—", help="No completed import yet")
    share = summary.window_reviewed_share
    window = "this week" if summary.window_is_current else f"week to {summary.window_end:%d %b %Y} (latest data)"
    reviewed.metric(
        "Reviewed " + ("this week" if summary.window_is_current else "in the latest week"),
        "—" if share is None else f"{share:.0%}",
        help=f"{summary.window_reviewed:,} of {summary.window_conversations:,} conversations started {window} "
        "have a tag or a judgement",
    )
    issues.metric(
        "Open issues",
        f"{summary.open_issues:,}",
        help=f"{summary.urgent_open_issues:,} of high or critical severity",
    )
    st.caption(
        f"The team reviewed {summary.reviewed_last_7_days:,} conversations in the last 7 days "
        f"({summary.reviewers_last_7_days:,} reviewers)."
    )
    if summary.open_issues:
        link(ISSUES_PAGE, f"{summary.open_issues:,} open issues", icon=":material/bug_report:")


def show_look_here_first(frame: pd.DataFrame, basis: str) -> None:
    st.subheader("Look here first")
    if basis == "none":
        st.caption(
            "No recent unreviewed conversation stands out yet. Run `reviewlab analyze` to compute frustration "
            "signals, or browse the conversations."
        )
        link(EXPLORER_PAGE, "Browse conversations", icon=":material/forum:")
        return
    st.caption(
        "Recent conversations nobody has reviewed yet, "
        + ("most frustrated users first." if basis == "frustration" else "with a thumbs-down from the user.")
    )
    for row in frame.itertuples():
        score = f"frustration {row.frustration:.2f}" if basis == "frustration" else "thumbs-down"
        started = "" if pd.isna(row.started_at) else f"{row.started_at:%d %b %H:%M}"
        with st.container(border=True):
            # Only our own metadata goes in the label; the user's words are shown as plain text below.
            label = " · ".join(part for part in (score, started) if part)
            if not link(READER_PAGE, f"Open ({label})", icon=":material/chat:", query_params={"id": row.id}):
                st.write(label)
            st.text(row.preview or "(no user message)")


def show_follow_ups(frame: pd.DataFrame) -> None:
    st.subheader("Follow-ups due")
    if frame.empty:
        st.caption("No decision is waiting for its follow-up.")
        return
    st.caption("Decisions whose follow-up date has come: did the change work?")
    for row in frame.itertuples():
        with st.container(border=True):
            st.text(row.title)
            overdue = "due today" if row.days_overdue == 0 else f"{row.days_overdue} days overdue"
            owner = row.owner if isinstance(row.owner, str) else "no owner"
            st.caption(f"{overdue} · follow up on {row.follow_up_on:%d %b %Y} · {owner}")
    link(DECISIONS_PAGE, "Follow up in Decisions", icon=":material/gavel:")


def show_review_session(card) -> None:
    st.subheader("Review session")
    if card is None:
        st.caption("No review session yet. A weekly hour reading real conversations together is the habit to build.")
        link(SESSIONS_PAGE, "Plan a review session", icon=":material/groups:")
        return
    heading = {"running": "Running now", "next": "Next", "last": "Last"}[card.when]
    st.markdown(f"**{heading}:** {card.held_at:%a %d %b %Y, %H:%M} UTC")
    st.text(card.title)
    facts = [f"{card.attendees} attendees"]
    if card.facilitator:
        facts.append(f"facilitated by {card.facilitator}")
    if card.assigned:
        facts.append(f"{card.assigned_done} of {card.assigned} assigned reviews done")
    st.caption(" · ".join(facts))
    link(SESSIONS_PAGE, "Go to review sessions", icon=":material/groups:")


st.title("ReviewLab")
summary, (hot, basis), follow_ups, review_session = load_home(str(get_engine().url))
if summary.is_empty:
    show_get_started()
else:
    show_metrics(summary)
    left, right = st.columns([3, 2], gap="large")
    with left:
        show_look_here_first(hot, basis)
    with right:
        show_follow_ups(follow_ups)
        show_review_session(review_session)
