"""Culture indicators at scale: every indicator for 52 weeks, and the dashboard page's AppTest run.

Targets (issue 5): 100k conversations, 2k meetings, 1k issues and 1k decisions → all indicators ≤ 300 ms (median),
the dashboard page's AppTest run ≤ 2 s. The database is built once with Core bulk inserts and cached under /tmp
(keyed by size and schema). `--quick` uses a tenth of the data and fewer repeats (under a minute).

Wall times depend on what else runs on the machine, so CPU times (process time, all threads) and the load
average are reported beside them. The dashboard figure is a rerun of the page in AppTest with the data caches
cleared (the page's own cost); a fresh AppTest's first run adds a one-off harness start-up, reported too.

    .venv/bin/python bench/indicators_bench.py [--quick] [--repeats N]

Prints a table, writes bench/results/indicators.json, last line `RESULT indicators_ms=<x> dashboard_s=<y>`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from reviewlab.db import make_engine, session_scope  # noqa: E402
from reviewlab.indicators import parse_week, week_label, week_start  # noqa: E402
from reviewlab.models import (  # noqa: E402
    Annotation,
    Conversation,
    Decision,
    DecisionEvidence,
    IndicatorTarget,
    Issue,
    IssueEvidence,
    Judgement,
    Kpi,
    Meeting,
    MeetingAttendee,
    Member,
    ReviewAssignment,
)
from reviewlab.store.indicators import indicator_bundle  # noqa: E402
from reviewlab.store.setup import ensure_ready  # noqa: E402

LAST_WEEK = parse_week("2026-W47")
WEEKS = 52
FULL = {"conversations": 100_000, "users": 8_000, "meetings": 2_000, "issues": 1_000, "decisions": 1_000}
TARGET_INDICATORS_MS = 300
TARGET_DASHBOARD_S = 2.0
RESULTS = ROOT / "bench" / "results" / "indicators.json"


def schema_key() -> str:
    digest = hashlib.sha256((ROOT / "reviewlab" / "models.py").read_bytes())
    for path in sorted((ROOT / "reviewlab" / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode())
    return digest.hexdigest()[:10]


def build_database(path: Path, sizes: dict[str, int], seed: int = 7) -> None:
    """A realistic year of activity, written with Core executemany inserts in one transaction per table."""
    rng = np.random.default_rng(seed)
    engine = make_engine(f"sqlite:///{path}")
    ensure_ready(engine)
    start = datetime.combine(week_start(LAST_WEEK - WEEKS + 1), datetime.min.time(), tzinfo=UTC)
    span_s = WEEKS * 7 * 86400

    def moments(n: int, growth: float = 0.0) -> list[datetime]:
        # Uniform over the year, or skewed towards the end (product adoption growing).
        u = rng.random(n) ** (1 / (1 + growth))
        return [start + timedelta(seconds=float(s)) for s in np.sort(u * span_s)]

    n_conv = sizes["conversations"]
    weights = 1 / np.arange(1, sizes["users"] + 1) ** 0.8
    users = rng.choice(sizes["users"], n_conv, p=weights / weights.sum())
    has_user = rng.random(n_conv) > 0.08
    feedback = rng.choice([-1.0, 1.0, np.nan], n_conv, p=[0.1, 0.2, 0.7])
    frustration = np.where(rng.random(n_conv) < 0.7, rng.random(n_conv), np.nan)
    started = moments(n_conv, growth=0.5)
    conversations = [
        {"id": f"c{i:07d}", "external_id": f"c{i}", "source": "bench",
         "user_id": f"u{users[i]}" if has_user[i] else None, "started_at": started[i],
         "n_messages": 4, "n_user_turns": 2,
         "explicit_feedback": None if np.isnan(feedback[i]) else float(feedback[i]),
         "frustration": None if np.isnan(frustration[i]) else float(frustration[i])}
        for i in range(n_conv)
    ]
    members = [{"id": i + 1, "name": f"M{i}", "email": f"m{i}@bench", "function": "other",
                "side": "builder" if i < 12 else "business", "active": True, "created_at": start} for i in range(24)]

    n_meet = sizes["meetings"]
    held = moments(n_meet)
    kinds = rng.choice(["review_session", "other"], n_meet, p=[0.3, 0.7])
    meetings = [{"id": i + 1, "title": f"meeting {i}", "held_at": held[i], "kind": str(kinds[i]),
                 "discussed_user_behaviour": bool(rng.random() < 0.3), "counts": bool(rng.random() < 0.85),
                 "agenda": "", "notes": "", "status": "done", "source": "manual", "created_at": held[i]}
                for i in range(n_meet)]
    attendees = [{"meeting_id": m + 1, "member_id": int(p) + 1}
                 for m in range(n_meet) for p in rng.choice(24, int(rng.integers(2, 7)), replace=False)]
    assignments, judgements, annotations, judged = [], [], [], set()
    for m in np.flatnonzero(kinds == "review_session"):
        for pos, c in enumerate(rng.choice(n_conv, 8, replace=False)):
            member = int(rng.integers(24)) + 1
            done = held[m] + timedelta(minutes=30) if rng.random() < 0.5 else None
            assignments.append({"meeting_id": int(m) + 1, "conversation_id": f"c{c:07d}", "member_id": member,
                                "position": pos, "done_at": done})
            if rng.random() < 0.4 and (c, member) not in judged:
                judged.add((c, member))
                when = held[m] + timedelta(minutes=40)
                judgements.append({"conversation_id": f"c{c:07d}", "member_id": member, "intent": "",
                                   "intent_fulfilled": str(rng.choice(["yes", "partial", "no", "unclear"])),
                                   "satisfaction": int(rng.integers(1, 6)),
                                   "task_completed": str(rng.choice(["yes", "no", "unknown"])), "note": "",
                                   "created_at": when, "updated_at": when})
            if rng.random() < 0.5:
                annotations.append({"conversation_id": f"c{c:07d}", "tag_id": int(rng.integers(1, 11)),
                                    "member_id": member, "note": "", "created_at": held[m] + timedelta(minutes=45)})

    n_issues = sizes["issues"]
    detected = moments(n_issues)
    issues, issue_evidence = [], []
    for i in range(n_issues):
        resolved = detected[i] + timedelta(days=float(rng.exponential(8))) if rng.random() < 0.6 else None
        issues.append({"id": i + 1, "title": f"issue {i}", "description": "",
                       "found_via": str(rng.choice(["proactive", "reactive"], p=[0.55, 0.45])), "channel": "review",
                       "severity": "medium", "status": "resolved" if resolved else "open", "detected_at": detected[i],
                       "resolved_at": resolved, "created_at": detected[i]})
        for c in rng.choice(n_conv, int(rng.integers(0, 4)), replace=False):
            issue_evidence.append({"issue_id": i + 1, "conversation_id": f"c{c:07d}", "added_at": detected[i]})

    n_dec = sizes["decisions"]
    decided = moments(n_dec)
    decisions, decision_evidence = [], []
    for i in range(n_dec):
        decisions.append({"id": i + 1, "title": f"decision {i}", "rationale": "", "decided_at": decided[i],
                          "follow_up_on": (decided[i] + timedelta(days=14)).date(), "follow_up_done": False,
                          "created_at": decided[i]})
        decision_evidence += [{"decision_id": i + 1, "kind": "issue", "ref": str(int(rng.integers(1, n_issues)))}
                              for _ in range(int(rng.integers(0, 3)))]
    first_day = start.date()
    kpis = [{"name": name, "day": first_day + timedelta(days=d), "value": float(base + rng.normal(0, base / 20))}
            for name, base in (("revenue", 1000.0), ("nps", 40.0), ("tickets", 300.0)) for d in range(WEEKS * 7)]
    targets = [{"indicator": "proactive_share", "target": 0.6, "higher_is_better": True, "updated_at": start},
               {"indicator": "median_days_to_resolve", "target": 7.0, "higher_is_better": False, "updated_at": start}]

    with engine.begin() as conn:
        for model, rows in ((Member, members), (Conversation, conversations), (Meeting, meetings),
                            (MeetingAttendee, attendees), (ReviewAssignment, assignments), (Judgement, judgements),
                            (Annotation, annotations), (Issue, issues), (IssueEvidence, issue_evidence),
                            (Decision, decisions), (DecisionEvidence, decision_evidence), (Kpi, kpis),
                            (IndicatorTarget, targets)):
            if rows:
                conn.execute(model.__table__.insert(), rows)
    engine.dispose()


def bench_database(scale: float) -> tuple[Path, dict[str, int], float]:
    sizes = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    path = Path("/tmp") / f"reviewlab_bench_indicators_{sizes['conversations']}_{schema_key()}.db"
    built_s = 0.0
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".building")
        for leftover in tmp.parent.glob(tmp.name + "*"):
            leftover.unlink()
        build_database(tmp, sizes)
        tmp.rename(path)
        built_s = time.perf_counter() - started
    return path, sizes, built_s


def time_indicators(path: Path, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `indicator_bundle` over 52 weeks (load from SQLite + compute), `repeats` times."""
    engine = make_engine(f"sqlite:///{path}")
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        with session_scope(engine) as session:
            bundle = indicator_bundle(session=session, first_week=LAST_WEEK - WEEKS + 1, last_week=LAST_WEEK)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert len(bundle.table) == WEEKS and bundle.table["conversations"].sum() > 0
    engine.dispose()
    return wall, cpu


