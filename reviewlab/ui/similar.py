"""The reader's "Similar conversations" section: nearest conversations by meaning with their tags, tags their
tagged neighbours suggest, and "apply to similar" (look first, pick which ones, then tag them in one go)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from reviewlab.db import session_scope
from reviewlab.safetext import plain_text, safe_markdown
from reviewlab.store import analytics
from reviewlab.store.annotations import add_annotation, list_tags
from reviewlab.ui.filters import CACHE_TTL_S, database_key
from reviewlab.ui.shell import get_engine, write_or_explain

READER = "pages/review/reader.py"
SIZES = (5, 10, 20)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def load_similar(db: str, conversation_id: str, k: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, str]]:
    with session_scope(get_engine()) as session:
        similar = analytics.similar_conversations(session=session, conversation_id=conversation_id, k=k)
        suggestions = analytics.suggest_tags(session=session, conversation_id=conversation_id)
        tags = {t.id: t.name for t in list_tags(session=session)}
    return similar, suggestions, tags


def _write(action, message: str | Callable[[object], str], **kwargs) -> bool:
    """Write, then toast `message` (or `message(result)`); a refused write shows why and returns False."""
    ok, result = write_or_explain(action, **kwargs)
    if not ok:
        return False
    st.toast(message(result) if callable(message) else message, icon=":material/check:")
    return True


def bulk_tag_message(added: int, picked: int) -> str:
    already = picked - added
    done = f"Tagged {added} conversation{'' if added == 1 else 's'}."
    return done + (f" {already} already had the tag." if already else "")


def _reader_link(conversation_id: str, label: str) -> None:
    try:
        st.page_link(READER, label=label, icon=":material/chat:", query_params={"id": conversation_id})
    except StreamlitPageNotFoundError:  # the reader is not registered (e.g. a trimmed app)
        st.caption(label)


def similar_section(conversation_id: str, member_id: int | None) -> None:
    """Draw the section for one conversation; writes need `member_id` (the acting reviewer)."""
    st.subheader("Similar conversations")
    k = st.selectbox("How many", SIZES, key=f"similar_k_{conversation_id}", label_visibility="collapsed",
                     format_func=lambda n: f"{n} most similar")
    similar, suggestions, tags = load_similar(database_key(), conversation_id, k)
    if similar.empty:
        st.caption("Not analysed yet: `reviewlab analyze` computes what each conversation is about.")
        return
    for rank, row in enumerate(similar.itertuples(), start=1):
        line = st.columns([1, 6, 3], vertical_alignment="center")
        line[0].markdown(f"{rank}. {row.similarity:.0%}")
        with line[1]:
            _reader_link(row.conversation_id, plain_text(row.preview, 110) or row.conversation_id[:12])
        line[2].caption(safe_markdown(row.tags) if row.tags else "no tags")

    if not suggestions.empty:
        st.markdown("**Suggested tags** (from the nearest tagged conversations)")
        st.caption("How many of the nearest tagged conversations carry each tag, and their share of those "
                   "conversations' total similarity to this one. A conversation can carry several tags, so the "
                   "shares do not add up to 100%.")
        for s in suggestions.itertuples():
            line = st.columns([5, 1], vertical_alignment="center")
            line[0].markdown(f"{safe_markdown(s.tag)} · on {s.votes} of the {s.neighbours} nearest tagged "
                             f"conversations: {s.score:.0%} of their similarity weight")
            if line[1].button("Add", key=f"suggest_{conversation_id}_{s.tag_id}", disabled=member_id is None,
                              type="tertiary"):
                if _write(add_annotation, f"Tagged {s.tag}.", conversation_id=conversation_id, tag_id=int(s.tag_id),
                          member_id=member_id, note="suggested by similar conversations"):
                    st.rerun()

    with st.expander("Apply a tag to similar conversations"):
        preferred = [int(t) for t in suggestions["tag_id"]] if not suggestions.empty else []
        options = list(dict.fromkeys([t for t in preferred if t in tags] + list(tags)))
        st.selectbox("Tag", options, format_func=tags.get, key=f"bulk_tag_{conversation_id}")
        # Numbered as in the list above: the labels stay distinct even when two previews read the same.
        previews = {r.conversation_id: f"{rank}. {r.similarity:.0%} · {plain_text(r.preview, 70)}"
                    for rank, r in enumerate(similar.itertuples(), start=1)}
        st.multiselect("Conversations to tag (read them first)", list(previews), format_func=previews.get,
                       key=f"bulk_ids_{conversation_id}")
        chosen = st.session_state[f"bulk_ids_{conversation_id}"]
        if st.button(f"Apply to {len(chosen)} selected", key=f"bulk_apply_{conversation_id}",
                     disabled=member_id is None or not chosen, icon=":material/sell:"):
            tag_id = st.session_state[f"bulk_tag_{conversation_id}"]
            if _write(analytics.apply_tag_to_similar, lambda added: bulk_tag_message(added, len(chosen)),
                      tag_id=tag_id, conversation_ids=chosen, member_id=member_id,
                      source_conversation_id=conversation_id):  # fmt: skip
                st.session_state.pop(f"bulk_ids_{conversation_id}", None)
                st.rerun()
