"""The weekly loop's queries and writes: meetings, review sessions and assignments, issues, decisions, impact.

One module per area; everything public is importable from here too (`from reviewlab.store.loop import
issues_frame`). Every write records an audit row in the caller's transaction. Domain rules live in
`reviewlab.loop`.
"""

from reviewlab.store.loop.decisions import (
    METRICS,
    add_decision_evidence,
    create_decision,
    decision_evidence_frame,
    decisions_frame,
    metric_snapshot,
    set_follow_up_done,
)
from reviewlab.store.loop.issues import (
    about_choices,
    add_issue_evidence,
    create_issue,
    get_issue,
    issue_evidence_frame,
    issue_impact,
    issues_frame,
    rate_counts,
    remove_issue_evidence,
    set_issue_about,
    set_issue_status,
    update_issue,
)
from reviewlab.store.loop.meetings import (
    MeetingImportResult,
    create_meeting,
    get_agenda_template,
    import_meetings,
    mark_counting,
    meeting_attendees,
    meetings_frame,
    set_agenda_template,
    set_meeting_flags,
)
from reviewlab.store.loop.sessions import (
    assignments_frame,
    finish_session,
    get_meeting,
    list_sessions,
    mark_assignment_done,
    mark_conversation_reviewed,
    plan_session,
    progress_frame,
    sample_candidates,
    session_conversation_ids,
    session_summary,
    set_session_status,
)

__all__ = [
    "about_choices", "add_decision_evidence", "add_issue_evidence", "assignments_frame", "create_decision",
    "create_issue", "create_meeting", "decision_evidence_frame", "decisions_frame", "finish_session",
    "get_agenda_template", "get_issue", "get_meeting", "import_meetings", "issue_evidence_frame", "issue_impact",
    "issues_frame", "list_sessions", "mark_assignment_done", "mark_conversation_reviewed", "mark_counting",
    "meeting_attendees", "MeetingImportResult", "meetings_frame", "metric_snapshot", "METRICS", "plan_session",
    "progress_frame", "rate_counts", "remove_issue_evidence", "sample_candidates", "session_conversation_ids",
    "session_summary", "set_agenda_template", "set_follow_up_done", "set_issue_about", "set_issue_status",
    "set_meeting_flags", "set_session_status", "update_issue",
]  # fmt: skip
