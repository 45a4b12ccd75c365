"""Frustration signals in the database: batch scoring of stored conversations and the Signals page's reads.

`update_signals` reads conversations in chunks, scores them with `reviewlab.signals` (one encoder call per chunk)
and writes the scores back with Core executemany updates, one transaction per chunk, so a long run can be
interrupted and resumed (`only_missing=True` skips conversations that already have a frustration score).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

import pandas as pd
from sqlalchemy import bindparam, func, null, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reviewlab.audit import record
from reviewlab.db import session_scope
from reviewlab.models import Conversation, Message
from reviewlab.signals import SIGNAL_LABELS, ConversationInput, Encoder, score_conversations

CHUNK = 500  # conversations per read-score-write unit

# Core tables: executemany over plain dicts is far faster than ORM objects on 100k rows.
_CONV = Conversation.__table__
_MSG = Message.__table__


def update_signals(engine: Engine, *, progress: Callable[[int, int], None] | None = None, only_missing: bool = True,
                   encoder: Encoder | None = None, member_id: int | None = None) -> int:
    """Score conversations and store the scores. Returns how many conversations were scored.

    `progress(done, total)` is called after each chunk. `encoder` defaults to the sentence-embedding model.
    """
    with session_scope(engine) as session:
        query = select(Conversation.id).order_by(Conversation.id)
        if only_missing:
            query = query.where(Conversation.frustration.is_(None))
        ids = list(session.execute(query).scalars())
    total = len(ids)
    for start in range(0, total, CHUNK):
        chunk = ids[start:start + CHUNK]
        with session_scope(engine) as session:
            inputs, message_ids = _load(session, chunk)
        scored = score_conversations(inputs, encoder=encoder)
        with session_scope(engine, write=True) as session:
            _store(session, chunk, message_ids, scored)
            record(session, member_id=member_id, action="analyze", entity="conversation", entity_id="signals",
                   detail={"conversations": len(chunk)})
        if progress:
            progress(min(start + CHUNK, total), total)
    return total


def _load(session: Session, ids: list[str]) -> tuple[list[ConversationInput], dict[str, list[int]]]:
    feedback = dict(session.execute(select(Conversation.id, Conversation.explicit_feedback)
                                    .where(Conversation.id.in_(ids))).all())
    rows = session.execute(
        select(Message.conversation_id, Message.id, Message.role, Message.content, Message.feedback)
        .where(Message.conversation_id.in_(ids)).order_by(Message.conversation_id, Message.position)
    ).all()
    by_conv = {cid: list(group) for cid, group in groupby(rows, key=lambda r: r.conversation_id)}
    inputs, message_ids = [], {}
    for cid in ids:
        msgs = by_conv.get(cid, [])
        inputs.append(ConversationInput(messages=[(m.role, m.content) for m in msgs],
                                        feedback=[m.feedback for m in msgs], explicit_feedback=feedback.get(cid)))
        message_ids[cid] = [m.id for m in msgs]
    return inputs, message_ids


def _store(session: Session, ids: list[str], message_ids: dict[str, list[int]], scored) -> None:
    conv_rows, msg_rows = [], []
    for cid, result in zip(ids, scored, strict=True):
        conv_rows.append({"cid": cid, "frustration": result.frustration, "explanation": result.explanation})
        for mid, turn in zip(message_ids[cid], result.turns, strict=True):
            msg_rows.append({"mid": mid, "failure": turn.failure, "dissatisfied": turn.dissatisfied,
                             "signals": turn.signals})
    session.execute(update(_CONV).where(_CONV.c.id == bindparam("cid")).values(
        frustration=bindparam("frustration"), frustration_explanation=bindparam("explanation")), conv_rows)
    # A JSON column stores Python None as JSON 'null'; turns without signals get SQL NULL instead.
    with_signals = [r for r in msg_rows if r["signals"]]
    without = [{k: v for k, v in r.items() if k != "signals"} for r in msg_rows if not r["signals"]]
    scores = {"failure": bindparam("failure"), "dissatisfied": bindparam("dissatisfied")}
    if with_signals:
        session.execute(update(_MSG).where(_MSG.c.id == bindparam("mid"))
                        .values(**scores, signals=bindparam("signals")), with_signals)
    if without:
        session.execute(update(_MSG).where(_MSG.c.id == bindparam("mid")).values(**scores, signals=null()), without)


# --- Reads for the Signals page -----------------------------------------------------------------------------


def signals_coverage(*, session: Session) -> dict[str, int]:
    """How many conversations there are and how many have been scored."""
    total, scored = session.execute(
        select(func.count(Conversation.id), func.count(Conversation.frustration))).one()
    return {"conversations": int(total), "scored": int(scored)}


def frustrated_conversations(*, session: Session, min_frustration: float = 0.0, variants: list[str] | None = None,
                             product_areas: list[str] | None = None, signal: str | None = None,
                             limit: int = 50) -> pd.DataFrame:
    """The most frustrated scored conversations (highest first) with the signals that explain each score."""
    query = (select(Conversation.id, Conversation.started_at, Conversation.variant, Conversation.product_area,
                    Conversation.n_messages, Conversation.frustration, Conversation.frustration_explanation)
             .where(Conversation.frustration.is_not(None), Conversation.frustration >= min_frustration)
             .order_by(Conversation.frustration.desc(), Conversation.id))
    if variants:
        query = query.where(Conversation.variant.in_(variants))
    if product_areas:
        query = query.where(Conversation.product_area.in_(product_areas))
    if signal:
        query = query.where(Conversation.id.in_(_conversations_with_signal(signal)))
    rows = session.execute(query.limit(limit)).all()
    frame = pd.DataFrame(rows, columns=["id", "started_at", "variant", "product_area", "n_messages", "frustration",
                                        "explanation"])
    frame["signals"] = [", ".join(dict.fromkeys(SIGNAL_LABELS.get(name, name) for e in (ex or [])
                                                for name in e["signals"])) for ex in frame["explanation"]]
    return frame.drop(columns=["explanation"])


def _conversations_with_signal(signal: str):
    # JSON columns are not portably queryable; the signal names are plain keys, so a text match on the
    # serialised dict is exact enough ('"rephrase":') on both SQLite and PostgreSQL.
    from sqlalchemy import String, cast

    return (select(Message.conversation_id).distinct()
            .where(Message.signals.is_not(None), cast(Message.signals, String).like(f'%"{signal}":%')))


def signal_counts(*, session: Session) -> pd.DataFrame:
    """Per signal: how many turns and how many conversations show it (from the stored per-turn signals)."""
    rows = session.execute(select(Message.conversation_id, Message.signals).where(Message.signals.is_not(None)))
    turns: dict[str, int] = {}
    convs: dict[str, set[str]] = {}
    for cid, signals in rows:
        for name in signals or {}:
            turns[name] = turns.get(name, 0) + 1
            convs.setdefault(name, set()).add(cid)
    frame = pd.DataFrame(
        [{"signal": name, "label": SIGNAL_LABELS.get(name, name), "turns": n, "conversations": len(convs[name])}
         for name, n in turns.items()], columns=["signal", "label", "turns", "conversations"])
    return frame.sort_values("turns", ascending=False, ignore_index=True)


def frustration_values(*, session: Session) -> pd.DataFrame:
    """The frustration score of every scored conversation, for the distribution chart."""
    rows = session.execute(select(Conversation.frustration).where(Conversation.frustration.is_not(None))).all()
    return pd.DataFrame(rows, columns=["frustration"])
