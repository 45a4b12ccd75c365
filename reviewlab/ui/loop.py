"""Streamlit pieces shared by the weekly-loop pages (sessions, queue, meetings, issues, decisions)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from reviewlab.config import get_settings
from reviewlab.db import session_scope
from reviewlab.safetext import safe_markdown
from reviewlab.store.conversations import SIMILARITY
from reviewlab.ui.shell import current_member_id, get_engine, write_or_explain

READER_PAGE = "pages/review/reader.py"
ISSUES_PAGE = "pages/loop/issues.py"
DECISIONS_PAGE = "pages/loop/decisions.py"
SESSIONS_PAGE = "pages/loop/sessions.py"
_FLASH = "loop_flash"
_FORM_ROUND = "form_round_"  # + form name: how many times the form was cleared
MISSING = "—"  # how a table or caption shows a missing value
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


def reader_link(conversation_id: str, label: str | None = None, *, within: list[str] | None = None) -> bool:
    """A link to the reader; with `within`, its previous / next walk those conversations in that order."""
    label = label or f"Open {conversation_id[:10]}…"
    params: dict[str, str | list[str]] = {"id": conversation_id}
    if within:
        params |= {"ids": within, "sort": SIMILARITY}  # the similarity sort keeps the order of `ids`
    return page_link(READER_PAGE, label, icon=":material/chat:", query_params=params)


def require_member(action: str) -> int | None:
    """The acting member, or None after a warning: every write records who made it."""
    member_id = current_member_id()
    if member_id is None:
        st.warning(f"Pick who you are in the sidebar to {action}.", icon=":material/person:")
    return member_id


def write(action, message: str | Callable[[Any], str], **kwargs):
    """Run one store write in its own transaction. On success: clear the read caches, keep `message` (or
    `message(result)`) for the next run and return the action's result, or True when it returns nothing or nothing
    truthy (0 rows changed is still a success). On a refused input: show why, return None."""
    ok, result = write_or_explain(action, **kwargs)
    if not ok:
        return None
    flash(message(result) if callable(message) else message)
    if result is None or (isinstance(result, (int, list, tuple)) and not result):
        return True  # nothing returned, or nothing changed: still a success
    return result


def flash(message: str) -> None:
    """A success message shown once, after the rerun that follows a write."""
    st.session_state[_FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def form_keys(form: str) -> Callable[[str], str]:
    """Keys for the inputs of create form `form` (drawn with clear_on_submit=False, so a refused write keeps what
    was typed): each name as is until `clear_form(form)`, then suffixed with a new round. Fresh keys make the browser
    draw fresh, empty widgets; deleting a key from st.session_state would not: the browser keeps showing, and sends
    back, what was typed."""
    round_ = st.session_state.get(_FORM_ROUND + form, 0)
    return lambda name: f"{name}__{round_}" if round_ else name


def clear_form(form: str) -> None:
    """Empty `form`'s inputs from the next run on: call after a successful write, before st.rerun()."""
    st.session_state[_FORM_ROUND + form] = st.session_state.get(_FORM_ROUND + form, 0) + 1


@st.cache_data(ttl=60, show_spinner=False)
def members_table(db: str) -> pd.DataFrame:
    from reviewlab.store.people import members_frame

    with session_scope(get_engine()) as session:
        return members_frame(session=session, include_inactive=False)


def is_missing(value) -> bool:
    """None, NaN or NaT: pandas turns a missing value into any of them."""
    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))


def text_or(value, default: str = MISSING) -> str:
    """`value` as text, or `default` when it is missing or empty (never "nan" or "None")."""
    return default if is_missing(value) or value == "" else str(value)


def day_text(value) -> str:
    """A date (or datetime) as 2026-12-03, or "—"."""
    return MISSING if is_missing(value) else f"{value:%Y-%m-%d}"


def table(frame: pd.DataFrame, columns: dict[str, Any], **kwargs) -> None:
    """`frame`'s `columns` (name → label or st.column_config), in that order, without the index; missing text shows
    as "—" (Streamlit would show a grey "None")."""
    shown = frame[list(columns)].copy()
    for name in shown.columns:
        column = shown[name]
        is_text = column.dtype == object and all(isinstance(v, str) for v in column.dropna())
        if is_text or isinstance(column.dtype, pd.StringDtype):
            shown[name] = column.map(text_or).astype(object)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=columns, **kwargs)


def progress_table(progress: pd.DataFrame) -> None:
    """Each reviewer's progress on a session (`store.loop.progress_frame`)."""
    table(
        progress,
        {
            "member_name": "Reviewer",
            "assigned": st.column_config.NumberColumn("Assigned"),
            "done": st.column_config.NumberColumn("Done"),
            "share_done": st.column_config.ProgressColumn("Share done", min_value=0, max_value=1, format="percent"),
        },
    )


def pick_id(
    label: str, ids: list[int], labels: dict[int, str], *, key: str, param: str, placeholder: str | None = None
) -> int | None:
    """A selectbox of ids (`labels` show them) whose pick survives reruns and is kept in the URL (`?param=<id>`).

    Options are ids, never labels. The URL opens a pick on the first run (a deep link); a pick the list no longer
    holds (filtered out) stays shown, first; an unknown one falls back to none (or to the first id without a
    placeholder). The browser sends back the label it last showed, which is stale once a rerun relabels the
    options, so the pick is read before the widget is drawn (with the labels it was shown with) and written back
    as an id.
    """
    state = st.session_state
    if key in state:
        current = state[key]
    else:
        wanted = st.query_params.get(param, "")
        current = int(wanted) if wanted.isdigit() else None
    if not isinstance(current, int) or current not in labels:
        current = None
    options = list(ids)
    if current is not None and current not in options:
        options.insert(0, current)
    if current is None and placeholder is None and options:
        current = options[0]
    state[key] = current
    picked = st.selectbox(
        label,
        options,
        format_func=lambda i: labels.get(i, f"#{i}"),
        index=0 if placeholder is None else None,
        placeholder=placeholder,
        key=key,
    )
    if picked is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(picked)
    return picked


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
