"""Chart builders, checked through `to_dict()`: marks, typed fields, the data each chart carries."""

from __future__ import annotations

import pandas as pd
import pytest

from reviewlab.charts import (
    build_cohort_chart,
    build_issues_chart,
    build_kpi_chart,
    build_series_chart,
    build_trend_chart,
    issues_data,
    kpi_data,
    series_data,
    trend_data,
    week_domain,
)
from reviewlab.indicators import (
    IndicatorFrames,
    activity_from_pairs,
    cohort_retention,
    parse_week,
    weekly_indicators,
)

W1 = parse_week("2026-W10")


@pytest.fixture
def table() -> pd.DataFrame:
    t = weekly_indicators(IndicatorFrames(), W1, W1 + 3)
    t["proactive_share"] = [0.2, 0.5, 0.8, None]
    t["proactive_issues"] = [1, 1, 4, 0]
    t["reactive_issues"] = [4, 1, 1, 0]
    t["weekly_active_users"] = [10.0, 12.0, 9.0, 0.0]
    t["conversations"] = [30.0, 33.0, 25.0, 0.0]
    t["reviewer_satisfaction"] = [3.0, 3.5, 4.0, None]
    return t


def datasets(spec: dict) -> list[dict]:
    """The inline rows of a chart spec (Altair puts pandas data in top-level `datasets`)."""
    (rows,) = spec["datasets"].values()
    return rows


def encodings(spec: dict):
    """Every encoding channel in a (possibly layered) spec."""
    for layer in spec.get("layer", [spec]):
        yield from layer.get("encoding", {}).items()


def test_every_encoded_field_is_typed(table):
    users = activity_from_pairs(pd.DataFrame({"week": [W1, W1, W1 + 1], "user_id": ["a", "b", "a"]}), W1, W1 + 1)
    weekly_kpis = pd.DataFrame({"week_no": [W1, W1 + 1], "kpi": ["revenue", "revenue"], "value": [1.0, 2.0]})
    charts = [
        build_trend_chart(trend_data(table, "proactive_share", (0.6, True))),
        build_series_chart(series_data(table, ["weekly_active_users", "conversations"])),
        build_issues_chart(issues_data(table)),
        build_cohort_chart(cohort_retention(users)),
        build_kpi_chart(kpi_data(weekly_kpis, table, "revenue")),
    ]
    for chart in charts:
        for channel, encoding in encodings(chart.to_dict()):
            if isinstance(encoding, list):  # tooltips
                assert all("type" in e for e in encoding), channel
            elif "field" in encoding:
                assert encoding["type"] in {"quantitative", "nominal", "ordinal", "temporal"}, channel


def test_trend_chart_marks_off_target_weeks_and_draws_the_target(table):
    spec = build_trend_chart(trend_data(table, "proactive_share", (0.6, True))).to_dict()
    line, points, rule = spec["layer"]
    assert (line["mark"]["type"], points["mark"]["type"], rule["mark"]["type"]) == ("line", "point", "rule")
    assert points["encoding"]["y"]["axis"]["format"] == ".0%"
    assert rule["encoding"]["y"]["field"] == "target"
    assert spec["title"] == "Proactive share"
    rows = datasets(spec)
    assert [r["status"] for r in rows] == ["off target", "off target", "on target", "no target"]
    assert [r["week"] for r in rows] == ["2026-W10", "2026-W11", "2026-W12", "2026-W13"]
    assert {r["target"] for r in rows} == {0.6}


def test_trend_chart_for_lower_is_better_and_without_target(table):
    table["median_days_to_resolve"] = [5.0, 2.0, None, None]
    rows = datasets(build_trend_chart(trend_data(table, "median_days_to_resolve", (3.0, False))).to_dict())
    assert [r["status"] for r in rows[:2]] == ["off target", "on target"]
    plain = build_trend_chart(trend_data(table, "weekly_active_users")).to_dict()
    rows = datasets(plain)
    assert {r["status"] for r in rows} == {"no target"} and all(r["target"] is None for r in rows)
    assert plain["layer"][1]["encoding"]["y"]["axis"] == {"format": ",d", "tickMinStep": 1}


