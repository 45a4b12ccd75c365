"""Embeddings, semantic search, similar conversations, tag suggestions and topics in the database.

Bulk paths take an Engine and work in chunks (one transaction each, so a long run can stop and resume);
reads for pages take a Session. Pages only read stored vectors: encoding happens in `update_embeddings`
(`reviewlab analyze`), except for the one short query text of a semantic search.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from itertools import groupby

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, delete, exists, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reviewlab.audit import record
from reviewlab.db import session_scope
from reviewlab.embeddings import conversation_text, encode_texts, model_name, to_bytes
from reviewlab.indicators import week_label, week_start, weeks_of
from reviewlab.models import Annotation, Conversation, Embedding, Message, Tag, Topic, utcnow
from reviewlab.store.annotations import add_annotation
from reviewlab.store.segments import update_segments  # noqa: F401  (part of this module's contract)
from reviewlab.topics import cluster_vectors, label_from_keywords, match_centroids, topic_keywords
from reviewlab.vectors import get_index

Progress = Callable[[int, int], None]
EMBED_CHUNK = 256  # conversations per read-encode-write unit
LABEL_TEXT_CHARS = 300  # of each conversation's user text, for topic keywords
FRUSTRATED = 0.5  # a conversation with frustration at or above this counts as frustrated
SEARCH_MIN_SIMILARITY = 0.2  # semantic search drops results less similar than this

_CONV = Conversation.__table__


# --- Embeddings -------------------------------------------------------------------------------------------------


def _user_texts(session: Session, ids: list[str] | None = None, *, limit: int | None = None,
                user_only: bool = False) -> dict[str, str]:
    """Each conversation's embedding text (its user turns, else all turns); all conversations when `ids` is None.

    `user_only` reads user turns only (faster; a conversation without any then has no text).
    """
    query = select(Message.conversation_id, Message.role, Message.content).order_by(
        Message.conversation_id, Message.position
    )
    if ids is not None:
        query = query.where(Message.conversation_id.in_(ids))
    if user_only:
        query = query.where(Message.role == "user")
    out = {}
    for cid, rows in groupby(session.execute(query), key=lambda row: row[0]):
        rows = list(rows)
        text = conversation_text([r[2] for r in rows if r[1] == "user"], fallback=[r[2] for r in rows])
        out[cid] = text[:limit] if limit else text
    return out


def pending_embeddings(*, session: Session, model: str | None = None) -> int:
    """Conversations without a stored vector of the configured model."""
    model = model or model_name()
    has_vector = exists().where(Embedding.conversation_id == Conversation.id, Embedding.model == model)
    return session.execute(select(func.count()).select_from(Conversation).where(~has_vector)).scalar_one()


def update_embeddings(engine: Engine, *, progress: Progress | None = None, model: str | None = None,
                      member_id: int | None = None, chunk: int = EMBED_CHUNK) -> int:
    """Embed every conversation that has no vector of the configured model yet. Returns how many were embedded.

    Incremental: stored vectors are kept; a vector of another model is replaced. `progress(done, total)` is
    called after each chunk.
    """
    model = model or model_name()
    with session_scope(engine) as session:
        has_vector = exists().where(Embedding.conversation_id == Conversation.id, Embedding.model == model)
        ids = list(session.execute(select(Conversation.id).where(~has_vector).order_by(Conversation.id)).scalars())
    total = len(ids)
    if progress:
        progress(0, total)
    for start in range(0, total, chunk):
        part = ids[start:start + chunk]
        with session_scope(engine) as session:
            texts = _user_texts(session, part)
        vectors = encode_texts([texts.get(cid, "") for cid in part], model_name=model)
        now = utcnow()
        with session_scope(engine, write=True) as session:
            session.execute(delete(Embedding).where(Embedding.conversation_id.in_(part)))
            session.execute(insert(Embedding), [
                {"conversation_id": cid, "model": model, "vector": to_bytes(v), "created_at": now}
                for cid, v in zip(part, vectors, strict=True)
            ])
            record(session, member_id=member_id, action="analyze", entity="embedding", entity_id="*",
                   detail={"conversations": len(part), "model": model})
        if progress:
            progress(min(start + chunk, total), total)
    return total


def embedding_status(*, session: Session) -> dict[str, int | str]:
    model = model_name()
    embedded = session.execute(select(func.count()).where(Embedding.model == model)).scalar_one()
    return {"model": model, "embedded": embedded, "pending": pending_embeddings(session=session, model=model)}


# --- Search and similar conversations ---------------------------------------------------------------------------


def semantic_search_ids(*, session: Session, query: str, k: int = 200,
                        min_similarity: float = SEARCH_MIN_SIMILARITY) -> list[str]:
    """Ids of the `k` conversations closest in meaning to `query`, best first ([] before `reviewlab analyze`)."""
    index = get_index(session, model_name())
    if not query.strip() or not len(index):
        return []
    vector = encode_texts([query.strip()], model_name=index.model)[0]
    return [cid for cid, score in index.search(vector, k) if score >= min_similarity]


def _tags_of(session: Session, ids: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Live conversation- or turn-level tags of each conversation: [(tag id, name)], by name."""
    if not ids:
        return {}
    rows = session.execute(
        select(Annotation.conversation_id, Tag.id, Tag.name).join(Tag, Tag.id == Annotation.tag_id)
        .where(Annotation.conversation_id.in_(ids), Annotation.deleted_at.is_(None))
        .distinct().order_by(Annotation.conversation_id, Tag.name)
    ).all()
    out: dict[str, list[tuple[int, str]]] = {}
    for cid, tag_id, name in rows:
        out.setdefault(cid, []).append((tag_id, name))
    return out


