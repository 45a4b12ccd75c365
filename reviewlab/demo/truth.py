"""The planted truth of a demo workspace, measured on the generated data (never typed in): what the analytics,
the loop and the indicators should find, with the ids, weeks and expected directions to check them against.
"""

from __future__ import annotations

import statistics
from datetime import datetime

from reviewlab.demo.conversations import (
    ABANDONED,
    DEGRADED_AREA,
    DEGRADED_FROM_WEEK,
    FIXED_AREA,
    REFUSED,
    VARIANTS,
    WORSE_VARIANT,
    WRONG,
    DemoConversation,
)
from reviewlab.demo.workspace import SESSIONS_FROM_WEEK, TEAM, Plan, sessions

FRUSTRATED_MARKS = ("correction", "complaint", "pushback", "give_up")


def share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def conversation_stats(group: list[DemoConversation]) -> dict:
    rated = [c for c in group if c.feedback is not None]
    return {
        "conversations": len(group),
        "wrong_answer_share": share(sum(c.outcome == WRONG for c in group), len(group)),
        "task_completion": share(sum(c.completed for c in group), len(group)),
        "rephrase_share": share(sum("rephrase" in c.marks for c in group), len(group)),
        "frustration_share": share(sum(any(m in c.marks for m in FRUSTRATED_MARKS) for c in group), len(group)),
        "rated": len(rated),
        "thumbs_down": sum(c.feedback < 0 for c in rated),
        "thumbs_down_rate": share(sum(c.feedback < 0 for c in rated), len(rated)),
    }


def build_truth(plan: Plan, *, seed: int, scale: float, ids: dict) -> dict:
    """`ids` maps the plan's indexes to database ids: members, meetings, issues, decisions (lists), tags (dict)."""
    cal, convs = plan.cal, plan.conversations
    planted = {issue["planted"]: n for n, issue in enumerate(plan.issues) if issue["planted"]}

    def issue_id(key: str) -> int | None:
        return ids["issues"][planted[key]] if key in planted else None

    return {
        "seed": seed,
        "scale": scale,
        "today": cal.today.isoformat(),
        "weeks": [cal.label(w) for w in range(1, cal.n_weeks + 1)],
        "counts": {
            "conversations": len(convs),
            "messages": sum(len(c.messages) for c in convs),
            "users": len({c.user.user_id for c in convs}),
            "members": len(plan.members),
            "meetings": len(plan.meetings),
            "review_sessions_done": len(sessions(plan)),
            "issues": len(plan.issues),
            "decisions": len(plan.decisions),
            "annotations": len(plan.annotations),
            "judgements": len(plan.judgements),
            "reviewed_conversations": len(plan.reviewed),
            "kpi_points": len(plan.kpis),
        },
        "product_areas": sorted({c.product_area for c in convs}),
        "variants": list(VARIANTS),
        "members": {m["name"]: {"id": ids["members"][i], "function": m["function"], "side": m["side"]}
                    for i, m in enumerate(plan.members)},
        "degrading_area": _degradation(plan, issue_id("degradation")),
        "rephrase_then_abandon": _abandoners(convs),
        "worse_variant": _variant(plan, issue_id("worse_variant")),
        "review_sessions": _sessions(plan, ids),
        "fixed_issue": _fixed(plan, issue_id("fixed_refusal"), ids["tags"]),
        "kpis": {
            "names": sorted({k["name"] for k in plan.kpis}),
            "dated": "the Monday of each ISO week",
            "tracks": "weekly task completion: csat and retention rise with it, support_tickets fall",
        },
    }


def _degradation(plan: Plan, issue_id: int | None) -> dict:
    area = [c for c in plan.conversations if c.product_area == DEGRADED_AREA]
    return {
        "product_area": DEGRADED_AREA,
        "from_week": plan.cal.label(DEGRADED_FROM_WEEK),
        "from_week_index": DEGRADED_FROM_WEEK,  # 1-based index into "weeks"
        "what": "answers turn wrong (the assistant ignores its tracking tool), users correct and complain, "
                "thumbs down rise",
        "expected": {"thumbs_down_rate": "up", "wrong_answer_share": "up", "rephrase_share": "up",
                     "frustration_share": "up", "task_completion": "down"},
        "before": conversation_stats([c for c in area if c.week < DEGRADED_FROM_WEEK]),
        "after": conversation_stats([c for c in area if c.week >= DEGRADED_FROM_WEEK]),
        "other_areas_after": conversation_stats([c for c in plan.conversations if c.product_area != DEGRADED_AREA
                                                 and c.week >= DEGRADED_FROM_WEEK]),
        "issue_id": issue_id,
    }


