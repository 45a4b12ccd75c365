"""User segments: behaviour features per user and named, rule-based segments a product manager can read.

Each user gets features from what they did (volume, recency, tenure, topics) and how it went (frustration,
thumbs, reviewers' judgements), then the first segment rule that matches. Rules are written in plain words with
fixed thresholds, so a segment means the same thing every week and on every workspace; "now" is the newest
conversation in the data, so a re-run on the same data gives the same segments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

FRUSTRATED = 0.5  # frustration at or above this makes a conversation a struggle
LEFT_AFTER_DAYS = 7  # no conversation for this long after a struggle: the user left
NEW_WITHIN_DAYS = 28  # first seen this recently: a newcomer
DORMANT_AFTER_DAYS = 28
STRUGGLING_SHARE = 0.5
FRUSTRATED_REGULAR_SHARE = 0.4
POWER_MIN_CONVERSATIONS = 5
POWER_QUANTILE = 0.8  # power users are also in the top 20 % by volume
ACTIVE_WITHIN_DAYS = 14

CONVERSATION_COLUMNS = ["user_id", "conversation_id", "started_at", "frustration", "feedback", "judged",
                        "ends_on_user", "topic_id"]
FEATURE_COLUMNS = ["user_id", "conversations", "active_weeks", "first_seen", "last_seen", "days_since_last",
                   "tenure_days", "struggled_share", "mean_frustration", "success_share", "thumbs_down",
                   "last_struggled", "last_abandoned", "top_topics"]


@dataclass(frozen=True)
class SegmentRule:
    key: str
    name: str
    rule: str  # the rule in plain words (first sentence of the description)
    matches: Callable[[pd.DataFrame, dict], pd.Series]


def _struggled(conv: pd.DataFrame) -> pd.Series:
    """A conversation went badly: frustrated, thumbs down, or judged intent not fulfilled / task not completed."""
    return (conv["frustration"].fillna(0).ge(FRUSTRATED) | conv["feedback"].fillna(0).lt(0)
            | conv["judged"].eq("failure"))


def user_features(conv: pd.DataFrame, *, now: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per user from one row per conversation (CONVERSATION_COLUMNS).

    `judged` is "success", "failure" or None (reviewers' verdict); `ends_on_user` is True when the user had the
    last word (they left without an answer). `now` defaults to the newest conversation.
    """
    conv = conv.dropna(subset=["user_id", "started_at"]).copy()
    if conv.empty:
        return pd.DataFrame(columns=FEATURE_COLUMNS)
    conv["started_at"] = pd.to_datetime(conv["started_at"], utc=True)
    now = now if now is not None else conv["started_at"].max()
    conv["struggled"] = _struggled(conv)
    conv["succeeded"] = conv["feedback"].fillna(0).gt(0) | conv["judged"].eq("success")
    conv["rated"] = conv["feedback"].notna() | conv["judged"].notna()
    conv["week"] = conv["started_at"].dt.strftime("%G-%V")
    conv = conv.sort_values(["user_id", "started_at", "conversation_id"])
    grouped = conv.groupby("user_id", sort=True)
    last = grouped.tail(1).set_index("user_id")
    features = pd.DataFrame({
        "conversations": grouped.size(),
        "active_weeks": grouped["week"].nunique(),
        "first_seen": grouped["started_at"].min(),
        "last_seen": grouped["started_at"].max(),
        "struggled_share": grouped["struggled"].mean(),
        "mean_frustration": grouped["frustration"].mean(),
        "success_share": grouped.apply(lambda g: g["succeeded"].sum() / g["rated"].sum() if g["rated"].any()
                                       else np.nan, include_groups=False),
        "thumbs_down": grouped["feedback"].apply(lambda s: int((s < 0).sum())),
        "last_struggled": last["struggled"],
        "last_abandoned": last["struggled"] & last["ends_on_user"].fillna(False).astype(bool),
        "top_topics": grouped["topic_id"].apply(_top_topics),
    })
    features["days_since_last"] = (now - features["last_seen"]).dt.total_seconds() / 86400
    features["tenure_days"] = (now - features["first_seen"]).dt.total_seconds() / 86400
    return features.reset_index()[FEATURE_COLUMNS]


def _top_topics(topics: pd.Series, n: int = 3) -> list[int]:
    counts = topics.dropna().astype(int).value_counts()
    return sorted(counts.index, key=lambda t: (-counts[t], t))[:n]


