"""Home page: workspace counts, where to look first, follow-ups due, the review session, the empty state."""

from datetime import UTC, datetime, timedelta

from reviewlab.db import session_scope
from reviewlab.models import (
    Annotation,
    Conversation,
    Decision,
    ImportBatch,
    Issue,
    Judgement,
    Meeting,
    MeetingAttendee,
    Message,
    ReviewAssignment,
    Tag,
)
from reviewlab.store.home import follow_ups_due, look_here_first, review_session_card, workspace_summary
from reviewlab.store.people import create_member

PAGE = "pages/home/home.py"
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()


def _conversation(s, cid, *, days_ago, frustration=None, feedback=None, first_user="hello"):
    s.add(
        Conversation(
            id=cid,
            external_id=cid,
            source="test",
            user_id=f"u-{cid}",
            started_at=NOW - timedelta(days=days_ago),
            frustration=frustration,
            explicit_feedback=feedback,
            n_messages=3,
        )
    )
    s.add(Message(conversation_id=cid, position=0, role="system", content="You are helpful."))
    s.add(Message(conversation_id=cid, position=1, role="user", content=first_user))
    s.add(Message(conversation_id=cid, position=2, role="assistant", content="Sure."))


def seed_workspace(engine) -> dict:
    with session_scope(engine, write=True) as s:
        ada = create_member(session=s, name="Ada", email="ada@example.com", function="engineering", side="builder")
        bo = create_member(session=s, name="Bo", email="bo@example.com", function="business", side="business")
        s.add(
            ImportBatch(
                source="test", format="openai", file_name="week.jsonl", file_sha256="x" * 64, status="completed",
                imported_at=NOW - timedelta(hours=3), conversations_added=6,
            )
        )  # fmt: skip
        _conversation(s, "c-angry", days_ago=1, frustration=0.9, first_user="Why   does\nexport keep failing?")
        _conversation(s, "c-meh", days_ago=2, frustration=0.4, first_user="how do I export")
        _conversation(s, "c-calm", days_ago=3, frustration=0.1)
        _conversation(s, "c-reviewed", days_ago=1, frustration=0.95)  # reviewed already: not in "look here first"
        _conversation(s, "c-old", days_ago=40, frustration=0.99)  # outside the recent window
        _conversation(s, "c-judged", days_ago=4)
        s.flush()
        tag = s.exec(Tag.__table__.select().limit(1)).first()
        s.add(Annotation(conversation_id="c-reviewed", tag_id=tag.id, member_id=ada.id))
        s.add(Judgement(conversation_id="c-judged", member_id=bo.id, satisfaction=4))
        s.add(Issue(title="Export fails", severity="high"))
        s.add(Issue(title="Too long", severity="low", status="in_progress"))
        s.add(Issue(title="Fixed", severity="critical", status="resolved"))
        s.add(Decision(title="Add retry to export", owner_id=ada.id, follow_up_on=TODAY - timedelta(days=2)))
        s.add(Decision(title="Shorter answers", follow_up_on=TODAY))
        s.add(Decision(title="Later", follow_up_on=TODAY + timedelta(days=5)))
        s.add(Decision(title="Done already", follow_up_on=TODAY - timedelta(days=9), follow_up_done=True))
        past = Meeting(title="Week 1 review", kind="review_session", held_at=NOW - timedelta(days=7), status="done")
        upcoming = Meeting(
            title="Week 2 review", kind="review_session", held_at=NOW + timedelta(days=1), facilitator_id=bo.id
        )
        other = Meeting(title="Roadmap", kind="other", held_at=NOW + timedelta(hours=2))
        s.add_all([past, upcoming, other])
        s.flush()
        s.add_all([MeetingAttendee(meeting_id=upcoming.id, member_id=m.id) for m in (ada, bo)])
        s.add(ReviewAssignment(meeting_id=upcoming.id, conversation_id="c-angry", member_id=ada.id))
        s.add(ReviewAssignment(meeting_id=upcoming.id, conversation_id="c-meh", member_id=bo.id, done_at=NOW))
    return {"ada": ada.id, "bo": bo.id}


def test_workspace_summary_counts(engine):
    seed_workspace(engine)
    with session_scope(engine) as s:
        summary = workspace_summary(session=s, today=TODAY)
    assert (summary.conversations, summary.messages, summary.users) == (6, 18, 6)
    assert summary.last_import_file == "week.jsonl" and summary.last_import_added == 6
    assert summary.window_is_current and summary.window_end == TODAY
    # Five conversations started in the last 7 days; two of them are reviewed (one tag, one judgement).
    assert (summary.window_conversations, summary.window_reviewed) == (5, 2)
    assert summary.window_reviewed_share == 0.4
    assert (summary.reviewed_last_7_days, summary.reviewers_last_7_days) == (2, 2)
    assert (summary.open_issues, summary.urgent_open_issues) == (2, 1)


