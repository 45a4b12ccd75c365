"""Review sessions: plan (agenda, attendees, sample), run (walk the sample together), wrap up (summary)."""

from datetime import date, time

import pandas as pd
import streamlit as st

from reviewlab.agreement import agreement_report
from reviewlab.db import session_scope
from reviewlab.loop.decisions import EvidenceLink
from reviewlab.loop.issues import CHANNELS, channel_label
from reviewlab.loop.sessions import (
    STRATA,
    SampleRules,
    attendee_warnings,
    eligible,
    marked_reviewed_message,
    render_agenda,
    seed_for,
    session_label,
    summary_markdown,
)
from reviewlab.models import SEVERITY_CHOICES
from reviewlab.store import loop
from reviewlab.store.annotations import annotations_frame, judgements_frame
from reviewlab.store.conversations import get_transcript
from reviewlab.ui.loop import (
    at_utc,
    clear_form,
    db_key,
    form_keys,
    is_missing,
    member_labels,
    members,
    pick_id,
    progress_table,
    reader_link,
    require_member,
    show_flash,
    show_transcript,
    table,
    write,
)
from reviewlab.ui.shell import current_member_id, get_engine

STEPS = ("Plan", "Run", "Wrap-up")
STATUS_LABELS = {"planned": "Planned", "running": "Running", "done": "Done"}
STRATA_LABELS = {
    None: "No: simple random sample",
    "variant": "Variant",
    "product_area": "Product area",
    "topic": "Topic",
}


@st.cache_data(ttl=30, show_spinner=False)
def load_sessions(db: str) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        rows = [m.model_dump() for m in loop.list_sessions(session=session)]
    return pd.DataFrame(rows, columns=["id", "title", "held_at", "status", "facilitator_id", "agenda", "notes"])


@st.cache_data(ttl=30, show_spinner=False)
def load_candidates(db: str, date_from: date | None, date_to: date | None) -> pd.DataFrame:
    with session_scope(get_engine()) as session:
        return loop.sample_candidates(session=session, date_from=date_from, date_to=date_to)


@st.cache_data(ttl=30, show_spinner=False)
def load_template(db: str) -> str:
    with session_scope(get_engine()) as session:
        return loop.get_agenda_template(session=session)


@st.cache_data(ttl=30, show_spinner=False)
def load_tags(db: str) -> dict[int, str]:
    with session_scope(get_engine()) as session:
        return loop.about_choices(session=session)[0]


@st.cache_data(ttl=15, show_spinner=False)
def load_run(db: str, meeting_id: int):
    with session_scope(get_engine()) as session:
        sample = loop.session_conversation_ids(session=session, meeting_id=meeting_id)
        progress = loop.progress_frame(session=session, meeting_id=meeting_id)
        issues = loop.issues_frame(session=session, meeting_id=meeting_id)
    return sample, progress, issues


@st.cache_data(ttl=15, show_spinner=False)
def load_conversation(db: str, conversation_id: str):
    with session_scope(get_engine()) as session:
        conversation, messages = get_transcript(session=session, conversation_id=conversation_id)
        tags = annotations_frame(session=session, conversation_id=conversation_id)
        judgements = judgements_frame(session=session, conversation_id=conversation_id)
        disagreements = agreement_report(session=session, conversation_ids=[conversation_id])["disagreements"]
    meta = conversation.model_dump(include={"id", "started_at", "variant", "product_area", "frustration", "user_id"})
    return meta, [(m.role, m.content) for m in messages], tags, judgements, disagreements


@st.cache_data(ttl=15, show_spinner=False)
def load_summary(db: str, meeting_id: int):
    with session_scope(get_engine()) as session:
        summary = loop.session_summary(session=session, meeting_id=meeting_id)
        sample = loop.session_conversation_ids(session=session, meeting_id=meeting_id)
        agreement = agreement_report(session=session, conversation_ids=sample)["summary"]
    return summary, agreement


# --- Plan ----------------------------------------------------------------------------------------------------


def seed_follows_date() -> None:
    if st.session_state.get("plan_date"):
        st.session_state["plan_seed"] = seed_for(st.session_state["plan_date"])


