"""Altair charts of the Insights pages (topics, segments, alerts): builders that take a DataFrame, no Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd


def heatmap_data(pain: pd.DataFrame, topic_ids: list[int]) -> pd.DataFrame:
    """The topic × pain-point frame restricted to these topics, with a short topic name for the axis."""
    data = pain[pain["topic_id"].isin(topic_ids)].copy()
    data["topic_name"] = [f"#{t} {label}" for t, label in zip(data["topic_id"], data["topic"], strict=True)]
    return data


def build_topic_heatmap(data: pd.DataFrame, *, height: int = 420) -> alt.Chart:
    """Topic × pain point: colour and text = share of the topic's conversations with it; the counts on hover."""
    base = alt.Chart(data).encode(
        x=alt.X("pain_point:N", title="Pain point", sort="ascending",
                axis=alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=180)),
        y=alt.Y("topic_name:N", title=None, sort=alt.EncodingSortField("topic_id", order="ascending"),
                axis=alt.Axis(labelLimit=280, labelOverlap=False)),
        tooltip=[alt.Tooltip("topic:N", title="Topic"), alt.Tooltip("pain_point:N", title="Pain point"),
                 alt.Tooltip("rate:Q", title="Share", format=".0%"),
                 alt.Tooltip("conversations:Q", title="Conversations"), alt.Tooltip("base:Q", title="Out of")],
    )
    cells = base.mark_rect().encode(
        color=alt.Color("rate:Q", title="Share", scale=alt.Scale(scheme="orangered", domainMin=0),
                        legend=alt.Legend(format=".0%")),
    )
    text = base.mark_text(fontSize=10).transform_joinaggregate(top="max(rate)").encode(
        text=alt.Text("rate:Q", format=".0%"),
        color=alt.condition("datum.rate > 0.55 * datum.top", alt.value("white"), alt.value("black")),  # on dark cells
    )
    return (cells + text).properties(height=height)


def build_topic_trend_chart(weekly: pd.DataFrame, *, metric: str = "conversations", height: int = 300) -> alt.Chart:
    """One line per topic over ISO weeks: conversations, or the frustrated share."""
    titles = {"conversations": "Conversations", "frustrated_share": "Frustrated or thumbs down"}
    y = alt.Y(f"{metric}:Q", title=titles[metric],
              axis=alt.Axis(format=".0%") if metric == "frustrated_share" else alt.Axis(format="d"))
    return alt.Chart(weekly).mark_line(point=True).encode(
        x=alt.X("week_start:T", title="Week", axis=alt.Axis(format="%d %b")),
        y=y,
        color=alt.Color("topic:N", title="Topic", legend=alt.Legend(orient="bottom", columns=2, labelLimit=320)),
        tooltip=[alt.Tooltip("week:N", title="Week"), alt.Tooltip("topic:N", title="Topic"),
                 alt.Tooltip("conversations:Q", title="Conversations"),
                 alt.Tooltip("frustrated_share:Q", title="Frustrated share", format=".0%")],
    ).properties(height=height)


def build_segment_chart(segments: pd.DataFrame, *, height: int = 240) -> alt.Chart:
    """Users per segment, coloured by the share of their conversations that went badly."""
    return alt.Chart(segments).mark_bar().encode(
        x=alt.X("size:Q", title="Users"),
        y=alt.Y("name:N", title=None, sort=list(segments["name"])),
        color=alt.Color("struggled_share:Q", title="Went badly", scale=alt.Scale(scheme="orangered", domain=[0, 1]),
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("name:N", title="Segment"), alt.Tooltip("size:Q", title="Users"),
                 alt.Tooltip("conversations_per_user:Q", title="Conversations per user", format=".1f"),
                 alt.Tooltip("struggled_share:Q", title="Went badly", format=".0%")],
    ).properties(height=height)


def build_alert_chart(weekly: pd.DataFrame, *, week: str, height: int = 200) -> alt.LayerChart:
    """A scope's weekly mean pain (frustration, or 1 for a thumbs down) with the alert's week marked."""
    line = alt.Chart(weekly).mark_line(point=True).encode(
        x=alt.X("week:N", title="Week", sort="ascending", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("pain:Q", title="Mean pain", scale=alt.Scale(domainMin=0)),
        tooltip=[alt.Tooltip("week:N", title="Week"), alt.Tooltip("n:Q", title="Conversations"),
                 alt.Tooltip("painful:Q", title="Frustrated or thumbs down"),
                 alt.Tooltip("pain:Q", title="Mean pain", format=".2f")],
    )
    mark = alt.Chart(weekly[weekly["week"] == week]).mark_point(size=160, color="#d62728", filled=True).encode(
        x=alt.X("week:N", sort="ascending"), y="pain:Q"
    )
    return (line + mark).properties(height=height)
