"""The conversation reader in a real browser: tagging survives a reload; hostile content stays inert text."""

from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.ingest import ConversationRecord, MessageRecord, conversation_id, import_records
from reviewlab.models import Annotation, Message, Tag
from reviewlab.store.people import create_member
from tests.browser.conftest import open_app, wait_for_app

pytestmark = pytest.mark.browser

SOURCE = "browser-test"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REMOTE = "203.0.113.9"  # TEST-NET-3: never a real host
SCRIPT = "<script>window.__xss=1;alert('script')</script>"
IMG = "<img src=x onerror=\"window.__xss=2;alert('img')\">"
PIXEL = f"![pixel](http://{REMOTE}/pixel.png)"
IFRAME = f'<iframe src="http://{REMOTE}/frame"></iframe>'
LINK = f"[a link](http://{REMOTE}/link)"


def _import(engine, external_id: str, messages: list[tuple[str, str]]) -> str:
    record = ConversationRecord(
        external_id=external_id,
        user_id="u-1",
        started_at=T0,
        variant="v2",
        messages=[MessageRecord(role=role, content=content) for role, content in messages],
    )
    result = import_records(
        engine, [record], source=SOURCE, file_name=f"{external_id}.jsonl", format="openai", file_sha256=external_id * 8
    )
    assert result.ok and result.conversations_added == 1, result.summary()
    return conversation_id(SOURCE, external_id)


def _seed_member(engine) -> None:
    with session_scope(engine, write=True) as s:
        create_member(session=s, name="Ada", email="ada@example.com", function="engineering", side="builder")


def _open_reader(page, app, cid: str) -> None:
    # Open the home page first: a deep link as the very first request is test_deep_link's subject.
    open_app(page, app.url)
    open_app(page, f"{app.url}/conversation?id={cid}")


def _pick(page, label: str, option: str) -> None:
    """Choose `option` in the Streamlit selectbox labelled `label`."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_tag_a_turn_then_reload_and_see_it(live_app, browser_page):
    def seed(engine):
        _seed_member(engine)
        _import(engine, "order-1", [("user", "Where is my order 1234?"), ("assistant", "It was delivered yesterday.")])

    app = live_app(seed=seed)
    cid = conversation_id(SOURCE, "order-1")
    page = browser_page
    _open_reader(page, app, cid)
    page.get_by_text("It was delivered yesterday.").wait_for()

    _pick(page, "Who are you?", "Ada (engineering)")
    _pick(page, "Applies to", "Turn 1 · assistant: It was delivered yesterday.")
    _pick(page, "Tag", "wrong answer (pain point)")
    page.get_by_label("Note (optional)").fill("it never arrived")
    page.get_by_role("button", name="Add tag").click()
    wait_for_app(page)

    page.reload()
    wait_for_app(page)
    # After the reload (a new browser session), the tag is read back from the database and shown on the turn.
    turn = page.get_by_test_id("stChatMessage").filter(has_text="It was delivered yesterday.")
    turn.get_by_text("wrong answer").first.wait_for()
    assert "Ada" in turn.inner_text()
    assert page.get_by_text("it never arrived").first.is_visible()
    assert not page.errors, page.errors

    with session_scope(app.engine) as s:
        rows = s.exec(
            select(Tag.name, Message.position, Annotation.note)
            .join(Tag, Tag.id == Annotation.tag_id)
            .join(Message, Message.id == Annotation.message_id)
            .where(Annotation.conversation_id == cid)
        ).all()
    assert rows == [("wrong answer", 1, "it never arrived")]


def test_hostile_content_does_not_execute_or_load_anything(live_app, browser_page):
    hostile = {"user": f"Hi {SCRIPT} there {IMG}", "assistant": f"See {PIXEL} and {IFRAME} or {LINK} **bold**"}
    app = live_app(seed=lambda engine: _import(engine, "hostile-1", list(hostile.items())))
    page = browser_page
    dialogs, requests, blocked = [], [], []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    def gate(route):
        # Anything not for the app server is recorded and refused, so the test never reaches the network.
        if urlparse(route.request.url).hostname != "127.0.0.1":
            blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: requests.append(request.url))
    page.route("**/*", gate)

    _open_reader(page, app, conversation_id(SOURCE, "hostile-1"))
    transcript = page.get_by_test_id("stChatMessage")
    transcript.filter(has_text="there").wait_for()
    page.wait_for_timeout(1500)  # give any image, frame or handler time to fire

    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert dialogs == []
    assert [u for u in requests if REMOTE in u] == []
    assert blocked == []  # nothing left for any other host either
    assert transcript.locator("script, img, iframe").count() == 0
    # The hostile markup is shown as text the reviewer can read.
    user_text = transcript.filter(has_text="there").inner_text().replace("\u200b", "")
    assert "<script>window.__xss=1" in user_text and "onerror=" in user_text
    assistant_text = transcript.filter(has_text="See").inner_text().replace("\u200b", "")
    assert "!pixel" in assistant_text and f'<iframe src="http://{REMOTE}/frame">' in assistant_text
    # Markdown formatting still renders; the would-be image and the link are plain links, never followed.
    assert transcript.locator("strong", has_text="bold").count() == 1
    links = transcript.locator(f"a[href^='http://{REMOTE}/']").evaluate_all("els => els.map(e => e.textContent)")
    assert {"a link", "pixel"} <= set(links)
    assert transcript.locator(f"[src*='{REMOTE}'], [srcset*='{REMOTE}'], [style*='{REMOTE}']").count() == 0
    assert not page.errors, page.errors


def test_the_reviewer_stays_picked_when_a_row_of_the_explorer_opens_the_reader(live_app, browser_page):
    def seed(engine):
        _seed_member(engine)
        _import(engine, "order-2", [("user", "Where is my parcel?"), ("assistant", "On its way.")])

    app = live_app(seed=seed)
    page = browser_page
    open_app(page, app.url)
    _pick(page, "Who are you?", "Ada (engineering)")
    page.get_by_role("link", name="Conversations").first.click()  # in-app navigation keeps the browser session
    wait_for_app(page)
    grid = page.get_by_test_id("stDataFrame")
    grid.wait_for()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the selection box of the first row (canvas grid)
    page.get_by_text("On its way.").wait_for()
    wait_for_app(page)
    assert page.get_by_role("button", name="Add tag").is_enabled()
    assert not page.get_by_text("Pick who you are in the sidebar").count()
    assert not page.errors, page.errors
