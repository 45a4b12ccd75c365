"""Import reports for people: text lines for the CLI, tables for the Import page, and the CLI's argument helpers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from reviewlab.ingest.loader import ImportResult

MAX_PRINTED = 200  # rejections printed per file (all are stored on the batch)


def report_lines(results: Iterable[ImportResult]) -> list[str]:
    """One summary line per file, then its rejections as `file:line: field: reason`."""
    lines = []
    for result in results:
        lines.append(result.summary() + (f" [batch #{result.batch_id}]" if result.batch_id else ""))
        if result.ok and result.conversations_added == 0 and result.conversations_skipped:
            lines.append("  nothing new: every conversation in this file was already imported")
        for r in result.rejections[:MAX_PRINTED]:
            where = f"{r.file}:{r.line}" if r.line is not None else r.file
            lines.append(f"  {where}: {r.field or '-'}: {r.reason}")
        hidden = result.records_rejected - min(len(result.rejections), MAX_PRINTED)
        if hidden > 0:
            lines.append(f"  … and {hidden:,} more rejections (the Import page shows the stored report)")
    return lines


def results_frame(results: Iterable[ImportResult]) -> pd.DataFrame:
    """One row per imported file."""
    return pd.DataFrame(
        [{"file": r.file, "format": r.format, "status": "failed" if r.error else "completed",
          "conversations added": r.conversations_added, "already present": r.conversations_skipped,
          "messages added": r.messages_added, "rejected": r.records_rejected, "error": r.error or "",
          "batch": r.batch_id} for r in results],
        columns=["file", "format", "status", "conversations added", "already present", "messages added",
                 "rejected", "error", "batch"],
    )


def rejections_frame(results: Iterable[ImportResult]) -> pd.DataFrame:
    return pd.DataFrame([r.as_dict() for result in results for r in result.rejections],
                        columns=["file", "line", "field", "reason"])


def parse_column_map(pairs: Iterable[str]) -> dict[str, str]:
    """["role=speaker", …] → {"role": "speaker"}."""
    mapping = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise ValueError(f"expected NAME=COLUMN, got {pair!r}")
        mapping[name.strip()] = column.strip()
    return mapping


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for the files in it (sorted, hidden ones skipped)."""
    out = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        else:
            out.append(path)
    return out
