"""Business KPIs uploaded by the team (CSV `date,kpi,value`), shown beside satisfaction on the dashboard."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from reviewlab.audit import record
from reviewlab.models import Kpi

KPI_COLUMNS = ("date", "kpi", "value")
MAX_KPI_NAME = 80
MAX_REPORTED_ERRORS = 20


class KpiCsvError(ValueError):
    """A KPI file that cannot be imported; `errors` lists each problem with its file, line and field."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_REPORTED_ERRORS]
        more = f"\n… and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        super().__init__("\n".join(shown) + more)


@dataclass
class KpiImport:
    added: int
    updated: int
    kpis: list[str]


def parse_kpi_csv(data: str | bytes, *, file_name: str = "kpis.csv") -> pd.DataFrame:
    """Validate a `date,kpi,value` CSV (header required, columns in any order) into a frame (kpi, day, value).

    Raises KpiCsvError listing every bad line as "file, line N, field 'x': reason".
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise KpiCsvError([f"{file_name}: not UTF-8 text (byte {exc.start})"]) from exc
    errors: list[str] = []
    rows: list[tuple[str, date, float]] = []
    seen: dict[tuple[str, date], int] = {}
    reader = csv.reader(io.StringIO(data.lstrip("\ufeff")))
    header = None
    for line_no, fields in enumerate(reader, start=1):
        if not any(f.strip() for f in fields):
            continue
        if header is None:
            header = [f.strip().lower() for f in fields]
            missing = [c for c in KPI_COLUMNS if c not in header]
            extra = [c for c in header if c not in KPI_COLUMNS]
            if missing or extra or len(header) != len(KPI_COLUMNS):
                raise KpiCsvError([f"{file_name}, line {line_no}: the header must name the columns date, kpi, value"
                                   + (f" (missing: {', '.join(missing)})" if missing else "")
                                   + (f" (unexpected: {', '.join(extra)})" if extra else "")])
            position = {c: header.index(c) for c in KPI_COLUMNS}
            continue
        where = f"{file_name}, line {line_no}"
        if len(fields) != len(header):
            errors.append(f"{where}: expected {len(header)} fields (date, kpi, value), found {len(fields)}")
            continue
        raw = {c: fields[position[c]].strip() for c in KPI_COLUMNS}
        row_errors = []
        try:
            day = date.fromisoformat(raw["date"])
            if len(raw["date"]) != 10:
                raise ValueError
        except ValueError:
            row_errors.append(f"{where}, field 'date': {raw['date']!r} is not a date like 2026-11-23")
        name = raw["kpi"]
        if not name:
            row_errors.append(f"{where}, field 'kpi': empty KPI name")
        elif len(name) > MAX_KPI_NAME:
            row_errors.append(f"{where}, field 'kpi': name longer than {MAX_KPI_NAME} characters")
        try:
            value = float(raw["value"])
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            row_errors.append(f"{where}, field 'value': {raw['value']!r} is not a number")
        if row_errors:
            errors += row_errors
            continue
        if (name, day) in seen:
            errors.append(f"{where}: duplicate of line {seen[(name, day)]} (kpi {name!r}, date {day})")
            continue
        seen[(name, day)] = line_no
        rows.append((name, day, value))
    if header is None:
        errors.append(f"{file_name}: the file is empty (expected a header date,kpi,value and rows)")
    elif not rows and not errors:
        errors.append(f"{file_name}: no KPI rows after the header")
    if errors:
        raise KpiCsvError(errors)
    return pd.DataFrame(rows, columns=["kpi", "day", "value"])


def import_kpi_csv(*, session: Session, data: str | bytes, file_name: str = "kpis.csv",
                   member_id: int | None = None) -> KpiImport:
    """Validate the whole file first, then add or update each (kpi, date) value; nothing is written on error."""
    frame = parse_kpi_csv(data, file_name=file_name)
    names = sorted(frame["kpi"].unique())
    existing = {(k.name, k.day): k for k in session.query(Kpi).filter(Kpi.name.in_(names))}
    added = updated = 0
    for name, day, value in frame.itertuples(index=False):
        row = existing.get((name, day))
        if row is None:
            session.add(Kpi(name=name, day=day, value=value))
            added += 1
        elif row.value != value:
            row.value = value
            updated += 1
    record(session, member_id=member_id, action="import", entity="kpi", entity_id=file_name,
           detail={"added": added, "updated": updated, "kpis": names})
    session.flush()
    return KpiImport(added=added, updated=updated, kpis=names)


def kpis_frame(*, session: Session) -> pd.DataFrame:
    """All uploaded KPI values: kpi, day, value."""
    rows = [tuple(r) for r in session.execute(select(Kpi.name, Kpi.day, Kpi.value).order_by(Kpi.name, Kpi.day))]
    return pd.DataFrame(rows, columns=["kpi", "day", "value"]) if rows else pd.DataFrame(
        {"kpi": [], "day": [], "value": []})
