"""The explorer's query: every filter, sorting, paging, links, full-text search and moving through the list."""

from datetime import date

import pytest

from reviewlab.db import session_scope
from reviewlab.models import Conversation, Segment, Topic, UserSegment
from reviewlab.store import conversations
from reviewlab.store.annotations import add_annotation, save_judgement
from reviewlab.store.conversations import (
    SIMILARITY,
    ConversationFilter,
    filter_choices,
    get_transcript,
    neighbours,
    query_conversations,
    transcripts,
)
from reviewlab.store.fulltext import fts5_query
from tests.review_data import T0, add_conversation, seed_workspace, tag_id


@pytest.fixture
def workspace(any_engine):
    return any_engine, seed_workspace(any_engine)


def ids_for(engine, **kwargs) -> list[str]:
    sort = kwargs.pop("sort", "started_at")
    descending = kwargs.pop("descending", True)
    with session_scope(engine) as s:
        frame, total = query_conversations(
            session=s, filters=ConversationFilter(**kwargs), sort=sort, descending=descending
        )
    assert total == len(frame)
    return list(frame["id"])


def test_default_is_newest_first_with_page_columns(workspace):
    engine, _ = workspace
    with session_scope(engine) as s:
        frame, total = query_conversations(session=s, filters=ConversationFilter())
    assert total == 5
    assert list(frame["id"]) == ["c0", "c1", "c2", "c3", "c4"]
    first = frame.iloc[0]
    assert first["preview"] == "How do I get a refund for my invoice?"
    assert first["product_area"] == "billing" and first["n_messages"] == 3 and not first["reviewed"]


def test_metadata_filters(workspace):
    engine, _ = workspace
    assert ids_for(engine, product_areas=["billing"]) == ["c0", "c2"]
    assert ids_for(engine, variants=["v1"]) == ["c1", "c2"]
    assert ids_for(engine, sources=["other"]) == []
    assert ids_for(engine, user_id="u0") == ["c0", "c3"]
    assert ids_for(engine, date_from=date(2026, 2, 28), date_to=date(2026, 3, 1)) == ["c1", "c2"]
    assert ids_for(engine, feedback="positive") == ["c1", "c4"]
    assert ids_for(engine, feedback="negative") == ["c0"]
    assert ids_for(engine, feedback="any") == ["c0", "c1", "c4"]
    assert ids_for(engine, min_frustration=0.5) == ["c0", "c2"]
    assert ids_for(engine, ids=["c4", "c1"]) == ["c1", "c4"]
    assert ids_for(engine, ids=[]) == []


def test_topic_and_segment_filters(workspace):
    engine, _ = workspace
    with session_scope(engine, write=True) as s:
        topic = Topic(label="refunds")
        segment = Segment(name="power users")
        s.add_all([topic, segment])
        s.flush()
        for cid in ("c0", "c2"):
            s.get_one(Conversation, cid).topic_id = topic.id
        s.add(UserSegment(user_id="u1", segment_id=segment.id))
        topic_id, segment_id = topic.id, segment.id
    assert ids_for(engine, topic_ids=[topic_id]) == ["c0", "c2"]
    assert ids_for(engine, segment_ids=[segment_id]) == ["c1", "c4"]
    with session_scope(engine) as s:
        frame, _ = query_conversations(session=s, filters=ConversationFilter(topic_ids=[topic_id]))
    assert set(frame["topic"]) == {"refunds"}


def test_tag_and_reviewed_filters(workspace):
    engine, people = workspace
    with session_scope(engine, write=True) as s:
        wrong, slow = tag_id(s, "wrong answer"), tag_id(s, "slow")
        add_annotation(session=s, conversation_id="c0", tag_id=wrong, member_id=people["ada"])
        add_annotation(session=s, conversation_id="c0", tag_id=slow, member_id=people["bo"])
        add_annotation(session=s, conversation_id="c1", tag_id=slow, member_id=people["ada"])
        save_judgement(session=s, conversation_id="c3", member_id=people["bo"], satisfaction=4)
    assert ids_for(engine, tags_any=[wrong, slow]) == ["c0", "c1"]
    assert ids_for(engine, tags_all=[wrong, slow]) == ["c0"]
    assert ids_for(engine, tags_none=[wrong]) == ["c1", "c2", "c3", "c4"]
    assert ids_for(engine, reviewed=True) == ["c0", "c1", "c3"]
    assert ids_for(engine, reviewed=False) == ["c2", "c4"]
    with session_scope(engine) as s:
        frame, _ = query_conversations(session=s, filters=ConversationFilter(ids=["c0"]))
    assert frame.iloc[0]["tags"] == "slow, wrong answer" and frame.iloc[0]["n_reviewers"] == 2


