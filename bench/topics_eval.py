"""Topic clustering quality and speed (reviewlab.topics) on real labelled queries, and its scaling to 100k.

- Quality: NMI and ARI of the topics against the 77 intents of banking77 `test.csv` (../shared/data), with the
  number of topics chosen by the tool (never told k). `train.csv` (10,003 queries, not used to design the method
  beyond the choices listed in reviewlab/topics.py) is reported beside it as a check of generalisation, with the
  peer k-means told the true k on the same vectors.
- Speed: seconds from embeddings to topics with labels (clustering + c-TF-IDF keywords), wall and CPU.
- Scale: 100,000 conversations (banking77 vectors and texts replicated with small noise) clustered and labelled.

Embeddings are cached under /tmp (REVIEWLAB_BENCH_CACHE) so re-runs take seconds.

    python bench/topics_eval.py [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, print_table, write_results  # noqa: E402

from reviewlab.embeddings import encode_texts, model_name  # noqa: E402
from reviewlab.topics import cluster_vectors, topic_keywords  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "banking77"
CACHE = Path(os.environ.get("REVIEWLAB_BENCH_CACHE", "/tmp/reviewlab-bench-cache"))


def embedded(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(path)
    key = hashlib.sha256(path.read_bytes() + model_name().encode()).hexdigest()[:16]
    cached = CACHE / f"{path.stem}-{key}.npy"
    if cached.exists():
        return frame, np.load(cached)
    print(f"embedding {len(frame):,} texts of {path.name} (cached afterwards in {CACHE})…", flush=True)
    vectors = encode_texts(frame["text"].tolist())
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(cached, vectors)
    return frame, vectors


def topics_of(texts: list[str], vectors: np.ndarray) -> tuple[np.ndarray, int, float, float]:
    """Labels, k, wall seconds and CPU seconds from vectors to labelled topics."""
    wall, cpu = time.perf_counter(), time.process_time()
    clustering = cluster_vectors(vectors, seed=0)
    topic_keywords(texts, clustering.labels, clustering.k)
    return clustering.labels, clustering.k, time.perf_counter() - wall, time.process_time() - cpu


def replicated(frame: pd.DataFrame, vectors: np.ndarray, n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """n conversations drawn from real ones, each vector moved by noise (cosine about 0.94 to its source, so copies
    are not near-duplicates of each other and the clustering gets no shortcut)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(vectors), size=n)
    noisy = vectors[picks] + rng.normal(scale=0.35 / np.sqrt(vectors.shape[1]), size=(n, vectors.shape[1]))
    noisy = (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)
    return frame["text"].iloc[picks].tolist(), noisy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="test split only and 20k conversations (< 1 min)")
    args = parser.parse_args()
    if not (DATA / "test.csv").exists():
        sys.exit(f"banking77 not found in {DATA}")

    rows, results = [], {"model": model_name(), "quick": args.quick}
    test, test_vectors = embedded(DATA / "test.csv")
    labels, k, wall, cpu = topics_of(test["text"].tolist(), test_vectors)
    nmi = normalized_mutual_info_score(test["category"], labels)
    results["test"] = {"n": len(test), "k": k, "nmi": round(nmi, 4),
                       "ari": round(adjusted_rand_score(test["category"], labels), 4),
                       "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}
    rows.append(["banking77 test", len(test), k, f"{nmi:.4f}", f"{results['test']['ari']:.4f}", wall, cpu])

    if not args.quick:
        train, train_vectors = embedded(DATA / "train.csv")
        t_labels, t_k, t_wall, t_cpu = topics_of(train["text"].tolist(), train_vectors)
        kmeans = KMeans(77, n_init=3, random_state=0).fit_predict(train_vectors)
        results["train"] = {"n": len(train), "k": t_k,
                            "nmi": round(normalized_mutual_info_score(train["category"], t_labels), 4),
                            "ari": round(adjusted_rand_score(train["category"], t_labels), 4),
                            "seconds": round(t_wall, 2), "cpu_seconds": round(t_cpu, 2),
                            "kmeans_true_k_nmi": round(normalized_mutual_info_score(train["category"], kmeans), 4)}
        rows.append(["banking77 train", len(train), t_k, f"{results['train']['nmi']:.4f}",
                     f"{results['train']['ari']:.4f}", t_wall, t_cpu])
        rows.append(["  k-means told k=77", len(train), 77, f"{results['train']['kmeans_true_k_nmi']:.4f}", "", "", ""])

    n_big = 20_000 if args.quick else 100_000
    source = test if args.quick else pd.concat([test, train], ignore_index=True)
    source_vectors = test_vectors if args.quick else np.concatenate([test_vectors, train_vectors])
    texts, big = replicated(source, source_vectors, n_big)
    _, big_k, big_wall, big_cpu = topics_of(texts, big)
    results["scale"] = {"n": n_big, "k": big_k, "seconds": round(big_wall, 2), "cpu_seconds": round(big_cpu, 2)}
    rows.append([f"replicated {n_big // 1000}k", n_big, big_k, "", "", big_wall, big_cpu])

    print_table(["data", "n", "k", "NMI", "ARI", "seconds", "cpu s"], rows)
    path = write_results("topics", results)
    print(f"written {path.relative_to(ROOT)}; target: NMI >= 0.82 in <= 4 s (test), 100k in <= 60 s")
    print(f"RESULT nmi={nmi:.4f} seconds={wall:.2f} k={k}")


if __name__ == "__main__":
    main()
