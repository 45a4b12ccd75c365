"""Members of the team."""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session, select

from reviewlab.audit import record
from reviewlab.models import FUNCTION_CHOICES, SIDE_CHOICES, Member


def list_members(*, session: Session, include_inactive: bool = False) -> list[Member]:
    query = select(Member).order_by(Member.name)
    if not include_inactive:
        query = query.where(Member.active)
    return list(session.exec(query))


def members_frame(*, session: Session, include_inactive: bool = True) -> pd.DataFrame:
    rows = [m.model_dump() for m in list_members(session=session, include_inactive=include_inactive)]
    return pd.DataFrame(rows, columns=list(Member.model_fields))


def create_member(
    *, session: Session, name: str, email: str, function: str, side: str, actor_id: int | None = None
) -> Member:
    if not name.strip() or not email.strip():
        raise ValueError("A member needs a name and an email.")
    if function not in FUNCTION_CHOICES:
        raise ValueError(f"Unknown function {function!r}; choose one of {', '.join(FUNCTION_CHOICES)}.")
    if side not in SIDE_CHOICES:
        raise ValueError(f"Unknown side {side!r}; choose builder or business.")
    if session.exec(select(Member).where(Member.email == email.strip())).first():
        raise ValueError(f"A member with email {email!r} already exists.")
    member = Member(name=name.strip(), email=email.strip(), function=function, side=side)
    session.add(member)
    session.flush()
    record(session, member_id=actor_id, action="create", entity="member", entity_id=member.id, detail={"name": name})
    return member


def set_member_active(*, session: Session, member_id: int, active: bool, actor_id: int | None = None) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise ValueError(f"No member {member_id}.")
    member.active = active
    session.add(member)
    record(
        session, member_id=actor_id, action="update", entity="member", entity_id=member_id, detail={"active": active}
    )
    return member
