"""The explorer's view (filters, sort, page) mirrored in the URL, its filter widgets, and cached list reads.

The URL is the source of truth when it changes from outside (a shared link, "back to the list"); otherwise the
widgets are, and every change is written back to the URL so the address bar always holds a shareable view.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
import streamlit as st

from reviewlab.config import get_settings
from reviewlab.db import session_scope
from reviewlab.store import conversations as store
from reviewlab.store.annotations import tags_frame
from reviewlab.store.conversations import ConversationFilter
from reviewlab.ui.shell import get_engine

CACHE_TTL_S = 60
PAGE_SIZE = 50
PREFIX = "xf_"  # session-state keys of the explorer's widgets
SORT_LABELS = {
    "started_at": "Start time",
    "frustration": "Frustration",
    "n_messages": "Messages",
    "n_user_turns": "User turns",
    "explicit_feedback": "Explicit feedback",
    store.SIMILARITY: "Similarity",
}
REVIEWED_LABELS = {"any": "Reviewed or not", "yes": "Reviewed", "no": "Not reviewed yet"}
FEEDBACK_LABELS = {"": "Any or none", "positive": "Positive", "negative": "Negative", "any": "Has feedback"}


@dataclass
class ListView:
    """What the explorer shows: filters, sort and page. Travels in the URL between explorer and reader."""

    filters: ConversationFilter = field(default_factory=ConversationFilter)
    sort: str = "started_at"
    descending: bool = True
    page: int = 0
    semantic: bool = False  # the search box runs a semantic (embedding) search instead of full text

    def to_query_params(self) -> dict[str, str | list[str]]:
        params = self.filters.to_query_params()
        if self.sort != "started_at":
            params["sort"] = self.sort
        if not self.descending:
            params["order"] = "asc"
        if self.page:
            params["page"] = str(self.page + 1)
        if self.semantic:
            params["mode"] = "semantic"
        return params

    @classmethod
    def from_query_params(cls, params: dict[str, list[str]]) -> ListView:
        def last(key: str) -> str:
            values = params.get(key) or [""]
            return values[-1] if isinstance(values, list) else values

        page = last("page")
        return cls(
            filters=ConversationFilter.from_query_params(params),
            sort=last("sort") if last("sort") in SORT_LABELS else "started_at",
            descending=last("order") != "asc",
            page=int(page) - 1 if page.isdigit() and int(page) > 0 else 0,
            semantic=last("mode") == "semantic",
        )

    def key(self) -> tuple:
        """Hashable (for cache keys); `from_key` turns it back into the view."""
        return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in self.to_query_params().items()))

    @classmethod
    def from_key(cls, key: tuple) -> ListView:
        return cls.from_query_params({k: list(v) if isinstance(v, tuple) else [v] for k, v in key})


def url_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def view_from_url() -> ListView:
    return ListView.from_query_params(url_params())


def write_url(params: dict[str, str | list[str]]) -> None:
    """Replace the URL's query parameters (only when they differ, so no needless reruns)."""
    if _normalised(params) != _normalised(url_params()):
        st.query_params.from_dict(params)


def _normalised(params: dict) -> dict[str, list[str]]:
    return {k: sorted(v) if isinstance(v, list) else [v] for k, v in params.items()}


# --- Cached reads ---------------------------------------------------------------------------------------------


def database_key() -> str:
    """Part of every cache key, so two databases (e.g. in tests) never share cached reads.

    Pass it as a parameter without a leading underscore: st.cache_data leaves `_name` parameters out of the key.
    """
    return get_settings().database_url


