"""Culture indicators, leading and lagging, per ISO week: pure functions over small DataFrames.

The frames come from `reviewlab.store.indicators.load_indicator_frames`, which aggregates in SQL; everything here
is vectorised pandas (no Python loops over rows), so tests can feed hand-built frames too.

Weeks. Every datetime is timezone-aware UTC, and weeks are ISO weeks **in UTC** (Monday 00:00 UTC to Sunday
23:59:59 UTC): a conversation at 23:59 UTC on a Sunday belongs to that week, one at 00:01 UTC on the Monday to the
next, whatever the team's local time zone. Internally a week is an integer, the number of Mondays since the epoch:
week ``w`` starts on ``EPOCH_MONDAY + (w - 1) weeks``, so ``w = floor((days since 1970-01-01 + 3) / 7)`` (1970-01-01
was a Thursday). `week_label` turns it into ISO notation ("2026-W47"), `parse_week` back.

Definitions (each indicator is one column of `weekly_indicators`):

Leading
- ``meeting_content_share``: AI meetings that discussed user behaviour ÷ all AI meetings held that week. AI meetings
  are meetings with ``counts`` set. A meeting discussed user behaviour when ``discussed_user_behaviour`` is set, or
  when it is a review session in which at least one conversation was reviewed (see the store's ``reviewed`` flag:
  an assignment marked done, or a judgement or live annotation on an assigned conversation made during the session,
  i.e. within `SESSION_WINDOW_HOURS` from ``held_at``). NaN for a week without AI meetings.
- ``evidence_backed_share``: decisions with at least one evidence link ÷ all decisions taken that week.
- ``proactive_share`` = P ÷ (P + R) and ``proactive_ratio`` = P ÷ R, for issues detected that week proactively (P)
  and reactively (R). The ratio is undefined when R = 0 and is NaN then (`format_value` shows "∞" when P > 0).
- ``cross_functional_meetings``: AI meetings whose attendees include both a builder and a business member.

Lagging (conversations are placed in the week they started; conversations without ``started_at`` are left out)
- ``weekly_active_users``: distinct non-empty user ids; conversations without a user id count in ``conversations``
  but not here. ``returning_user_share``: share of those users who had a conversation in an earlier week.
- cohort retention (`cohort_retention`): users by first week; share of each cohort active ``age`` weeks later.
- ``reviewer_satisfaction``: mean judgement satisfaction (1–5); ``intent_fulfilled_rate``: judgements with intent
  fulfilled "yes" ÷ those answered yes, partial or no; ``task_completion_rate``: "yes" ÷ yes or no. Judgements are
  counted in the week of their conversation, one per reviewer.
- ``explicit_feedback_mean`` (−1…1) and ``positive_feedback_share`` (> 0) over conversations with feedback;
  ``frustrated_share``: conversations with frustration ≥ `FRUSTRATION_THRESHOLD` ÷ conversations scored.
- ``median_days_to_detect``: per issue detected that week, from its earliest evidence conversation's start to
  ``detected_at`` (clipped at 0; issues without evidence are left out). ``median_days_to_resolve``: per issue
  resolved that week (status "resolved"), from ``detected_at`` to ``resolved_at``.
- business impact: uploaded KPIs, averaged per week (`kpi_weekly`), and their Pearson correlation with the
  satisfaction indicators over the weeks where both are known (`kpi_correlations`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

EPOCH_MONDAY = date(1970, 1, 5)
SESSION_WINDOW_HOURS = 24
FRUSTRATION_THRESHOLD = 0.5

LEADING, LAGGING = "leading", "lagging"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    group: str  # leading | lagging
    area: str  # culture | adoption | satisfaction | learning
    unit: str  # share | count | ratio | score | days
    higher_is_better: bool
    description: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("meeting_content_share", "Meeting content", LEADING, "culture", "share", True,
              "AI meetings that discussed user behaviour (a review session with ≥ 1 reviewed conversation counts)"),
    Indicator("evidence_backed_share", "Evidence-backed decisions", LEADING, "culture", "share", True,
              "Decisions with at least one evidence link"),
    Indicator("proactive_share", "Proactive share", LEADING, "culture", "share", True,
              "Issues found proactively ÷ all issues detected, P ÷ (P + R)"),
    Indicator("proactive_ratio", "Proactive : reactive", LEADING, "culture", "ratio", True,
              "Issues found proactively ÷ reactively (undefined without reactive issues)"),
    Indicator("cross_functional_meetings", "Cross-functional touchpoints", LEADING, "culture", "count", True,
              "AI meetings attended by both a builder and a business member"),
    Indicator("weekly_active_users", "Weekly active users", LAGGING, "adoption", "count", True,
              "Distinct users with a conversation that week"),
    Indicator("conversations", "Conversations", LAGGING, "adoption", "count", True,
              "Conversations started that week"),
    Indicator("returning_user_share", "Returning users", LAGGING, "adoption", "share", True,
              "Active users who had a conversation in an earlier week"),
    Indicator("reviewer_satisfaction", "Reviewer satisfaction", LAGGING, "satisfaction", "score", True,
              "Mean satisfaction (1–5) reviewers gave that week's conversations"),
    Indicator("intent_fulfilled_rate", "Intent fulfilled", LAGGING, "satisfaction", "share", True,
              "Judgements with the intent fulfilled (yes ÷ yes, partial or no)"),
    Indicator("task_completion_rate", "Task completion", LAGGING, "satisfaction", "share", True,
              "Judgements with the task completed (yes ÷ yes or no)"),
    Indicator("explicit_feedback_mean", "Explicit feedback", LAGGING, "satisfaction", "score", True,
              "Mean user feedback, −1 (thumbs down) to +1 (thumbs up)"),
    Indicator("positive_feedback_share", "Positive feedback", LAGGING, "satisfaction", "share", True,
              "Conversations with positive feedback ÷ those with feedback"),
    Indicator("frustrated_share", "Frustrated conversations", LAGGING, "satisfaction", "share", False,
              "Conversations with a frustration score ≥ 0.5 ÷ those scored"),
    Indicator("median_days_to_detect", "Time to detect", LAGGING, "learning", "days", False,
              "Median days from the first evidence conversation to the issue's detection"),
    Indicator("median_days_to_resolve", "Time to resolve", LAGGING, "learning", "days", False,
              "Median days from detection to resolution, for issues resolved that week"),
)
INDICATOR_BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}
SATISFACTION_KEYS = ("reviewer_satisfaction", "task_completion_rate", "intent_fulfilled_rate",
                     "explicit_feedback_mean")

# --- Weeks --------------------------------------------------------------------------------------------


def week_of(moment: date | datetime) -> int:
    """The week number of a date, or of a tz-aware datetime taken in UTC."""
    if isinstance(moment, datetime):
        if moment.utcoffset() is None:
            raise ValueError("week_of needs a timezone-aware datetime (ReviewLab stores UTC)")
        moment = moment.astimezone(UTC).date()
    return (moment - EPOCH_MONDAY).days // 7 + 1


def weeks_from_days(days: pd.Series) -> pd.Series:
    """Week numbers from epoch days (float days since 1970-01-01 UTC), NaN kept as <NA>."""
    return np.floor((days + 3) / 7).astype("Int64")


def weeks_of(moments: pd.Series) -> pd.Series:
    """Week numbers of a Series of tz-aware timestamps (or dates), computed in UTC."""
    stamps = pd.to_datetime(moments, utc=True)  # naive values (dates) are taken as UTC
    days = (stamps - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(days=1)
    return weeks_from_days(days)


def week_start(week: int) -> date:
    """The Monday that starts `week`."""
    return EPOCH_MONDAY + timedelta(weeks=int(week) - 1)


def week_label(week: int) -> str:
    year, number, _ = week_start(week).isocalendar()
    return f"{year}-W{number:02d}"


def parse_week(label: str) -> int:
    """'2026-W47' (or '2026W47') → week number. Raises ValueError with the expected format."""
    text = label.strip().upper().replace("-W", "W")
    try:
        year, number = text.split("W")
        return week_of(date.fromisocalendar(int(year), int(number), 1))
    except ValueError as exc:
        raise ValueError(f"Not an ISO week: {label!r} (expected e.g. 2026-W47)") from exc


def default_week(first_week: int, last_week: int, today: date) -> int:
    """The week a dashboard opens on: the last complete week (before today's), or the last week with data."""
    return max(first_week, min(last_week, week_of(today) - 1))


def week_bounds(week: int) -> tuple[datetime, datetime]:
    """[start, end) of `week` as tz-aware UTC datetimes."""
    start = datetime.combine(week_start(week), datetime.min.time(), tzinfo=UTC)
    return start, start + timedelta(weeks=1)


def week_index(first_week: int, last_week: int) -> pd.DataFrame:
    """One row per week from first to last (inclusive), indexed by week number, with label and start date."""
    weeks = pd.RangeIndex(first_week, last_week + 1, name="week_no")
    starts = pd.to_datetime(EPOCH_MONDAY) + pd.to_timedelta((weeks - 1) * 7, unit="D")
    labels = [week_label(w) for w in weeks]  # one per week, not per row (faster than pandas' isocalendar)
    return pd.DataFrame({"week": labels, "week_start": starts}, index=weeks)


# --- The frames the store loads -------------------------------------------------------------------------

FRAME_COLUMNS = {
    "conversations": ["week", "conversations", "feedback_n", "feedback_sum", "feedback_positive",
                      "frustration_n", "frustrated"],
    "judgements": ["week", "satisfaction_n", "satisfaction_sum", "fulfilled_n", "fulfilled_yes", "task_n", "task_yes"],
    "meetings": ["week", "kind", "counts", "discussed_user_behaviour", "reviewed", "has_builder", "has_business"],
    "decisions": ["week", "decisions", "with_evidence"],
    "issues": ["found_via", "status", "detected_day", "resolved_day", "first_evidence_day"],
    "kpis": ["kpi", "day", "value"],
}


def empty_frame(name: str) -> pd.DataFrame:
    return pd.DataFrame({column: [] for column in FRAME_COLUMNS[name]})


def empty_activity() -> pd.DataFrame:
    return pd.DataFrame(index=pd.Index([], dtype="int64", name="first_week"))


@dataclass
class IndicatorFrames:
    """What the indicators are computed from (see FRAME_COLUMNS; `week` columns hold week numbers).

    conversations, judgements, decisions: one row per week, counts and sums aggregated in SQL.
    activity: one row per user with an id, indexed by the week of the user's first conversation ever
      ("first_week"), one boolean column per week of the range (was the user active that week?).
    meetings: one row per meeting with booleans. issues: one row per issue with epoch days (float, UTC).
    kpis: one row per KPI value (day is a date).
    """

    conversations: pd.DataFrame = field(default_factory=lambda: empty_frame("conversations"))
    activity: pd.DataFrame = field(default_factory=empty_activity)
    judgements: pd.DataFrame = field(default_factory=lambda: empty_frame("judgements"))
    meetings: pd.DataFrame = field(default_factory=lambda: empty_frame("meetings"))
    decisions: pd.DataFrame = field(default_factory=lambda: empty_frame("decisions"))
    issues: pd.DataFrame = field(default_factory=lambda: empty_frame("issues"))
    kpis: pd.DataFrame = field(default_factory=lambda: empty_frame("kpis"))


def activity_from_pairs(pairs: pd.DataFrame, first_week: int, last_week: int) -> pd.DataFrame:
    """The `activity` frame from (week, user_id) rows (handy for tests; the store builds it in SQL)."""
    first_seen = pairs.groupby("user_id")["week"].min()
    window = pairs[(pairs["week"] >= first_week) & (pairs["week"] <= last_week)]
    matrix = pd.crosstab(window["user_id"], window["week"]).gt(0)
    matrix = matrix.reindex(columns=range(first_week, last_week + 1), fill_value=False)
    matrix.columns = matrix.columns.astype("int64")
    matrix.index = pd.Index(first_seen.loc[matrix.index].to_numpy(dtype="int64"), name="first_week")
    matrix.columns.name = None
    return matrix


# --- Per-week sums over a window of weeks -----------------------------------------------------------------


def _ratio(numerator, denominator) -> np.ndarray:
    """numerator ÷ denominator as float, NaN where the denominator is 0."""
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), np.nan)


