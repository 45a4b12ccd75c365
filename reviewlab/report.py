"""The weekly report: indicators with their charts, top pain points, issues, decisions and follow-ups.

Three renderings of one `WeeklyReport`: Markdown (charts as image files beside it), self-contained HTML (charts as
PNG data URIs, no scripts, no remote content) and a CSV of the weekly indicator table (raw numbers, see
`report_csv`). Conversation snippets and titles are untrusted text: HTML-escaped in HTML; in Markdown, every
character with a Markdown or HTML meaning is backslash-escaped, so no link, image or tag can come from the data.
"""

from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert
from sqlmodel import Session

from reviewlab.charts import (
    build_issues_chart,
    build_series_chart,
    issues_data,
    series_data,
)
from reviewlab.csvsafe import safe_frame
from reviewlab.indicators import (
    active_weeks,
    compare_weeks,
    week_bounds,
    week_has_data,
    week_label,
    weekly_indicators,
)
from reviewlab.store.indicators import get_targets, load_indicator_frames
from reviewlab.store.report import WeekActivity, week_activity

TREND_WEEKS = 12
CHART_WIDTH = 560

#: name → (title, indicator keys, unit) of the series charts in the report; plus "issues" (stacked bars).
REPORT_SERIES = {
    "leading": ("Leading indicators", ["meeting_content_share", "evidence_backed_share", "proactive_share"], "share"),
    "adoption": ("Adoption", ["weekly_active_users", "conversations"], "count"),
    "satisfaction": ("Satisfaction",
                     ["intent_fulfilled_rate", "task_completion_rate", "positive_feedback_share", "frustrated_share"],
                     "share"),
    "learning": ("Organisational learning", ["median_days_to_detect", "median_days_to_resolve"], "days"),
}


@dataclass
class WeeklyReport:
    week: int
    label: str  # "2026-W47"
    period: str  # "16 Nov – 22 Nov 2026"
    has_data: bool
    table: pd.DataFrame  # weekly indicators over the trend window, ending with `week`
    comparison: pd.DataFrame  # this week against the previous one, with targets
    activity: WeekActivity
    charts: dict[str, alt.TopLevelMixin] = field(default_factory=dict)

    @property
    def base_name(self) -> str:
        return f"reviewlab-{self.label}"


def build_weekly_report(*, session: Session, week: int, trend_weeks: int = TREND_WEEKS, as_of=None) -> WeeklyReport:
    first = week - trend_weeks + 1
    frames = load_indicator_frames(session=session, first_week=first, last_week=week, as_of=as_of)
    table = weekly_indicators(frames, first, week)
    comparison = compare_weeks(table, week, get_targets(session=session))
    activity = week_activity(session=session, week=week)
    start, end = week_bounds(week)
    last_day = end - pd.Timedelta(days=1)
    period = f"{start:%-d %b} – {last_day:%-d %b %Y}"
    report = WeeklyReport(week=week, label=week_label(week), period=period,
                          has_data=week_has_data(table, week) or not activity.empty,
                          table=table, comparison=comparison, activity=activity)
    if active_weeks(table).any():
        report.charts = report_charts(table)
    return report


def report_charts(table: pd.DataFrame) -> dict[str, alt.TopLevelMixin]:
    charts: dict[str, alt.TopLevelMixin] = {
        name: build_series_chart(series_data(table, keys), unit=unit, title=title)
        for name, (title, keys, unit) in REPORT_SERIES.items()
    }
    charts["issues"] = build_issues_chart(issues_data(table))
    return {name: chart.properties(width=CHART_WIDTH) for name, chart in charts.items()}


def chart_pngs(report: WeeklyReport, scale: float = 1.5) -> dict[str, bytes]:
    """Each chart rendered to PNG offline (vl-convert), about half a second each."""
    return {name: vl_convert.vegalite_to_png(chart.to_json(), scale=scale) for name, chart in report.charts.items()}


# --- Escaping untrusted text -----------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~&])")  # all that can start a link, image, tag or emphasis


