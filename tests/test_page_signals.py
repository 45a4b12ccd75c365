"""The Signals page: compute the scores from the page, then find the frustrated conversations and open one."""

from __future__ import annotations

import pytest
from sqlmodel import select

from reviewlab import signals
from reviewlab.db import session_scope
from reviewlab.ingest import ConversationRecord, MessageRecord, import_records
from reviewlab.models import AuditLog, Conversation, Message
from reviewlab.signals import lexical_encoder
from reviewlab.store.people import create_member
from reviewlab.store.signals import update_signals

PAGE = "pages/insights/signals.py"
CONVERSATIONS = {
    "calm": ("v1", [("user", "What are your opening hours?"),
                    ("assistant", "We are open nine to five, Monday to Friday."), ("user", "Thanks, perfect!")]),
    "refused": ("v2", [("user", "Can you reset my password?"), ("assistant", "I'm sorry, but I can't help with that."),
                       ("user", "That's useless. Why can't you help?")]),
    "rephrased": ("v2", [("user", "How do I export my invoices to a CSV file?"),
                         ("assistant", "Our office hours are Monday to Friday."),
                         ("user", "No, how can I export my invoices as a CSV file?")]),
}


@pytest.fixture(autouse=True)
def no_model(monkeypatch):
    """The page's button uses the default encoder; the bag-of-words stand-in keeps the test fast and offline."""
    monkeypatch.setattr(signals, "default_encoder", lexical_encoder)


def _seed(engine) -> dict[str, str]:
    records = [ConversationRecord(external_id=cid, variant=variant,
                                  messages=[MessageRecord(role=r, content=c) for r, c in msgs])
               for cid, (variant, msgs) in CONVERSATIONS.items()]
    assert import_records(engine, records, source="t", file_name="t.jsonl", format="openai",
                          file_sha256="page-signals").error is None
    with session_scope(engine) as session:
        return {c.external_id: c.id for c in session.exec(select(Conversation))}


def _member(engine) -> int:
    with session_scope(engine, write=True) as session:
        return create_member(session=session, name="Ada", email="ada@example.com", function="product",
                             side="business").id


def test_compute_button_scores_the_conversations_and_records_who(open_page, engine):
    ids = _seed(engine)
    member = _member(engine)
    at = open_page(PAGE, member_id=member)
    assert any("No conversation has been scored yet" in i.value for i in at.info)
    next(b for b in at.button if b.label == "Compute signals").click()
    at.run()
    assert not at.exception
    with session_scope(engine) as session:
        scored = dict(session.execute(select(Conversation.id, Conversation.frustration)).all())
        assert all(v is not None for v in scored.values()) and set(scored) == set(ids.values())
        refusal = session.exec(select(Message).where(Message.conversation_id == ids["refused"], Message.position == 1)
                               ).one()
        assert refusal.signals["refusal"] == 1.0 and refusal.failure is not None
        audit = session.exec(select(AuditLog).where(AuditLog.entity_id == "signals")).one()
        assert audit.member_id == member and audit.detail == {"conversations": 3}
    assert any("Scored 3 conversations" in s.value for s in at.success)
    assert "3 of 3" in at.metric[0].value


def test_list_filters_and_links_to_the_reader(open_page, engine):
    ids = _seed(engine)
    update_signals(engine, encoder=lexical_encoder)
    at = open_page(PAGE)
    table = at.dataframe[1].value  # [0]: per-signal counts, [1]: the conversations
    assert list(table["frustration"]) == sorted(table["frustration"], reverse=True)
    assert table.iloc[-1]["id"] == ids["calm"]
    assert set(table["link"]) == {f"conversation?id={cid}" for cid in ids.values()}
    counts = at.dataframe[0].value.set_index("label")
    assert counts.loc["assistant refused or could not help", "conversations"] == 1

    at.selectbox(key="signals_signal").set_value("refusal").run()
    assert list(at.dataframe[1].value["id"]) == [ids["refused"]]
    at.selectbox(key="signals_signal").set_value(None).run()
    at.multiselect(key="signals_variants").set_value(["v1"]).run()
    assert list(at.dataframe[1].value["id"]) == [ids["calm"]]
    at.slider(key="signals_min").set_value(1.0).run()
    assert any("No scored conversation matches" in i.value for i in at.info)


def test_the_distribution_chart_is_drawn(open_page, engine):
    _seed(engine)
    update_signals(engine, encoder=lexical_encoder)
    at = open_page(PAGE)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 and '"frustration"' in charts[0].proto.spec
