"""Altair charts of the culture indicators: `build_*_chart(df)` functions (no Streamlit: the report uses them too).

Each builder takes a long DataFrame shaped by the matching `*_data` helper and types every field. Weeks run across
an ordinal x axis labelled by ISO week (`week:O`, "2026-W36"), one slot per week from the first to the last, so a
point or bar sits exactly on its week's label. Charts size their width to the container and keep the plot height
they are built with (autosize fit-x): axes, titles and legends are added around it, never squeezed into it.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from reviewlab.indicators import INDICATOR_BY_KEY, is_off_target, parse_week, week_label, week_of, week_start

STATUS_COLOURS = {"on target": "#2e7d32", "off target": "#c62828", "no target": "#607d8b"}
AXIS_FORMAT = {"share": ".0%", "count": ",.0f", "days": ".1f", "ratio": ".2f", "score": ".2f"}
UNIT_TITLES = {"days": "Days"}  # y-axis titles where the tick labels alone do not say the unit
SERIES_TITLES = {**UNIT_TITLES, "count": "Count per week"}  # y titles of multi-series charts
HEADROOM = 1.1  # bar charts: the tallest bar reaches about this far below the top of the plot
FOUND_VIA_COLOURS = alt.Scale(domain=["proactive", "reactive"], range=["#1565c0", "#ef6c00"])
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def week_domain(df: pd.DataFrame) -> list[str]:
    """Every ISO week label from the first to the last week in `df` (its `week_start` dates, or else its `week`
    labels), weeks without rows included: the slots of a week axis."""
    if "week_start" in df:
        starts = pd.to_datetime(df["week_start"]).dropna()
    else:
        starts = pd.to_datetime(pd.Series([week_start(parse_week(w)) for w in df["week"].dropna()], dtype=object))
    mondays = pd.date_range(starts.min(), starts.max(), freq="7D") if len(starts) else []
    return [week_label(week_of(monday.date())) for monday in mondays]


def week_x(df: pd.DataFrame) -> alt.X:
    """ISO weeks across: one slot per week from the first to the last in `df` (a week without rows stays a gap);
    labels thinned by halving when they would overlap, so the ones left are evenly spaced."""
    domain = week_domain(df)
    return alt.X("week:O", title=None, scale=alt.Scale(domain=domain) if domain else alt.Undefined,
                 axis=alt.Axis(labelAngle=0, labelOverlap="parity"))


def value_axis(unit: str) -> alt.Axis:
    """The y axis of one unit; counts tick on whole numbers only (no 0, 1, 1, 2, 2)."""
    if unit == "count":
        return alt.Axis(format=",d", tickMinStep=1)
    return alt.Axis(format=AXIS_FORMAT[unit])

# --- Data shaping -----------------------------------------------------------------------------------------


def trend_data(table: pd.DataFrame, key: str, target: tuple[float, bool] | None = None) -> pd.DataFrame:
    """One indicator's weekly series with its target: week_start, week, indicator, unit, value, target, status."""
    spec = INDICATOR_BY_KEY[key]
    out = table[["week_start", "week"]].copy()
    out["indicator"] = spec.label
    out["unit"] = spec.unit
    out["value"] = table[key].astype("float64")
    out["target"] = target[0] if target else math.nan
    if target:
        value, goal = out["value"], target[0]
        off = value < goal if target[1] else value > goal
        out["status"] = off.map({True: "off target", False: "on target"}).where(value.notna(), "no target")
    else:
        out["status"] = "no target"
    return out.reset_index(drop=True)


