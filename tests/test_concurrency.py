"""Several reviewers tagging and judging the same conversation at the same moment lose nothing.

Threads share one engine (as Streamlit sessions in one server process do); the multi-process test runs separate
processes on one SQLite file (as several server processes would). Every write is counted afterwards.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import sys
import threading
import types
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.exc import OperationalError

from reviewlab.db import is_transient, make_engine, run_in_transaction, session_scope
from reviewlab.models import Annotation, AuditLog, Judgement, Message, Tag
from reviewlab.store.annotations import add_annotation, save_judgement
from reviewlab.store.people import create_member
from tests.review_data import add_conversation

WRITERS = 8
ANNOTATIONS_EACH = 25
JUDGEMENT_SAVES_EACH = 5
CID = "c-shared"


def _seed(engine, n_members: int) -> dict:
    with session_scope(engine, write=True) as s:
        add_conversation(s, CID, [("user", "Where is my order?"), ("assistant", "It shipped."), ("user", "No.")])
        members = [
            create_member(session=s, name=f"R{i}", email=f"r{i}@example.com", function="product", side="builder")
            for i in range(n_members)
        ]
        tags = s.execute(select(Tag.id).order_by(Tag.id)).scalars().all()
        messages = s.execute(select(Message.id).where(Message.conversation_id == CID)).scalars().all()
    return {"members": [m.id for m in members], "tags": tags, "messages": messages}


def _tag_repeatedly(engine, member_id: int, ids: dict, start: threading.Barrier | None) -> None:
    if start is not None:
        start.wait()
    for i in range(ANNOTATIONS_EACH):
        tag = ids["tags"][(member_id + i) % len(ids["tags"])]
        turn = None if i % 3 == 0 else ids["messages"][i % len(ids["messages"])]
        run_in_transaction(
            engine,
            lambda s, tag=tag, turn=turn, i=i: add_annotation(
                session=s, conversation_id=CID, tag_id=tag, member_id=member_id, message_id=turn, note=f"n{i}"
            ),
        )


def _judge_repeatedly(engine, member_id: int, start: threading.Barrier) -> None:
    start.wait()
    for satisfaction in range(1, JUDGEMENT_SAVES_EACH + 1):
        run_in_transaction(
            engine,
            lambda s, sat=satisfaction: save_judgement(
                session=s, conversation_id=CID, member_id=member_id, intent="track order", satisfaction=sat
            ),
        )


def _count_writes(engine) -> tuple[Counter, dict, Counter]:
    with session_scope(engine) as s:
        by_member = select(Annotation.member_id, func.count()).group_by(Annotation.member_id)
        per_member = Counter(dict(s.execute(by_member).all()))
        judgements = dict(s.execute(select(Judgement.member_id, Judgement.satisfaction)).all())
        audit = Counter(dict(s.execute(select(AuditLog.entity, func.count()).group_by(AuditLog.entity)).all()))
    return per_member, judgements, audit


def test_concurrent_reviewers_lose_no_tag_and_no_judgement(any_engine):
    ids = _seed(any_engine, WRITERS)
    members = ids["members"]
    # Every reviewer tags and judges at once; the first reviewer also saves from two browser tabs at once.
    start = threading.Barrier(2 * WRITERS + 1)
    with ThreadPoolExecutor(max_workers=2 * WRITERS + 1) as pool:
        futures = [pool.submit(_tag_repeatedly, any_engine, m, ids, start) for m in members]
        futures += [pool.submit(_judge_repeatedly, any_engine, m, start) for m in members]
        futures.append(pool.submit(_judge_repeatedly, any_engine, members[0], start))
        for future in futures:
            future.result()  # re-raises any lost write

    per_member, judgements, audit = _count_writes(any_engine)
    assert per_member == dict.fromkeys(members, ANNOTATIONS_EACH)
    assert judgements == dict.fromkeys(members, JUDGEMENT_SAVES_EACH)  # one per reviewer, the last save wins
    assert audit["annotation"] == WRITERS * ANNOTATIONS_EACH
    assert audit["judgement"] == (WRITERS + 1) * JUDGEMENT_SAVES_EACH


def _process_writer(url: str, member_id: int, ids: dict, start) -> None:
    engine = make_engine(url)
    try:
        _tag_repeatedly(engine, member_id, ids, start)
    finally:
        engine.dispose()


def test_separate_processes_on_one_sqlite_file_lose_nothing(engine, sqlite_url, monkeypatch):
    processes = 4
    ids = _seed(engine, processes)
    # AppTest runs app.py as "__main__" in this process; children must not re-run it as their main module.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    # Fresh processes (no inherited connections); the fork server imports this module once, not once per child.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    start = context.Barrier(processes)
    workers = [context.Process(target=_process_writer, args=(sqlite_url, m, ids, start)) for m in ids["members"]]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * processes

    per_member, _, audit = _count_writes(engine)
    assert per_member == dict.fromkeys(ids["members"], ANNOTATIONS_EACH)
    assert audit["annotation"] == processes * ANNOTATIONS_EACH


def test_run_in_transaction_retries_when_sqlite_is_locked(sqlite_url, engine):
    impatient = create_engine(sqlite_url, connect_args={"timeout": 0})  # no busy wait: fail at once when locked
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    threading.Timer(0.1, holder.execute, args=("COMMIT",)).start()
    attempts = []

    def write(session):
        attempts.append(1)
        session.add(AuditLog(action="test", entity="lock", entity_id="1"))

    run_in_transaction(impatient, write, retries=8)
    holder.close()
    impatient.dispose()
    assert len(attempts) > 1  # the first attempt really hit the lock
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).where(AuditLog.entity == "lock")).scalar_one() == 1


def test_a_locked_database_is_a_transient_error(sqlite_url, engine):
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    impatient = create_engine(sqlite_url, connect_args={"timeout": 0})
    try:
        with pytest.raises(OperationalError) as caught, impatient.begin() as conn:
            conn.exec_driver_sql("INSERT INTO auditlog (at, action, entity, entity_id) VALUES ('x', 'a', 'b', 'c')")
        assert is_transient(caught.value)
    finally:
        holder.close()
        impatient.dispose()


def test_run_in_transaction_retries_a_postgres_deadlock(any_engine):
    if any_engine.dialect.name != "postgresql":
        pytest.skip("deadlock detection is PostgreSQL's; SQLite writers queue at BEGIN IMMEDIATE instead")
    with session_scope(any_engine) as s:
        first, second = s.execute(select(Tag.id).order_by(Tag.id).limit(2)).scalars().all()
    both_locked_one = threading.Barrier(2)
    attempts = Counter()

    def lock_in_order(order):
        def work(session):
            attempts[order] += 1
            for i, tag_id in enumerate(order):
                session.execute(update(Tag).where(Tag.id == tag_id).values(description=Tag.description + "+"))
                session.flush()
                if i == 0 and attempts[order] == 1:
                    both_locked_one.wait()  # now each holds the row the other needs next: a deadlock

        run_in_transaction(any_engine, work)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(lock_in_order, (first, second)), pool.submit(lock_in_order, (second, first))]:
            future.result()
    assert sum(attempts.values()) == 3  # PostgreSQL aborted one of them, which then ran again
    with session_scope(any_engine) as s:
        descriptions = s.execute(select(Tag.description).where(Tag.id.in_([first, second]))).scalars().all()
    assert all(d.endswith("++") for d in descriptions)


def test_a_page_write_on_a_busy_database_fails_cleanly_and_saves_nothing(sqlite_url, engine, monkeypatch):
    from reviewlab.ui import shell

    impatient = create_engine(sqlite_url, connect_args={"timeout": 0})  # fail at once when locked
    monkeypatch.setattr(shell, "get_engine", lambda: impatient)

    def audit(session, entity_id: str):
        session.add(AuditLog(action="test", entity="page", entity_id=entity_id))
        return entity_id

    def refuse(session):
        raise ValueError("refused")

    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # a long import holds the write lock throughout
    try:
        with pytest.raises(ValueError, match="database is busy"):
            shell.run_write(audit, entity_id="1")
    finally:
        holder.close()
    assert shell.run_write(audit, entity_id="2") == "2"  # the lock is gone: the next try saves
    with pytest.raises(ValueError, match="refused"):
        shell.run_write(refuse)
    impatient.dispose()
    with session_scope(engine) as s:
        saved = s.execute(select(AuditLog.entity_id).where(AuditLog.entity == "page")).scalars().all()
    assert saved == ["2"]
