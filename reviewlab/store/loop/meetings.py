"""Meetings: the agenda template, quick records, calendar/CSV imports and which meetings count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from sqlmodel import Session, col, select

from reviewlab.audit import record
from reviewlab.loop.meetings_import import MeetingRecord
from reviewlab.loop.sessions import DEFAULT_AGENDA
from reviewlab.models import MEETING_KIND_CHOICES, AppSetting, Meeting, MeetingAttendee, Member
from reviewlab.store.loop.common import day_start, get_or_fail

AGENDA_KEY = "agenda_template"


# --- Agenda template ---------------------------------------------------------------------------------------


def get_agenda_template(*, session: Session) -> str:
    setting = session.get(AppSetting, AGENDA_KEY)
    return setting.value if setting and isinstance(setting.value, str) else DEFAULT_AGENDA


def set_agenda_template(*, session: Session, text: str, actor_id: int | None) -> None:
    if not text.strip():
        raise ValueError("The agenda template cannot be empty.")
    setting = session.get(AppSetting, AGENDA_KEY) or AppSetting(key=AGENDA_KEY)
    setting.value = text
    session.add(setting)
    record(session, member_id=actor_id, action="update", entity="appsetting", entity_id=AGENDA_KEY)


# --- Meetings ----------------------------------------------------------------------------------------------


def create_meeting(
    *,
    session: Session,
    title: str,
    held_at: datetime,
    attendee_ids: Iterable[int] = (),
    kind: str = "other",
    discussed_user_behaviour: bool = False,
    counts: bool = True,
    agenda: str = "",
    notes: str = "",
    facilitator_id: int | None = None,
    sample_rules: dict | None = None,
    source: str = "manual",
    external_uid: str | None = None,
    actor_id: int | None,
) -> Meeting:
    if not title.strip():
        raise ValueError("A meeting needs a title.")
    if kind not in MEETING_KIND_CHOICES:
        raise ValueError(f"Unknown meeting kind {kind!r}.")
    meeting = Meeting(
        title=title.strip(),
        held_at=held_at,
        kind=kind,
        discussed_user_behaviour=discussed_user_behaviour,
        counts=counts,
        agenda=agenda,
        notes=notes,
        facilitator_id=facilitator_id,
        sample_rules=sample_rules,
        source=source,
        external_uid=external_uid,
    )
    session.add(meeting)
    session.flush()
    attendees = sorted(set(attendee_ids))
    for member_id in attendees:
        session.add(MeetingAttendee(meeting_id=meeting.id, member_id=member_id))
    record(
        session,
        member_id=actor_id,
        action="create",
        entity="meeting",
        entity_id=meeting.id,
        detail={"title": meeting.title, "kind": kind, "attendees": attendees, "source": source},
    )
    return meeting


def meeting_attendees(*, session: Session, meeting_id: int) -> list[Member]:
    query = (
        select(Member)
        .join(MeetingAttendee, col(MeetingAttendee.member_id) == col(Member.id))
        .where(MeetingAttendee.meeting_id == meeting_id)
        .order_by(Member.name)
    )
    return list(session.exec(query))


def set_meeting_flags(
    *,
    session: Session,
    meeting_id: int,
    counts: bool | None = None,
    discussed_user_behaviour: bool | None = None,
    actor_id: int | None,
) -> Meeting:
    meeting = get_or_fail(session, Meeting, meeting_id)
    changes = {}
    if counts is not None and counts != meeting.counts:
        meeting.counts = changes["counts"] = counts
    if discussed_user_behaviour is not None and discussed_user_behaviour != meeting.discussed_user_behaviour:
        meeting.discussed_user_behaviour = changes["discussed_user_behaviour"] = discussed_user_behaviour
    if changes:
        session.add(meeting)
        record(session, member_id=actor_id, action="update", entity="meeting", entity_id=meeting_id, detail=changes)
    return meeting


def mark_counting(
    *, session: Session, meeting_ids: Iterable[int], counting_ids: Iterable[int], actor_id: int | None
) -> int:
    """Among `meeting_ids`, those in `counting_ids` count as AI meetings, the others not. Returns how many changed."""
    counting = set(counting_ids)
    changed = 0
    for meeting_id in meeting_ids:
        before = get_or_fail(session, Meeting, meeting_id).counts
        set_meeting_flags(session=session, meeting_id=meeting_id, counts=meeting_id in counting, actor_id=actor_id)
        changed += before != (meeting_id in counting)
    return changed


def meetings_frame(
    *, session: Session, date_from: date | None = None, date_to: date | None = None, kind: str | None = None
) -> pd.DataFrame:
    """Meetings newest first, with attendee names and whether they were cross-functional."""
    query = select(Meeting).order_by(col(Meeting.held_at).desc(), col(Meeting.id).desc())
    if date_from:
        query = query.where(Meeting.held_at >= day_start(date_from))
    if date_to:
        query = query.where(Meeting.held_at < day_start(date_to + timedelta(days=1)))
    if kind:
        query = query.where(Meeting.kind == kind)
    meetings = list(session.exec(query))
    people: dict[int, list[Member]] = {m.id: [] for m in meetings}
    if meetings:
        rows = session.exec(
            select(MeetingAttendee.meeting_id, Member)
            .join(Member, col(Member.id) == col(MeetingAttendee.member_id))
            .where(col(MeetingAttendee.meeting_id).in_(list(people)))
            .order_by(Member.name)
        )
        for meeting_id, member in rows:
            people[meeting_id].append(member)
    columns = [
        "id", "held_at", "title", "kind", "status", "source", "counts", "discussed_user_behaviour",
        "attendees", "n_attendees", "cross_functional",
    ]  # fmt: skip
    data = [
        {
            "id": m.id,
            "held_at": m.held_at,
            "title": m.title,
            "kind": m.kind,
            "status": m.status,
            "source": m.source,
            "counts": m.counts,
            "discussed_user_behaviour": m.discussed_user_behaviour,
            "attendees": ", ".join(p.name for p in people[m.id]),
            "n_attendees": len(people[m.id]),
            "cross_functional": {"builder", "business"} <= {p.side for p in people[m.id]},
        }
        for m in meetings
    ]
    return pd.DataFrame(data, columns=columns)


@dataclass
class MeetingImportResult:
    file: str
    added: int = 0
    skipped: int = 0  # already imported (same UID)
    unmatched: list[str] = field(default_factory=list)  # attendees that match no member
    recurring: int = 0  # recurring events of which only the first occurrence was imported


def import_meetings(
    *,
    session: Session,
    records: list[MeetingRecord],
    source: str,
    file_name: str,
    counts: bool = True,
    actor_id: int | None,
) -> MeetingImportResult:
    """Add parsed meetings; a UID already in the database is skipped, so importing the same file twice is a no-op.

    Attendees are matched to members by email (case-insensitive), or by exact name for CSV files.
    """
    result = MeetingImportResult(file=file_name)
    members = list(session.exec(select(Member)))
    by_key = {m.email.lower(): m.id for m in members} | {m.name.lower(): m.id for m in members}
    uids = [r.uid for r in records]
    known = (
        set(session.exec(select(Meeting.external_uid).where(col(Meeting.external_uid).in_(uids)))) if uids else set()
    )
    for rec in records:
        if rec.uid in known:
            result.skipped += 1
            continue
        known.add(rec.uid)
        attendee_ids = []
        for who in rec.attendees:
            member_id = by_key.get(who.lower())
            if member_id is None:
                result.unmatched.append(who)
            else:
                attendee_ids.append(member_id)
        create_meeting(
            session=session,
            title=rec.title,
            held_at=rec.held_at,
            attendee_ids=attendee_ids,
            discussed_user_behaviour=rec.discussed_user_behaviour,
            counts=counts,
            source=source,
            external_uid=rec.uid,
            actor_id=actor_id,
        )
        result.added += 1
        result.recurring += rec.recurring
    result.unmatched = sorted(set(result.unmatched))
    record(
        session,
        member_id=actor_id,
        action="import",
        entity="meeting",
        entity_id=file_name,
        detail={"added": result.added, "skipped": result.skipped, "source": source},
    )
    return result
