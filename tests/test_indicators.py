"""Culture indicators against hand-computed values, on SQLite and PostgreSQL (the week formula is SQL per dialect).

The workspace and its hand-computed values are described in tests/indicator_data.py.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlmodel import select

from reviewlab.db import make_engine, session_scope
from reviewlab.demo import seed_demo
from reviewlab.indicators import (
    IndicatorFrames,
    activity_from_pairs,
    cohort_retention,
    compare_weeks,
    format_value,
    kpi_correlations,
    kpi_weekly,
    parse_week,
    target_from_input,
    target_input,
    week_has_data,
    week_label,
    week_of,
    week_start,
    weekly_indicators,
    weeks_of,
)
from reviewlab.models import AuditLog
from reviewlab.store.indicators import (
    clear_target,
    data_week_range,
    get_targets,
    indicator_bundle,
    load_indicator_frames,
    set_target,
)
from reviewlab.store.kpis import KpiCsvError, import_kpi_csv, kpis_frame
from reviewlab.store.setup import ensure_ready
from tests.conftest import _fresh_postgres_database
from tests.indicator_data import AS_OF, W8, W9, W10, W11, W12, conv, seed_scenario


def _table(engine, first=W8, last=W12):
    with session_scope(engine) as s:
        frames = load_indicator_frames(session=s, first_week=first, last_week=last, as_of=AS_OF)
    return frames, weekly_indicators(frames, first, last)


# --- Weeks ---------------------------------------------------------------------------------------------


def test_week_numbers_and_iso_labels():
    assert week_label(W10) == "2026-W10" and week_start(W10) == date(2026, 3, 2)
    assert parse_week("2026W10") == W10 == week_of(date(2026, 3, 8))
    assert week_label(parse_week("2020-W53")) == "2020-W53"
    assert week_label(week_of(date(2027, 1, 1))) == "2026-W53"  # ISO year differs from the calendar year
    with pytest.raises(ValueError, match="ISO week"):
        parse_week("2026-11")


def test_weeks_are_utc_iso_weeks_around_midnight():
    sunday_late = datetime(2026, 3, 8, 23, 59, tzinfo=UTC)
    monday_early = datetime(2026, 3, 9, 0, 1, tzinfo=UTC)
    paris_monday = datetime(2026, 3, 9, 0, 30, tzinfo=timezone(timedelta(hours=1)))  # Sunday 23:30 UTC
    assert [week_of(sunday_late), week_of(monday_early), week_of(paris_monday)] == [W10, W11, W10]
    stamps = pd.Series([sunday_late, monday_early, paris_monday])
    assert weeks_of(stamps).tolist() == [W10, W11, W10]


def test_sql_weeks_match_around_midnight(any_engine):
    with session_scope(any_engine, write=True) as s:
        s.add_all([
            conv("sun", datetime(2026, 3, 8, 23, 59, tzinfo=UTC), "u"),
            conv("mon", datetime(2026, 3, 9, 0, 1, tzinfo=UTC), "v"),
            conv("tz", datetime(2026, 3, 9, 0, 30, tzinfo=timezone(timedelta(hours=1))), "w"),
            conv("edge", datetime(2026, 3, 9, 0, 0, tzinfo=UTC), None),
        ])
    _, table = _table(any_engine, W10, W11)
    assert table.loc[W10, "conversations"] == 2 and table.loc[W10, "weekly_active_users"] == 2
    assert table.loc[W11, "conversations"] == 2 and table.loc[W11, "weekly_active_users"] == 1


# --- Every indicator on the hand-built workspace (both databases) ---------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def scenario_engine(request, tmp_path_factory):
    """The scenario, built once per database for this module's read-only tests."""
    url = (f"sqlite:///{tmp_path_factory.mktemp('indicators') / 'r.db'}" if request.param == "sqlite"
           else _fresh_postgres_database())
    engine = make_engine(url)
    ensure_ready(engine)
    seed_scenario(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def scenario(scenario_engine):
    return _table(scenario_engine)


def test_meeting_content_and_cross_functional_touchpoints(scenario):
    _, t = scenario
    assert t.loc[W10, "ai_meetings"] == 5 and t.loc[W10, "behaviour_meetings"] == 4
    assert t.loc[W10, "meeting_content_share"] == pytest.approx(0.8)
    assert t.loc[W10, "cross_functional_meetings"] == 2
    # A week with no meetings: share undefined, no touchpoints.
    assert math.isnan(t.loc[W11, "meeting_content_share"]) and t.loc[W11, "cross_functional_meetings"] == 0


def test_evidence_backed_decisions(scenario):
    _, t = scenario
    assert t.loc[W10, "decisions"] == 3 and t.loc[W10, "evidence_backed"] == 2
    assert t.loc[W10, "evidence_backed_share"] == pytest.approx(2 / 3)
    assert math.isnan(t.loc[W11, "evidence_backed_share"])


def test_proactive_share_and_ratio_without_reactive_issues(scenario):
    _, t = scenario
    assert (t.loc[W10, "proactive_issues"], t.loc[W10, "reactive_issues"]) == (2, 1)
    assert t.loc[W10, "proactive_share"] == pytest.approx(2 / 3)
    assert t.loc[W10, "proactive_ratio"] == pytest.approx(2.0)
    assert t.loc[W11, "proactive_share"] == 1.0
    assert math.isnan(t.loc[W11, "proactive_ratio"])  # R = 0: undefined
    shown = compare_weeks(t, W11).set_index("key")
    assert shown.loc["proactive_ratio", "this_text"] == "∞" and shown.loc["proactive_ratio", "previous_text"] == "2.00×"
    assert compare_weeks(t, W12).set_index("key").loc["proactive_ratio", "this_text"] == "–"


def test_time_to_detect_and_resolve(scenario):
    _, t = scenario
    assert t.loc[W10, "median_days_to_detect"] == pytest.approx(3.5)
    assert t.loc[W11, "median_days_to_detect"] == pytest.approx(0.0)
    assert math.isnan(t.loc[W10, "median_days_to_resolve"])
    assert t.loc[W11, "median_days_to_resolve"] == pytest.approx(5.0)
    assert t.loc[W11, "resolved_issues"] == 2


def test_adoption_with_conversations_without_user_ids(scenario):
    _, t = scenario
    assert t.loc[W9, ["conversations", "weekly_active_users"]].tolist() == [1, 1]
    assert t.loc[W10, ["conversations", "weekly_active_users"]].tolist() == [8, 2]
    assert t.loc[W11, ["conversations", "weekly_active_users"]].tolist() == [4, 2]
    assert t.loc[W9, "returning_user_share"] == 0.0
    assert t.loc[W10, "returning_user_share"] == 0.5 and t.loc[W11, "returning_user_share"] == 0.5
    assert t.loc[W12, "conversations"] == 0 and math.isnan(t.loc[W12, "returning_user_share"])


def test_cohort_retention(scenario, scenario_engine):
    frames, _ = scenario
    # Users by first week: u1 (W09, active W10), u2 (W10, active W11), u3 (W11). Weeks W08 to W12.
    assert frames.activity.index.tolist() == [W9, W10, W11]
    cohorts = cohort_retention(frames.activity).set_index(["cohort", "age"])
    assert cohorts["retention"].to_dict() == {
        ("2026-W09", 0): 1.0, ("2026-W09", 1): 1.0, ("2026-W09", 2): 0.0, ("2026-W09", 3): 0.0,
        ("2026-W10", 0): 1.0, ("2026-W10", 1): 1.0, ("2026-W10", 2): 0.0,
        ("2026-W11", 0): 1.0, ("2026-W11", 1): 0.0,
    }
    assert cohorts.loc[("2026-W09", 1), ["users", "cohort_size"]].tolist() == [1, 1]
    # Over W10–W11 only, u1's cohort (W09) starts before the range: not a cohort, yet u1 is a returning user.
    short, table = _table(scenario_engine, W10, W11)
    assert cohort_retention(short.activity)["cohort"].unique().tolist() == ["2026-W10", "2026-W11"]
    assert table.loc[W10, "returning_user_share"] == 0.5


def test_activity_frame_from_pairs_matches_the_database(scenario):
    frames, _ = scenario
    pairs = pd.DataFrame({"week": [W9, W10, W10, W11, W11], "user_id": ["u1", "u1", "u2", "u2", "u3"]})
    expected = activity_from_pairs(pairs, W8, W12)
    pd.testing.assert_frame_equal(frames.activity.sort_index(), expected.sort_index(), check_names=False,
                                  check_index_type=False, check_column_type=False)


def test_satisfaction(scenario):
    _, t = scenario
    assert t.loc[W10, "reviewer_satisfaction"] == pytest.approx(3.0)
    assert t.loc[W10, "intent_fulfilled_rate"] == pytest.approx(1 / 3)
    assert t.loc[W10, "task_completion_rate"] == pytest.approx(0.5)
    assert t.loc[W10, "explicit_feedback_mean"] == pytest.approx(1 / 6)
    assert t.loc[W10, "positive_feedback_share"] == pytest.approx(2 / 3)
    assert t.loc[W10, "frustrated_share"] == pytest.approx(2 / 3)
    # W11 conversations have no feedback, no frustration scores and no judgements.
    assert t.loc[W11, ["reviewer_satisfaction", "explicit_feedback_mean", "frustrated_share"]].isna().all()


def test_kpis_weekly_mean(scenario):
    frames, _ = scenario
    weekly = kpi_weekly(frames.kpis).set_index("week_no")
    assert weekly.loc[W10, "value"] == 15.0 and weekly.loc[W10, "days"] == 2
    assert weekly.loc[W11, "value"] == 30.0


def test_week_range_and_has_data(scenario, scenario_engine):
    _, t = scenario
    with session_scope(scenario_engine) as s:
        assert data_week_range(session=s) == (W8, parse_week("2026-W12"))
    assert week_has_data(t, W10) and not week_has_data(t, W12)


# --- Pure functions on hand-built frames --------------------------------------------------------------


def test_kpi_correlation_with_satisfaction():
    table = pd.DataFrame(
        {"reviewer_satisfaction": [1.0, 2.0, 3.0, 4.0], "explicit_feedback_mean": [0.1, None, 0.3, 0.2]},
        index=pd.Index([1, 2, 3, 4]),
    )
    kpis = pd.DataFrame({
        "week_no": [1, 2, 3, 4, 1, 2, 3, 4, 1, 2],
        "kpi": ["up"] * 4 + ["down"] * 4 + ["short"] * 2,
        "value": [2, 4, 6, 8, 4, 3, 2, 1, 5, 6],
    })
    out = kpi_correlations(kpis, table, against=("reviewer_satisfaction", "explicit_feedback_mean"))
    r = out.set_index(["kpi", "indicator"])
    assert r.loc[("up", "reviewer_satisfaction"), "r"] == pytest.approx(1.0)
    assert r.loc[("down", "reviewer_satisfaction"), "r"] == pytest.approx(-1.0)
    assert r.loc[("up", "explicit_feedback_mean"), "weeks"] == 3
    # Feedback (0.1, 0.3, 0.2) against (2, 6, 8): Sxy = 0.4, Sxx = 56/3, Syy = 0.02, r = 0.4 / √(56/3 · 0.02) = √(3/7).
    assert r.loc[("up", "explicit_feedback_mean"), "r"] == pytest.approx(math.sqrt(3 / 7))
    assert math.isnan(r.loc[("short", "reviewer_satisfaction"), "r"])  # only 2 shared weeks


def test_empty_workspace_gives_empty_weeks():
    table = weekly_indicators(IndicatorFrames(), W10, W11)
    assert table["week"].tolist() == ["2026-W10", "2026-W11"]
    assert (table["conversations"] == 0).all() and table["meeting_content_share"].isna().all()
    comparison = compare_weeks(table, W11, targets={"proactive_share": (0.5, True)})
    assert comparison["off_target"].isna().all()  # no value: not judged against the target
    assert cohort_retention(IndicatorFrames().activity).empty


def test_targets_mark_off_target_both_directions():
    table = weekly_indicators(IndicatorFrames(), W10, W11)
    table.loc[W11, ["proactive_share", "median_days_to_resolve"]] = [0.4, 3.0]
    table.loc[W10, "proactive_share"] = 0.5
    out = compare_weeks(table, W11, targets={"proactive_share": (0.6, True), "median_days_to_resolve": (2.0, False)},
                        keys=["proactive_share", "median_days_to_resolve", "conversations"]).set_index("key")
    assert out.loc["proactive_share", "off_target"] is True
    assert out.loc["proactive_share", "change"] == pytest.approx(-0.1)
    assert out.loc["median_days_to_resolve", "off_target"] is True
    assert out.loc["conversations", "off_target"] is None
    on = compare_weeks(table, W11, targets={"median_days_to_resolve": (4.0, False)}).set_index("key")
    assert on.loc["median_days_to_resolve", "off_target"] is False


def test_format_value():
    assert format_value("proactive_share", 0.666) == "67%"
    assert format_value("median_days_to_detect", 3.45) == "3.5 d"
    assert format_value("weekly_active_users", 1234.0) == "1,234"
    assert format_value("proactive_ratio", math.nan, proactive=3) == "∞"
    assert format_value("proactive_ratio", math.nan) == "–"


def test_target_form_shows_each_indicators_own_target_or_default():
    targets = {"proactive_share": (0.6, True), "median_days_to_resolve": (2.0, True)}
    assert target_input("proactive_share", targets) == (60.0, True)  # shares in %
    assert target_input("median_days_to_resolve", targets) == (2.0, True)  # the stored direction wins
    assert target_input("median_days_to_detect", targets) == (0.0, False)  # default: its own direction
    assert target_input("meeting_content_share", targets) == (50.0, True)
    assert target_input("reviewer_satisfaction", targets, latest=3.364) == (3.4, True)  # where the team stands now
    assert target_input("meeting_content_share", targets, latest=0.625) == (62.5, True)
    assert target_input("proactive_ratio", targets, latest=math.inf) == (0.0, True)
    assert target_from_input("proactive_share", 60.0) == pytest.approx(0.6)
    assert target_from_input("median_days_to_detect", 4.0) == 4.0


# --- Targets and KPI uploads (store) ----------------------------------------------------------------------


def test_targets_are_stored_validated_and_audited(session):
    set_target(session=session, indicator="proactive_share", target=0.6, member_id=None)
    set_target(session=session, indicator="median_days_to_detect", target=3)
    assert get_targets(session=session) == {"proactive_share": (0.6, True), "median_days_to_detect": (3.0, False)}
    set_target(session=session, indicator="proactive_share", target=0.7, higher_is_better=True)
    assert get_targets(session=session)["proactive_share"] == (0.7, True)
    for bad, message in [("nope", "Unknown indicator"), ("proactive_share", "between 0 and 1")]:
        with pytest.raises(ValueError, match=message):
            set_target(session=session, indicator=bad, target=60)
    assert clear_target(session=session, indicator="proactive_share") is True
    assert clear_target(session=session, indicator="proactive_share") is False
    actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "indicatortarget")).all()
    assert actions == ["create", "create", "update", "delete"]


