"""Decisions with evidence links (conversations, issues, tags, topics, metric snapshots) and follow-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from reviewlab.audit import record
from reviewlab.loop.decisions import EvidenceLink, backed_by_user_data
from reviewlab.models import Conversation, Decision, DecisionEvidence, Issue, Tag, Topic, utcnow
from reviewlab.store.loop.common import check_refs, count_hits, get_or_fail, member_names, reviewed_ids
from reviewlab.store.loop.issues import signal_rate

METRICS = {
    "conversations_last_7_days": "conversations started in the last 7 days",
    "frustrated_share_last_28_days": "share of scored conversations with frustration ≥ 0.5, last 28 days",
    "negative_feedback_share_last_28_days": "share of rated conversations with negative feedback, last 28 days",
    "reviewed_share_last_28_days": "share of conversations reviewed, last 28 days",
}


def metric_snapshot(*, session: Session, metric: str, as_of: datetime | None = None) -> dict:
    """A metric's value now, to store with a decision: {"value", "n", "as_of", "label"}."""
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
    as_of = as_of or utcnow()
    days = 7 if metric.endswith("7_days") else 28
    window = and_(Conversation.started_at >= as_of - timedelta(days=days), Conversation.started_at < as_of)
    if metric == "conversations_last_7_days":
        n = session.exec(select(func.count()).select_from(Conversation).where(window)).one()
        value = float(n)
    else:
        hit, base = {
            "frustrated_share_last_28_days": signal_rate("frustration"),
            "negative_feedback_share_last_28_days": signal_rate("thumbs_down_rate"),
            "reviewed_share_last_28_days": (col(Conversation.id).in_(reviewed_ids()), True),
        }[metric]
        hits, n = count_hits(session, hit, and_(window, base))
        value = hits / n if n else None
    return {"value": value, "n": int(n), "as_of": as_of.isoformat(), "label": METRICS[metric]}


def create_decision(
    *,
    session: Session,
    title: str,
    rationale: str = "",
    owner_id: int | None = None,
    decided_at: datetime | None = None,
    follow_up_on: date | None = None,
    meeting_id: int | None = None,
    evidence: Iterable[EvidenceLink] = (),
    actor_id: int | None,
) -> Decision:
    if not title.strip():
        raise ValueError("A decision needs a title.")
    check_refs(session, meeting_id=meeting_id, owner_id=owner_id)
    evidence = list(evidence)
    for link in evidence:  # check every link before writing anything
        _check_evidence_ref(session, link.kind, str(link.ref).strip())
    decision = Decision(
        title=title.strip(),
        rationale=rationale,
        owner_id=owner_id,
        decided_at=decided_at or utcnow(),
        follow_up_on=follow_up_on,
        meeting_id=meeting_id,
    )
    if follow_up_on and follow_up_on < decision.decided_at.date():
        raise ValueError("The follow-up date is before the decision.")
    session.add(decision)
    session.flush()
    record(
        session,
        member_id=actor_id,
        action="create",
        entity="decision",
        entity_id=decision.id,
        detail={"title": decision.title, "meeting_id": meeting_id},
    )
    add_decision_evidence(session=session, decision_id=decision.id, links=evidence, actor_id=actor_id)
    return decision


def add_decision_evidence(
    *, session: Session, decision_id: int, links: Iterable[EvidenceLink], actor_id: int | None
) -> int:
    links = list(links)
    if not links:
        return 0
    get_or_fail(session, Decision, decision_id)
    existing = {
        (e.kind, e.ref)
        for e in session.exec(select(DecisionEvidence).where(DecisionEvidence.decision_id == decision_id))
    }
    added = []
    for link in links:
        ref = str(link.ref).strip()
        _check_evidence_ref(session, link.kind, ref)
        if (link.kind, ref) in existing:
            continue
        existing.add((link.kind, ref))
        session.add(DecisionEvidence(decision_id=decision_id, kind=link.kind, ref=ref, snapshot=link.snapshot))
        added.append({"kind": link.kind, "ref": ref})
    if added:
        record(
            session,
            member_id=actor_id,
            action="add_evidence",
            entity="decision",
            entity_id=decision_id,
            detail={"links": added},
        )
    return len(added)


