"""Page shell: one engine per database URL, the reviewer's identity, the one way pages write, and cache
invalidation after writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from reviewlab.config import get_settings
from reviewlab.db import is_transient, make_engine, run_in_transaction
from reviewlab.store.setup import ensure_ready

MEMBER_KEY = "member_id"  # who this browser session acts as (a plain session key, see app.py)
MEMBER_PICKER = "member_picker"  # the sidebar widget that sets it
WRITE_RETRIES = 2  # on SQLite each try already waits up to the 30 s busy timeout
BUSY_MESSAGE = ("The database is busy (an import or another write is still running), so nothing was saved. "
                "Try again in a moment.")
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    ensure_ready(engine)
    return engine


def get_engine() -> Engine:
    """The app's engine, migrated on first use. Keyed by URL so tests can point at their own database."""
    return _engine_for(get_settings().database_url)


def current_member_id() -> int | None:
    """The member this browser session acts as (picked in the sidebar), or None."""
    return st.session_state.get(MEMBER_KEY)


def run_write(action: Callable[..., T], **kwargs) -> T:
    """Run one store write, `action(session=…, **kwargs)`, in its own transaction and clear the read caches.

    A transient conflict (a PostgreSQL deadlock, SQLite busy) is retried from scratch; if the database is still
    busy after that, a ValueError with a plain message is raised, as for a refused input, so pages show one kind of
    error and nothing is half-written.
    """
    try:
        result = run_in_transaction(get_engine(), lambda session: action(session=session, **kwargs),
                                    retries=WRITE_RETRIES)
    except DBAPIError as error:
        if is_transient(error):
            raise ValueError(BUSY_MESSAGE) from error
        raise
    after_write()
    return result


def write_or_explain(action: Callable[..., T], **kwargs) -> tuple[bool, T | None]:
    """`run_write`, showing a refused write's reason on the page: (True, result), or (False, None) after an error."""
    try:
        return True, run_write(action, **kwargs)
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return False, None


def after_write() -> None:
    """Call after every write so cached reads never show stale data."""
    st.cache_data.clear()
