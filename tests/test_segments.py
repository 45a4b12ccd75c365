"""User segments: behaviour features, rule-based named segments, stored with stable ids."""

from datetime import timedelta

import pandas as pd
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Judgement, Segment, UserSegment
from reviewlab.segments import assign_segments, user_features
from reviewlab.store.conversations import ConversationFilter, query_conversations
from reviewlab.store.people import create_member
from reviewlab.store.segments import segment_users_frame, segments_frame, update_segments
from tests.analytics_data import MONDAY
from tests.review_data import add_conversation

NOW = MONDAY + timedelta(days=60)


def conv(user, cid, days_ago, *, frustration=None, feedback=None, judged=None, ends_on_user=False, topic=None):
    return {"user_id": user, "conversation_id": cid, "started_at": NOW - timedelta(days=days_ago),
            "frustration": frustration, "feedback": feedback, "judged": judged, "ends_on_user": ends_on_user,
            "topic_id": topic}


def behaviour() -> pd.DataFrame:
    rows = [
        # gave up and left: bad conversations, the last one ends on the user's own turn, gone for 20 days
        conv("quitter", "q1", 40, frustration=0.8), conv("quitter", "q2", 20, frustration=0.9, ends_on_user=True),
        # new and struggling
        conv("newbie", "n1", 10, feedback=-1.0), conv("newbie", "n2", 2, judged="failure"),
        # many conversations, recent, going well
        *[conv("power", f"p{i}", i * 2, frustration=0.1, feedback=1.0, topic=7) for i in range(8)],
        # keeps coming back although it goes badly
        *[conv("grumpy", f"g{i}", i * 10, frustration=0.7 if i % 2 else 0.2) for i in range(4)],
        # not seen for two months, it went fine
        conv("gone", "x1", 59, frustration=0.0), conv("gone", "x2", 50),
        # new and fine; the frustration score is unknown (signals not run)
        conv("fresh", "f1", 3),
        # regular, fine, not very active
        conv("steady", "s1", 45, frustration=0.1), conv("steady", "s2", 30), conv("steady", "s3", 12, judged="success"),
    ]
    return pd.DataFrame(rows)


def test_features_and_named_segments():
    features = user_features(behaviour()).set_index("user_id")
    assert features.loc["power", "conversations"] == 8
    assert features.loc["quitter", "days_since_last"] == 20
    assert bool(features.loc["quitter", "last_abandoned"])
    assert features.loc["newbie", "struggled_share"] == 1.0
    assert features.loc["steady", "success_share"] == 1.0
    assert pd.isna(features.loc["fresh", "mean_frustration"])
    assert features.loc["power", "top_topics"] == [7]
    segments = dict(zip(features.index, assign_segments(features.reset_index()), strict=True))
    assert segments == {"quitter": "churn_risk", "newbie": "struggling_newcomers", "power": "power_users",
                        "grumpy": "frustrated_regulars", "gone": "dormant", "fresh": "newcomers",
                        "steady": "regulars"}


def test_segments_are_deterministic_and_do_not_depend_on_row_order():
    frame = behaviour()
    first = assign_segments(user_features(frame))
    shuffled = user_features(frame.sample(frac=1, random_state=3))
    assert first.tolist() == assign_segments(shuffled).tolist()


def seed_users(engine) -> None:
    with session_scope(engine, write=True) as s:
        ada = create_member(session=s, name="Ada", email="ada@example.com", function="product", side="business")
        for row in behaviour().itertuples():
            turns = [("user", "help me"), ("assistant", "sure")] + ([("user", "forget it")] if row.ends_on_user else [])
            add_conversation(s, row.conversation_id, turns, started_at=row.started_at.to_pydatetime(),
                             user_id=row.user_id, frustration=row.frustration, explicit_feedback=row.feedback)
            if row.judged:
                verdict = "no" if row.judged == "failure" else "yes"
                s.add(Judgement(conversation_id=row.conversation_id, member_id=ada.id, intent_fulfilled=verdict))


def test_update_segments_stores_them_with_stable_ids(any_engine):
    seed_users(any_engine)
    counts = update_segments(any_engine)
    assert counts["Churn risk: gave up, then left"] == 1 and sum(counts.values()) == 7
    with session_scope(any_engine) as s:
        ids = {seg.name: seg.id for seg in s.exec(select(Segment))}
        frame = segments_frame(session=s)
        churn = frame.set_index("key").loc["churn_risk"]
        assert churn["size"] == 1 and "gave up" in churn["description"] and "1 users" in churn["description"]
        assert len(frame) == 7
        users = segment_users_frame(session=s, segment_id=ids["Power users"])
        assert users["user_id"].tolist() == ["power"]
        rows, total = query_conversations(session=s, filters=ConversationFilter(segment_ids=[ids["Power users"]]))
        assert total == 8
    update_segments(any_engine)
    with session_scope(any_engine) as s:
        assert {seg.name: seg.id for seg in s.exec(select(Segment))} == ids
        assert len(s.exec(select(UserSegment)).all()) == 7


def test_a_renamed_rule_keeps_its_segment_id_and_old_segments_go(engine):
    seed_users(engine)
    update_segments(engine)
    with session_scope(engine, write=True) as s:
        power = s.exec(select(Segment).where(Segment.name == "Power users")).one()
        power.name = "Heavy users (an older name)"
        s.add(Segment(name="Retired rule", profile={"key": "no_longer_a_rule"}, size=3))
    update_segments(engine)
    with session_scope(engine) as s:
        assert s.get(Segment, power.id).name == "Power users"
        assert s.exec(select(Segment).where(Segment.name == "Retired rule")).first() is None