def test_review_window_follows_the_data_when_logs_stop_earlier(engine):
    seed_workspace(engine)
    with session_scope(engine) as s:
        summary = workspace_summary(session=s, today=TODAY + timedelta(days=30))
    assert not summary.window_is_current
    assert summary.window_end == (NOW - timedelta(days=1)).date()  # the latest conversation
    assert summary.window_conversations == 5


def test_a_removed_tag_no_longer_counts_as_reviewed(engine):
    seed_workspace(engine)
    with session_scope(engine, write=True) as s:
        annotation = s.exec(Annotation.__table__.select()).first()
        s.get(Annotation, annotation.id).deleted_at = NOW
    with session_scope(engine) as s:
        assert workspace_summary(session=s, today=TODAY).window_reviewed == 1
        frame, _ = look_here_first(session=s)
    assert frame["id"].iloc[0] == "c-reviewed"


def test_look_here_first_is_recent_unreviewed_most_frustrated_first(engine):
    seed_workspace(engine)
    with session_scope(engine) as s:
        frame, basis = look_here_first(session=s, limit=2)
    assert basis == "frustration"
    assert list(frame["id"]) == ["c-angry", "c-meh"]
    assert frame["preview"].iloc[0] == "Why does export keep failing?"


def test_look_here_first_falls_back_to_thumbs_down(engine):
    with session_scope(engine, write=True) as s:
        _conversation(s, "c-down", days_ago=1, feedback=-1.0)
        _conversation(s, "c-up", days_ago=1, feedback=1.0)
    with session_scope(engine) as s:
        frame, basis = look_here_first(session=s)
    assert basis == "feedback" and list(frame["id"]) == ["c-down"]


def test_follow_ups_due_are_past_and_not_done(engine):
    seed_workspace(engine)
    with session_scope(engine) as s:
        frame = follow_ups_due(session=s, today=TODAY)
    assert list(frame["title"]) == ["Add retry to export", "Shorter answers"]
    assert list(frame["days_overdue"]) == [2, 0]
    assert frame["owner"].iloc[0] == "Ada"


def test_review_session_card_prefers_next_then_last(engine):
    seed_workspace(engine)
    with session_scope(engine) as s:
        card = review_session_card(session=s, now=NOW)
        assert (card.when, card.title, card.facilitator) == ("next", "Week 2 review", "Bo")
        assert (card.attendees, card.assigned, card.assigned_done) == (2, 2, 1)
        later = review_session_card(session=s, now=NOW + timedelta(days=3))
    assert (later.when, later.title) == ("last", "Week 2 review")


def test_home_page_on_an_empty_database_says_how_to_start(open_page):
    at = open_page(PAGE)
    text = " ".join(i.value for i in at.info) + " ".join(m.value for m in at.markdown)
    assert "no conversations yet" in text
    assert "reviewlab import" in text and "reviewlab demo" in text
    assert not at.metric  # no empty dashboards
    assert not at.button  # and no dead buttons
    assert [link.value for link in at.get("page_link")] == ["Import conversation logs"]


def test_home_page_with_data_shows_counts_links_and_follow_ups(engine, open_page):
    seed_workspace(engine)
    at = open_page(PAGE)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Conversations"] == "6"
    assert metrics["Reviewed this week"] == "40%"
    assert metrics["Open issues"] == "2"
    # The preview is shown as plain text, never as markdown or HTML.
    assert "Why does export keep failing?" in [t.value for t in at.text]
    texts = [t.value for t in at.text]
    assert texts.index("Add retry to export") < texts.index("Shorter answers")  # oldest follow-up first
    assert "Later" not in texts and "Done already" not in texts
    assert "2 days overdue · follow up on" in " ".join(c.value for c in at.caption)
    assert "Week 2 review" in texts
    links = {link.value: link.proto for link in at.get("page_link")}
    # Each frustrated conversation links to the reader with its id.
    reader_links = [proto for label, proto in links.items() if label.startswith("Open (frustration")]
    assert [proto.query_string for proto in reader_links] == ["id=c-angry", "id=c-meh", "id=c-calm"]
    assert {"2 open issues", "Follow up in Decisions", "Go to review sessions"} <= set(links)