def plan_view() -> None:
    team = members()
    if team.empty:
        st.info("Add team members first (Taxonomy & team) so you can invite them.")
        return
    labels = member_labels(team)
    sides = dict(zip(team["id"].astype(int), team["side"], strict=True))
    left, right = st.columns(2)
    with left:
        st.subheader("Meeting")
        title = st.text_input("Title", value="Weekly conversation review", key="plan_title")
        day = st.date_input("Date", value=date.today(), key="plan_date", on_change=seed_follows_date)
        clock = st.time_input("Time (UTC)", value=time(10, 0), key="plan_time")
        attendees = st.multiselect("Attendees", list(labels), format_func=labels.get, key="plan_attendees")
        for warning in attendee_warnings([sides[m] for m in attendees]) if attendees else []:
            st.warning(warning, icon=":material/groups:")
        reviewers = st.multiselect(
            "Reviewers",
            list(labels),
            format_func=labels.get,
            key="plan_reviewers",
            help="Who reviews the sample before the meeting. Empty: every attendee.",
        )
        template = load_template(db_key())
        agenda = st.text_area(
            "Agenda", value=template, height=200, key="plan_agenda", help="{title} and {date} are filled in."
        )
        with st.expander("Team agenda template"):
            new_template = st.text_area("Template", value=template, height=200, key="template_text")
            if st.button("Save as the team's template", key="save_template"):
                actor = require_member("edit the template")
                if actor is not None and write(
                    loop.set_agenda_template, "Agenda template saved.", text=new_template, actor_id=actor
                ):
                    st.session_state.pop("plan_agenda", None)  # show the new template in the agenda box
                    st.rerun()
    with right:
        st.subheader("Sample")
        n = st.number_input("Conversations", min_value=1, max_value=500, value=10, key="plan_n")
        seed = st.number_input(
            "Seed",
            min_value=0,
            value=seed_for(day),
            key="plan_seed",
            help="Same seed, same sample. Set from the date (20261210 on 2026-12-10) each time the date changes.",
        )
        stratify = st.selectbox("Stratify by", list(STRATA_LABELS), format_func=STRATA_LABELS.get, key="plan_stratify")
        unreviewed = st.checkbox("Unreviewed conversations only", value=True, key="plan_unreviewed")
        flagged = st.checkbox("Only conversations flagged by signals", key="plan_flagged")
        threshold = st.slider("Frustration at least", 0.0, 1.0, 0.5, 0.05, key="plan_threshold", disabled=not flagged)
        date_from = st.date_input("Started on or after", value=None, key="plan_from")
        date_to = st.date_input("Started on or before", value=None, key="plan_to")
        overlap = st.number_input(
            "Reviewers per conversation",
            min_value=1,
            max_value=5,
            value=1,
            key="plan_overlap",
            help="More than one lets you measure agreement.",
        )
        try:
            rules = SampleRules(
                n=int(n),
                seed=int(seed),
                unreviewed_only=unreviewed,
                stratify_by=stratify,
                min_frustration=threshold if flagged else None,
                overlap=int(overlap),
                date_from=date_from,
                date_to=date_to,
            )
        except ValueError as exc:
            st.error(str(exc))
            return
        pool = eligible(load_candidates(db_key(), date_from, date_to), rules)
        st.caption(f"{len(pool):,} conversations match these rules; the sample takes {min(len(pool), rules.n)}.")
        if stratify and len(pool):
            column = STRATA[stratify]
            st.caption(
                "Strata: "
                + ", ".join(
                    f"{k}: {v}" for k, v in pool[column].astype("string").fillna("(none)").value_counts().items()
                )
            )
    if st.button("Plan the session", type="primary", key="plan_submit"):
        actor = require_member("plan a session")
        if actor is None:
            return
        when = at_utc(day, clock)
        meeting = write(
            loop.plan_session,
            "Session planned: the sample is assigned. Reviewers find it under My queue.",
            title=title,
            held_at=when,
            rules=rules,
            attendee_ids=attendees,
            reviewer_ids=reviewers or attendees,
            facilitator_id=actor,
            agenda=render_agenda(agenda, title=title, held_at=when),
            actor_id=actor,
        )
        if meeting:
            st.session_state["loop_goto"] = ("Run", meeting.id)
            st.rerun()


# --- Run -----------------------------------------------------------------------------------------------------


