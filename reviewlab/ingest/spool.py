"""Group records that belong together but lie scattered through a file (spans of one trace, rows of one CSV
conversation, chunks of one ShareGPT conversation) in a temporary SQLite file, so memory stays flat.

Items are added under a key (a trace id, a conversation id); `link(key, group)` puts a key into a larger group
(traces into their session). `groups()` then yields each group's items, groups in order of first appearance,
items ordered by (order, arrival).
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Spool:
    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="reviewlab-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "spool.db", isolation_level=None)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE item (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, sort REAL, line INTEGER, data BLOB);"
            "CREATE TABLE grp (key TEXT PRIMARY KEY, grp TEXT NOT NULL);"
            "BEGIN;"
        )
        self._seq = 0

    def add(self, key: str, item: Any, *, line: int | None, order: float | None = None) -> None:
        self._seq += 1
        self._db.execute("INSERT INTO item VALUES (?, ?, ?, ?, ?)",
                         (self._seq, key, order, line, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)))

    def link(self, key: str, group: str) -> None:
        """Put all items of `key` into `group` (the first link of a key wins)."""
        self._db.execute("INSERT OR IGNORE INTO grp VALUES (?, ?)", (key, group))

    def groups(self) -> Iterator[tuple[str, list[tuple[int | None, Any]]]]:
        """(group, [(line, item), …]) for every group, one group in memory at a time."""
        self._db.execute("COMMIT")
        self._db.executescript(
            "CREATE TEMP TABLE member AS SELECT i.seq, coalesce(g.grp, i.key) AS grp FROM item i "
            "LEFT JOIN grp g ON g.key = i.key;"
            "CREATE TEMP TABLE firsts AS SELECT grp, min(seq) AS first_seq FROM member GROUP BY grp;"
            "CREATE INDEX temp.ix_member ON member (grp, seq);"
        )
        for (grp,) in self._db.cursor().execute("SELECT grp FROM firsts ORDER BY first_seq"):
            rows = self._db.execute(
                "SELECT i.line, i.data FROM member m JOIN item i ON i.seq = m.seq WHERE m.grp = ? "
                "ORDER BY i.sort IS NULL, i.sort, i.seq", (grp,))
            yield grp, [(line, pickle.loads(data)) for line, data in rows]

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
