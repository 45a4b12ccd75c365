"""Hand-built conversations, members and tags for the review workspace tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from reviewlab.db import session_scope
from reviewlab.models import Conversation, Message, Tag
from reviewlab.store.people import create_member
from reviewlab.store.search import sync_search_index

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def add_conversation(
    session: Session,
    cid: str,
    turns: list[tuple[str, str]],
    *,
    started_at: datetime | None = T0,
    source: str = "app",
    **fields,
) -> Conversation:
    """A conversation with `turns` [(role, content)], one minute apart."""
    conversation = Conversation(
        id=cid,
        external_id=cid,
        source=source,
        started_at=started_at,
        n_messages=len(turns),
        n_user_turns=sum(role == "user" for role, _ in turns),
        **fields,
    )
    session.add(conversation)
    for position, (role, content) in enumerate(turns):
        at = started_at + timedelta(minutes=position) if started_at else None
        session.add(Message(conversation_id=cid, position=position, role=role, content=content, created_at=at))
    session.flush()
    return conversation


def tag_id(session: Session, name: str) -> int:
    return session.exec(select(Tag.id).where(Tag.name == name)).one()


def seed_workspace(engine) -> dict:
    """Two reviewers and five conversations with distinct metadata (c0 newest … c4 oldest)."""
    with session_scope(engine, write=True) as s:
        ada = create_member(session=s, name="Ada", email="ada@example.com", function="engineering", side="builder")
        bo = create_member(session=s, name="Bo", email="bo@example.com", function="product", side="business")
        specs = [
            ("c0", "billing", "v2", "How do I get a refund for my invoice?", "Open Billing > Refunds.", 0.9, -1.0),
            ("c1", "search", "v1", "Find flights to Lisbon next week", "Here are three flights.", 0.1, 1.0),
            ("c2", "billing", "v1", "My card was charged twice", "I cannot help with payments.", 0.7, None),
            ("c3", "search", "v2", "Recommend a hotel in Porto", "Try the Ribeira Inn.", None, None),
            ("c4", "onboarding", "v2", "How do I invite a teammate?", "Use Settings > Team.", 0.3, 1.0),
        ]
        for i, (cid, area, variant, question, answer, frustration, feedback) in enumerate(specs):
            add_conversation(
                s,
                cid,
                [("user", question), ("assistant", answer), ("user", "thanks")],
                started_at=T0 - timedelta(days=i),
                product_area=area,
                variant=variant,
                user_id=f"u{i % 3}",
                frustration=frustration,
                explicit_feedback=feedback,
            )
        sync_search_index(s)
        return {"ada": ada.id, "bo": bo.id, "ids": [spec[0] for spec in specs]}
