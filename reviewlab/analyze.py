"""`reviewlab analyze`: every analysis step over the stored conversations, in order, each incremental or
idempotent so it can be rerun any time (after each import, nightly…).

embeddings → frustration signals → topics → user segments → alerts
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

Progress = Callable[[int, int], None]
STEPS = ("embeddings", "signals", "topics", "segments", "alerts")
STEP_LABELS = {"embeddings": "Embedding new conversations", "signals": "Scoring frustration signals",
               "topics": "Clustering topics", "segments": "Segmenting users", "alerts": "Checking alert rules"}


def run_analysis(engine: Engine, *, progress_for: Callable[[str], Progress] | None = None, seed: int = 0,
                 member_id: int | None = None) -> dict:
    """Run the steps; `progress_for(step)` gives each step its `progress(done, total)` callback.

    Returns what each step did: {"embeddings": n, "signals": n, "topics": {...}, "segments": {...},
    "alerts": n}.
    """
    from reviewlab.store.alerts import update_alerts
    from reviewlab.store.analytics import update_embeddings, update_topics
    from reviewlab.store.segments import update_segments
    from reviewlab.store.signals import update_signals

    def progress(step: str) -> Progress | None:
        return progress_for(step) if progress_for else None

    def done(step: str) -> None:
        if callback := progress(step):
            callback(1, 1)

    summary: dict = {"embeddings": update_embeddings(engine, progress=progress("embeddings"), member_id=member_id)}
    summary["signals"] = update_signals(engine, progress=progress("signals"), member_id=member_id)
    done("signals")
    summary["topics"] = update_topics(engine, seed=seed, progress=progress("topics"), member_id=member_id)
    summary["segments"] = update_segments(engine, member_id=member_id)
    done("segments")
    summary["alerts"] = update_alerts(engine, member_id=member_id)
    done("alerts")
    return summary
