"""Issue rules: how an issue was found, its status transitions, time to detect and time to resolve."""

from __future__ import annotations

from datetime import datetime, timedelta

from reviewlab.models import (
    ISSUE_STATUS_CHOICES,
    PROACTIVE_CHANNELS,
    REACTIVE_CHANNELS,
    SEVERITY_CHOICES,
)

CHANNELS = PROACTIVE_CHANNELS + REACTIVE_CHANNELS
CLOSED_STATUSES = ("resolved", "wont_fix")
# open → in progress → resolved or won't fix. A quick fix may skip "in progress"; a closed issue can be reopened.
TRANSITIONS = {
    "open": ("in_progress", "resolved", "wont_fix"),
    "in_progress": ("open", "resolved", "wont_fix"),
    "resolved": ("open",),
    "wont_fix": ("open",),
}
# What an issue can be "about" when it is neither a tag nor a topic: a behavioural signal whose rate we track.
SIGNALS = {
    "frustration": "scored conversations with frustration ≥ 0.5",
    "thumbs_down_rate": "rated conversations with a thumbs down",
}
FRUSTRATED = 0.5


def found_via_for(channel: str) -> str:
    """proactive for review / alert / cluster / analysis, reactive for complaint / support ticket / escalation."""
    if channel in PROACTIVE_CHANNELS:
        return "proactive"
    if channel in REACTIVE_CHANNELS:
        return "reactive"
    raise ValueError(f"Unknown channel {channel!r}; choose one of {', '.join(CHANNELS)}.")


def check_found_via(found_via: str | None, channel: str) -> str:
    """The found_via for a channel; a given found_via must agree with it."""
    expected = found_via_for(channel)
    if found_via is not None and found_via != expected:
        raise ValueError(f"Channel {channel!r} is {expected}, not {found_via}.")
    return expected


def check_severity(severity: str) -> None:
    if severity not in SEVERITY_CHOICES:
        raise ValueError(f"Unknown severity {severity!r}; choose one of {', '.join(SEVERITY_CHOICES)}.")


def check_signal(signal: str | None) -> None:
    if signal is not None and signal not in SIGNALS:
        raise ValueError(f"Unknown signal {signal!r}; choose one of {', '.join(SIGNALS)}.")


def check_transition(current: str, new: str) -> None:
    if new not in ISSUE_STATUS_CHOICES:
        raise ValueError(f"Unknown status {new!r}; choose one of {', '.join(ISSUE_STATUS_CHOICES)}.")
    if new != current and new not in TRANSITIONS[current]:
        raise ValueError(f"An issue cannot go from {current} to {new}.")


def time_to_detect(first_evidence_at: datetime | None, detected_at: datetime) -> timedelta | None:
    """From the earliest evidence conversation to detection; None without evidence. Evidence that started after
    the detection (added later as an example) counts as detected at once: zero, never negative."""
    if first_evidence_at is None:
        return None
    return max(detected_at - first_evidence_at, timedelta(0))


def time_to_resolve(detected_at: datetime, resolved_at: datetime | None) -> timedelta | None:
    if resolved_at is None:
        return None
    return max(resolved_at - detected_at, timedelta(0))


def format_duration(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def channel_label(channel: str) -> str:
    """'support ticket (reactive)'."""
    return f"{channel.replace('_', ' ')} ({found_via_for(channel)})"
