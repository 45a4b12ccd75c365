"""Shared fixtures: a real temporary database (SQLite file, or PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reviewlab.db import make_engine, session_scope
from reviewlab.store.setup import ensure_ready

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTGRES_URL = os.environ.get("REVIEWLAB_TEST_POSTGRES_URL")  # e.g. postgresql+psycopg://postgres@127.0.0.1:5433/postgres


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data, or skip the test with a clear reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'reviewlab.db'}"


@pytest.fixture
def engine(sqlite_url: str):
    """A migrated SQLite database in a temporary file."""
    eng = make_engine(sqlite_url)
    ensure_ready(eng)
    yield eng
    eng.dispose()


def _fresh_postgres_database() -> str:
    if not POSTGRES_URL:
        if os.environ.get("REVIEWLAB_REQUIRE_POSTGRES"):
            pytest.fail("REVIEWLAB_REQUIRE_POSTGRES is set but REVIEWLAB_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL not configured (set REVIEWLAB_TEST_POSTGRES_URL)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request, sqlite_url: str):
    """The data layer on SQLite and on a real PostgreSQL server (each test gets a fresh database)."""
    url = sqlite_url if request.param == "sqlite" else _fresh_postgres_database()
    eng = make_engine(url)
    ensure_ready(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with session_scope(engine, write=True) as s:
        yield s


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def open_page(monkeypatch, sqlite_url, engine):
    """Run app.py on the test database and switch to a page: `at = open_page("pages/review/reader.py")`.

    Pass `member_id=` to act as that member, `query_params=` to simulate a deep link with parameters.
    """
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("REVIEWLAB_DATABASE_URL", sqlite_url)

    def _open(page: str, *, member_id: int | None = None, query_params: dict | None = None) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if member_id is not None:
            at.session_state["member_id"] = member_id
        at.run()  # registers the pages (st.navigation): before it, switch_page cannot resolve a custom url_path
        for key, value in (query_params or {}).items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open
