"""Write the demo workspace: conversations through the import path, the rest in one transaction."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reviewlab.audit import record
from reviewlab.db import session_scope
from reviewlab.demo.conversations import SOURCE, Calendar, make_conversations
from reviewlab.demo.truth import build_truth
from reviewlab.demo.workspace import Plan, plan_workspace
from reviewlab.ingest import import_records
from reviewlab.models import (
    Annotation,
    AppSetting,
    Decision,
    DecisionEvidence,
    IndicatorTarget,
    Issue,
    IssueEvidence,
    Judgement,
    Kpi,
    Meeting,
    MeetingAttendee,
    Member,
    Message,
    ReviewAssignment,
    Tag,
)
from reviewlab.store.setup import ensure_ready

TRUTH_KEY = "demo_truth"
IN_CHUNK = 500


class DemoAlreadySeeded(RuntimeError):
    """The database already holds a demo workspace built with other settings."""


def build_plan(*, seed: int = 7, scale: float = 1.0, today: date | None = None) -> Plan:
    """The whole demo workspace in memory (no database): conversations, team, loop, KPIs."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rng = random.Random(seed)
    cal = Calendar.ending_before(today or datetime.now(UTC).date())
    return plan_workspace(rng, cal, make_conversations(rng, cal, scale))


def stored_truth(engine: Engine) -> dict | None:
    """The truth of the demo workspace already in this database, or None."""
    with Session(engine) as session:
        setting = session.get(AppSetting, TRUTH_KEY)
        return setting.value if setting else None