def _week_sums(weeks, values: dict[str, object], window: pd.RangeIndex) -> dict[str, np.ndarray]:
    """Sum each value per week of the window (weeks outside it are ignored): one np.bincount per column."""
    position = np.asarray(weeks, dtype="float64") - window.start
    keep = (position >= 0) & (position < len(window))
    index = position[keep].astype("int64")
    return {name: np.bincount(index, weights=np.broadcast_to(np.asarray(v, dtype="float64"), keep.shape)[keep],
                              minlength=len(window))
            for name, v in values.items()}


def _week_medians(weeks: pd.Series, values: pd.Series, window: pd.RangeIndex) -> np.ndarray:
    frame = pd.DataFrame({"week": weeks, "value": values}).dropna()
    return frame.groupby("week")["value"].median().reindex(window).to_numpy(dtype="float64")


# --- Leading indicators ----------------------------------------------------------------------------------


def meeting_indicators(meetings: pd.DataFrame, window: pd.RangeIndex) -> pd.DataFrame:
    """Per week: ai_meetings, behaviour_meetings, meeting_content_share, cross_functional_meetings."""
    ai = meetings[meetings["counts"].astype(bool)]
    behaviour = ai["discussed_user_behaviour"].astype(bool) | (
        (ai["kind"] == "review_session") & ai["reviewed"].astype(bool))
    cross = ai["has_builder"].astype(bool) & ai["has_business"].astype(bool)
    out = pd.DataFrame(_week_sums(ai["week"], {"ai_meetings": 1, "behaviour_meetings": behaviour,
                                               "cross_functional_meetings": cross}, window), index=window)
    out["meeting_content_share"] = _ratio(out["behaviour_meetings"], out["ai_meetings"])
    return out


