"""Explorer page: filters through widgets and links, the URL mirrors them, rows open the reader, paging."""

from datetime import timedelta

from reviewlab.db import session_scope
from reviewlab.store.annotations import add_annotation, save_judgement
from reviewlab.store.conversations import ConversationFilter
from reviewlab.store.search import sync_search_index
from reviewlab.ui.filters import ListView
from tests.review_data import T0, add_conversation, seed_workspace, tag_id

EXPLORER = "pages/review/conversations.py"


def table_ids(at) -> list[str]:
    return list(at.dataframe[0].value["id"]) if at.dataframe else []


def listed(at, key: str) -> list[str]:
    """A URL parameter as a list (AppTest shows a one-item list as a plain string)."""
    value = at.query_params[key]
    return value if isinstance(value, list) else [value]


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_everything_newest_first(open_page, engine):
    seed_workspace(engine)
    at = open_page(EXPLORER)
    assert table_ids(at) == ["c0", "c1", "c2", "c3", "c4"]
    assert "5 conversations" in at.caption[0].value
    assert dict(at.query_params) == {}


def test_widgets_filter_and_the_url_follows(open_page, engine):
    seed_workspace(engine)
    at = open_page(EXPLORER)
    at.multiselect(key="xf_areas").set_value(["billing"]).run()
    assert table_ids(at) == ["c0", "c2"]
    assert listed(at, "area") == ["billing"]
    at.selectbox(key="xf_feedback").set_value("negative").run()
    assert table_ids(at) == ["c0"] and at.query_params["feedback"] == "negative"
    at.multiselect(key="xf_areas").set_value([]).run()
    at.selectbox(key="xf_feedback").set_value("").run()
    at.text_input(key="xf_q").input("flights Lisbon").run()
    assert table_ids(at) == ["c1"] and at.query_params["q"] == "flights Lisbon"
    at.text_input(key="xf_q").input('"; DROP TABLE message; -- NEAR(').run()  # no error, just no match
    assert not at.exception and table_ids(at) == []
    assert any("No conversation matches" in i.value for i in at.info)


def test_tag_review_and_sort_filters(open_page, engine):
    people = seed_workspace(engine)
    with session_scope(engine, write=True) as s:
        slow = tag_id(s, "slow")
        add_annotation(session=s, conversation_id="c3", tag_id=slow, member_id=people["ada"])
        save_judgement(session=s, conversation_id="c1", member_id=people["bo"], satisfaction=2)
    at = open_page(EXPLORER)
    at.multiselect(key="xf_tags_any").set_value([slow]).run()
    assert table_ids(at) == ["c3"] and at.dataframe[0].value["tags"][0] == "slow"
    at.multiselect(key="xf_tags_any").set_value([]).run()
    at.selectbox(key="xf_reviewed").set_value("no").run()
    assert table_ids(at) == ["c0", "c2", "c4"] and at.query_params["reviewed"] == "no"
    at.selectbox(key="xf_sort").set_value("frustration").run()
    assert table_ids(at) == ["c0", "c2", "c4"] and at.query_params["sort"] == "frustration"
    at.toggle(key="xf_descending").set_value(False).run()
    assert table_ids(at) == ["c4", "c2", "c0"] and at.query_params["order"] == "asc"
    at.slider(key="xf_frustration").set_value(0.5).run()
    assert table_ids(at) == ["c2", "c0"]


def test_a_shared_link_restores_the_view(open_page, engine):
    seed_workspace(engine)
    params = {"area": ["billing", "search"], "variant": "v1", "from": "2026-02-27", "sort": "frustration"}
    at = open_page(EXPLORER, query_params=params)
    assert table_ids(at) == ["c2", "c1"]
    assert at.multiselect(key="xf_areas").value == ["billing", "search"]
    assert at.selectbox(key="xf_sort").value == "frustration"