def write_truth(truth: dict, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def seed_demo(engine: Engine, *, seed: int = 7, scale: float = 1.0, truth_path: Path | str | None = None,
              today: date | None = None) -> dict:
    """Seed the demo workspace into `engine` (migrating it first) and return its planted truth.

    Idempotent: when the database already holds the demo built with the same seed and scale, nothing is added
    and the stored truth is returned; another seed or scale raises `DemoAlreadySeeded`. The truth is also written
    as JSON to `truth_path` when given. `today` anchors the calendar (default: today in UTC): the demo covers
    the 14 ISO weeks up to yesterday.
    """
    ensure_ready(engine)
    existing = stored_truth(engine)
    if existing is None:
        plan = build_plan(seed=seed, scale=scale, today=today)
        fingerprint = hashlib.sha256(f"reviewlab-demo:{seed}:{scale}:{plan.cal.today}".encode()).hexdigest()
        result = import_records(engine, (c.record() for c in plan.conversations), source=SOURCE,
                                file_name=f"demo workspace (seed {seed}, scale {scale:g})", format="demo",
                                file_sha256=fingerprint)
        if result.error or result.records_rejected:
            raise RuntimeError(f"The demo conversations did not import: {result.summary()}")
        with session_scope(engine, write=True) as session:
            if session.get(AppSetting, TRUTH_KEY) is None:  # a concurrent seeder may have won the race
                truth = build_truth(plan, seed=seed, scale=scale, ids=_write_plan(session, plan, seed))
                session.add(AppSetting(key=TRUTH_KEY, value=truth))
                record(session, member_id=None, action="seed", entity="appsetting", entity_id=TRUTH_KEY,
                       detail={"seed": seed, "scale": scale})
        existing = stored_truth(engine)
    elif (existing["seed"], existing["scale"]) != (seed, scale):
        raise DemoAlreadySeeded(
            f"This database already holds the demo workspace built with seed {existing['seed']} and scale "
            f"{existing['scale']:g}; use a new database (REVIEWLAB_DATABASE_URL) for seed {seed}, scale {scale:g}."
        )
    if truth_path is not None:
        write_truth(existing, truth_path)
    return existing


def _write_plan(session: Session, plan: Plan, seed: int) -> dict:
    """Insert everything but the conversations; return the database ids of the plan's indexes."""
    conn = session.connection()
    audit: dict[str, int] = {}

    def bulk(model, rows: list[dict]) -> None:
        if rows:
            conn.execute(insert(model.__table__), rows)
        audit[model.__tablename__] = len(rows)

    def objects(model, rows: list[dict]) -> list[int]:
        items = [model(**row) for row in rows]
        session.add_all(items)
        session.flush()
        audit[model.__tablename__] = len(items)
        return [item.id for item in items]

    members = objects(Member, plan.members)
    tags = _tag_ids(session, {a["tag"] for a in plan.annotations} | {i["tag"] for i in plan.issues})
    meetings = objects(Meeting, [_drop(m, "attendees", "week", "facilitator")
                                 | {"facilitator_id": members[m["facilitator"]] if m["facilitator"] is not None
                                    else None} for m in plan.meetings])
    bulk(MeetingAttendee, [{"meeting_id": meetings[i], "member_id": members[a]}
                           for i, m in enumerate(plan.meetings) for a in m["attendees"]])
    bulk(ReviewAssignment, [{"meeting_id": meetings[a["meeting"]], "conversation_id": a["conversation_id"],
                             "member_id": members[a["member"]], "position": a["position"], "done_at": a["done_at"]}
                            for a in plan.assignments])
    message_ids = _message_ids(session, {a["conversation_id"] for a in plan.annotations if a["position"] is not None})
    bulk(Annotation, [{"conversation_id": a["conversation_id"], "tag_id": tags[a["tag"]],
                       "member_id": members[a["member"]], "note": a["note"], "created_at": a["created_at"],
                       "message_id": message_ids[a["conversation_id"], a["position"]] if a["position"] is not None
                       else None} for a in plan.annotations])
    bulk(Judgement, [_drop(j, "member") | {"member_id": members[j["member"]]} for j in plan.judgements])
    issues = objects(Issue, [
        _drop(i, "planted", "evidence", "product_area", "owner", "created_by", "meeting", "tag")
        | {"owner_id": members[i["owner"]], "created_by_id": members[i["created_by"]],
           "meeting_id": meetings[i["meeting"]] if i["meeting"] is not None else None, "tag_id": tags[i["tag"]]}
        for i in plan.issues])
    bulk(IssueEvidence, [{"issue_id": issues[n], "conversation_id": cid, "added_at": i["detected_at"]}
                         for n, i in enumerate(plan.issues) for cid in i["evidence"]])
    decisions = objects(Decision, [
        _drop(d, "evidence", "meeting", "owner")
        | {"meeting_id": meetings[d["meeting"]] if d["meeting"] is not None else None,
           "owner_id": members[d["owner"]]} for d in plan.decisions])
    bulk(DecisionEvidence, [
        {"decision_id": decisions[n], "kind": e["kind"], "snapshot": e["snapshot"],
         "ref": str(issues[e["issue"]]) if "issue" in e else str(tags[e["tag"]]) if "tag" in e else e["ref"]}
        for n, d in enumerate(plan.decisions) for e in d["evidence"]])
    have_kpis = {(name, day) for name, day in session.execute(select(Kpi.name, Kpi.day))}
    bulk(Kpi, [k for k in plan.kpis if (k["name"], k["day"]) not in have_kpis])
    have_targets = set(session.execute(select(IndicatorTarget.indicator)).scalars())
    bulk(IndicatorTarget, [t for t in plan.targets if t["indicator"] not in have_targets])
    for entity, n in audit.items():
        record(session, member_id=None, action="seed", entity=entity, entity_id="*",
               detail={"n": n, "source": SOURCE, "seed": seed})
    return {"members": members, "meetings": meetings, "issues": issues, "decisions": decisions, "tags": tags}


def _drop(row: dict, *keys: str) -> dict:
    return {k: v for k, v in row.items() if k not in keys}


def _tag_ids(session: Session, names: set[str]) -> dict[str, int]:
    """Ids of the taxonomy tags the demo uses; a tag the team deleted or renamed is created again."""
    found = {t.name: t.id for t in session.execute(select(Tag).where(Tag.name.in_(sorted(names)))).scalars()}
    missing = [Tag(name=name) for name in sorted(names - set(found))]
    if missing:
        session.add_all(missing)
        session.flush()
        found |= {t.name: t.id for t in missing}
    return found


def _message_ids(session: Session, conversation_ids: set[str]) -> dict[tuple[str, int], int]:
    ids, ordered = {}, sorted(conversation_ids)
    for start in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[start:start + IN_CHUNK]
        query = select(Message.id, Message.conversation_id, Message.position).where(Message.conversation_id.in_(chunk))
        ids |= {(cid, position): mid for mid, cid, position in session.execute(query)}
    return ids
