"""Page shell: one engine per database URL, the reviewer's identity, cache invalidation after writes."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from reviewlab.config import get_settings
from reviewlab.db import make_engine
from reviewlab.store.setup import ensure_ready

MEMBER_KEY = "member_id"


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


def after_write() -> None:
    """Call after every write so cached reads never show stale data."""
    st.cache_data.clear()
