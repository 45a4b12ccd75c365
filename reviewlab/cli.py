"""The `reviewlab` command. Each command is a thin wrapper over the reviewlab package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reviewlab.config import get_settings
from reviewlab.db import make_engine
from reviewlab.store.setup import ensure_ready

app = typer.Typer(help="ReviewLab: read real conversations, tag what hurt the user, decide with evidence.",
                  no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring its schema up to date."""
    was_new = ensure_ready(make_engine())
    console.print("Database created." if was_new else "Database is up to date.")


@app.command("serve", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def serve(ctx: typer.Context) -> None:
    """Start the web app (extra options go to `streamlit run`, e.g. --server.port 8502)."""
    from reviewlab.serve import serve as serve_app

    ensure_ready(make_engine())
    serve_app(list(ctx.args))


@app.command("init")
def init(
    demo_if_new: bool = typer.Option(False, "--demo-if-new", help="Seed the demo workspace when the database is new."),
) -> None:
    """Create or upgrade the database; with --demo-if-new, seed the demo workspace on the very first run."""
    engine = make_engine()
    was_new = ensure_ready(engine)
    if was_new and demo_if_new:
        from reviewlab.demo import seed_demo

        console.print("New database: seeding the demo workspace…")
        seed_demo(engine, truth_path=get_settings().data_dir / "demo_truth.json")
        console.print("Analysing the demo conversations (first run only; a minute or a few on a busy machine)…")
        _analyze_with_progress(engine)
    console.print("Ready.")


@app.command("demo")
def demo(
    seed: int = typer.Option(7, help="Random seed: the same seed gives the same workspace."),
    scale: float = typer.Option(1.0, min=0.01, max=20.0, help="Volume factor: 1.0 is about 2,100 conversations."),
    truth: Annotated[Path | None, typer.Option("--truth", help="Where to write the planted truth as JSON "
                                               "(default: demo_truth.json in the data folder).")] = None,
) -> None:
    """Seed the demo workspace (synthetic conversations, team, meetings, issues, decisions) with its planted truth.

    Seeding twice adds nothing; a database that holds the demo of another seed or scale is refused.
    """
    from reviewlab.demo import DemoAlreadySeeded, seed_demo, stored_truth

    engine = make_engine()
    ensure_ready(engine)
    path = truth or get_settings().data_dir / "demo_truth.json"
    already = stored_truth(engine) is not None
    try:
        planted = seed_demo(engine, seed=seed, scale=scale, truth_path=path)
    except DemoAlreadySeeded as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    counts = planted["counts"]
    if already:
        console.print("The demo workspace is already in this database: nothing added.")
    else:
        console.print(f"Demo workspace seeded: {counts['conversations']:,} conversations from {counts['users']:,} "
                      f"users over {len(planted['weeks'])} weeks ({planted['weeks'][0]} to {planted['weeks'][-1]}), "
                      f"{counts['members']} team members, {counts['meetings']} meetings, {counts['issues']} issues, "
                      f"{counts['decisions']} decisions.")
    console.print(f"Planted truth written to {path}")


@app.command("report")
def report(
    week: Annotated[str | None, typer.Option("--week", help="ISO week in UTC, e.g. 2026-W47 (default: last week).")]
    = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the report files.")] = Path("reports"),
) -> None:
    """Write the weekly report: Markdown (with chart images), HTML and a CSV of the indicator table."""
    from datetime import UTC, datetime

    from reviewlab.db import session_scope
    from reviewlab.indicators import parse_week, week_label, week_of
    from reviewlab.report import build_weekly_report, write_report

    try:
        number = parse_week(week) if week else week_of(datetime.now(UTC)) - 1
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--week") from None
    engine = make_engine()
    ensure_ready(engine)
    with session_scope(engine) as session:
        weekly = build_weekly_report(session=session, week=number)
    paths = write_report(weekly, out)
    if not weekly.has_data:
        console.print(f"No data recorded for {week_label(number)}: the report says so.")
    console.print(f"Weekly report {week_label(number)} written to {out}: " + ", ".join(p.name for p in paths))


@app.command("import")
def import_logs(
    paths: Annotated[list[Path], typer.Argument(help="Log files (or folders of them); .gz is read directly.")],
    format: str = typer.Option("auto", "--format", help="auto, openai, sharegpt, csv, langfuse, otel or hh."),
    source: str | None = typer.Option(None, "--source", help="Name of the product or channel the logs come from "
                                      "(part of each conversation's id; default: the format)."),
    column: Annotated[list[str] | None, typer.Option("--column", help="CSV column mapping NAME=COLUMN, e.g. "
                                                     "role=speaker (repeatable).")] = None,
) -> None:
    """Import conversation logs: one batch per file, all or nothing; importing again adds nothing twice."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from reviewlab.ingest import import_paths
    from reviewlab.ingest.report import expand_paths, parse_column_map, report_lines

    try:
        column_map = parse_column_map(column or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--column") from None
    engine = make_engine()
    ensure_ready(engine)
    results = []
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=console) as progress:
        for path in expand_paths(paths):
            task = progress.add_task(path.name, total=None)
            results += import_paths(engine, [path], format=format, source=source, column_map=column_map,
                                    progress=lambda done, total, task=task: progress.update(task, completed=done,
                                                                                             total=total))
            progress.update(task, completed=progress.tasks[task].total or 0)
    for line in report_lines(results):
        console.print(line, markup=False, highlight=False)
    if any(r.error for r in results):
        raise typer.Exit(1)


@app.command("signals")
def signals_command(
    input: Annotated[Path, typer.Argument(help="A log file in any importable format (.gz is read directly).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the JSON lines (one per conversation).")],
    format: str = typer.Option("auto", "--format", help="auto, openai, sharegpt, csv, langfuse, otel or hh."),
) -> None:
    """Score a log file for frustration without a database: per conversation its frustration and each turn's
    failure (assistant) or dissatisfied (user) score, positions counting the conversation's messages from 0."""
    import json

    from reviewlab.ingest.detect import open_import
    from reviewlab.ingest.records import ImportFileError, ReaderOptions, Rejection
    from reviewlab.signals import signal_lines

    rejections: list[Rejection] = []

    def conversations():
        with open_import(input, format=format) as opened:  # the importer's own detection and readers
            for item in opened.reader(opened.text, file=input.name, options=ReaderOptions()):
                if isinstance(item, Rejection):
                    rejections.append(item)
                else:
                    yield item

    partial = out.with_name(out.name + ".partial")  # renamed into place only when the whole file was read
    written = 0
    try:
        with partial.open("w", encoding="utf-8") as f, console.status(f"Scoring {input.name}…"):
            for line in signal_lines(conversations()):
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
                written += 1
        partial.replace(out)
    except (ImportFileError, OSError) as exc:
        partial.unlink(missing_ok=True)
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    for r in rejections:
        console.print(f"{r.file}:{r.line or '?'}: {r.field or 'record'}: {r.reason} (skipped)", markup=False,
                      highlight=False)
    rejected = f" ({len(rejections)} rejected)" if rejections else ""
    console.print(f"{written:,} conversations scored → {out}{rejected}")


@app.command("analyze")
def analyze() -> None:
    """Compute the analytics of new conversations: embeddings, frustration signals, topics, user segments, alerts.

    Incremental and safe to rerun: only new conversations are embedded and scored.
    """
    engine = make_engine()
    ensure_ready(engine)
    _analyze_with_progress(engine)


def _analyze_with_progress(engine) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from reviewlab.analyze import STEP_LABELS, STEPS, run_analysis

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        tasks = {step: progress.add_task(STEP_LABELS[step], total=None) for step in STEPS}

        def progress_for(step: str):
            return lambda done, total: progress.update(tasks[step], completed=done, total=total)

        summary = run_analysis(engine, progress_for=progress_for)
    topics = summary["topics"]
    console.print(f"Embedded {summary['embeddings']:,} new conversations; scored {summary['signals']:,}; "
                  f"{topics['topics']} topics ({topics['kept']} kept, {topics['new']} new, {topics['retired']} "
                  f"retired) over {topics['conversations']:,} conversations; "
                  f"{sum(summary['segments'].values()):,} users in segments; {summary['alerts']} new alerts.")


@app.command("topics")
def topics_command(
    input: Annotated[Path, typer.Argument(help="A CSV file with a header row.")],
    text_column: Annotated[str, typer.Option("--text-column", help="The column holding the text to cluster.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the CSV: the input rows in order plus "
                                      "topic_id and topic_label.")],
    seed: int = typer.Option(0, help="Random seed (only matters above 4,000 rows)."),
) -> None:
    """Cluster the texts of any CSV file into topics (number chosen automatically, keyword labels)."""
    import pandas as pd
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from reviewlab.topics import topics_for_texts

    try:
        frame = pd.read_csv(input, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        console.print(f"[red]{input}: cannot read the CSV: {exc}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if text_column not in frame.columns:
        console.print(f"[red]{input}: no column {text_column!r} (columns: {', '.join(frame.columns)})[/red]",
                      highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    with Progress(TextColumn("Embedding"), BarColumn(), MofNCompleteColumn(), console=console) as progress:
        task = progress.add_task("embed", total=len(frame))
        labels, names = topics_for_texts(frame[text_column].tolist(), seed=seed,
                                         progress=lambda done, total: progress.update(task, completed=done))
    frame["topic_id"] = labels
    frame["topic_label"] = [names[i] for i in labels]
    partial = out.with_name(out.name + ".partial")
    frame.to_csv(partial, index=False)
    partial.replace(out)
    console.print(f"{len(frame):,} rows in {len(names)} topics → {out}")


if __name__ == "__main__":
    app()
