"""ReviewLab entry point: page config, database, identity and navigation.

Every page script lives in a section folder under pages/ and is registered here, so app.py always runs first,
even on a deep link (see DESIGN.md, Pitfalls).
"""

import streamlit as st

from reviewlab.db import session_scope
from reviewlab.store.people import list_members
from reviewlab.ui.shell import MEMBER_KEY, MEMBER_PICKER, get_engine

# An emoji favicon: a ":material/…:" page icon would be fetched from fonts.gstatic.com (nothing leaves the server).
st.set_page_config(page_title="ReviewLab", page_icon="💬", layout="wide")

PAGES = {
    "": [
        st.Page("pages/home/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    ],
    "Review": [
        st.Page(
            "pages/review/conversations.py", title="Conversations", icon=":material/forum:", url_path="conversations"
        ),
        st.Page("pages/review/reader.py", title="Read a conversation", icon=":material/chat:", url_path="conversation"),
        st.Page("pages/review/taxonomy.py", title="Taxonomy & team", icon=":material/sell:", url_path="taxonomy"),
        st.Page("pages/review/export.py", title="Export", icon=":material/download:", url_path="export"),
    ],
    "Weekly loop": [
        st.Page("pages/loop/sessions.py", title="Review sessions", icon=":material/groups:", url_path="sessions"),
        st.Page("pages/loop/queue.py", title="My queue", icon=":material/checklist:", url_path="queue"),
        st.Page("pages/loop/issues.py", title="Issues", icon=":material/bug_report:", url_path="issues"),
        st.Page("pages/loop/decisions.py", title="Decisions", icon=":material/gavel:", url_path="decisions"),
        st.Page("pages/loop/meetings.py", title="Meetings log", icon=":material/event:", url_path="meetings"),
    ],
    "Insights": [
        st.Page("pages/insights/signals.py", title="Signals", icon=":material/sentiment_dissatisfied:",
                url_path="signals"),
        st.Page("pages/insights/topics.py", title="Topics", icon=":material/category:", url_path="topics"),
        st.Page("pages/insights/segments.py", title="User segments", icon=":material/group_work:",
                url_path="segments"),
        st.Page("pages/insights/alerts.py", title="Alerts", icon=":material/notifications:", url_path="alerts"),
    ],
    "Culture": [
        st.Page("pages/culture/dashboard.py", title="Culture indicators", icon=":material/monitoring:",
                url_path="dashboard"),
    ],
    "Admin": [
        st.Page("pages/admin/import_logs.py", title="Import", icon=":material/upload:", url_path="import"),
    ],
}

engine = get_engine()
navigation = st.navigation(PAGES, expanded=True)

with st.sidebar:
    with session_scope(engine) as session:
        members = list_members(session=session)
    if members:
        ids = [m.id for m in members]
        labels = {m.id: f"{m.name} ({m.function})" for m in members}
        # The identity lives in a plain session key: Streamlit drops a widget's value when a page switches
        # with st.switch_page (e.g. a row of the explorer opening the reader), a plain key survives.
        current = st.session_state.get(MEMBER_KEY)
        st.session_state[MEMBER_PICKER] = current if current in ids else None
        st.selectbox(
            "Who are you?",
            ids,
            format_func=labels.get,
            key=MEMBER_PICKER,
            on_change=lambda: st.session_state.update({MEMBER_KEY: st.session_state[MEMBER_PICKER]}),
            placeholder="Pick your name",
        )
    else:
        st.caption("No team members yet: add them under Taxonomy & team.")

navigation.run()