SIMILAR_COLUMNS = ["conversation_id", "similarity", "started_at", "user_id", "product_area", "topic", "frustration",
                   "preview", "tags", "tag_ids"]


def similar_conversations(*, session: Session, conversation_id: str, k: int = 5) -> pd.DataFrame:
    """The `k` stored conversations most similar to this one, with their tags (empty before it is embedded)."""
    index = get_index(session, model_name())
    vector = index.vector(conversation_id)
    if vector is None:
        return pd.DataFrame(columns=SIMILAR_COLUMNS)
    hits = index.search(vector, k, exclude=conversation_id)
    ids = [cid for cid, _ in hits]
    rows = {
        r.id: r for r in session.execute(
            select(Conversation.id, Conversation.started_at, Conversation.user_id, Conversation.product_area,
                   Conversation.frustration, func.coalesce(Topic.custom_label, Topic.label).label("topic"))
            .outerjoin(Topic, Topic.id == Conversation.topic_id).where(Conversation.id.in_(ids))
        )
    }
    texts = _user_texts(session, ids, limit=200)
    tags = _tags_of(session, ids)
    records = []
    for cid, score in hits:
        row = rows.get(cid)
        if row is None:
            continue
        records.append({
            "conversation_id": cid, "similarity": round(score, 4), "started_at": row.started_at,
            "user_id": row.user_id, "product_area": row.product_area, "topic": row.topic,
            "frustration": row.frustration, "preview": texts.get(cid, "").replace("\n", " / "),
            "tags": ", ".join(name for _, name in tags.get(cid, [])),
            "tag_ids": [tag_id for tag_id, _ in tags.get(cid, [])],
        })
    return pd.DataFrame(records, columns=SIMILAR_COLUMNS)


