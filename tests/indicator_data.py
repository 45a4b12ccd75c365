"""A hand-built workspace for the indicator, dashboard and report tests, with every value computed by hand.

The workspace built by `seed_scenario` (2026, weeks 8 to 12; W10 = Mon 2 Mar to Sun 8 Mar):

Meetings in W10 (all `counts` unless said):
  m1 review session, assignment done                      → discussed; attendees builder + business
  m2 review session, a judgement 3 h after held_at        → discussed; attendees two builders
  m3 review session, judgement 2 days later and an
     annotation during it that was deleted                → not discussed; attendee business only
  m4 other meeting flagged discussed_user_behaviour       → discussed; builder + business
  m5 other meeting, discussed, but counts=False           → left out entirely (it is cross-functional)
  m6 review session, live annotation 1 h after held_at    → discussed; no attendees
  m7 other meeting after `as_of`                          → not held yet, left out
  ⇒ meeting content 4/5 = 0.8, cross-functional touchpoints 2. W11 has no meetings: share NaN, touchpoints 0.
Decisions W10: 2 evidence, 0, 1 evidence ⇒ 2/3. W11 none ⇒ NaN.
Issues: W10 detected i1 P, i2 P, i3 R ⇒ share 2/3, ratio 2. W11 detected i4 P only ⇒ share 1, ratio NaN (∞).
  Time to detect: i1 2 d, i2 5 d (earliest of two evidence conversations), i3 no evidence ⇒ W10 median 3.5;
  i4 evidence started after detection ⇒ clipped to 0 ⇒ W11 median 0.
  Time to resolve (by resolution week): i1 4 d and i3 6 d resolved in W11, i2 won't-fix ⇒ W11 median 5.
Conversations: W9 u1. W10 u1 ×2, u2, no user id, empty user id ⇒ 5 conversations, 2 active users, returning u1
  ⇒ 1/2. W11 u2, u3, no user id ⇒ 3, 2 active, returning u2 ⇒ 1/2. Cohorts W9 {u1}, W10 {u2}, W11 {u3}.
  The issues' evidence conversations (no user id) add 3 conversations to W10 and 1 to W11: 8 and 4 in all.
  Feedback W10: +1, −1, +0.5 ⇒ mean 1/6, positive 2/3. Frustration W10: 0.7, 0.5, 0.2 ⇒ 2/3.
  Judgements on W10 conversations: sat 4/2/–/3 ⇒ 3.0; intent yes/partial/unclear/no ⇒ 1/3; task yes/no/unknown/–
  ⇒ 1/2. Review-session targets are W8 conversations without user ids.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reviewlab.db import session_scope
from reviewlab.indicators import parse_week, week_start
from reviewlab.models import (
    Annotation,
    Conversation,
    Decision,
    DecisionEvidence,
    Issue,
    IssueEvidence,
    Judgement,
    Kpi,
    Meeting,
    MeetingAttendee,
    Member,
    ReviewAssignment,
)

W8, W9, W10, W11, W12 = (parse_week(f"2026-W{n:02d}") for n in (8, 9, 10, 11, 12))
AS_OF = datetime(2026, 3, 20, tzinfo=UTC)


def at(week: int, day: int = 0, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC datetime `day` days after the Monday of `week`."""
    return datetime.combine(week_start(week), datetime.min.time(), tzinfo=UTC) + timedelta(
        days=day, hours=hour, minutes=minute
    )


def conv(cid: str, started: datetime, user: str | None = None, feedback=None, frustration=None) -> Conversation:
    return Conversation(id=cid, external_id=cid, source="t", user_id=user, started_at=started,
                        explicit_feedback=feedback, frustration=frustration)


