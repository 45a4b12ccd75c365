"""User segments in the database: compute and store them (Segment, UserSegment), and the Segments page's reads."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reviewlab.audit import record
from reviewlab.db import session_scope
from reviewlab.models import Conversation, Judgement, Message, Segment, Topic, UserSegment, utcnow
from reviewlab.segments import (
    CONVERSATION_COLUMNS,
    SEGMENT_BY_KEY,
    SEGMENTS,
    assign_segments,
    describe,
    profile,
    user_features,
)


def conversations_for_segments(session: Session) -> pd.DataFrame:
    """One row per conversation with a user: CONVERSATION_COLUMNS of reviewlab.segments."""
    failed = func.max(case(((Judgement.intent_fulfilled == "no") | (Judgement.task_completed == "no"), 1), else_=0))
    succeeded = func.max(case(((Judgement.intent_fulfilled == "yes") | (Judgement.task_completed == "yes"), 1),
                              else_=0))
    verdicts = {cid: "failure" if bad else "success" if good else None for cid, bad, good in session.execute(
        select(Judgement.conversation_id, failed, succeeded).group_by(Judgement.conversation_id))}
    last_position = (select(Message.conversation_id, func.max(Message.position).label("position"))
                     .group_by(Message.conversation_id).subquery())
    last_role = (select(Message.conversation_id, Message.role)
                 .join(last_position, (last_position.c.conversation_id == Message.conversation_id)
                       & (last_position.c.position == Message.position)).subquery())
    rows = session.execute(
        select(Conversation.user_id, Conversation.id, Conversation.started_at, Conversation.frustration,
               Conversation.explicit_feedback, last_role.c.role, Conversation.topic_id)
        .outerjoin(last_role, last_role.c.conversation_id == Conversation.id)
        .where(Conversation.user_id.is_not(None))
    ).all()
    frame = pd.DataFrame(rows, columns=["user_id", "conversation_id", "started_at", "frustration", "feedback",
                                        "last_role", "topic_id"])
    frame["judged"] = frame["conversation_id"].map(verdicts)
    frame["ends_on_user"] = frame["last_role"].eq("user")
    return frame[CONVERSATION_COLUMNS]


def update_segments(engine: Engine, *, member_id: int | None = None) -> dict[str, int]:
    """Recompute every user's segment and store it. Segment rows are kept per rule, so their ids stay stable
    (even when a rule is renamed).

    Returns users per segment name.
    """
    with session_scope(engine) as session:
        features = user_features(conversations_for_segments(session))
        topic_labels = dict(session.execute(select(Topic.id, func.coalesce(Topic.custom_label, Topic.label))).all())
    keys = assign_segments(features)
    now = utcnow()
    counts = {}
    with session_scope(engine, write=True) as session:
        existing: dict[str, Segment] = {}
        stale: list[int] = []
        for segment in session.execute(select(Segment).order_by(Segment.id)).scalars():
            key = (segment.profile or {}).get("key")
            if key in existing or key not in SEGMENT_BY_KEY:  # left by an older rule set
                stale.append(segment.id)
            else:
                existing[key] = segment
        ids = {}
        for rule in SEGMENTS:
            members = features[keys == rule.key]
            prof = {"key": rule.key, **profile(members)}
            segment = existing.get(rule.key) or Segment(name=rule.name)
            segment.name = rule.name
            segment.description = describe(rule, prof, topic_labels)
            segment.size = len(members)
            segment.profile = prof
            segment.run_at = now
            session.add(segment)
            session.flush()
            ids[rule.key] = segment.id
            counts[rule.name] = len(members)
        session.execute(delete(UserSegment))
        if stale:
            session.execute(delete(Segment).where(Segment.id.in_(stale)))
        if len(features):
            session.execute(insert(UserSegment), [{"user_id": u, "segment_id": ids[k]}
                                                  for u, k in zip(features["user_id"], keys, strict=True)])
        record(session, member_id=member_id, action="analyze", entity="segment", entity_id="*", detail=counts)
    return counts


SEGMENT_COLUMNS = ["id", "key", "name", "description", "size", "conversations_per_user", "struggled_share",
                   "success_share", "days_since_last", "top_topics", "run_at"]


def segments_frame(*, session: Session, include_empty: bool = False) -> pd.DataFrame:
    """Segments in rule order with their profile (mean behaviour of their users)."""
    order = {rule.key: i for i, rule in enumerate(SEGMENTS)}
    rows = []
    for s in session.execute(select(Segment)).scalars():
        prof = s.profile or {}
        if prof.get("key") not in SEGMENT_BY_KEY or (s.size == 0 and not include_empty):
            continue
        rows.append({"id": s.id, "key": prof["key"], "name": s.name, "description": s.description, "size": s.size,
                     "conversations_per_user": prof.get("conversations_per_user"),
                     "struggled_share": prof.get("struggled_share"), "success_share": prof.get("success_share"),
                     "days_since_last": prof.get("days_since_last"), "top_topics": prof.get("top_topics", []),
                     "run_at": s.run_at})
    rows.sort(key=lambda r: order[r["key"]])
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


def segment_users_frame(*, session: Session, segment_id: int) -> pd.DataFrame:
    """The users of one segment with their behaviour features, most conversations first."""
    users = set(session.execute(select(UserSegment.user_id).where(UserSegment.segment_id == segment_id)).scalars())
    conv = conversations_for_segments(session)
    features = user_features(conv)  # "now" is the newest conversation of all users, as in update_segments
    features = features[features["user_id"].isin(users)]
    return features.sort_values(["conversations", "user_id"], ascending=[False, True]).reset_index(drop=True)
