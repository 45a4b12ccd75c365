"""Real-browser fixtures: the app (`reviewlab serve`) on a temporary database, driven by Playwright in Debian chromium.

    def test_x(live_app, browser_page):
        app = live_app(seed=lambda engine: ...)   # seed writes to the app's database before the server starts
        open_app(browser_page, app.url + "/conversations")

Tests here skip when chromium is missing, unless REVIEWLAB_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy.engine import Engine

from reviewlab.db import make_engine
from reviewlab.store.setup import ensure_ready
from tests.conftest import ROOT

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 60
APP_IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveApp:
    url: str  # base URL, e.g. http://127.0.0.1:40123
    engine: Engine  # the same database the server uses (for seeding more data or asserting writes)
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _wait_healthy(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    log = log_path.read_text(errors="replace")
    raise RuntimeError(f"streamlit not healthy after {SERVER_START_TIMEOUT_S}s:\n{log}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Callable[..., LiveApp]]:
    """Factory: `live_app(seed=None)` starts a fresh server on its own database and returns a LiveApp.

    The server is always stopped at teardown, whatever the test did.
    """
    procs: list[subprocess.Popen] = []
    engines: list[Engine] = []

    def start(seed: Callable[[Engine], object] | None = None) -> LiveApp:
        n = len(procs)
        db_url = f"sqlite:///{tmp_path / f'live{n}.db'}"
        engine = make_engine(db_url)
        engines.append(engine)
        ensure_ready(engine)
        if seed is not None:
            seed(engine)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = tmp_path / f"streamlit{n}.log"
        env = {
            **os.environ,
            "REVIEWLAB_DATABASE_URL": db_url,
            "REVIEWLAB_DATA_DIR": str(tmp_path / "data"),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        command = [
            sys.executable, "-m", "reviewlab.cli", "serve",
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
        ]  # fmt: skip
        with log_path.open("wb") as log:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(proc)
        _wait_healthy(proc, url, log_path)
        return LiveApp(url=url, engine=engine, log_path=log_path)

    try:
        yield start
    finally:
        for proc in procs:
            _stop(proc)
        for engine in engines:
            engine.dispose()


def _unavailable(reason: str) -> NoReturn:
    """Skip, or fail in CI (REVIEWLAB_REQUIRE_BROWSER=1), where a browser test must never be skipped."""
    if os.environ.get("REVIEWLAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"REVIEWLAB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser():
    path = _chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    if path is None:
        _unavailable(f"chromium not found (looked for {', '.join(CHROMIUM_CANDIDATES)}); apt-get install chromium")

    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # assertions wait longer than the 5 s default on a loaded 2-core machine
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium_browser):
    """A fresh Playwright page (own cookies and storage). `page.errors` collects uncaught page errors."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(90_000)  # generous: CI machines have 2 cores
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()


def wait_for_app(page) -> None:
    """Wait until Streamlit is connected and the script run has finished."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", state="attached")
    page.wait_for_selector(APP_IDLE_SELECTOR, state="attached")
    # A rerun may start right after the first one (query params, widgets); wait until it settles too.
    page.wait_for_timeout(300)
    page.wait_for_selector(APP_IDLE_SELECTOR, state="attached")


def open_app(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
