"""The weekly report: contents, escaping of untrusted text, files written, the CLI, and a week with no data."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from reviewlab.cli import app
from reviewlab.db import session_scope
from reviewlab.indicators import parse_week, week_start
from reviewlab.models import (
    Annotation,
    Conversation,
    Decision,
    DecisionEvidence,
    Issue,
    Member,
    Message,
    Tag,
)
from reviewlab.report import NO_DATA, build_weekly_report, md_escape, report_csv, report_html, report_markdown
from reviewlab.store.indicators import set_target

WEEK = parse_week("2026-W10")
MONDAY = datetime.combine(week_start(WEEK), datetime.min.time(), tzinfo=UTC)
EVIL = "![pwn](http://evil.example/p.png) <img src=x onerror=alert(1)> =HYPERLINK(\"http://x\") **loud**"


def seed_week(engine) -> None:
    with session_scope(engine, write=True) as s:
        ada = Member(name="Ada <b>", email="ada@x", side="builder")
        s.add(ada)
        s.flush()
        wrong = s.exec(select(Tag).where(Tag.name == "wrong answer")).one()
        slow = s.exec(select(Tag).where(Tag.name == "slow")).one()
        praise = s.exec(select(Tag).where(Tag.kind == "praise")).first()
        for i in range(3):
            cid = f"c{i}"
            s.add(Conversation(id=cid, external_id=cid, source="t", user_id=f"u{i}", started_at=MONDAY + timedelta(i)))
            s.add(Message(conversation_id=cid, position=0, role="system", content="be nice"))
            s.add(Message(conversation_id=cid, position=1, role="user", content=f"question {i}\n  " + EVIL))
            s.add(Message(conversation_id=cid, position=2, role="assistant", content="answer " + "x" * 300))
        s.flush()
        answer = s.exec(select(Message).where(Message.conversation_id == "c0", Message.position == 2)).one()
        during = MONDAY + timedelta(days=2)
        s.add_all([
            Annotation(conversation_id="c0", tag_id=wrong.id, message_id=answer.id, member_id=ada.id,
                       created_at=during),
            Annotation(conversation_id="c1", tag_id=wrong.id, member_id=ada.id, created_at=during),
            Annotation(conversation_id="c2", tag_id=slow.id, member_id=ada.id, created_at=during),
            Annotation(conversation_id="c2", tag_id=praise.id, member_id=ada.id, created_at=during),  # not a pain
            Annotation(conversation_id="c1", tag_id=slow.id, member_id=ada.id, created_at=during,
                       deleted_at=during),  # deleted
            Annotation(conversation_id="c0", tag_id=slow.id, member_id=ada.id,
                       created_at=during + timedelta(days=7)),  # next week
        ])
        s.add_all([
            Issue(title="Refunds <script>alert(1)</script>", found_via="proactive", channel="review",
                  detected_at=MONDAY + timedelta(days=1)),
            Issue(title="Old bug", found_via="reactive", channel="complaint", detected_at=MONDAY - timedelta(days=10),
                  status="resolved", resolved_at=MONDAY + timedelta(days=3, hours=12)),
        ])
        decision = Decision(title="Ship the fix [now](http://evil)", owner_id=ada.id,
                            decided_at=MONDAY + timedelta(days=3), follow_up_on=(MONDAY + timedelta(days=5)).date())
        s.add_all([
            decision,
            Decision(title="Older promise", decided_at=MONDAY - timedelta(days=20),
                     follow_up_on=(MONDAY - timedelta(days=3)).date()),
            Decision(title="Kept promise", decided_at=MONDAY - timedelta(days=20),
                     follow_up_on=(MONDAY - timedelta(days=4)).date(), follow_up_done=True),
            Decision(title="Done early", decided_at=MONDAY - timedelta(days=20),
                     follow_up_on=(MONDAY + timedelta(days=2)).date(), follow_up_done=True),  # due, but done
        ])
        s.flush()
        s.add(DecisionEvidence(decision_id=decision.id, kind="conversation", ref="c0"))
        set_target(session=s, indicator="proactive_share", target=0.9)


@pytest.fixture
def report(engine):
    seed_week(engine)
    with session_scope(engine) as s:
        return build_weekly_report(session=s, week=WEEK)


def test_activity_of_the_week(any_engine):
    seed_week(any_engine)
    with session_scope(any_engine) as s:
        activity = build_weekly_report(session=s, week=WEEK).activity
    pains = activity.pain_points.set_index("tag")
    assert pains["annotations"].to_dict() == {"wrong answer": 2, "slow": 1}
    # The tagged message is quoted (cut to 160 characters); without a message, the first user message.
    wrong = pains.loc["wrong answer", "snippets"]
    assert wrong[0].startswith("answer xxx") and len(wrong[0]) == 160 and wrong[0].endswith("…")
    assert wrong[1].startswith("question 1 ![pwn]")  # raw here: escaped where rendered
    assert activity.issues_opened["title"].tolist() == ["Refunds <script>alert(1)</script>"]
    assert activity.issues_resolved["title"].tolist() == ["Old bug"]
    assert activity.issues_resolved["days_to_resolve"].iloc[0] == pytest.approx(13.5)
    assert activity.decisions[["owner", "evidence"]].values.tolist() == [["Ada <b>", 1]]
    states = dict(zip(activity.follow_ups["title"], activity.follow_ups["state"], strict=True))
    assert states == {"Older promise": "overdue", "Ship the fix [now](http://evil)": "due"}


def test_markdown_neutralises_untrusted_text(report):
    md = report_markdown(report, {"leading": "reviewlab-2026-W10-leading.png"})
    assert md.startswith("# ReviewLab weekly report — 2026-W10")
    assert "![Leading indicators](reviewlab-2026-W10-leading.png)" in md  # our own chart image
    assert len(re.findall(r"(?<!\\)!\[", md)) == 1  # … and no image from the data
    assert not re.search(r"(?<!\\)<", md)  # no raw HTML from the data (our own Markdown has none)
    assert r"\!\[pwn\]" in md and r"\<script\>" in md and r"Ship the fix \[now\]" in md
    assert "**Proactive share** (leading) | 100% |" in md and "| 90% | on target |" in md
    assert "Old bug (reactive, resolved in 13.5 days)" in md
    assert NO_DATA not in md


def test_html_escapes_and_embeds_images(report):
    page = report_html(report, {"leading": b"\x89PNG\r\n\x1a\n"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "Ada &lt;b&gt;" in page
    assert 'src="data:image/png;base64,iVBORw' in page
    assert 'src="http' not in page and "Content-Security-Policy" in page


def test_csv_is_the_weekly_table(report):
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert len(rows) == 12 and rows[-1]["week"] == "2026-W10"
    assert rows[-1]["conversations"] == "3.0" and rows[-1]["proactive_share"] == "1.0"


def test_csv_agrees_with_the_markdown_on_an_infinite_ratio(report):
    # W10 has one proactive issue and no reactive one: ∞ in Markdown and HTML, inf in the CSV.
    assert "**Proactive : reactive** (leading) | ∞ |" in report_markdown(report)
    assert "<td>∞</td>" in report_html(report)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert rows[-1]["proactive_ratio"] == "inf"
    assert rows[-2]["proactive_ratio"] == ""  # no issues at all: undefined, left empty
    assert rows[-3]["proactive_ratio"] == "0.0"  # W08: one reactive issue
    assert pd.isna(report.table["proactive_ratio"].iloc[-1])  # the table itself keeps NaN


def test_done_follow_ups_are_not_listed_as_due(report):
    assert "Done early" not in report.activity.follow_ups["title"].tolist()
    assert "Done early" not in report_markdown(report) and "Done early" not in report_html(report)


def test_learning_chart_names_its_unit(report):
    spec = report.charts["learning"].to_dict()
    assert spec["title"] == "Organisational learning" and spec["encoding"]["y"]["title"] == "Days"


def test_md_escape():
    assert md_escape("a\n\n![x](y) <b>") == r"a \!\[x\](y) \<b\>"


def test_report_for_a_week_without_data(engine):
    with session_scope(engine) as s:
        empty = build_weekly_report(session=s, week=WEEK)
    assert not empty.has_data and empty.charts == {}
    md, page = report_markdown(empty), report_html(empty)
    assert NO_DATA in md and NO_DATA in page
    assert "No pain points were tagged this week." in md and "None due." in md


def test_cli_writes_the_report_files(engine, sqlite_url, tmp_path, monkeypatch):
    seed_week(engine)
    monkeypatch.setenv("REVIEWLAB_DATABASE_URL", sqlite_url)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "--week", "2026-W10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert "reviewlab-2026-W10.md" in names and "reviewlab-2026-W10.html" in names
    assert "reviewlab-2026-W10-indicators.csv" in names
    pngs = [n for n in names if n.endswith(".png")]
    assert len(pngs) == 5 and all((out / n).read_bytes().startswith(b"\x89PNG") for n in pngs)
    md = (out / "reviewlab-2026-W10.md").read_text()
    assert all(f"]({n})" in md for n in pngs)
    assert (out / "reviewlab-2026-W10.html").read_text().count("data:image/png;base64,") == 5

    empty = CliRunner().invoke(app, ["report", "--week", "2025-W01", "--out", str(tmp_path / "empty")])
    assert empty.exit_code == 0 and "No data recorded for 2025-W01" in empty.output
    assert NO_DATA in (tmp_path / "empty" / "reviewlab-2025-W01.md").read_text()

    bad = CliRunner().invoke(app, ["report", "--week", "2026-47"])
    assert bad.exit_code == 2 and "Invalid value" in bad.output
