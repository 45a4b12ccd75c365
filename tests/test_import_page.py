"""Import page (AppTest): upload files, import, see the report; past batches and their stored reports."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from reviewlab.db import session_scope
from reviewlab.ingest import conversation_id
from reviewlab.models import AuditLog, Conversation, ImportBatch
from reviewlab.store.people import create_member

PAGE = "pages/admin/import_logs.py"
GOOD = {"id": "c1", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
UPLOAD = ("chat.jsonl", (json.dumps(GOOD) + "\n" + '{"id": "broken"\n').encode(), "application/jsonl")


def frame_with(at, column: str):
    """The first table on the page that has this column (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def upload_and_import(at, files):
    at.file_uploader(key="import_files").set_value(files)
    at.run()
    at.button(key="import_button").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_empty_page_renders(open_page):
    at = open_page(PAGE)
    assert at.title[0].value == "Import logs"
    assert at.button(key="import_button").disabled
    assert any("Nothing imported yet" in c.value for c in at.caption)


def test_upload_imports_good_records_and_reports_bad_ones(open_page, engine):
    with session_scope(engine, write=True) as s:
        member = create_member(session=s, name="Ada", email="ada@example.org", function="product", side="business")
    at = open_page(PAGE, member_id=member.id)
    at.text_input(key="import_source").set_value("web")
    upload_and_import(at, UPLOAD)
    with session_scope(engine) as s:
        assert s.get(Conversation, conversation_id("web", "c1")) is not None
        batch = s.execute(select(ImportBatch)).scalar_one()
        assert (batch.source, batch.status, batch.records_rejected, batch.member_id) == ("web", "completed", 1,
                                                                                         member.id)
        assert s.execute(select(AuditLog.member_id).where(AuditLog.entity == "importbatch")).scalar_one() == member.id
    assert any("1 conversation added (2 messages), 0 already present, 1 rejected" in w.value for w in at.warning)
    results = frame_with(at, "conversations added")
    assert results.loc[0, "conversations added"] == 1 and results.loc[0, "rejected"] == 1
    rejected = frame_with(at, "field")
    assert (rejected.loc[0, "file"], rejected.loc[0, "line"], rejected.loc[0, "field"]) == ("chat.jsonl", 2, "json")
    assert at.get("progress")  # st.progress was drawn during the import
    batches = frame_with(at, "file_name")
    assert batches.loc[0, "file_name"] == "chat.jsonl" and batches.loc[0, "records_rejected"] == 1
    stored = at.dataframe[-1].value  # the stored report of the batch picked below the past imports
    assert at.selectbox(key="import_report_batch").value == batches.loc[0, "id"]
    assert stored.loc[0, "reason"].startswith("malformed JSON")

    upload_and_import(at, UPLOAD)  # the same file again: nothing new
    assert any("nothing new" in i.value for i in at.info)
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(Conversation)).scalar_one() == 1


def test_forced_format_csv_mapping_and_a_file_level_error(open_page, engine):
    at = open_page(PAGE)
    at.selectbox(key="import_format").set_value("csv")
    at.text_input(key="import_columns").set_value("conversation_id=chat, role=who, content=said")
    upload_and_import(at, [("log.csv", b"chat,who,said\nk1,user,hello\nk1,assistant,hi\n", "text/csv"),
                           ("notes.csv", b"a,b\n1,2\n", "text/csv")])
    with session_scope(engine) as s:
        conv = s.get(Conversation, conversation_id("csv", "k1"))
        assert conv is not None and conv.n_messages == 2
        statuses = sorted(s.execute(select(ImportBatch.status)).scalars())
    assert statuses == ["completed", "failed"]
    assert any("notes.csv" in e.value and "FAILED" in e.value for e in at.error)


def test_bad_column_mapping_is_explained(open_page):
    at = open_page(PAGE)
    at.text_input(key="import_columns").set_value("role")
    at.file_uploader(key="import_files").set_value(UPLOAD)
    at.run()
    at.button(key="import_button").click()
    at.run()
    assert any("NAME=COLUMN" in e.value for e in at.error)
