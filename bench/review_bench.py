"""Review workspace speed on a year of logs: explorer query, opening a conversation, full-text search.

    python bench/review_bench.py            # 100k conversations / ~800k messages (built once, cached under /tmp)
    python bench/review_bench.py --quick    # 10k conversations, under a minute

The database is generated (deterministic, seed 7), bulk-inserted with sqlite3.executemany into a schema migrated
by ReviewLab, and indexed for full-text search by reviewlab.store.search.sync_search_index. The timings call the
same store functions the pages call, each in its own session, as a page load does.
Targets (issue 3): explorer ≤ 150 ms, open ≤ 50 ms, search ≤ 300 ms (medians).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from common import median_ms, p95_ms, print_table, timed_wall_cpu_ms, write_results

from reviewlab.db import alembic_config, analyze, make_engine, session_scope
from reviewlab.store.annotations import annotations_frame, judgements_frame
from reviewlab.store.conversations import (
    ConversationFilter,
    get_transcript,
    neighbours,
    query_conversations,
)
from reviewlab.store.search import sync_search_index
from reviewlab.store.setup import ensure_ready

TARGETS_MS = {"explorer": 150.0, "open": 50.0, "transcript": 50.0, "search": 300.0}
HEADLINE_AREAS = ("explorer", "open", "search")
GENERATOR_VERSION = 2  # bump when the generated data changes, so cached databases are rebuilt
CACHE_DIR = Path(tempfile.gettempdir()) / "reviewlab-bench"
END = datetime(2026, 11, 1)  # the logs cover the year before this (naive: UTC, formatted as SQLAlchemy stores it)
DAYS = 365
VARIANTS = ("v1", "v2")
SOURCES = ("web", "mobile")
AREAS = ("billing", "search", "onboarding", "travel", "support", "reports")
MEMBERS = 8
VOCABULARY = 20_000
CHUNK = 5_000  # conversations generated and inserted per executemany round


# --- Building the database ------------------------------------------------------------------------------------


def make_vocabulary(rng: random.Random) -> list[str]:
    """Distinct pronounceable words; the list order is their frequency rank (Zipf-like weights below)."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words: dict[str, None] = {}
    while len(words) < VOCABULARY:
        words["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


def schema_key() -> str:
    from alembic.script import ScriptDirectory

    heads = sorted(ScriptDirectory.from_config(alembic_config(None)).get_heads())
    return hashlib.sha1(f"{heads}{GENERATOR_VERSION}".encode()).hexdigest()[:10]


def build_database(path: Path, n_conversations: int, seed: int = 7) -> dict:
    """Write the benchmark database to `path` (via a temporary file, so a killed build leaves nothing)."""
    partial = path.with_suffix(".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{partial}"
    engine = make_engine(url)
    ensure_ready(engine)  # schema by ReviewLab's migrations, default taxonomy
    engine.dispose()

    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    vocabulary = np.array(make_vocabulary(rng), dtype=object)
    weights = 1.0 / np.arange(1, VOCABULARY + 1) ** 1.07
    weights /= weights.sum()

    started = time.perf_counter()
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    now = _sqlite_time(datetime.now(UTC).replace(tzinfo=None))
    conn.executemany(
        "INSERT INTO member (id, name, email, function, side, active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
        [(i, f"Reviewer {i}", f"r{i}@example.com", "product", "builder", now) for i in range(1, MEMBERS + 1)],
    )
    conn.execute(
        "INSERT INTO importbatch (id, source, format, file_name, file_sha256, imported_at, status, conversations_added,"
        " conversations_skipped, messages_added, records_rejected)"
        " VALUES (1, 'bench', 'openai', 'bench.jsonl', ?, ?, 'completed', ?, 0, 0, 0)",
        ("0" * 64, now, n_conversations),
    )
    tag_ids = [row[0] for row in conn.execute("SELECT id FROM tag ORDER BY id")]
    n_messages = n_annotations = n_judgements = 0
    for first in range(0, n_conversations, CHUNK):
        indexes = range(first, min(first + CHUNK, n_conversations))
        conversations, messages, annotations, judgements = _chunk(
            indexes, rng, np_rng, vocabulary, weights, tag_ids, n_conversations
        )
        conn.executemany(
            "INSERT INTO conversation (id, external_id, source, batch_id, user_id, started_at, ended_at, n_messages,"
            " n_user_turns, variant, product_area, explicit_feedback, frustration)"
            " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            conversations,
        )
        conn.executemany(
            "INSERT INTO message (conversation_id, position, role, content, created_at) VALUES (?, ?, ?, ?, ?)",
            messages,
        )
        conn.executemany(
            "INSERT INTO annotation (conversation_id, message_id, tag_id, member_id, note, created_at)"
            " VALUES (?, NULL, ?, ?, '', ?)",
            annotations,
        )
        conn.executemany(
            "INSERT INTO judgement (conversation_id, member_id, intent, intent_fulfilled, satisfaction,"
            " task_completed, note, created_at, updated_at) VALUES (?, ?, 'find answer', 'yes', ?, 'yes', '', ?, ?)",
            judgements,
        )
        n_messages += len(messages)
        n_annotations += len(annotations)
        n_judgements += len(judgements)
    conn.execute("COMMIT")
    conn.close()
    insert_s = time.perf_counter() - started

    started = time.perf_counter()
    engine = make_engine(url)
    with session_scope(engine, write=True) as session:
        indexed = sync_search_index(session)
    analyze(engine)  # planner statistics, refreshed after every import as well
    engine.dispose()
    index_s = time.perf_counter() - started
    partial.rename(path)
    for leftover in (Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    return {
        "conversations": n_conversations,
        "messages": n_messages,
        "annotations": n_annotations,
        "judgements": n_judgements,
        "indexed": indexed,
        "insert_s": round(insert_s, 1),
        "index_s": round(index_s, 1),
        "vocabulary": list(vocabulary[:5]),
    }


def _chunk(indexes, rng, np_rng, vocabulary, weights, tag_ids, n_total):
    conversations, messages, annotations, judgements = [], [], [], []
    n_users = max(n_total // 10, 1)
    lengths = []
    plan = []
    for i in indexes:
        turns = 2 * rng.randint(1, 7)  # 2..14 messages, 8 on average
        plan.append((i, turns))
        lengths.extend(rng.randint(6, 60) for _ in range(turns))
    tokens = np_rng.choice(VOCABULARY, size=sum(lengths), p=weights)
    words = vocabulary[tokens]
    offset = 0
    length_iter = iter(lengths)
    for i, turns in plan:
        cid = hashlib.md5(f"bench-{i}".encode()).hexdigest()
        start = END - timedelta(seconds=rng.uniform(0, DAYS * 86_400))
        feedback = rng.choice((-1.0, 1.0)) if rng.random() < 0.1 else None
        for position in range(turns):
            n = next(length_iter)
            content = " ".join(words[offset : offset + n])
            offset += n
            at = _sqlite_time(start + timedelta(seconds=30 * position))
            messages.append((cid, position, "user" if position % 2 == 0 else "assistant", content, at))
        conversations.append((
            cid, f"bench-{i}", rng.choice(SOURCES), f"user-{rng.randrange(n_users)}", _sqlite_time(start),
            _sqlite_time(start + timedelta(seconds=30 * (turns - 1))), turns, turns // 2,
            rng.choice(VARIANTS), rng.choice(AREAS), feedback, round(rng.betavariate(2, 5), 3),
        ))  # fmt: skip
        if rng.random() < 0.1:  # a tenth of the conversations were reviewed: 1-3 tags, some with a judgement
            created = _sqlite_time(start + timedelta(days=rng.uniform(0, 7)))
            members = rng.sample(range(1, MEMBERS + 1), rng.randint(1, 3))
            for member in members:
                annotations.append((cid, rng.choice(tag_ids[:6]), member, created))
                if rng.random() < 0.5:
                    judgements.append((cid, member, rng.randint(1, 5), created, created))
    return conversations, messages, annotations, judgements


def _sqlite_time(moment: datetime) -> str:
    """A naive UTC datetime as SQLAlchemy stores DateTime on SQLite ("2026-11-01 09:30:00.000000")."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def database_for(n_conversations: int, rebuild: bool) -> tuple[Path, dict | None]:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"review-{n_conversations}-{schema_key()}.db"
    if rebuild:
        path.unlink(missing_ok=True)
    if path.exists():
        return path, None
    print(f"Building {path} ({n_conversations:,} conversations)…", flush=True)
    return path, build_database(path, n_conversations)


# --- The timed operations -------------------------------------------------------------------------------------


def explorer_cases(rng: random.Random, tag_ids: list[int]) -> list[tuple[str, dict]]:
    """Explorer views a reviewer opens: filters + sort, third page of 50."""
    day = date(2026, 10, 31) - timedelta(days=rng.randrange(0, 270))
    variant, area, source = rng.choice(VARIANTS), rng.choice(AREAS), rng.choice(SOURCES)
    tag = rng.choice(tag_ids[:6])
    return [
        (
            "variant + 90 days + tag, newest first",
            {
                "filters": ConversationFilter(
                    variants=[variant], date_from=day - timedelta(days=90), date_to=day, tags_any=[tag]
                )
            },
        ),
        (
            "variant + 30 days, newest first",
            {"filters": ConversationFilter(variants=[variant], date_from=day - timedelta(days=30), date_to=day)},
        ),
        ("no filter, newest first", {"filters": ConversationFilter()}),
        (
            "area + not reviewed, most frustrated",
            {"filters": ConversationFilter(product_areas=[area], reviewed=False), "sort": "frustration"},
        ),
        (
            "thumbs-down + source, oldest first",
            {"filters": ConversationFilter(feedback="negative", sources=[source]), "descending": False},
        ),
    ]


def search_cases(rng: random.Random, vocabulary: list[str]) -> list[tuple[str, str]]:
    def word(lo: int, hi: int) -> str:
        return vocabulary[rng.randrange(lo, hi)]

    return [
        ("very common word (rank 50-100)", word(50, 100)),
        ("mid word (rank 300-1000)", word(300, 1000)),
        ("rare word (rank 3000-10000)", word(3000, 10_000)),
        ("two words", f"{word(100, 300)} {word(100, 300)}"),
        ("prefix*", word(300, 1000)[:4] + "*"),
    ]


def run(path: Path, repeat: int, seed: int = 11) -> dict:
    engine = make_engine(f"sqlite:///{path}")
    rng = random.Random(seed)
    vocabulary = make_vocabulary(random.Random(7))
    with session_scope(engine) as session:
        tag_ids = [row[0] for row in session.connection().exec_driver_sql("SELECT id FROM tag ORDER BY id")]
        ids = [row[0] for row in session.connection().exec_driver_sql("SELECT id FROM conversation")]

    def explorer(case: dict) -> None:
        with session_scope(engine) as session:
            query_conversations(session=session, page=2, page_size=50, **case)

    def open_conversation(cid: str) -> None:  # what the reader loads for one conversation
        with session_scope(engine) as session:
            get_transcript(session=session, conversation_id=cid)
            annotations_frame(session=session, conversation_id=cid)
            judgements_frame(session=session, conversation_id=cid)
            neighbours(session=session, filters=ConversationFilter(), conversation_id=cid, member_id=1)

    def transcript_only(cid: str) -> None:
        with session_scope(engine) as session:
            get_transcript(session=session, conversation_id=cid)

    def search(text: str) -> None:
        with session_scope(engine) as session:
            query_conversations(session=session, filters=ConversationFilter(text=text), page=0, page_size=50)

    samples: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    explorer(explorer_cases(rng, tag_ids)[0][1])  # warm the page cache once, as a running server would be
    for _ in range(repeat):
        for name, case in explorer_cases(rng, tag_ids):
            samples["explorer"][name].append(timed_wall_cpu_ms(lambda c=case: explorer(c)))
        cid = rng.choice(ids)
        reader = "reader load (transcript, tags, judgements, neighbours)"
        samples["open"][reader].append(timed_wall_cpu_ms(lambda c=cid: open_conversation(c)))
        samples["transcript"]["get_transcript only"].append(timed_wall_cpu_ms(lambda c=cid: transcript_only(c)))
        for name, text in search_cases(rng, vocabulary):
            samples["search"][name].append(timed_wall_cpu_ms(lambda t=text: search(t)))
    engine.dispose()
    return samples


def _count_messages(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM message").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k conversations, fewer repeats (under a minute)")
    parser.add_argument("--conversations", type=int, help="database size (default 100000, quick 10000)")
    parser.add_argument("--repeat", type=int, help="timed runs of each case (default 15, quick 5)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached database")
    args = parser.parse_args()
    n = args.conversations or (10_000 if args.quick else 100_000)
    repeat = args.repeat or (5 if args.quick else 15)

    path, build = database_for(n, args.rebuild)
    if build:
        print(f"Built: {build['messages']:,} messages, {build['annotations']:,} annotations; "
              f"insert {build['insert_s']} s, full-text index {build['index_s']} s")  # fmt: skip
    else:
        print(f"Using cached {path}")
    load_before = os.getloadavg()[0]
    samples = run(path, repeat)

    rows, cases, headline, worst = [], {}, {}, {}
    for area, by_case in samples.items():
        walls = {name: [wall for wall, _ in values] for name, values in by_case.items()}
        medians = {name: median_ms(values) for name, values in walls.items()}
        # The headline is the median over every timed query of the area (all its cases pooled); the slowest
        # case's median is reported beside it, so a slow view cannot hide in the pool.
        headline[area] = median_ms([v for values in walls.values() for v in values])
        worst[area] = max(medians.items(), key=lambda item: item[1])
        for name, values in by_case.items():
            cpu = median_ms([c for _, c in values])
            ok = "ok" if medians[name] <= TARGETS_MS[area] else "SLOW"
            rows.append((area, name, medians[name], p95_ms(walls[name]), cpu, TARGETS_MS[area], ok))
            cases[f"{area}: {name}"] = {
                "median_ms": round(medians[name], 1),
                "p95_ms": round(p95_ms(walls[name]), 1),
                "cpu_median_ms": round(cpu, 1),
            }
    print(f"\n{n:,} conversations, {repeat} runs per case (medians; explorer = page 3 of 50 rows)")
    print(f"load average during the run: {load_before:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print_table(["area", "case", "median ms", "p95 ms", "CPU ms", "target ms", ""], rows)
    met = {area: headline[area] <= TARGETS_MS[area] for area in HEADLINE_AREAS}
    all_cases_met = all(row[-1] == "ok" for row in rows)
    write_results(
        "review",
        {
            "conversations": n,
            "messages": _count_messages(path),
            "repeat": repeat,
            "database": str(path),
            "build": build,
            "targets_ms": TARGETS_MS,
            "median_ms": {area: round(headline[area], 1) for area in samples},
            "slowest_case": {area: {"case": name, "median_ms": round(ms, 1)} for area, (name, ms) in worst.items()},
            "targets_met": met,
            "every_case_within_target": all_cases_met,
            "cases": cases,
        },
    )
    print()
    for area in HEADLINE_AREAS:
        name, ms = worst[area]
        print(f"{area}: median {headline[area]:.1f} ms over all cases; slowest case {name!r} {ms:.1f} ms")
    verdict = "met" if all(met.values()) else "NOT met: " + ", ".join(k for k, v in met.items() if not v)
    print(f"Targets {verdict}" + ("" if all_cases_met else " (some cases are over target, see SLOW above)") + ".")
    print("RESULT " + " ".join(f"{area}_ms={headline[area]:.1f}" for area in HEADLINE_AREAS))


if __name__ == "__main__":
    main()
