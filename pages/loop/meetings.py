"""Meetings log: record any AI-related meeting, import a calendar (.ics) or CSV, mark which meetings count."""

import hashlib
from datetime import date, time, timedelta

import pandas as pd
import streamlit as st

from reviewlab.db import session_scope
from reviewlab.loop.meetings import log_stats
from reviewlab.loop.meetings_import import CSV_COLUMNS, MeetingFileError, parse_meetings_file
from reviewlab.loop.sessions import session_label
from reviewlab.models import utcnow
from reviewlab.store import loop
from reviewlab.ui.loop import (
    at_utc,
    clear_form,
    db_key,
    flash,
    form_keys,
    member_labels,
    members,
    require_member,
    show_flash,
    table,
    write,
)
from reviewlab.ui.shell import get_engine

KINDS = {None: "All meetings", "review_session": "Review sessions", "other": "Other AI meetings"}
KIND_LABELS = {"review_session": "Review session", "other": "Other"}
STATUS_LABELS = {"planned": "Planned", "running": "Running", "done": "Done"}


@st.cache_data(ttl=30, show_spinner=False)
def load_meetings(db: str, date_from: date | None, date_to: date | None, kind: str | None) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return loop.meetings_frame(session=session, date_from=date_from, date_to=date_to, kind=kind)


def record_form() -> None:
    labels = member_labels(members())
    key = form_keys("meeting_record")
    with st.form("meeting_record", clear_on_submit=False):
        title = st.text_input("Title", key=key("meeting_title"))
        day_col, time_col = st.columns(2)
        day = day_col.date_input("Date", value=date.today(), key=key("meeting_date"))
        clock = time_col.time_input("Time (UTC)", value=time(10, 0), key=key("meeting_time"))
        attendees = st.multiselect("Attendees", list(labels), format_func=labels.get, key=key("meeting_attendees"))
        discussed = st.checkbox(
            "We discussed user behaviour (real conversations, feedback, usage)", key=key("meeting_ub")
        )
        counts = st.checkbox(
            "An AI-related meeting that counts for the indicators", value=True, key=key("meeting_counts")
        )
        if st.form_submit_button("Record the meeting"):
            actor = require_member("record a meeting")
            if actor is not None and write(
                loop.create_meeting,
                "Meeting recorded.",
                title=title,
                held_at=at_utc(day, clock),
                attendee_ids=attendees,
                discussed_user_behaviour=discussed,
                counts=counts,
                actor_id=actor,
            ):
                clear_form("meeting_record")
                st.rerun()


def import_section() -> None:
    st.caption(
        f"A calendar export (.ics) or a CSV with the columns {','.join(CSV_COLUMNS)} (attendees: emails or names "
        "separated by ';', discussed: yes/no). Attendees are matched to team members by email. Importing the same "
        "file again adds nothing. A file with any error imports nothing."
    )
    upload = st.file_uploader("Calendar or CSV file", type=["ics", "csv"], key="meeting_file")
    counts = st.checkbox("Imported meetings count as AI meetings", value=True, key="import_counts")
    if upload is None or not st.button("Import", key="meeting_import"):
        return
    actor = require_member("import meetings")
    if actor is None:
        return
    try:
        records = parse_meetings_file(upload.getvalue(), upload.name)
    except MeetingFileError as exc:
        st.error(f"Nothing imported. {exc}", icon=":material/error:")
        return
    source = "ics" if upload.name.lower().endswith((".ics", ".ical", ".ifb")) else "csv"
    result = write(
        loop.import_meetings,
        "Imported.",
        records=records,
        source=source,
        file_name=upload.name,
        counts=counts,
        actor_id=actor,
    )
    if result:
        message = f"{upload.name}: {result.added} meetings added, {result.skipped} already imported."
        if result.unmatched:
            message += f" Not team members (left out of attendees): {', '.join(result.unmatched)}."
        if result.recurring:
            message += f" {result.recurring} recurring event(s): only the first occurrence was imported."
        flash(message)
        st.rerun()


def log_section() -> None:
    first, last, which = st.columns(3)
    date_from = first.date_input("From", value=utcnow().date() - timedelta(days=90), key="log_from")
    date_to = last.date_input("To", value=None, key="log_to")
    kind = which.selectbox("Kind", list(KINDS), format_func=KINDS.get, key="log_kind")
    frame = load_meetings(db_key(), date_from, date_to, kind)
    if frame.empty:
        st.info("No meeting in this period.")
        return
    stats = log_stats(frame, utcnow())
    counted, discussed, cross = st.columns(3)
    upcoming = f", {stats.upcoming} still to come (not counted)" if stats.upcoming else ""
    counted.metric("Meetings that count", stats.counting, help=f"Held up to now: {stats.held} in the list{upcoming}")
    discussed.metric(
        "Discussed user behaviour",
        "—" if stats.discussed_share is None else f"{stats.discussed_share:.0%}",
        help="Of the meetings that count",
    )
    cross.metric("Cross-functional", stats.cross_functional, help="Meetings that count with builder and business")
    table(
        frame.assign(kind=frame["kind"].map(KIND_LABELS), status=frame["status"].map(STATUS_LABELS)),
        {
            "held_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"),
            "title": "Title",
            "kind": "Kind",
            "status": "Status",
            "attendees": "Attendees",
            "discussed_user_behaviour": st.column_config.CheckboxColumn("User behaviour"),
            "counts": st.column_config.CheckboxColumn("Counts"),
            "source": "Source",
        },
    )
    labels = {int(r.id): session_label(r.held_at, r.title) for r in frame.itertuples()}
    shown = list(labels)
    digest = hashlib.sha1(",".join(map(str, shown)).encode()).hexdigest()[:8]  # a new list resets the picker
    counting = st.multiselect(
        "Meetings that count as AI-related",
        shown,
        default=[int(i) for i in frame.loc[frame["counts"], "id"]],
        format_func=labels.get,
        key=f"counting_{digest}",
    )
    if st.button("Save which meetings count", key="save_counting"):
        actor = require_member("mark which meetings count")
        if actor is not None and write(
            loop.mark_counting, "Saved.", meeting_ids=shown, counting_ids=counting, actor_id=actor
        ):
            st.rerun()


st.title("Meetings log")
st.caption(
    "Every AI-related meeting, so the culture indicators can tell how often the team looks at real user behaviour "
    "and whether builders and business people meet. Review sessions appear here by themselves."
)
show_flash()
record_tab, import_tab = st.columns(2)
with record_tab, st.expander("Record a meeting", icon=":material/edit_calendar:"):
    record_form()
with import_tab, st.expander("Import a calendar or CSV", icon=":material/upload_file:"):
    import_section()
log_section()
