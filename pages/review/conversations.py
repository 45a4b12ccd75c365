"""Conversations explorer: filter, search, sort and page through the logs; pick a row to read it."""

import importlib.util

import streamlit as st

from reviewlab.db import session_scope
from reviewlab.store.conversations import neighbours
from reviewlab.ui.filters import (
    PAGE_SIZE,
    conversation_page,
    filter_panel,
    remember_url,
    resolve,
    shown_rows,
    view_from_url,
)
from reviewlab.ui.shell import current_member_id, get_engine

READER = "pages/review/reader.py"
SEMANTIC_SEARCH = importlib.util.find_spec("reviewlab.store.analytics") is not None  # embeddings (analytics) present
COLUMNS = {
    "started_at": st.column_config.TextColumn("Started (UTC)"),
    "preview": st.column_config.TextColumn("First user message", width="large"),
    "tags": st.column_config.TextColumn("Tags"),
    "n_reviewers": st.column_config.NumberColumn("Reviewers", format="%d"),
    "n_messages": st.column_config.NumberColumn("Msgs", format="%d"),
    "frustration": st.column_config.ProgressColumn("Frustration", min_value=0.0, max_value=1.0, format="%.2f"),
    "explicit_feedback": st.column_config.TextColumn("Feedback"),
    "product_area": "Area",
    "variant": "Variant",
    "user_id": "User",
    "topic": "Topic",
    "source": "Source",
}

st.title("Conversations")

view = filter_panel(view_from_url(), semantic_available=SEMANTIC_SEARCH)
frame, total = conversation_page(view)
pages = max(1, -(-total // PAGE_SIZE))
if view.page >= pages:
    view.page = pages - 1
    frame, total = conversation_page(view)
remember_url(view)


def open_conversation(conversation_id: str) -> None:
    st.switch_page(READER, query_params={**view.to_query_params(), "id": conversation_id})


head = st.columns([3, 1], vertical_alignment="center")
listed = "conversation" + ("" if total == 1 else "s")
if view.semantic and view.filters.text:
    listed += " closest in meaning"
head[0].caption(f"{total:,} {listed} · page {view.page + 1} of {pages}")
if head[1].button("Review next unreviewed", icon=":material/play_arrow:", disabled=total == 0, width="stretch",
                  help="Open the first conversation in this list that you have not tagged or judged yet."):  # fmt: skip
    with session_scope(get_engine()) as session:
        first = neighbours(session=session, filters=resolve(view), conversation_id=None, sort=view.sort,
                           descending=view.descending, member_id=current_member_id())["next_unreviewed"]  # fmt: skip
    if first is None:
        st.success("Every conversation in this list has been reviewed.")
    else:
        open_conversation(first)

if total == 0:
    st.info("No conversation matches these filters. Loosen them, or import logs under Admin › Import.")
else:
    event = st.dataframe(
        shown_rows(frame),
        column_order=list(COLUMNS),
        column_config=COLUMNS,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="explorer_table",
        width="stretch",
    )
    if event.selection.rows:
        open_conversation(frame.iloc[event.selection.rows[0]]["id"])
    st.caption("Select a row to read the conversation.")

if pages > 1:
    nav = st.columns([1, 1, 4])
    if nav[0].button("Previous page", disabled=view.page == 0, width="stretch"):
        view.page -= 1
        remember_url(view)
        st.rerun()
    if nav[1].button("Next page", disabled=view.page >= pages - 1, width="stretch"):
        view.page += 1
        remember_url(view)
        st.rerun()