def run_view(meeting: pd.Series) -> None:
    meeting_id = int(meeting["id"])
    sample, progress, issues = load_run(db_key(), meeting_id)
    if meeting["status"] == "planned" and st.button("Start the session", key=f"run_start_{meeting_id}"):
        actor = require_member("start the session")
        if actor is not None and write(
            loop.set_session_status, "Session started.", meeting_id=meeting_id, status="running", actor_id=actor
        ):
            st.rerun()
    with st.expander(f"Reviewers' progress ({int(progress['done'].sum())} of {int(progress['assigned'].sum())} done)"):
        progress_table(progress)
    if not sample:
        st.info("This session has no sample.")
        return
    index_key = f"walk_{meeting_id}"
    index = min(st.session_state.get(index_key, 0), len(sample) - 1)
    back, where, forward = st.columns([1, 3, 1])
    if back.button("Previous", key=f"walk_prev_{meeting_id}", disabled=index == 0, width="stretch"):
        st.session_state[index_key] = index - 1
        st.rerun()
    if forward.button("Next", key=f"walk_next_{meeting_id}", disabled=index >= len(sample) - 1, width="stretch"):
        st.session_state[index_key] = index + 1
        st.rerun()
    conversation_id = sample[index]
    where.markdown(f"**Conversation {index + 1} of {len(sample)}** · `{conversation_id}`")
    meta, messages, tags, judgements, disagreements = load_conversation(db_key(), conversation_id)
    text_col, review_col = st.columns([3, 2])
    with text_col:
        facts = [f"started {meta['started_at']:%Y-%m-%d %H:%M} UTC" if meta["started_at"] else None]
        facts += [f"variant {meta['variant']}" if meta["variant"] else None]
        facts += [f"area {meta['product_area']}" if meta["product_area"] else None]
        facts += [f"frustration {meta['frustration']:.2f}" if meta["frustration"] is not None else None]
        st.caption(" · ".join(f for f in facts if f))
        reader_link(conversation_id, "Open in the reader")
        show_transcript(messages)
    with review_col:
        st.markdown("**Tags**")
        if tags.empty:
            st.caption("No tags yet.")
        else:
            where = tags["position"].map(lambda p: "whole conversation" if is_missing(p) else f"message {p + 1}")
            table(tags.assign(where=where), {"member": "Reviewer", "tag": "Tag", "where": "On", "note": "Note"})
        st.markdown("**Judgements**")
        if judgements.empty:
            st.caption("No judgements yet.")
        else:
            table(
                judgements,
                {
                    "member": "Reviewer",
                    "intent": "Intent",
                    "intent_fulfilled": "Intent fulfilled",
                    "satisfaction": "Satisfaction",
                    "task_completed": "Task completed",
                    "note": "Note",
                },
            )
        st.markdown("**Disagreements**")
        if disagreements.empty:
            st.caption("None: the reviewers agree (or fewer than two reviewed it).")
        else:
            table(disagreements, {"field": "Field", "values": "Values"})
        if st.button(
            "Mark reviewed together", key=f"walk_done_{meeting_id}", help="Marks every open assignment of it done."
        ):
            actor = require_member("mark it reviewed")
            if actor is not None and write(
                loop.mark_conversation_reviewed,
                marked_reviewed_message,
                meeting_id=meeting_id,
                conversation_id=conversation_id,
                actor_id=actor,
            ):
                st.rerun()
    issue_col, decision_col = st.columns(2)
    with issue_col, st.expander("Open an issue from this conversation", icon=":material/bug_report:"):
        issue_form(meeting_id, conversation_id)
    with decision_col, st.expander("Record a decision", icon=":material/gavel:"):
        decision_form(meeting_id, conversation_id, issues)


def issue_form(meeting_id: int, conversation_id: str) -> None:
    team = members()
    owners = {None: "Nobody yet"} | member_labels(team, with_function=False)
    tags = {None: "—"} | load_tags(db_key())
    key = form_keys("run_issue")
    with st.form("run_issue", clear_on_submit=False):
        title = st.text_input("Title", key=key("issue_title"))
        description = st.text_area("What goes wrong", key=key("issue_description"))
        channel = st.selectbox("Found via", CHANNELS, format_func=channel_label, key=key("issue_channel"))
        severity = st.selectbox("Severity", SEVERITY_CHOICES, index=1, key=key("issue_severity"))
        tag_id = st.selectbox("About the tag", list(tags), format_func=tags.get, key=key("issue_tag"))
        owner_id = st.selectbox("Owner", list(owners), format_func=owners.get, key=key("issue_owner"))
        if st.form_submit_button("Open the issue"):
            actor = require_member("open an issue")
            if actor is not None and write(
                loop.create_issue,
                "Issue opened.",
                title=title,
                description=description,
                channel=channel,
                severity=severity,
                tag_id=tag_id,
                owner_id=owner_id,
                meeting_id=meeting_id,
                evidence_ids=[conversation_id],
                actor_id=actor,
            ):
                clear_form("run_issue")
                st.rerun()


