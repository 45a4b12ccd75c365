"""Frustration signals: the pure scoring on small fixed conversations, the stored scores, the CLI."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from reviewlab.db import session_scope
from reviewlab.ingest import ConversationRecord, MessageRecord, import_records
from reviewlab.models import AuditLog, Conversation, Message
from reviewlab.signals import (
    ConversationInput,
    complaint,
    explain,
    lexical_encoder,
    refusal,
    score_conversation,
    score_conversations,
)
from reviewlab.store.signals import frustrated_conversations, signal_counts, signals_coverage, update_signals
from tests.conftest import ROOT, shared_data

REPHRASE = [
    ("user", "How do I export my invoices to a CSV file?"),
    ("assistant", "Our office hours are Monday to Friday, nine to five."),
    ("user", "How can I export my invoices as a CSV file?"),
    ("assistant", "You can export them from Billing, then Export, then CSV."),
]
REFUSAL = [
    ("user", "Can you summarise this contract for me?"),
    ("assistant", "I'm sorry, but I can't help with that."),
]
THANKS = [
    ("user", "What is the capital of France?"),
    ("assistant", "The capital of France is Paris."),
    ("user", "Thanks, that's perfect!"),
]


def score(messages, **kwargs):
    return score_conversation(messages, encoder=lexical_encoder, **kwargs)


# --- Pure scoring ---------------------------------------------------------------------------------------------


def test_a_planted_rephrase_is_flagged_on_the_user_turn():
    result = score(REPHRASE)
    assert "rephrase" in result.turns[2].signals
    assert "rephrase" not in result.turns[0].signals  # nothing to repeat yet
    assert result.turns[2].dissatisfied > result.turns[0].dissatisfied


def test_a_refusal_is_flagged_on_the_assistant_turn():
    result = score(REFUSAL)
    assert result.turns[1].signals.get("refusal") == 1.0
    assert "abandoned" in result.turns[1].signals  # the user left right after it
    first = result.explanation[0]
    assert (first["position"], first["role"]) == (1, "assistant")
    assert {"refusal", "abandoned"} <= set(first["signals"])


def test_a_conversation_ending_in_thanks_scores_low_frustration():
    calm, rephrased = score(THANKS), score(REPHRASE + [("user", "No, that's wrong, I still can't find it.")])
    assert "gratitude" in calm.turns[2].signals
    assert calm.frustration < 0.15
    assert calm.explanation == []
    assert rephrased.frustration > calm.frustration + 0.3


def test_the_explanation_names_the_turns_and_their_signals():
    messages = REPHRASE + [("user", "No, that's wrong, I still can't find it.")]
    result = score(messages)
    positions = [e["position"] for e in result.explanation]
    assert 4 in positions  # the complaint
    entry = next(e for e in result.explanation if e["position"] == 4)
    assert entry["role"] == "user" and "complaint" in entry["signals"]
    assert entry["score"] == max(e["score"] for e in result.explanation if e["position"] is not None)
    assert entry["reason"].startswith("turn 4 (user)")  # what the reader shows
    assert "turn 4 (user)" in explain(result.explanation)
    assert "user complained or corrected the assistant" in explain(result.explanation)


def test_every_message_keeps_its_position_and_only_text_turns_get_scores():
    messages = [("system", "You are helpful."), ("user", "Weather in Paris?"),
                ("assistant", ""), ("tool", '{"temp": 12}'), ("assistant", "It is 12 degrees in Paris.")]
    result = score(messages)
    assert [t.position for t in result.turns] == [0, 1, 2, 3, 4]
    assert [t.score is None for t in result.turns] == [True, False, True, True, False]
    assert result.turns[4].failure is not None and result.turns[1].dissatisfied is not None


def test_explicit_feedback_overrides_the_inferred_scores():
    plain = score(THANKS)
    downvoted = score(THANKS, feedback=[None, -1.0, None])
    assert downvoted.turns[1].failure == 1.0
    assert "negative_feedback" in downvoted.turns[1].signals
    thumbs_down = score(THANKS, explicit_feedback=-1.0)
    assert thumbs_down.frustration > 0.7 > plain.frustration
    assert thumbs_down.explanation[-1]["signals"] == ["negative_feedback"]


def test_batch_scoring_equals_one_by_one():
    many = score_conversations([ConversationInput(REPHRASE), ConversationInput(THANKS)], encoder=lexical_encoder)
    assert many[0] == score(REPHRASE) and many[1] == score(THANKS)


@pytest.mark.parametrize(("text", "expected"), [
    ("No, that's not what I asked.", 1.0), ("That is wrong.", 1.0), ("Are you sure?", 1.0),
    ("No thanks, that's all.", 0.0), ("Great, book it.", 0.0), ("No problem!", 0.0),
])
def test_complaint_detector(text, expected):
    assert complaint(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("I'm sorry, but I can't help with that.", 1.0), ("As an AI, I cannot browse the web.", 1.0),
    ("Unfortunately there are no trains on Sunday.", 1.0), ("Here is the summary you asked for.", 0.0),
])
def test_refusal_detector(text, expected):
    assert refusal(text) == expected


def test_the_sentence_model_flags_a_paraphrase_that_shares_few_words():
    pytest.importorskip("sentence_transformers")
    from reviewlab.embeddings import encode_texts

    messages = [("user", "How do I cancel my subscription?"), ("assistant", "Our app supports dark mode."),
                ("user", "What are the steps to end my subscription?")]
    assert "rephrase" in score_conversation(messages, encoder=encode_texts).turns[2].signals
    assert "rephrase" not in score(messages).turns[2].signals  # too few shared words for the bag of words


# --- Stored scores --------------------------------------------------------------------------------------------


def _seed(engine, conversations: dict[str, list[tuple[str, str]]], **extra) -> None:
    records = [ConversationRecord(external_id=cid, messages=[MessageRecord(role=r, content=c) for r, c in msgs],
                                  **extra.get(cid, {})) for cid, msgs in conversations.items()]
    result = import_records(engine, records, source="test", file_name="t.jsonl", format="openai",
                            file_sha256="signals-test")
    assert result.error is None, result.error


def test_update_signals_stores_scores_and_resumes(any_engine):
    _seed(any_engine, {"rephrase": REPHRASE, "refusal": REFUSAL, "thanks": THANKS},
          thanks={"variant": "v2"}, rephrase={"variant": "v1"})
    seen = []
    assert update_signals(any_engine, encoder=lexical_encoder, progress=lambda d, t: seen.append((d, t))) == 3
    assert seen[-1] == (3, 3)
    with session_scope(any_engine) as session:
        convs = {c.external_id: c for c in session.exec(select(Conversation))}
        assert all(c.frustration is not None for c in convs.values())
        assert convs["thanks"].frustration < convs["rephrase"].frustration
        assert any(e["position"] == 2 for e in convs["rephrase"].frustration_explanation)
        msgs = session.exec(select(Message).where(Message.conversation_id == convs["refusal"].id)
                            .order_by(Message.position)).all()
        assert msgs[0].dissatisfied is not None and msgs[0].failure is None
        assert msgs[1].failure is not None and msgs[1].signals["refusal"] == 1.0
        assert msgs[0].signals is None  # no signal: SQL NULL, not JSON null
        assert all(session.exec(select(Message.signals).where(Message.signals.is_not(None))).all())
        assert session.exec(select(AuditLog).where(AuditLog.entity_id == "signals")).first() is not None
        assert signals_coverage(session=session) == {"conversations": 3, "scored": 3}
        top = frustrated_conversations(session=session)
        assert list(top["frustration"]) == sorted(top["frustration"], reverse=True)
        assert list(frustrated_conversations(session=session, signal="rephrase")["id"]) == [convs["rephrase"].id]
        assert list(frustrated_conversations(session=session, variants=["v2"])["id"]) == [convs["thanks"].id]
        counts = signal_counts(session=session).set_index("signal")
        assert counts.loc["refusal", "conversations"] == 1 and counts.loc["rephrase", "turns"] == 1
    assert update_signals(any_engine, encoder=lexical_encoder) == 0  # only missing: nothing left
    assert update_signals(any_engine, encoder=lexical_encoder, only_missing=False) == 3


def test_update_signals_on_an_empty_database(engine):
    assert update_signals(engine, encoder=lexical_encoder) == 0


# --- CLI ------------------------------------------------------------------------------------------------------


def test_cli_signals_writes_one_line_per_conversation(tmp_path, monkeypatch):
    from reviewlab import signals
    from reviewlab.cli import app

    monkeypatch.setattr(signals, "default_encoder", lexical_encoder)
    source = tmp_path / "logs.jsonl"
    rows = [{"id": "a", "messages": [{"role": "system", "content": "Be brief."}]
             + [{"role": r, "content": c} for r, c in REPHRASE]},
            {"id": "b", "messages": [{"role": r, "content": c} for r, c in THANKS]}]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(app, ["signals", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["conversation_id"] for line in lines] == ["a", "b"]
    a = lines[0]
    assert 0 <= a["frustration"] <= 1
    assert [t["position"] for t in a["turns"]] == [1, 2, 3, 4]  # the system message is position 0, unscored
    assert set(a["turns"][0]) == {"position", "role", "dissatisfied"}
    assert set(a["turns"][1]) == {"position", "role", "failure"}
    assert lines[1]["frustration"] < a["frustration"]


def test_cli_signals_refuses_an_unreadable_file_and_writes_nothing(tmp_path):
    from reviewlab.cli import app

    source = tmp_path / "notes.txt"
    source.write_text("just some prose, not a log\n")
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(app, ["signals", str(source), "--out", str(out)])
    assert result.exit_code == 1
    assert "notes.txt" in result.output
    assert not out.exists() and not (tmp_path / "scores.jsonl.partial").exists()


# --- The evaluation data parse as documented --------------------------------------------------------------------


def test_eval_loaders_read_the_labelled_data():
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from signals_eval import load_dbdc3, load_uss

    dbdc = load_dbdc3(shared_data("dbdc3", "dev.jsonl"))
    assert len(dbdc) == 415 and sum(len(labels) for _, _, labels in dbdc) == 4150
    uss = load_uss(shared_data("uss", "MWOZ.txt"))
    turns = [label for _, _, labels, _ in uss for label in labels.values()]
    assert len(uss) == 1000 and len(turns) == 11553
    assert round(sum(turns) / len(turns), 3) == 0.058  # the share the data README states
