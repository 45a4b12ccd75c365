"""Small helpers shared by the benchmarks: timing, a printed table, the results file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/x.py` from a clone without an installed package
    sys.path.insert(0, str(ROOT))


def timed_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def timed_wall_cpu_ms(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU time of `fn()`. On a busy machine the CPU time is close to what the wall-clock time would
    be on an idle one (for single-threaded work on cached data), so both are reported."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def p95_ms(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Numbers right-aligned (floats to 0.1), text left-aligned."""
    rows = list(rows)
    numeric = [bool(rows) and isinstance(rows[0][i], int | float) for i in range(len(headers))]
    cells = [[f"{c:.1f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    print(line(headers))
    print("-" * len(line(headers)))
    for row in cells:
        print(line(row))


def write_results(name: str, results: dict) -> Path:
    """Write bench/results/<name>.json with the machine it ran on."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {
        "benchmark": name,
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": _cpus(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        },
        **results,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def _cpus() -> int | None:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
