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


def update_member(
    *,
    session: Session,
    member_id: int,
    name: str | None = None,
    email: str | None = None,
    function: str | None = None,
    side: str | None = None,
    active: bool | None = None,
    actor_id: int | None = None,
) -> Member:
    """Change some of a member's fields (None leaves a field as it is). Deactivating keeps all their history."""
    member = session.get(Member, member_id)
    if member is None:
        raise ValueError(f"No member {member_id}.")
    changes = {
        "name": name.strip() if name is not None else None,
        "email": email.strip() if email is not None else None,
        "function": function,
        "side": side,
        "active": active,
    }
    changes = {k: v for k, v in changes.items() if v is not None and v != getattr(member, k)}
    if not changes:
        return member
    if changes.get("name") == "" or changes.get("email") == "":
        raise ValueError("A member needs a name and an email.")
    if changes.get("function", member.function) not in FUNCTION_CHOICES:
        raise ValueError(f"Unknown function {function!r}; choose one of {', '.join(FUNCTION_CHOICES)}.")
    if changes.get("side", member.side) not in SIDE_CHOICES:
        raise ValueError(f"Unknown side {side!r}; choose builder or business.")
    if "email" in changes and session.exec(select(Member).where(Member.email == changes["email"])).first():
        raise ValueError(f"A member with email {changes['email']!r} already exists.")
    for key, value in changes.items():
        setattr(member, key, value)
    session.add(member)
    record(session, member_id=actor_id, action="update", entity="member", entity_id=member_id, detail=changes)
    return member
