"""Conversations with planted topics for the analytics tests: synthetic vectors stored as embeddings (no model)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from reviewlab.db import session_scope
from reviewlab.embeddings import model_name, to_bytes
from reviewlab.models import Embedding
from tests.review_data import add_conversation

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # ISO week 2026-W10
DIM = 384
#: topic key → (opening request, how many conversations)
PLANTED = {
    "refund": ("I want a refund for my order, the parcel never arrived", 30),
    "password": ("I cannot log in, the password reset email never comes", 24),
    "invoice": ("Where can I download the invoice PDF with VAT for my company", 18),
}


def centres(seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for key in PLANTED:
        v = rng.normal(size=DIM)
        out[key] = (v / np.linalg.norm(v)).astype(np.float32)
    return out


def noisy(centre: np.ndarray, rng: np.random.Generator, spread: float = 0.35) -> np.ndarray:
    v = centre + rng.normal(scale=spread / np.sqrt(DIM), size=DIM)
    return (v / np.linalg.norm(v)).astype(np.float32)


def seed_topics(engine, *, weeks: int = 1, seed: int = 3, only: tuple[str, ...] | None = None,
                prefix: str = "") -> dict[str, list[str]]:
    """Planted conversations (users u0…u5) with stored vectors near one centre per topic. Returns ids per topic."""
    rng = np.random.default_rng(seed)
    ids: dict[str, list[str]] = {}
    with session_scope(engine, write=True) as s:
        for key, vector in centres().items():
            if only and key not in only:
                continue
            text, count = PLANTED[key]
            for i in range(count):
                cid = f"{prefix}{key}{i:03d}"
                started = MONDAY + timedelta(days=7 * (i % weeks), hours=i)
                add_conversation(s, cid, [("user", f"{text} (#{i})"), ("assistant", "Let me check.")],
                                 started_at=started, user_id=f"u{i % 6}")
                s.add(Embedding(conversation_id=cid, model=model_name(), vector=to_bytes(noisy(vector, rng))))
                ids.setdefault(key, []).append(cid)
    return ids