def decision_indicators(decisions: pd.DataFrame, window: pd.RangeIndex) -> pd.DataFrame:
    """Per week: decisions, evidence_backed (decisions with ≥ 1 evidence link), evidence_backed_share."""
    out = pd.DataFrame(_week_sums(decisions["week"], {"decisions": decisions["decisions"],
                                                      "evidence_backed": decisions["with_evidence"]}, window),
                       index=window)
    out["evidence_backed_share"] = _ratio(out["evidence_backed"], out["decisions"])
    return out


def issue_indicators(issues: pd.DataFrame, window: pd.RangeIndex) -> pd.DataFrame:
    """Per week: proactive/reactive counts, proactive_share, proactive_ratio, median days to detect and to resolve."""
    detected = weeks_from_days(issues["detected_day"].astype("float64"))
    out = pd.DataFrame(_week_sums(detected, {"proactive_issues": issues["found_via"] == "proactive",
                                             "reactive_issues": issues["found_via"] == "reactive"}, window),
                       index=window)
    out["proactive_share"] = _ratio(out["proactive_issues"], out["proactive_issues"] + out["reactive_issues"])
    out["proactive_ratio"] = _ratio(out["proactive_issues"], out["reactive_issues"])
    to_detect = (issues["detected_day"] - issues["first_evidence_day"]).astype("float64").clip(lower=0)
    out["median_days_to_detect"] = _week_medians(detected, to_detect, window)

    resolved = issues[(issues["status"] == "resolved") & issues["resolved_day"].notna()]
    resolved_week = weeks_from_days(resolved["resolved_day"].astype("float64"))
    to_resolve = (resolved["resolved_day"] - resolved["detected_day"]).astype("float64").clip(lower=0)
    out["median_days_to_resolve"] = _week_medians(resolved_week, to_resolve, window)
    out["resolved_issues"] = _week_sums(resolved_week, {"n": 1}, window)["n"]
    return out


