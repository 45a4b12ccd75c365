"""Did the fix work? Wilson / Newcombe intervals and before/after rates of a resolved issue's tag, topic, signal."""

from datetime import timedelta

import pytest
from sqlmodel import select

from reviewlab.loop.impact import RateComparison, newcombe_difference, wilson_interval
from reviewlab.models import Annotation, Tag, Topic
from reviewlab.store import loop
from tests.loop_data import T0, add_conversation, add_members, annotate, judge, tag_id


def test_wilson_matches_newcombe_1998():
    low, high = wilson_interval(81, 263)  # Newcombe (1998), Statistics in Medicine 17:857, example (a)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    with pytest.raises(ValueError):
        wilson_interval(3, 0)


def test_newcombe_difference_matches_published_example():
    # Newcombe (1998), Stat Med 17:873, method 10: 56/70 vs 48/80 → difference 0.2000, CI 0.0524 to 0.3339.
    diff, low, high = newcombe_difference(56, 70, 48, 80)  # before 56/70, after 48/80: after − before = −0.2
    assert round(diff, 4) == -0.2 and (round(low, 4), round(high, 4)) == (-0.3339, -0.0524)


def test_rate_comparison_verdicts():
    fell = RateComparison("m", 4, before_hits=40, before_n=100, after_hits=10, after_n=100)
    assert fell.before_rate == 0.4 and fell.after_rate == 0.1 and fell.difference[2] < 0
    assert fell.verdict.startswith("The rate fell by 30.0%")
    assert RateComparison("m", 4, 10, 100, 40, 100).verdict.startswith("The rate rose")
    assert RateComparison("m", 4, 5, 20, 4, 20).verdict.startswith("No clear change")
    empty = RateComparison("m", 4, 0, 0, 3, 10)
    assert empty.difference is None and "no conversations in the 4 weeks before" in empty.verdict


@pytest.fixture
def resolved_issue(session):
    """A tagged pain point in 40% of reviewed conversations before the fix and 10% after, on a topic and signal."""
    m = add_members(session)
    topic = Topic(label="refunds")
    other = Topic(label="other")
    session.add_all([topic, other])
    session.flush()
    refusal = tag_id(session, "unnecessary refusal")
    resolved_at = T0 + timedelta(weeks=4)
    for i in range(40):
        before = i < 20
        started = resolved_at + timedelta(days=(i % 20) + 1) * (-1 if before else 1)
        hit = (i % 20) < (8 if before else 2)
        conv = add_conversation(
            session,
            f"imp{i}",
            started_at=started,
            topic_id=topic.id if hit else other.id,
            frustration=0.9 if hit else 0.1,
        )
        if hit:
            annotate(session, conv.id, refusal, m["ada"].id)
        else:
            judge(session, conv.id, m["bo"].id, satisfaction=4)
    # Not reviewed: counts for topic and signal rates, not for the tag rate.
    add_conversation(
        session, "unreviewed", started_at=resolved_at - timedelta(days=2), topic_id=other.id, frustration=0.2
    )
    # Outside both windows: ignored.
    add_conversation(session, "old", started_at=resolved_at - timedelta(weeks=10), topic_id=topic.id, frustration=0.9)
    issue = loop.create_issue(
        session=session,
        title="Refuses refunds",
        channel="review",
        tag_id=refusal,
        topic_id=topic.id,
        signal="frustration",
        detected_at=T0,
        actor_id=None,
    )
    loop.set_issue_status(session=session, issue_id=issue.id, status="resolved", at=resolved_at, actor_id=None)
    return issue


def test_issue_impact_on_tag_topic_and_signal(session, resolved_issue):
    tag_rate, topic_rate, signal_rate = loop.issue_impact(session=session, issue_id=resolved_issue.id, weeks=4)
    assert "tagged “unnecessary refusal”" in tag_rate.measure
    assert (tag_rate.before_hits, tag_rate.before_n, tag_rate.after_hits, tag_rate.after_n) == (8, 20, 2, 20)
    assert (topic_rate.before_hits, topic_rate.before_n) == (8, 21) and (topic_rate.after_hits, topic_rate.after_n) == (
        2,
        20,
    )
    assert (signal_rate.before_hits, signal_rate.before_n) == (8, 21) and "frustration ≥ 0.5" in signal_rate.measure
    diff, low, high = tag_rate.difference
    assert round(diff, 2) == -0.30 and low < diff < high and high < 0
    assert tag_rate.verdict.startswith("The rate fell")


