"""Quality of the frustration signals on real labelled dialogues (../shared/data).

- failure: ROC AUC for DBDC3 dev system turns that at least half of the 30 annotators marked as a breakdown (X).
- dissatisfied: ROC AUC for USS MultiWOZ user turns rated <= 2 by the majority (median_low of the raters <= 2).

Reported beside the shipped models: the VADER baselines, an unfitted heuristic (every signal weight 1), the
out-of-sample figures of the fitting procedure (5-fold cross-validation grouped by dialogue, and each model
trained on one data set and tested on the other), per-bot AUCs for DBDC3 and the conversation-level frustration
against the USS overall dialogue rating. `--fit` refits the two models on the full data and prints the weight
dicts that reviewlab/signals.py ships. Sentence vectors are cached under /tmp so re-runs take seconds.

    python bench/signals_eval.py [--quick] [--fit]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewlab import signals  # noqa: E402
from reviewlab.signals import (  # noqa: E402
    DISSATISFIED_WEIGHTS,
    FAILURE_WEIGHTS,
    FEATURES,
    ConversationInput,
    conversation_features,
    logistic,
    negative_tone,
)

DATA = ROOT.parent / "shared" / "data"
CACHE = Path("/tmp/reviewlab-signals-eval")
RESULTS = ROOT / "bench" / "results" / "signals.json"
L2 = 1.0
MIN_WEIGHT = 0.05
NEGATIVE_SIGNS = {"gratitude"}  # every other signal may only raise the score
FAILURE_INPUTS = FEATURES  # the assistant turn's own, the conversation's and its reaction's signals
DISSATISFIED_INPUTS = tuple(f for f in FEATURES if f != "conv_off_topic")


# --- Data -----------------------------------------------------------------------------------------------------


def load_dbdc3(path: Path) -> list[tuple[str, list[tuple[str, str]], dict[int, bool]]]:
    """(dialogue id, messages, {position of a system turn: breakdown}) per dialogue."""
    out = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        messages, labels = [], {}
        for i, turn in enumerate(record["turns"]):
            messages.append(("user" if turn["speaker"] == "U" else "assistant", turn["text"]))
            if "counts" in turn:
                labels[i] = turn["counts"]["X"] / sum(turn["counts"].values()) >= 0.5
        out.append((f"{record['subset']}/{record['dialogue_id']}", messages, labels))
    return out


def load_uss(path: Path) -> list[tuple[str, list[tuple[str, str]], dict[int, bool], bool]]:
    """(dialogue id, messages, {position of a user turn: dissatisfied}, overall dissatisfied) per dialogue."""
    out = []
    for number, block in enumerate(path.read_text().split("\n\n")):
        messages, labels, overall = [], {}, False
        for line in block.strip("\n").splitlines():
            role, text, _action, *ratings = line.split("\t")
            low = bool(ratings and ratings[0]) and statistics.median_low(int(r) for r in ratings[0].split(",")) <= 2
            if text == "OVERALL":
                overall = low
                continue
            if role == "USER":
                labels[len(messages)] = low
            messages.append(("user" if role == "USER" else "assistant", text))
        if messages:
            out.append((f"uss/{number}", messages, labels, overall))
    return out


# --- Cached encoder -----------------------------------------------------------------------------------------------


class CachedEncoder:
    """encode_texts with an on-disk cache keyed by text, so a re-run encodes nothing."""

    def __init__(self, directory: Path):
        self.file = directory / "vectors.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.file.exists():
            data = np.load(self.file, allow_pickle=False)
            self.vectors = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
        self.encoded = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.vectors]
        if missing:
            from reviewlab.embeddings import encode_texts

            for text, vector in zip(missing, encode_texts(missing), strict=True):
                self.vectors[text] = vector
            self.encoded += len(missing)
            self.file.parent.mkdir(parents=True, exist_ok=True)
            texts_all = list(self.vectors)
            np.savez(self.file, texts=np.array(texts_all), vectors=np.stack([self.vectors[t] for t in texts_all]))
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


# --- Fitting ------------------------------------------------------------------------------------------------------


def fit(X: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """Sign-constrained L2 logistic regression; weights below MIN_WEIGHT are dropped (then refit without them)."""
    keep = list(names)
    for _ in range(3):
        cols = [names.index(n) for n in keep]
        Xk = X[:, cols]

        def loss(b, Xk=Xk):
            z = b[0] + Xk @ b[1:]
            return float(np.mean(np.logaddexp(0, z) - y * z) + L2 * np.sum(b[1:] ** 2) / len(y))

        bounds = [(None, None)] + [((None, 0.0) if n in NEGATIVE_SIGNS else (0.0, None)) for n in keep]
        b = minimize(loss, np.zeros(len(keep) + 1), method="L-BFGS-B", bounds=bounds).x
        fitted = zip(keep, b[1:], strict=True)
        weights = {"intercept": round(float(b[0]), 2)} | {n: round(float(w), 2) for n, w in fitted
                                                          if abs(w) >= MIN_WEIGHT}
        if len(weights) - 1 == len(keep):
            return weights
        keep = [n for n in keep if n in weights]
    return weights


def predict(weights: dict[str, float], X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return np.array([logistic(weights, dict(zip(names, row, strict=True))) for row in X])


def grouped_cv(X, y, groups, names) -> np.ndarray:
    out = np.zeros(len(y))
    for train, test in GroupKFold(5).split(X, y, groups):
        out[test] = predict(fit(X[train], y[train], names), X[test], names)
    return out


# --- Evaluation ---------------------------------------------------------------------------------------------------


def auc(y, s) -> float:
    return round(float(roc_auc_score(np.asarray(y, bool), np.asarray(s, float))), 3)


def turn_rows(dialogues, encoder, role: str):
    """Per labelled turn: features, label, dialogue id, shipped score and the VADER baseline."""
    inputs = [ConversationInput(messages) for _, messages, *_ in dialogues]
    features = conversation_features(inputs, encoder=encoder)
    scored = signals.score_conversations(inputs, encoder=encoder)
    rows = []
    for (did, messages, labels, *_), feats, result in zip(dialogues, features, scored, strict=True):
        for pos, label in labels.items():
            turn = result.turns[pos]
            if messages[pos][0] != role or pos not in feats:  # (a few turns have no text)
                continue
            if role == "assistant":  # baseline: VADER on the user's next turn
                baseline = negative_tone(messages[pos + 1][1]) if pos + 1 < len(messages) else 0.0
                score = turn.failure
            else:
                baseline = negative_tone(messages[pos][1])
                score = turn.dissatisfied
            rows.append((did, label, [feats[pos].get(n, 0.0) for n in FEATURES], score, baseline))
    groups = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows], float)
    X = np.array([r[2] for r in rows], float)
    return groups, y, X, np.array([r[3] for r in rows]), np.array([r[4] for r in rows]), scored


def columns(X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return X[:, [FEATURES.index(n) for n in names]]


def heuristic(X: np.ndarray) -> np.ndarray:
    """No fitting at all: every signal counts 1 (gratitude -1)."""
    signs = np.array([-1.0 if n in NEGATIVE_SIGNS else 1.0 for n in FEATURES])
    return X @ signs


def store_timing(dialogues: list, n: int, encoder) -> dict:
    """Seconds for update_signals to score and store n conversations in a fresh SQLite file (vectors cached)."""
    import tempfile

    from reviewlab.db import make_engine
    from reviewlab.ingest import ConversationRecord, MessageRecord, import_records
    from reviewlab.store.setup import ensure_ready
    from reviewlab.store.signals import update_signals

    records = [ConversationRecord(external_id=f"{i}", messages=[MessageRecord(role=r, content=c) for r, c in msgs])
               for i, (_, msgs, *_) in zip(range(n), (dialogues * (n // len(dialogues) + 1)), strict=False)]
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        ensure_ready(engine)
        import_records(engine, records, source="bench", file_name="bench", format="openai", file_sha256="bench",
                       search_index=False)
        t0 = time.perf_counter()
        scored = update_signals(engine, encoder=encoder)
        seconds = time.perf_counter() - t0
        engine.dispose()
    return {"conversations": scored, "messages": sum(len(r.messages) for r in records), "seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a deterministic subsample (< 1 min)")
    parser.add_argument("--fit", action="store_true", help="refit the shipped weights and print them")
    args = parser.parse_args()
    dbdc_path, uss_path = DATA / "dbdc3" / "dev.jsonl", DATA / "uss" / "MWOZ.txt"
    if not (dbdc_path.exists() and uss_path.exists()):
        sys.exit(f"shared data not available under {DATA}")
    dbdc, uss = load_dbdc3(dbdc_path), load_uss(uss_path)
    if args.quick:  # every 4th DBDC3 and every 5th USS dialogue
        dbdc, uss = dbdc[::4], uss[::5]
    encoder = CachedEncoder(CACHE)

    t0 = time.perf_counter()
    g_f, y_f, X_f, s_f, b_f, _ = turn_rows(dbdc, encoder, "assistant")
    g_d, y_d, X_d, s_d, b_d, uss_scored = turn_rows(uss, encoder, "user")
    seconds = time.perf_counter() - t0
    n_turns = sum(len(m) for _, m, *_ in dbdc) + sum(len(m) for _, m, *_ in uss)

    Xf_fail, Xd_fail = columns(X_f, FAILURE_INPUTS), columns(X_d, FAILURE_INPUTS)
    Xf_dis, Xd_dis = columns(X_f, DISSATISFIED_INPUTS), columns(X_d, DISSATISFIED_INPUTS)
    fail_full = fit(Xf_fail, y_f, FAILURE_INPUTS)
    dis_full = fit(Xd_dis, y_d, DISSATISFIED_INPUTS)
    cv_fail = grouped_cv(Xf_fail, y_f, g_f, FAILURE_INPUTS)
    bot_of = np.array([g.split("/")[0] for g in g_f])
    per_bot, cv_per_bot = {}, {}
    for bot in sorted(set(bot_of.tolist())):
        mask = bot_of == bot
        if 0 < y_f[mask].sum() < mask.sum():
            per_bot[bot], cv_per_bot[bot] = auc(y_f[mask], s_f[mask]), auc(y_f[mask], cv_fail[mask])
    # Not a model: each turn scored by its bot's breakdown rate in these very labels. It shows how much of the
    # AUC comes from telling the bots (and their annotator pools) apart rather than good turns from bad ones.
    bot_rate = {bot: y_f[bot_of == bot].mean() for bot in set(bot_of.tolist())}
    overall_y = [overall for *_, overall in uss]
    results = {
        "data": {"dbdc3_system_turns": len(y_f), "dbdc3_breakdowns": int(y_f.sum()), "uss_user_turns": len(y_d),
                 "uss_dissatisfied": int(y_d.sum()), "quick": args.quick},
        "failure_auc": {
            "shipped": auc(y_f, s_f),
            "vader_next_user_turn": auc(y_f, b_f),
            "heuristic_unfitted": auc(y_f, heuristic(X_f)),
            "fitted_grouped_cv": auc(y_f, cv_fail),
            "failure_model_trained_on_uss": auc(y_f, predict(fit(Xd_fail, y_d, FAILURE_INPUTS), Xf_fail,
                                                             FAILURE_INPUTS)),
            "dissatisfied_model_on_dbdc3": auc(y_f, predict(DISSATISFIED_WEIGHTS | {}, Xf_dis, DISSATISFIED_INPUTS)),
            "shipped_per_bot": per_bot,
            "fitted_grouped_cv_per_bot": cv_per_bot,
            "reference_bot_identity_only": auc(y_f, [bot_rate[b] for b in bot_of]),
        },
        "dissatisfied_auc": {
            "shipped": auc(y_d, s_d),
            "vader_user_turn": auc(y_d, b_d),
            "heuristic_unfitted": auc(y_d, heuristic(X_d)),
            "fitted_grouped_cv": auc(y_d, grouped_cv(Xd_dis, y_d, g_d, DISSATISFIED_INPUTS)),
            "dissatisfied_model_trained_on_dbdc3": auc(y_d, predict(fit(Xf_dis, y_f, DISSATISFIED_INPUTS), Xd_dis,
                                                                    DISSATISFIED_INPUTS)),
            "failure_model_on_uss": auc(y_d, predict(FAILURE_WEIGHTS, Xd_fail, FAILURE_INPUTS)),
        },
        "frustration_auc_uss_overall_rating": auc(overall_y, [r.frustration for r in uss_scored])
        if any(overall_y) else None,
        "weights_refit": {"failure": fail_full, "dissatisfied": dis_full},
        "scoring_seconds": round(seconds, 2),
        "messages": n_turns,
        "texts_encoded_this_run": encoder.encoded,
        "store_update_signals": store_timing(dbdc + uss, 2_000 if args.quick else 10_000, encoder),
    }
    _print(results)
    if args.fit:
        print("FAILURE_WEIGHTS =", fail_full)
        print("DISSATISFIED_WEIGHTS =", dis_full)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"RESULT failure_auc={results['failure_auc']['shipped']} "
          f"dissatisfied_auc={results['dissatisfied_auc']['shipped']}")


def _print(results: dict) -> None:
    d = results["data"]
    print(f"DBDC3 dev: {d['dbdc3_system_turns']} system turns, {d['dbdc3_breakdowns']} breakdowns (X share >= 0.5)")
    print(f"USS MWOZ: {d['uss_user_turns']} user turns, {d['uss_dissatisfied']} dissatisfied (median rating <= 2)")
    print(f"{'score':<44} {'failure AUC':>12} {'dissatisfied AUC':>17}")
    f, s = results["failure_auc"], results["dissatisfied_auc"]
    table = [
        ("VADER negativity (baseline)", f["vader_next_user_turn"], s["vader_user_turn"]),
        ("heuristic, every signal weight 1 (unfitted)", f["heuristic_unfitted"], s["heuristic_unfitted"]),
        ("fitted, 5-fold CV grouped by dialogue", f["fitted_grouped_cv"], s["fitted_grouped_cv"]),
        ("fitted on the other data set", f["failure_model_trained_on_uss"], s["dissatisfied_model_trained_on_dbdc3"]),
        ("the other model (dissatisfied / failure)", f["dissatisfied_model_on_dbdc3"], s["failure_model_on_uss"]),
        ("shipped weights (fitted on all: in-sample)", f["shipped"], s["shipped"]),
    ]
    for name, a, b in table:
        print(f"{name:<44} {a:>12.3f} {b:>17.3f}")
    print("failure AUC per DBDC3 bot (shipped):", f["shipped_per_bot"])
    print("failure AUC per DBDC3 bot (5-fold CV):", f["fitted_grouped_cv_per_bot"])
    print("reference, not a model: each turn scored by its bot's breakdown rate in these labels:",
          f["reference_bot_identity_only"])
    print("frustration AUC vs USS overall dialogue rating <= 2:", results["frustration_auc_uss_overall_rating"])
    print(f"scored {results['messages']} messages in {results['scoring_seconds']} s "
          f"({results['texts_encoded_this_run']} texts encoded this run)")
    store = results["store_update_signals"]
    print(f"update_signals: {store['conversations']:,} conversations ({store['messages']:,} messages) scored and "
          f"stored in {store['seconds']} s (SQLite, sentence vectors cached: encoding not included)")


if __name__ == "__main__":
    main()