def _abandoners(convs: list[DemoConversation]) -> dict:
    theirs = [c for c in convs if c.user.abandoner]
    others = [c for c in convs if not c.user.abandoner]
    return {
        "user_ids": sorted({c.user.user_id for c in theirs}),
        "conversation_ids": sorted(c.id for c in theirs),
        "pattern": "question, off-target answer, the user rephrases, another off-target answer, the user gives up: "
                   "the conversation ends on the user's turn; they never come back",
        "last_week": {u: max(c.week for c in theirs if c.user.user_id == u) for u in sorted({c.user.user_id
                                                                                            for c in theirs})},
        "abandon_share": share(sum(c.outcome == ABANDONED for c in theirs), len(theirs)),
        "others_abandon_share": share(sum(c.outcome == ABANDONED for c in others), len(others)),
    }


def _variant(plan: Plan, issue_id: int | None) -> dict:
    variant_of = {c.id: c.variant for c in plan.conversations}
    judged = {}
    for variant in VARIANTS:
        rows = [j for j in plan.judgements if variant_of[j["conversation_id"]] == variant]
        judged[variant] = share(sum(j["task_completed"] == "yes" for j in rows), len(rows))
    return {
        "variant": WORSE_VARIANT,
        "better_variant": next(v for v in VARIANTS if v != WORSE_VARIANT),
        "expected": "lower task completion",
        "task_completion": {v: conversation_stats([c for c in plan.conversations if c.variant == v])["task_completion"]
                            for v in VARIANTS},
        "judged_task_completion": judged,  # share of judgements with task_completed == "yes"
        "issue_id": issue_id,
    }


def _sessions(plan: Plan, ids: dict) -> dict:
    cal = plan.cal
    done = sessions(plan)
    planned = sessions(plan, status="planned")

    def period(after: bool) -> dict:
        def inside(moment: datetime) -> bool:
            week = cal.week_of(moment)
            return week is not None and (week >= SESSIONS_FROM_WEEK) == after

        issues = [i for i in plan.issues if inside(i["detected_at"])]
        proactive = sum(i["found_via"] == "proactive" for i in issues)
        meetings = [m for m in plan.meetings if m["status"] == "done" and m["counts"] and inside(m["held_at"])]
        decisions = [d for d in plan.decisions if inside(d["decided_at"])]
        first_seen = {c.id: c.started_at for c in plan.conversations}
        detect_days = [(i["detected_at"] - min(first_seen[cid] for cid in i["evidence"])).total_seconds() / 86400
                       for i in issues if i["evidence"]]
        weeks = {cal.week_of(m["held_at"]) for m in meetings} or {None}
        return {
            "issues": len(issues),
            "proactive_issues": proactive,
            "proactive_share": share(proactive, len(issues)),
            "meetings": len(meetings),
            "meeting_content_share": share(sum(m["discussed_user_behaviour"] for m in meetings), len(meetings)),
            "cross_functional_meetings": sum(_cross_functional(m) for m in meetings),
            "cross_functional_meetings_per_week": round(sum(_cross_functional(m) for m in meetings) / len(weeks), 3),
            "decisions": len(decisions),
            "evidence_backed_share": share(sum(bool(d["evidence"]) for d in decisions), len(decisions)),
            "median_days_to_detect": round(statistics.median(detect_days), 2) if detect_days else None,
        }

    return {
        "start_week": cal.label(SESSIONS_FROM_WEEK),
        "start_week_index": SESSIONS_FROM_WEEK,
        "session_ids": [ids["meetings"][i] for i, _ in done],
        "planned_session_id": ids["meetings"][planned[0][0]] if planned else None,
        "expected": {"proactive_share": "up", "meeting_content_share": "up", "cross_functional_meetings_per_week": "up",
                     "evidence_backed_share": "up", "median_days_to_detect": "down"},
        "before": period(False),
        "after": period(True),
    }


def _cross_functional(meeting: dict) -> bool:
    sides = {TEAM[m][3] for m in meeting["attendees"]}
    return sides == {"builder", "business"}


def _fixed(plan: Plan, issue_id: int | None, tag_ids: dict[str, int]) -> dict:
    tag = "unnecessary refusal"
    fix = plan.cal.fix_time
    area = [c for c in plan.conversations if c.product_area == FIXED_AREA]
    tagged = {a["conversation_id"] for a in plan.annotations if a["tag"] == tag}

    def rates(group: list[DemoConversation]) -> dict:
        reviewed = [c for c in group if c.id in plan.reviewed]
        return {"conversations": len(group), "refusal_share": share(sum(c.outcome == REFUSED for c in group),
                                                                    len(group)),
                "reviewed": len(reviewed), "tagged": sum(c.id in tagged for c in reviewed),
                "tag_rate": share(sum(c.id in tagged for c in reviewed), len(reviewed))}

    return {
        "issue_id": issue_id,
        "tag": tag,
        "tag_id": tag_ids.get(tag),
        "product_area": FIXED_AREA,
        "resolved_at": fix.isoformat(),
        "resolved_week": plan.cal.label(plan.cal.week_of(fix)),
        "expected": "down",
        "before": rates([c for c in area if c.started_at < fix]),
        "after": rates([c for c in area if c.started_at >= fix]),
    }
