"""The demo workspace: deterministic, big enough, and its planted truths are visible in the raw tables."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from reviewlab.db import make_engine
from reviewlab.demo import DemoAlreadySeeded, build_plan, seed_demo, stored_truth
from reviewlab.demo.texts import GIVE_UPS, REFUSALS
from reviewlab.demo.truth import build_truth
from reviewlab.indicators import INDICATOR_BY_KEY
from reviewlab.models import (
    Annotation,
    AuditLog,
    Conversation,
    Decision,
    DecisionEvidence,
    ImportBatch,
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

TODAY = date(2026, 11, 26)  # a Thursday: the demo covers 2026-W35 … 2026-W48 (Monday to Wednesday)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The full-scale demo, seeded once for the module's read-only checks."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'full.db'}")
    truth = seed_demo(engine, seed=7, scale=1.0, today=TODAY)
    yield engine, truth
    engine.dispose()


def frame(engine, query) -> pd.DataFrame:
    with Session(engine) as session:
        result = session.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def conversations(engine) -> pd.DataFrame:
    df = frame(engine, select(Conversation.id, Conversation.user_id, Conversation.started_at, Conversation.variant,
                              Conversation.product_area, Conversation.explicit_feedback, Conversation.n_user_turns))
    first_monday = pd.Timestamp(date.fromisocalendar(2026, 35, 1), tz=UTC)
    df["week"] = (pd.to_datetime(df["started_at"], utc=True) - first_monday).dt.days // 7 + 1
    return df


def table_counts(engine) -> dict[str, int]:
    models = (Conversation, Message, Member, Meeting, MeetingAttendee, ReviewAssignment, Annotation, Judgement,
              Issue, IssueEvidence, Decision, DecisionEvidence, Kpi, IndicatorTarget, ImportBatch)
    with Session(engine) as session:
        return {m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one() for m in models}


def fake_ids(plan) -> dict:
    return {"members": list(range(len(plan.members))), "meetings": list(range(len(plan.meetings))),
            "issues": list(range(len(plan.issues))), "decisions": list(range(len(plan.decisions))), "tags": {}}


# --- Determinism ----------------------------------------------------------------------------------------


def test_same_seed_same_plan_other_seed_other_plan():
    def fingerprint(plan):
        return [(c.external_id, c.user.user_id, c.started_at, c.variant, c.outcome,
                 [(m.role, m.content) for m in c.messages]) for c in plan.conversations]

    a, b, c = (build_plan(seed=s, scale=0.1, today=TODAY) for s in (7, 7, 8))
    assert fingerprint(a) == fingerprint(b)
    assert build_truth(a, seed=7, scale=0.1, ids=fake_ids(a)) == build_truth(b, seed=7, scale=0.1, ids=fake_ids(b))
    assert fingerprint(a) != fingerprint(c)
    assert {x.user.user_id for x in a.conversations}.isdisjoint({x.user.user_id for x in c.conversations})


def test_same_seed_gives_the_same_database(engine, tmp_path):
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    first = seed_demo(engine, seed=7, scale=0.1, today=TODAY)
    second = seed_demo(other, seed=7, scale=0.1, today=TODAY)
    assert first == second
    assert table_counts(engine) == table_counts(other)
    third_engine = make_engine(f"sqlite:///{tmp_path / 'third.db'}")
    third = seed_demo(third_engine, seed=8, scale=0.1, today=TODAY)
    assert third["rephrase_then_abandon"]["user_ids"] != first["rephrase_then_abandon"]["user_ids"]
    other.dispose()
    third_engine.dispose()


def test_texts_are_fully_filled_and_roles_valid():
    plan = build_plan(seed=3, scale=0.2, today=TODAY)
    for conv in plan.conversations:
        assert conv.messages[0].role == "user"
        for m in conv.messages:
            assert m.role in ("user", "assistant", "tool")
            if m.role != "tool":
                assert "{" not in m.content and "}" not in m.content, m.content
            assert m.created_at >= conv.started_at


# --- Volumes and shape at full scale --------------------------------------------------------------------


def test_full_scale_volumes(full):
    engine, truth = full
    conv = conversations(engine)
    assert len(conv) >= 2000
    assert conv["user_id"].nunique() >= 300
    assert conv["week"].nunique() >= 12 and conv["week"].between(1, 14).all()
    assert conv["variant"].nunique() == 2
    assert conv["product_area"].nunique() >= 3
    assert table_counts(engine)["message"] == truth["counts"]["messages"]
    assert truth["counts"]["conversations"] == len(conv) and truth["counts"]["users"] == conv["user_id"].nunique()
    # every week has conversations, the last one (Monday to Wednesday) fewer
    per_week = conv.groupby("week").size()
    assert per_week.min() > 0 and per_week.iloc[-1] < per_week.iloc[:-1].median()


def test_team_meetings_issues_decisions(full):
    engine, truth = full
    members = frame(engine, select(Member.function, Member.side))
    assert set(members["side"]) == {"builder", "business"}
    assert {"engineering", "data/ai", "product", "support", "business"} <= set(members["function"])
    meetings = frame(engine, select(Meeting.kind, Meeting.status, Meeting.discussed_user_behaviour))
    assert {"review_session", "other"} <= set(meetings["kind"])
    assert (meetings["status"] == "planned").sum() == 1
    issues = frame(engine, select(Issue.found_via, Issue.status, Issue.detected_at, Issue.resolved_at))
    assert set(issues["found_via"]) == {"proactive", "reactive"}
    assert {"open", "resolved"} <= set(issues["status"])
    resolved = issues[issues["status"] == "resolved"]
    assert resolved["resolved_at"].notna().all()
    assert (pd.to_datetime(resolved["resolved_at"], utc=True) > pd.to_datetime(resolved["detected_at"], utc=True)).all()
    decisions = frame(engine, select(Decision.id, Decision.follow_up_on, Decision.follow_up_done))
    backed = set(frame(engine, select(DecisionEvidence.decision_id))["decision_id"])
    assert 0 < len(backed) < len(decisions)
    due = decisions[(decisions["follow_up_on"] <= TODAY) & ~decisions["follow_up_done"]]
    assert len(due) >= 1
    assert frame(engine, select(Kpi.name))["name"].nunique() == 3
    targets = frame(engine, select(IndicatorTarget.indicator, IndicatorTarget.higher_is_better))
    assert len(targets) >= 5
    for key, higher in targets.itertuples(index=False):  # targets the dashboard knows
        assert INDICATOR_BY_KEY[key].higher_is_better == higher
    audited = set(frame(engine, select(AuditLog.entity).where(AuditLog.action == "seed"))["entity"])
    assert {"member", "meeting", "issue", "decision", "annotation", "judgement"} <= audited


def test_reviews_overlap_so_agreement_can_be_computed(full):
    engine, _ = full
    judgements = frame(engine, select(Judgement.conversation_id, Judgement.member_id, Judgement.task_completed))
    per_conversation = judgements.groupby("conversation_id")["member_id"].nunique()
    assert (per_conversation >= 2).sum() >= 100
    annotations = frame(engine, select(Annotation.conversation_id, Annotation.member_id, Annotation.message_id))
    assert annotations["member_id"].nunique() >= 5
    assert annotations["message_id"].notna().any() and annotations["message_id"].isna().any()
    # reviewers mostly agree but not always
    pairs = judgements.merge(judgements, on="conversation_id")
    pairs = pairs[pairs["member_id_x"] < pairs["member_id_y"]]
    agreement = (pairs["task_completed_x"] == pairs["task_completed_y"]).mean()
    assert 0.7 < agreement < 0.98


# --- Planted truths, checked on the raw tables ----------------------------------------------------------


def test_degrading_area_gets_worse_from_week_9(full):
    engine, truth = full
    planted = truth["degrading_area"]
    assert planted["from_week"] == truth["weeks"][8] == "2026-W43"
    conv = conversations(engine)
    area = conv[conv["product_area"] == planted["product_area"]]
    rated = area[area["explicit_feedback"].notna()]
    down_before = (rated[rated["week"] < 9]["explicit_feedback"] < 0).mean()
    down_after = (rated[rated["week"] >= 9]["explicit_feedback"] < 0).mean()
    assert down_after > down_before + 0.15
    # reviewers tag more wrong answers there
    tags = frame(engine, select(Annotation.conversation_id, Tag.name).join(Tag, Tag.id == Annotation.tag_id))
    reviewed = area[area["id"].isin(tags["conversation_id"])]
    wrong = set(tags[tags["name"] == "wrong answer"]["conversation_id"])
    before, after = reviewed[reviewed["week"] < 9], reviewed[reviewed["week"] >= 9]
    assert after["id"].isin(wrong).mean() > 2 * before["id"].isin(wrong).mean()
    # and users push back more (frustration words)
    texts = frame(engine, select(Message.conversation_id, Message.content).where(Message.role == "user"))
    angry = texts["content"].str.contains("useless|ridiculous|frustrat|annoyed|unbelievable|seriously|that's wrong|"
                                          "wrong again|not right|can't be right|not what|doesn't match", case=False)
    angry_ids = set(texts[angry]["conversation_id"])
    assert area[area["week"] >= 9]["id"].isin(angry_ids).mean() > 1.5 * area[area["week"] < 9]["id"].isin(
        angry_ids).mean()


def _abandon_pattern(engine) -> pd.Series:
    """Per conversation: asked, rephrased, then gave up (a give-up line is the last message, never answered)."""
    conv = conversations(engine).set_index("id")
    last = (select(Message.conversation_id, func.max(Message.position).label("position"))
            .group_by(Message.conversation_id).subquery())
    final = frame(engine, select(Message.conversation_id, Message.role, Message.content).join(
        last, (Message.conversation_id == last.c.conversation_id) & (Message.position == last.c.position)))
    final = final.set_index("conversation_id").reindex(conv.index)
    give_ups = {g.lower().rstrip(".") for g in GIVE_UPS}
    gave_up = (final["role"] == "user") & final["content"].str.lower().str.rstrip(".").isin(give_ups)
    return gave_up & (conv["n_user_turns"] >= 3)


@pytest.mark.parametrize("which", ["full", "small"])
def test_rephrase_then_abandon_users(which, full, engine):
    if which == "small":
        truth = seed_demo(engine, seed=7, scale=0.1, today=TODAY)
    else:
        engine, truth = full
    planted = truth["rephrase_then_abandon"]
    pattern = _abandon_pattern(engine)
    conv = conversations(engine).set_index("id")
    theirs = conv["user_id"].isin(planted["user_ids"])
    assert set(conv[theirs].index) == set(planted["conversation_ids"])
    assert pattern[theirs].mean() >= 0.75
    assert pattern[~theirs].mean() <= 0.1
    # each of them gave up on their last visit and never came back
    last = conv[theirs].sort_values("started_at").groupby("user_id").tail(1)
    assert pattern[last.index].all()
    assert (last["week"] < 14).all()


def test_worse_variant_completes_fewer_tasks(full):
    engine, truth = full
    planted = truth["worse_variant"]
    judged = frame(engine, select(Conversation.variant, Judgement.task_completed)
                   .join(Judgement, Judgement.conversation_id == Conversation.id))
    rate = (judged["task_completed"] == "yes").groupby(judged["variant"]).mean()
    assert rate[planted["variant"]] < rate[planted["better_variant"]] - 0.08
    assert planted["judged_task_completion"][planted["variant"]] == pytest.approx(rate[planted["variant"]], abs=1e-3)


def test_proactive_share_rises_after_sessions_start(full):
    engine, truth = full
    planted = truth["review_sessions"]
    start = datetime.combine(date.fromisocalendar(2026, int(planted["start_week"][-2:]), 1), datetime.min.time(),
                             tzinfo=UTC)
    issues = frame(engine, select(Issue.found_via, Issue.detected_at))
    after = pd.to_datetime(issues["detected_at"], utc=True) >= start
    proactive = issues["found_via"] == "proactive"
    assert proactive[after].mean() > proactive[~after].mean() + 0.3
    assert planted["before"]["proactive_share"] == pytest.approx(proactive[~after].mean(), abs=1e-3)
    sessions = frame(engine, select(Meeting.held_at).where(Meeting.kind == "review_session",
                                                           Meeting.status == "done"))
    assert pd.to_datetime(sessions["held_at"], utc=True).min() >= start
    for key, direction in planted["expected"].items():
        before, after_value = planted["before"][key], planted["after"][key]
        assert (after_value > before) if direction == "up" else (after_value < before), key


def test_fixed_issue_tag_rate_drops_after_the_fix(full):
    engine, truth = full
    planted = truth["fixed_issue"]
    with Session(engine) as session:
        issue = session.get(Issue, planted["issue_id"])
    assert issue.status == "resolved" and issue.tag_id == planted["tag_id"]
    fix = issue.resolved_at
    conv = conversations(engine)
    area = conv[conv["product_area"] == planted["product_area"]]
    before = pd.to_datetime(area["started_at"], utc=True) < fix
    tags = frame(engine, select(Annotation.conversation_id, Annotation.tag_id))
    reviewed = area["id"].isin(frame(engine, select(Judgement.conversation_id))["conversation_id"])
    tagged = area["id"].isin(tags[tags["tag_id"] == planted["tag_id"]]["conversation_id"])
    rate_before, rate_after = tagged[reviewed & before].mean(), tagged[reviewed & ~before].mean()
    assert rate_after < rate_before / 3
    assert planted["before"]["tag_rate"] == pytest.approx(rate_before, abs=1e-3)
    # the refusals themselves, in the assistant's words
    texts = frame(engine, select(Message.conversation_id, Message.content).where(Message.role == "assistant"))
    refused = set(texts[texts["content"].isin(REFUSALS)]["conversation_id"])
    share_before, share_after = area[before]["id"].isin(refused).mean(), area[~before]["id"].isin(refused).mean()
    assert share_before > 0.2 and share_after < 0.08


def test_small_scale_keeps_every_planted_truth(engine):
    truth = seed_demo(engine, seed=7, scale=0.1, today=TODAY)
    assert 150 <= truth["counts"]["conversations"] <= 250
    assert len(truth["weeks"]) >= 12
    d = truth["degrading_area"]
    assert d["after"]["thumbs_down_rate"] > d["before"]["thumbs_down_rate"]
    assert d["after"]["wrong_answer_share"] > 2 * d["before"]["wrong_answer_share"]
    f = truth["fixed_issue"]
    assert f["after"]["refusal_share"] < f["before"]["refusal_share"] / 2
    v = truth["worse_variant"]["task_completion"]
    assert v["prompt-v2"] < v["prompt-v1"]
    s = truth["review_sessions"]
    assert s["after"]["proactive_share"] > s["before"]["proactive_share"]
    assert all(truth[k]["issue_id"] for k in ("degrading_area", "worse_variant", "fixed_issue"))


# --- Idempotence, PostgreSQL, CLI -----------------------------------------------------------------------


def test_seeding_twice_adds_nothing_and_another_seed_is_refused(engine):
    first = seed_demo(engine, seed=7, scale=0.1, today=TODAY)
    counts = table_counts(engine)
    assert seed_demo(engine, seed=7, scale=0.1, today=date(2026, 12, 3)) == first
    assert table_counts(engine) == counts
    with pytest.raises(DemoAlreadySeeded, match="seed 7"):
        seed_demo(engine, seed=8, scale=0.1, today=TODAY)
    assert table_counts(engine) == counts


def test_seeds_on_any_database(any_engine, tmp_path):
    path = tmp_path / "truth.json"
    truth = seed_demo(any_engine, seed=5, scale=0.05, today=TODAY, truth_path=path)
    assert json.loads(path.read_text()) == truth == stored_truth(any_engine)
    counts = table_counts(any_engine)
    assert counts["conversation"] == truth["counts"]["conversations"]
    assert counts["annotation"] == truth["counts"]["annotations"]
    assert counts["judgement"] == truth["counts"]["judgements"]
    with Session(any_engine) as session:
        turn_tags = session.execute(select(func.count()).select_from(Annotation)
                                    .join(Message, Message.id == Annotation.message_id)
                                    .where(Message.conversation_id == Annotation.conversation_id)).scalar_one()
        assert turn_tags > 0
        batch = session.execute(select(ImportBatch).where(ImportBatch.source == "demo")).scalar_one()
        assert batch.status == "completed" and batch.conversations_added == truth["counts"]["conversations"]


def test_cli_demo_writes_truth_and_is_idempotent(monkeypatch, tmp_path):
    from reviewlab.cli import app

    monkeypatch.setenv("REVIEWLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("REVIEWLAB_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    out = tmp_path / "truth.json"
    result = runner.invoke(app, ["demo", "--scale", "0.05", "--seed", "4", "--truth", str(out)])
    assert result.exit_code == 0, result.output
    assert "Demo workspace seeded" in result.output
    assert json.loads(out.read_text())["seed"] == 4
    again = runner.invoke(app, ["demo", "--scale", "0.05", "--seed", "4"])
    assert again.exit_code == 0 and "nothing added" in again.output
    assert (tmp_path / "data" / "demo_truth.json").exists()
    refused = runner.invoke(app, ["demo", "--seed", "9"])
    assert refused.exit_code == 1 and "already holds the demo workspace" in refused.output


def test_init_demo_if_new_seeds_and_writes_truth(monkeypatch, tmp_path):
    from reviewlab import demo
    from reviewlab.cli import app

    calls = []
    real = demo.seed_demo

    def small(engine, **kwargs):  # the real seeder at a small scale, to keep the test fast
        calls.append(kwargs)
        return real(engine, scale=0.05, **kwargs)

    monkeypatch.setattr(demo, "seed_demo", small)
    monkeypatch.setenv("REVIEWLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'init.db'}")
    monkeypatch.setenv("REVIEWLAB_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--demo-if-new"]).exit_code == 0
    truth_file = tmp_path / "data" / "demo_truth.json"
    assert json.loads(truth_file.read_text())["counts"]["conversations"] > 0
    assert runner.invoke(app, ["init", "--demo-if-new"]).exit_code == 0
    assert len(calls) == 1  # only the very first run seeds
