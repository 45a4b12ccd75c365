"""Embeddings: the text a conversation is embedded by, incremental encoding, the vector index, semantic search,
similar conversations, tag suggestions and "apply to similar"."""

import numpy as np
import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.embeddings import conversation_text, from_bytes, model_name, to_bytes
from reviewlab.models import Annotation, AuditLog, Embedding
from reviewlab.store import analytics
from reviewlab.store.annotations import add_annotation
from reviewlab.vectors import VectorIndex, get_index
from tests.analytics_data import seed_topics
from tests.review_data import add_conversation, tag_id


def test_conversation_text_is_the_opening_request():
    assert conversation_text(["Where is my order 123? It is late", "forget it"]) == "Where is my order 123? It is late"
    assert conversation_text(["hi", "I need to change my address", "thanks"]) == "hi\nI need to change my address"
    assert conversation_text([" ", ""], fallback=["a tool call with no user", "reply"]) == "a tool call with no user"
    assert len(conversation_text(["word " * 1000])) == 1000


def test_vectors_round_trip_as_float32_bytes():
    vectors = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    assert np.array_equal(from_bytes([to_bytes(v) for v in vectors]), vectors)
    assert from_bytes([], 8).shape == (0, 8)


def test_index_search_is_exact_best_first_and_can_leave_one_out():
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(500, 16)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    index = VectorIndex([f"c{i}" for i in range(500)], matrix, "m")
    query = matrix[7]
    hits = index.search(query, 5)
    expected = np.argsort(-(matrix @ query))[:5]
    assert [cid for cid, _ in hits] == [f"c{i}" for i in expected]
    assert hits[0] == ("c7", pytest.approx(1.0, abs=1e-5))
    assert "c7" not in [cid for cid, _ in index.search(query, 5, exclude="c7")]
    assert len(index.search(query, 1000)) == 500
    assert VectorIndex([], np.zeros((0, 16), np.float32), "m").search(query, 5) == []


def test_index_cache_reloads_when_vectors_change(engine):
    seed_topics(engine, only=("refund",))
    with session_scope(engine) as s:
        first = get_index(s, model_name())
        assert get_index(s, model_name()) is first
    seed_topics(engine, only=("invoice",))
    with session_scope(engine) as s:
        assert len(get_index(s, model_name())) == len(first) + 18


@pytest.fixture
def encoded(any_engine):
    """Six conversations about two things, embedded with the real model."""
    texts = {
        "r1": "I want a refund, my kettle arrived broken", "r2": "How do I get my money back for a damaged toaster?",
        "r3": "refund please, the blender does not work", "p1": "I forgot my password and cannot log in",
        "p2": "The password reset email never arrives", "p3": "how can I change my login password",
    }
    with session_scope(any_engine, write=True) as s:
        for cid, text in texts.items():
            add_conversation(s, cid, [("user", text), ("assistant", "Let me help."), ("user", "ok thanks")],
                             user_id="u1")
    return any_engine


def test_update_embeddings_is_incremental(encoded):
    steps = []
    assert analytics.update_embeddings(encoded, progress=lambda done, total: steps.append((done, total))) == 6
    assert steps[-1] == (6, 6)
    assert analytics.update_embeddings(encoded) == 0
    with session_scope(encoded, write=True) as s:
        add_conversation(s, "p4", [("user", "locked out of my account, need a new password")])
        s.get(Embedding, "r1").model = "an-older-model"  # vectors of another model are replaced
    assert analytics.update_embeddings(encoded) == 2
    with session_scope(encoded) as s:
        rows = s.exec(select(Embedding)).all()
        assert {r.model for r in rows} == {model_name()} and len(rows) == 7
        assert all(len(r.vector) == 384 * 4 for r in rows)
        assert analytics.embedding_status(session=s) == {"model": model_name(), "embedded": 7, "pending": 0}
        assert s.exec(select(AuditLog).where(AuditLog.entity == "embedding")).first() is not None