def suggest_tags(*, session: Session, conversation_id: str, neighbours: int = 15, top: int = 5) -> pd.DataFrame:
    """Tags this conversation probably deserves, voted by its `neighbours` nearest tagged conversations.

    score = share of those neighbours' similarity weight on the ones carrying the tag (each tag against the same
    neighbours, so the scores of several tags can add up to more than 1); tags it already has are left out.
    Columns: tag_id, tag, kind, score, votes (neighbours with the tag), neighbours (how many were looked at),
    examples (ids of the neighbours with the tag).
    """
    columns = ["tag_id", "tag", "kind", "score", "votes", "neighbours", "examples"]
    index = get_index(session, model_name())
    vector = index.vector(conversation_id)
    if vector is None:
        return pd.DataFrame(columns=columns)
    tagged = [cid for cid in session.execute(
        select(Annotation.conversation_id).join(Tag, Tag.id == Annotation.tag_id)
        .where(Annotation.deleted_at.is_(None), ~Tag.archived, Annotation.conversation_id != conversation_id)
        .distinct()
    ).scalars() if cid in index]
    if not tagged:
        return pd.DataFrame(columns=columns)
    sims = np.array([index.vector(cid) for cid in tagged]) @ vector
    order = np.lexsort((np.array(tagged), -sims))[:neighbours]
    near = {tagged[i]: max(float(sims[i]), 0.0) for i in order}
    own = {tag_id for tag_id, _ in _tags_of(session, [conversation_id]).get(conversation_id, [])}
    weight = sum(near.values()) or 1.0
    votes: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for cid, tags in _tags_of(session, list(near)).items():
        for tag_id, name in tags:
            if tag_id not in own:
                votes.setdefault(tag_id, []).append(cid)
                names[tag_id] = name
    kinds = dict(session.execute(select(Tag.id, Tag.kind).where(Tag.id.in_(list(votes)), ~Tag.archived)).all())
    rows = [{"tag_id": t, "tag": names[t], "kind": kinds[t], "score": round(sum(near[c] for c in cids) / weight, 3),
             "votes": len(cids), "neighbours": len(near), "examples": sorted(cids, key=lambda c: -near[c])}
            for t, cids in votes.items() if t in kinds]
    rows.sort(key=lambda r: (-r["score"], r["tag"]))
    return pd.DataFrame(rows[:top], columns=columns)


def apply_tag_to_similar(*, session: Session, tag_id: int, conversation_ids: Iterable[str], member_id: int | None,
                         source_conversation_id: str | None = None) -> int:
    """Tag each of these conversations (picked by a reviewer among similar ones) unless it already has the tag.

    Every annotation is audited, plus one row for the bulk action. Returns how many annotations were added.
    """
    ids = list(dict.fromkeys(conversation_ids))
    if not ids:
        return 0
    already = set(session.execute(
        select(Annotation.conversation_id).where(Annotation.conversation_id.in_(ids), Annotation.tag_id == tag_id,
                                                 Annotation.deleted_at.is_(None))
    ).scalars())
    added = [cid for cid in ids if cid not in already]
    for cid in added:
        add_annotation(session=session, conversation_id=cid, tag_id=tag_id, member_id=member_id,
                       note="applied to similar conversations")
    record(session, member_id=member_id, action="bulk_tag", entity="tag", entity_id=tag_id,
           detail={"conversations": added, "skipped": sorted(already), "from": source_conversation_id})
    return len(added)


# --- Topics ------------------------------------------------------------------------------------------------------


def update_topics(engine: Engine, *, seed: int = 0, progress: Progress | None = None, member_id: int | None = None,
                  max_topics: int | None = None) -> dict:
    """Cluster the stored vectors into topics and store them with stable ids (see reviewlab.topics).

    Returns a summary: conversations, topics, new, kept, retired, k_chosen, seconds.
    """
    started = time.perf_counter()
    with session_scope(engine) as session:
        index = get_index(session, model_name())
        ids, vectors = list(index.ids), index.matrix
        texts = _user_texts(session, limit=LABEL_TEXT_CHARS, user_only=True) if ids else {}
        old = session.execute(select(Topic.id, Topic.centroid).where(Topic.centroid.is_not(None))
                              .order_by(Topic.id)).all()
    if progress:
        progress(1, 4)
    clustering = cluster_vectors(vectors, seed=seed, max_topics=max_topics)
    if progress:
        progress(2, 4)
    keywords = topic_keywords([texts.get(cid, "") for cid in ids], clustering.labels, clustering.k)
    dim = vectors.shape[1]
    previous = [(tid, np.frombuffer(blob, dtype=np.float32)) for tid, blob in old]
    previous = [(tid, v) for tid, v in previous if v.shape == (dim,)]  # centroids of another model cannot match
    old_ids = [tid for tid, _ in previous]
    matches = match_centroids(clustering.centroids, np.array([v for _, v in previous]).reshape(len(previous), dim))
    if progress:
        progress(3, 4)
    now = utcnow()
    with session_scope(engine, write=True) as session:
        topic_ids = []
        for c in range(clustering.k):
            fields = {"label": label_from_keywords(keywords[c]), "keywords": keywords[c],
                      "size": int(clustering.sizes[c]), "centroid": to_bytes(clustering.centroids[c]),
                      "active": True, "run_at": now}
            if c in matches:
                topic = session.get(Topic, old_ids[matches[c]])
                for name, value in fields.items():
                    setattr(topic, name, value)
            else:
                topic = Topic(**fields)
            session.add(topic)
            session.flush()
            topic_ids.append(topic.id)
        kept = {old_ids[o] for o in matches.values()}
        retired = [tid for tid in old_ids if tid not in kept]
        if retired:
            session.execute(update(Topic).where(Topic.id.in_(retired), Topic.active).values(active=False, size=0))
        session.execute(update(_CONV).where(_CONV.c.topic_id.is_not(None)).values(topic_id=None))
        if ids:
            session.execute(
                update(_CONV).where(_CONV.c.id == bindparam("cid")).values(topic_id=bindparam("tid")),
                [{"cid": cid, "tid": topic_ids[lab]} for cid, lab in zip(ids, clustering.labels.tolist(), strict=True)],
            )
        summary = {"conversations": len(ids), "topics": clustering.k, "new": clustering.k - len(matches),
                   "kept": len(matches), "retired": len(retired), "seconds": round(time.perf_counter() - started, 2)}
        record(session, member_id=member_id, action="analyze", entity="topic", entity_id="*", detail=summary)
    if progress:
        progress(4, 4)
    return summary


