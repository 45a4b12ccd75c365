"""`reviewlab import`: per-file report with file:line rejections, idempotent re-runs, non-zero exit on file errors."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from reviewlab.cli import app
from reviewlab.db import make_engine, session_scope
from reviewlab.models import Conversation

GOOD = {"id": "c1", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def test_cli_import_prints_the_report_and_is_idempotent(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("REVIEWLAB_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "chat.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps({"id": "x", "messages": []}) + "\n")
    (logs / "talk.csv").write_text("chat,who,said\nk,user,hello\n")
    runner = CliRunner()

    first = runner.invoke(app, ["import", str(logs), "--source", "web", "--column", "conversation_id=chat",
                                "--column", "role=who", "--column", "content=said"])
    assert first.exit_code == 0, first.output
    assert "chat.jsonl (openai): 1 conversation added (2 messages), 0 already present, 1 rejected" in first.output
    assert "chat.jsonl:2: messages: empty conversation" in first.output
    assert "talk.csv (csv): 1 conversation added" in first.output

    again = runner.invoke(app, ["import", str(logs / "chat.jsonl"), "--source", "web"])
    assert again.exit_code == 0 and "0 conversations added (0 messages), 1 already present" in again.output
    assert "nothing new" in again.output
    with session_scope(make_engine(url)) as s:
        assert s.execute(select(func.count()).select_from(Conversation)).scalar_one() == 2


def test_cli_import_fails_clearly_on_a_binary_file(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    blob = tmp_path / "dump.bin"
    blob.write_bytes(bytes(range(256)) * 4)
    result = CliRunner().invoke(app, ["import", str(blob)])
    assert result.exit_code == 1
    assert "dump.bin: FAILED, nothing imported: dump.bin: binary file" in result.output
    bad = CliRunner().invoke(app, ["import", str(blob), "--column", "role"])
    assert bad.exit_code != 0 and "NAME=COLUMN" in bad.output
