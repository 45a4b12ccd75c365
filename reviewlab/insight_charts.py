"""Altair charts of the Insights pages (topics, segments, alerts): builders that take a DataFrame, no Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd

from reviewlab.charts import week_domain, week_x
from reviewlab.indicators import parse_week, week_start

TOPIC_COLOURS = "tableau10"  # distinct hues: topics are categories, not an ordered scale


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


def topic_trend_data(weekly: pd.DataFrame) -> pd.DataFrame:
    """The topics' weekly rows with a row for every topic in every week from the first to the last: an empty week
    counts 0 conversations and has no frustrated share (a gap, not a 0). Adds `topic_name` = "#<id> <label>"."""
    if weekly.empty:
        return weekly.assign(topic_name=pd.Series(dtype=object))
    weeks = week_domain(weekly)
    names = weekly.drop_duplicates("topic_id").set_index("topic_id")["topic"]
    full = pd.MultiIndex.from_product([weeks, sorted(names.index)], names=["week", "topic_id"])
    data = weekly.set_index(["week", "topic_id"]).reindex(full).reset_index()
    data["topic"] = data["topic_id"].map(names)
    data[["conversations", "frustrated"]] = data[["conversations", "frustrated"]].fillna(0).astype(int)
    data["week_start"] = pd.to_datetime([week_start(parse_week(w)) for w in data["week"]])
    data["topic_name"] = [f"#{t} {label}" for t, label in zip(data["topic_id"], data["topic"], strict=True)]
    return data


def build_topic_trend_chart(weekly: pd.DataFrame, *, metric: str = "conversations", height: int = 300) -> alt.Chart:
    """One line per topic over ISO weeks (a slot for every week): conversations (0 in an empty week), or the
    frustrated share (a gap in an empty week). Series "#<id> <label>", in id order, in distinct hues."""
    data = topic_trend_data(weekly)
    titles = {"conversations": "Conversations", "frustrated_share": "Frustrated or thumbs down"}
    y = alt.Y(f"{metric}:Q", title=titles[metric],
              axis=alt.Axis(format=".0%") if metric == "frustrated_share" else alt.Axis(format="d", tickMinStep=1))
    order = list(data.drop_duplicates("topic_id").sort_values("topic_id")["topic_name"])
    return alt.Chart(data).mark_line(point=True).encode(
        x=week_x(data),
        y=y,
        color=alt.Color("topic_name:N", title="Topic", sort=order, scale=alt.Scale(domain=order, scheme=TOPIC_COLOURS),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=320)),
        tooltip=[alt.Tooltip("week:N", title="Week"), alt.Tooltip("topic_name:N", title="Topic"),
                 alt.Tooltip("conversations:Q", title="Conversations"),
                 alt.Tooltip("frustrated_share:Q", title="Frustrated share", format=".0%")],
    ).properties(height=height)


def build_segment_chart(segments: pd.DataFrame, *, height: int = 240) -> alt.Chart:
    """Users per segment, coloured by the share of their conversations that went badly. Segment names on the y
    axis in full; a few whole-number ticks across."""
    return alt.Chart(segments).mark_bar().encode(
        x=alt.X("size:Q", title="Users", axis=alt.Axis(format=",d", tickCount=5, tickMinStep=1)),
        y=alt.Y("name:N", title=None, sort=list(segments["name"]), axis=alt.Axis(labelLimit=400, labelOverlap=False)),
        color=alt.Color("struggled_share:Q", title="Went badly", scale=alt.Scale(scheme="orangered", domain=[0, 1]),
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("name:N", title="Segment"), alt.Tooltip("size:Q", title="Users"),
                 alt.Tooltip("conversations_per_user:Q", title="Conversations per user", format=".1f"),
                 alt.Tooltip("struggled_share:Q", title="Went badly", format=".0%")],
    ).properties(height=height)


def alert_data(weekly: pd.DataFrame) -> pd.DataFrame:
    """An alert's weekly history with a row for every week from the first to the last: an empty week has 0
    conversations and no mean pain (the line breaks there rather than joining its neighbours)."""
    if weekly.empty:
        return weekly
    full = weekly.set_index("week").reindex(week_domain(weekly)).rename_axis("week").reset_index()
    full[["n", "painful"]] = full[["n", "painful"]].fillna(0).astype(int)
    return full


def build_alert_chart(weekly: pd.DataFrame, *, week: str, height: int = 200) -> alt.LayerChart:
    """A scope's weekly mean pain (frustration, or 1 for a thumbs down) with the alert's week marked. ISO weeks
    across, a slot for every week: a week without conversations has no mean, so it is a gap in the line."""
    data = alert_data(weekly)
    x = week_x(data)
    line = alt.Chart(data).mark_line(point=True).encode(
        x=x,
        y=alt.Y("pain:Q", title="Mean pain", scale=alt.Scale(domainMin=0)),
        tooltip=[alt.Tooltip("week:N", title="Week"), alt.Tooltip("n:Q", title="Conversations"),
                 alt.Tooltip("painful:Q", title="Frustrated or thumbs down"),
                 alt.Tooltip("pain:Q", title="Mean pain", format=".2f")],
    )
    mark = alt.Chart(data[data["week"] == week]).mark_point(size=160, color="#d62728", filled=True).encode(
        x=x, y="pain:Q"
    )
    return (line + mark).properties(height=height)
