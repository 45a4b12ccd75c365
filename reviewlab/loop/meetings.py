"""Meetings log figures: what the log's headline metrics count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd


@dataclass(frozen=True)
class LogStats:
    held: int  # meetings listed that took place (held up to now)
    upcoming: int  # listed but still to come
    counting: int  # held and counting as AI meetings
    discussed_share: float | None  # of those, the share that discussed user behaviour; None when there are none
    cross_functional: int  # held, counting, with a builder and a business member


def log_stats(frame: pd.DataFrame, now: datetime) -> LogStats:
    """A meetings frame's metrics over the meetings that took place: a planned future session counts once held, as
    the culture indicators count it."""
    held = frame[frame["held_at"] <= now] if len(frame) else frame
    counting = held[held["counts"].astype(bool)] if len(held) else held
    return LogStats(
        held=len(held),
        upcoming=len(frame) - len(held),
        counting=len(counting),
        discussed_share=float(counting["discussed_user_behaviour"].mean()) if len(counting) else None,
        cross_functional=int(counting["cross_functional"].astype(bool).sum()) if len(counting) else 0,
    )
