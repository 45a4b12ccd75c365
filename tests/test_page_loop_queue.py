"""AppTest of "My queue": a reviewer's assignments, marking done, the facilitator's view of everyone's progress."""

from datetime import timedelta

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.loop.sessions import SampleRules
from reviewlab.models import AuditLog
from reviewlab.models import ReviewAssignment as Assignment
from reviewlab.store import loop
from tests.loop_data import T0, add_conversation, add_members, column_labels, judge

PAGE = "pages/loop/queue.py"


@pytest.fixture
def planned(engine):
    with session_scope(engine, write=True) as s:
        m = add_members(s)
        for i in range(6):
            add_conversation(s, f"q{i}", started_at=T0 + timedelta(hours=i))
        meeting = loop.plan_session(
            session=s,
            title="Week 12",
            held_at=T0,
            rules=SampleRules(n=4, seed=3),
            attendee_ids=[m["cy"].id],
            reviewer_ids=[m["bo"].id, m["di"].id],
            facilitator_id=m["ada"].id,
            actor_id=m["ada"].id,
        )
        return {k: v.id for k, v in m.items()} | {"meeting": meeting.id}


def test_queue_asks_who_you_are(open_page, planned):
    at = open_page(PAGE)
    assert "Pick who you are" in at.info[0].value


def test_reviewer_sees_assignments_and_marks_one_done(engine, open_page, planned):
    with session_scope(engine, write=True) as s:
        rows = s.exec(select(Assignment).where(Assignment.member_id == planned["bo"]).order_by(Assignment.position))
        first, second = rows.all()
        judge(s, first.conversation_id, planned["bo"], satisfaction=3)  # judged: done without a click
    at = open_page(PAGE, member_id=planned["bo"])
    assert at.subheader[0].value.endswith("Week 12")
    assert "1 of 2 reviewed" in at.get("progress")[0].proto.text
    assert any("done (judged)" in m.value for m in at.markdown)
    links = [(link.proto.page, link.proto.query_string) for link in at.get("page_link")]
    queue = f"ids={first.conversation_id}&ids={second.conversation_id}&sort=similarity"  # next / previous walk it
    assert ("conversation", f"id={first.conversation_id}&{queue}") in links
    assert not [b for b in at.button if b.key == f"done_{first.id}"]
    at.button(key=f"done_{second.id}").click().run()
    with session_scope(engine) as s:
        assert s.get(Assignment, second.id).done_at is not None
        audit = s.exec(select(AuditLog).where(AuditLog.entity == "reviewassignment", AuditLog.action == "update")).one()
        assert audit.member_id == planned["bo"]
    assert "2 of 2 reviewed" in at.get("progress")[0].proto.text
    at.button(key=f"undo_{second.id}").click().run()
    with session_scope(engine) as s:
        assert s.get(Assignment, second.id).done_at is None


def test_facilitator_sees_everyones_progress(engine, open_page, planned):
    with session_scope(engine, write=True) as s:
        row = s.exec(select(Assignment).where(Assignment.member_id == planned["di"])).first()
        loop.mark_assignment_done(session=s, assignment_id=row.id, actor_id=planned["di"])
    at = open_page(PAGE, member_id=planned["ada"])
    assert "Nothing assigned to you" in at.info[0].value
    progress = at.dataframe[0].value.set_index("member_name")
    assert progress.loc["Di", "done"] == 1 and progress.loc["Bo", "done"] == 0
    assert progress["assigned"].tolist() == [2, 2]


def test_queue_numbers_my_items_and_labels_the_progress_table(engine, open_page, planned):
    at = open_page(PAGE, member_id=planned["bo"])  # Bo has sample positions 1 and 3 (round robin with Di)
    items = [m.value for m in at.markdown if " · `" in m.value]
    assert [item.split(" · ")[0] for item in items] == ["#1", "#2"]
    at = open_page(PAGE, member_id=planned["ada"])
    assert column_labels(at.dataframe[0]) == {
        "member_name": "Reviewer",
        "assigned": "Assigned",
        "done": "Done",
        "share_done": "Share done",
    }