def set_follow_up_done(*, session: Session, decision_id: int, done: bool = True, actor_id: int | None) -> Decision:
    decision = get_or_fail(session, Decision, decision_id)
    decision.follow_up_done = done
    session.add(decision)
    record(
        session,
        member_id=actor_id,
        action="update",
        entity="decision",
        entity_id=decision_id,
        detail={"follow_up_done": done},
    )
    return decision


def decisions_with_counts(session: Session, *conditions) -> list[tuple[Decision, int]]:
    n = (
        select(func.count(col(DecisionEvidence.id)))
        .where(DecisionEvidence.decision_id == Decision.id)
        .correlate(Decision)
        .scalar_subquery()
    )
    query = select(Decision, n).order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    for condition in conditions:
        query = query.where(condition)
    return [(d, int(count)) for d, count in session.exec(query)]


DECISION_COLUMNS = [
    "id", "title", "rationale", "owner_id", "owner", "meeting_id", "decided_at", "follow_up_on", "follow_up_done",
    "n_evidence", "backed_by_data", "follow_up_due",
]  # fmt: skip


def decisions_frame(
    *,
    session: Session,
    meeting_id: int | None = None,
    backed: bool | None = None,
    text: str | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Decisions newest first, with their evidence count, whether they are backed by user data, and whether their
    follow-up is due (dated today or earlier, UTC, and not done)."""
    today = today or utcnow().date()
    conditions = []
    if meeting_id is not None:
        conditions.append(Decision.meeting_id == meeting_id)
    if text:
        conditions.append(or_(col(Decision.title).ilike(f"%{text}%"), col(Decision.rationale).ilike(f"%{text}%")))
    names = member_names(session)
    rows = [
        d.model_dump()
        | {
            "owner": names.get(d.owner_id),
            "n_evidence": n,
            "backed_by_data": backed_by_user_data(n),
            "follow_up_due": d.follow_up_on is not None and not d.follow_up_done and d.follow_up_on <= today,
        }
        for d, n in decisions_with_counts(session, *conditions)
    ]
    frame = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    if backed is not None:
        frame = frame[frame["backed_by_data"] == backed].reset_index(drop=True)
    return frame


def decision_evidence_frame(*, session: Session, decision_id: int) -> pd.DataFrame:
    """Evidence links with a readable label."""
    rows = []
    for e in session.exec(
        select(DecisionEvidence).where(DecisionEvidence.decision_id == decision_id).order_by(DecisionEvidence.id)
    ):
        rows.append(
            {"id": e.id, "kind": e.kind, "ref": e.ref, "label": _evidence_label(session, e), "snapshot": e.snapshot}
        )
    return pd.DataFrame(rows, columns=["id", "kind", "ref", "label", "snapshot"])


def _evidence_label(session: Session, e: DecisionEvidence) -> str:
    if e.kind == "metric":
        snap = e.snapshot or {}
        value = snap.get("value")
        shown = "n/a" if value is None else (f"{value:.1%}" if "share" in e.ref else f"{value:g}")
        return f"{snap.get('label', e.ref)}: {shown} (as of {str(snap.get('as_of', ''))[:10]})"
    if e.kind == "issue":
        issue = session.get(Issue, int(e.ref))
        return f"issue #{e.ref}: {issue.title}" if issue else f"issue #{e.ref}"
    if e.kind == "tag":
        tag = session.get(Tag, int(e.ref))
        return f"tag: {tag.name}" if tag else f"tag #{e.ref}"
    if e.kind == "topic":
        topic = session.get(Topic, int(e.ref))
        return f"topic: {topic.custom_label or topic.label}" if topic else f"topic #{e.ref}"
    return f"conversation {e.ref}"


def _check_evidence_ref(session: Session, kind: str, ref: str) -> None:
    if kind == "metric":
        return
    model = {"conversation": Conversation, "issue": Issue, "tag": Tag, "topic": Topic}[kind]
    key: str | int = ref
    if kind != "conversation":
        if not ref.isdigit():
            raise ValueError(f"A {kind} reference must be a number, not {ref!r}.")
        key = int(ref)
    if session.get(model, key) is None:
        raise ValueError(f"Unknown {kind} {ref!r}.")
