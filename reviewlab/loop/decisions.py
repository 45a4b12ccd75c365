"""Decision rules: evidence links and what makes a decision "backed by user data"."""

from __future__ import annotations

from dataclasses import dataclass

from reviewlab.models import EVIDENCE_KIND_CHOICES


@dataclass(frozen=True)
class EvidenceLink:
    """One piece of evidence: a conversation, issue, tag or topic id, or a metric name with its value then."""

    kind: str
    ref: str
    snapshot: dict | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVIDENCE_KIND_CHOICES:
            raise ValueError(f"Unknown evidence kind {self.kind!r}; choose one of {', '.join(EVIDENCE_KIND_CHOICES)}.")
        if not str(self.ref).strip():
            raise ValueError(f"A {self.kind} evidence link needs a reference.")
        if self.kind == "metric" and not (self.snapshot and "value" in self.snapshot):
            raise ValueError("A metric evidence link needs a snapshot with the metric's value.")


def backed_by_user_data(n_evidence: int) -> bool:
    """A decision is backed by user data when it links at least one piece of evidence."""
    return n_evidence >= 1
