"""The app shell: navigation, identity, every registered page runs on its own."""

import re

from reviewlab.db import session_scope
from reviewlab.store.people import create_member
from tests.conftest import ROOT

PAGE_FILES = sorted(re.findall(r'st\.Page\(\s*"([^"]+)"', (ROOT / "app.py").read_text()))


def test_no_page_script_stands_directly_in_pages():
    # A .py directly in pages/ turns on Streamlit's MPA v1 and breaks deep links (DESIGN.md, Pitfalls).
    assert not list((ROOT / "pages").glob("*.py"))


def test_every_registered_page_exists_and_runs(open_page):
    assert PAGE_FILES
    for page in PAGE_FILES:
        assert (ROOT / page).exists(), page
        open_page(page)


def test_identity_picker_lists_active_members(engine, open_page):
    with session_scope(engine, write=True) as s:
        ada = create_member(session=s, name="Ada", email="ada@example.com", function="engineering", side="builder")
        bo = create_member(session=s, name="Bo", email="bo@example.com", function="support", side="business")
    at = open_page(PAGE_FILES[0], member_id=ada.id)
    picker = at.sidebar.selectbox(key="member_picker")
    assert picker.value == ada.id and picker.options == ["Ada (engineering)", "Bo (support)"]
    picker.set_value(bo.id).run()
    assert at.session_state["member_id"] == bo.id and at.sidebar.selectbox(key="member_picker").value == bo.id


def test_serve_keeps_everything_on_the_server_unless_told_otherwise():
    from streamlit.web.cli import main as streamlit_main

    from reviewlab.serve import DEFAULT_OPTIONS, streamlit_argv

    assert streamlit_argv(["--browser.gatherUsageStats", "true"]) == [
        "streamlit", "run", str(ROOT / "app.py"),
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",  # defaults first…
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "true",  # …so the user's own option (the last one given) wins
    ]  # fmt: skip
    known = {opt for param in streamlit_main.commands["run"].params for opt in param.opts}
    assert set(DEFAULT_OPTIONS[::2]) <= known  # Streamlit really has these options
