"""Culture dashboard: is the team's user-analytics habit forming? Leading indicators first, lagging below.

Views per audience: a one-screen summary for leadership, fuller product and engineering views. The view, week
and window are mirrored in the URL (?view=product&week=2026-W47&weeks=26) so a view can be shared.
"""

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from reviewlab.charts import (
    build_cohort_chart,
    build_issues_chart,
    build_kpi_chart,
    build_series_chart,
    build_trend_chart,
    issues_data,
    kpi_data,
    series_data,
    trend_data,
)
from reviewlab.config import get_settings
from reviewlab.db import session_scope
from reviewlab.indicators import (
    INDICATOR_BY_KEY,
    INDICATORS,
    SATISFACTION_KEYS,
    compare_weeks,
    default_week,
    parse_week,
    target_from_input,
    target_input,
    week_label,
)
from reviewlab.report import build_weekly_report, chart_pngs, report_csv, report_html, report_markdown
from reviewlab.store.indicators import clear_target, data_week_range, indicator_bundle, set_target
from reviewlab.store.kpis import import_kpi_csv
from reviewlab.ui.shell import current_member_id, get_engine, run_write

AUDIENCES = {"leadership": "Leadership", "product": "Product", "engineering": "Engineering"}
WINDOWS = (12, 26, 52)
LEADING = [i.key for i in INDICATORS if i.group == "leading"]
SUMMARY_LAGGING = ["weekly_active_users", "reviewer_satisfaction", "frustrated_share", "median_days_to_resolve"]
AREA_KEYS = {area: [i.key for i in INDICATORS if i.area == area] for area in ("adoption", "satisfaction", "learning")}


@st.cache_data(ttl=60, show_spinner=False)
def load_range(url: str) -> tuple[int, int] | None:
    with session_scope(get_engine()) as session:
        return data_week_range(session=session)


@st.cache_data(ttl=60, show_spinner=False)
def load_bundle(url: str, first_week: int, last_week: int):
    with session_scope(get_engine()) as session:
        return indicator_bundle(session=session, first_week=first_week, last_week=last_week)


def report_files(week: int):
    """Deferred builders for the download buttons (run only when clicked, on Streamlit's download thread)."""
    engine = get_engine()

    def build():
        with session_scope(engine) as session:
            return build_weekly_report(session=session, week=week)

    return (lambda: report_markdown(build()), lambda: _html(build()), lambda: report_csv(build()))


def _html(report) -> str:
    return report_html(report, chart_pngs(report))


# --- Writes (callbacks run before the rerun, so the page redraws with the new values) -------------------


def target_widget_keys(indicator: str) -> tuple[str, str]:
    """Value and direction widgets keyed per indicator, so each starts from that indicator's own target."""
    return f"target_value_{indicator}", f"target_direction_{indicator}"


def save_target() -> None:
    key = st.session_state["target_indicator"]
    value_key, direction_key = target_widget_keys(key)
    value = target_from_input(key, st.session_state[value_key])
    higher = st.session_state[direction_key] == "Higher is better"
    st.session_state["targets_open"] = True
    try:
        run_write(set_target, indicator=key, target=value, higher_is_better=higher, member_id=current_member_id())
    except ValueError as exc:
        st.session_state["target_message"] = ("error", str(exc))
        return
    st.session_state["target_message"] = ("success", f"Target saved for {INDICATOR_BY_KEY[key].label}.")


def remove_target() -> None:
    key = st.session_state["target_indicator"]
    st.session_state["targets_open"] = True
    try:
        removed = run_write(clear_target, indicator=key, member_id=current_member_id())
    except ValueError as exc:
        st.session_state["target_message"] = ("error", str(exc))
        return
    for widget in target_widget_keys(key):  # back to the indicator's defaults
        st.session_state.pop(widget, None)
    label = INDICATOR_BY_KEY[key].label
    st.session_state["target_message"] = ("success", f"Target removed for {label}." if removed
                                          else f"{label} had no target.")


