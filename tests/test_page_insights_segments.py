"""Segments page: segments with their descriptions, the users of the picked one, the explorer link."""

from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Segment
from reviewlab.store.segments import update_segments
from tests.test_segments import seed_users

PAGE = "pages/insights/segments.py"


def test_empty_workspace(open_page):
    at = open_page(PAGE)
    assert "reviewlab analyze" in at.info[0].value


def test_segments_and_their_users(engine, open_page):
    seed_users(engine)
    update_segments(engine)
    with session_scope(engine) as s:
        power = s.exec(select(Segment.id).where(Segment.name == "Power users")).one()
    at = open_page(PAGE)
    texts = " ".join(m.value for m in at.markdown)
    assert "Churn risk: gave up, then left" in texts and "Power users" in texts
    at.selectbox(key="segment_pick").set_value(power).run()
    assert at.dataframe[0].value["user_id"].tolist() == ["power"]
    links = {link.value: link.proto.query_string for link in at.get("page_link")}
    assert links["Open their conversations in the explorer"] == f"segment={power}"
