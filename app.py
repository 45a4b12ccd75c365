"""ReviewLab entry point: page config, database, identity and navigation.

Every page script lives in a section folder under pages/ and is registered here, so app.py always runs first,
even on a deep link (see DESIGN.md, Pitfalls).
"""

import streamlit as st

from reviewlab.db import session_scope
from reviewlab.store.people import list_members
from reviewlab.ui.shell import MEMBER_KEY, get_engine

st.set_page_config(page_title="ReviewLab", page_icon=":material/forum:", layout="wide")

PAGES = {
    "": [
        st.Page("pages/home/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    ],
    "Review": [
        st.Page(
            "pages/review/conversations.py", title="Conversations", icon=":material/forum:", url_path="conversations"
        ),
    ],
    "Admin": [
        st.Page("pages/admin/import_logs.py", title="Import", icon=":material/upload:", url_path="import"),
    ],
}

engine = get_engine()
navigation = st.navigation(PAGES)

with st.sidebar:
    with session_scope(engine) as session:
        members = list_members(session=session)
    if members:
        ids = [m.id for m in members]
        labels = {m.id: f"{m.name} ({m.function})" for m in members}
        current = st.session_state.get(MEMBER_KEY)
        st.selectbox(
            "Who are you?",
            ids,
            index=ids.index(current) if current in ids else None,
            format_func=labels.get,
            key=MEMBER_KEY,
            placeholder="Pick your name",
        )
    else:
        st.caption("No team members yet: add them under Taxonomy & team.")

navigation.run()