def test_issues_chart_stacks_proactive_and_reactive(table):
    spec = build_issues_chart(issues_data(table)).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"] == {"field": "issues", "type": "quantitative", "stack": "zero",
                                     "title": "Issues detected", "axis": {"format": ",d", "tickMinStep": 1},
                                     "scale": {"domain": [0, 6], "nice": True}}
    assert spec["height"] == 200 and spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["encoding"]["color"]["scale"]["domain"] == ["proactive", "reactive"]
    rows = datasets(spec)
    assert len(rows) == 8
    assert {(r["week"], r["found_via"]): r["issues"] for r in rows}[("2026-W12", "proactive")] == 4


def test_series_chart_has_one_line_per_indicator(table):
    spec = build_series_chart(series_data(table, ["weekly_active_users", "conversations"]), title="Adoption").to_dict()
    assert spec["mark"] == {"type": "line", "point": True}
    assert spec["encoding"]["color"]["field"] == "series"
    rows = datasets(spec)
    assert {r["series"] for r in rows} == {"Weekly active users", "Conversations"}
    assert [r["value"] for r in rows if r["series"] == "Conversations"] == [30.0, 33.0, 25.0, 0.0]


def test_cohort_heatmap(table):
    pairs = pd.DataFrame({"week": [W1, W1, W1 + 1, W1 + 1], "user_id": ["a", "b", "a", "c"]})
    users = activity_from_pairs(pairs, W1, W1 + 1)
    spec = build_cohort_chart(cohort_retention(users)).to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["x"]["field"] == "age" and spec["encoding"]["x"]["type"] == "ordinal"
    assert spec["encoding"]["y"]["field"] == "cohort" and spec["encoding"]["y"]["type"] == "ordinal"
    assert spec["encoding"]["color"]["scale"]["domain"] == [0, 1]
    cells = {(r["cohort"], r["age"]): r["retention"] for r in datasets(spec)}
    assert cells == {("2026-W10", 0): 1.0, ("2026-W10", 1): 0.5, ("2026-W11", 0): 1.0}


def test_kpi_chart_puts_the_kpi_beside_satisfaction_on_two_axes(table):
    weekly_kpis = pd.DataFrame({"week_no": [W1, W1 + 1, W1 + 2], "kpi": ["revenue"] * 3, "value": [5.0, 6.0, 7.0]})
    spec = build_kpi_chart(kpi_data(weekly_kpis, table, "revenue")).to_dict()
    assert spec["resolve"] == {"scale": {"y": "independent"}}
    kpi_layer, satisfaction_layer = spec["layer"]
    assert kpi_layer["transform"] == [{"filter": "(datum.role === 'kpi')"}]
    assert satisfaction_layer["mark"]["strokeDash"] == [5, 3]
    rows = datasets(spec)
    assert [(r["series"], r["value"]) for r in rows] == [
        ("revenue", 5.0), ("revenue", 6.0), ("revenue", 7.0),
        ("Reviewer satisfaction", 3.0), ("Reviewer satisfaction", 3.5), ("Reviewer satisfaction", 4.0),
    ]


WEEKS = ["2026-W10", "2026-W11", "2026-W12", "2026-W13"]


def all_charts(table) -> list:
    weekly_kpis = pd.DataFrame({"week_no": [W1, W1 + 3], "kpi": ["revenue"] * 2, "value": [5.0, 7.0]})
    table = table.assign(reviewer_satisfaction=[3.0, None, None, 4.0])  # W11 and W12 have neither series
    return [
        build_trend_chart(trend_data(table, "proactive_share", (0.6, True))),
        build_series_chart(series_data(table, ["weekly_active_users", "conversations"])),
        build_issues_chart(issues_data(table)),
        build_kpi_chart(kpi_data(weekly_kpis, table, "revenue")),
    ]