def upload_kpis() -> None:
    upload = st.session_state.get("kpi_file")
    pasted = st.session_state.get("kpi_text", "").strip()
    if upload is None and not pasted:
        st.session_state["kpi_message"] = ("error", "Choose a CSV file or paste its rows first.")
        return
    data, name = (upload.getvalue(), upload.name) if upload is not None else (pasted, "pasted rows")
    try:
        result = run_write(import_kpi_csv, data=data, file_name=name, member_id=current_member_id())
    except ValueError as exc:  # KpiCsvError lists the bad lines
        st.session_state["kpi_message"] = ("error", "Nothing was imported:\n\n" + "\n".join(
            f"- {line}" for line in str(exc).splitlines()))
        return
    st.session_state["kpi_text"] = ""
    st.session_state["kpi_message"] = ("success", f"Imported {', '.join(result.kpis)}: {result.added} new value(s), "
                                                  f"{result.updated} updated.")


def show_message(key: str) -> None:
    message = st.session_state.pop(key, None)
    if message:
        kind, text = message
        (st.error if kind == "error" else st.success)(text)


# --- Drawing -----------------------------------------------------------------------------------------------


def draw(chart, where=st) -> None:
    """A chart at full width; its plot keeps the height it was built with (see reviewlab.charts)."""
    where.altair_chart(chart, width="stretch", height="content")


def tiles(comparison: pd.DataFrame, keys: list[str], per_row: int = 4) -> None:
    rows = comparison.set_index("key").loc[keys]
    for start in range(0, len(keys), per_row):
        for column, (key, row) in zip(st.columns(per_row), rows.iloc[start:start + per_row].iterrows(), strict=False):
            status = {True: ":red[●] ", False: ":green[●] "}.get(row["off_target"], "")
            target = (f" Target: {row['target_text']} ({'higher' if row['higher_is_better'] else 'lower'} is better)"
                      f"{', missed this week' if row['off_target'] else ''}.")
            column.metric(
                status + row["label"],
                row["this_text"],
                delta=None if row["change_text"] == "–" else row["change_text"],
                delta_color="normal" if row["higher_is_better"] else "inverse",
                delta_description="vs last week",
                help=INDICATOR_BY_KEY[key].description + "." + (target if row["target_text"] else ""),
                border=True,
            )


def trend_grid(bundle, keys: list[str], per_row: int = 2) -> None:
    for start in range(0, len(keys), per_row):
        for column, key in zip(st.columns(per_row), keys[start:start + per_row], strict=False):
            chart = build_trend_chart(trend_data(bundle.table, key, bundle.targets.get(key)))
            draw(chart, column)


def off_target_banner(comparison: pd.DataFrame) -> None:
    off = comparison[comparison["off_target"].eq(True)]
    judged = comparison["off_target"].notna().sum()
    if len(off):
        items = ", ".join(f"**{r.label}** {r.this_text} (target {r.target_text})" for r in off.itertuples())
        st.warning(f"Off target this week: {items}", icon=":material/flag:")
    elif judged:
        st.success(f"All {judged} indicator(s) with a target are on target this week.", icon=":material/check:")
    else:
        st.caption("No targets set yet: set them under **Targets** at the bottom of the page.")


def leading_section(bundle, comparison: pd.DataFrame, audience: str) -> None:
    st.subheader("Leading indicators")
    st.caption("Is the habit forming? These move first.")
    tiles(comparison, LEADING, per_row=3)
    if audience == "leadership":
        draw(build_series_chart(series_data(bundle.table, ["meeting_content_share", "evidence_backed_share",
                                                           "proactive_share"]), unit="share",
                                title="Leading indicators per week"))
        return
    trend_grid(bundle, ["meeting_content_share", "evidence_backed_share", "proactive_share",
                        "cross_functional_meetings"])
    if audience == "engineering":
        draw(build_issues_chart(issues_data(bundle.table)))


