"""Topics: clustering (number of topics, near-duplicates, determinism), keywords, stable ids across runs."""

import numpy as np
import pandas as pd
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from reviewlab.db import session_scope
from reviewlab.models import AuditLog, Conversation, Topic
from reviewlab.store import analytics
from reviewlab.topics import cluster_vectors, label_from_keywords, match_centroids, topic_keywords
from tests.analytics_data import PLANTED, centres, noisy, seed_topics


def planted_vectors(seed: int = 3) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    vectors, truth = [], []
    for key, centre in centres().items():
        for _ in range(PLANTED[key][1]):
            vectors.append(noisy(centre, rng))
            truth.append(key)
    return np.array(vectors), truth


def test_finds_the_planted_topics_and_their_number():
    vectors, truth = planted_vectors()
    clustering = cluster_vectors(vectors)
    assert clustering.k == 3
    assert sorted(clustering.sizes.tolist(), reverse=True) == [30, 24, 18]
    # every planted topic is exactly one cluster
    assert pd.crosstab(pd.Series(truth), clustering.labels).gt(0).sum(axis=1).eq(1).all()
    assert np.allclose(np.linalg.norm(clustering.centroids, axis=1), 1, atol=1e-5)


def test_is_deterministic_for_a_seed_even_when_sampling():
    vectors, _ = planted_vectors()
    many = np.concatenate([vectors, planted_vectors(seed=4)[0], planted_vectors(seed=5)[0]])
    first = cluster_vectors(many, seed=11, fit_size=100)
    again = cluster_vectors(many, seed=11, fit_size=100)
    assert np.array_equal(first.labels, again.labels)
    assert first.k == 3


def test_near_duplicates_count_once():
    vectors, _ = planted_vectors()
    copies = np.repeat(vectors[:: 6], 15, axis=0)  # 12 distinct messages pasted 15 times each
    clustering = cluster_vectors(np.concatenate([vectors, copies]))
    assert clustering.k == 3


def test_tiny_inputs():
    assert cluster_vectors(np.zeros((0, 8), dtype=np.float32)).k == 0
    one = cluster_vectors(np.eye(8, dtype=np.float32)[:1])
    assert one.k == 1 and one.labels.tolist() == [0]


def test_keywords_name_what_each_topic_is_about():
    texts = ["I want a refund for my broken kettle", "refund please, the kettle arrived broken",
             "how do I get a refund", "reset my password", "the password reset email never arrives",
             "forgot password, cannot log in"]
    keywords = topic_keywords(texts, np.array([0, 0, 0, 1, 1, 1]), 2)
    assert keywords[0][0] == "refund"
    assert "password" in keywords[1][0]
    assert label_from_keywords(keywords[0]).startswith("refund")
    assert label_from_keywords([]) == "(no keywords)"


def test_match_centroids_keeps_old_ids_and_leaves_new_clusters_unmatched():
    old = np.array(list(centres().values()))
    other = np.random.default_rng(9).normal(size=old.shape[1]).astype(np.float32)
    new = np.stack([old[2], old[0], other / np.linalg.norm(other)])
    assert match_centroids(new, old) == {0: 2, 1: 0}


def test_update_topics_stores_topics_with_stable_ids(engine):
    ids = seed_topics(engine)
    first = analytics.update_topics(engine)
    assert first["topics"] == 3 and first["new"] == 3
    with session_scope(engine) as s:
        topic_of = dict(s.execute(select(Conversation.id, Conversation.topic_id)).all())
        refund_topic = topic_of[ids["refund"][0]]
        assert {topic_of[c] for c in ids["refund"]} == {refund_topic}
        assert "refund" in s.get(Topic, refund_topic).label
        analytics.rename_topic(session=s, topic_id=refund_topic, label="Refunds", member_id=None)
        s.commit()

    again = analytics.update_topics(engine)
    assert (again["kept"], again["new"], again["retired"]) == (3, 0, 0)
    with session_scope(engine) as s:
        assert dict(s.execute(select(Conversation.id, Conversation.topic_id)).all()) == topic_of
        assert s.get(Topic, refund_topic).custom_label == "Refunds"  # the team's name survives re-analysis
        assert s.exec(select(AuditLog).where(AuditLog.entity == "topic", AuditLog.action == "update")).first()


def test_a_new_kind_of_request_gets_a_new_topic_and_old_ids_stay(engine):
    seed_topics(engine, only=("refund", "password"))
    analytics.update_topics(engine)
    with session_scope(engine) as s:
        before = {t.label: t.id for t in s.exec(select(Topic))}
    seed_topics(engine, only=("invoice",), prefix="new_")
    result = analytics.update_topics(engine)
    assert (result["kept"], result["new"]) == (2, 1)
    with session_scope(engine) as s:
        after = {t.id for t in s.exec(select(Topic).where(Topic.active))}
        assert set(before.values()) < after


def test_topic_frames(engine):
    ids = seed_topics(engine, weeks=3)
    with session_scope(engine, write=True) as s:
        for cid in ids["password"][:12]:
            s.get(Conversation, cid).frustration = 0.9
    analytics.update_topics(engine)
    with session_scope(engine) as s:
        topics = analytics.topics_frame(session=s)
        weekly = analytics.topic_weekly_frame(session=s)
        pain = analytics.topic_pain_points_frame(session=s)
        password = topics[topics["label"].str.contains("password")].iloc[0]
        assert password["frustrated_share"] == pytest.approx(0.5)
        assert sorted(weekly["week"].unique()) == ["2026-W10", "2026-W11", "2026-W12"]
        assert weekly["conversations"].sum() == sum(n for _, n in PLANTED.values())
        row = pain[(pain["topic_id"] == password["id"]) & (pain["pain_point"] == "frustration ≥ 0.5")].iloc[0]
        assert (row["conversations"], row["base"]) == (12, 24)
        examples = analytics.topic_examples(session=s, topic_id=int(password["id"]))
        assert examples["frustration"].tolist() == [0.9] * 5


def test_rename_topic_refuses_a_missing_topic(session):
    with pytest.raises(ValueError, match="No topic"):
        analytics.rename_topic(session=session, topic_id=999, label="x", member_id=None)


@pytest.mark.slow
def test_cli_topics_adds_topic_columns_to_any_csv(tmp_path):
    from reviewlab.cli import app

    rows = [f"I want a refund for order {i}, it arrived broken" for i in range(12)]
    rows += [f"my password reset link number {i} does not work" for i in range(12)]
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": range(24), "text": rows}).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["topics", str(source), "--text-column", "text", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert written["id"].tolist() == list(range(24))  # input rows in order
    assert written.loc[:11, "topic_id"].nunique() == 1 and written.loc[12:, "topic_id"].nunique() == 1
    assert written.loc[0, "topic_id"] != written.loc[12, "topic_id"]
    assert "refund" in written.loc[0, "topic_label"]

    missing = CliRunner().invoke(app, ["topics", str(source), "--text-column", "body", "--out", str(out)])
    assert missing.exit_code == 1 and "no column 'body'" in missing.output and "in.csv" in missing.output
