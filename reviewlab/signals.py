"""Frustration signals: did an assistant turn fail the user, is the user unhappy, how frustrating was the conversation.

Pure functions, no database. Each assistant reply is judged as one *exchange*: the user's request before it, the
reply itself and the user's reaction after it. Interpretable signals in [0, 1] are measured on each exchange
(refusal, off-topic reply, repetition, complaint, confusion, rephrased request, negative tone, thanks, asking for an
alternative, leaving after a bad reply, explicit feedback) and combined by small logistic models into

- `failure` of each assistant turn (did this turn fail the user, from the turn and the user's reaction),
- `dissatisfied` of each user turn (is the user unhappy with the preceding assistant turn),
- `frustration` of the conversation (noisy-or over its worst turns), with an explanation naming turns and signals.

The sentence encoder is injectable (`encoder=`): the default is `reviewlab.embeddings.encode_texts`; unit tests and
quick runs can pass `lexical_encoder`, a bag-of-words stand-in that needs no model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

Encoder = Callable[[list[str]], np.ndarray]

#: What each signal means, for explanations and the Signals page.
SIGNAL_LABELS = {
    "refusal": "assistant refused or could not help",
    "off_topic": "assistant reply unrelated to the conversation",
    "repetition": "assistant repeated an earlier reply",
    "complaint": "user complained or corrected the assistant",
    "confusion": "user was confused by the reply",
    "rephrase": "user repeated or rephrased the request",
    "negative": "negative tone",
    "retry": "user asked to try again or for an alternative",
    "abandoned": "conversation ended right after a bad turn",
    "negative_feedback": "explicit negative feedback",
    "gratitude": "user thanked or praised the reply",
}

# --- Lexical detectors -----------------------------------------------------------------------------------------

_REFUSAL = re.compile(
    r"\b(?:i'?m|i am) (?:so |very |really )?(?:sorry|afraid)\b|\bi apologi[sz]e\b|\bunfortunately\b"
    r"|\b(?:i|we) (?:can'?t|cannot|could ?n[o']t|won'?t be able|am unable|'m unable|am not able|'m not able"
    r"|was unable|wasn'?t able|do ?n[o']t (?:have|know|see|understand))\b"
    r"|\bunable to\b|\bnot (?:able|possible|available|supported|permitted|allowed)\b|\bunavailable\b"
    r"|\bunsuccessful\b|\bno (?:\w+ )?(?:results?|match(?:es)?|availability|options?)\b"
    r"|\bthere (?:are|is|were|was) (?:no|not any|nothing)\b|\bthere (?:are|is|were|was)n'?t any\b"
    r"|\bnothing (?:matches|available|found)\b|\bas an ai\b|\bbeyond my\b|\boutside (?:of )?my\b",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"^\W*(?:no|nope|nah)\b(?!\s*,?\s*(?:thanks?|thank you|that'?s (?:all|it|fine|ok)|that is (?:all|it)|problem))"
    r"|\bactually\b|\bi (?:said|meant|asked|already|just (?:said|told|asked))\b|\bi (?:really|actually) (?:need|want)"
    r"|\bnot what i\b|\bthat'?s not (?:what|it|right|correct|true)\b|\bthat is not (?:what|it|right|correct|true)\b"
    r"|\bwrong\b|\bincorrect\b|\bmistake\b|\bare you sure\b"
    r"|\byou (?:didn'?t|did not|don'?t|do not|never|aren'?t|are not) (?:understand|answer|listen|get|read|help"
    r"|make sense)|\bstill (?:not|no|doesn'?t|don'?t|isn'?t|wrong)\b"
    r"|\b(?:doesn'?t|does not|didn'?t|did not) (?:make sense|work|help)\b|\bnot (?:helpful|useful|working)\b"
    r"|\buseless\b|\bstupid\b|\bdumb\b|\bridiculous\b|\bterrible\b|\bfrustrat|\bannoy|\bwaste of\b|\bugh+\b"
    r"|\bseriously\b|\bwhy (?:can'?t|won'?t|don'?t|didn'?t) you\b|\bisn'?t (?:working|helping|helpful)\b"
    # giving up: the user stops trying or turns to another channel
    r"|\bforget it\b|\bnever ?mind\b|\bok(?:ay)?,? whatever\b|^\W*whatever\W*$"
    r"|\bi'?ll (?:just )?(?:call|ask|contact) (?:someone|somebody|support|a human|in the)\b|\bfigure it out myself\b",
    re.IGNORECASE,
)
_CONFUSION = re.compile(
    r"^\W*(?:what|huh|eh|pardon|sorry)\W*\?|\bhuh\b|\bi don'?t (?:understand|get it|follow)\b"
    r"|\bwhat do you mean\b|\bwhat are you (?:talking|saying)\b|\bmakes? no sense\b|\bconfus(?:ed|ing)\b"
    r"|\bcome again\b|\bwhat does that (?:mean|have to do)\b|\?\?",
    re.IGNORECASE,
)
_RETRY = re.compile(
    r"\b(?:how|what) about\b|\btry (?:again|another|a different|something)\b|\b(?:can|could) you (?:try|check)\b"
    r"|\binstead\b|\bany ?(?:thing|one)? (?:other|else)\b|\banother (?:one|option|day|time|place)\b"
    r"|\bsomething (?:else|different)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:no|not|never|none|nothing|nobody|neither|nor|cannot)\b|n't\b", re.IGNORECASE)
_GRATITUDE = re.compile(
    r"\b(?:thanks?|thank you|thx|great|perfect|awesome|excellent|wonderful|helpful|that works|appreciate)\b",
    re.IGNORECASE,
)


def refusal(text: str) -> float:
    return 1.0 if _REFUSAL.search(text) else 0.0


def complaint(text: str) -> float:
    return 1.0 if _COMPLAINT.search(text) else 0.0


def confusion(text: str) -> float:
    return 1.0 if _CONFUSION.search(text) else 0.0


def retry(text: str) -> float:
    return 1.0 if _RETRY.search(text) else 0.0


def gratitude(text: str) -> float:
    return 1.0 if _GRATITUDE.search(text) and not _COMPLAINT.search(text) else 0.0


def negation(text: str) -> float:
    """Saying no: 0 without negation words, 0.5 with one, 1 with two or more."""
    return min(len(_NEGATION.findall(text)), 2) / 2


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def negative_tone(text: str) -> float:
    """VADER's share of negative words (of the first 1,000 characters), in [0, 1]."""
    return float(_vader().polarity_scores(text[:1000])["neg"]) if text.strip() else 0.0