def test_impact_counts_merged_tags_and_ignores_deleted_annotations(session, resolved_issue):
    merged = Tag(name="refused politely", merged_into_id=resolved_issue.tag_id)
    session.add(merged)
    session.flush()
    conv = add_conversation(session, "merged", started_at=resolved_issue.resolved_at + timedelta(days=3))
    annotate(session, conv.id, merged.id, None)
    tag_rate = loop.issue_impact(session=session, issue_id=resolved_issue.id, weeks=4)[0]
    assert (tag_rate.after_hits, tag_rate.after_n) == (3, 21)
    ann = session.exec(select(Annotation).where(Annotation.conversation_id == conv.id)).one()
    ann.deleted_at = T0
    session.flush()
    tag_rate = loop.issue_impact(session=session, issue_id=resolved_issue.id, weeks=4)[0]
    assert (tag_rate.after_hits, tag_rate.after_n) == (2, 20)


def test_no_impact_for_unresolved_or_aboutless_issues(session, resolved_issue):
    assert loop.issue_impact(session=session, issue_id=resolved_issue.id, weeks=1)[0].before_n < 20
    open_issue = loop.create_issue(session=session, title="open", channel="review", signal="frustration", actor_id=None)
    assert loop.issue_impact(session=session, issue_id=open_issue.id) == []
    plain = loop.create_issue(session=session, title="plain", channel="review", detected_at=T0, actor_id=None)
    loop.set_issue_status(session=session, issue_id=plain.id, status="resolved", actor_id=None)
    assert loop.issue_impact(session=session, issue_id=plain.id) == []
    with pytest.raises(ValueError, match="one week"):
        loop.issue_impact(session=session, issue_id=plain.id, weeks=0)


def test_thumbs_down_signal_rate(session):
    resolved_at = T0 + timedelta(weeks=2)
    feedback = [(-1, -5), (-1, -3), (1, -2), (None, -1), (1, 1), (1, 2), (-1, 3), (None, 4)]  # (thumb, day offset)
    for i, (thumb, day) in enumerate(feedback):
        conv = add_conversation(session, f"fb{i}", started_at=resolved_at + timedelta(days=day))
        conv.explicit_feedback = thumb
    issue = loop.create_issue(
        session=session, title="Thumbs down", channel="alert", signal="thumbs_down_rate", detected_at=T0, actor_id=None
    )
    loop.set_issue_status(session=session, issue_id=issue.id, status="resolved", at=resolved_at, actor_id=None)
    (rate,) = loop.issue_impact(session=session, issue_id=issue.id, weeks=1)
    assert "thumbs down" in rate.measure
    assert (rate.before_hits, rate.before_n, rate.after_hits, rate.after_n) == (2, 3, 1, 3)


def test_the_demo_fix_shows_a_falling_tag_rate(engine):
    """The demo plants a refusal problem fixed at a known time: its issue's tag rate must fall, beyond noise."""
    from datetime import date

    from reviewlab.db import session_scope
    from reviewlab.demo import seed_demo

    truth = seed_demo(engine, seed=7, scale=1.0, today=date(2026, 11, 26))
    fixed = truth["fixed_issue"]
    assert fixed["expected"] == "down"
    with session_scope(engine) as s:
        issue = loop.get_issue(session=s, issue_id=fixed["issue_id"])
        assert issue.status == "resolved" and issue.resolved_at.isoformat() == fixed["resolved_at"]
        (rate,) = loop.issue_impact(session=s, issue_id=fixed["issue_id"], weeks=4)
    assert fixed["tag"] in rate.measure
    assert rate.before_n > 50 and rate.after_n > 50
    diff, low, high = rate.difference
    assert rate.after_rate < rate.before_rate and high < 0, (rate, diff, low, high)
    assert rate.verdict.startswith("The rate fell")
