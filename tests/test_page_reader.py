"""Reader page: transcript, tagging a conversation or a turn, removing, judging, agreement, navigation."""

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Annotation, Conversation, Judgement, Message
from reviewlab.safetext import ZWSP
from reviewlab.store.annotations import add_annotation, save_judgement
from tests.review_data import add_conversation, seed_workspace, tag_id

READER = "pages/review/reader.py"


@pytest.fixture
def people(engine):
    return seed_workspace(engine)


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_transcript_and_metadata(open_page, people):
    at = open_page(READER, member_id=people["ada"], query_params={"id": "c0"})
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user"]
    assert at.chat_message[0].markdown[0].value == "How do I get a refund for my invoice?"
    facts = (
        at.markdown[-1].value
        if "**User:**" in at.markdown[-1].value
        else next(m.value for m in at.markdown if "**User:**" in m.value)
    )
    assert "**Product area:** billing" in facts and "**Variant:** v2" in facts and "👎" in facts


def test_the_reader_links_to_an_issue_or_a_decision_with_this_conversation(open_page, people):
    at = open_page(READER, member_id=people["ada"], query_params={"id": "c0"})
    links = {link.value: link.proto.query_string for link in at.get("page_link")}
    assert links["Open an issue with it"] == links["Record a decision with it"] == "conversation=c0"
    assert any("`c0`" in caption.value for caption in at.caption)  # the id issues and decisions take


def test_tag_the_conversation_and_a_turn_then_remove(open_page, engine, people):
    at = open_page(READER, member_id=people["ada"], query_params={"id": "c0"})
    with session_scope(engine) as s:
        slow, wrong = tag_id(s, "slow"), tag_id(s, "wrong answer")
        answer = s.exec(select(Message.id).where(Message.conversation_id == "c0", Message.position == 1)).one()
    at.selectbox(key="tag_pick_c0").set_value(slow)
    button(at, "Add tag").click().run()
    at.selectbox(key="tag_target_c0").set_value(answer)
    at.selectbox(key="tag_pick_c0").set_value(wrong)
    at.text_input(key="tag_note_c0").input("Billing > Refunds does not exist")
    button(at, "Add tag").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        rows = s.exec(select(Annotation).order_by(Annotation.id)).all()
    assert [(a.tag_id, a.message_id, a.member_id) for a in rows] == [
        (slow, None, people["ada"]),
        (wrong, answer, people["ada"]),
    ]
    assert rows[1].note == "Billing > Refunds does not exist"
    assert "**wrong answer** by Ada" in captions(at)  # shown under the assistant turn

    at.button(key=f"remove_{rows[0].id}").click().run()
    with session_scope(engine) as s:
        removed = s.get(Annotation, rows[0].id)
    assert removed.deleted_at is not None and removed.deleted_by_id == people["ada"]
    assert not any(b.key == f"remove_{rows[0].id}" for b in at.button)


def test_adding_without_a_tag_explains(open_page, engine, people):
    at = open_page(READER, member_id=people["ada"], query_params={"id": "c0"})
    button(at, "Add tag").click().run()
    assert "Pick a tag first." in [e.value for e in at.error]
    with session_scope(engine) as s:
        assert s.exec(select(Annotation)).all() == []


def test_without_identity_writes_are_disabled(open_page, people):
    at = open_page(READER, query_params={"id": "c0"})
    assert any("Who are you?" in w.value for w in at.warning)
    assert button(at, "Add tag").disabled and at.button(key="save_judgement_c0").disabled


def test_judgement_saved_then_edited(open_page, engine, people):
    with session_scope(engine, write=True) as s:
        save_judgement(session=s, conversation_id="c1", member_id=people["bo"], intent="book a flight")
    at = open_page(READER, member_id=people["ada"], query_params={"id": "c0"})
    key = f"c0_{people['ada']}"
    at.text_input(key=f"judge_intent_{key}").input("get a refund")
    at.radio(key=f"judge_fulfilled_{key}").set_value("partial")
    at.radio(key=f"judge_satisfaction_{key}").set_value(2)
    at.radio(key=f"judge_task_{key}").set_value("no")
    at.text_area(key=f"judge_note_{key}").input("pointed to a menu that does not exist")
    at.button(key="save_judgement_c0").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        saved = s.exec(select(Judgement).where(Judgement.member_id == people["ada"])).one()
    assert (saved.intent, saved.intent_fulfilled, saved.satisfaction, saved.task_completed) == (
        "get a refund", "partial", 2, "no",
    )  # fmt: skip

    # A fresh visit shows the saved values, picks a suggested intent and updates the same judgement.
    at = open_page(READER, member_id=people["ada"], query_params={"id": "c0"})
    assert at.radio(key=f"judge_satisfaction_{key}").value == 2
    at.button_group(key="intent_pick_c0").set_value("book a flight").run()
    assert at.text_input(key=f"judge_intent_{key}").value == "book a flight"
    at.radio(key=f"judge_satisfaction_{key}").set_value(4)
    button(at, "Update my judgement").click().run()
    with session_scope(engine) as s:
        saved = s.exec(select(Judgement).where(Judgement.member_id == people["ada"])).all()
    assert [(j.intent, j.satisfaction, j.note) for j in saved] == [
        ("book a flight", 4, "pointed to a menu that does not exist"),
    ]


