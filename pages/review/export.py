"""Export: annotations and judgements as CSV or JSONL, tagged conversations as an evaluation set."""

from datetime import date

import streamlit as st

from reviewlab import exports
from reviewlab.db import session_scope
from reviewlab.store.annotations import list_tags, review_counts
from reviewlab.ui.filters import CACHE_TTL_S, database_key
from reviewlab.ui.shell import get_engine

engine = get_engine()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def load(db: str):
    with session_scope(engine) as session:
        tags = {t.id: t.name for t in list_tags(session=session, include_archived=True)}
        return review_counts(session=session), tags


def deferred(build):
    """A download made only when clicked (in Streamlit's download thread), in its own read transaction.

    Its buttons use on_click="ignore": a rerun after each click would replace the deferred files, and the next
    button clicked would then ask for a file that is gone."""

    def make() -> bytes:
        with session_scope(engine) as session:
            return build(session)

    return make


counts, tags = load(database_key())
stamp = date.today().isoformat()
st.title("Export")
st.caption("CSV cells that a spreadsheet would run as a formula are prefixed with a quote.")

st.subheader("Annotations")
include_removed = st.toggle("Include removed tags (with who removed them and when)", key="export_removed")
n = counts["annotations"] + (counts["removed"] if include_removed else 0)
st.caption(f"{n:,} annotations")


def annotations(session):
    return exports.annotations_export(session=session, include_deleted=include_removed)


row = st.columns(2)
row[0].download_button("Annotations (CSV)", deferred(lambda s: exports.to_csv(annotations(s))),
                       file_name=f"reviewlab-annotations-{stamp}.csv", mime="text/csv", disabled=n == 0,
                       on_click="ignore", icon=":material/table:")  # fmt: skip
row[1].download_button("Annotations (JSONL)", deferred(lambda s: exports.to_jsonl(annotations(s))),
                       file_name=f"reviewlab-annotations-{stamp}.jsonl", mime="application/jsonl", disabled=n == 0,
                       on_click="ignore", icon=":material/data_object:")  # fmt: skip

st.subheader("Judgements")
st.caption(f"{counts['judgements']:,} judgements")
row = st.columns(2)
row[0].download_button("Judgements (CSV)",
                       deferred(lambda s: exports.to_csv(exports.judgements_export(session=s))),
                       file_name=f"reviewlab-judgements-{stamp}.csv", mime="text/csv",
                       disabled=counts["judgements"] == 0, on_click="ignore", icon=":material/table:")  # fmt: skip
row[1].download_button("Judgements (JSONL)",
                       deferred(lambda s: exports.to_jsonl(exports.judgements_export(session=s))),
                       file_name=f"reviewlab-judgements-{stamp}.jsonl", mime="application/jsonl",
                       disabled=counts["judgements"] == 0, on_click="ignore",
                       icon=":material/data_object:")  # fmt: skip

st.subheader("Evaluation set")
st.caption(
    "Tagged conversations as OpenAI-messages JSONL, one per line, with their tags (whole conversation and per turn) "
    "and judgements under `labels`: ready for prompt and regression tests."
)
only = st.multiselect("Only conversations tagged with", list(tags), format_func=tags.get, key="export_tags",
                      placeholder="Any tag")  # fmt: skip
st.caption(f"{counts['tagged_conversations']:,} tagged conversations in all")
st.download_button("Evaluation set (JSONL)",
                   deferred(lambda s: exports.evaluation_jsonl(session=s, tag_ids=only or None)),
                   file_name=f"reviewlab-evalset-{stamp}.jsonl", mime="application/jsonl",
                   disabled=counts["tagged_conversations"] == 0, on_click="ignore", icon=":material/science:",
                   type="primary")  # fmt: skip