def test_kpi_upload_adds_and_updates(session):
    result = import_kpi_csv(session=session, data=b"\xef\xbb\xbfDate,KPI,Value\n2026-03-02,revenue,10\n\n"
                            b"2026-03-03,revenue,20.5\n2026-03-02,nps,-3\n", file_name="k.csv")
    assert (result.added, result.updated, result.kpis) == (3, 0, ["nps", "revenue"])
    again = import_kpi_csv(session=session, data="value,date,kpi\n11,2026-03-02,revenue\n20.5,2026-03-03,revenue\n")
    assert (again.added, again.updated) == (0, 1)
    frame = kpis_frame(session=session)
    assert frame.values.tolist() == [["nps", date(2026, 3, 2), -3.0], ["revenue", date(2026, 3, 2), 11.0],
                                     ["revenue", date(2026, 3, 3), 20.5]]
    assert session.exec(select(AuditLog).where(AuditLog.entity == "kpi")).all()


@pytest.mark.parametrize("data, expected", [
    ("", ["k.csv: the file is empty (expected a header date,kpi,value and rows)"]),
    ("date,kpi\n2026-03-02,x\n", ["k.csv, line 1: the header must name the columns date, kpi, value (missing: "
                                 "value)"]),
    ("date,kpi,value\n", ["k.csv: no KPI rows after the header"]),
    ("date,kpi,value\n03/02/2026,rev,1\n2026-03-02,,x\n2026-03-02,rev,1,2\n2026-03-03,rev,inf\n", [
        "k.csv, line 2, field 'date': '03/02/2026' is not a date like 2026-11-23",
        "k.csv, line 3, field 'kpi': empty KPI name",
        "k.csv, line 3, field 'value': 'x' is not a number",
        "k.csv, line 4: expected 3 fields (date, kpi, value), found 4",
        "k.csv, line 5, field 'value': 'inf' is not a number",
    ]),
    ("date,kpi,value\n2026-03-02,rev,1\n2026-03-02,rev,2\n", ["k.csv, line 3: duplicate of line 2 (kpi 'rev', "
                                                              "date 2026-03-02)"]),
    (b"date,kpi,value\n2026-03-02,r\xe9v,1\n", ["k.csv: not UTF-8 text (byte 27)"]),
])
def test_bad_kpi_files_name_line_and_field_and_write_nothing(session, data, expected):
    with pytest.raises(KpiCsvError) as caught:
        import_kpi_csv(session=session, data=data, file_name="k.csv")
    assert caught.value.errors == expected
    assert kpis_frame(session=session).empty