SEGMENTS: tuple[SegmentRule, ...] = (
    SegmentRule(
        "churn_risk", "Churn risk: gave up, then left",
        f"Their last conversation went badly and ended on their own message (they gave up without an answer), "
        f"at least half of their conversations went badly, and they have not been back for {LEFT_AFTER_DAYS}+ days.",
        lambda f, _: f["last_abandoned"] & (f["struggled_share"] >= STRUGGLING_SHARE)
        & (f["days_since_last"] >= LEFT_AFTER_DAYS),
    ),
    SegmentRule(
        "struggling_newcomers", "Struggling newcomers",
        f"First seen in the last {NEW_WITHIN_DAYS} days and at least half of their conversations went badly.",
        lambda f, _: (f["tenure_days"] <= NEW_WITHIN_DAYS) & (f["struggled_share"] >= STRUGGLING_SHARE),
    ),
    SegmentRule(
        "frustrated_regulars", "Frustrated regulars",
        f"Keep coming back (3+ conversations, the last within {DORMANT_AFTER_DAYS} days) although "
        f"{FRUSTRATED_REGULAR_SHARE:.0%}+ of their conversations went badly.",
        lambda f, _: (f["conversations"] >= 3) & (f["struggled_share"] >= FRUSTRATED_REGULAR_SHARE)
        & (f["days_since_last"] <= DORMANT_AFTER_DAYS),
    ),
    SegmentRule(
        "power_users", "Power users",
        f"The most active users (top {1 - POWER_QUANTILE:.0%} by conversations, at least "
        f"{POWER_MIN_CONVERSATIONS}), active in the last {ACTIVE_WITHIN_DAYS} days, mostly getting what they came for.",
        lambda f, ctx: (f["conversations"] >= ctx["power_min"]) & (f["days_since_last"] <= ACTIVE_WITHIN_DAYS),
    ),
    SegmentRule(
        "dormant", "Drifted away",
        f"No conversation for {DORMANT_AFTER_DAYS}+ days.",
        lambda f, _: f["days_since_last"] > DORMANT_AFTER_DAYS,
    ),
    SegmentRule(
        "newcomers", "New users",
        f"First seen in the last {NEW_WITHIN_DAYS} days, and it is going fine so far.",
        lambda f, _: f["tenure_days"] <= NEW_WITHIN_DAYS,
    ),
    SegmentRule(
        "regulars", "Steady users",
        "Everyone else: come back now and then and mostly get what they came for.",
        lambda f, _: pd.Series(True, index=f.index),
    ),
)
SEGMENT_BY_KEY = {s.key: s for s in SEGMENTS}


def assign_segments(features: pd.DataFrame) -> pd.Series:
    """The key of the first matching segment rule for each user (indexed like `features`)."""
    out = pd.Series(None, index=features.index, dtype=object)
    if features.empty:
        return out
    ctx = {"power_min": max(POWER_MIN_CONVERSATIONS, float(features["conversations"].quantile(POWER_QUANTILE)))}
    for segment in SEGMENTS:
        hit = segment.matches(features, ctx).fillna(False).astype(bool) & out.isna()
        out[hit] = segment.key
    return out


def profile(members: pd.DataFrame) -> dict:
    """Mean behaviour of a segment's users (JSON-ready)."""
    if members.empty:
        return {"users": 0}

    def mean(col: str, digits: int = 3) -> float | None:
        value = members[col].mean()
        return None if pd.isna(value) else round(float(value), digits)

    topics = pd.Series([t for ts in members["top_topics"] for t in ts], dtype="Int64").value_counts()
    return {
        "users": len(members),
        "conversations_per_user": mean("conversations", 2),
        "active_weeks": mean("active_weeks", 2),
        "days_since_last": mean("days_since_last", 1),
        "tenure_days": mean("tenure_days", 1),
        "struggled_share": mean("struggled_share"),
        "mean_frustration": mean("mean_frustration"),
        "success_share": mean("success_share"),
        "thumbs_down_per_user": mean("thumbs_down", 2),
        "top_topics": [int(t) for t in sorted(topics.index, key=lambda t: (-topics[t], t))[:3]],
    }


def describe(segment: SegmentRule, prof: dict, topic_labels: dict[int, str]) -> str:
    """The rule, then what its users look like, in words."""
    if not prof.get("users"):
        return segment.rule
    parts = [f"{prof['users']} users", f"{prof['conversations_per_user']:g} conversations each",
             f"{prof['struggled_share']:.0%} of conversations went badly",
             f"last seen {prof['days_since_last']:.0f} days ago on average"]
    topics = [topic_labels[t] for t in prof.get("top_topics", []) if t in topic_labels]
    text = f"{segment.rule} {' · '.join(parts)}."
    return text + (f" Mostly about: {'; '.join(topics)}." if topics else "")
