"""Agreement between reviewers: Cohen's kappa (two raters), Fleiss' kappa (a fixed number of raters per item) and
Krippendorff's alpha (any number of raters, missing ratings, nominal/ordinal/interval), plus the disagreements a
review session should settle.

A tag is a yes/no rating per reviewer of a conversation: a reviewer who tagged or judged a conversation and did
not apply the tag (to it or to any of its turns) rated it "no". Judgement fields are compared as given; intents
are compared case- and space-insensitively.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from sqlmodel import Session

from reviewlab.store.annotations import annotations_frame, judgements_frame

#: Judgement fields and the level of measurement their alpha uses.
JUDGEMENT_LEVELS = {"intent": "nominal", "intent_fulfilled": "nominal", "satisfaction": "ordinal",
                    "task_completed": "nominal"}  # fmt: skip
#: A satisfaction gap smaller than this (e.g. 4 vs 5) is not listed as a disagreement.
SATISFACTION_GAP = 2
SUMMARY_COLUMNS = ["field", "kind", "items", "raters", "agreement", "kappa", "kappa_method", "alpha", "level"]
DISAGREEMENT_COLUMNS = ["conversation_id", "field", "kind", "values"]


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters' labels on the same items (NaN when chance agreement is total)."""
    if len(a) != len(b) or not a:
        raise ValueError("Cohen's kappa needs two equally long, non-empty label lists.")
    categories = sorted(set(a) | set(b), key=str)
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b, strict=True):
        table[index[x], index[y]] += 1
    table /= table.sum()
    observed = np.trace(table)
    expected = float(table.sum(axis=1) @ table.sum(axis=0))
    return float("nan") if expected == 1 else float((observed - expected) / (1 - expected))


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa from an items × categories table of how many raters chose each category (same total per row)."""
    counts = np.asarray(counts, dtype=float)
    raters = counts.sum(axis=1)
    if counts.ndim != 2 or len(counts) == 0 or not np.all(raters == raters[0]) or raters[0] < 2:
        raise ValueError("Fleiss' kappa needs the same number (at least 2) of ratings on every item.")
    n = raters[0]
    per_item = ((counts**2).sum(axis=1) - n) / (n * (n - 1))
    shares = counts.sum(axis=0) / counts.sum()
    expected = float((shares**2).sum())
    return float("nan") if expected == 1 else float((per_item.mean() - expected) / (1 - expected))


def krippendorff_alpha(units: Sequence[Sequence], level: str = "nominal") -> float:
    """Krippendorff's alpha. `units` holds, per item, the values its raters gave (None or missing raters left out).

    Items with fewer than two values are not pairable and are ignored. NaN when there is no variation at all.
    """
    units = [[v for v in unit if v is not None] for unit in units]
    units = [unit for unit in units if len(unit) >= 2]
    if not units:
        return float("nan")
    values = sorted({v for unit in units for v in unit})
    index = {v: i for i, v in enumerate(values)}
    coincidences = np.zeros((len(values), len(values)))
    for unit in units:
        counts = np.bincount([index[v] for v in unit], minlength=len(values)).astype(float)
        coincidences += (np.outer(counts, counts) - np.diag(counts)) / (len(unit) - 1)
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    delta = _distance(values, totals, level)
    disagreement_observed = (coincidences * delta).sum() / n
    disagreement_expected = (np.outer(totals, totals) * delta).sum() / (n * (n - 1))
    if disagreement_expected == 0:
        return float("nan")
    return float(1 - disagreement_observed / disagreement_expected)


def _distance(values: list, totals: np.ndarray, level: str) -> np.ndarray:
    """Squared distance between each pair of values for the level of measurement."""
    k = len(values)
    if level == "nominal":
        return 1 - np.eye(k)
    if level == "interval":
        v = np.asarray(values, dtype=float)
        return (v[:, None] - v[None, :]) ** 2
    if level == "ordinal":
        cumulative = np.concatenate([[0], np.cumsum(totals)])
        delta = np.zeros((k, k))
        for c in range(k):
            for d in range(c + 1, k):
                delta[c, d] = delta[d, c] = (cumulative[d + 1] - cumulative[c] - (totals[c] + totals[d]) / 2) ** 2
        return delta
    raise ValueError(f"Unknown level {level!r}; use nominal, ordinal or interval.")


# --- Ratings from annotations and judgements ----------------------------------------------------------------


def ratings_from_frames(annotations: pd.DataFrame, judgements: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """{(kind, field): {conversation_id: {reviewer: value}}} for every tag used and every judgement field."""
    ratings: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(dict))
    reviewers: dict[str, set[str]] = defaultdict(set)
    tagged: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    annotations = annotations[annotations["member"].notna()]
    for row in annotations.itertuples():
        reviewers[row.conversation_id].add(row.member)
        tagged[row.conversation_id][row.member].add(row.tag)
    for row in judgements.itertuples():
        reviewers[row.conversation_id].add(row.member)
        for name in JUDGEMENT_LEVELS:
            value = getattr(row, name)
            if name == "intent":
                value = " ".join(str(value or "").lower().split()) or None
            if value is not None and not pd.isna(value):
                ratings[("judgement", name)][row.conversation_id][row.member] = int(value) if name == "satisfaction" \
                    else value  # fmt: skip
    for tag in sorted(set(annotations["tag"])):
        for conversation_id, members in reviewers.items():
            for member in members:
                ratings[("tag", tag)][conversation_id][member] = int(tag in tagged[conversation_id][member])
    return {key: {cid: dict(by_member) for cid, by_member in per.items()} for key, per in ratings.items()}


def agreement_tables(annotations: pd.DataFrame, judgements: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per tag and judgement field: items rated by ≥ 2 reviewers, observed agreement, kappa, alpha; and the
    disagreements (conversation, field, who said what)."""
    summary, disagreements = [], []
    for (kind, field), per_conversation in sorted(ratings_from_frames(annotations, judgements).items()):
        shared = {cid: by_member for cid, by_member in per_conversation.items() if len(by_member) >= 2}
        if not shared:
            continue
        level = JUDGEMENT_LEVELS.get(field, "nominal") if kind == "judgement" else "nominal"
        kappa, method = _kappa(shared)
        summary.append({
            "field": field, "kind": kind, "items": len(shared),
            "raters": len({member for by_member in shared.values() for member in by_member}),
            "agreement": _observed_agreement(shared), "kappa": kappa, "kappa_method": method,
            "alpha": krippendorff_alpha([list(v.values()) for v in shared.values()], level), "level": level,
        })  # fmt: skip
        for cid, by_member in shared.items():
            if _disagree(field, list(by_member.values())):
                values = " · ".join(f"{member}: {_show(kind, value)}" for member, value in sorted(by_member.items()))
                disagreements.append({"conversation_id": cid, "field": field, "kind": kind, "values": values})
    return {
        "summary": pd.DataFrame(summary, columns=SUMMARY_COLUMNS),
        "disagreements": pd.DataFrame(disagreements, columns=DISAGREEMENT_COLUMNS),
    }


