"""Settings read from the environment, with defaults that work on a fresh clone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Every setting ReviewLab reads, with its default and meaning (the README documents each; a test checks).
SETTINGS = {
    "REVIEWLAB_DATABASE_URL": "SQLAlchemy URL of the store (default: SQLite file data/reviewlab.db)",
    "REVIEWLAB_DATA_DIR": "folder for the default database and demo files (default: ./data)",
    "REVIEWLAB_EMBEDDING_MODEL": "sentence-transformers model name or path (default: the packaged all-MiniLM-L6-v2)",
    "REVIEWLAB_MAX_MESSAGE_CHARS": "messages longer than this are rejected at import (default: 100000)",
}

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    embedding_model: str
    max_message_chars: int


def get_settings() -> Settings:
    data_dir = Path(os.environ.get("REVIEWLAB_DATA_DIR") or Path.cwd() / "data")
    url = os.environ.get("REVIEWLAB_DATABASE_URL") or f"sqlite:///{data_dir / 'reviewlab.db'}"
    return Settings(
        database_url=url,
        data_dir=data_dir,
        embedding_model=os.environ.get("REVIEWLAB_EMBEDDING_MODEL") or DEFAULT_EMBEDDING_MODEL,
        max_message_chars=int(os.environ.get("REVIEWLAB_MAX_MESSAGE_CHARS") or 100_000),
    )
