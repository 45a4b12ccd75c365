"""Bad input: each rejected record is reported with file, line, field and reason while the good ones import;
a file that cannot be read at all gets one clear error and writes nothing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewlab.db import session_scope
from reviewlab.ingest import import_paths
from reviewlab.models import Conversation, ImportBatch, Message

GOOD = {"id": "good", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def jsonl(*lines) -> str:
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)


def count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def one_import(engine, tmp_path: Path, name: str, text: str | bytes, **kwargs):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    [result] = import_paths(engine, [path], **kwargs)
    return result


BAD_OPENAI_LINES = [
    ('{"id": "x", "messages": [', "json", "malformed JSON"),
    ('{"id": "cut", "messages": [{"role": "user", "content": "oops"', "json", "at the end of the record (is it cut"),
    ('{"id": "tab", "messages": "a\tb"}', "json", "malformed JSON: Invalid control character at column 29"),
    ({"id": "r", "messages": [{"content": "no role"}]}, "messages[0].role", "missing role"),
    ({"id": "c", "messages": [{"role": "user"}]}, "messages[0].content", "missing content"),
    ({"id": "e", "messages": [{"role": "user", "content": "   "}]}, "messages[0].content", "missing content"),
    ({"id": "u", "messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role", "unknown role 'wizard'"),
    ({"id": "z", "messages": []}, "messages", "empty conversation"),
    ({"id": "m"}, "messages", "missing messages"),
    ({"id": "t", "created_at": "last tuesday", "messages": GOOD["messages"]}, "created_at", "bad timestamp"),
    ({"id": "t2", "messages": [{"role": "user", "content": "x", "created_at": "2026-13-45"}]},
     "messages[0].created_at", "bad timestamp"),
    ({"id": "f", "feedback": "meh", "messages": GOOD["messages"]}, "feedback", "unreadable feedback"),
    ({"id": "big", "messages": [{"role": "user", "content": "x" * 101}]}, "messages[0].content", "exceeds the limit"),
    ('["not", "an", "object"]', None, "expected a JSON object"),
]


@pytest.mark.parametrize(("line", "field", "reason"), BAD_OPENAI_LINES)
def test_each_bad_openai_line_is_reported_and_the_good_ones_import(engine, tmp_path, monkeypatch, line, field, reason):
    monkeypatch.setenv("REVIEWLAB_MAX_MESSAGE_CHARS", "100")
    result = one_import(engine, tmp_path, "chat.jsonl", jsonl(GOOD, line, {**GOOD, "id": "good2"}), format="openai")
    assert result.error is None and result.conversations_added == 2
    [rejection] = result.rejections
    assert (rejection.file, rejection.line, rejection.field) == ("chat.jsonl", 2, field)
    assert reason in rejection.reason
    with session_scope(engine) as s:
        batch = s.get(ImportBatch, result.batch_id)
        assert batch.status == "completed" and batch.records_rejected == 1
        assert batch.report == [{"file": "chat.jsonl", "line": 2, "field": field, "reason": rejection.reason}]


def test_bad_records_in_the_other_formats_are_reported_with_their_line(engine, tmp_path):
    sharegpt = one_import(engine, tmp_path, "s.json", json.dumps([
        {"id": "a", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
        {"id": "b", "conversations": [{"from": "alien", "value": "q"}]},
        {"id": "c", "conversations": [{"from": "human"}]},
    ], indent=1))
    assert sharegpt.conversations_added == 1
    assert [(r.line, r.field, r.reason) for r in sharegpt.rejections] == [
        (15, "conversations[0].from", "unknown role 'alien'"), (24, "conversations[0].value", "missing content")]

    csv = one_import(engine, tmp_path, "log.csv", "conversation_id,role,content,timestamp\n"
                     "a,user,hi,2026-01-01T00:00:00Z\n,user,orphan,\nb,user,x,yesterday\nc,robot,x,\n")
    assert csv.conversations_added == 1
    assert [(r.line, r.field, r.reason.split(" '")[0]) for r in csv.rejections] == [
        (3, "conversation_id", "missing conversation id"), (4, "created_at", "bad timestamp"),
        (5, "role", "unknown role")]

    hh = one_import(engine, tmp_path, "hh.jsonl", jsonl(
        {"chosen": "\n\nHuman: hi\n\nAssistant: hello"}, {"chosen": "no speakers at all"}, {"rejected": "x"},
        {"chosen": "\n\nHuman: hi\n\nAssistant:"}))
    assert hh.conversations_added == 1
    assert [(r.line, r.field) for r in hh.rejections] == [(2, "chosen"), (3, "chosen"), (4, "messages[1].content")]


def test_a_truncated_json_array_keeps_the_records_before_the_damage(engine, tmp_path):
    text = json.dumps([GOOD, {**GOOD, "id": "g2"}, {**GOOD, "id": "g3"}], indent=2)
    result = one_import(engine, tmp_path, "cut.json", text[: len(text) // 2 + 40])
    assert result.conversations_added >= 1
    [rejection] = result.rejections
    assert rejection.field == "json" and "rest of the file was not read" in rejection.reason and rejection.line > 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary file"),
    ("logs.zip", b"PK\x03\x04" + bytes(50), "zip archive"),
    ("notes.txt", b"Just some notes about the week.\nNothing structured here.\n", "unknown format"),
    ("latin1.jsonl", jsonl(GOOD).encode() + '{"id": "caf\xe9"}\n'.encode("latin-1"), "unreadable encoding"),
    ("empty.jsonl", b"  \n\n", "empty"),
    ("bad.gz", b"\x1f\x8b\x08\x00garbage", "gzip"),
    ("people.csv", b"name,email\nAda,ada@example.org\n", "no conversation_id, role, content column"),
])
def test_unreadable_files_get_one_clear_error_and_write_nothing(engine, tmp_path, name, content, message):
    result = one_import(engine, tmp_path, name, content)
    assert result.error is not None and message in result.error and name in result.error
    assert result.conversations_added == 0
    assert count(engine, Conversation) == 0 and count(engine, Message) == 0
    with session_scope(engine) as s:
        batch = s.get(ImportBatch, result.batch_id)
        assert batch.status == "failed" and batch.conversations_added == 0
        assert batch.report[-1]["reason"] == result.error


def test_an_encoding_error_deep_in_the_file_rolls_back_everything(engine, tmp_path):
    good_part = "".join(json.dumps({**GOOD, "id": f"g{i}"}) + "\n" for i in range(5000))  # beyond the sniffed head
    result = one_import(engine, tmp_path, "late.jsonl", good_part.encode() + b'{"id": "\xff\xfe"}\n')
    assert result.error and "unreadable encoding" in result.error
    assert count(engine, Conversation) == 0  # the 5,000 good lines before it were rolled back with the batch


def test_forced_format_that_does_not_fit_rejects_each_record(engine, tmp_path):
    result = one_import(engine, tmp_path, "chat.jsonl", jsonl(GOOD), format="hh")
    assert result.conversations_added == 0 and result.rejections[0].reason.startswith("missing transcript")


def test_gzip_and_utf16_files_are_read(engine, tmp_path):
    path = tmp_path / "chat.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(jsonl(GOOD))
    [gz] = import_paths(engine, [path])
    utf16 = one_import(engine, tmp_path, "w.jsonl", jsonl({**GOOD, "id": "w"}).encode("utf-16"))
    assert gz.conversations_added == 1 and utf16.conversations_added == 1