def test_semantic_search_and_similar_conversations(encoded):
    with session_scope(encoded) as s:
        assert analytics.semantic_search_ids(session=s, query="refund") == []  # nothing embedded yet
    analytics.update_embeddings(encoded)
    with session_scope(encoded, write=True) as s:
        add_annotation(session=s, conversation_id="r2", tag_id=tag_id(s, "wrong answer"), member_id=None)
    with session_scope(encoded) as s:
        found = analytics.semantic_search_ids(session=s, query="money back for a broken product", k=3)
        assert set(found) == {"r1", "r2", "r3"}
        similar = analytics.similar_conversations(session=s, conversation_id="r1", k=2)
        assert set(similar["conversation_id"]) == {"r2", "r3"}
        assert similar["similarity"].is_monotonic_decreasing
        assert similar.set_index("conversation_id").loc["r2", "tags"] == "wrong answer"
        assert analytics.similar_conversations(session=s, conversation_id="nope").empty


def test_tag_suggestions_come_from_the_nearest_tagged_neighbours(encoded):
    analytics.update_embeddings(encoded)
    with session_scope(encoded, write=True) as s:
        wrong, refusal = tag_id(s, "wrong answer"), tag_id(s, "unnecessary refusal")
        for cid in ("r2", "r3"):
            add_annotation(session=s, conversation_id=cid, tag_id=wrong, member_id=None)
        add_annotation(session=s, conversation_id="p2", tag_id=refusal, member_id=None)
    with session_scope(encoded) as s:
        suggestions = analytics.suggest_tags(session=s, conversation_id="r1", neighbours=2)
        assert suggestions["tag_id"].tolist() == [wrong]
        assert suggestions.iloc[0]["score"] == pytest.approx(1.0) and suggestions.iloc[0]["votes"] == 2
        assert suggestions.iloc[0]["neighbours"] == 2
        assert wrong not in analytics.suggest_tags(session=s, conversation_id="r2")["tag_id"].tolist()  # has it


def test_tag_suggestion_scores_are_shares_of_the_neighbours_similarity(encoded):
    analytics.update_embeddings(encoded)
    with session_scope(encoded, write=True) as s:
        wrong, refusal = tag_id(s, "wrong answer"), tag_id(s, "unnecessary refusal")
        for cid in ("r2", "r3", "p1"):
            add_annotation(session=s, conversation_id=cid, tag_id=wrong, member_id=None)
        for cid in ("r2", "p2"):
            add_annotation(session=s, conversation_id=cid, tag_id=refusal, member_id=None)
    with session_scope(encoded) as s:
        sims = analytics.similar_conversations(session=s, conversation_id="r1", k=5).set_index("conversation_id")
        weight = sims["similarity"].clip(lower=0)
        scores = analytics.suggest_tags(session=s, conversation_id="r1").set_index("tag_id")
    assert (scores["neighbours"] == 4).all() and scores.loc[wrong, "votes"] == 3  # r2, r3, p1, p2 are tagged
    for tag, carriers in ((wrong, ["r2", "r3", "p1"]), (refusal, ["r2", "p2"])):
        expected = weight[carriers].sum() / weight[["r2", "r3", "p1", "p2"]].sum()
        assert scores.loc[tag, "score"] == pytest.approx(expected, abs=2e-3)
    assert scores["score"].sum() > 1  # r2 carries both tags: shares of the same neighbours, not a split


def test_apply_tag_to_similar_tags_the_picked_ones_once_with_audit(encoded):
    with session_scope(encoded, write=True) as s:
        wrong = tag_id(s, "wrong answer")
        add_annotation(session=s, conversation_id="r3", tag_id=wrong, member_id=None)
        added = analytics.apply_tag_to_similar(session=s, tag_id=wrong, conversation_ids=["r2", "r3", "r2"],
                                               member_id=None, source_conversation_id="r1")
    assert added == 1
    with session_scope(encoded) as s:
        tagged = s.exec(select(Annotation.conversation_id).where(Annotation.tag_id == wrong)).all()
        assert sorted(tagged) == ["r2", "r3"]
        bulk = s.exec(select(AuditLog).where(AuditLog.action == "bulk_tag")).one()
        assert bulk.detail == {"conversations": ["r2"], "skipped": ["r3"], "from": "r1"}