# --- Lagging indicators ----------------------------------------------------------------------------------


def adoption_indicators(conversations: pd.DataFrame, activity: pd.DataFrame, window: pd.RangeIndex) -> pd.DataFrame:
    """Per week: conversations, weekly_active_users, returning_users, returning_user_share."""
    out = pd.DataFrame(_week_sums(conversations["week"], {"conversations": conversations["conversations"]}, window),
                       index=window)
    active = activity.reindex(columns=window, fill_value=False).to_numpy(dtype=bool)
    earlier = activity.index.to_numpy()[:, None] < window.to_numpy()[None, :]  # first conversation before the week
    out["weekly_active_users"] = active.sum(axis=0)
    out["returning_users"] = (active & earlier).sum(axis=0)
    out["returning_user_share"] = _ratio(out["returning_users"], out["weekly_active_users"])
    return out


def cohort_retention(activity: pd.DataFrame) -> pd.DataFrame:
    """Long frame, one row per (cohort, age): users active, cohort size and retention (users ÷ cohort size).

    A user's cohort is the week of their first conversation; age 0 is that week (retention 1). Cohorts that start
    inside the activity frame's weeks are shown, with every age up to its last week (0 users where nobody came
    back), so the heatmap is a full triangle.
    """
    columns = ["cohort_no", "cohort", "age", "users", "cohort_size", "retention"]
    weeks = activity.columns.to_numpy(dtype="int64")
    first = activity.index.to_numpy(dtype="int64")
    inside = np.isin(first, weeks)
    if not inside.any():
        return pd.DataFrame({c: [] for c in columns})
    # cohort × week matrix of active users: users sorted by cohort, their rows summed per cohort (numpy, no groupby).
    cohorts, position = np.unique(first[inside], return_inverse=True)
    sizes = np.bincount(position)
    order = np.argsort(position, kind="stable")
    week_order = np.argsort(weeks, kind="stable")
    active = activity.to_numpy(dtype="int64")[inside][order][:, week_order]
    counts = np.add.reduceat(active, np.concatenate([[0], np.cumsum(sizes)[:-1]]), axis=0)
    ages = weeks[week_order][None, :] - cohorts[:, None]
    row, col = np.nonzero(ages >= 0)  # row-major: by cohort, then age
    users = counts[row, col]
    labels = np.array([week_label(w) for w in cohorts], dtype=object)
    return pd.DataFrame({
        "cohort_no": cohorts[row],
        "cohort": pd.Series(labels[row], dtype="str"),
        "age": ages[row, col],
        "users": users,
        "cohort_size": sizes[row],
        "retention": _ratio(users, sizes[row]),
    })[columns]