def adoption_section(bundle, comparison: pd.DataFrame, *, cohorts: bool) -> None:
    st.markdown("#### Adoption")
    tiles(comparison, AREA_KEYS["adoption"], per_row=3)
    draw(build_series_chart(series_data(bundle.table, ["weekly_active_users", "conversations"]),
                            title="Active users and conversations"))
    if cohorts:
        if bundle.cohorts.empty:
            st.caption("No users with ids yet: cohort retention needs conversations with a user id.")
        else:
            draw(build_cohort_chart(bundle.cohorts))


def satisfaction_section(bundle, comparison: pd.DataFrame, audience: str) -> None:
    st.markdown("#### Satisfaction")
    keys = AREA_KEYS["satisfaction"]
    tiles(comparison, keys, per_row=4)
    first = ["frustrated_share", "task_completion_rate"] if audience == "engineering" else [
        "reviewer_satisfaction", "intent_fulfilled_rate"]
    trend_grid(bundle, first + [k for k in keys if k not in first][:2])
    if bundle.table["frustrated_share"].isna().all():
        st.caption("Frustration shares appear once the signals have been computed (`reviewlab analyze`).")


def learning_section(bundle, comparison: pd.DataFrame) -> None:
    st.markdown("#### Organisational learning")
    tiles(comparison, AREA_KEYS["learning"], per_row=2)
    draw(build_series_chart(series_data(bundle.table, AREA_KEYS["learning"]), unit="days",
                            title="Median days to detect and to resolve"))


def business_section(bundle) -> None:
    st.markdown("#### Business impact")
    kpis = sorted(bundle.weekly_kpis["kpi"].unique()) if len(bundle.weekly_kpis) else []
    if kpis:
        left, right = st.columns(2)
        kpi = left.selectbox("KPI", kpis, key="kpi_name")
        against = right.selectbox("Beside", list(SATISFACTION_KEYS), format_func=lambda k: INDICATOR_BY_KEY[k].label,
                                  key="kpi_against")
        draw(build_kpi_chart(kpi_data(bundle.weekly_kpis, bundle.table, kpi, against)))
        corr = bundle.correlations[bundle.correlations["kpi"] == kpi].assign(
            indicator=lambda d: d["indicator"].map(lambda k: INDICATOR_BY_KEY[k].label))
        st.dataframe(corr.rename(columns={"indicator": "Satisfaction indicator", "weeks": "Weeks", "r": "Pearson r"})
                     .drop(columns="kpi"), hide_index=True, width="stretch",
                     column_config={"Pearson r": st.column_config.NumberColumn(format="%.2f")})
        st.caption("Correlation over the weeks where both are known (needs ≥ 3); it is not causation.")
    else:
        st.caption("No business KPIs uploaded for these weeks yet.")
    with st.expander("Upload KPIs (CSV with columns date,kpi,value)", expanded=not kpis):
        st.file_uploader("KPI file", type=["csv"], key="kpi_file")
        st.text_area("…or paste rows", key="kpi_text", placeholder="date,kpi,value\n2026-11-16,revenue,1200",
                     height=120)
        st.button("Import KPIs", key="kpi_import", on_click=upload_kpis, disabled=current_member_id() is None)
        show_message("kpi_message")