def test_selecting_a_row_opens_the_reader_with_the_list(open_page, engine):
    seed_workspace(engine)
    at = open_page(EXPLORER, query_params={"area": ["search"]})
    at.session_state["explorer_table"] = {"selection": {"rows": [1], "columns": []}}
    at.run()
    assert not at.exception
    assert at.query_params["id"] == "c3" and listed(at, "area") == ["search"]
    assert at.subheader[0].value == "Conversation c3"


def test_review_next_unreviewed_opens_the_first_one_i_have_not_reviewed(open_page, engine):
    people = seed_workspace(engine)
    with session_scope(engine, write=True) as s:
        save_judgement(session=s, conversation_id="c0", member_id=people["ada"], satisfaction=3)
    at = open_page(EXPLORER, member_id=people["ada"])
    button(at, "Review next unreviewed").click().run()
    assert at.query_params["id"] == "c1"
    assert at.subheader[0].value == "Conversation c1"


def test_pages_of_fifty(open_page, engine):
    with session_scope(engine, write=True) as s:
        for i in range(120):
            add_conversation(s, f"p{i:03d}", [("user", f"question {i}")], started_at=T0 - timedelta(hours=i))
        sync_search_index(s)
    at = open_page(EXPLORER)
    assert len(table_ids(at)) == 50 and "page 1 of 3" in at.caption[0].value
    button(at, "Next page").click().run()
    assert table_ids(at)[0] == "p050" and at.query_params["page"] == "2"
    button(at, "Next page").click().run()
    assert len(table_ids(at)) == 20 and button(at, "Next page").disabled
    at.multiselect(key="xf_sources").set_value(["app"]).run()  # a new filter starts from page 1
    assert table_ids(at)[0] == "p000" and "page" not in at.query_params


def test_list_view_round_trips_through_the_url_and_cache_keys():
    view = ListView(ConversationFilter(product_areas=["billing"], reviewed=False, text="refund"), "frustration",
                    descending=False, page=2, semantic=True)  # fmt: skip
    params = view.to_query_params()
    assert params["sort"] == "frustration" and params["order"] == "asc" and params["page"] == "3"
    as_url = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    assert ListView.from_query_params(as_url) == view
    assert ListView.from_key(view.key()) == view
    assert ListView.from_query_params({"sort": ["content"], "page": ["-4"]}) == ListView()


def test_semantic_search_lists_the_most_similar_first(open_page, engine):
    from reviewlab.store.analytics import semantic_search_ids, update_embeddings

    seed_workspace(engine)
    update_embeddings(engine)
    query = "the same payment was taken from my card two times, I want a refund"
    with session_scope(engine) as s:
        ranked = semantic_search_ids(session=s, query=query)
    at = open_page(EXPLORER)
    at.text_input(key="xf_q").set_value(query)
    at.toggle(key="xf_semantic").set_value(True).run()
    assert at.selectbox(key="xf_sort").value == "similarity" and at.query_params["sort"] == "similarity"
    assert table_ids(at) == ranked and ranked[:2] == ["c2", "c0"]  # charged twice, then the refund (newer)
    assert f"{len(ranked)} conversations closest in meaning" in at.caption[0].value
    at.toggle(key="xf_semantic").set_value(False).run()  # back to words: the similarity sort goes too
    assert at.selectbox(key="xf_sort").value == "started_at"


def test_missing_values_read_as_a_dash(open_page, engine):
    with session_scope(engine, write=True) as s:
        add_conversation(s, "bare", [("user", "hello")], started_at=None)
        add_conversation(s, "full", [("user", "hi")], product_area="billing", variant="v2", user_id="u1",
                         explicit_feedback=-1.0)  # fmt: skip
    at = open_page(EXPLORER)
    rows = at.dataframe[0].value.set_index("id")
    assert rows.loc["bare", ["started_at", "explicit_feedback", "product_area", "variant", "user_id"]].tolist() == [
        "—"] * 5
    assert rows.loc["full", ["started_at", "explicit_feedback", "product_area"]].tolist() == [
        T0.strftime("%Y-%m-%d %H:%M"), "-1.0", "billing"]