def decision_form(meeting_id: int, conversation_id: str, issues: pd.DataFrame) -> None:
    team = members()
    owners = {None: "Nobody yet"} | member_labels(team, with_function=False)
    issue_labels = {int(r.id): f"#{r.id} {r.title}" for r in issues.itertuples()}
    key = form_keys("run_decision")
    with st.form("run_decision", clear_on_submit=False):
        title = st.text_input("Decision", key=key("decision_title"))
        rationale = st.text_area("Why", key=key("decision_rationale"))
        owner_id = st.selectbox("Owner", list(owners), format_func=owners.get, key=key("decision_owner"))
        follow_up = st.date_input("Follow up on", value=None, key=key("decision_follow_up"))
        with_conversation = st.checkbox("This conversation is evidence", value=True, key=key("decision_with_conv"))
        linked = st.multiselect(
            "Issues it answers", list(issue_labels), format_func=issue_labels.get, key=key("decision_issues")
        )
        if st.form_submit_button("Record the decision"):
            actor = require_member("record a decision")
            evidence = [EvidenceLink("conversation", conversation_id)] if with_conversation else []
            evidence += [EvidenceLink("issue", str(i)) for i in linked]
            if actor is not None and write(
                loop.create_decision,
                "Decision recorded.",
                title=title,
                rationale=rationale,
                owner_id=owner_id,
                follow_up_on=follow_up,
                meeting_id=meeting_id,
                evidence=evidence,
                actor_id=actor,
            ):
                clear_form("run_decision")
                st.rerun()


# --- Wrap-up -------------------------------------------------------------------------------------------------


def wrap_up_view(meeting: pd.Series) -> None:
    meeting_id = int(meeting["id"])
    summary, agreement = load_summary(db_key(), meeting_id)
    reviewed, tags, issues, decisions = st.columns(4)
    reviewed.metric("Conversations reviewed", f"{summary.n_reviewed} of {summary.n_sampled}")
    tags.metric("Tags found", sum(n for _, n in summary.tags), help=f"{len(summary.tags)} distinct tags")
    issues.metric("Issues opened", len(summary.issues))
    decisions.metric("Decisions taken", len(summary.decisions))
    if not agreement.empty:
        with st.expander("Agreement between reviewers on this sample"):
            table(
                agreement,
                {
                    "field": "Field",
                    "kind": "Kind",
                    "items": st.column_config.NumberColumn("Conversations"),
                    "raters": st.column_config.NumberColumn("Reviewers"),
                    "agreement": st.column_config.NumberColumn("Agreement", format="percent"),
                    "kappa": st.column_config.NumberColumn("Kappa", format="%.2f"),
                    "kappa_method": "Kappa method",
                    "alpha": st.column_config.NumberColumn("Alpha", format="%.2f", help="Krippendorff's alpha"),
                    "level": "Level",
                },
            )
    notes = st.text_area("Notes", value=summary.notes, key=f"wrap_notes_{meeting_id}")
    summary.notes = notes
    markdown = summary_markdown(summary)
    st.code(markdown, language="markdown")
    download, finish = st.columns(2)
    download.download_button(
        "Download the summary (Markdown)",
        markdown,
        file_name=f"review-session-{summary.held_at:%Y-%m-%d}.md",
        mime="text/markdown",
        key="wrap_download",
        on_click="ignore",
    )
    label = "Update the wrap-up" if summary.status == "done" else "Finish the session"
    if finish.button(label, type="primary", key=f"wrap_finish_{meeting_id}"):
        actor = require_member("finish the session")
        if actor is not None and write(
            loop.finish_session,
            "Session done. It counts as a meeting that discussed user behaviour."
            if summary.n_reviewed
            else "Session done. No conversation was reviewed, so it does not count as discussing user behaviour.",
            meeting_id=meeting_id,
            notes=notes,
            actor_id=actor,
        ):
            st.rerun()


# --- Page ----------------------------------------------------------------------------------------------------

st.title("Review sessions")
show_flash()
if "loop_goto" in st.session_state:  # set after planning: open the new session's run view
    st.session_state["session_step"], st.session_state["session_pick"] = st.session_state.pop("loop_goto")
step = st.radio("Step", STEPS, horizontal=True, key="session_step", label_visibility="collapsed")
if step == "Plan":
    if current_member_id() is None:
        st.caption("You will facilitate the sessions you plan: pick who you are in the sidebar.")
    plan_view()
else:
    sessions = load_sessions(db_key())
    if sessions.empty:
        st.info("No review session yet: plan one first.")
        st.stop()
    labels = {int(r.id): session_label(r.held_at, r.title) for r in sessions.itertuples()}
    picked = pick_id("Session", list(labels), labels, key="session_pick", param="meeting")
    meeting = sessions.set_index("id").loc[picked].copy()
    meeting["id"] = picked
    st.caption(f"{STATUS_LABELS.get(meeting['status'], meeting['status'])} · {meeting['held_at']:%Y-%m-%d %H:%M} UTC")
    if step == "Run":
        run_view(meeting)
    else:
        wrap_up_view(meeting)
