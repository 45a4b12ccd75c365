"""Bring a database to a usable state: schema up to date, default taxonomy present."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from reviewlab.audit import record
from reviewlab.db import is_new_database, migrate, session_scope
from reviewlab.models import Tag
from reviewlab.taxonomy import DEFAULT_TAGS


def ensure_ready(engine: Engine) -> bool:
    """Migrate and seed the taxonomy. Returns True when the database was new (had no schema before)."""
    was_new = is_new_database(engine)
    migrate(engine)
    with session_scope(engine, write=True) as session:
        if session.exec(select(Tag.id).limit(1)).first() is None:
            for name, kind, description, colour in DEFAULT_TAGS:
                session.add(Tag(name=name, kind=kind, description=description, colour=colour))
            record(session, member_id=None, action="seed", entity="tag", entity_id="*", detail={"n": len(DEFAULT_TAGS)})
    return was_new
