"""What happened in one week, for the weekly report: pain points tagged, issues, decisions, follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
from sqlalchemy import and_, func, select
from sqlmodel import Session

from reviewlab.indicators import week_bounds
from reviewlab.store.indicators import (
    annotation_t,
    decision_evidence_t,
    decision_t,
    epoch_days,
    issue_t,
    member_t,
    message_t,
    query_frame,
    tag_t,
)


@dataclass
class WeekActivity:
    pain_points: pd.DataFrame  # tag, annotations, conversations, snippets (list of str)
    issues_opened: pd.DataFrame  # id, title, found_via, channel, severity, status
    issues_resolved: pd.DataFrame  # id, title, found_via, days_to_resolve
    decisions: pd.DataFrame  # id, title, owner, evidence
    follow_ups: pd.DataFrame  # id, title, owner, follow_up_on, state (due | overdue); open ones only

    @property
    def empty(self) -> bool:
        return all(f.empty for f in (self.pain_points, self.issues_opened, self.issues_resolved, self.decisions,
                                     self.follow_ups))


def week_activity(*, session: Session, week: int, top: int = 5, snippets_per_tag: int = 2,
                  snippet_chars: int = 160) -> WeekActivity:
    """Top pain points tagged that week (with short snippets), issues opened and resolved, decisions taken,
    and open follow-ups due that week or overdue (done ones are left out). Snippets are raw, untrusted text:
    escape them where rendered."""
    lo, hi = week_bounds(week)
    live_pain = and_(annotation_t.c.deleted_at.is_(None), annotation_t.c.created_at >= lo,
                     annotation_t.c.created_at < hi, tag_t.c.kind == "pain_point")
    tagged = annotation_t.join(tag_t, tag_t.c.id == annotation_t.c.tag_id)
    pain = query_frame(session, select(
        tag_t.c.id, tag_t.c.name, func.count(), func.count(func.distinct(annotation_t.c.conversation_id)),
    ).select_from(tagged).where(live_pain).group_by(tag_t.c.id, tag_t.c.name)
     .order_by(func.count().desc(), tag_t.c.name).limit(top), ["tag_id", "tag", "annotations", "conversations"])
    pain["snippets"] = _snippets(session, pain["tag_id"].tolist(), live_pain, tagged, snippets_per_tag,
                                 snippet_chars) if len(pain) else []

    opened = query_frame(session, select(
        issue_t.c.id, issue_t.c.title, issue_t.c.found_via, issue_t.c.channel, issue_t.c.severity, issue_t.c.status,
    ).where(issue_t.c.detected_at >= lo, issue_t.c.detected_at < hi).order_by(issue_t.c.detected_at),
        ["id", "title", "found_via", "channel", "severity", "status"])
    resolved = query_frame(session, select(
        issue_t.c.id, issue_t.c.title, issue_t.c.found_via,
        epoch_days(session, issue_t.c.resolved_at) - epoch_days(session, issue_t.c.detected_at),
    ).where(issue_t.c.status == "resolved", issue_t.c.resolved_at >= lo, issue_t.c.resolved_at < hi)
     .order_by(issue_t.c.resolved_at), ["id", "title", "found_via", "days_to_resolve"])
    resolved["days_to_resolve"] = pd.to_numeric(resolved["days_to_resolve"]).astype("float64")

    owner = member_t.c.name
    n_evidence = (select(func.count()).where(decision_evidence_t.c.decision_id == decision_t.c.id)
                  .scalar_subquery())
    decided_from = decision_t.outerjoin(member_t, member_t.c.id == decision_t.c.owner_id)
    decisions = query_frame(session, select(decision_t.c.id, decision_t.c.title, owner, n_evidence)
                       .select_from(decided_from)
                       .where(decision_t.c.decided_at >= lo, decision_t.c.decided_at < hi)
                       .order_by(decision_t.c.decided_at), ["id", "title", "owner", "evidence"])
    first_day, last_day = lo.date(), (hi - timedelta(days=1)).date()
    follow_ups = query_frame(session, select(
        decision_t.c.id, decision_t.c.title, owner, decision_t.c.follow_up_on,
    ).select_from(decided_from).where(
        decision_t.c.follow_up_on <= last_day, decision_t.c.follow_up_done.is_(False),
    ).order_by(decision_t.c.follow_up_on), ["id", "title", "owner", "follow_up_on"])
    overdue = pd.to_datetime(follow_ups["follow_up_on"]) < pd.Timestamp(first_day)
    follow_ups["state"] = overdue.map({True: "overdue", False: "due"})
    return WeekActivity(pain_points=pain.drop(columns="tag_id"), issues_opened=opened, issues_resolved=resolved,
                        decisions=decisions, follow_ups=follow_ups)


def _snippets(session: Session, tag_ids: list[int], live_pain, tagged, per_tag: int, chars: int) -> list[list[str]]:
    """Up to `per_tag` short quotes per tag: the tagged message, or the conversation's first user message."""
    hits = query_frame(session, select(annotation_t.c.tag_id, annotation_t.c.conversation_id, annotation_t.c.message_id)
                  .select_from(tagged).where(live_pain, annotation_t.c.tag_id.in_(tag_ids))
                  .order_by(annotation_t.c.created_at), ["tag_id", "conversation_id", "message_id"])
    hits = hits.drop_duplicates(["tag_id", "conversation_id"]).groupby("tag_id").head(per_tag)
    tagged_ids = [int(m) for m in hits["message_id"].dropna()]
    by_message = dict(session.connection().execute(
        select(message_t.c.id, message_t.c.content).where(message_t.c.id.in_(tagged_ids))).all()) if tagged_ids else {}
    conv_ids = hits.loc[hits["message_id"].isna(), "conversation_id"].tolist()
    first_pos = (select(message_t.c.conversation_id, func.min(message_t.c.position).label("pos"))
                 .where(message_t.c.conversation_id.in_(conv_ids), message_t.c.role == "user")
                 .group_by(message_t.c.conversation_id).subquery())
    by_conversation = dict(session.connection().execute(
        select(message_t.c.conversation_id, message_t.c.content).join(
            first_pos, and_(message_t.c.conversation_id == first_pos.c.conversation_id,
                            message_t.c.position == first_pos.c.pos))).all()) if conv_ids else {}
    text = hits["message_id"].map(by_message).fillna(hits["conversation_id"].map(by_conversation)).fillna("")
    hits = hits.assign(snippet=shorten(text, chars))
    hits = hits[hits["snippet"] != ""]
    grouped = hits.groupby("tag_id")["snippet"].agg(list)
    return [grouped.get(t, []) for t in tag_ids]


def shorten(text: pd.Series, chars: int) -> pd.Series:
    """Collapse whitespace and cut to `chars` characters with an ellipsis."""
    flat = text.astype(str).str.replace(r"\s+", " ", regex=True).str.strip()
    cut = flat.str.len() > chars
    return flat.where(~cut, flat.str.slice(0, chars - 1).str.rstrip() + "…")
