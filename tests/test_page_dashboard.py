"""Culture dashboard page: leading first, views per audience, targets and KPI uploads through the widgets."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import AuditLog, IndicatorTarget, Kpi, Member
from tests.indicator_data import seed_scenario

PAGE = "pages/culture/dashboard.py"
W10 = {"week": "2026-W10"}


def chart_titles(at) -> list[str]:
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", "") == "vega_lite_chart":
                found.append(json.loads(child.proto.spec).get("title"))
            walk(child)

    walk(at._tree)
    return found


def metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


@pytest.fixture
def member_id(engine) -> int:
    seed_scenario(engine)
    with session_scope(engine) as s:
        return s.exec(select(Member.id).where(Member.name == "B1")).one()


def test_empty_workspace_says_so(open_page):
    at = open_page(PAGE)
    assert "No data yet" in at.info[0].value
    assert not at.metric


def test_leadership_summary_shows_leading_first(open_page, member_id):
    at = open_page(PAGE, query_params=W10)
    shown = metrics(at)
    labels = list(shown)
    assert labels[:5] == [
        "Meeting content",
        "Evidence-backed decisions",
        "Proactive share",
        "Proactive : reactive",
        "Cross-functional touchpoints",
    ]
    assert labels[5:] == ["Weekly active users", "Reviewer satisfaction", "Frustrated conversations", "Time to resolve"]
    assert shown["Meeting content"][0] == "80%"
    assert shown["Evidence-backed decisions"][0] == "67%"
    assert shown["Proactive : reactive"][0] == "2.00×"
    assert shown["Cross-functional touchpoints"] == ("2", "+2")  # W09 had no meetings
    assert shown["Weekly active users"] == ("2", "+1")
    assert chart_titles(at) == ["Leading indicators per week"]
    assert at.query_params["view"] == "leadership" and at.query_params["week"] == "2026-W10"
    assert len(at.get("download_button")) == 3


def test_product_and_engineering_views(open_page, member_id):
    at = open_page(PAGE, query_params=W10)
    at.button_group(key="audience").set_value("product").run()
    titles = chart_titles(at)
    assert titles[:4] == [
        "Meeting content",
        "Evidence-backed decisions",
        "Proactive share",
        "Cross-functional touchpoints",
    ]
    assert "Cohort retention" in titles and "Business KPI beside satisfaction" in titles
    assert metrics(at)["Returning users"][0] == "50%"
    assert at.query_params["view"] == "product"

    at.button_group(key="audience").set_value("engineering").run()
    titles = chart_titles(at)
    assert "Issues by how they were found" in titles and "Median days to detect and to resolve" in titles
    assert "Cohort retention" not in titles
    assert metrics(at)["Time to detect"][0] == "3.5 d"


def test_week_and_window_are_picked_and_linked(open_page, member_id):
    at = open_page(PAGE, query_params={"week": "2026-W11", "weeks": "12"})
    assert metrics(at)["Proactive : reactive"][0] == "∞"  # W11: proactive issues only
    assert at.button_group(key="window").value == 12
    at = open_page(PAGE, query_params={"week": "2026-W10", "weeks": "52"})
    assert at.button_group(key="window").value == 52
    at.selectbox(key="week").select("2026-W09").run()
    assert at.query_params["week"] == "2026-W09"
    assert metrics(at)["Weekly active users"][0] == "1"


def target_inputs(at, key: str) -> tuple[float, str]:
    return at.number_input(key=f"target_value_{key}").value, at.radio(key=f"target_direction_{key}").value


def test_set_and_remove_targets(open_page, member_id, engine):
    at = open_page(PAGE, member_id=member_id, query_params=W10)
    at.selectbox(key="target_indicator").set_value("proactive_share").run()
    at.number_input(key="target_value_proactive_share").set_value(90.0)
    at.radio(key="target_direction_proactive_share").set_value("Higher is better")
    at.button(key="target_save").click().run()
    with session_scope(engine) as s:
        target = s.get(IndicatorTarget, "proactive_share")
        audit = s.exec(select(AuditLog).where(AuditLog.entity == "indicatortarget")).one()
    assert (target.target, target.higher_is_better) == (0.9, True)
    assert audit.member_id == member_id
    assert [m.value for m in at.expander[0].success] == ["Target saved for Proactive share."]
    assert ":red[●] Proactive share" in metrics(at)
    assert "Off target this week: **Proactive share** 67% (target 90%)" in at.warning[0].value

    at.selectbox(key="target_indicator").set_value("median_days_to_detect").run()
    at.number_input(key="target_value_median_days_to_detect").set_value(4.0)
    at.radio(key="target_direction_median_days_to_detect").set_value("Lower is better")
    at.button(key="target_save").click().run()
    at.selectbox(key="target_indicator").set_value("proactive_share").run()
    at.button(key="target_clear").click().run()
    with session_scope(engine) as s:
        assert s.get(IndicatorTarget, "proactive_share") is None
        assert s.get(IndicatorTarget, "median_days_to_detect").higher_is_better is False
    assert "Proactive share" in metrics(at)  # no longer judged
    assert target_inputs(at, "proactive_share") == (66.7, "Higher is better")  # back to where the team stands
    assert "All 1 indicator(s) with a target are on target this week." in at.success[0].value


def test_target_inputs_follow_the_selected_indicator(open_page, member_id, engine):
    at = open_page(PAGE, member_id=member_id, query_params=W10)
    at.selectbox(key="target_indicator").set_value("proactive_share").run()
    at.number_input(key="target_value_proactive_share").set_value(60.0)
    at.button(key="target_save").click().run()
    # Another indicator shows its own default (its latest value), not the first one's 60 / higher is better.
    at.selectbox(key="target_indicator").set_value("median_days_to_detect").run()
    assert target_inputs(at, "median_days_to_detect") == (3.5, "Lower is better")
    at.number_input(key="target_value_median_days_to_detect").set_value(5.0)
    at.button(key="target_save").click().run()
    with session_scope(engine) as s:
        detect = s.get(IndicatorTarget, "median_days_to_detect")
    assert (detect.target, detect.higher_is_better) == (5.0, False)
    at.selectbox(key="target_indicator").set_value("proactive_share").run()
    assert target_inputs(at, "proactive_share") == (60.0, "Higher is better")
    at.selectbox(key="target_indicator").set_value("median_days_to_detect").run()
    assert target_inputs(at, "median_days_to_detect") == (5.0, "Lower is better")


def test_target_messages_show_in_the_open_panel(open_page, member_id):
    at = open_page(PAGE, member_id=member_id, query_params=W10)
    at.button(key="target_clear").click().run()
    panel = at.expander[0]
    assert panel.label == "Targets" and at.session_state["targets_open"] is True
    assert [m.value for m in panel.success] == [m.value for m in at.success] == ["Meeting content had no target."]


def test_targets_need_an_identity(open_page, member_id):
    at = open_page(PAGE, query_params=W10)
    assert at.button(key="target_save").disabled and at.button(key="target_clear").disabled
    assert "Pick your name in the sidebar to change targets." in [c.value for c in at.caption]


def test_kpi_upload_reports_errors_and_imports(open_page, member_id, engine):
    at = open_page(PAGE, member_id=member_id, query_params={**W10, "view": "product"})
    at.text_area(key="kpi_text").input("date,kpi,value\n2026-03-02,nps,40\n2026-03-03,nps,lots\n")
    at.button(key="kpi_import").click().run()
    assert "pasted rows, line 3, field 'value': 'lots' is not a number" in at.error[0].value
    with session_scope(engine) as s:
        assert len(s.exec(select(Kpi)).all()) == 3  # the scenario's revenue values only

    at.text_area(key="kpi_text").input("date,kpi,value\n2026-03-02,nps,40\n2026-03-09,nps,45\n")
    at.button(key="kpi_import").click().run()
    assert "Imported nps: 2 new value(s), 0 updated." in at.success[0].value
    with session_scope(engine) as s:
        assert sorted((k.name, k.value) for k in s.exec(select(Kpi).where(Kpi.name == "nps"))) == [
            ("nps", 40.0),
            ("nps", 45.0),
        ]
    assert at.selectbox(key="kpi_name").options == ["nps", "revenue"]
    at.selectbox(key="kpi_name").set_value("nps").run()
    assert "Business KPI beside satisfaction" in chart_titles(at)


def test_kpi_file_upload_names_the_file_and_line(open_page, member_id, engine):
    at = open_page(PAGE, member_id=member_id, query_params={**W10, "view": "product"})
    at.file_uploader(key="kpi_file").upload("q1.csv", b"date,kpi,value\n2026-03-02,churn,0.1\n02/03/2026,churn,0.2\n",
                                            "text/csv")
    at.button(key="kpi_import").click().run()
    assert "q1.csv, line 3, field 'date': '02/03/2026' is not a date like 2026-11-23" in at.error[0].value
    at.file_uploader(key="kpi_file").set_value(("q1.csv", b"date,kpi,value\n2026-03-02,churn,0.1\n", "text/csv"))
    at.button(key="kpi_import").click().run()
    assert "Imported churn: 1 new value(s), 0 updated." in at.success[0].value
    with session_scope(engine) as s:
        assert [(k.name, k.value) for k in s.exec(select(Kpi).where(Kpi.name == "churn"))] == [("churn", 0.1)]
        assert s.exec(select(AuditLog).where(AuditLog.entity == "kpi")).one().member_id == member_id
