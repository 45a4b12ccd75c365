"""Review sessions: sampling rules, determinism, stratification, round-robin assignment, progress, wrap-up."""

from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.loop.sessions import (
    DEFAULT_AGENDA,
    SampleRules,
    allocate,
    assign_round_robin,
    attendee_warnings,
    marked_reviewed_message,
    render_agenda,
    sample_conversations,
    seed_for,
    session_label,
    summary_markdown,
)
from reviewlab.models import AuditLog, Issue, Meeting, ReviewAssignment
from reviewlab.store import loop
from tests.loop_data import T0, add_conversation, add_members, annotate, judge, tag_id


def candidates(n: int = 1000, seed: int = 1) -> pd.DataFrame:
    rng = __import__("numpy").random.default_rng(seed)
    variants = rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1])
    return pd.DataFrame(
        {
            "id": [f"c{i:05d}" for i in range(n)],
            "started_at": [T0 + timedelta(hours=i) for i in range(n)],
            "variant": variants,
            "product_area": rng.choice(["billing", "search", None], size=n),
            "topic_id": rng.choice([1, 2, 3, 4], size=n),
            "frustration": rng.random(n),
            "reviewed": rng.random(n) < 0.3,
        }
    )


# --- pure sampling ---------------------------------------------------------------------------------------


def test_sample_is_deterministic_for_a_seed_and_ignores_input_order():
    df = candidates()
    rules = SampleRules(n=25, seed=42)
    first = sample_conversations(df, rules)
    shuffled = df.sample(frac=1, random_state=3)
    assert sample_conversations(shuffled, rules) == first
    assert len(first) == len(set(first)) == 25
    assert sample_conversations(df, SampleRules(n=25, seed=43)) != first


def test_stratified_sample_follows_stratum_proportions_exactly():
    df = pd.DataFrame({"id": [f"c{i:04d}" for i in range(1000)], "reviewed": False, "frustration": 0.0})
    df["variant"] = ["a"] * 600 + ["b"] * 300 + ["c"] * 100
    df["started_at"], df["product_area"], df["topic_id"] = T0, None, None
    ids = sample_conversations(df, SampleRules(n=50, seed=7, stratify_by="variant"))
    by_variant = Counter(df.set_index("id").loc[ids, "variant"])
    assert by_variant == {"a": 30, "b": 15, "c": 5}
    # Deterministic too, and the walk order mixes strata rather than listing one variant after another.
    assert ids == sample_conversations(df, SampleRules(n=50, seed=7, stratify_by="variant"))
    assert len({df.set_index("id").loc[i, "variant"] for i in ids[:10]}) > 1


def test_stratified_sample_on_random_data_stays_within_one_of_the_proportion():
    df = candidates(seed=5)
    rules = SampleRules(n=40, seed=1, stratify_by="topic")
    ids = sample_conversations(df, rules)
    got = Counter(df.set_index("id").loc[ids, "topic_id"])
    sizes = df["topic_id"].value_counts()
    for topic, size in sizes.items():
        assert abs(got[topic] - 40 * size / len(df)) < 1
    # Missing values form their own stratum.
    areas = Counter(
        df.set_index("id")
        .loc[sample_conversations(df, SampleRules(n=30, stratify_by="product_area")), "product_area"]
        .fillna("(none)")
    )
    assert set(areas) == {"billing", "search", "(none)"}


def test_allocate_uses_largest_remainders_and_never_exceeds_a_stratum():
    assert allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}  # ties by name
    assert allocate({"a": 5, "b": 2}, 10) == {"a": 5, "b": 2}  # n larger than the pool: everything
    assert sum(allocate({"x": 7, "y": 11, "z": 13}, 9).values()) == 9


def test_filters_unreviewed_flagged_and_dates():
    df = candidates()
    ids = sample_conversations(df, SampleRules(n=2000, unreviewed_only=True, min_frustration=0.8))
    chosen = df.set_index("id").loc[ids]
    assert len(ids) == int(((~df["reviewed"]) & (df["frustration"] >= 0.8)).sum())
    assert not chosen["reviewed"].any() and (chosen["frustration"] >= 0.8).all()
    day = (T0 + timedelta(days=3)).date()
    ids = sample_conversations(df, SampleRules(n=100, date_from=day, date_to=day))
    assert len(ids) == 24 and all(pd.Timestamp(t).date() == day for t in df.set_index("id").loc[ids, "started_at"])
    assert sample_conversations(df.iloc[0:0], SampleRules()) == []