def resolve(view: ListView) -> ConversationFilter:
    """The view's filters, with a semantic search turned into the ids it found."""
    filters = view.filters
    if not (view.semantic and filters.text):
        return filters
    ids = _semantic_ids(database_key(), filters.text)
    return filters if ids is None else replace(filters, text=None, ids=ids)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _semantic_ids(db: str, text: str) -> list[str] | None:
    try:
        from reviewlab.store.analytics import semantic_search_ids
    except ImportError:
        return None
    with session_scope(get_engine()) as session:
        return semantic_search_ids(session=session, query=text)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _rows(db: str, view_key: tuple, page_size: int) -> pd.DataFrame:
    view = ListView.from_key(view_key)
    with session_scope(get_engine()) as session:
        return store.page_conversations(session=session, filters=resolve(view), sort=view.sort,
                                        descending=view.descending, page=view.page, page_size=page_size)  # fmt: skip


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _total(db: str, list_key: tuple) -> int:
    """Cached apart from the rows: moving between pages or changing the sort never recounts."""
    with session_scope(get_engine()) as session:
        return store.count_conversations(session=session, filters=resolve(ListView.from_key(list_key)))


def conversation_page(view: ListView, page_size: int = PAGE_SIZE) -> tuple[pd.DataFrame, int]:
    """The view's page of rows and the number of conversations in the whole list."""
    counted = replace(view, page=0, sort="started_at", descending=True)
    return _rows(database_key(), view.key(), page_size), _total(database_key(), counted.key())


MISSING = "—"