def satisfaction_indicators(conversations: pd.DataFrame, judgements: pd.DataFrame,
                            window: pd.RangeIndex) -> pd.DataFrame:
    """Per week: reviewer satisfaction, intent fulfilled, task completion, explicit feedback, frustration."""
    conv = _week_sums(conversations["week"], {c: conversations[c] for c in FRAME_COLUMNS["conversations"][2:]},
                      window)
    judged = _week_sums(judgements["week"], {c: judgements[c] for c in FRAME_COLUMNS["judgements"][1:]}, window)
    return pd.DataFrame({
        "reviewer_satisfaction": _ratio(judged["satisfaction_sum"], judged["satisfaction_n"]),
        "intent_fulfilled_rate": _ratio(judged["fulfilled_yes"], judged["fulfilled_n"]),
        "task_completion_rate": _ratio(judged["task_yes"], judged["task_n"]),
        "judgements_scored": judged["satisfaction_n"],
        "explicit_feedback_mean": _ratio(conv["feedback_sum"], conv["feedback_n"]),
        "positive_feedback_share": _ratio(conv["feedback_positive"], conv["feedback_n"]),
        "frustrated_share": _ratio(conv["frustrated"], conv["frustration_n"]),
    }, index=window)


#: The counts behind the shares (the count-unit indicators themselves are indicator columns).
COUNT_COLUMNS = ("ai_meetings", "behaviour_meetings", "decisions", "evidence_backed", "proactive_issues",
                 "reactive_issues", "resolved_issues", "returning_users", "judgements_scored")


