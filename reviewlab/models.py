"""SQLModel tables: the whole data model, readable top to bottom.

All datetimes are timezone-aware and stored as UTC (SQLModel's UTCDateTime); naive values are refused.
JSON columns hold plain dicts/lists.
Enumerations are plain strings checked in the service layer (see the *_CHOICES tuples), which keeps
migrations simple on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

ROLE_CHOICES = ("system", "user", "assistant", "tool")
FUNCTION_CHOICES = ("engineering", "data/ai", "product", "design", "support", "business", "leadership", "other")
SIDE_CHOICES = ("builder", "business")
TAG_KIND_CHOICES = ("pain_point", "praise", "intent", "other")
FULFILLED_CHOICES = ("yes", "partial", "no", "unclear")
TASK_CHOICES = ("yes", "no", "unknown")
FOUND_VIA_CHOICES = ("proactive", "reactive")
PROACTIVE_CHANNELS = ("review", "alert", "cluster", "analysis")
REACTIVE_CHANNELS = ("complaint", "support_ticket", "escalation")
SEVERITY_CHOICES = ("low", "medium", "high", "critical")
ISSUE_STATUS_CHOICES = ("open", "in_progress", "resolved", "wont_fix")
MEETING_KIND_CHOICES = ("review_session", "other")
EVIDENCE_KIND_CHOICES = ("conversation", "issue", "tag", "topic", "metric")


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_column() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


# --- Import and conversations -------------------------------------------------------------------------


class ImportBatch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source: str
    format: str
    file_name: str
    file_sha256: str = Field(index=True)
    imported_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = "running"  # running | completed | failed
    conversations_added: int = 0
    conversations_skipped: int = 0  # already present (idempotent re-import)
    messages_added: int = 0
    records_rejected: int = 0
    report: list[dict] | None = json_column()  # [{"file", "line", "field", "reason"}]
    member_id: int | None = Field(default=None, foreign_key="member.id")


class Conversation(SQLModel, table=True):
    __table_args__ = (
        Index("ix_conversation_started", "started_at"),
        Index("ix_conversation_user_started", "user_id", "started_at"),  # per-user activity over time
    )
    id: str = Field(primary_key=True, max_length=32)  # stable hash of source + external id
    external_id: str
    source: str = Field(index=True)
    batch_id: int | None = Field(default=None, foreign_key="importbatch.id", index=True)
    user_id: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    n_messages: int = 0
    n_user_turns: int = 0
    variant: str | None = Field(default=None, index=True)  # model / prompt version
    product_area: str | None = Field(default=None, index=True)
    explicit_feedback: float | None = None  # normalised to [-1, 1]: thumbs down -1, up +1
    meta: dict | None = json_column()
    topic_id: int | None = Field(default=None, foreign_key="topic.id", index=True)
    frustration: float | None = Field(default=None, index=True)
    frustration_explanation: list[dict] | None = json_column()


class Message(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("conversation_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", max_length=32)
    position: int
    role: str
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime | None = None
    name: str | None = None  # tool name for tool messages
    tool_calls: list[dict] | None = json_column()
    feedback: float | None = None
    meta: dict | None = json_column()
    failure: float | None = None  # assistant turns: did this turn fail the user
    dissatisfied: float | None = None  # user turns: is the user unhappy with the previous answer
    signals: dict | None = json_column()  # {"rephrase": 0.8, "refusal": 1, ...}


# --- People and the taxonomy --------------------------------------------------------------------------


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str = Field(unique=True)
    function: str = "other"
    side: str = "builder"
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Tag(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str = "pain_point"
    description: str = ""
    colour: str = "#888888"
    archived: bool = False
    merged_into_id: int | None = Field(default=None, foreign_key="tag.id")
    created_at: datetime = Field(default_factory=utcnow)


class Annotation(SQLModel, table=True):
    __table_args__ = (Index("ix_annotation_conv", "conversation_id", "deleted_at"),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", max_length=32)
    message_id: int | None = Field(default=None, foreign_key="message.id")  # None: the whole conversation
    tag_id: int = Field(foreign_key="tag.id", index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    deleted_by_id: int | None = Field(default=None, foreign_key="member.id")


class Judgement(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("conversation_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", max_length=32, index=True)
    member_id: int = Field(foreign_key="member.id")
    intent: str = ""
    intent_fulfilled: str | None = None
    satisfaction: int | None = None  # 1..5
    task_completed: str | None = None
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- Analytics ----------------------------------------------------------------------------------------


class Embedding(SQLModel, table=True):
    conversation_id: str = Field(foreign_key="conversation.id", primary_key=True, max_length=32)
    model: str
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # float32, L2-normalised
    created_at: datetime = Field(default_factory=utcnow)


class Topic(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)  # stable across re-runs (matched by centroid)
    label: str
    custom_label: str | None = None  # set by the team; wins over the generated label
    keywords: list[str] | None = json_column()
    size: int = 0
    centroid: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    active: bool = True
    run_at: datetime = Field(default_factory=utcnow)


class Segment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    description: str = ""
    size: int = 0
    profile: dict | None = json_column()  # mean behaviour features of its users
    run_at: datetime = Field(default_factory=utcnow)


class UserSegment(SQLModel, table=True):
    user_id: str = Field(primary_key=True)
    segment_id: int = Field(foreign_key="segment.id", index=True)


# --- The weekly loop ----------------------------------------------------------------------------------


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    held_at: datetime = Field(index=True)
    kind: str = "other"  # review_session | other
    discussed_user_behaviour: bool = False
    counts: bool = True  # is it an AI-related meeting that counts for the indicators
    agenda: str = ""
    notes: str = ""
    status: str = "planned"  # planned | running | done
    facilitator_id: int | None = Field(default=None, foreign_key="member.id")
    sample_rules: dict | None = json_column()
    source: str = "manual"  # manual | ics | csv
    external_uid: str | None = Field(default=None, unique=True)  # calendar UID, for idempotent imports
    created_at: datetime = Field(default_factory=utcnow)


class MeetingAttendee(SQLModel, table=True):
    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)


class ReviewAssignment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "conversation_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    conversation_id: str = Field(foreign_key="conversation.id", max_length=32)
    member_id: int = Field(foreign_key="member.id", index=True)
    position: int = 0
    done_at: datetime | None = None


class Issue(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    description: str = ""
    found_via: str = "proactive"
    channel: str = "review"
    severity: str = "medium"
    status: str = Field(default="open", index=True)
    owner_id: int | None = Field(default=None, foreign_key="member.id")
    created_by_id: int | None = Field(default=None, foreign_key="member.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    tag_id: int | None = Field(default=None, foreign_key="tag.id")  # what it is about, for "did the fix work"
    topic_id: int | None = Field(default=None, foreign_key="topic.id")
    signal: str | None = None
    detected_at: datetime = Field(default_factory=utcnow, index=True)
    resolved_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class IssueEvidence(SQLModel, table=True):
    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", primary_key=True, max_length=32)
    added_at: datetime = Field(default_factory=utcnow)


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    title: str
    rationale: str = ""
    owner_id: int | None = Field(default=None, foreign_key="member.id")
    decided_at: datetime = Field(default_factory=utcnow, index=True)
    follow_up_on: date | None = None
    follow_up_done: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class DecisionEvidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    kind: str  # conversation | issue | tag | topic | metric
    ref: str  # id of the linked record, or the metric name
    snapshot: dict | None = json_column()  # metric value at decision time


# --- Alerts, KPIs, targets, settings, audit ------------------------------------------------------------


class AlertRule(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    metric: str  # e.g. "topic_frustration", "tag_rate"
    scope: str = ""  # topic id, tag id… empty for all
    z_threshold: float = 2.0
    active: bool = True


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    rule_id: int | None = Field(default=None, foreign_key="alertrule.id")
    metric: str
    scope: str = ""
    week: str  # ISO week, e.g. 2026-W47
    value: float
    baseline: float
    z: float
    status: str = "new"  # new | acknowledged | issue_opened | dismissed
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    fired_at: datetime = Field(default_factory=utcnow)


class Kpi(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("name", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str
    day: date
    value: float


class IndicatorTarget(SQLModel, table=True):
    indicator: str = Field(primary_key=True)
    target: float
    higher_is_better: bool = True
    updated_at: datetime = Field(default_factory=utcnow)


class AppSetting(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: dict | list | str | None = json_column()


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    action: str  # create | update | delete | merge | import …
    entity: str  # table name
    entity_id: str
    detail: dict | None = json_column()
