"""Segments: users grouped by what they do and how it goes for them (computed by `reviewlab analyze`).
Deep link: `?id=<segment id>` selects a segment."""

import pandas as pd
import streamlit as st

from reviewlab.db import session_scope
from reviewlab.insight_charts import build_segment_chart
from reviewlab.store.analytics import topics_frame
from reviewlab.store.segments import segment_users_frame, segments_frame
from reviewlab.ui.loop import db_key, page_link
from reviewlab.ui.shell import get_engine

EXPLORER = "pages/review/conversations.py"


@st.cache_data(ttl=60, show_spinner=False)
def load(db: str) -> tuple[pd.DataFrame, dict[int, str]]:
    with session_scope(get_engine()) as session:
        topics = topics_frame(session=session, include_inactive=True)
        return segments_frame(session=session), dict(zip(topics["id"], topics["label"], strict=True))


@st.cache_data(ttl=60, show_spinner=False)
def load_users(db: str, segment_id: int) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return segment_users_frame(session=session, segment_id=segment_id)


st.title("User segments")
segments, topic_labels = load(db_key())
if segments.empty:
    st.info("No segments yet. Run `reviewlab analyze` after importing conversations with user ids.",
            icon=":material/info:")
    st.stop()

st.caption(f"{int(segments['size'].sum()):,} users in {len(segments)} segments, each user in the first segment "
           "whose rule fits (computed on the last analysis, "
           f"{pd.Timestamp(segments['run_at'].max()):%Y-%m-%d %H:%M} UTC).")
st.altair_chart(build_segment_chart(segments), width="stretch")

names = dict(zip(segments["id"], segments["name"], strict=True))
requested = st.query_params.get("id")
ids = list(names)
default = ids.index(int(requested)) if requested and requested.isdigit() and int(requested) in names else 0
for seg in segments.itertuples():
    with st.container(border=True):
        head = st.columns([4, 1, 1, 1])
        head[0].markdown(f"**{seg.name}**")
        head[1].metric("Users", f"{seg.size:,}")
        per_user = seg.conversations_per_user
        head[2].metric("Conv./user", "–" if pd.isna(per_user) else f"{per_user:.1f}")
        head[3].metric("Went badly", "–" if pd.isna(seg.struggled_share) else f"{seg.struggled_share:.0%}")
        st.write(seg.description)

st.subheader("Who is in a segment")
segment_id = st.selectbox("Segment", ids, index=default, format_func=names.get, key="segment_pick")
page_link(EXPLORER, "Open their conversations in the explorer", icon=":material/forum:",
          query_params={"segment": str(segment_id)})
users = load_users(db_key(), segment_id)
users = users.assign(top_topics=[", ".join(topic_labels.get(t, f"#{t}") for t in ts) for ts in users["top_topics"]])
st.dataframe(
    users[["user_id", "conversations", "active_weeks", "days_since_last", "tenure_days", "struggled_share",
           "success_share", "thumbs_down", "top_topics"]],
    hide_index=True,
    width="stretch",
    column_config={
        "user_id": "User",
        "conversations": st.column_config.NumberColumn("Conversations", format="%d"),
        "active_weeks": st.column_config.NumberColumn("Active weeks", format="%d"),
        "days_since_last": st.column_config.NumberColumn("Days since last", format="%.0f"),
        "tenure_days": st.column_config.NumberColumn("Days since first", format="%.0f"),
        "struggled_share": st.column_config.ProgressColumn("Went badly", min_value=0.0, max_value=1.0,
                                                           format="percent"),
        "success_share": st.column_config.NumberColumn("Success (rated)", format="percent"),
        "thumbs_down": st.column_config.NumberColumn("Thumbs down", format="%d"),
        "top_topics": st.column_config.TextColumn("Main topics", width="large"),
    },
)