def md_escape(text: object) -> str:
    """Untrusted text as inert Markdown on one line: characters that could open a link, an image, an HTML tag, an
    entity, code or emphasis are backslash-escaped (the text is never at a line start, so list markers are inert)."""
    flat = re.sub(r"\s+", " ", str(text)).strip()
    return _MD_SPECIAL.sub(r"\\\1", flat)


def _h(text: object) -> str:
    return html.escape(re.sub(r"\s+", " ", str(text)).strip(), quote=True)


# --- Markdown ---------------------------------------------------------------------------------------------

NO_DATA = "No data for this week: no conversations, meetings, issues or decisions were recorded."


def _status(off: object) -> str:
    return {True: "off target", False: "on target"}.get(off, "")


def report_markdown(report: WeeklyReport, images: dict[str, str] | None = None) -> str:
    """The report as Markdown; `images` maps chart name → relative image path (charts are left out without it)."""
    lines = [f"# ReviewLab weekly report — {report.label}", "", f"*{report.period} (weeks in UTC)*", ""]
    if not report.has_data:
        lines += [f"> {NO_DATA}", ""]
    lines += ["## Indicators", "", "| Indicator | This week | Previous | Change | Target | Status |",
              "|---|---|---|---|---|---|"]
    for group in ("leading", "lagging"):
        rows = report.comparison[report.comparison["group"] == group]
        lines += [f"| **{row.label}** ({group}) | {row.this_text} | {row.previous_text} | {row.change_text} | "
                  f"{row.target_text} | {_status(row.off_target)} |" for row in rows.itertuples()]
    if images:
        lines += ["", "## Trends", ""]
        lines += [f"![{report.charts[name].title}]({path})" for name, path in images.items()]
    elif report.charts:
        lines += ["", "*Trend charts: see the HTML report, or `reviewlab report --out DIR` for image files.*"]
    lines += ["", "## Top pain points", ""]
    pains = report.activity.pain_points
    if pains.empty:
        lines.append("No pain points were tagged this week.")
    for row in pains.itertuples():
        lines.append(f"- **{md_escape(row.tag)}**: {row.annotations} tag(s) on {row.conversations} conversation(s)")
        lines += [f"  > “{md_escape(snippet)}”" for snippet in row.snippets]
    lines += ["", "## Issues", "", "**Opened**", ""]
    opened = report.activity.issues_opened
    lines += [f"- #{r.id} {md_escape(r.title)} ({r.found_via}, via {md_escape(r.channel)}, {r.severity})"
              for r in opened.itertuples()] or ["None this week."]
    lines += ["", "**Resolved**", ""]
    lines += [f"- #{r.id} {md_escape(r.title)} ({r.found_via}, resolved in {r.days_to_resolve:.1f} days)"
              for r in report.activity.issues_resolved.itertuples()] or ["None this week."]
    lines += ["", "## Decisions", "", "**Taken**", ""]
    lines += [f"- {md_escape(r.title)} (owner: {md_escape(r.owner or '—')}, {r.evidence} evidence link(s))"
              for r in report.activity.decisions.itertuples()] or ["None this week."]
    lines += ["", "**Follow-ups due**", ""]
    lines += [f"- {r.follow_up_on}: {md_escape(r.title)} (owner: {md_escape(r.owner or '—')}, {r.state})"
              for r in report.activity.follow_ups.itertuples()] or ["None due."]
    return "\n".join(lines) + "\n"


# --- HTML -------------------------------------------------------------------------------------------------

CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#212121}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}
.off{color:#c62828;font-weight:600}.on{color:#2e7d32}blockquote{color:#555;margin:.2rem 0 .2rem 1.5rem}
.note{background:#fff8e1;padding:.6rem 1rem;border-left:4px solid #ffb300}img{max-width:100%}"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def report_html(report: WeeklyReport, images: dict[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML page; `images` maps chart name → PNG bytes (embedded as data URIs)."""
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
           f"<title>ReviewLab weekly report {report.label}</title><style>{CSS}</style></head><body>",
           f"<h1>ReviewLab weekly report — {report.label}</h1>", f"<p><em>{_h(report.period)} (weeks in UTC)</em></p>"]
    if not report.has_data:
        out.append(f'<p class="note">{NO_DATA}</p>')
    out.append("<h2>Indicators</h2><table><tr><th>Indicator</th><th>This week</th><th>Previous</th><th>Change</th>"
               "<th>Target</th><th>Status</th></tr>")
    for row in report.comparison.itertuples():
        css = {True: "off", False: "on"}.get(row.off_target, "")
        out.append(f"<tr><td><strong>{_h(row.label)}</strong> ({row.group})</td><td>{_h(row.this_text)}</td>"
                   f"<td>{_h(row.previous_text)}</td><td>{_h(row.change_text)}</td><td>{_h(row.target_text)}</td>"
                   f'<td class="{css}">{_status(row.off_target)}</td></tr>')
    out.append("</table>")
    if images:
        out.append("<h2>Trends</h2>")
        for name, png in images.items():
            data = base64.b64encode(png).decode("ascii")
            out.append(f'<p><img alt="{_h(name)} chart" src="data:image/png;base64,{data}"></p>')
    out.append("<h2>Top pain points</h2>")
    pains = report.activity.pain_points
    if pains.empty:
        out.append("<p>No pain points were tagged this week.</p>")
    else:
        out.append("<ul>")
        for row in pains.itertuples():
            quotes = "".join(f"<blockquote>“{_h(s)}”</blockquote>" for s in row.snippets)
            out.append(f"<li><strong>{_h(row.tag)}</strong>: {row.annotations} tag(s) on {row.conversations} "
                       f"conversation(s){quotes}</li>")
        out.append("</ul>")
    out.append("<h2>Issues</h2>")
    out += _html_list("Opened", [f"#{r.id} {_h(r.title)} ({r.found_via}, via {_h(r.channel)}, {_h(r.severity)})"
                                 for r in report.activity.issues_opened.itertuples()], "None this week.")
    out += _html_list("Resolved", [f"#{r.id} {_h(r.title)} ({r.found_via}, resolved in {r.days_to_resolve:.1f} days)"
                                   for r in report.activity.issues_resolved.itertuples()], "None this week.")
    out.append("<h2>Decisions</h2>")
    out += _html_list("Taken", [f"{_h(r.title)} (owner: {_h(r.owner or '—')}, {r.evidence} evidence link(s))"
                                for r in report.activity.decisions.itertuples()], "None this week.")
    out += _html_list("Follow-ups due", [f"{r.follow_up_on}: {_h(r.title)} (owner: {_h(r.owner or '—')}, {r.state})"
                                         for r in report.activity.follow_ups.itertuples()], "None due.")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_list(title: str, items: list[str], empty: str) -> list[str]:
    if not items:
        return [f"<h3>{title}</h3><p>{empty}</p>"]
    return [f"<h3>{title}</h3><ul>", *[f"<li>{item}</li>" for item in items], "</ul>"]


# --- CSV and files ----------------------------------------------------------------------------------------


def report_csv(report: WeeklyReport) -> str:
    """The weekly indicator table (one row per week of the trend window), safe to open in a spreadsheet.

    Raw numbers: shares as fractions (0.6), days as decimals, and the counts behind them. An empty cell is an
    undefined value (no data that week); `proactive_ratio` is `inf` in a week with proactive but no reactive issues,
    where the Markdown and HTML show "∞".
    """
    table = report.table.drop(columns="week_start").reset_index(drop=True)
    only_proactive = table["proactive_ratio"].isna() & (table["proactive_issues"] > 0)
    table.loc[only_proactive, "proactive_ratio"] = math.inf
    return safe_frame(table).to_csv(index=False)


def write_report(report: WeeklyReport, out_dir: Path) -> list[Path]:
    """Write the Markdown (with PNG files beside it), the HTML and the CSV into `out_dir`; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = chart_pngs(report)
    written = []
    image_names = {}
    for name, png in pngs.items():
        path = out_dir / f"{report.base_name}-{name}.png"
        path.write_bytes(png)
        written.append(path)
        image_names[name] = path.name
    for suffix, text in (
        (".md", report_markdown(report, image_names)),
        (".html", report_html(report, pngs)),
        ("-indicators.csv", report_csv(report)),
    ):
        path = out_dir / f"{report.base_name}{suffix}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
