"""The vector index: every stored conversation embedding in one float32 matrix, searched by exact dot product.

At 100k conversations × 384 dimensions the matrix is 150 MB and one query is a single matrix-vector product plus
a partial sort (`bench/search_bench.py` measures it against the bare numpy bound). The index is loaded once per
database and model and reloaded only when the Embedding table changed (its row count or newest timestamp).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session

from reviewlab.embeddings import from_bytes
from reviewlab.models import Embedding


@dataclass
class VectorIndex:
    ids: list[str]
    matrix: np.ndarray  # (n, d) float32, L2-normalised rows
    model: str
    signature: tuple = ()
    _row_of: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.matrix = np.ascontiguousarray(self.matrix, dtype=np.float32)
        self._row_of = {cid: i for i, cid in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, conversation_id: str) -> bool:
        return conversation_id in self._row_of

    def vector(self, conversation_id: str) -> np.ndarray | None:
        row = self._row_of.get(conversation_id)
        return None if row is None else self.matrix[row]

    def search(self, query: np.ndarray, k: int, *, exclude: str | None = None) -> list[tuple[str, float]]:
        """The `k` most similar conversations to `query` (cosine), best first, leaving out `exclude`."""
        if not len(self.ids) or k <= 0:
            return []
        scores = self.matrix @ np.asarray(query, dtype=np.float32)
        skip = self._row_of.get(exclude) if exclude is not None else None
        want = min(k + (skip is not None), len(scores))
        top = np.argpartition(-scores, want - 1)[:want] if want < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # best first; equal scores by row for determinism
        return [(self.ids[i], float(scores[i])) for i in top if i != skip][:k]


_CACHE: dict[tuple[str, str], VectorIndex] = {}
_LOCK = threading.Lock()


def _signature(session: Session, model: str) -> tuple:
    count, newest = session.execute(
        select(func.count(), func.max(Embedding.created_at)).where(Embedding.model == model)
    ).one()
    return count, str(newest)


def load_index(session: Session, model: str) -> VectorIndex:
    """Read every stored vector of `model` (ordered by conversation id)."""
    signature = _signature(session, model)
    rows = session.execute(
        select(Embedding.conversation_id, Embedding.vector).where(Embedding.model == model)
        .order_by(Embedding.conversation_id)
    ).all()
    return VectorIndex([r[0] for r in rows], from_bytes([r[1] for r in rows]), model, signature)


def get_index(session: Session, model: str) -> VectorIndex:
    """The cached index of this database and model, reloaded when the stored vectors changed."""
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), model)
    signature = _signature(session, model)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached.signature == signature:
            return cached
    index = load_index(session, model)
    with _LOCK:
        _CACHE[key] = index
    return index


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
