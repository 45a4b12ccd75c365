"""Engine factory, schema migration and session scope: the only place that opens connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from reviewlab.config import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: the configured database). SQLite gets WAL, foreign keys and a busy timeout."""
    url = url or get_settings().database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy, not the driver, manage transactions, so BEGIN IMMEDIATE works for writers.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) so two writers never deadlock on a lock
    # upgrade; readers use a deferred BEGIN and keep reading from their WAL snapshot during a long import.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# Tables and indexes created by raw SQL in migrations (full-text search) that autogenerate must not drop.
UNMANAGED_PREFIXES = ("message_fts", "ix_message_content_fts")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (name or "").startswith(UNMANAGED_PREFIXES)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def is_new_database(engine: Engine) -> bool:
    return "alembic_version" not in inspect(engine).get_table_names()


def migrate(engine: Engine) -> None:
    """Bring the database schema up to date (creates it when empty)."""
    command.upgrade(alembic_config(engine), "heads")


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error.

    Pass ``write=True`` for any unit that writes: on SQLite it takes the write lock at BEGIN.
    """
    with Session(engine, expire_on_commit=False) as session:
        if write:
            session.connection(execution_options={"sqlite_immediate": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