def test_week_axes_label_every_iso_week(table):
    """Weeks run across by ISO label, one slot per week (gaps kept): points and bars sit on their week's label."""
    for chart in all_charts(table):
        spec = chart.to_dict()
        x = spec.get("encoding", spec.get("layer", [{}])[0].get("encoding"))["x"]
        assert (x["field"], x["type"]) == ("week", "ordinal")
        assert x["scale"] == {"domain": WEEKS}
        assert x["axis"] == {"labelAngle": 0, "labelOverlap": "parity"}


def test_charts_keep_their_plot_height_at_any_width(table):
    """fit-x: the width follows the container, the plot keeps its height (titles and legends go around it)."""
    for chart in all_charts(table) + [build_cohort_chart(cohort_retention(
            activity_from_pairs(pd.DataFrame({"week": [W1], "user_id": ["a"]}), W1, W1)))]:
        spec = chart.to_dict()
        assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
        assert spec["height"] >= 160


def test_count_axes_tick_on_whole_numbers(table):
    table["cross_functional_meetings"] = [0.0, 1.0, 2.0, 2.0]
    trend = build_trend_chart(trend_data(table, "cross_functional_meetings", (2.0, True))).to_dict()
    series = build_series_chart(series_data(table, ["weekly_active_users", "conversations"])).to_dict()
    for y in (trend["layer"][0]["encoding"]["y"], trend["layer"][1]["encoding"]["y"], series["encoding"]["y"]):
        assert y["axis"] == {"format": ",d", "tickMinStep": 1}
    share = build_trend_chart(trend_data(table, "proactive_share")).to_dict()
    assert share["layer"][0]["encoding"]["y"]["axis"] == {"format": ".0%"}


def test_days_axis_is_titled(table):
    spec = build_series_chart(series_data(table, ["median_days_to_detect", "median_days_to_resolve"]),
                              unit="days").to_dict()
    assert spec["encoding"]["y"]["title"] == "Days"


def test_issues_chart_leaves_headroom_above_the_tallest_stack(table):
    """The tallest week (5 issues) stops below the top of the plot: the domain runs past it to a whole number."""
    scale = build_issues_chart(issues_data(table)).to_dict()["encoding"]["y"]["scale"]
    assert scale["domain"][0] == 0 and scale["domain"][1] > 5 and scale["nice"] is True
    empty = table.assign(proactive_issues=0, reactive_issues=0)
    assert build_issues_chart(issues_data(empty)).to_dict()["encoding"]["y"]["scale"]["domain"] == [0, 2]


def test_count_series_chart_has_a_y_title(table):
    """"Active users and conversations": the y axis says what it counts."""
    spec = build_series_chart(series_data(table, ["weekly_active_users", "conversations"]),
                              title="Active users and conversations").to_dict()
    assert spec["encoding"]["y"]["title"] == "Count per week"


def test_cohort_week_labels_are_horizontal():
    users = activity_from_pairs(pd.DataFrame({"week": [W1, W1 + 1], "user_id": ["a", "a"]}), W1, W1 + 1)
    spec = build_cohort_chart(cohort_retention(users)).to_dict()
    assert spec["encoding"]["x"]["axis"]["labelAngle"] == 0


def test_week_domain_from_labels_or_dates_keeps_empty_weeks(table):
    assert week_domain(table) == WEEKS
    assert week_domain(pd.DataFrame({"week": ["2026-W12", "2026-W10"]})) == ["2026-W10", "2026-W11", "2026-W12"]
    assert week_domain(pd.DataFrame({"week": ["2026-W52", "2027-W01"]})) == ["2026-W52", "2026-W53", "2027-W01"]
    assert week_domain(pd.DataFrame({"week": pd.Series([], dtype=object)})) == []
