"""Did the fix work? Compare a rate in the weeks before and after an issue's resolution.

The difference (after − before) gets Newcombe's hybrid score interval (method 10 in Newcombe 1998, built from
the two Wilson intervals): it stays inside [−1, 1] and behaves with small counts and rates near 0, where the
normal approximation does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


def z_for(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError("Confidence must lie between 0 and 1.")
    return NormalDist().inv_cdf((1 + confidence) / 2)


def wilson_interval(hits: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion hits / n."""
    if n <= 0:
        raise ValueError("The Wilson interval needs n ≥ 1.")
    if not 0 <= hits <= n:
        raise ValueError("hits must lie between 0 and n.")
    z = z_for(confidence)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lower = 0.0 if hits == 0 else max(0.0, centre - half)  # exact bounds where rounding would blur them
    upper = 1.0 if hits == n else min(1.0, centre + half)
    return lower, upper


def newcombe_difference(
    before_hits: int, before_n: int, after_hits: int, after_n: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """(after − before, lower, upper) for the difference of two independent proportions."""
    p1, p2 = before_hits / before_n, after_hits / after_n
    l1, u1 = wilson_interval(before_hits, before_n, confidence)
    l2, u2 = wilson_interval(after_hits, after_n, confidence)
    diff = p2 - p1
    lower = diff - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = diff + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return diff, lower, upper


@dataclass(frozen=True)
class RateComparison:
    """A rate before vs after a point in time, with the counts behind it."""

    measure: str  # what the rate is, in words
    weeks: int
    before_hits: int
    before_n: int
    after_hits: int
    after_n: int
    confidence: float = 0.95

    @property
    def enough_data(self) -> bool:
        return self.before_n > 0 and self.after_n > 0

    @property
    def before_rate(self) -> float | None:
        return self.before_hits / self.before_n if self.before_n else None

    @property
    def after_rate(self) -> float | None:
        return self.after_hits / self.after_n if self.after_n else None

    @property
    def difference(self) -> tuple[float, float, float] | None:
        """(after − before, lower, upper), or None without data on both sides."""
        if not self.enough_data:
            return None
        return newcombe_difference(self.before_hits, self.before_n, self.after_hits, self.after_n, self.confidence)

    @property
    def verdict(self) -> str:
        if not self.enough_data:
            side = "before" if self.before_n == 0 else "after"
            return f"Not enough data: no conversations in the {self.weeks} weeks {side} the resolution."
        diff, lower, upper = self.difference
        level = f"{self.confidence:.0%}"
        if upper < 0:
            return f"The rate fell by {-diff:.1%} after the fix (the whole {level} interval is below zero)."
        if lower > 0:
            return f"The rate rose by {diff:.1%} after the fix (the whole {level} interval is above zero)."
        return f"No clear change: the {level} interval of the difference includes zero."
