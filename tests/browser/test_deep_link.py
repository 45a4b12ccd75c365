"""Regression: after a restart, the first request being a deep link runs app.py and lands on the page, with no
"Page not found" detour (DESIGN.md, Pitfalls)."""

import pytest

from reviewlab.db import session_scope
from reviewlab.store.people import create_member
from tests.browser.conftest import open_app

pytestmark = pytest.mark.browser


def _one_member(engine) -> None:
    with session_scope(engine, write=True) as s:
        create_member(session=s, name="Ada Lovelace", email="ada@example.com", function="engineering", side="builder")


def test_first_request_deep_link_shows_page_inside_app_frame(live_app, browser_page):
    app = live_app(seed=_one_member)
    page = browser_page
    open_app(page, f"{app.url}/conversations")
    page.wait_for_timeout(500)  # a "Page not found" dialog arrives with the first script run

    assert page.url.rstrip("/").endswith("/conversations")
    # Streamlit shows "Page not found" when it ran the first request as a v1 multipage app (a pages/ folder
    # beside app.py) before app.py's st.navigation registered the pages.
    assert page.get_by_role("dialog").count() == 0, page.get_by_role("dialog").first.inner_text()
    # The page itself ran...
    assert page.get_by_role("heading", name="Conversations").is_visible()
    # ...inside app.py's frame: its navigation and the identity picker it draws are in the sidebar.
    sidebar = page.get_by_test_id("stSidebar")
    nav = sidebar.get_by_test_id("stSidebarNav")
    assert nav.get_by_role("link", name="Home").is_visible()
    assert nav.get_by_role("link", name="Conversations").is_visible()
    assert sidebar.get_by_text("Who are you?").is_visible()
    assert not page.errors, page.errors
