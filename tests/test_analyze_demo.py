"""`reviewlab analyze` on the demo workspace finds what was planted: the degrading product area and its topics,
and the users who rephrase then give up. Runs the real pipeline (model included) on about 2,100 conversations."""

from datetime import date

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from reviewlab.db import session_scope
from reviewlab.models import Alert, Conversation, Embedding, Segment, Topic, UserSegment

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    from reviewlab.cli import app
    from reviewlab.db import make_engine
    from reviewlab.demo import seed_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    engine = make_engine(url)
    truth = seed_demo(engine, seed=7, scale=1.0, today=date(2026, 11, 27))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REVIEWLAB_DATABASE_URL", url)
        result = CliRunner().invoke(app, ["analyze"])
    assert result.exit_code == 0, result.output
    assert "new alerts" in result.output
    yield engine, truth
    engine.dispose()


def test_every_conversation_is_embedded_and_in_a_topic(analysed):
    engine, truth = analysed
    with session_scope(engine) as s:
        assert len(s.exec(select(Embedding.conversation_id)).all()) == truth["counts"]["conversations"]
        assert s.exec(select(Conversation.id).where(Conversation.topic_id.is_(None))).first() is None
        assert 5 <= len(s.exec(select(Topic).where(Topic.active)).all()) <= 200


def test_the_degrading_area_raises_alerts_and_only_there(analysed):
    engine, truth = analysed
    planted = truth["degrading_area"]
    with session_scope(engine) as s:
        alerts = s.exec(select(Alert)).all()
        area_alerts = [a for a in alerts if a.metric == "area_frustration"]
        assert [a.scope for a in area_alerts] == [planted["product_area"]]
        assert area_alerts[0].week >= planted["from_week"]
        topic_alerts = [a for a in alerts if a.metric == "topic_frustration"]
        assert topic_alerts
        for alert in topic_alerts:  # each topic that alerts is mostly made of the degrading area's conversations
            areas = s.exec(select(Conversation.product_area).where(Conversation.topic_id == int(alert.scope))).all()
            assert areas.count(planted["product_area"]) / len(areas) > 0.5
            assert alert.week >= planted["from_week"]


def test_users_who_rephrase_then_give_up_are_a_churn_risk(analysed):
    engine, truth = analysed
    planted = set(truth["rephrase_then_abandon"]["user_ids"])
    with session_scope(engine) as s:
        churn = s.exec(select(Segment).where(Segment.name == "Churn risk: gave up, then left")).one()
        members = set(s.exec(select(UserSegment.user_id).where(UserSegment.segment_id == churn.id)).all())
    assert len(members & planted) >= 0.75 * len(planted)
    assert len(members & planted) >= 0.5 * len(members)  # and they are most of that segment