def test_sorting_puts_missing_values_last_both_ways(workspace):
    engine, _ = workspace
    assert ids_for(engine, sort="frustration") == ["c0", "c2", "c4", "c1", "c3"]
    assert ids_for(engine, sort="frustration", descending=False) == ["c1", "c4", "c2", "c0", "c3"]
    assert ids_for(engine, sort="started_at", descending=False) == ["c4", "c3", "c2", "c1", "c0"]
    with session_scope(engine) as s, pytest.raises(ValueError, match="Unknown sort"):
        query_conversations(session=s, filters=ConversationFilter(), sort="content; drop table")


def test_pages_and_total(workspace):
    engine, _ = workspace
    with session_scope(engine) as s:
        pages = [query_conversations(session=s, filters=ConversationFilter(), page=p, page_size=2) for p in range(3)]
    assert [list(frame["id"]) for frame, _ in pages] == [["c0", "c1"], ["c2", "c3"], ["c4"]]
    assert {total for _, total in pages} == {5}


def test_full_text_search_on_both_databases(workspace):
    engine, _ = workspace
    assert ids_for(engine, text="refund") == ["c0"]
    assert ids_for(engine, text="refunds") == ["c0"]  # stemmed on both
    assert ids_for(engine, text="flights Lisbon") == ["c1"]
    assert ids_for(engine, text="thanks") == ["c0", "c1", "c2", "c3", "c4"]
    assert ids_for(engine, text="hotel flights") == []


@pytest.mark.parametrize(
    "query", ['"', "refund AND", "NEAR(", "a:b", "-refund", "*", "'); drop table message; --", "(((", "^"]
)
def test_full_text_search_never_fails_on_syntax(workspace, query):
    engine, _ = workspace
    ids_for(engine, text=query)  # no error whatever the user types


def test_fts5_query_quotes_every_word():
    assert fts5_query('refund AND "card charged" NEAR(x) pay*') == '"refund" "AND" "card charged" "NEAR x" "pay"*'
    assert fts5_query("?!") is None and fts5_query(None) is None


def test_filters_round_trip_through_query_params():
    filters = ConversationFilter(
        date_from=date(2026, 1, 1), sources=["a,b", "c"], user_id="u1", tags_any=[3, 4], tags_none=[5],
        reviewed=False, feedback="negative", min_frustration=0.5, topic_ids=[2], text="refund", ids=["x"],
    )  # fmt: skip
    params = filters.to_query_params()
    assert params["from"] == "2026-01-01" and params["reviewed"] == "no" and params["tag_any"] == ["3", "4"]
    assert ConversationFilter.from_query_params(params) == filters
    assert ConversationFilter.from_query_params({"tag_any": "3,4", "source": "x"}).tags_any == [3, 4]
    junk = ConversationFilter.from_query_params({"from": "yesterday", "tag_any": "a", "feedback": "meh", "q": " "})
    assert junk.is_empty()
    assert filters.key() == ConversationFilter.from_query_params(params).key()


