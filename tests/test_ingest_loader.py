"""The import write path: stable ids, idempotence, one transaction per file (even when killed), the full-text
index, the data layer on SQLite and PostgreSQL, and memory that stays flat as files grow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from reviewlab.db import session_scope
from reviewlab.ingest import ConversationRecord, MessageRecord, conversation_id, import_paths, import_records
from reviewlab.ingest import loader as loader_module
from reviewlab.ingest.detect import open_import
from reviewlab.ingest.records import ReaderOptions
from reviewlab.models import AuditLog, Conversation, ImportBatch, Message
from tests.conftest import ROOT, shared_data


def chat(cid: str, *texts: str, **extra) -> dict:
    return {"id": cid, **extra, "messages": [{"role": "user" if i % 2 == 0 else "assistant", "content": t}
                                             for i, t in enumerate(texts)]}


def write_jsonl(path: Path, lines) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def counts(engine) -> tuple[int, int, int]:
    with session_scope(engine) as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Conversation, Message, ImportBatch))


def test_conversation_ids_are_stable_hashes_of_source_and_external_id():
    assert conversation_id("web", "c1") == conversation_id("web", "c1")
    assert conversation_id("web", "c1") != conversation_id("mobile", "c1")
    assert len(conversation_id("web", "c1")) == 32 and int(conversation_id("web", "c1"), 16) >= 0


def test_import_stores_rows_batch_audit_and_search_index(engine, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        chat("c1", "my card was charged twice", "sorry about that", user="u1", model="m1",
             feedback={"thumb": "up"}, created_at="2026-02-01T09:00:00+01:00"),
        chat("c2", "hello", "hi"),
    ])
    [result] = import_paths(engine, [path], source="web", member_id=None)
    assert (result.conversations_added, result.messages_added, result.indexed) == (2, 4, 4)
    with session_scope(engine) as s:
        conv = s.get(Conversation, conversation_id("web", "c1"))
        assert conv.batch_id == result.batch_id and conv.source == "web" and conv.user_id == "u1"
        assert conv.variant == "m1" and conv.explicit_feedback == 1.0 and conv.n_user_turns == 1
        assert conv.started_at == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
        message = s.execute(select(Message).where(Message.conversation_id == conv.id, Message.position == 1)
                            ).scalar_one()
        assert message.content == "sorry about that" and message.meta is None and message.tool_calls is None
        batch = s.get(ImportBatch, result.batch_id)
        assert (batch.status, batch.format, batch.file_name, batch.conversations_added) == ("completed", "openai",
                                                                                            "a.jsonl", 2)
        assert len(batch.file_sha256) == 64 and batch.finished_at is not None
        audit = s.execute(select(AuditLog).where(AuditLog.entity == "importbatch")).scalar_one()
        assert audit.action == "import" and audit.entity_id == str(result.batch_id)
        hits = s.execute(text("SELECT rowid FROM message_fts WHERE message_fts MATCH 'charged'")).all()
        assert [h[0] for h in hits] == [s.execute(select(Message.id).where(Message.content.like("%charged%")))
                                        .scalar_one()]


def test_reimport_and_overlapping_export_add_nothing_twice(engine, tmp_path):
    first = write_jsonl(tmp_path / "week1.jsonl", [chat(f"c{i}", "q", "a") for i in range(5)])
    overlap = write_jsonl(tmp_path / "week1-2.jsonl", [chat(f"c{i}", "q", "a") for i in range(3, 8)])
    [a] = import_paths(engine, [first], source="web")
    [again] = import_paths(engine, [first], source="web")
    [b] = import_paths(engine, [overlap], source="web")
    assert (a.conversations_added, again.conversations_added, again.conversations_skipped) == (5, 0, 5)
    assert (b.conversations_added, b.conversations_skipped) == (3, 2)
    assert counts(engine)[:2] == (8, 16)
    [other_source] = import_paths(engine, [first], source="mobile")  # another product's ids never collide
    assert other_source.conversations_added == 5


def test_overlapping_imports_at_the_same_time_both_succeed_and_add_each_conversation_once(any_engine, tmp_path,
                                                                                          monkeypatch):
    first = write_jsonl(tmp_path / "a.jsonl", [chat(f"c{i}", "q", "a") for i in range(0, 300)])
    second = write_jsonl(tmp_path / "b.jsonl", [chat(f"c{i}", "q", "a") for i in range(200, 500)])
    real_flush = loader_module._flush

    def slow_flush(session, pending, result):  # hold the transaction open so the two imports overlap
        time.sleep(0.5)
        real_flush(session, pending, result)

    monkeypatch.setattr(loader_module, "_flush", slow_flush)
    start = threading.Barrier(2)

    def run(path):
        start.wait()
        return import_paths(any_engine, [path], source="web")[0]

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(run, [first, second])
    assert a.ok and b.ok, (a.error, b.error)
    assert a.conversations_added + b.conversations_added == 500
    assert a.conversations_skipped + b.conversations_skipped == 100
    assert counts(any_engine)[:2] == (500, 1000)


def test_conversations_without_any_timestamp_are_counted_and_named_in_the_summary(engine, tmp_path):
    lines = [chat("dated", "q", "a", created_at="2026-02-01T08:00:00Z"), chat("undated", "q", "a")]
    [result] = import_paths(engine, [write_jsonl(tmp_path / "mixed.jsonl", lines)])
    assert (result.conversations_added, result.undated) == (2, 1)
    assert "1 of them without any timestamp, so no weekly figure" in result.summary()
    [again] = import_paths(engine, [write_jsonl(tmp_path / "dated.jsonl", lines[:1])], source="other")
    assert again.undated == 0 and "timestamp" not in again.summary()


def test_duplicates_within_one_file_are_skipped(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(loader_module, "CHUNK_CONVERSATIONS", 3)  # duplicates across chunks as well as within
    lines = [chat(f"c{i % 4}", "q", "a") for i in range(10)] + [{"messages": [{"role": "user", "content": "same"}]}] * 2
    [result] = import_paths(engine, [write_jsonl(tmp_path / "dups.jsonl", lines)])
    assert (result.conversations_added, result.conversations_skipped) == (5, 7)


def test_a_failure_mid_import_leaves_the_database_as_before_and_a_failed_batch(engine, tmp_path, monkeypatch):
    import_paths(engine, [write_jsonl(tmp_path / "before.jsonl", [chat("keep", "q", "a")])])
    before = counts(engine)
    monkeypatch.setattr(loader_module, "CHUNK_CONVERSATIONS", 10)
    calls = []
    real_flush = loader_module._flush

    def failing_flush(session, pending, result):
        calls.append(len(pending))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_flush(session, pending, result)

    monkeypatch.setattr(loader_module, "_flush", failing_flush)
    [result] = import_paths(engine, [write_jsonl(tmp_path / "big.jsonl", [chat(f"n{i}", "q", "a") for i in range(50)])])
    assert result.error == "RuntimeError: disk full" and len(calls) == 3  # two chunks were written, then rolled back
    conversations, messages, batches = counts(engine)
    assert (conversations, messages) == before[:2] and batches == before[2] + 1
    with session_scope(engine) as s:
        failed = s.get(ImportBatch, result.batch_id)
        assert failed.status == "failed" and failed.report[-1]["reason"] == "RuntimeError: disk full"


KILLER = textwrap.dedent("""
    import os, signal, sys
    from reviewlab.db import make_engine
    from reviewlab.ingest import import_paths, loader
    loader.CHUNK_CONVERSATIONS = 100
    flushes = []
    real_flush = loader._flush
    def flush_then_die(session, pending, result):
        real_flush(session, pending, result)
        flushes.append(1)
        if len(flushes) == 3:  # 300 conversations written inside the open transaction
            print("KILLING", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    loader._flush = flush_then_die
    import_paths(make_engine(sys.argv[1]), [sys.argv[2]], source="web")
""")


def test_an_import_killed_half_way_changes_nothing_and_a_rerun_completes(engine, sqlite_url, tmp_path):
    import_paths(engine, [write_jsonl(tmp_path / "earlier.jsonl", [chat("old", "q", "a")])], source="web")
    before = counts(engine)
    path = write_jsonl(tmp_path / "big.jsonl", [chat(f"c{i}", "q", "a", "q2") for i in range(1000)])
    proc = subprocess.run([sys.executable, "-c", KILLER, sqlite_url, str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == -signal.SIGKILL and "KILLING" in proc.stdout, proc.stderr
    assert counts(engine) == before  # nothing of the killed batch, not even its batch row
    [rerun] = import_paths(engine, [path], source="web")
    assert (rerun.conversations_added, rerun.conversations_skipped, rerun.error) == (1000, 0, None)
    assert counts(engine)[:2] == (before[0] + 1000, before[1] + 3000)


def test_hh_rlhf_file_imports_with_a_report_and_again_adds_nothing(engine):
    path = shared_data("hh-rlhf", "harmless-base-test.jsonl.gz")
    [first] = import_paths(engine, [path])
    [second] = import_paths(engine, [path])
    assert first.format == "hh" and first.error is None
    assert first.conversations_added + first.conversations_skipped + first.records_rejected == 2312
    assert first.conversations_added > 2250 and first.messages_added > 10_000
    assert all(r.reason == "missing content" and r.line for r in first.rejections)  # transcripts with an empty turn
    assert (second.conversations_added, second.messages_added) == (0, 0)
    assert second.conversations_skipped == first.conversations_added + first.conversations_skipped
    with session_scope(engine) as s:
        conv = s.execute(select(Conversation).where(Conversation.meta.is_not(None)).limit(1)).scalar_one()
        assert conv.meta["rejected_reply"]


def test_import_records_is_the_write_path_for_generated_data(engine):
    records = [
        ConversationRecord("d1", [MessageRecord("user", "hi", created_at=datetime(2026, 1, 5, 9, tzinfo=UTC)),
                                  MessageRecord("assistant", "hello", feedback=-1.0)],
                           user_id="u1", variant="v2", product_area="search", explicit_feedback=-1.0, meta={"k": 1}),
        ConversationRecord("d2", [MessageRecord("narrator", "?")]),
        ConversationRecord("d3", [MessageRecord("user", "naive", created_at=datetime(2026, 1, 5, 9))]),
    ]
    result = import_records(engine, records, source="demo", file_name="demo", format="demo", file_sha256="x")
    assert result.conversations_added == 1
    assert [(r.field, r.reason) for r in result.rejections] == [
        ("messages[0].role", "unknown role 'narrator'"), ("messages[0].created_at", "timestamp without a time zone")]
    with session_scope(engine) as s:
        conv = s.get(Conversation, conversation_id("demo", "d1"))
        assert (conv.variant, conv.product_area, conv.explicit_feedback, conv.meta) == ("v2", "search", -1.0, {"k": 1})
        assert conv.started_at == conv.ended_at == datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_data_layer_on_sqlite_and_postgresql(any_engine, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        chat("c1", "question", "answer", created_at="2026-03-01T12:00:00Z", metadata={"product_area": "billing"}),
        {"id": "t", "messages": [{"role": "user", "content": "weather?"},
                                 {"role": "assistant", "tool_calls": [{"id": "1", "type": "function",
                                                                       "function": {"name": "w", "arguments": "{}"}}]},
                                 {"role": "tool", "tool_call_id": "1", "content": "sunny"}]},
    ])
    [result] = import_paths(any_engine, [path], source="web")
    [langfuse] = import_paths(any_engine, [shared_data("formats", "langfuse", "blob-export",
                                                       "observations_v2.constructed.jsonl")])
    [again] = import_paths(any_engine, [path], source="web")
    assert (result.conversations_added, langfuse.conversations_added, again.conversations_skipped) == (2, 1, 2)
    with session_scope(any_engine) as s:
        conv = s.get(Conversation, conversation_id("web", "c1"))
        assert conv.product_area == "billing" and conv.started_at == datetime(2026, 3, 1, 12, tzinfo=UTC)
        tool = s.execute(select(Message).where(Message.conversation_id == conversation_id("web", "t"))
                         .order_by(Message.position)).scalars().all()
        assert tool[1].tool_calls[0]["function"]["name"] == "w" and tool[2].meta == {"tool_call_id": "1"}
        assert s.execute(select(func.count()).select_from(Message).where(Message.meta.is_(None))).scalar_one() > 0
        assert s.get(ImportBatch, again.batch_id).conversations_skipped == 2


def _peak_while_reading(path: Path) -> int:
    tracemalloc.start()
    with open_import(path) as opened:
        n = sum(1 for _ in opened.reader(opened.text, file=path.name, options=ReaderOptions()))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n > 0
    return peak


@pytest.mark.parametrize("shape", ["jsonl", "array"])
def test_reading_memory_stays_flat_as_files_grow(tmp_path, monkeypatch, shape):
    from reviewlab.ingest import streams

    monkeypatch.setattr(streams, "READ_CHUNK", 1 << 16)
    peaks = []
    for n in (2_000, 8_000):
        lines = [chat(f"c{i}", "some question " * 10, "an answer " * 20) for i in range(n)]
        path = tmp_path / f"{n}.{shape}"
        path.write_text("".join(json.dumps(x) + "\n" for x in lines) if shape == "jsonl"
                        else json.dumps(lines, indent=1))
        peaks.append(_peak_while_reading(path))
    small, large = peaks
    assert large < small * 1.5 + (256 << 10), peaks  # four times the file, about the same peak
    assert large < 4 << 20


@pytest.mark.parametrize("value", [
    datetime(2026, 1, 5, 9, 30, tzinfo=UTC), datetime(2026, 1, 5, 9, 30, 1, 250, tzinfo=UTC),
    datetime.fromisoformat("2026-06-30T23:59:59.999999-07:00"), datetime.fromisoformat("0999-12-31T00:00:00+05:30"),
])
def test_fast_sqlite_datetime_text_is_what_sqlalchemy_stores(engine, value):
    from reviewlab.store.imports import sqlite_utc_text

    sqlalchemy_processor = Message.__table__.c.created_at.type.dialect_impl(engine.dialect).bind_processor(
        engine.dialect)
    assert sqlite_utc_text(value) == sqlalchemy_processor(value)