def rename_topic(*, session: Session, topic_id: int, label: str, member_id: int | None) -> Topic:
    """Give a topic the team's own name (an empty label goes back to the generated keywords)."""
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise ValueError(f"No topic {topic_id}.")
    label = label.strip()
    if len(label) > 120:
        raise ValueError("A topic name has at most 120 characters.")
    before = topic.custom_label
    topic.custom_label = label or None
    session.add(topic)
    record(session, member_id=member_id, action="update", entity="topic", entity_id=topic_id,
           detail={"custom_label": [before, topic.custom_label]})
    return topic


def _conversation_frame(session: Session) -> pd.DataFrame:
    """Topic, start, frustration and feedback of every conversation that has a topic."""
    rows = session.execute(
        select(Conversation.id, Conversation.topic_id, Conversation.started_at, Conversation.frustration,
               Conversation.explicit_feedback).where(Conversation.topic_id.is_not(None))
    ).all()
    frame = pd.DataFrame(rows, columns=["conversation_id", "topic_id", "started_at", "frustration", "feedback"])
    frame["frustrated"] = frame["frustration"].fillna(0).ge(FRUSTRATED) | frame["feedback"].fillna(0).lt(0)
    return frame


def topic_examples(*, session: Session, topic_id: int, limit: int = 5) -> pd.DataFrame:
    """The topic's most frustrated conversations (then the newest): conversation_id, started_at, frustration,
    preview (the opening request)."""
    ids = list(session.execute(
        select(Conversation.id).where(Conversation.topic_id == topic_id)
        .order_by(Conversation.frustration.is_(None), Conversation.frustration.desc(), Conversation.started_at.desc(),
                  Conversation.id).limit(limit)
    ).scalars())
    rows = {r.id: r for r in session.execute(select(Conversation.id, Conversation.started_at, Conversation.frustration)
                                             .where(Conversation.id.in_(ids)))}
    texts = _user_texts(session, ids, limit=200)
    return pd.DataFrame([{"conversation_id": cid, "started_at": rows[cid].started_at,
                          "frustration": rows[cid].frustration, "preview": texts.get(cid, "").replace("\n", " / ")}
                         for cid in ids], columns=["conversation_id", "started_at", "frustration", "preview"])


TOPIC_COLUMNS = ["id", "label", "generated_label", "custom_label", "keywords", "size", "active", "frustrated_share",
                 "mean_frustration", "thumbs_down"]


def topics_frame(*, session: Session, include_inactive: bool = False) -> pd.DataFrame:
    """Topics with their display label (the team's name, else the keywords) and pain indicators, biggest first."""
    query = select(Topic).order_by(Topic.size.desc(), Topic.id)
    if not include_inactive:
        query = query.where(Topic.active)
    topics = session.execute(query).scalars().all()
    conv = _conversation_frame(session)
    stats = conv.groupby("topic_id").agg(
        frustrated_share=("frustrated", "mean"), mean_frustration=("frustration", "mean"),
        thumbs_down=("feedback", lambda s: int((s < 0).sum())),
    )
    rows = []
    for t in topics:
        s = stats.loc[t.id] if t.id in stats.index else None
        rows.append({
            "id": t.id, "label": t.custom_label or t.label, "generated_label": t.label, "custom_label": t.custom_label,
            "keywords": ", ".join(t.keywords or []), "size": t.size, "active": t.active,
            "frustrated_share": None if s is None else round(float(s["frustrated_share"]), 4),
            "mean_frustration": None if s is None or pd.isna(s["mean_frustration"]) else round(
                float(s["mean_frustration"]), 4),
            "thumbs_down": 0 if s is None else int(s["thumbs_down"]),
        })
    return pd.DataFrame(rows, columns=TOPIC_COLUMNS)


