"""Degradation alerts: a scope's (a topic's, a product area's) recent pain compared with its own trailing baseline.

Each conversation gets a pain score in [0, 1]: its frustration, or 1 when the user gave a thumbs down. For every
week W and scope, the recent window is the `WINDOW_WEEKS` weeks ending with W and the baseline is the
`BASELINE_WEEKS` weeks before that window. The z-score of the rise in mean pain is

    z = (mean_window − mean_baseline) / sqrt(v · (1/n_window + 1/n_baseline))

with v the larger of the baseline's variance and the variance of all conversations (so a scope whose past was
unusually calm cannot alarm on one or two bad conversations). Only rises count. An alert marks the onset of a
degradation: the first week of a run of weeks at or above the threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WINDOW_WEEKS = 2  # this week and the one before: enough conversations per topic, still recent
BASELINE_WEEKS = 8
MIN_BASELINE_WEEKS = 3  # weeks with conversations in the baseline
MIN_WINDOW_CONVERSATIONS = 8
# One-sided p ≈ 0.006: at 100 topics, fewer than one false alert a week even before onset-only counting and the
# variance floor, which a weekly triage absorbs; a missed degradation costs more than a dismissed alert.
DEFAULT_Z = 2.5

METRICS = {
    "topic_frustration": "mean pain (frustration, or 1 for a thumbs down) of a topic's conversations",
    "area_frustration": "mean pain (frustration, or 1 for a thumbs down) of a product area's conversations",
}

FINDING_COLUMNS = ["scope", "week_no", "n", "value", "n_baseline", "baseline", "z"]


def pain_scores(frustration: pd.Series, feedback: pd.Series) -> pd.Series:
    """Per conversation: frustration (0 when not scored), or 1 after a thumbs down."""
    pain = frustration.astype(float).fillna(0.0).clip(0, 1)
    return pain.where(~feedback.astype(float).fillna(0).lt(0), 1.0)


def find_degradations(frame: pd.DataFrame, *, z_threshold: float = DEFAULT_Z, window: int = WINDOW_WEEKS,
                      baseline_weeks: int = BASELINE_WEEKS, min_baseline_weeks: int = MIN_BASELINE_WEEKS,
                      min_conversations: int = MIN_WINDOW_CONVERSATIONS) -> pd.DataFrame:
    """Onsets of degradation in `frame` (one row per conversation: scope, week_no, pain).

    Returns FINDING_COLUMNS: the week an episode starts, its window's size and mean pain, the baseline's, and z.
    """
    if frame.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    floor = float(frame["pain"].var(ddof=1)) if len(frame) > 1 else 0.0
    weeks = sorted(int(w) for w in frame["week_no"].unique())
    findings = []
    for scope, group in frame.groupby("scope", sort=True):
        sums = group.groupby("week_no")["pain"].agg(["size", "sum"])
        squares = (group["pain"] ** 2).groupby(group["week_no"]).sum()
        in_episode = False
        for week in range(weeks[0], weeks[-1] + 1):
            result = _z_for_week(sums, squares, week, window, baseline_weeks, min_baseline_weeks, min_conversations,
                                 floor)
            firing = result is not None and result["z"] >= z_threshold
            if firing and not in_episode:
                findings.append({"scope": scope, "week_no": week, **result})
            in_episode = firing
    return pd.DataFrame(findings, columns=FINDING_COLUMNS)


def _z_for_week(sums: pd.DataFrame, squares: pd.Series, week: int, window: int, baseline_weeks: int,
                min_baseline_weeks: int, min_conversations: int, floor: float) -> dict | None:
    recent = sums.loc[(sums.index > week - window) & (sums.index <= week)]
    base_mask = (sums.index > week - window - baseline_weeks) & (sums.index <= week - window)
    base = sums.loc[base_mask]
    n, n_base = int(recent["size"].sum()), int(base["size"].sum())
    if n < min_conversations or (base["size"] > 0).sum() < min_baseline_weeks or n_base < 2:
        return None
    value, baseline = recent["sum"].sum() / n, base["sum"].sum() / n_base
    base_var = (squares.loc[base_mask].sum() - n_base * baseline**2) / (n_base - 1)
    variance = max(float(base_var), floor, 1e-6)
    z = (value - baseline) / np.sqrt(variance * (1 / n + 1 / n_base))
    return {"n": n, "value": round(float(value), 4), "n_baseline": n_base, "baseline": round(float(baseline), 4),
            "z": round(float(z), 2)}