def shown_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A page of rows as the explorer shows it: a missing value reads "—" (not a grey "None"), times in UTC."""
    shown = frame.copy()
    shown["started_at"] = [f"{t:%Y-%m-%d %H:%M}" if pd.notna(t) else MISSING for t in frame["started_at"]]
    shown["explicit_feedback"] = [f"{v:+.1f}" if pd.notna(v) else MISSING for v in frame["explicit_feedback"]]
    for column in ("product_area", "variant", "user_id", "topic"):
        shown[column] = frame[column].astype(object).where(frame[column].notna(), MISSING)
    return shown


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _choices(db: str) -> dict:
    with session_scope(get_engine()) as session:
        out = store.filter_choices(session=session)
        tags = tags_frame(session=session)
        out["tags"] = {int(r.id): r.name + (" (archived)" if r.archived else "") for r in tags.itertuples()}
        out["topics"] = store.topic_choices(session=session)
        out["segments"] = store.segment_choices(session=session)
    return out


def choices() -> dict:
    return _choices(database_key())


# --- Widgets --------------------------------------------------------------------------------------------------


def _widget_values(view: ListView, options: dict) -> dict:
    f = view.filters
    dates = tuple(d for d in (f.date_from, f.date_to) if d)

    def known(values, allowed) -> list:
        return [v for v in values or [] if v in allowed]

    return {
        "q": f.text or "",
        "semantic": view.semantic,
        "dates": dates,
        "sources": known(f.sources, options["sources"]),
        "variants": known(f.variants, options["variants"]),
        "areas": known(f.product_areas, options["product_areas"]),
        "user": f.user_id or "",
        "tags_any": known(f.tags_any, options["tags"]),
        "tags_all": known(f.tags_all, options["tags"]),
        "tags_none": known(f.tags_none, options["tags"]),
        "reviewed": {True: "yes", False: "no"}.get(f.reviewed, "any"),
        "feedback": f.feedback or "",
        "frustration": float(f.min_frustration or 0.0),
        "topics": known(f.topic_ids, options["topics"]),
        "segments": known(f.segment_ids, options["segments"]),
        "sort": view.sort,
        "descending": view.descending,
    }


def filter_panel(view: ListView, *, semantic_available: bool) -> ListView:
    """Draw the filter widgets (initialised from `view` when the URL changed from outside) and return the view
    they now describe. The page resets to the first one whenever the filters or sort change."""
    options = choices()
    state = st.session_state
    if state.get(PREFIX + "url") != view.key() or PREFIX + "q" not in state:
        for name, value in _widget_values(view, options).items():
            state[PREFIX + name] = value
    k = PREFIX

    top = st.columns([4, 1, 1, 1], vertical_alignment="bottom")
    top[0].text_input("Search messages", key=k + "q", placeholder='words or a "phrase"; refund*')
    top[1].toggle("Semantic", key=k + "semantic", disabled=not semantic_available, on_change=_semantic_sort,
                  help="Search by meaning (needs `reviewlab analyze`) instead of by words; the most similar "
                       "conversations come first.")  # fmt: skip
    top[2].selectbox("Sort by", list(SORT_LABELS), format_func=SORT_LABELS.get, key=k + "sort")
    top[3].toggle("Descending", key=k + "descending")

    with st.expander("Filters", expanded=not view.filters.is_empty() and not view.filters.text):
        row = st.columns(4)
        row[0].date_input("Started between", key=k + "dates", format="YYYY-MM-DD")
        row[1].multiselect("Source", options["sources"], key=k + "sources")
        row[2].multiselect("Variant", options["variants"], key=k + "variants")
        row[3].multiselect("Product area", options["product_areas"], key=k + "areas")
        row = st.columns(4)
        tag_label = options["tags"].get
        row[0].multiselect("Tagged with any of", list(options["tags"]), format_func=tag_label, key=k + "tags_any")
        row[1].multiselect("Tagged with all of", list(options["tags"]), format_func=tag_label, key=k + "tags_all")
        row[2].multiselect("Not tagged with", list(options["tags"]), format_func=tag_label, key=k + "tags_none")
        row[3].text_input("User id", key=k + "user")
        row = st.columns(4)
        row[0].selectbox("Review status", list(REVIEWED_LABELS), format_func=REVIEWED_LABELS.get, key=k + "reviewed")
        row[1].selectbox("Explicit feedback", list(FEEDBACK_LABELS), format_func=FEEDBACK_LABELS.get,
                         key=k + "feedback")  # fmt: skip
        row[2].slider("Minimum frustration", 0.0, 1.0, step=0.05, key=k + "frustration",
                      help="Frustration signal from `reviewlab analyze` (0 = no filter).")  # fmt: skip
        if options["topics"]:
            row[3].multiselect("Topic", list(options["topics"]), format_func=options["topics"].get, key=k + "topics")
        if options["segments"]:
            st.multiselect("User segment", list(options["segments"]), format_func=options["segments"].get,
                           key=k + "segments")  # fmt: skip

    dates = state[k + "dates"] or ()
    filters = ConversationFilter(
        date_from=dates[0] if len(dates) > 0 else None,
        date_to=dates[1] if len(dates) > 1 else None,
        sources=state[k + "sources"] or None,
        variants=state[k + "variants"] or None,
        product_areas=state[k + "areas"] or None,
        user_id=state[k + "user"].strip() or None,
        tags_any=state[k + "tags_any"] or None,
        tags_all=state[k + "tags_all"] or None,
        tags_none=state[k + "tags_none"] or None,
        reviewed={"yes": True, "no": False}.get(state[k + "reviewed"]),
        feedback=state[k + "feedback"] or None,
        min_frustration=state[k + "frustration"] or None,
        topic_ids=state.get(k + "topics") or None,
        segment_ids=state.get(k + "segments") or None,
        text=state[k + "q"].strip() or None,
        ids=view.filters.ids,
    )
    new = ListView(filters=filters, sort=state[k + "sort"], descending=state[k + "descending"],
                   semantic=bool(state[k + "semantic"]) and semantic_available)  # fmt: skip
    same_list = replace(new, page=0).key() == replace(view, page=0).key()
    return replace(new, page=view.page if same_list else 0)


def _semantic_sort() -> None:
    """Turning semantic search on sorts by similarity; turning it off leaves that sort."""
    state = st.session_state
    if state[PREFIX + "semantic"]:
        state[PREFIX + "sort"], state[PREFIX + "descending"] = store.SIMILARITY, True
    elif state[PREFIX + "sort"] == store.SIMILARITY:
        state[PREFIX + "sort"] = "started_at"


def remember_url(view: ListView) -> None:
    """Write the view to the URL and remember it, so the next run knows the widgets already hold it."""
    st.session_state[PREFIX + "url"] = view.key()
    write_url(view.to_query_params())