def test_neighbours_and_next_unreviewed(workspace):
    engine, people = workspace
    with session_scope(engine, write=True) as s:
        save_judgement(session=s, conversation_id="c3", member_id=people["ada"], satisfaction=3)
        add_annotation(session=s, conversation_id="c2", tag_id=tag_id(s, "slow"), member_id=people["bo"])
    everything = ConversationFilter()
    with session_scope(engine) as s:
        assert neighbours(session=s, filters=everything, conversation_id="c0") == {
            "previous": None, "next": "c1", "next_unreviewed": "c1",
        }  # fmt: skip
        around = neighbours(session=s, filters=everything, conversation_id="c1")
        assert around == {"previous": "c0", "next": "c2", "next_unreviewed": "c4"}
        mine = neighbours(session=s, filters=everything, conversation_id="c1", member_id=people["ada"])
        assert mine["next_unreviewed"] == "c2"  # Bo tagged c2, Ada has not
        # Sorted by frustration (NULL last): c0 .9, c2 .7, c4 .3, c1 .1, c3 None.
        by_frustration = {"filters": everything, "sort": "frustration"}
        assert neighbours(session=s, conversation_id="c1", **by_frustration)["next"] == "c3"
        assert neighbours(session=s, conversation_id="c3", **by_frustration) == {
            "previous": "c1", "next": None, "next_unreviewed": None,
        }  # fmt: skip
        billing = ConversationFilter(product_areas=["billing"])
        assert neighbours(session=s, filters=billing, conversation_id="c0")["next"] == "c2"


def test_transcript_in_order(workspace):
    engine, _ = workspace
    with session_scope(engine) as s:
        conversation, messages = get_transcript(session=s, conversation_id="c1")
        assert conversation.product_area == "search"
        assert [m.role for m in messages] == ["user", "assistant", "user"]
        assert list(transcripts(session=s, conversation_ids=["c0", "c1"])) == ["c0", "c1"]
        assert filter_choices(session=s)["product_areas"] == ["billing", "onboarding", "search"]
        with pytest.raises(LookupError):
            get_transcript(session=s, conversation_id="nope")


@pytest.mark.parametrize("sort", ["started_at", "frustration", "explicit_feedback", "n_messages"])
@pytest.mark.parametrize("descending", [True, False])
def test_walking_next_and_previous_visits_the_list_in_order(workspace, sort, descending):
    engine, _ = workspace
    with session_scope(engine, write=True) as s:  # ties and several NULLs
        for i in range(6):
            add_conversation(s, f"t{i}", [("user", "hi")], started_at=None if i % 2 else T0,
                             frustration=None if i < 3 else 0.3, explicit_feedback=None)  # fmt: skip
    everything = ConversationFilter()
    with session_scope(engine) as s:
        expected = list(query_conversations(session=s, filters=everything, sort=sort, descending=descending)[0]["id"])
        walk = {"filters": everything, "sort": sort, "descending": descending}
        forward = [neighbours(session=s, conversation_id=None, **walk)["next"]]
        while (step := neighbours(session=s, conversation_id=forward[-1], **walk)["next"]) is not None:
            forward.append(step)
        backward = [forward[-1]]
        while (step := neighbours(session=s, conversation_id=backward[-1], **walk)["previous"]) is not None:
            backward.append(step)
    assert forward == expected
    assert backward == expected[::-1]


def test_similarity_sort_keeps_the_semantic_ranking_and_walks_it(workspace):
    engine, _ = workspace
    ranked = ["c3", "c0", "c4", "c1"]  # a semantic search's ranking, best first
    assert ids_for(engine, ids=ranked, sort=SIMILARITY) == ranked
    assert ids_for(engine, ids=ranked, sort=SIMILARITY, descending=False) == ranked[::-1]
    assert ids_for(engine, ids=ranked, product_areas=["billing"], sort=SIMILARITY) == ["c0"]
    assert ids_for(engine, sort=SIMILARITY) == ids_for(engine)  # no search: newest first
    walk = {"filters": ConversationFilter(ids=ranked), "sort": SIMILARITY}
    with session_scope(engine) as s:
        forward = [neighbours(session=s, conversation_id=None, **walk)["next"]]
        while (step := neighbours(session=s, conversation_id=forward[-1], **walk)["next"]) is not None:
            forward.append(step)
        assert neighbours(session=s, conversation_id="c4", **walk)["previous"] == "c0"
    assert forward == ranked


def test_broad_search_walks_the_sort_index_with_the_same_result(workspace, monkeypatch):
    engine, _ = workspace
    expected = ids_for(engine, text="thanks", product_areas=["billing", "search"], sort="frustration")
    monkeypatch.setattr(conversations, "BROAD_SEARCH_HITS", 0)  # every search counts as broad
    assert ids_for(engine, text="thanks", product_areas=["billing", "search"], sort="frustration") == expected
    assert expected == ["c0", "c2", "c1", "c3"]