def test_agreement_tab_lists_disagreements(open_page, engine, people):
    with session_scope(engine, write=True) as s:
        add_annotation(session=s, conversation_id="c0", tag_id=tag_id(s, "slow"), member_id=people["ada"])
        save_judgement(session=s, conversation_id="c0", member_id=people["ada"], satisfaction=1)
        save_judgement(session=s, conversation_id="c0", member_id=people["bo"], satisfaction=4)
    at = open_page(READER, member_id=people["ada"], query_params={"id": "c0"})
    tables = [df.value for df in at.dataframe]
    disagreements = next(t for t in tables if "values" in t.columns)
    assert set(disagreements["field"]) == {"slow", "satisfaction"}
    assert "Ada: 1 · Bo: 4" in set(disagreements["values"])


def test_previous_next_and_next_unreviewed_follow_the_filtered_list(open_page, engine, people):
    with session_scope(engine, write=True) as s:
        save_judgement(session=s, conversation_id="c2", member_id=people["ada"], satisfaction=3)
    # The list: billing + onboarding, newest first → c0, c2, c4.
    at = open_page(READER, member_id=people["ada"], query_params={"id": "c0", "area": ["billing", "onboarding"]})
    assert button(at, "Previous").disabled
    button(at, "Next").click().run()
    assert at.query_params["id"] == "c2" and at.query_params["area"] == ["billing", "onboarding"]
    button(at, "Previous").click().run()
    assert at.query_params["id"] == "c0"
    button(at, "Next unreviewed").click().run()  # c2 is already judged by Ada
    assert at.query_params["id"] == "c4"
    assert button(at, "Next").disabled


def test_untrusted_content_is_neutralised(open_page, engine, people):
    evil = "<img src=x onerror=alert(1)> ![p](https://evil.example/p.png) <script>alert(2)</script>"
    with session_scope(engine, write=True) as s:
        add_conversation(s, "evil", [("user", evil), ("assistant", "x" * 5000)], user_id="<b>u</b>")
    at = open_page(READER, member_id=people["ada"], query_params={"id": "evil"})
    body = at.chat_message[0].markdown[0].value
    assert "<img" not in body and "![" not in body and "<script" not in body
    assert body.replace(ZWSP, "") == evil
    assert "<b>" not in " ".join(m.value for m in at.markdown)
    assert at.chat_message[1].expander  # the long message is collapsed


def test_unknown_or_missing_id(open_page, people):
    at = open_page(READER, query_params={"id": "nope"})
    assert "no conversation" in at.error[0].value
    at = open_page(READER)
    assert "Pick a conversation" in at.info[0].value


def test_frustration_and_turn_signals_show(open_page, engine, people):
    with session_scope(engine, write=True) as s:
        s.get(Conversation, "c0").frustration_explanation = [{"reason": "user rephrased twice"}]
        turn = s.exec(select(Message).where(Message.conversation_id == "c0", Message.position == 1)).one()
        turn.failure, turn.signals = 0.8, {"refusal": 1}
    at = open_page(READER, query_params={"id": "c0"})
    text = captions(at)
    assert "user rephrased twice" in text and "failure 0.80" in text and "refusal" in text


def test_tool_calls_and_results_are_compact_code(open_page, engine, people):
    call = {"id": "t1", "type": "function", "function": {"name": "track_order", "arguments": '{"order": "1234"}'}}
    with session_scope(engine, write=True) as s:
        add_conversation(s, "tools", [("user", "Where is 1234?"), ("assistant", ""), ("tool", '{"status": "late"}')])
        s.exec(select(Message).where(Message.conversation_id == "tools", Message.position == 1)).one().tool_calls = [
            call
        ]
    at = open_page(READER, query_params={"id": "tools"})
    assistant, tool = at.chat_message[1], at.chat_message[2]
    assert assistant.expander[0].label == "Tool call · track_order"
    assert assistant.code[0].value == '{\n  "order": "1234"\n}'
    assert tool.code[0].value == '{"status": "late"}'


def test_next_walks_a_given_list_in_its_own_order(open_page, people):
    # How My queue (and a semantic search) open the reader: the ids, in their order.
    at = open_page(READER, member_id=people["ada"],
                   query_params={"id": "c3", "ids": ["c3", "c0", "c4"], "sort": "similarity"})  # fmt: skip
    button(at, "Next").click().run()
    assert at.query_params["id"] == "c0"
    button(at, "Next").click().run()
    assert at.query_params["id"] == "c4" and button(at, "Next").disabled
