"""Exports: CSV (formula-safe) and JSONL of annotations and judgements; the evaluation set."""

import csv
import io
import json

from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.exports import (
    annotations_export,
    evaluation_jsonl,
    judgements_export,
    to_csv,
    to_jsonl,
)
from reviewlab.models import Message
from reviewlab.store.annotations import add_annotation, remove_annotation, save_judgement
from tests.review_data import seed_workspace, tag_id


def _seed(engine) -> dict:
    people = seed_workspace(engine)
    with session_scope(engine, write=True) as s:
        answer = s.exec(select(Message.id).where(Message.conversation_id == "c0", Message.position == 1)).one()
        add_annotation(session=s, conversation_id="c0", tag_id=tag_id(s, "wrong answer"), member_id=people["ada"],
                       message_id=answer, note="=HYPERLINK(\"http://evil\")")  # fmt: skip
        add_annotation(session=s, conversation_id="c0", tag_id=tag_id(s, "abandoned"), member_id=people["bo"])
        gone = add_annotation(session=s, conversation_id="c3", tag_id=tag_id(s, "slow"), member_id=people["bo"])
        remove_annotation(session=s, annotation_id=gone.id, member_id=people["bo"])
        add_annotation(session=s, conversation_id="c1", tag_id=tag_id(s, "solved it"), member_id=people["ada"])
        save_judgement(session=s, conversation_id="c0", member_id=people["ada"], intent="+refund", satisfaction=1,
                       intent_fulfilled="no", task_completed="no")  # fmt: skip
    return people


def test_annotations_csv_and_jsonl(engine):
    _seed(engine)
    with session_scope(engine) as s:
        live = annotations_export(session=s)
        everything = annotations_export(session=s, include_deleted=True)
    assert len(live) == 3 and len(everything) == 4
    rows = list(csv.DictReader(io.StringIO(to_csv(live).decode())))
    assert {r["tag"] for r in rows} == {"wrong answer", "abandoned", "solved it"}
    by_tag = {r["tag"]: r for r in rows}
    assert by_tag["wrong answer"]["note"].startswith("'=HYPERLINK")  # neutralised
    assert by_tag["wrong answer"]["external_id"] == "c0" and by_tag["wrong answer"]["position"] == "1"
    records = [json.loads(line) for line in to_jsonl(everything).decode().splitlines()]
    assert len(records) == 4
    removed = next(r for r in records if r["deleted_at"])
    assert removed["deleted_by"] == "Bo" and removed["created_at"].startswith("2")
    assert next(r for r in records if r["tag"] == "abandoned")["message_id"] is None


def test_judgements_csv(engine):
    _seed(engine)
    with session_scope(engine) as s:
        frame = judgements_export(session=s)
    rows = list(csv.DictReader(io.StringIO(to_csv(frame).decode())))
    assert len(rows) == 1
    assert rows[0]["intent"] == "'+refund" and rows[0]["satisfaction"] == "1" and rows[0]["member"] == "Ada"
    assert json.loads(to_jsonl(frame).decode())["satisfaction"] == 1


def test_evaluation_set_holds_messages_and_labels(engine):
    _seed(engine)
    with session_scope(engine) as s:
        lines = evaluation_jsonl(session=s).decode().splitlines()
        only_praise = evaluation_jsonl(session=s, tag_ids=[tag_id(s, "solved it")]).decode().splitlines()
    items = {item["id"]: item for item in map(json.loads, lines)}
    assert set(items) == {"c0", "c1"}  # c3's only tag was removed
    c0 = items["c0"]
    assert c0["messages"][0] == {"role": "user", "content": "How do I get a refund for my invoice?"}
    assert [m["role"] for m in c0["messages"]] == ["user", "assistant", "user"]
    assert c0["labels"]["tags"] == ["abandoned", "wrong answer"]
    assert c0["labels"]["turn_tags"][0]["turn"] == 1 and c0["labels"]["turn_tags"][0]["role"] == "assistant"
    assert c0["labels"]["conversation_tags"] == [{"tag": "abandoned", "by": "Bo", "note": ""}]
    assert c0["labels"]["judgements"][0]["intent_fulfilled"] == "no"
    assert c0["metadata"]["product_area"] == "billing" and c0["metadata"]["explicit_feedback"] == -1.0
    assert [json.loads(line)["id"] for line in only_praise] == ["c1"]
