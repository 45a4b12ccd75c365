"""A review session in a real browser, from plan to wrap-up: plan a sample, walk it, open an issue, finish."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Issue, IssueEvidence, Meeting, ReviewAssignment
from tests.browser.conftest import open_app, wait_for_app
from tests.loop_data import T0, add_conversation, add_members

pytestmark = pytest.mark.browser


def _team_and_conversations(engine) -> None:
    with session_scope(engine, write=True) as s:
        add_members(s)
        for i in range(6):
            add_conversation(s, f"b{i}", started_at=T0 + timedelta(hours=i), text=f"<b>question</b> {i}")


def _pick(page, container, option: str) -> None:
    """Open a Streamlit selectbox or multiselect and click one of its options."""
    container.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_session_from_plan_to_wrap_up(live_app, browser_page):
    app = live_app(seed=_team_and_conversations)
    page = browser_page
    open_app(page, f"{app.url}/sessions")
    assert page.get_by_role("dialog").count() == 0  # a first-request deep link lands cleanly (test_deep_link.py)
    sidebar = page.get_by_test_id("stSidebar")
    _pick(page, sidebar.get_by_test_id("stSelectbox"), "Ada (engineering)")

    main = page.get_by_test_id("stMain")
    attendees = main.get_by_test_id("stMultiSelect").filter(has_text="Attendees")
    _pick(page, attendees, "Ada — engineering (builder)")
    expect(main.get_by_text("No business member is invited")).to_be_visible()
    _pick(page, attendees, "Cy — business (business)")
    page.keyboard.press("Escape")
    expect(main.get_by_text("No business member is invited")).to_have_count(0)
    size = main.get_by_label("Conversations", exact=True)
    size.fill("2")
    size.press("Enter")
    wait_for_app(page)
    main.get_by_role("button", name="Plan the session").click()
    wait_for_app(page)

    # The run view: the first conversation, its text shown as text (the <b> tag is not rendered as HTML).
    page.get_by_text("Conversation 1 of 2").wait_for()
    first_message = main.get_by_test_id("stChatMessage").first
    first_message.wait_for()
    assert "<b>question</b>" in first_message.inner_text().replace("\u200b", "")
    assert main.locator("b", has_text="question").count() == 0
    main.get_by_role("button", name="Mark reviewed together").click()
    wait_for_app(page)

    main.get_by_text("Open an issue from this conversation").click()
    form = main.get_by_test_id("stForm").filter(has_text="Open the issue")
    form.get_by_label("Title").fill("Bold tags leak into answers")
    form.get_by_role("button", name="Open the issue").click()
    wait_for_app(page)
    page.get_by_text("Issue opened.").wait_for()

    main.get_by_text("Wrap-up", exact=True).click()
    wait_for_app(page)
    main.get_by_text("Conversations reviewed: 1 of 2").first.wait_for()
    expect(main.get_by_role("button", name="Download the summary (Markdown)")).to_be_visible()
    main.get_by_role("button", name="Finish the session").click()
    wait_for_app(page)
    page.get_by_text("Session done.").wait_for()
    assert not page.errors, page.errors

    with session_scope(app.engine) as s:
        meeting = s.exec(select(Meeting)).one()
        assignments = s.exec(select(ReviewAssignment)).all()
        issue = s.exec(select(Issue)).one()
        evidence = s.exec(select(IssueEvidence)).one()
    assert meeting.status == "done" and meeting.discussed_user_behaviour and meeting.kind == "review_session"
    assert len(assignments) == 2 and sum(a.done_at is not None for a in assignments) == 1
    assert (issue.title, issue.meeting_id) == ("Bold tags leak into answers", meeting.id)
    first = next(a for a in assignments if a.position == 0)
    assert evidence.conversation_id == first.conversation_id and first.done_at is not None
