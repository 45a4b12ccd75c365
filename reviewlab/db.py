"""Engine factory, schema migration and session scope: the only place that opens connections."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
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
UNMANAGED_PREFIXES = ("message_fts", "ix_message_content_fts", "ix_message_id_conversation")


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
    command.upgrade(alembic_config(engine), "head")


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



def analyze(engine: Engine) -> None:
    """Refresh the query planner's statistics; run after a bulk import.

    Without them SQLite cannot tell a selective index (a date range) from an unselective one (one of two variants)
    and the explorer's filtered queries read half the table (see bench/review_bench.py).
    """
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")

T = TypeVar("T")
# PostgreSQL: serialization failure, deadlock detected. SQLite: the busy timeout ran out.
TRANSIENT_SQLSTATES = ("40001", "40P01")


def is_transient(error: DBAPIError) -> bool:
    """Would the same transaction probably succeed if simply run again?"""
    if getattr(error.orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(error.orig) or "database is busy" in str(error.orig)


def run_in_transaction(engine: Engine, work: Callable[[Session], T], *, write: bool = True, retries: int = 4) -> T:
    """Run `work(session)` in its own transaction and commit; rerun it from scratch on a transient failure.

    `work` must do all its reads and writes through the session it is given, so a rerun starts clean.
    """
    attempt = 0
    while True:
        try:
            with session_scope(engine, write=write) as session:
                return work(session)
        except DBAPIError as error:
            if attempt >= retries or not is_transient(error):
                raise
            attempt += 1
            time.sleep(random.uniform(0.01, 0.05) * 2**attempt)  # back off with jitter, so retriers do not collide
