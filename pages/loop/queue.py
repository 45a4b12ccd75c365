"""My queue: the conversations assigned to me for review sessions, and my progress; facilitators see everyone's."""

import pandas as pd
import streamlit as st

from reviewlab.db import session_scope
from reviewlab.loop.sessions import session_label
from reviewlab.store import loop
from reviewlab.ui.loop import db_key, progress_table, reader_link, show_flash, write
from reviewlab.ui.shell import current_member_id, get_engine

HOW = {"judged": "judged", "tagged": "tagged", "marked": "marked done"}


@st.cache_data(ttl=15, show_spinner=False)
def load_queue(db: str, member_id: int) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """My assignments, and the progress of every session I facilitate."""
    with session_scope(get_engine()) as session:
        mine = loop.assignments_frame(session=session, member_id=member_id)
        facilitated = [m for m in loop.list_sessions(session=session) if m.facilitator_id == member_id]
        progress = {
            session_label(m.held_at, m.title): loop.progress_frame(session=session, meeting_id=m.id)
            for m in facilitated
            if m.status != "done"
        }
    return mine, progress


def how_done(row) -> str:
    ways = [name for name, flag in (("judged", row.judged), ("tagged", row.tagged)) if flag]
    if pd.notna(row.done_at):
        ways.append("marked")
    return ", ".join(HOW[w] for w in ways)


st.title("My queue")
show_flash()
member_id = current_member_id()
if member_id is None:
    st.info("Pick who you are in the sidebar to see the conversations assigned to you.", icon=":material/person:")
    st.stop()

mine, facilitated = load_queue(db_key(), member_id)
if mine.empty:
    st.info("Nothing assigned to you. Assignments appear when a facilitator plans a review session.")
else:
    show_done_sessions = st.toggle("Show finished sessions", key="queue_show_done")
    if not show_done_sessions:
        mine = mine[mine["meeting_status"] != "done"]
    for _, rows in mine.groupby("meeting_id", sort=False):
        first = rows.iloc[0]
        done = int(rows["done"].sum())
        st.subheader(session_label(first["held_at"], first["meeting_title"]))
        st.progress(done / len(rows), text=f"{done} of {len(rows)} reviewed")
        for number, row in enumerate(rows.itertuples(), start=1):  # numbered within my queue
            mark, text, link, action = st.columns([1, 5, 3, 2], vertical_alignment="center")
            mark.markdown(":material/check_circle:" if row.done else ":material/radio_button_unchecked:")
            started = f"{row.started_at:%Y-%m-%d}" if pd.notna(row.started_at) else "undated"
            status = f"done ({how_done(row)})" if row.done else "to review"
            text.markdown(
                f"#{number} · `{row.conversation_id[:12]}` · {started} · {row.n_messages} messages · {status}"
            )
            with link:
                reader_link(row.conversation_id, "Read and tag", within=rows["conversation_id"].tolist())
            if not row.done:
                if action.button("Mark done", key=f"done_{row.id}"):
                    if write(loop.mark_assignment_done, "Marked done.", assignment_id=int(row.id), actor_id=member_id):
                        st.rerun()
            elif pd.notna(row.done_at) and action.button("Undo", key=f"undo_{row.id}"):
                if write(
                    loop.mark_assignment_done,
                    "Marked not done.",
                    assignment_id=int(row.id),
                    done=False,
                    actor_id=member_id,
                ):
                    st.rerun()
    if mine.empty:
        st.caption("All your sessions are finished.")

if facilitated:
    st.header("Sessions you facilitate")
    for title, progress in facilitated.items():
        st.subheader(title)
        progress_table(progress)
