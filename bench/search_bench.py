"""Semantic search speed: reviewlab.vectors.VectorIndex.search at 100k conversations against the brute-force numpy
bound (`X @ q` then `argpartition`, nothing else) measured in the same run on the same matrix.

The vectors are 100,000 normalised 384-d vectors drawn around 300 random centres (clustered like real topics);
queries are other such vectors. Also times loading the index from a SQLite Embedding table.

    python bench/search_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, print_table, write_results  # noqa: E402

from reviewlab.vectors import VectorIndex  # noqa: E402

N, DIM, K = 100_000, 384, 10


def clustered_vectors(n: int, rng: np.random.Generator, centres: int = 300) -> np.ndarray:
    means = rng.normal(size=(centres, DIM)).astype(np.float32)
    x = means[rng.integers(0, centres, size=n)] + rng.normal(scale=1.2, size=(n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def bound(matrix: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    scores = matrix @ query
    return np.argpartition(-scores, k)[:k]


def timings(fn, queries: np.ndarray) -> list[float]:
    samples = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def load_time(matrix: np.ndarray, ids: list[str], n: int) -> float:
    """Seconds to read n stored vectors from a SQLite Embedding table into an index."""
    from reviewlab.db import make_engine, session_scope
    from reviewlab.embeddings import to_bytes
    from reviewlab.models import Conversation, Embedding, utcnow
    from reviewlab.store.setup import ensure_ready
    from reviewlab.vectors import load_index

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        ensure_ready(engine)
        now = utcnow()
        with session_scope(engine, write=True) as s:
            s.execute(Conversation.__table__.insert(), [{"id": cid, "external_id": cid, "source": "bench",
                                                        "n_messages": 0, "n_user_turns": 0} for cid in ids[:n]])
            s.execute(Embedding.__table__.insert(), [{"conversation_id": cid, "model": "bench",
                                                     "vector": to_bytes(v), "created_at": now}
                                                    for cid, v in zip(ids[:n], matrix[:n], strict=True)])
        start = time.perf_counter()
        with session_scope(engine) as s:
            index = load_index(s, "bench")
        seconds = time.perf_counter() - start
        assert len(index) == n
        engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer queries, load test on 20k rows (< 1 min)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    matrix = clustered_vectors(N, rng)
    ids = [f"{i:032x}" for i in range(N)]
    index = VectorIndex(ids, matrix, "bench")
    queries = clustered_vectors(50 if args.quick else 200, rng)

    for q in queries[:5]:  # same answers as the bound
        assert {ids[i] for i in bound(index.matrix, q, K)} == {cid for cid, _ in index.search(q, K)}
    repeats = 2 if args.quick else 5
    # interleave the two, so both see the same machine load
    ours, base = [], []
    for _ in range(repeats):
        base += timings(lambda q: bound(index.matrix, q, K), queries)
        ours += timings(lambda q: index.search(q, K), queries)
    search_ms, bound_ms = statistics.median(ours), statistics.median(base)
    ratio = search_ms / bound_ms
    n_load = 20_000 if args.quick else N
    load_s = load_time(matrix, ids, n_load)

    print_table(["what", "n", "median ms", "p95 ms"], [
        ["VectorIndex.search (k=10)", N, search_ms, float(np.percentile(ours, 95))],
        ["numpy bound X @ q + argpartition", N, bound_ms, float(np.percentile(base, 95))],
        [f"load index from SQLite ({n_load:,} rows), s", n_load, load_s, ""],
    ])
    path = write_results("search", {"n": N, "dim": DIM, "k": K, "queries": len(queries) * repeats,
                                    "search_ms": round(search_ms, 3), "bound_ms": round(bound_ms, 3),
                                    "ratio": round(ratio, 3), "load_rows": n_load, "load_seconds": round(load_s, 2)})
    print(f"written {path.relative_to(ROOT)}; target: ratio <= 2")
    print(f"RESULT search_ms={search_ms:.2f} bound_ms={bound_ms:.2f} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