def agreement_report(*, session: Session, conversation_ids: list[str]) -> dict[str, pd.DataFrame]:
    """Agreement over a set of conversations (e.g. one review session): {"summary", "disagreements"} frames."""
    annotations = annotations_frame(session=session, conversation_ids=conversation_ids)
    judgements = judgements_frame(session=session, conversation_ids=conversation_ids)
    return agreement_tables(annotations, judgements)


def _kappa(shared: dict[str, dict]) -> tuple[float, str]:
    """Cohen's kappa when exactly two reviewers rated; Fleiss' when every item has the same number of ratings."""
    raters = sorted({member for by_member in shared.values() for member in by_member})
    if len(raters) == 2:
        first, second = raters
        return cohen_kappa([v[first] for v in shared.values()], [v[second] for v in shared.values()]), "Cohen"
    sizes = {len(by_member) for by_member in shared.values()}
    if len(sizes) == 1:
        categories = sorted({value for by_member in shared.values() for value in by_member.values()}, key=str)
        counts = [[list(by_member.values()).count(c) for c in categories] for by_member in shared.values()]
        return fleiss_kappa(np.array(counts)), "Fleiss"
    return float("nan"), ""


def _observed_agreement(shared: dict[str, dict]) -> float:
    """Share of reviewer pairs (over all items) that gave the same value."""
    agree = total = 0
    for by_member in shared.values():
        for x, y in combinations(by_member.values(), 2):
            agree += x == y
            total += 1
    return agree / total


def _disagree(field: str, values: list) -> bool:
    if field == "satisfaction":
        return max(values) - min(values) >= SATISFACTION_GAP
    return len(set(values)) > 1


def _show(kind: str, value) -> str:
    if kind == "tag":
        return "yes" if value else "no"
    return str(value)
