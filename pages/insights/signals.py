"""Signals: which conversations frustrated their users, and through which signals; recompute the scores."""

import altair as alt
import pandas as pd
import streamlit as st

from reviewlab.db import session_scope
from reviewlab.signals import SIGNAL_LABELS
from reviewlab.store.conversations import filter_choices
from reviewlab.store.signals import (
    frustrated_conversations,
    frustration_values,
    signal_counts,
    signals_coverage,
    update_signals,
)
from reviewlab.ui.shell import after_write, current_member_id, get_engine

READER = "pages/review/reader.py"
TTL = 60


@st.cache_data(ttl=TTL, show_spinner=False)
def load_overview() -> tuple[dict, pd.DataFrame, pd.DataFrame, dict]:
    with session_scope(get_engine()) as session:
        return (signals_coverage(session=session), signal_counts(session=session),
                frustration_values(session=session), filter_choices(session=session))


@st.cache_data(ttl=TTL, show_spinner=False)
def load_list(min_frustration: float, variants: tuple, areas: tuple, signal: str | None) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return frustrated_conversations(session=session, min_frustration=min_frustration, variants=list(variants),
                                        product_areas=list(areas), signal=signal, limit=100)


def distribution_chart(values: pd.DataFrame) -> alt.Chart:
    x = alt.X("frustration:Q", bin=alt.Bin(step=0.05, extent=[0, 1]), title="Frustration")
    return alt.Chart(values).mark_bar().encode(x=x, y=alt.Y("count():Q", title="Conversations")).properties(height=220)


st.title("Signals")
st.caption("Frustration signals computed from the turns themselves: refusals, off-topic replies, complaints, "
           "rephrased requests, negative tone, abandonment and explicit feedback. Each assistant turn gets a failure "
           "score, each user turn a dissatisfied score, each conversation a frustration score with its reasons.")

coverage, counts, values, choices = load_overview()
head = st.columns([3, 1, 1], vertical_alignment="center")
head[0].metric("Conversations scored", f"{coverage['scored']:,} of {coverage['conversations']:,}")
recompute_all = head[2].checkbox("Rescore all", help="Also rescore conversations that already have scores.")
if head[1].button("Compute signals", icon=":material/refresh:", width="stretch",
                  disabled=coverage["conversations"] == 0):
    bar = st.progress(0.0, text="Scoring conversations…")
    done = update_signals(get_engine(), only_missing=not recompute_all, member_id=current_member_id(),
                          progress=lambda n, total: bar.progress(n / total, text=f"Scored {n:,} of {total:,}"))
    after_write()
    st.session_state["signals_done"] = done
    st.rerun()
if "signals_done" in st.session_state:
    st.success(f"Scored {st.session_state.pop('signals_done'):,} conversations.")

if coverage["scored"] == 0:
    st.info("No conversation has been scored yet. Press Compute signals (or run `reviewlab analyze`).")
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader("Frustration")
    st.altair_chart(distribution_chart(values), width="stretch")
with right:
    st.subheader("Signals seen")
    st.dataframe(counts.drop(columns=["signal"]), hide_index=True, width="stretch",
                 column_config={"label": "Signal", "turns": "Turns", "conversations": "Conversations"})

st.subheader("Most frustrated conversations")
cols = st.columns([1, 1, 1, 1])
min_frustration = cols[0].slider("Minimum frustration", 0.0, 1.0, 0.0, 0.05, key="signals_min")
variants = cols[1].multiselect("Variant", choices["variants"], key="signals_variants")
areas = cols[2].multiselect("Product area", choices["product_areas"], key="signals_areas")
signal = cols[3].selectbox("With signal", list(SIGNAL_LABELS), index=None, format_func=SIGNAL_LABELS.get,
                           key="signals_signal", placeholder="Any")
frame = load_list(min_frustration, tuple(variants), tuple(areas), signal)
if frame.empty:
    st.info("No scored conversation matches these filters.")
else:
    frame = frame.assign(link="conversation?id=" + frame["id"])
    event = st.dataframe(
        frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="signals_table",
        column_order=["link", "frustration", "signals", "started_at", "variant", "product_area", "n_messages"],
        column_config={
            "link": st.column_config.LinkColumn("Conversation", display_text="Open"),
            "frustration": st.column_config.ProgressColumn("Frustration", min_value=0.0, max_value=1.0,
                                                           format="%.2f"),
            "signals": st.column_config.TextColumn("Signals", width="large"),
            "started_at": st.column_config.DatetimeColumn("Started", format="YYYY-MM-DD HH:mm"),
            "variant": "Variant", "product_area": "Area", "n_messages": "Msgs",
        })
    if event.selection.rows:
        st.switch_page(READER, query_params={"id": frame.iloc[event.selection.rows[0]]["id"]})
    st.caption("Select a row (or Open) to read the conversation with its per-turn scores.")