def series_data(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Several indicators of one unit, long: week_start, week, series (label), value."""
    labels = {k: INDICATOR_BY_KEY[k].label for k in keys}
    long = table[["week_start", "week", *keys]].melt(["week_start", "week"], var_name="series", value_name="value")
    long["series"] = long["series"].map(labels)
    return long


def issues_data(table: pd.DataFrame) -> pd.DataFrame:
    """Issues detected per week by how they were found: week_start, week, found_via, issues."""
    long = table[["week_start", "week", "proactive_issues", "reactive_issues"]].melt(
        ["week_start", "week"], var_name="found_via", value_name="issues"
    )
    long["found_via"] = long["found_via"].str.removesuffix("_issues")
    return long


def kpi_data(weekly_kpis: pd.DataFrame, table: pd.DataFrame, kpi: str,
             against: str = "reviewer_satisfaction") -> pd.DataFrame:
    """One KPI and one satisfaction indicator, long: week_start, week, series, role (kpi | satisfaction), value."""
    one = weekly_kpis.loc[weekly_kpis["kpi"] == kpi].set_index("week_no")["value"]
    frame = table[["week_start", "week"]].assign(kpi=one.reindex(table.index), satisfaction=table[against])
    long = frame.melt(["week_start", "week"], var_name="role", value_name="value").dropna(subset=["value"])
    long["series"] = long["role"].map({"kpi": kpi, "satisfaction": INDICATOR_BY_KEY[against].label})
    return long.reset_index(drop=True)


def status_of(value: float, target: tuple[float, bool] | None) -> str:
    off = is_off_target(value, *target) if target else None
    return "no target" if off is None else ("off target" if off else "on target")


# --- Charts -----------------------------------------------------------------------------------------------


def build_trend_chart(df: pd.DataFrame, *, height: int = 160) -> alt.LayerChart:
    """Line of one indicator per week, points coloured on/off target, the target as a dashed rule."""
    unit = df["unit"].iloc[0] if len(df) else "score"
    title = df["indicator"].iloc[0] if len(df) else ""
    y = alt.Y("value:Q", title=UNIT_TITLES.get(unit), axis=value_axis(unit),
              scale=alt.Scale(domain=[0, 1]) if unit == "share" else alt.Scale(zero=True))
    tooltip = [alt.Tooltip("week:N", title="Week"), alt.Tooltip("value:Q", title=title, format=AXIS_FORMAT[unit]),
               alt.Tooltip("status:N", title="Status")]
    # Data on the layer, not on each part: Altair would otherwise hash each part's DataFrame (slow).
    base = alt.Chart().encode(x=week_x(df))
    line = base.mark_line(color="#455a64").encode(y=y)
    points = base.mark_point(filled=True, size=60).encode(
        y=y,
        color=alt.Color("status:N", title=None, legend=None,
                        scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))),
        tooltip=tooltip,
    )
    rule = alt.Chart().transform_filter("isValid(datum.target)").mark_rule(
        strokeDash=[6, 4], color="#c62828"
    ).encode(y=alt.Y("mean(target):Q"))
    return alt.layer(line, points, rule, data=df).properties(title=title, height=height, autosize=FIT_WIDTH)


def build_series_chart(df: pd.DataFrame, *, unit: str = "count", title: str = "", height: int = 200) -> alt.Chart:
    """Several weekly series of one unit as coloured lines (e.g. active users and conversations)."""
    return alt.Chart(df).mark_line(point=True).encode(
        x=week_x(df),
        y=alt.Y("value:Q", title=SERIES_TITLES.get(unit), axis=value_axis(unit)),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("week:N", title="Week"), alt.Tooltip("series:N", title="Series"),
                 alt.Tooltip("value:Q", title="Value", format=AXIS_FORMAT[unit])],
    ).properties(title=title, height=height, autosize=FIT_WIDTH)


def build_issues_chart(df: pd.DataFrame, *, height: int = 200) -> alt.Chart:
    """Stacked bars of issues detected per week, proactive below reactive; headroom above the tallest stack."""
    tallest = df.groupby("week")["issues"].sum().max() if len(df) else 0
    top = math.ceil(max(float(tallest) if pd.notna(tallest) else 0.0, 1.0) * HEADROOM)  # a whole-number tick
    return alt.Chart(df).mark_bar().encode(
        x=week_x(df),
        y=alt.Y("issues:Q", title="Issues detected", stack="zero", axis=value_axis("count"),
                scale=alt.Scale(domain=[0, top], nice=True)),
        color=alt.Color("found_via:N", title=None, scale=FOUND_VIA_COLOURS, legend=alt.Legend(orient="bottom")),
        order=alt.Order("found_via:N", sort="ascending"),
        tooltip=[alt.Tooltip("week:N", title="Week"), alt.Tooltip("found_via:N", title="Found"),
                 alt.Tooltip("issues:Q", title="Issues")],
    ).properties(title="Issues by how they were found", height=height, autosize=FIT_WIDTH)


def build_cohort_chart(df: pd.DataFrame, *, height: int = 320) -> alt.Chart:
    """Retention heatmap: first-week cohorts down, weeks since the first conversation across."""
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("age:O", title="Weeks since first conversation", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:O", title="Cohort (first week)", sort="ascending"),
        color=alt.Color("retention:Q", title="Retention", scale=alt.Scale(domain=[0, 1], scheme="blues"),
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("cohort:O", title="Cohort"), alt.Tooltip("age:O", title="Week"),
                 alt.Tooltip("users:Q", title="Active users"), alt.Tooltip("cohort_size:Q", title="Cohort size"),
                 alt.Tooltip("retention:Q", title="Retention", format=".0%")],
    ).properties(title="Cohort retention", height=height, autosize=FIT_WIDTH)


def build_kpi_chart(df: pd.DataFrame, *, height: int = 200) -> alt.LayerChart:
    """A business KPI (solid, left axis) beside a satisfaction indicator (dashed, right axis), per week."""
    base = alt.Chart().encode(
        x=week_x(df),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("week:N", title="Week"), alt.Tooltip("series:N", title="Series"),
                 alt.Tooltip("value:Q", title="Value", format=",.2f")],
    )
    kpi = base.transform_filter(alt.datum.role == "kpi").mark_line(point=True).encode(
        y=alt.Y("value:Q", title="KPI", axis=alt.Axis(orient="left"), scale=alt.Scale(zero=False)))
    satisfaction = base.transform_filter(alt.datum.role == "satisfaction").mark_line(
        point=True, strokeDash=[5, 3]).encode(y=alt.Y("value:Q", title="Satisfaction", axis=alt.Axis(orient="right"),
                                                      scale=alt.Scale(zero=False)))
    return alt.layer(kpi, satisfaction, data=df).resolve_scale(y="independent").properties(
        title="Business KPI beside satisfaction", height=height, autosize=FIT_WIDTH)
