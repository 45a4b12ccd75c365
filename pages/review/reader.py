"""Conversation reader: the transcript, its metadata, tags and judgements, and moving through the list.

Reads `?id=<conversation id>` plus the explorer's filters (for previous / next) from the URL.
"""

import pandas as pd
import streamlit as st

from reviewlab.agreement import agreement_tables
from reviewlab.db import session_scope
from reviewlab.models import FULFILLED_CHOICES, TASK_CHOICES
from reviewlab.safetext import plain_text, safe_markdown
from reviewlab.store import annotations as notes
from reviewlab.store.conversations import get_transcript, neighbours, reader_context
from reviewlab.ui.filters import CACHE_TTL_S, ListView, database_key, resolve, view_from_url
from reviewlab.ui.shell import current_member_id, get_engine, write_or_explain
from reviewlab.ui.similar import similar_section
from reviewlab.ui.transcript import feedback_label, render_transcript, when

EXPLORER = "pages/review/conversations.py"
ISSUES = "pages/loop/issues.py"
DECISIONS = "pages/loop/decisions.py"


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def load(db: str, conversation_id: str):
    with session_scope(get_engine()) as session:
        try:
            conversation, messages = get_transcript(session=session, conversation_id=conversation_id)
        except LookupError:
            return None
        return conversation, messages, reader_context(session=session, conversation=conversation)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def load_reviews(db: str, conversation_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    with session_scope(get_engine()) as session:
        return (
            notes.annotations_frame(session=session, conversation_id=conversation_id),
            notes.judgements_frame(session=session, conversation_id=conversation_id),
        )


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def load_taxonomy(db: str) -> tuple[dict[int, str], list[str]]:
    with session_scope(get_engine()) as session:
        tags = {t.id: f"{t.name} ({t.kind.replace('_', ' ')})" for t in notes.list_tags(session=session)}
        return tags, notes.intent_suggestions(session=session, limit=12)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def load_neighbours(db: str, view_key: tuple, conversation_id: str, member_id: int | None) -> dict:
    view = ListView.from_key(view_key)
    with session_scope(get_engine()) as session:
        return neighbours(session=session, filters=resolve(view), conversation_id=conversation_id, sort=view.sort,
                          descending=view.descending, member_id=member_id)  # fmt: skip


def known(value):
    """A cell value, or None when missing (pandas gives NaN for missing text)."""
    return None if value is None or pd.isna(value) else value


def go_to(conversation_id: str) -> None:
    st.query_params["id"] = conversation_id
    st.rerun()


def write(action, **kwargs) -> bool:
    """Run one store write in its own transaction; show a clear error instead of a traceback."""
    return write_or_explain(action, **kwargs)[0]


db = database_key()
view = view_from_url()
list_params = view.to_query_params()
cid = st.query_params.get("id")
member_id = current_member_id()

if not cid:
    st.title("Conversation")
    st.info("Pick a conversation in the explorer to read it here.")
    st.page_link(EXPLORER, label="Go to Conversations", icon=":material/forum:", query_params=list_params)
    st.stop()
loaded = load(db, cid)
if loaded is None:
    st.title("Conversation")
    st.error(f"There is no conversation with id {plain_text(cid, 40)!r}.")
    st.page_link(EXPLORER, label="Back to Conversations", icon=":material/arrow_back:", query_params=list_params)
    st.stop()
conversation, messages, context = loaded
annotations, judgements = load_reviews(db, cid)
tags, intents = load_taxonomy(db)
around = load_neighbours(db, view.key(), cid, member_id)

# --- Navigation -------------------------------------------------------------------------------------------
nav = st.columns([2, 1, 1, 2], vertical_alignment="center")
nav[0].page_link(EXPLORER, label="Back to the list", icon=":material/arrow_back:", query_params=list_params)
if nav[1].button("Previous", icon=":material/chevron_left:", disabled=around["previous"] is None, width="stretch"):
    go_to(around["previous"])
if nav[2].button("Next", icon=":material/chevron_right:", disabled=around["next"] is None, width="stretch"):
    go_to(around["next"])
if nav[3].button("Next unreviewed", icon=":material/skip_next:", disabled=around["next_unreviewed"] is None,
                 width="stretch", help="The next conversation in the list you have not tagged or judged."):  # fmt: skip
    go_to(around["next_unreviewed"])

st.subheader(f"Conversation {safe_markdown(plain_text(conversation.external_id, 60))}")
links = st.columns([3, 2, 2], vertical_alignment="center")
links[0].caption(f"ReviewLab id `{cid}` (what issues and decisions take as evidence)")
links[1].page_link(ISSUES, label="Open an issue with it", icon=":material/bug_report:",
                   query_params={"conversation": cid})  # fmt: skip
links[2].page_link(DECISIONS, label="Record a decision with it", icon=":material/gavel:",
                   query_params={"conversation": cid})  # fmt: skip
left, right = st.columns([3, 2], gap="large")
with left:
    render_transcript(messages, annotations)
    similar_section(cid, member_id)

# --- Metadata ---------------------------------------------------------------------------------------------
with right:
    facts = {
        "User": conversation.user_id,
        "Segment": context["segment"],
        "Variant": conversation.variant,
        "Source": conversation.source,
        "Product area": conversation.product_area,
        "Started": when(conversation.started_at),
        "Messages": f"{conversation.n_messages} ({conversation.n_user_turns} from the user)",
        "Import batch": context["batch"],
        "Topic": context["topic"],
        "Explicit feedback": feedback_label(conversation.explicit_feedback),
        "Frustration": f"{conversation.frustration:.2f}" if conversation.frustration is not None else None,
    }
    st.markdown("  \n".join(f"**{k}:** {safe_markdown(plain_text(str(v), 120))}" for k, v in facts.items() if v))
    for reason in conversation.frustration_explanation or []:
        text = reason.get("reason") or reason.get("signal") or reason if isinstance(reason, dict) else reason
        st.caption(f"· {safe_markdown(plain_text(str(text), 200))}")

    if member_id is None:
        st.warning("Pick who you are in the sidebar (**Who are you?**) to tag and judge.", icon=":material/person:")
    tab_tags, tab_judge, tab_agree = st.tabs(["Tags", "Judgement", "Agreement"])

    # --- Tags ---------------------------------------------------------------------------------------------
    with tab_tags, st.form(f"tag_form_{cid}", clear_on_submit=True, border=False):
        turns = {m.id: f"Turn {m.position} · {m.role}: {plain_text(m.content, 50)}" for m in messages}
        target = st.selectbox("Applies to", [None, *turns], format_func=lambda i: turns.get(i, "Whole conversation"),
                              key=f"tag_target_{cid}")  # fmt: skip
        tag_id = st.selectbox("Tag", list(tags), format_func=tags.get, index=None, key=f"tag_pick_{cid}",
                              placeholder="Pick a tag")  # fmt: skip
        note = st.text_input("Note (optional)", key=f"tag_note_{cid}")
        if st.form_submit_button("Add tag", icon=":material/sell:", disabled=member_id is None):
            if tag_id is None:
                st.error("Pick a tag first.")
            elif write(notes.add_annotation, conversation_id=cid, tag_id=tag_id, member_id=member_id,
                       message_id=target, note=note):  # fmt: skip
                st.rerun()
    with tab_tags:
        if annotations.empty:
            st.caption("No tags yet.")
        for row in annotations.itertuples():
            where = "whole conversation" if known(row.position) is None else f"turn {row.position}"
            line = st.columns([5, 1], vertical_alignment="center")
            note_text = f" — {safe_markdown(plain_text(row.note, 200))}" if row.note else ""
            line[0].markdown(
                f"**{safe_markdown(row.tag)}** · {where} · {safe_markdown(known(row.member) or 'import')} · "
                f"{when(row.created_at)}{note_text}"
            )
            if line[1].button("Remove", key=f"remove_{row.id}", disabled=member_id is None, type="tertiary"):
                if write(notes.remove_annotation, annotation_id=row.id, member_id=member_id):
                    st.rerun()

    # --- Judgement ----------------------------------------------------------------------------------------
    with tab_judge:
        mine = judgements[judgements["member_id"] == member_id] if member_id is not None else judgements.iloc[0:0]
        keys = {f: f"judge_{f}_{cid}_{member_id}" for f in ("intent", "fulfilled", "satisfaction", "task", "note")}
        if keys["intent"] not in st.session_state:
            existing = mine.iloc[0] if not mine.empty else {}
            satisfaction = known(existing.get("satisfaction"))
            st.session_state[keys["intent"]] = known(existing.get("intent")) or ""
            st.session_state[keys["fulfilled"]] = known(existing.get("intent_fulfilled"))
            st.session_state[keys["satisfaction"]] = int(satisfaction) if satisfaction is not None else None
            st.session_state[keys["task"]] = known(existing.get("task_completed"))
            st.session_state[keys["note"]] = known(existing.get("note")) or ""

        st.text_input("Intent: what did the user want?", key=keys["intent"])
        if intents:

            def use_intent() -> None:
                st.session_state[keys["intent"]] = st.session_state[f"intent_pick_{cid}"] or ""

            st.pills("Intents already used", intents, key=f"intent_pick_{cid}", on_change=use_intent)
        st.radio("Intent fulfilled?", FULFILLED_CHOICES, horizontal=True, key=keys["fulfilled"])
        st.radio("User satisfaction (1 = very unhappy, 5 = delighted)", [1, 2, 3, 4, 5], horizontal=True,
                 key=keys["satisfaction"])  # fmt: skip
        st.radio("Task completed?", TASK_CHOICES, horizontal=True, key=keys["task"])
        st.text_area("Note", key=keys["note"], height=80)
        label = "Update my judgement" if not mine.empty else "Save my judgement"
        if st.button(label, key=f"save_judgement_{cid}", icon=":material/gavel:", type="primary",
                     disabled=member_id is None):  # fmt: skip
            if write(
                notes.save_judgement,
                conversation_id=cid,
                member_id=member_id,
                intent=st.session_state[keys["intent"]],
                intent_fulfilled=st.session_state[keys["fulfilled"]],
                satisfaction=st.session_state[keys["satisfaction"]],
                task_completed=st.session_state[keys["task"]],
                note=st.session_state[keys["note"]],
            ):
                st.toast("Judgement saved.", icon=":material/check:")
                st.rerun()
        if not judgements.empty:
            st.caption("Everyone's judgements")
            st.dataframe(
                judgements[["member", "intent", "intent_fulfilled", "satisfaction", "task_completed", "note"]],
                column_config={
                    "member": "Reviewer", "intent": "Intent", "intent_fulfilled": "Intent fulfilled",
                    "satisfaction": st.column_config.NumberColumn("Satisfaction (1–5)", format="%d"),
                    "task_completed": "Task completed", "note": "Note",
                },  # fmt: skip
                hide_index=True,
                width="stretch",
            )

    # --- Agreement ----------------------------------------------------------------------------------------
    with tab_agree:
        tables = agreement_tables(annotations, judgements)
        if tables["summary"].empty:
            st.caption("Agreement shows once two reviewers have tagged or judged this conversation.")
        else:
            st.dataframe(
                tables["summary"][["field", "kind", "raters", "agreement"]],
                column_config={"field": "Field", "kind": "Kind", "raters": "Reviewers",
                               "agreement": st.column_config.NumberColumn("Pairs agreeing", format="percent")},
                hide_index=True,
                width="stretch",
            )
            if tables["disagreements"].empty:
                st.success("Reviewers agree on everything here.")
            else:
                st.caption("To settle together")
                st.dataframe(tables["disagreements"][["field", "values"]], hide_index=True, width="stretch",
                             column_config={"field": "Field", "values": "Who said what"})
