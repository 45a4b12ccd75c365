"""Streamlit pieces shared by the weekly-loop pages (sessions, queue, meetings, issues, decisions)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from reviewlab.config import get_settings
from reviewlab.db import session_scope
from reviewlab.safetext import safe_markdown
from reviewlab.ui.shell import current_member_id, get_engine, run_write

READER_PAGE = "pages/review/reader.py"
ISSUES_PAGE = "pages/loop/issues.py"
DECISIONS_PAGE = "pages/loop/decisions.py"
SESSIONS_PAGE = "pages/loop/sessions.py"
_FLASH = "loop_flash"
_ROLE_AVATAR = {"user": "user", "assistant": "assistant", "system": ":material/settings:", "tool": ":material/build:"}


def db_key() -> str:
    """Part of every cached read's key, so two databases (tests) never share cached frames."""
    return get_settings().database_url


def page_link(page: str, label: str, **kwargs) -> bool:
    """A link to another page, drawn only when that page is registered in app.py (no dead links)."""
    try:
        st.page_link(page, label=label, **kwargs)
    except StreamlitPageNotFoundError:
        return False
    return True


def reader_link(conversation_id: str, label: str | None = None) -> bool:
    label = label or f"Open {conversation_id[:10]}…"
    return page_link(READER_PAGE, label, icon=":material/chat:", query_params={"id": conversation_id})


def require_member(action: str) -> int | None:
    """The acting member, or None after a warning: every write records who made it."""
    member_id = current_member_id()
    if member_id is None:
        st.warning(f"Pick who you are in the sidebar to {action}.", icon=":material/person:")
    return member_id


def write(action, message: str, **kwargs):
    """Run one store write in its own transaction. On success: clear the read caches, keep `message` for the next
    run and return the action's result (True when it returns nothing). On a refused input: show why, return None."""
    try:
        result = run_write(action, **kwargs)
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return None
    flash(message)
    return True if result is None else result


def flash(message: str) -> None:
    """A success message shown once, after the rerun that follows a write."""
    st.session_state[_FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


@st.cache_data(ttl=60, show_spinner=False)
def members_table(db: str) -> pd.DataFrame:
    from reviewlab.store.people import members_frame

    with session_scope(get_engine()) as session:
        return members_frame(session=session, include_inactive=False)


def members() -> pd.DataFrame:
    return members_table(db_key())


def member_labels(frame: pd.DataFrame, *, with_function: bool = True) -> dict[int, str]:
    if with_function:
        return {int(r.id): f"{r.name} — {r.function} ({r.side})" for r in frame.itertuples()}
    return {int(r.id): r.name for r in frame.itertuples()}


def at_utc(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=UTC)


def parse_ids(text: str) -> list[str]:
    """Conversation ids pasted one per line, or separated by commas or spaces."""
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def show_transcript(messages: list[tuple[str, str]], *, height: int = 420) -> None:
    """(role, content) pairs as chat bubbles; the text is untrusted, so no HTML and no image can render."""
    with st.container(height=height):
        for role, content in messages:
            with st.chat_message(role, avatar=_ROLE_AVATAR.get(role)):
                st.markdown(safe_markdown(content))