def weekly_indicators(frames: IndicatorFrames, first_week: int, last_week: int) -> pd.DataFrame:
    """Every indicator, one row per week from `first_week` to `last_week`, indexed by week number.

    Columns: week (ISO label), week_start, one column per `INDICATORS` key, and the counts behind them
    (`COUNT_COLUMNS`). In an empty week counts are 0 and shares, means and medians NaN.
    """
    window = pd.RangeIndex(first_week, last_week + 1, name="week_no")
    table = pd.concat([
        week_index(first_week, last_week),
        meeting_indicators(frames.meetings, window),
        decision_indicators(frames.decisions, window),
        issue_indicators(frames.issues, window),
        adoption_indicators(frames.conversations, frames.activity, window),
        satisfaction_indicators(frames.conversations, frames.judgements, window),
    ], axis=1)
    keys = [i.key for i in INDICATORS]
    table[keys] = table[keys].astype("float64")
    table[list(COUNT_COLUMNS)] = table[list(COUNT_COLUMNS)].astype("int64")
    return table[["week", "week_start", *keys, *COUNT_COLUMNS]]


def kpi_weekly(kpis: pd.DataFrame) -> pd.DataFrame:
    """Uploaded KPIs averaged per week: week_no, kpi, value, days (values that week)."""
    if kpis.empty:
        return pd.DataFrame({"week_no": [], "kpi": [], "value": [], "days": []})
    frame = kpis.assign(week_no=weeks_of(kpis["day"]).astype("int64"))
    return frame.groupby(["week_no", "kpi"])["value"].agg(value="mean", days="size").reset_index()


def kpi_correlations(weekly_kpis: pd.DataFrame, table: pd.DataFrame,
                     against: tuple[str, ...] = SATISFACTION_KEYS) -> pd.DataFrame:
    """Pearson correlation of each KPI's weekly series with each satisfaction indicator, over shared weeks.

    Columns: kpi, indicator, weeks (pairs used), r (NaN with fewer than 3 shared weeks or a constant series).
    """
    if weekly_kpis.empty:
        return pd.DataFrame({"kpi": [], "indicator": [], "weeks": [], "r": []})
    wide = weekly_kpis.set_index(["week_no", "kpi"])["value"].unstack().reindex(table.index)
    sat = table[list(against)]
    r = pd.concat([wide, sat], axis=1).corr(min_periods=3).loc[wide.columns, list(against)]
    weeks = wide.notna().astype(int).T @ sat.notna().astype(int)
    r.index.name = weeks.index.name = "kpi"
    r.columns.name = weeks.columns.name = "indicator"
    out = pd.DataFrame({"weeks": weeks.stack(), "r": r.astype("float64").stack(future_stack=True)})
    return out.reset_index()[["kpi", "indicator", "weeks", "r"]]


# --- Comparison with the previous week and with targets -------------------------------------------------


def is_off_target(value: float, target: float | None, higher_is_better: bool) -> bool | None:
    """True when `value` misses `target`; None when there is no target or no value."""
    if target is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value < target) if higher_is_better else bool(value > target)


def target_input(key: str, targets: Mapping[str, tuple[float, bool]],
                 latest: float | None = None) -> tuple[float, bool]:
    """What a target form shows for an indicator: its stored target (shares in %) and direction, or, when none is
    stored, its `latest` value (where the team stands now) or else 50% for shares and 0 otherwise, with the
    indicator's own direction."""
    spec = INDICATOR_BY_KEY[key]
    scale = 100 if spec.unit == "share" else 1
    if key in targets:
        target, higher = targets[key]
        return float(target) * scale, bool(higher)
    if latest is not None and math.isfinite(latest):
        return round(latest * scale, 1), spec.higher_is_better
    return (50.0 if spec.unit == "share" else 0.0), spec.higher_is_better


