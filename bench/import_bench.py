"""Import speed and memory: ReviewLab's importer against raw sqlite3.executemany of the same rows.

    python bench/import_bench.py            # 100k conversations / 800k messages of OpenAI JSONL
    python bench/import_bench.py --quick    # 10k conversations, under a minute

1. Generates OpenAI chat JSONL (deterministic, seed 7) into a temporary folder.
2. Imports it with `reviewlab.ingest.import_paths` into a fresh migrated SQLite database, in a subprocess, so
   its peak memory (ru_maxrss) is the importer's alone. Timed: reading, parsing, validating, the idempotence
   check and the one-transaction insert. The full-text index sync that follows is timed apart.
3. Inserts the very same rows (same conversation ids, same stored values) with raw sqlite3.executemany into
   another fresh migrated database, same pragmas, one transaction: the speed limit of the storage itself.
Rates count rows (conversations + messages) per second. Targets: import ≥ 1/3 of the raw rate, peak ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import ROOT, print_table, write_results

from reviewlab.db import make_engine, session_scope
from reviewlab.ingest import conversation_id, import_paths
from reviewlab.store.search import sync_search_index
from reviewlab.store.setup import ensure_ready

TARGET_RATIO = 1 / 3
TARGET_PEAK_MB = 500
MESSAGES_PER_CONVERSATION = 8
SOURCE = "bench"
START = datetime(2026, 1, 5, tzinfo=UTC)
WORDS = ("refund order account card payment delivery late cannot login password reset help please thanks broken "
         "app error invoice plan upgrade cancel address change export report slow crash billing charge twice why "
         "how when where what the a to my is not it and of for on with this that you can").split()
AREAS = ("billing", "search", "onboarding", "travel", "support", "reports")


# --- Data ------------------------------------------------------------------------------------------------


def conversations(n: int, seed: int = 7):
    """The generated conversations as Python objects (the JSONL lines before dumping)."""
    rnd = random.Random(seed)
    for i in range(n):
        start = START + timedelta(minutes=rnd.randrange(0, 12 * 7 * 24 * 60))
        messages = []
        for j in range(MESSAGES_PER_CONVERSATION):
            text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 60)))
            messages.append({"role": "user" if j % 2 == 0 else "assistant", "content": text,
                             "created_at": (start + timedelta(seconds=20 * j)).isoformat()})
        line = {"id": f"conv-{i:07d}", "user": f"user-{rnd.randrange(3000):04d}", "model": "gpt-4o",
                "prompt_version": rnd.choice(("v1", "v2")), "created_at": start.isoformat(),
                "metadata": {"product_area": rnd.choice(AREAS)}, "messages": messages}
        if rnd.random() < 0.1:
            line["feedback"] = {"thumb": rnd.choice(("up", "down"))}
        yield line


def write_jsonl(path: Path, n: int) -> None:
    with path.open("w") as f:
        for line in conversations(n):
            f.write(json.dumps(line) + "\n")


def _stored(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores a DATETIME in SQLite


def raw_rows(n: int) -> tuple[list[tuple], list[tuple]]:
    """The rows the importer writes for the same data, ready for executemany."""
    convs, msgs = [], []
    for line in conversations(n):
        cid = conversation_id(SOURCE, line["id"])
        stamps = [_stored(datetime.fromisoformat(m["created_at"])) for m in line["messages"]]
        feedback = {"up": 1.0, "down": -1.0}[line["feedback"]["thumb"]] if "feedback" in line else None
        meta = json.dumps({"model": line["model"], "prompt_version": line["prompt_version"],
                           "metadata": line["metadata"]})
        convs.append((cid, line["id"], SOURCE, 1, line["user"], _stored(datetime.fromisoformat(line["created_at"])),
                      stamps[-1], len(stamps), len(stamps) // 2, line["prompt_version"],
                      line["metadata"]["product_area"], feedback, meta))
        msgs.extend((cid, i, m["role"], m["content"], stamp) for i, (m, stamp) in enumerate(
            zip(line["messages"], stamps, strict=True)))
    return convs, msgs


def fresh_database(folder: Path, name: str) -> Path:
    path = folder / name
    engine = make_engine(f"sqlite:///{path}")
    ensure_ready(engine)
    engine.dispose()
    return path


# --- Measurements ----------------------------------------------------------------------------------------


def child_import(db: Path, jsonl: Path) -> dict:
    """Run in a subprocess: the import alone (for its peak memory), then the search index sync."""
    engine = make_engine(f"sqlite:///{db}")
    start, cpu = time.perf_counter(), time.process_time()
    [result] = import_paths(engine, [jsonl], source=SOURCE, search_index=False)
    import_s, import_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    assert result.error is None and not result.rejections, result.summary()
    peak_import_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    with session_scope(engine, write=True) as session:
        indexed = sync_search_index(session)
    fts_s = time.perf_counter() - start
    return {"rows": result.conversations_added + result.messages_added, "conversations": result.conversations_added,
            "messages": result.messages_added, "import_s": import_s, "import_cpu_s": import_cpu_s, "fts_s": fts_s,
            "indexed": indexed,
            "peak_import_mb": peak_import_mb,
            "peak_with_fts_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def raw_insert(db: Path, convs: list[tuple], msgs: list[tuple]) -> tuple[float, float]:
    """Seconds (wall, CPU) of inserting the rows in one transaction."""
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):  # as reviewlab.db sets them
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("INSERT INTO importbatch (id, source, format, file_name, file_sha256, imported_at, status, "
                 "conversations_added, conversations_skipped, messages_added, records_rejected) "
                 "VALUES (1, 'bench', 'openai', 'raw', '', '2026-01-01 00:00:00.000000', 'completed', 0, 0, 0, 0)")
    start, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO conversation (id, external_id, source, batch_id, user_id, started_at, ended_at, "
                     "n_messages, n_user_turns, variant, product_area, explicit_feedback, meta) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", convs)
    conn.executemany("INSERT INTO message (conversation_id, position, role, content, created_at) "
                     "VALUES (?, ?, ?, ?, ?)", msgs)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k conversations (under a minute)")
    parser.add_argument("--conversations", type=int, help="number of conversations (default 100k, quick 10k)")
    parser.add_argument("--child-import", nargs=2, metavar=("DB", "JSONL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        print(json.dumps(child_import(Path(args.child_import[0]), Path(args.child_import[1]))))
        return
    n = args.conversations or (10_000 if args.quick else 100_000)
    with tempfile.TemporaryDirectory(prefix="reviewlab-import-bench-") as tmp:
        folder = Path(tmp)
        jsonl = folder / "conversations.jsonl"
        start = time.perf_counter()
        write_jsonl(jsonl, n)
        print(f"generated {n:,} conversations ({jsonl.stat().st_size / 1e6:.0f} MB of JSONL) "
              f"in {time.perf_counter() - start:.1f} s")
        db_import = fresh_database(folder, "import.db")
        child = subprocess.run([sys.executable, __file__, "--child-import", str(db_import), str(jsonl)],
                               capture_output=True, text=True, cwd=ROOT, check=True)
        imported = json.loads(child.stdout.strip().splitlines()[-1])
        convs, msgs = raw_rows(n)
        raw_s, raw_cpu_s = raw_insert(fresh_database(folder, "raw.db"), convs, msgs)
    rows = imported["rows"]
    assert rows == len(convs) + len(msgs), (rows, len(convs) + len(msgs))
    raw_rate = rows / raw_s
    import_rate = rows / imported["import_s"]
    with_fts_rate = rows / (imported["import_s"] + imported["fts_s"])
    ratio, ratio_fts = import_rate / raw_rate, with_fts_rate / raw_rate
    cpu_ratio = raw_cpu_s / imported["import_cpu_s"]
    print_table(
        ["step", "seconds", "CPU s", "rows/s", "ratio to raw", "peak MB"],
        [
            ["raw sqlite3.executemany (rows prepared in memory)", raw_s, raw_cpu_s, round(raw_rate), 1.0, "-"],
            ["reviewlab import: JSONL file → database", imported["import_s"], imported["import_cpu_s"],
             round(import_rate), round(ratio, 3), round(imported["peak_import_mb"], 1)],
            ["  + full-text index sync (own transaction)", imported["fts_s"], "-", "-", "-", "-"],
            ["reviewlab import incl. full-text sync", imported["import_s"] + imported["fts_s"], "-",
             round(with_fts_rate), round(ratio_fts, 3), round(imported["peak_with_fts_mb"], 1)],
        ],
    )
    print(f"ratio of CPU times (raw / import, less sensitive to a busy machine): {cpu_ratio:.3f}")
    ok = ratio >= TARGET_RATIO and imported["peak_import_mb"] <= TARGET_PEAK_MB
    print(f"{imported['conversations']:,} conversations + {imported['messages']:,} messages = {rows:,} rows; "
          f"targets: ratio ≥ {TARGET_RATIO:.2f} (import without the index sync, like raw), peak ≤ {TARGET_PEAK_MB} MB"
          f" → {'met' if ok else 'NOT met'}")
    write_results("import", {
        "conversations": n, "rows": rows, "raw_seconds": raw_s, "raw_rows_per_s": raw_rate,
        "raw_cpu_seconds": raw_cpu_s, "import_seconds": imported["import_s"], "import_cpu_seconds":
        imported["import_cpu_s"], "cpu_ratio": cpu_ratio, "import_rows_per_s": import_rate,
        "fts_seconds": imported["fts_s"],
        "import_with_fts_rows_per_s": with_fts_rate, "import_ratio": ratio, "import_with_fts_ratio": ratio_fts,
        "peak_import_mb": imported["peak_import_mb"], "peak_with_fts_mb": imported["peak_with_fts_mb"],
        "targets": {"import_ratio": TARGET_RATIO, "peak_mb": TARGET_PEAK_MB}, "met": ok,
    })
    print(f"RESULT import_ratio={ratio:.3f} peak_mb={imported['peak_import_mb']:.0f}")


if __name__ == "__main__":
    main()