def test_rules_validate_and_round_trip():
    with pytest.raises(ValueError, match="stratify"):
        SampleRules(stratify_by="colour")
    with pytest.raises(ValueError, match="at least 1"):
        SampleRules(n=0)
    with pytest.raises(ValueError, match="after"):
        SampleRules(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    rules = SampleRules(n=5, seed=3, stratify_by="variant", min_frustration=0.5, overlap=2, date_from=date(2026, 3, 1))
    assert SampleRules.from_dict(rules.to_dict()) == rules
    assert "stratified by variant" in rules.describe() and "frustration ≥ 0.5" in rules.describe()


def test_round_robin_gives_k_distinct_reviewers_and_balanced_load():
    rows = assign_round_robin([f"c{i}" for i in range(7)], [10, 20, 30], overlap=2)
    assert len(rows) == 14
    per_conv = {}
    for conv, member, position in rows:
        per_conv.setdefault(conv, []).append(member)
        assert position == int(conv[1:])
    assert all(len(set(m)) == 2 for m in per_conv.values())
    load = Counter(member for _, member, _ in rows)
    assert max(load.values()) - min(load.values()) <= 1
    with pytest.raises(ValueError, match="overlap of 3"):
        assign_round_robin(["c1"], [1, 2], overlap=3)
    with pytest.raises(ValueError, match="at least one reviewer"):
        assign_round_robin(["c1"], [], overlap=1)


def test_attendee_warnings_and_agenda():
    assert len(attendee_warnings([])) == 2
    assert attendee_warnings(["builder"]) == [attendee_warnings(["builder"])[0]]
    assert "business" in attendee_warnings(["builder"])[0]
    assert attendee_warnings(["builder", "business"]) == []
    text = render_agenda(DEFAULT_AGENDA + "{keep}", title="Week 10", held_at=T0)
    assert text.startswith("# Week 10 — 2026-03-02") and "{keep}" in text


def test_session_label_seed_and_marked_message():
    assert session_label(T0, "Week 10") == "2026-03-02 — Week 10"
    assert session_label(T0, "Weekly conversation review — 2026-03-02") == "Weekly conversation review — 2026-03-02"
    assert session_label(T0.date(), "Week 10") == "2026-03-02 — Week 10"
    assert seed_for(date(2026, 12, 10)) == 20261210
    assert marked_reviewed_message(0).startswith("Nothing left to mark")
    assert marked_reviewed_message(2) == "Marked reviewed: 2 open assignments done."


# --- store: plan, progress, wrap-up ---------------------------------------------------------------------


@pytest.fixture
def team(session):
    members = add_members(session)
    convs = [
        add_conversation(
            session, f"e{i}", started_at=T0 + timedelta(days=i % 5), variant="ab"[i % 2], frustration=i / 20
        )
        for i in range(20)
    ]
    return members, convs


def test_plan_session_samples_assigns_and_records(session, team):
    members, convs = team
    m = members
    annotate(session, convs[0].id, tag_id(session, "slow"), m["ada"].id)  # reviewed before: excluded below
    rules = SampleRules(n=6, seed=11, unreviewed_only=True, overlap=2)
    meeting = loop.plan_session(
        session=session,
        title="Week 10 review",
        held_at=T0,
        rules=rules,
        attendee_ids=[m["cy"].id],
        reviewer_ids=[m["ada"].id, m["bo"].id, m["di"].id],
        facilitator_id=m["ada"].id,
        agenda="agenda",
        actor_id=m["ada"].id,
    )
    assert meeting.kind == "review_session" and meeting.status == "planned"
    assert SampleRules.from_dict(meeting.sample_rules) == rules and meeting.sample_rules["drawn"] == 6
    sample = loop.session_conversation_ids(session=session, meeting_id=meeting.id)
    assert len(sample) == 6 and convs[0].id not in sample
    assignments = list(session.exec(select(ReviewAssignment).where(ReviewAssignment.meeting_id == meeting.id)))
    assert len(assignments) == 12
    assert {a.member_id for a in assignments} == {m["ada"].id, m["bo"].id, m["di"].id}
    attendees = {x.name for x in loop.meeting_attendees(session=session, meeting_id=meeting.id)}
    assert attendees == {"Ada", "Bo", "Cy", "Di"}  # reviewers attend too
    # Same rules on the same data: the same sample.
    again = loop.plan_session(
        session=session,
        title="again",
        held_at=T0,
        rules=rules,
        attendee_ids=[],
        reviewer_ids=[m["ada"].id, m["bo"].id],
        facilitator_id=None,
        actor_id=None,
    )
    assert loop.session_conversation_ids(session=session, meeting_id=again.id) == sample
    actions = {(a.entity, a.action) for a in session.exec(select(AuditLog))}
    assert {("meeting", "create"), ("reviewassignment", "assign")} <= actions


def test_plan_session_refuses_impossible_rules(session, team):
    m, _ = team
    with pytest.raises(ValueError, match="No conversation"):
        loop.plan_session(
            session=session,
            title="x",
            held_at=T0,
            rules=SampleRules(min_frustration=1.0),
            attendee_ids=[],
            reviewer_ids=[m["ada"].id],
            facilitator_id=None,
            actor_id=None,
        )
    with pytest.raises(ValueError, match="overlap"):
        loop.plan_session(
            session=session,
            title="x",
            held_at=T0,
            rules=SampleRules(overlap=2),
            attendee_ids=[],
            reviewer_ids=[m["ada"].id],
            facilitator_id=None,
            actor_id=None,
        )
    assert session.exec(select(Meeting)).first() is None


def test_progress_counts_judgements_tags_and_marks(session, team):
    m, _ = team
    meeting = loop.plan_session(
        session=session,
        title="w",
        held_at=T0,
        rules=SampleRules(n=4, seed=1),
        attendee_ids=[],
        reviewer_ids=[m["ada"].id, m["bo"].id],
        facilitator_id=m["ada"].id,
        actor_id=m["ada"].id,
    )
    frame = loop.assignments_frame(session=session, meeting_id=meeting.id)
    assert len(frame) == 4 and not frame["done"].any()
    ada_rows = frame[frame["member_id"] == m["ada"].id]
    bo_rows = frame[frame["member_id"] == m["bo"].id]
    judge(session, ada_rows.iloc[0]["conversation_id"], m["ada"].id, satisfaction=2)
    annotate(session, bo_rows.iloc[0]["conversation_id"], tag_id(session, "tone"), m["bo"].id)
    # A tag by someone else on Ada's second conversation does not complete Ada's assignment.
    annotate(session, ada_rows.iloc[1]["conversation_id"], tag_id(session, "tone"), m["bo"].id)
    loop.mark_assignment_done(session=session, assignment_id=int(bo_rows.iloc[1]["id"]), actor_id=m["bo"].id)
    progress = loop.progress_frame(session=session, meeting_id=meeting.id).set_index("member_name")
    assert progress.loc["Ada", "done"] == 1 and progress.loc["Bo", "done"] == 2
    assert progress.loc["Bo", "share_done"] == 1.0
    mine = loop.assignments_frame(session=session, member_id=m["ada"].id)
    assert set(mine["member_id"]) == {m["ada"].id}
    loop.mark_assignment_done(session=session, assignment_id=int(bo_rows.iloc[1]["id"]), done=False, actor_id=None)
    assert loop.progress_frame(session=session, meeting_id=meeting.id).set_index("member_name").loc["Bo", "done"] == 1


def test_wrap_up_summarises_and_marks_the_meeting(session, team):
    m, _ = team
    meeting = loop.plan_session(
        session=session,
        title="Week 11",
        held_at=T0,
        rules=SampleRules(n=3, seed=2),
        attendee_ids=[m["cy"].id],
        reviewer_ids=[m["ada"].id],
        facilitator_id=m["ada"].id,
        actor_id=m["ada"].id,
    )
    sample = loop.session_conversation_ids(session=session, meeting_id=meeting.id)
    empty = loop.finish_session(session=session, meeting_id=meeting.id, actor_id=m["ada"].id)
    assert empty.n_reviewed == 0 and not session.get(Meeting, meeting.id).discussed_user_behaviour

    slow = tag_id(session, "slow")
    annotate(session, sample[0], slow, m["ada"].id)
    annotate(session, sample[0], slow, m["cy"].id)
    annotate(session, sample[0], tag_id(session, "tone"), m["ada"].id)
    loop.create_issue(
        session=session,
        title="Slow answers",
        channel="review",
        meeting_id=meeting.id,
        evidence_ids=[sample[0]],
        actor_id=m["ada"].id,
    )
    from reviewlab.loop.decisions import EvidenceLink

    loop.create_decision(
        session=session,
        title="Cache answers",
        owner_id=m["bo"].id,
        meeting_id=meeting.id,
        follow_up_on=date(2026, 3, 16),
        decided_at=T0,
        evidence=[EvidenceLink("conversation", sample[0])],
        actor_id=m["ada"].id,
    )
    summary = loop.finish_session(session=session, meeting_id=meeting.id, notes="Good one", actor_id=m["ada"].id)
    stored = session.get(Meeting, meeting.id)
    assert stored.status == "done" and stored.discussed_user_behaviour and stored.notes == "Good one"
    assert (summary.n_sampled, summary.n_reviewed) == (3, 1)
    assert summary.tags == [("slow", 2), ("tone", 1)]
    assert [i["title"] for i in summary.issues] == ["Slow answers"]
    md = summary_markdown(summary)
    assert "# Week 11" in md and "Conversations reviewed: 1 of 3" in md and "Tags found: 3 (2 distinct)" in md
    assert "- slow: 2" in md and "Slow answers (medium, found via review)" in md
    assert "Cache answers (owner Bo, follow-up 2026-03-16; 1 evidence link(s))" in md and "## Notes" in md
    assert session.exec(select(Issue)).one().meeting_id == meeting.id


def test_agenda_template_is_editable(session):
    assert loop.get_agenda_template(session=session) == DEFAULT_AGENDA
    loop.set_agenda_template(session=session, text="1. Coffee", actor_id=None)
    assert loop.get_agenda_template(session=session) == "1. Coffee"
    with pytest.raises(ValueError):
        loop.set_agenda_template(session=session, text="  ", actor_id=None)


def test_session_round_trip_on_every_backend(any_engine):
    """Sampling, assignment progress and the wrap-up on SQLite and PostgreSQL."""
    with session_scope(any_engine, write=True) as s:
        m = add_members(s)
        convs = [
            add_conversation(s, f"pg{i}", started_at=T0 + timedelta(hours=i), variant="ab"[i % 2]) for i in range(8)
        ]
        annotate(s, convs[0].id, tag_id(s, "slow"), m["cy"].id)
        ids = {k: v.id for k, v in m.items()}
    rules = SampleRules(n=4, seed=5, unreviewed_only=True, stratify_by="variant", overlap=2)
    with session_scope(any_engine, write=True) as s:
        meeting = loop.plan_session(
            session=s,
            title="PG",
            held_at=T0,
            rules=rules,
            attendee_ids=[ids["cy"]],
            reviewer_ids=[ids["ada"], ids["bo"]],
            facilitator_id=ids["ada"],
            actor_id=ids["ada"],
        )
    with session_scope(any_engine, write=True) as s:
        sample = loop.session_conversation_ids(session=s, meeting_id=meeting.id)
        judge(s, sample[0], ids["ada"], satisfaction=3)
        annotate(s, sample[1], tag_id(s, "tone"), ids["bo"])
    with session_scope(any_engine, write=True) as s:
        progress = loop.progress_frame(session=s, meeting_id=meeting.id).set_index("member_name")
        summary = loop.finish_session(session=s, meeting_id=meeting.id, actor_id=ids["ada"])
    assert len(sample) == 4 and convs[0].id not in sample
    assert progress["assigned"].tolist() == [4, 4] and progress["done"].sum() == 2
    assert (summary.n_reviewed, summary.tags) == (2, [("tone", 1)])