def time_dashboard(path: Path, repeats: int) -> dict[str, dict[str, list[float]]]:
    """The dashboard page in AppTest, per view: a fresh AppTest's first run, then `repeats` reruns with the data
    caches cleared, so each rerun loads and computes everything and draws every chart. The first run also pays
    for AppTest's one-off harness start-up (it scans every installed package for Streamlit components)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["REVIEWLAB_DATABASE_URL"] = f"sqlite:///{path}"
    out = {}
    for view in ("leadership", "product", "engineering"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for key, value in {"view": view, "week": week_label(LAST_WEEK), "weeks": str(WEEKS)}.items():
            at.query_params[key] = value
        at.switch_page("pages/culture/dashboard.py")
        times: dict[str, list[float]] = {"first": [], "wall": [], "cpu": []}
        for attempt in range(repeats + 1):
            st.cache_data.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            at.run()
            (times["first"] if attempt == 0 else times["wall"]).append(time.perf_counter() - started)
            if attempt:
                times["cpu"].append(time.process_time() - started_cpu)
            assert not at.exception, [e.value for e in at.exception]
            assert len(at.metric) >= 9
        out[view] = times
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, fewer repeats (< 1 min)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs of the indicators (default 15, quick 5)")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    repeats = args.repeats or (5 if args.quick else 15)

    path, sizes, built_s = bench_database(scale)
    load_before = os.getloadavg()[0]
    wall, cpu = time_indicators(path, repeats)
    dashboard = time_dashboard(path, 2 if args.quick else 3)
    indicators_ms = statistics.median(wall) * 1000
    indicators_cpu_ms = statistics.median(cpu) * 1000
    rerun = {view: statistics.median(t["wall"]) for view, t in dashboard.items()}
    rerun_cpu = {view: statistics.median(t["cpu"]) for view, t in dashboard.items()}
    dashboard_s = max(rerun.values())
    dashboard_cpu_s = max(rerun_cpu.values())
    load_after = os.getloadavg()[0]

    rows = [
        ("database", f"{sizes['conversations']:,} conversations, {sizes['meetings']:,} meetings, "
                     f"{sizes['issues']:,} issues, {sizes['decisions']:,} decisions, {WEEKS} weeks"),
        ("database build", f"{built_s:.1f} s" if built_s else f"cached ({path.name})"),
        ("all indicators, median wall", f"{indicators_ms:.0f} ms (target ≤ {TARGET_INDICATORS_MS} ms)"),
        ("all indicators, median CPU", f"{indicators_cpu_ms:.0f} ms"),
        ("all indicators, min / max wall", f"{min(wall) * 1000:.0f} / {max(wall) * 1000:.0f} ms over {repeats} runs"),
        *[(f"dashboard, {view} view", f"{rerun[view]:.2f} s wall, {rerun_cpu[view]:.2f} s CPU "
                                      f"(fresh AppTest first run {t['first'][0]:.2f} s)")
          for view, t in dashboard.items()],
        ("dashboard, slowest view", f"{dashboard_s:.2f} s wall (target ≤ {TARGET_DASHBOARD_S} s), "
                                    f"{dashboard_cpu_s:.2f} s CPU"),
        ("machine load (1-min average)", f"{load_before:.1f} before, {load_after:.1f} after, {os.cpu_count()} CPUs"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "bench": "indicators",
        "quick": args.quick,
        "measured_on": date.today().isoformat(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_before": round(load_before, 2), "load_average_after": round(load_after, 2)},
        "sizes": sizes,
        "weeks": WEEKS,
        "indicators_ms": {"median_wall": round(indicators_ms, 1), "median_cpu": round(indicators_cpu_ms, 1),
                          "wall_runs": [round(t * 1000, 1) for t in wall],
                          "target": TARGET_INDICATORS_MS, "met": indicators_ms <= TARGET_INDICATORS_MS},
        "dashboard_s": {"slowest_view_median_wall": round(dashboard_s, 3),
                        "slowest_view_median_cpu": round(dashboard_cpu_s, 3),
                        "views": {v: {k: [round(x, 3) for x in xs] for k, xs in t.items()}
                                  for v, t in dashboard.items()},
                        "target": TARGET_DASHBOARD_S, "met": dashboard_s <= TARGET_DASHBOARD_S},
        "database_build_s": round(built_s, 1) if built_s else None,
    }, indent=2) + "\n")
    print(f"RESULT indicators_ms={indicators_ms:.0f} dashboard_s={dashboard_s:.2f} "
          f"indicators_cpu_ms={indicators_cpu_ms:.0f} dashboard_cpu_s={dashboard_cpu_s:.2f}")


if __name__ == "__main__":
    main()