def target_from_input(key: str, shown: float) -> float:
    """A value typed in a target form back in the indicator's unit (shares are typed in %)."""
    return shown / 100 if INDICATOR_BY_KEY[key].unit == "share" else shown


def format_value(key: str, value: float | None, *, proactive: int = 0) -> str:
    """Human display: shares as %, days with one decimal; NaN as "–", an undefined ratio with P > 0 as "∞"."""
    unit = INDICATOR_BY_KEY[key].unit
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "∞" if unit == "ratio" and proactive > 0 else "–"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:.1f} d"
    if unit == "ratio":
        return f"{value:.2f}×"
    return f"{value:.2f}"


def format_change(key: str, change: float | None) -> str:
    """A signed change: shares in percentage points, others in their unit; NaN as "–"."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "–"
    unit = INDICATOR_BY_KEY[key].unit
    if unit == "share":
        return f"{change * 100:+.0f} pp"
    if unit == "count":
        return f"{change:+,.0f}"
    if unit == "days":
        return f"{change:+.1f} d"
    return f"{change:+.2f}"


def compare_weeks(table: pd.DataFrame, week: int, targets: Mapping[str, tuple[float, bool]] | None = None,
                  keys: list[str] | None = None) -> pd.DataFrame:
    """One row per indicator: this week, the previous week, the change, the target and whether it is missed.

    `targets` maps indicator key → (target, higher_is_better). Columns: key, label, group, area, unit, this,
    previous, change, target, higher_is_better, off_target (True / False / None), and display text:
    this_text, previous_text, change_text, target_text.
    """
    targets = targets or {}
    specs = [INDICATOR_BY_KEY[k] for k in keys] if keys else list(INDICATORS)
    row = table.loc[week] if week in table.index else None
    prev = table.loc[week - 1] if (week - 1) in table.index else None
    this_values = [float(row[s.key]) if row is not None else math.nan for s in specs]
    prev_values = [float(prev[s.key]) if prev is not None else math.nan for s in specs]
    out = pd.DataFrame({
        "key": [s.key for s in specs],
        "label": [s.label for s in specs],
        "group": [s.group for s in specs],
        "area": [s.area for s in specs],
        "unit": [s.unit for s in specs],
        "this": this_values,
        "previous": prev_values,
    })
    out["change"] = out["this"] - out["previous"]
    out["target"] = [targets[s.key][0] if s.key in targets else math.nan for s in specs]
    out["higher_is_better"] = [targets[s.key][1] if s.key in targets else s.higher_is_better for s in specs]
    out["off_target"] = [
        is_off_target(v, targets[s.key][0], targets[s.key][1]) if s.key in targets else None
        for s, v in zip(specs, this_values, strict=True)
    ]
    this_p = int(row["proactive_issues"]) if row is not None else 0
    prev_p = int(prev["proactive_issues"]) if prev is not None else 0
    out["this_text"] = [format_value(s.key, v, proactive=this_p) for s, v in zip(specs, this_values, strict=True)]
    out["previous_text"] = [format_value(s.key, v, proactive=prev_p) for s, v in zip(specs, prev_values, strict=True)]
    out["change_text"] = [format_change(s.key, c) for s, c in zip(specs, out["change"], strict=True)]
    out["target_text"] = [format_value(s.key, t) if s.key in targets else "" for s, t in zip(specs, out["target"],
                                                                                                 strict=True)]
    return out


ACTIVITY_COLUMNS = ["conversations", "ai_meetings", "decisions", "proactive_issues", "reactive_issues",
                    "resolved_issues"]


def active_weeks(table: pd.DataFrame) -> pd.Series:
    """Per week: did anything happen (conversations, AI meetings, decisions, issues detected or resolved)?"""
    return table[ACTIVITY_COLUMNS].sum(axis=1) > 0


def week_has_data(table: pd.DataFrame, week: int) -> bool:
    return week in table.index and bool(active_weeks(table).loc[week])
