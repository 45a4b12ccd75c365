"""Import: upload conversation logs, see what was imported and what was rejected, and every past batch."""

import streamlit as st

from reviewlab.db import session_scope
from reviewlab.ingest import import_uploads
from reviewlab.ingest.detect import FORMATS
from reviewlab.ingest.report import parse_column_map, rejections_frame, results_frame
from reviewlab.store.imports import batch_report, list_batches
from reviewlab.ui.shell import after_write, current_member_id, get_engine

RESULTS_KEY = "import_results"
FORMAT_LABELS = {"auto": "Detect automatically", "openai": "OpenAI chat JSONL", "sharegpt": "ShareGPT",
                 "csv": "CSV, one row per message", "langfuse": "Langfuse export", "otel": "OpenTelemetry GenAI spans",
                 "hh": "Human:/Assistant: transcripts (HH-RLHF)"}


@st.cache_data(ttl=30, show_spinner=False)
def load_batches(url: str):
    with session_scope(get_engine()) as session:
        return list_batches(session=session)


@st.cache_data(ttl=30, show_spinner=False)
def load_report(url: str, batch_id: int):
    with session_scope(get_engine()) as session:
        return batch_report(session=session, batch_id=batch_id)


st.title("Import logs")
st.caption("Each file is one batch in one transaction: bad records are listed with their line and left out, the "
           "good ones are imported, and a file that fails part-way writes nothing. Importing the same file (or an "
           "overlapping export) again adds nothing twice. Large files: use `reviewlab import PATH…` on the server.")

files = st.file_uploader("Log files", accept_multiple_files=True, key="import_files",
                         help="JSONL, JSON, CSV or .gz; the format is detected from the content.")
left, middle, right = st.columns(3)
fmt = left.selectbox("Format", ["auto", *FORMATS], format_func=FORMAT_LABELS.get, key="import_format")
source = middle.text_input("Source", key="import_source", placeholder="e.g. web-chat (default: the format)",
                           help="The product or channel these logs come from; part of each conversation's id.")
columns = right.text_input("CSV columns", key="import_columns", placeholder="role=speaker, content=text",
                           help="Only for CSV files whose column names differ from ours.")

if st.button("Import", type="primary", disabled=not files, key="import_button"):
    try:
        column_map = parse_column_map(p for p in columns.split(",") if p.strip())
    except ValueError as exc:
        st.error(f"CSV columns: {exc}")
        st.stop()
    bar = st.progress(0.0, text="Importing…")

    def show_progress(index: int, count: int, fraction: float) -> None:
        bar.progress(min(1.0, (index + fraction) / count), text=f"Importing {files[index].name}…")

    results = import_uploads(get_engine(), [(f.name, f) for f in files], format=fmt, source=source.strip() or None,
                             member_id=current_member_id(), progress=show_progress, column_map=column_map)
    bar.progress(1.0, text="Done.")
    st.session_state[RESULTS_KEY] = results
    after_write()

results = st.session_state.get(RESULTS_KEY)
if results:
    st.subheader("This import")
    for result in results:
        if result.error:
            st.error(result.summary())
        elif result.conversations_added == 0 and result.conversations_skipped:
            st.info(f"{result.summary()}: nothing new, every conversation was already imported.")
        elif result.records_rejected or result.undated:
            st.warning(result.summary())
        else:
            st.success(result.summary())
    st.dataframe(results_frame(results), hide_index=True, width="stretch", key="import_results_table")
    rejected = rejections_frame(results)
    if len(rejected):
        st.markdown(f"**Rejected records** ({len(rejected):,} shown; the good ones were imported)")
        st.dataframe(rejected, hide_index=True, width="stretch", key="import_rejections_table")

st.subheader("Past imports")
batches = load_batches(str(get_engine().url))
if batches.empty:
    st.caption("Nothing imported yet.")
else:
    st.dataframe(batches, hide_index=True, width="stretch", key="import_batches_table", column_config={
        "id": st.column_config.NumberColumn("Batch", format="%d"),
        "imported_at": st.column_config.DatetimeColumn("Imported (UTC)", format="YYYY-MM-DD HH:mm"),
        "source": "Source", "format": "Format", "file_name": "File", "status": "Status",
        "conversations_added": "Conversations added", "conversations_skipped": "Already present",
        "messages_added": "Messages added", "records_rejected": "Rejected", "member_id": None,
    })  # fmt: skip
    with_report = batches[batches["records_rejected"] > 0]
    if len(with_report):
        batch_id = st.selectbox("Show the report of batch", with_report["id"].tolist(), key="import_report_batch",
                                format_func=lambda i: f"#{i} {batches.set_index('id').loc[i, 'file_name']}")
        st.dataframe(load_report(str(get_engine().url), batch_id), hide_index=True, width="stretch",
                     key="import_report_table")
