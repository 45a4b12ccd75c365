"""Insights chart builders (topics trend, segments, alerts), checked through `to_dict()`."""

from __future__ import annotations

import pandas as pd

from reviewlab.indicators import parse_week, week_start
from reviewlab.insight_charts import build_alert_chart, build_segment_chart, build_topic_trend_chart


def datasets(spec: dict) -> list[dict]:
    """The inline rows of a (possibly layered) chart spec, first dataset."""
    return next(iter(spec["datasets"].values()))


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def history() -> pd.DataFrame:
    """An alert's history as `alert_history` returns it: no conversations in W37."""
    return pd.DataFrame({"week": ["2026-W35", "2026-W36", "2026-W38", "2026-W39"], "n": [4, 5, 3, 6],
                         "pain": [0.2, 0.4, 0.5, 0.7], "painful": [1, 2, 1, 4]})


def test_alert_chart_has_a_slot_and_a_gap_for_an_empty_week():
    spec = build_alert_chart(history(), week="2026-W39").to_dict()
    weeks = ["2026-W35", "2026-W36", "2026-W37", "2026-W38", "2026-W39"]
    for layer in layers(spec):
        x = layer["encoding"]["x"]
        assert (x["field"], x["type"]) == ("week", "ordinal")
        assert x["scale"] == {"domain": weeks}
        assert x["axis"] == {"labelAngle": 0, "labelOverlap": "parity"}
    rows = {r["week"]: r for r in datasets(spec)}
    assert list(rows) == weeks
    # Mean pain is a rate: an empty week has none, so the line breaks there instead of joining W36 to W38.
    assert rows["2026-W37"]["pain"] is None and rows["2026-W37"]["n"] == 0 and rows["2026-W37"]["painful"] == 0
    assert rows["2026-W38"]["pain"] == 0.5


def topic_weekly() -> pd.DataFrame:
    """`topic_weekly_frame` rows for four topics; #12 has no conversations in W37, nobody has any in W38."""
    rows = []
    for topic_id, label in [(3, "Billing"), (12, "Login problems"), (5, "Export to CSV"), (27, "API keys")]:
        for week in ["2026-W36", "2026-W37", "2026-W39"]:
            if topic_id == 12 and week == "2026-W37":
                continue
            rows.append({"week": week, "week_start": pd.Timestamp(week_start(parse_week(week))), "topic_id": topic_id,
                         "topic": label, "conversations": 4, "frustrated": 1, "frustrated_share": 0.25})
    return pd.DataFrame(rows)


def test_topic_trend_runs_across_iso_weeks():
    spec = build_topic_trend_chart(topic_weekly()).to_dict()
    x = spec["encoding"]["x"]
    assert (x["field"], x["type"]) == ("week", "ordinal")
    assert x["scale"] == {"domain": ["2026-W36", "2026-W37", "2026-W38", "2026-W39"]}
    assert x["axis"]["labelAngle"] == 0


def test_topic_trend_counts_zero_and_leaves_rates_blank_in_empty_weeks():
    rows = {(r["week"], r["topic_id"]): r for r in datasets(build_topic_trend_chart(topic_weekly()).to_dict())}
    assert len(rows) == 4 * 4
    assert rows[("2026-W37", 12)]["conversations"] == 0 and rows[("2026-W37", 12)]["frustrated_share"] is None
    assert rows[("2026-W38", 3)]["conversations"] == 0 and rows[("2026-W38", 3)]["frustrated_share"] is None
    assert rows[("2026-W39", 12)]["conversations"] == 4


def test_topic_trend_series_are_named_with_ids_in_id_order_and_distinct_hues():
    for metric in ("conversations", "frustrated_share"):
        color = build_topic_trend_chart(topic_weekly(), metric=metric).to_dict()["encoding"]["color"]
        names = ["#3 Billing", "#5 Export to CSV", "#12 Login problems", "#27 API keys"]
        assert color["field"] == "topic_name"
        assert color["scale"]["domain"] == names and color["sort"] == names
        assert color["scale"]["scheme"] == "tableau10"


def segments() -> pd.DataFrame:
    return pd.DataFrame({"name": ["Power users", "Churn risk: gave up after repeated failures", "New users"],
                         "size": [12, 97, 40], "struggled_share": [0.1, 0.8, 0.3],
                         "conversations_per_user": [5.0, 2.0, 1.0]})


def test_segment_chart_shows_names_in_full_with_few_ticks():
    spec = build_segment_chart(segments()).to_dict()
    y, x = spec["encoding"]["y"], spec["encoding"]["x"]
    assert y["field"] == "name" and y["axis"]["labelLimit"] >= 300
    assert y["sort"] == list(segments()["name"])
    assert x["axis"]["tickCount"] <= 6 and x["axis"]["format"] == ",d"