def test_a_bad_line_anywhere_writes_nothing(session):
    good = "".join(f"2026-03-{d:02d},revenue,{d}\n" for d in range(1, 29))
    with pytest.raises(KpiCsvError, match="line 30, field 'value'"):
        import_kpi_csv(session=session, data="date,kpi,value\n" + good + "2026-03-29,revenue,??\n")
    assert kpis_frame(session=session).empty


# --- The demo workspace tells its planted story ----------------------------------------------------------


def test_demo_indicators_show_the_planted_story(engine):
    truth = seed_demo(engine, seed=7, scale=0.1)
    planted = truth["review_sessions"]
    start = parse_week(planted["start_week"])
    with session_scope(engine) as s:
        first, last = data_week_range(session=s)
        bundle = indicator_bundle(session=s, first_week=first, last_week=last)
    t = bundle.table
    before, after = t.loc[: start - 1], t.loc[start:]

    def pooled(part, num, den):
        return part[num].sum() / part[den].sum()

    for period, part in (("before", before), ("after", after)):
        expected = planted[period]
        issues = part["proactive_issues"] + part["reactive_issues"]
        assert round(part["proactive_issues"].sum() / issues.sum(), 4) == expected["proactive_share"]
        assert round(pooled(part, "behaviour_meetings", "ai_meetings"), 4) == expected["meeting_content_share"]
        assert part["cross_functional_meetings"].sum() == expected["cross_functional_meetings"]
        if expected["decisions"]:
            assert round(pooled(part, "evidence_backed", "decisions"), 4) == expected["evidence_backed_share"]
    # The direction the demo plants: review sessions start, and the leading indicators rise.
    assert pooled(after, "proactive_issues", "reactive_issues") > pooled(before, "proactive_issues", "reactive_issues")
    assert after["proactive_share"].mean() > before["proactive_share"].mean()
    assert after["meeting_content_share"].mean() > before["meeting_content_share"].mean()
    # Its KPIs sit beside satisfaction with a correlation for each pair (their sign is noise at this small scale).
    assert set(bundle.correlations["kpi"]) == set(truth["kpis"]["names"])
    assert (bundle.correlations["weeks"] >= 3).all() and bundle.correlations["r"].notna().all()
