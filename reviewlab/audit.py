"""The audit log: every write records who did what to which record."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from reviewlab.models import AuditLog


def record(
    session: Session,
    *,
    member_id: int | None,
    action: str,
    entity: str,
    entity_id: Any,
    detail: dict | None = None,
) -> None:
    """Add an audit row in the caller's transaction (so it commits or rolls back with the write)."""
    session.add(AuditLog(member_id=member_id, action=action, entity=entity, entity_id=str(entity_id), detail=detail))
