"""Topics: what users ask for, clustered by `reviewlab analyze`. Rename a topic, see its pain points and weekly
trend, and drill down to its conversations. Deep link: `?id=<topic id>` selects a topic."""

import zlib

import pandas as pd
import streamlit as st

from reviewlab.db import session_scope
from reviewlab.insight_charts import build_topic_heatmap, build_topic_trend_chart, heatmap_data
from reviewlab.store import analytics
from reviewlab.ui.loop import db_key, page_link, reader_link, require_member, show_flash, write
from reviewlab.ui.shell import get_engine

EXPLORER = "pages/review/conversations.py"
HEATMAP_TOPICS = 25


@st.cache_data(ttl=60, show_spinner=False)
def load(db: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    with session_scope(get_engine()) as session:
        return (analytics.topics_frame(session=session), analytics.topic_weekly_frame(session=session),
                analytics.topic_pain_points_frame(session=session), analytics.embedding_status(session=session))


@st.cache_data(ttl=60, show_spinner=False)
def load_examples(db: str, topic_id: int) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return analytics.topic_examples(session=session, topic_id=topic_id)


st.title("Topics")
show_flash()
topics, weekly, pain, status = load(db_key())
if status["pending"]:
    st.caption(f"{status['pending']:,} conversations are not analysed yet: run `reviewlab analyze` to include them.")
if topics.empty:
    st.info("No topics yet. Run `reviewlab analyze` after importing conversations: it clusters them by what users "
            "asked for.", icon=":material/info:")
    st.stop()

st.caption(f"{len(topics)} topics over {int(topics['size'].sum()):,} conversations, found by clustering what users "
           "asked for (the number of topics is chosen automatically). Rename a topic to give it your team's name.")

labels = dict(zip(topics["id"], topics["label"], strict=True))
table = topics.rename(columns={"id": "topic"})
st.dataframe(
    table[["topic", "label", "size", "frustrated_share", "thumbs_down", "keywords"]],
    hide_index=True,
    width="stretch",
    height=320,
    column_config={
        "topic": st.column_config.NumberColumn("#", format="%d"),
        "label": st.column_config.TextColumn("Topic", width="medium"),
        "size": st.column_config.NumberColumn("Conversations", format="%d"),
        "frustrated_share": st.column_config.ProgressColumn("Frustrated or thumbs down", min_value=0.0,
                                                            max_value=1.0, format="percent"),
        "thumbs_down": st.column_config.NumberColumn("Thumbs down", format="%d"),
        "keywords": st.column_config.TextColumn("Keywords", width="large"),
    },
)

requested = st.query_params.get("id")
ids = list(labels)
default = ids.index(int(requested)) if requested and requested.isdigit() and int(requested) in labels else 0
# The browser keeps a selectbox's last label: after a rename the picker would still read the old name, so the
# widget is keyed by the names it shows and the picked topic lives in the URL.
names_version = zlib.crc32(repr(sorted(labels.items())).encode())
topic_id = st.selectbox("Topic", ids, index=default, format_func=lambda t: f"#{t} {labels[t]}",
                        key=f"topic_pick_{names_version}")  # fmt: skip
if requested != str(topic_id):
    st.query_params["id"] = str(topic_id)
row = topics.set_index("id").loc[topic_id]

left, right = st.columns([3, 2])
with left:
    st.subheader(labels[topic_id])
    st.write(f"Keywords: {row['keywords'] or '–'}")
    share = "–" if pd.isna(row["frustrated_share"]) else f"{row['frustrated_share']:.0%}"
    st.write(f"{int(row['size']):,} conversations · frustrated or thumbs down: {share}")
    page_link(EXPLORER, "Open these conversations in the explorer", icon=":material/forum:",
              query_params={"topic": str(topic_id)})
    examples = load_examples(db_key(), topic_id)
    if not examples.empty:
        st.caption("Most frustrated conversations of this topic")
        for ex in examples.itertuples():
            reader_link(ex.conversation_id, f"{ex.preview[:90] or '(no user text)'}")
with right, st.form("rename_topic"):
    name_key = f"topic_name_{topic_id}"  # one box per topic: it shows the picked topic's name, not the last one's
    team_name = "" if pd.isna(row["custom_label"]) else row["custom_label"]  # NaN once another topic has a name
    st.text_input("Team name for this topic", value=team_name, key=name_key,
                  placeholder=row["generated_label"], max_chars=120,
                  help="Leave empty to go back to the generated keywords. The name survives re-analysis.")
    if st.form_submit_button("Save name", icon=":material/edit:") and (member := require_member("rename a topic")):
        if write(analytics.rename_topic, "Topic renamed.", topic_id=topic_id, label=st.session_state[name_key],
                 member_id=member):
            st.rerun()

st.subheader("Pain points by topic")
top_ids = topics.sort_values(["size", "id"], ascending=[False, True])["id"].head(HEATMAP_TOPICS).tolist()
data = heatmap_data(pain, top_ids)
if data.empty:
    st.caption("No pain points yet: tag conversations in the reader, or run `reviewlab analyze` for the signals.")
else:
    st.caption(f"The {len(top_ids)} biggest topics. Each cell shows a share (number and colour): of the topic's "
               "reviewed conversations with that pain-point tag, or of all its conversations for a signal. Hover a "
               "cell for the counts.")
    st.altair_chart(build_topic_heatmap(data), width="stretch")

st.subheader("Trends by week")
metric = st.radio("Show", ["conversations", "frustrated_share"], horizontal=True, key="trend_metric",
                  format_func={"conversations": "Conversations", "frustrated_share": "Frustrated share"}.get)
chosen = st.multiselect("Topics", ids, default=list(dict.fromkeys([topic_id, *top_ids[:4]])), key="trend_topics",
                        format_func=lambda t: f"#{t} {labels[t]}")
trend = weekly[weekly["topic_id"].isin(chosen)]
if trend.empty:
    st.caption("Pick topics to compare.")
else:
    st.altair_chart(build_topic_trend_chart(trend, metric=metric), width="stretch")
