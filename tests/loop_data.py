"""Hand-built data for the weekly-loop tests: members and conversations written straight to the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from reviewlab.models import Annotation, Conversation, Judgement, Member, Message, Tag

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def add_members(session: Session) -> dict[str, Member]:
    people = {
        "ada": ("Ada", "ada@example.com", "engineering", "builder"),
        "bo": ("Bo", "bo@example.com", "data/ai", "builder"),
        "cy": ("Cy", "cy@example.com", "business", "business"),
        "di": ("Di", "di@example.com", "support", "business"),
    }
    out = {}
    for key, (name, email, function, side) in people.items():
        out[key] = Member(name=name, email=email, function=function, side=side)
        session.add(out[key])
    session.flush()
    return out


def add_conversation(
    session: Session,
    external_id: str,
    *,
    started_at: datetime = T0,
    variant: str | None = None,
    product_area: str | None = None,
    frustration: float | None = None,
    topic_id: int | None = None,
    text: str = "hello",
) -> Conversation:
    conv = Conversation(
        id=f"{external_id:0>32}"[-32:],
        external_id=external_id,
        source="test",
        started_at=started_at,
        variant=variant,
        product_area=product_area,
        frustration=frustration,
        topic_id=topic_id,
        n_messages=2,
        n_user_turns=1,
    )
    session.add(conv)
    session.flush()
    session.add(Message(conversation_id=conv.id, position=0, role="user", content=text, created_at=started_at))
    session.add(
        Message(
            conversation_id=conv.id,
            position=1,
            role="assistant",
            content=f"answer to {text}",
            created_at=started_at + timedelta(seconds=5),
        )
    )
    return conv


def tag_id(session: Session, name: str) -> int:
    from sqlmodel import select

    return session.exec(select(Tag.id).where(Tag.name == name)).one()


def annotate(session: Session, conversation_id: str, tag: int, member_id: int, **kwargs) -> Annotation:
    ann = Annotation(conversation_id=conversation_id, tag_id=tag, member_id=member_id, **kwargs)
    session.add(ann)
    session.flush()
    return ann


def judge(session: Session, conversation_id: str, member_id: int, **kwargs) -> Judgement:
    j = Judgement(conversation_id=conversation_id, member_id=member_id, **kwargs)
    session.add(j)
    session.flush()
    return j
