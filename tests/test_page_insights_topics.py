"""Topics page: the list, renaming a topic through the form, deep link, drill-down links and charts."""

import json

from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import AuditLog, Conversation, Topic
from reviewlab.store.analytics import update_topics
from reviewlab.store.people import create_member
from tests.analytics_data import seed_topics

PAGE = "pages/insights/topics.py"


def chart_specs(at) -> list[dict]:
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", "") == "vega_lite_chart":
                found.append(json.loads(child.proto.spec))
            walk(child)

    walk(at._tree)
    return found


def chart_count(at) -> int:
    return len(chart_specs(at))


def name_box(at):
    return next(t for t in at.text_input if t.label == "Team name for this topic")


def seed(engine) -> tuple[int, dict]:
    ids = seed_topics(engine, weeks=3)
    with session_scope(engine, write=True) as s:
        for cid in ids["password"][:6]:
            s.get(Conversation, cid).frustration = 0.8
        ada = create_member(session=s, name="Ada", email="ada@example.com", function="product", side="business")
    update_topics(engine)
    with session_scope(engine) as s:
        topics = {t.label: t.id for t in s.exec(select(Topic))}
    return ada.id, topics


def picker(at):
    return next(box for box in at.selectbox if box.label == "Topic")


def test_empty_workspace_explains_how_to_get_topics(open_page):
    at = open_page(PAGE)
    assert "reviewlab analyze" in at.info[0].value


def test_rename_a_topic(engine, open_page):
    ada, topics = seed(engine)
    refund = next(tid for label, tid in topics.items() if "refund" in label)
    at = open_page(PAGE, member_id=ada, query_params={"id": str(refund)})
    assert picker(at).value == refund
    assert chart_count(at) == 2  # pain-point heatmap and weekly trends
    links = {link.value: link.proto.query_string for link in at.get("page_link")}
    assert links["Open these conversations in the explorer"] == f"topic={refund}"
    name_box(at).input("Refunds")
    at.button[0].click().run()
    assert not at.exception
    with session_scope(engine) as s:
        assert s.get(Topic, refund).custom_label == "Refunds"
        assert s.exec(select(AuditLog).where(AuditLog.entity == "topic", AuditLog.member_id == ada)).first()
    assert "Refunds" in at.dataframe[0].value["label"].tolist()
    # A new picker reads the new name (the browser would keep showing the old label of the old one) and the
    # picked topic stays picked, through the URL.
    assert picker(at).value == refund and at.query_params["id"] == str(refund)
    assert f"#{refund} Refunds" in picker(at).options


def test_renaming_needs_an_identity(engine, open_page):
    _, topics = seed(engine)
    at = open_page(PAGE)
    name_box(at).input("Nope")
    at.button[0].click().run()
    assert any("Pick who you are" in w.value for w in at.warning)
    with session_scope(engine) as s:
        assert all(t.custom_label is None for t in s.exec(select(Topic)))


def test_trend_metric_switch(engine, open_page):
    ada, _ = seed(engine)
    at = open_page(PAGE, member_id=ada)
    at.radio(key="trend_metric").set_value("frustrated_share").run()
    assert not at.exception and chart_count(at) == 2
    at.multiselect(key="trend_topics").set_value([]).run()
    assert "Pick topics to compare." in [c.value for c in at.caption]


def test_the_name_box_follows_the_picked_topic(engine, open_page):
    ada, topics = seed(engine)
    refund = next(tid for label, tid in topics.items() if "refund" in label)
    other = next(tid for tid in topics.values() if tid != refund)
    at = open_page(PAGE, member_id=ada, query_params={"id": str(refund)})
    name_box(at).input("Refunds")
    at.button[0].click().run()
    picker(at).set_value(other).run()
    assert name_box(at).value == ""  # the other topic has no team name yet, not "Refunds"
    at.button[0].click().run()  # saving without typing keeps it unnamed
    with session_scope(engine) as s:
        assert (s.get(Topic, refund).custom_label, s.get(Topic, other).custom_label) == ("Refunds", None)
    picker(at).set_value(refund).run()
    assert name_box(at).value == "Refunds"


def test_heatmap_cells_show_the_share_they_are_coloured_by(engine, open_page):
    ada, _ = seed(engine)
    at = open_page(PAGE, member_id=ada)
    heatmap = next(spec for spec in chart_specs(at) if any(layer["mark"]["type"] == "rect"
                                                             for layer in spec.get("layer", [])))
    encodings = {layer["mark"]["type"]: layer["encoding"] for layer in heatmap["layer"]}
    assert encodings["rect"]["color"]["field"] == "rate"
    assert (encodings["text"]["text"]["field"], encodings["text"]["text"]["format"]) == ("rate", ".0%")
    tooltip = {t["field"] for t in encodings["text"]["tooltip"]}
    assert {"conversations", "base", "rate"} <= tooltip  # the counts behind the share, on hover
    caption = next(c.value for c in at.caption if "biggest topics" in c.value)
    assert "share" in caption and "Hover" in caption
