"""The reader's "Similar conversations" section: neighbours with their tags, suggested tags, apply to similar."""

from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Annotation, AuditLog
from reviewlab.store.annotations import add_annotation
from reviewlab.store.people import create_member
from tests.analytics_data import seed_topics
from tests.review_data import tag_id

READER = "pages/review/reader.py"


def seed(engine):
    ids = seed_topics(engine)
    with session_scope(engine, write=True) as s:
        ada = create_member(session=s, name="Ada", email="ada@example.com", function="product", side="business")
        wrong = tag_id(s, "wrong answer")
        for cid in ids["refund"][1:4]:
            add_annotation(session=s, conversation_id=cid, tag_id=wrong, member_id=ada.id)
    return ada.id, wrong, ids


def tags_of(engine, cid):
    with session_scope(engine) as s:
        return s.exec(select(Annotation.tag_id).where(Annotation.conversation_id == cid,
                                                      Annotation.deleted_at.is_(None))).all()


def test_similar_conversations_and_suggested_tag(engine, open_page):
    ada, wrong, ids = seed(engine)
    cid = ids["refund"][0]
    at = open_page(READER, member_id=ada, query_params={"id": cid})
    assert "Similar conversations" in [h.value for h in at.subheader]
    reader_links = [link.proto.query_string for link in at.get("page_link")
                    if link.proto.query_string.startswith("id=")]
    assert {q.removeprefix("id=") for q in reader_links} <= set(ids["refund"])  # all neighbours from its topic
    assert len(reader_links) == 5
    suggestion = next(m.value for m in at.markdown if m.value.startswith("wrong answer"))
    assert "on 3 of the 3 nearest tagged conversations: 100% of their similarity" in suggestion
    assert any("not add up to 100" in c.value for c in at.caption)  # shares of one set of neighbours, not a split
    at.button(key=f"suggest_{cid}_{wrong}").click().run()  # "Add" the suggested tag
    assert not at.exception
    assert tags_of(engine, cid) == [wrong]


def test_apply_a_tag_to_picked_similar_conversations(engine, open_page):
    ada, wrong, ids = seed(engine)
    cid = ids["refund"][0]
    at = open_page(READER, member_id=ada, query_params={"id": cid})
    assert at.button(key=f"bulk_apply_{cid}").disabled  # nothing picked yet
    assert at.multiselect(key=f"bulk_ids_{cid}").value == []
    shown = [link.proto.query_string.removeprefix("id=") for link in at.get("page_link")]
    untagged = [c for c in ids["refund"][4:] if c in shown]
    assert len(untagged) >= 2
    picker = at.multiselect(key=f"bulk_ids_{cid}")
    assert len(set(picker.options)) == len(picker.options) == 5  # numbered: two alike previews stay apart
    already = next(c for c in ids["refund"][1:4] if c in shown)
    at.selectbox(key=f"bulk_tag_{cid}").set_value(wrong)
    picker.set_value([*untagged[:2], already]).run()
    at.button(key=f"bulk_apply_{cid}").click().run()
    assert not at.exception
    for other in untagged[:2]:
        assert tags_of(engine, other) == [wrong]
    assert [t.value for t in at.toast] == ["Tagged 2 conversations. 1 already had the tag."]
    with session_scope(engine) as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "bulk_tag", AuditLog.member_id == ada)).one()


def test_not_analysed_yet(engine, open_page):
    from tests.review_data import seed_workspace

    data = seed_workspace(engine)
    at = open_page(READER, member_id=data["ada"], query_params={"id": "c0"})
    assert any("reviewlab analyze" in c.value for c in at.caption)


def test_explorer_semantic_search_finds_by_meaning(engine, open_page):
    from reviewlab.store.analytics import update_embeddings
    from tests.review_data import add_conversation

    texts = {"r1": "I want a refund, my kettle arrived broken", "r2": "money back for a damaged toaster please",
             "p1": "I forgot my password and cannot log in", "p2": "the password reset email never arrives"}
    with session_scope(engine, write=True) as s:
        for cid, text in texts.items():
            add_conversation(s, cid, [("user", text), ("assistant", "Let me help.")])
    update_embeddings(engine)
    at = open_page("pages/review/conversations.py", query_params={"q": "get my money back", "mode": "semantic"})
    assert at.toggle(key="xf_semantic").value
    assert {"r1", "r2"} <= set(at.dataframe[0].value["id"])  # by meaning: r1 shares no word with the query
