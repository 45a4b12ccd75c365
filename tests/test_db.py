"""Schema, migrations and engine settings."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from reviewlab.db import include_object, make_engine, session_scope
from reviewlab.models import Tag
from reviewlab.store.setup import ensure_ready
from reviewlab.taxonomy import DEFAULT_TAGS


def test_migrations_build_an_empty_database_and_match_the_models(any_engine):
    tables = set(inspect(any_engine).get_table_names())
    assert {"conversation", "message", "annotation", "issue", "decision", "auditlog"} <= tables
    with any_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": False})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == [], f"models and migrations differ; generate a migration: {diff}"


def test_ensure_ready_is_idempotent_and_seeds_taxonomy_once(sqlite_url):
    engine = make_engine(sqlite_url)
    assert ensure_ready(engine) is True
    assert ensure_ready(engine) is False
    with session_scope(engine) as session:
        names = session.exec(select(Tag.name)).all()
    assert sorted(names) == sorted(t[0] for t in DEFAULT_TAGS)


def test_sqlite_pragmas(engine):
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