def targets_panel(bundle) -> None:
    # Stateful (keyed) so that saving or removing a target keeps it open.
    with st.expander("Targets", icon=":material/flag:", key="targets_open", on_change="rerun"):
        st.caption("The team's target per indicator, stored for everyone. Off-target values turn red above.")
        current = pd.DataFrame([
            {"Indicator": INDICATOR_BY_KEY[k].label, "Target": t if INDICATOR_BY_KEY[k].unit != "share" else t * 100,
             "Unit": "%" if INDICATOR_BY_KEY[k].unit == "share" else INDICATOR_BY_KEY[k].unit,
             "Direction": "higher is better" if h else "lower is better"}
            for k, (t, h) in bundle.targets.items()
        ])
        if len(current):
            st.dataframe(current, hide_index=True, width="stretch")
        key = st.selectbox("Indicator", [i.key for i in INDICATORS], format_func=lambda k: INDICATOR_BY_KEY[k].label,
                           key="target_indicator")
        unit = INDICATOR_BY_KEY[key].unit
        is_share = unit == "share"
        known = bundle.table[key].dropna() if key in bundle.table else pd.Series(dtype=float)
        shown, higher = target_input(key, bundle.targets, float(known.iloc[-1]) if len(known) else None)
        value_key, direction_key = target_widget_keys(key)
        left, right = st.columns(2)
        left.number_input("Target (%)" if is_share else f"Target ({unit})", value=shown,
                          min_value=None if unit == "score" else 0.0, max_value=100.0 if is_share else None,
                          step=5.0 if is_share else (0.1 if unit == "score" else 1.0), key=value_key)
        right.radio("Direction", ["Higher is better", "Lower is better"], index=0 if higher else 1,
                    key=direction_key, horizontal=True)
        disabled = current_member_id() is None
        save, clear, _ = st.columns([1, 1, 4])
        save.button("Save target", key="target_save", on_click=save_target, type="primary", disabled=disabled)
        clear.button("Remove target", key="target_clear", on_click=remove_target, disabled=disabled)
        show_message("target_message")
        if disabled:
            st.caption("Pick your name in the sidebar to change targets.")


def report_panel(week: int) -> None:
    st.markdown("#### Weekly report")
    st.caption("Indicators and charts, top pain points with short quotes, issues, decisions and follow-ups.")
    markdown, html, csv = report_files(week)
    label = week_label(week)
    cols = st.columns(3)
    cols[0].download_button("Markdown", markdown, file_name=f"reviewlab-{label}.md", mime="text/markdown",
                            icon=":material/description:", key="report_md", on_click="ignore")
    cols[1].download_button("HTML with charts", html, file_name=f"reviewlab-{label}.html", mime="text/html",
                            icon=":material/web:", key="report_html", on_click="ignore")
    cols[2].download_button("Indicator table (CSV)", csv, file_name=f"reviewlab-{label}-indicators.csv",
                            mime="text/csv", icon=":material/table:", key="report_csv", on_click="ignore")


# --- The page ----------------------------------------------------------------------------------------------

st.title("Culture indicators")
url = get_settings().database_url
span = load_range(url)
if span is None:
    st.info("No data yet: import conversations and hold a review session, and the indicators appear here.",
            icon=":material/info:")
    st.stop()

params = st.query_params
view = params.get("view", "leadership")
audience = st.segmented_control("View for", list(AUDIENCES), format_func=AUDIENCES.get, required=True,
                                default=view if view in AUDIENCES else "leadership", key="audience")
first_data, last_data = span
weeks = list(range(last_data, first_data - 1, -1))
try:
    asked = parse_week(params["week"]) if "week" in params else None
except ValueError:
    asked = None
start = asked if asked in weeks else default_week(first_data, last_data, datetime.now(UTC).date())
left, right = st.columns([2, 3])
week = left.selectbox("Week (ISO, UTC)", weeks, index=weeks.index(start), format_func=week_label, key="week")
asked_window = params.get("weeks", "26")
window = right.segmented_control("Trend window", WINDOWS, format_func=lambda n: f"{n} weeks", required=True,
                                 default=int(asked_window) if asked_window in {str(w) for w in WINDOWS} else 26,
                                 key="window")
st.query_params.update({"view": audience, "week": week_label(week), "weeks": str(window)})

bundle = load_bundle(url, max(week - window + 1, first_data), week)
comparison = compare_weeks(bundle.table, week, bundle.targets)
off_target_banner(comparison)
leading_section(bundle, comparison, audience)

st.subheader("Lagging indicators")
st.caption("What the habit changes for users and the business, with a delay.")
if audience == "leadership":
    tiles(comparison, SUMMARY_LAGGING)
elif audience == "product":
    adoption_section(bundle, comparison, cohorts=True)
    satisfaction_section(bundle, comparison, audience)
    business_section(bundle)
else:
    learning_section(bundle, comparison)
    satisfaction_section(bundle, comparison, audience)
    adoption_section(bundle, comparison, cohorts=False)

st.divider()
report_panel(week)
targets_panel(bundle)