def seed_scenario(engine) -> None:
    with session_scope(engine, write=True) as s:
        b1 = Member(name="B1", email="b1@x", side="builder")
        b2 = Member(name="B2", email="b2@x", side="builder")
        z1 = Member(name="Z1", email="z1@x", side="business")
        s.add_all([b1, b2, z1])
        s.flush()
        s.add_all([
            conv("p1", at(W9, 1), "u1"),
            conv("a1", at(W10, 0), "u1", feedback=1.0, frustration=0.7),
            conv("a2", at(W10, 1), "u1", feedback=-1.0, frustration=0.5),
            conv("a3", at(W10, 2), "u2", feedback=0.5, frustration=0.2),
            conv("a4", at(W10, 3), None),
            conv("a5", at(W10, 4), ""),
            conv("b1", at(W11, 0), "u2"),
            conv("b2", at(W11, 1), "u3"),
            conv("b3", at(W11, 2), None),
            *[conv(f"t{i}", at(W8, i)) for i in range(1, 5)],
        ])
        s.flush()
        # Judgements on W10 conversations (their dates are far from any meeting).
        late = at(W12, 6)
        for cid, member, sat, intent, task in [
            ("a1", b1, 4, "yes", "yes"), ("a2", b1, 2, "partial", "no"),
            ("a3", b1, None, "unclear", "unknown"), ("a4", b2, 3, "no", None),
        ]:
            s.add(Judgement(conversation_id=cid, member_id=member.id, satisfaction=sat, intent_fulfilled=intent,
                            task_completed=task, created_at=late, updated_at=late))

        def meeting(title, kind, held, *, counts=True, discussed=False, attendees=()):
            m = Meeting(title=title, kind=kind, held_at=held, counts=counts, discussed_user_behaviour=discussed)
            s.add(m)
            s.flush()
            s.add_all([MeetingAttendee(meeting_id=m.id, member_id=a.id) for a in attendees])
            return m

        m1 = meeting("m1", "review_session", at(W10, 1, 10), attendees=(b1, z1))
        s.add(ReviewAssignment(meeting_id=m1.id, conversation_id="t1", member_id=b1.id, done_at=at(W10, 1, 11)))
        m2 = meeting("m2", "review_session", at(W10, 2, 10), attendees=(b1, b2))
        s.add(ReviewAssignment(meeting_id=m2.id, conversation_id="t2", member_id=b2.id))
        s.add(Judgement(conversation_id="t2", member_id=b1.id, created_at=at(W10, 2, 13), updated_at=at(W10, 2, 13)))
        m3 = meeting("m3", "review_session", at(W10, 3, 10), attendees=(z1,))
        s.add(ReviewAssignment(meeting_id=m3.id, conversation_id="t3", member_id=z1.id))
        s.add(Judgement(conversation_id="t3", member_id=z1.id, created_at=at(W10, 5, 10), updated_at=at(W10, 5, 10)))
        s.add(Annotation(conversation_id="t3", tag_id=1, member_id=z1.id, created_at=at(W10, 3, 11),
                         deleted_at=at(W10, 3, 12)))
        meeting("m4", "other", at(W10, 4), discussed=True, attendees=(b2, z1))
        meeting("m5", "other", at(W10, 4), counts=False, discussed=True, attendees=(b1, z1))
        m6 = meeting("m6", "review_session", at(W10, 5, 9))
        s.add(ReviewAssignment(meeting_id=m6.id, conversation_id="t4", member_id=b1.id))
        s.add(Annotation(conversation_id="t4", tag_id=1, member_id=b1.id, created_at=at(W10, 5, 10)))
        meeting("m7", "other", AS_OF + timedelta(hours=1), discussed=True, attendees=(b1, z1))

        decisions = [Decision(title=f"d{i}", decided_at=at(W10, i)) for i in range(3)]
        s.add_all(decisions)
        s.flush()
        s.add_all([
            DecisionEvidence(decision_id=decisions[0].id, kind="conversation", ref="a1"),
            DecisionEvidence(decision_id=decisions[0].id, kind="metric", ref="wau", snapshot={"value": 2}),
            DecisionEvidence(decision_id=decisions[2].id, kind="issue", ref="1"),
        ])

        # i1 Thu W10 → Mon W11 = 4 d; i3 Tue W10 → Mon W11 = 6 d; i2 is closed as won't fix.
        i1 = Issue(title="i1", found_via="proactive", detected_at=at(W10, 3), status="resolved", resolved_at=at(W11))
        i2 = Issue(title="i2", found_via="proactive", detected_at=at(W10, 5), status="wont_fix",
                   resolved_at=at(W11, 1))
        i3 = Issue(title="i3", found_via="reactive", detected_at=at(W10, 1), status="resolved", resolved_at=at(W11))
        i4 = Issue(title="i4", found_via="proactive", detected_at=at(W11, 3))
        s.add_all([i1, i2, i3, i4])
        s.flush()
        s.add_all([
            conv("e1", i1.detected_at - timedelta(days=2)),
            conv("e2", i2.detected_at - timedelta(days=1)),
            conv("e3", i2.detected_at - timedelta(days=5)),
            conv("e4", i4.detected_at + timedelta(hours=3)),
        ])
        s.flush()
        s.add_all([
            IssueEvidence(issue_id=i1.id, conversation_id="e1"),
            IssueEvidence(issue_id=i2.id, conversation_id="e2"),
            IssueEvidence(issue_id=i2.id, conversation_id="e3"),
            IssueEvidence(issue_id=i4.id, conversation_id="e4"),
        ])
        s.add_all([
            Kpi(name="revenue", day=week_start(W10), value=10.0),
            Kpi(name="revenue", day=week_start(W10) + timedelta(days=6), value=20.0),
            Kpi(name="revenue", day=week_start(W11), value=30.0),
        ])
