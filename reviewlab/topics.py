"""Topics: cluster conversation embeddings, choose the number of topics, label them, keep ids stable.

The method (pure numpy/scipy, no database):

1. Fit on at most `FIT_SIZE` vectors (a seeded random sample above that, so 100k conversations stay fast).
2. Near-duplicates (cosine ≥ `DUPLICATE_SIMILARITY`: the same request up to an order number or a greeting)
   count once, so a message pasted a thousand times does not split into a thousand topics.
3. Neighbourhood smoothing: each vector is replaced by the normalised mean of itself and its `NEIGHBOURS`
   nearest neighbours. This pulls paraphrases of one request together before clustering.
4. Ward agglomerative clustering of the smoothed vectors gives the whole hierarchy at once.
5. The number of topics k is the cut of that hierarchy with the best Bayesian information criterion of a
   spherical Gaussian mixture on the original vectors (as in X-means): more topics must explain enough extra
   variance to pay for their parameters. Labels are never looked at.
6. Every other vector is smoothed against the fitted points and assigned to the nearest topic centroid.

Labels are c-TF-IDF keywords (the words most specific to one topic compared with all others).
Topic ids survive re-runs: new centroids are matched one-to-one to the previous ones (Hungarian assignment on
cosine similarity) and a new id is only made for a cluster that matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment

FIT_SIZE = 4000  # Ward is O(n²): fit on a sample this large at most (about 2 s on 2 cores)
NEIGHBOURS = 5  # nearest neighbours averaged into each vector before clustering
DUPLICATE_SIMILARITY = 0.95  # vectors this similar are one request (up to a number or a greeting): counted once
MATCH_MIN_SIMILARITY = 0.8  # centroid cosine similarity to keep an old topic id
CHUNK = 8192  # rows per block when assigning many vectors
KEYWORDS = 6  # keywords kept per topic
LABEL_WORDS = 3  # keywords shown in a generated label
PHRASE_MIN_SHARE = 0.2  # a two-word keyword must appear in this share of its topic's texts

# Words of chat small talk that say nothing about what a user asked for (on top of sklearn's English list).
CHAT_STOP_WORDS = frozenset(
    "hi hello hey hiya thanks thank thx cheers ok okay yes yeah pls please help need want just like know tell "
    "did does doing got get make sure really actually maybe possible able going way let good morning afternoon "
    "evening btw hm hmm guess mean".split()
)


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # topic index per input row, 0..k-1
    centroids: np.ndarray  # (k, d) L2-normalised means of the original vectors
    sizes: np.ndarray  # rows per topic
    scores: dict[int, float]  # BIC per candidate number of topics (higher is better)

    @property
    def k(self) -> int:
        return len(self.centroids)


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def _neighbour_ids(queries: np.ndarray, pool: np.ndarray, n: int) -> np.ndarray:
    """Indexes into `pool` of the `n` most similar rows to each query (unordered), computed in blocks."""
    out = np.empty((len(queries), n), dtype=np.int64)
    for start in range(0, len(queries), CHUNK):
        sims = queries[start:start + CHUNK] @ pool.T
        out[start:start + CHUNK] = np.argpartition(-sims, n - 1, axis=1)[:, :n]
    return out


def bic_by_k(x: np.ndarray, tree: np.ndarray) -> dict[int, float]:
    """BIC of every cut of a linkage `tree` over the rows of `x`, for a spherical Gaussian mixture.

    The within-cluster sum of squares of each cut is updated merge by merge, so all n cuts cost O(n·d).
    """
    n, d = x.shape
    sums = np.empty((2 * n - 1, d))
    sums[:n] = x
    sq = np.empty(2 * n - 1)  # |sum|² / count per node
    sq[:n] = (x * x).sum(1)
    counts = np.ones(2 * n - 1)
    sse = 0.0
    size_term = 0.0  # Σ n_c log n_c
    scores = {n: _bic(n, d, n, 0.0, 0.0)} if n > 1 else {}
    for i, (a, b, _, c) in enumerate(tree):
        a, b = int(a), int(b)
        sums[n + i] = merged = sums[a] + sums[b]
        counts[n + i] = c
        sq[n + i] = merged @ merged / c
        sse += sq[a] + sq[b] - sq[n + i]
        size_term += c * np.log(c) - counts[a] * np.log(counts[a]) - counts[b] * np.log(counts[b])
        k = n - i - 1
        scores[k] = _bic(n, d, k, sse, size_term)
    return scores


def _bic(n: int, d: int, k: int, sse: float, size_term: float) -> float:
    if k >= n:
        return -np.inf
    variance = max(sse / ((n - k) * d), 1e-12)
    log_likelihood = -n * d / 2 * np.log(2 * np.pi * variance) - (n - k) * d / 2 + size_term - n * np.log(n)
    return log_likelihood - k * (d + 1) / 2 * np.log(n)


def near_duplicate_groups(sims: np.ndarray, *,
                          threshold: float = DUPLICATE_SIMILARITY) -> tuple[np.ndarray, np.ndarray]:
    """Greedy grouping of near-duplicates from a square similarity matrix: (rows that lead a group, the group of
    every row). In row order, the first row not yet grouped leads a new group of every ungrouped row at least
    `threshold` similar to it.
    """
    group = np.full(len(sims), -1, dtype=np.int64)
    leaders = []
    for i in range(len(sims)):
        if group[i] >= 0:
            continue
        mine = (sims[i, i:] >= threshold) & (group[i:] < 0)
        mine[0] = True
        group[i:][mine] = len(leaders)
        leaders.append(i)
    return np.asarray(leaders, dtype=np.int64), group


def cluster_vectors(vectors: np.ndarray, *, seed: int = 0, fit_size: int = FIT_SIZE, neighbours: int = NEIGHBOURS,
                    max_topics: int | None = None) -> Clustering:
    """Cluster L2-normalised vectors into topics, choosing their number (see the module docstring)."""
    x = np.asarray(vectors, dtype=np.float32)
    n = len(x)
    if n == 0:
        return Clustering(np.zeros(0, dtype=np.int64), np.zeros((0, x.shape[1]), np.float32), np.zeros(0, np.int64),
                          {})
    rng = np.random.default_rng(seed)
    fit = np.sort(rng.choice(n, fit_size, replace=False)) if n > fit_size else np.arange(n)
    sample = x[fit]
    sims = sample @ sample.T
    leaders, group = near_duplicate_groups(sims)
    points = sample[leaders]  # one point per group of near-duplicates
    if len(points) < 3:
        return _from_labels(x, _nearest(x, points), {len(points): 0.0})
    nn = min(neighbours, len(points) - 1)
    near = np.argpartition(-sims[np.ix_(leaders, leaders)], nn, axis=1)[:, :nn + 1]
    del sims
    smoothed = _normalise(points[near].mean(axis=1))
    tree = linkage(smoothed.astype(np.float64), method="ward")
    scores = bic_by_k(points.astype(np.float64), tree)
    candidates = {k: s for k, s in scores.items() if k <= (max_topics or len(points))}
    k = max(candidates, key=lambda key: (candidates[key], -key))
    point_labels = fcluster(tree, k, criterion="maxclust") - 1
    k = int(point_labels.max()) + 1  # ties in the tree can give fewer clusters than asked
    centres = np.zeros((k, x.shape[1]), dtype=np.float64)
    np.add.at(centres, point_labels, smoothed)
    centres = _normalise(centres).astype(np.float32)
    labels = np.empty(n, dtype=np.int64)
    labels[fit] = point_labels[group]
    rest = np.setdiff1d(np.arange(n), fit)
    for start in range(0, len(rest), CHUNK):
        rows = rest[start:start + CHUNK]
        near = _neighbour_ids(x[rows], points, nn)
        labels[rows] = _nearest(_normalise(x[rows] + points[near].sum(axis=1)), centres)
    return _from_labels(x, labels, scores)


def _nearest(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return (x @ centres.T).argmax(axis=1)


def _from_labels(x: np.ndarray, labels: np.ndarray, scores: dict[int, float]) -> Clustering:
    """Renumber topics by decreasing size (ties by first row) and compute their centroids."""
    used, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(used)), key=lambda i: (-counts[i], first[i]))
    remap = np.empty(labels.max() + 1, dtype=np.int64)
    remap[used[order]] = np.arange(len(used))
    labels = remap[labels]
    centroids = np.zeros((len(used), x.shape[1]), dtype=np.float64)
    np.add.at(centroids, labels, x)
    return Clustering(labels, _normalise(centroids).astype(np.float32), np.bincount(labels), scores)


# --- Labels --------------------------------------------------------------------------------------------------


def topic_keywords(texts: list[str], labels: np.ndarray, k: int, *, top: int = KEYWORDS) -> list[list[str]]:
    """The `top` c-TF-IDF keywords of each topic: frequent in the topic, rare in the others.

    Words and two-word phrases; a phrase counts only when at least `PHRASE_MIN_SHARE` of the topic's texts use
    it, and a keyword whose words are already covered by better ones is skipped.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    labels = np.asarray(labels)
    if k == 0:
        return []
    vectoriser = CountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | CHAT_STOP_WORDS), ngram_range=(1, 2),
                                 min_df=2 if len(texts) >= 50 else 1,
                                 preprocessor=_clean_for_keywords, token_pattern=r"(?u)\b[^\W\d_][\w-]+\b")
    try:
        per_text = vectoriser.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return [[] for _ in range(k)]
    vocab = vectoriser.get_feature_names_out()
    membership = sparse.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    counts = (membership @ per_text).toarray()
    topic_sizes = np.maximum(np.bincount(labels, minlength=k), 1)
    doc_share = (membership @ (per_text > 0).astype(np.float64)).toarray() / topic_sizes[:, None]
    words_per_topic = counts.sum(axis=1)
    tf = counts / np.maximum(words_per_topic, 1)[:, None]
    idf = np.log1p(words_per_topic.mean() / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf[None, :]
    is_phrase = np.char.find(vocab.astype(str), " ") >= 0
    scores[:, is_phrase] = np.where(doc_share[:, is_phrase] >= PHRASE_MIN_SHARE, scores[:, is_phrase], 0)
    out = []
    for c in range(k):
        ranked = [i for i in np.lexsort((vocab, -scores[c])) if scores[c, i] > 0]
        chosen: list[str] = []
        covered: set[str] = set()
        for idx in ranked:
            term = str(vocab[idx])
            words = set(term.split())
            if words <= covered:
                continue
            chosen = [t for t in chosen if not set(t.split()) < words]  # a phrase replaces its own words
            chosen.append(term)
            covered |= words
            if len(chosen) >= top:
                break
        out.append(chosen)
    return out


def _clean_for_keywords(text: str) -> str:
    """Lower case, without URLs, words with digits (order numbers), possessive 's and contractions (can't, I've)."""
    text = re.sub(r"https?://\S+|[\w-]*\d[\w-]*", " ", text.lower().replace("’", "'"))
    text = re.sub(r"'s\b", "", text)
    return re.sub(r"\b\w+'\w+\b", " ", text)


def label_from_keywords(keywords: list[str], *, words: int = LABEL_WORDS) -> str:
    return ", ".join(keywords[:words]) if keywords else "(no keywords)"


# --- Stable ids ------------------------------------------------------------------------------------------------


def match_centroids(new: np.ndarray, old: np.ndarray, *,
                    min_similarity: float = MATCH_MIN_SIMILARITY) -> dict[int, int]:
    """One-to-one matching of new to old centroids maximising total cosine similarity: {new index: old index}.

    Pairs below `min_similarity` are left unmatched (a new topic, or an old one that disappeared).
    """
    if len(new) == 0 or len(old) == 0:
        return {}
    sims = np.asarray(new, dtype=np.float64) @ np.asarray(old, dtype=np.float64).T
    rows, cols = linear_sum_assignment(-sims)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if sims[r, c] >= min_similarity}


# --- Any list of texts -----------------------------------------------------------------------------------------


def topics_for_texts(texts: list[str], *, seed: int = 0, progress=None) -> tuple[np.ndarray, list[str]]:
    """Embed and cluster free texts: (topic index per text, label of each topic). Topic 0 is the biggest.

    `progress(done, total)` is called while encoding (the slow part), once per batch of texts.
    """
    from reviewlab.embeddings import encode_texts

    texts = ["" if t is None else str(t) for t in texts]
    batch = 512
    parts = []
    for start in range(0, len(texts), batch):
        parts.append(encode_texts(texts[start:start + batch]))
        if progress:
            progress(min(start + batch, len(texts)), len(texts))
    vectors = np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)
    clustering = cluster_vectors(vectors, seed=seed)
    keywords = topic_keywords(texts, clustering.labels, clustering.k)
    return clustering.labels, [label_from_keywords(k) for k in keywords]