def topic_weekly_frame(*, session: Session) -> pd.DataFrame:
    """Per ISO week and active topic: conversations, frustrated ones and their share (for trend charts)."""
    columns = ["week", "week_start", "topic_id", "topic", "conversations", "frustrated", "frustrated_share"]
    conv = _conversation_frame(session).dropna(subset=["started_at"])
    labels = dict(session.execute(select(Topic.id, func.coalesce(Topic.custom_label, Topic.label))
                                  .where(Topic.active)).all())
    conv = conv[conv["topic_id"].isin(list(labels))]
    if conv.empty:
        return pd.DataFrame(columns=columns)
    conv["week_no"] = weeks_of(conv["started_at"])
    weekly = conv.groupby(["week_no", "topic_id"]).agg(conversations=("conversation_id", "size"),
                                                       frustrated=("frustrated", "sum")).reset_index()
    weekly["frustrated_share"] = (weekly["frustrated"] / weekly["conversations"]).round(4)
    weekly["week"] = [week_label(w) for w in weekly["week_no"]]
    weekly["week_start"] = pd.to_datetime([week_start(w) for w in weekly["week_no"]])
    weekly["topic"] = weekly["topic_id"].map(labels)
    return weekly[columns].sort_values(["week", "topic_id"]).reset_index(drop=True)


def topic_pain_points_frame(*, session: Session) -> pd.DataFrame:
    """Topic × pain point: for each active topic and pain-point tag (plus the frustration and thumbs-down
    signals), how many of the topic's conversations carry it and their share of the topic's tagged (reviewed)
    conversations, or of all its conversations for the signals."""
    columns = ["topic_id", "topic", "pain_point", "source", "conversations", "base", "rate"]
    labels = dict(session.execute(select(Topic.id, func.coalesce(Topic.custom_label, Topic.label))
                                  .where(Topic.active)).all())
    if not labels:
        return pd.DataFrame(columns=columns)
    conv = _conversation_frame(session)
    conv = conv[conv["topic_id"].isin(list(labels))]
    tagged = pd.DataFrame(session.execute(
        select(Conversation.topic_id, Annotation.conversation_id, Tag.name, Tag.kind)
        .join(Annotation, Annotation.conversation_id == Conversation.id).join(Tag, Tag.id == Annotation.tag_id)
        .where(Annotation.deleted_at.is_(None), Conversation.topic_id.in_(list(labels)))
    ).all(), columns=["topic_id", "conversation_id", "tag", "kind"])
    reviewed = tagged.groupby("topic_id")["conversation_id"].nunique()
    rows = []
    pains = tagged[tagged["kind"] == "pain_point"].groupby(["topic_id", "tag"])["conversation_id"].nunique()
    for (topic_id, tag), n in pains.items():
        rows.append({"topic_id": topic_id, "pain_point": tag, "source": "tag", "conversations": int(n),
                     "base": int(reviewed.get(topic_id, 0))})
    sizes = conv.groupby("topic_id").size()
    signals = {"frustration ≥ 0.5": conv["frustration"].fillna(0).ge(FRUSTRATED),
               "thumbs down": conv["feedback"].fillna(0).lt(0)}
    for name, hit in signals.items():
        for topic_id, n in conv[hit].groupby("topic_id").size().items():
            rows.append({"topic_id": topic_id, "pain_point": name, "source": "signal", "conversations": int(n),
                         "base": int(sizes[topic_id])})
    frame = pd.DataFrame(rows, columns=columns)
    frame["topic"] = frame["topic_id"].map(labels)
    frame["rate"] = (frame["conversations"] / frame["base"].where(frame["base"] > 0)).round(4)
    return frame.sort_values(["topic_id", "source", "pain_point"]).reset_index(drop=True)