def ramp(x: float, low: float, high: float) -> float:
    """0 at or below `low`, 1 at or above `high`, linear between."""
    return min(1.0, max(0.0, (x - low) / (high - low)))


# --- Encoders --------------------------------------------------------------------------------------------------


def default_encoder(texts: list[str]) -> np.ndarray:
    from reviewlab.embeddings import encode_texts

    return encode_texts(texts)


_WORD = re.compile(r"[a-z0-9']+")
LEXICAL_DIM = 2048


def lexical_encoder(texts: list[str]) -> np.ndarray:
    """A model-free stand-in: L2-normalised hashed bag of words (crc32, so stable across processes)."""
    import zlib

    out = np.zeros((len(texts), LEXICAL_DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in _WORD.findall(text.lower()):
            out[row, zlib.crc32(word.encode()) % LEXICAL_DIM] += 1.0
        norm = np.linalg.norm(out[row])
        if norm:
            out[row] /= norm
    return out


# --- Per-turn features -----------------------------------------------------------------------------------------

TEXT_ROLES = ("user", "assistant")
CONTEXT_DECAY = 0.5  # weight of each older turn in the context an assistant reply should fit
ENCODE_CHARS = 1_000  # the encoder reads at most 256 tokens (~1,000 characters) anyway

REPLY_FEATURES = ("refusal", "negative_answer", "off_topic", "repetition")
USER_FEATURES = ("rephrase", "complaint", "confusion", "negation", "negative", "retry", "gratitude")
CONVERSATION_FEATURES = ("conv_off_topic",)
FEATURES = REPLY_FEATURES + CONVERSATION_FEATURES + USER_FEATURES


def reply_features(text: str, vector: np.ndarray, context: np.ndarray | None,
                   earlier_replies: np.ndarray | None) -> dict[str, float]:
    """Signals of one assistant reply: refusal, saying no, fit to the conversation so far, repeating itself.

    `context` is the decayed sum of the vectors of the turns before it, `earlier_replies` the vectors of the
    assistant's earlier replies (None when there are none).
    """
    f = {"refusal": refusal(text), "negative_answer": negation(text), "off_topic": 0.0, "repetition": 0.0}
    if context is not None:
        norm = float(np.linalg.norm(context))
        if norm:
            f["off_topic"] = min(1.0, max(0.0, 1.0 - float(vector @ context) / norm))
    if earlier_replies is not None:
        f["repetition"] = ramp(float(np.max(earlier_replies @ vector)), 0.5, 0.9)
    return f


def user_features(messages: Sequence[tuple[str, str]], vectors: np.ndarray, index: int,
                  previous_user: int | None) -> dict[str, float]:
    """Signals of one user turn: repeating the previous request, complaining, confusion, saying no, tone, thanks."""
    text = messages[index][1]
    rephrase = 0.0
    if previous_user is not None:
        rephrase = ramp(float(vectors[index] @ vectors[previous_user]), 0.5, 0.9)
    return {"rephrase": rephrase, "complaint": complaint(text), "confusion": confusion(text),
            "negation": negation(text), "negative": negative_tone(text), "retry": retry(text),
            "gratitude": gratitude(text)}


# --- Models ----------------------------------------------------------------------------------------------------
# Sign-constrained logistic regressions (every signal may only push in its a-priori direction: gratitude down, the
# rest up; L2 penalty), refitted by `python bench/signals_eval.py --fit`, which prints these dicts. Weights below
# 0.05 are dropped. FAILURE was fitted on the DBDC3 dev breakdown labels (system turns with X share >= 0.5),
# DISSATISFIED on the USS MultiWOZ ratings (user turns whose raters' median_low <= 2). Out-of-sample figures
# (grouped by dialogue, and each model on the other data set) are in bench/results/signals.json.
FAILURE_WEIGHTS = {
    "intercept": -6.19, "negative_answer": 0.3, "off_topic": 2.85, "conv_off_topic": 3.29, "confusion": 0.91,
    "negation": 0.33, "negative": 0.08,
}
DISSATISFIED_WEIGHTS = {
    "intercept": -4.13, "refusal": 0.85, "negative_answer": 0.69, "off_topic": 0.89, "repetition": 0.74,
    "rephrase": 1.08, "complaint": 0.93, "confusion": 1.17, "negation": 2.15, "negative": 1.58, "retry": 0.65,
    "gratitude": -0.35,
}


def logistic(weights: dict[str, float], features: dict[str, float]) -> float:
    z = weights["intercept"] + sum(w * features.get(name, 0.0) for name, w in weights.items() if name != "intercept")
    return 1.0 / (1.0 + math.exp(-z))


# --- Shown signals ---------------------------------------------------------------------------------------------
# A signal is *shown* on a turn (stored in Message.signals, named in explanations) when its value reaches this.
SHOW_AT = {"refusal": 1.0, "off_topic": 0.85, "repetition": 0.75, "rephrase": 0.5, "complaint": 1.0,
           "confusion": 1.0, "negative": 0.3, "retry": 1.0, "gratitude": 1.0}
REPLY_SHOWN = ("refusal", "off_topic", "repetition")
USER_SHOWN = ("rephrase", "complaint", "confusion", "negative", "retry", "gratitude")
PROBLEM_SIGNALS = tuple(name for name in SIGNAL_LABELS if name != "gratitude")
STRUGGLE_SIGNALS = {"rephrase", "complaint", "confusion"}  # the user is already fighting the assistant
EXPLAIN_AT = 0.3  # turns whose score reaches this are named in the conversation's explanation
EXPLAIN_TURNS = 5
FRUSTRATION_TURNS = 3  # the conversation's frustration is a noisy-or over its worst turns
BACKGROUND = 0.1  # turn scores up to this are background noise and do not add to frustration
ABANDON_EVIDENCE = 0.3  # leaving right after trouble counts like one more turn scored 0.3 (set a priori)
FEEDBACK_WEIGHT = 0.8  # an explicit thumbs down on the conversation counts like a turn scored 0.8


def _shown(features: dict[str, float], names: tuple[str, ...]) -> dict[str, float]:
    return {name: round(features[name], 3) for name in names if features.get(name, 0.0) >= SHOW_AT[name]}


# --- Scoring ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationInput:
    messages: list[tuple[str, str]]  # (role, content) in order
    feedback: list[float | None] | None = None  # per message, in [-1, 1]
    explicit_feedback: float | None = None  # the whole conversation, in [-1, 1]


@dataclass
class TurnSignals:
    position: int
    role: str
    failure: float | None = None  # assistant turns with text
    dissatisfied: float | None = None  # user turns with text
    signals: dict[str, float] = field(default_factory=dict)  # shown signals and their strength

    @property
    def score(self) -> float | None:
        return self.failure if self.failure is not None else self.dissatisfied


@dataclass
class ConversationSignals:
    frustration: float
    turns: list[TurnSignals]
    explanation: list[dict]  # [{"position", "role", "score", "signals": [names], "reason": text}], worst first


def score_conversation(messages: Sequence[tuple[str, str]], *, feedback: Sequence[float | None] | None = None,
                       explicit_feedback: float | None = None, encoder: Encoder | None = None) -> ConversationSignals:
    """Score one conversation (see the module docstring). `encoder` defaults to the sentence-embedding model."""
    conv = ConversationInput(list(messages), list(feedback) if feedback is not None else None, explicit_feedback)
    return score_conversations([conv], encoder=encoder)[0]


def score_conversations(conversations: Sequence[ConversationInput], *,
                        encoder: Encoder | None = None) -> list[ConversationSignals]:
    """Score many conversations with one encoder call over all their distinct texts."""
    results = []
    for conv, vectors in zip(conversations, _vectors(conversations, encoder), strict=True):
        inputs, shown = model_inputs(conv.messages, vectors)
        results.append(_score(conv, inputs, shown))
    return results


def _vectors(conversations: Sequence[ConversationInput], encoder: Encoder | None) -> list[np.ndarray]:
    encode = encoder or default_encoder
    texts = sorted({content[:ENCODE_CHARS] for conv in conversations for role, content in conv.messages
                    if role in TEXT_ROLES and content.strip()})
    table = encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    row = {text: i for i, text in enumerate(texts)}
    out = []
    for conv in conversations:
        vectors = np.zeros((len(conv.messages), table.shape[1]), dtype=np.float32)
        for i, (role, content) in enumerate(conv.messages):
            if role in TEXT_ROLES and content.strip():
                vectors[i] = table[row[content[:ENCODE_CHARS]]]
        out.append(vectors)
    return out


def conversation_features(conversations: Sequence[ConversationInput], *,
                          encoder: Encoder | None = None) -> list[dict[int, dict[str, float]]]:
    """The model inputs of every text turn (position -> features), for evaluation and refitting."""
    return [model_inputs(conv.messages, vectors)[0]
            for conv, vectors in zip(conversations, _vectors(conversations, encoder), strict=True)]


def model_inputs(messages: Sequence[tuple[str, str]], vectors: np.ndarray
                 ) -> tuple[dict[int, dict[str, float]], dict[int, dict[str, float]]]:
    """Per text turn: the features its model reads, and the signals shown on it.

    An assistant turn reads its own signals, the conversation's and its user reaction's; a user turn reads its own
    signals and those of the assistant reply right before it.
    """
    text_turns = [i for i, (role, content) in enumerate(messages) if role in TEXT_ROLES and content.strip()]
    reply_f: dict[int, dict[str, float]] = {}
    user_f: dict[int, dict[str, float]] = {}
    previous_user: int | None = None
    context: np.ndarray | None = None  # decayed sum of the turns so far
    replies: list[int] = []
    for i in text_turns:
        if messages[i][0] == "assistant":
            earlier = vectors[replies] if replies else None
            reply_f[i] = reply_features(messages[i][1], vectors[i], context, earlier)
            replies.append(i)
        else:
            user_f[i] = user_features(messages, vectors, i, previous_user)
            previous_user = i
        context = vectors[i] if context is None else CONTEXT_DECAY * context + vectors[i]
    # Replies with nothing before them (greetings) have no context to be off-topic from.
    in_context = [reply_f[i]["off_topic"] for k, i in enumerate(text_turns) if i in reply_f and k > 0]
    conv_f = {"conv_off_topic": float(np.mean(in_context)) if in_context else 0.0}
    inputs, shown = {}, {}
    for k, i in enumerate(text_turns):
        nxt = text_turns[k + 1] if k + 1 < len(text_turns) else None
        prev = text_turns[k - 1] if k > 0 else None
        if i in reply_f:
            inputs[i] = {**reply_f[i], **conv_f, **(user_f.get(nxt, {}) if nxt is not None else {})}
            shown[i] = _shown(reply_f[i], REPLY_SHOWN)
        else:
            inputs[i] = {**(reply_f.get(prev, {}) if prev is not None else {}), **user_f[i]}
            shown[i] = _shown(user_f[i], USER_SHOWN)
    return inputs, shown


def _score(conv: ConversationInput, inputs: dict[int, dict[str, float]],
           shown: dict[int, dict[str, float]]) -> ConversationSignals:
    feedback = conv.feedback or [None] * len(conv.messages)
    turns = [TurnSignals(position=i, role=role) for i, (role, _) in enumerate(conv.messages)]
    for i, features in inputs.items():
        turn = turns[i]
        if turn.role == "assistant":
            turn.failure = logistic(FAILURE_WEIGHTS, features)
        else:
            turn.dissatisfied = logistic(DISSATISFIED_WEIGHTS, features)
        turn.signals = dict(shown[i])
        _apply_feedback(turn, feedback[i])
    return _conversation(turns, sorted(inputs), conv.explicit_feedback)


def _apply_feedback(turn: TurnSignals, value: float | None) -> None:
    """Explicit feedback on a message overrides the inferred score: a thumbs down on a reply is a failure."""
    if value is None or turn.score is None:
        return
    if turn.role == "assistant":
        turn.failure = max(turn.failure, -value) if value < 0 else min(turn.failure, 1.0 - value)
    else:
        turn.dissatisfied = max(turn.dissatisfied, -value) if value < 0 else min(turn.dissatisfied, 1.0 - value)
    if value < 0:
        turn.signals["negative_feedback"] = round(-value, 3)


def _conversation(turns: list[TurnSignals], text_turns: list[int],
                  explicit_feedback: float | None) -> ConversationSignals:
    scored = sorted((t for t in turns if t.score is not None), key=lambda t: (-t.score, t.position))
    evidence = [max(0.0, (t.score - BACKGROUND) / (1 - BACKGROUND)) for t in scored[:FRUSTRATION_TURNS]]
    if _abandoned(turns, text_turns):
        turns[text_turns[-1]].signals["abandoned"] = 1.0
        evidence.append(ABANDON_EVIDENCE)
    if explicit_feedback is not None and explicit_feedback < 0:
        evidence.append(FEEDBACK_WEIGHT * -explicit_feedback)
    frustration = 1.0 - math.prod(1.0 - e for e in evidence)
    if explicit_feedback is not None and explicit_feedback > 0:
        frustration *= 1.0 - 0.5 * explicit_feedback
    named = [t for t in scored if t.score >= EXPLAIN_AT or _problems(t)]
    explanation = [{"position": t.position, "role": t.role, "score": round(t.score, 3), "signals": _problems(t)}
                   for t in named[:EXPLAIN_TURNS]]
    if explicit_feedback is not None and explicit_feedback < 0:
        explanation.append({"position": None, "role": None, "score": round(-explicit_feedback, 3),
                            "signals": ["negative_feedback"]})
    for entry in explanation:
        entry["reason"] = explain([entry])
    for t in turns:
        for key in ("failure", "dissatisfied"):
            value = getattr(t, key)
            if value is not None:
                setattr(t, key, round(value, 4))
    return ConversationSignals(frustration=round(min(1.0, max(0.0, frustration)), 4), turns=turns,
                               explanation=explanation)


def _problems(turn: TurnSignals) -> list[str]:
    return [name for name in turn.signals if name in PROBLEM_SIGNALS]


def _abandoned(turns: list[TurnSignals], text_turns: list[int]) -> bool:
    """The conversation ends on trouble: a complaint or a clearly unhappy user turn, or an assistant turn that
    failed, showed a problem, or answered a user turn that already showed one (the user did not come back)."""
    if not text_turns:
        return False
    last = turns[text_turns[-1]]
    if last.role == "user":
        return last.score >= 0.5 or "complaint" in last.signals
    before = turns[text_turns[-2]] if len(text_turns) > 1 else None
    struggling = before is not None and bool(STRUGGLE_SIGNALS & set(before.signals))
    return last.score >= 0.5 or bool(_problems(last)) or struggling


def explain(explanation: list[dict]) -> str:
    """A one-line human reading of explanation entries, e.g. "turn 3 (assistant) 0.62: assistant refused…"."""
    parts = []
    for e in explanation:
        names = ", ".join(SIGNAL_LABELS.get(s, s) for s in e["signals"]) or "several weak signals"
        where = "whole conversation" if e["position"] is None else f"turn {e['position']} ({e['role']})"
        parts.append(f"{where} {e['score']:.2f}: {names}")
    return "; ".join(parts)


def signal_lines(records: Iterable, *, encoder: Encoder | None = None, chunk: int = 500) -> Iterator[dict]:
    """One JSON-ready dict per conversation record (`reviewlab signals`), scored `chunk` records at a time.

    A record needs `external_id`, `messages` (each with `role`, `content`, `feedback`) and `explicit_feedback`;
    turn positions count the record's messages from 0.
    """
    batch: list = []
    for record in records:
        batch.append(record)
        if len(batch) >= chunk:
            yield from _lines(batch, encoder)
            batch = []
    if batch:
        yield from _lines(batch, encoder)


def _lines(records: list, encoder: Encoder | None) -> Iterator[dict]:
    inputs = [ConversationInput([(m.role, m.content) for m in r.messages], [m.feedback for m in r.messages],
                                r.explicit_feedback) for r in records]
    for record, result in zip(records, score_conversations(inputs, encoder=encoder), strict=True):
        turns = [{"position": t.position, "role": t.role,
                  **({"failure": t.failure} if t.role == "assistant" else {"dissatisfied": t.dissatisfied})}
                 for t in result.turns if t.score is not None]
        yield {"conversation_id": record.external_id, "frustration": result.frustration, "turns": turns,
               "explanation": result.explanation}
