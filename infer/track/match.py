"""Ranking a review's units for each promise: sentence embeddings, BM25 on characters, or both combined.

- `embedding`: cosine similarity of unit-length sentence embeddings (infer.track.embed);
- `bm25`: Okapi BM25 (k1 = 1.2, b = 0.75) over character unigrams and bigrams, digits
  removed (a promise of 100 and a review of 104 should not differ on the number), divided by
  the score the promise would get against itself (`words shared`, 0 to 1: absolute, so a
  threshold can say "no evidence");
- `combined`: WEIGHT × cosine + (1 − WEIGHT) × BM25 divided by the best BM25 score of that
  promise, so both lie in [0, 1] (train.evaluation.track_eval chose the method and WEIGHT on held-in pairs).

Each returns, per promise, the indices of the top-k candidates best first with the cosine
similarity, the score the ranking used (what the output shows as `similarity`, so evidence
is shown in descending similarity) and the words shared (the "no evidence" threshold reads
the cosine and the words shared: infer.track.match.strength).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

METHODS = ("embedding", "bm25", "combined")
WEIGHT = 0.4  # weight of the cosine in the combined score (train.evaluation.track_eval: best recall@3 on the tuning pairs)
STRENGTH_WEIGHT = 0.0  # weight of the cosine in the evidence strength (the rest: words shared; track_eval chose it)
K1, B = 1.2, 0.75
_NOT_WORD = re.compile(r"[\W\d_]+")


def char_terms(text: str) -> list[str]:
    """Character unigrams and bigrams of the text's letters (punctuation, spaces and digits dropped)."""
    terms: list[str] = []
    for run in _NOT_WORD.split(text):
        terms.extend(run)
        terms.extend(run[i:i + 2] for i in range(len(run) - 1))
    return terms


class BM25:
    """Okapi BM25 over a fixed list of documents: `scores(query)` -> one float per document.

    The documents' term weights tf·(k1+1)/(tf+k1·(1−b+b·len/avg)) are held as one matrix, so a
    query is one product with its idf-weighted term counts (each term counted at most twice).
    """

    def __init__(self, documents: Sequence[str]):
        import numpy as np

        counts = [Counter(char_terms(d)) for d in documents]
        self.vocabulary = {term: i for i, term in enumerate(dict.fromkeys(t for c in counts for t in c))}
        n = len(documents)
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        average = lengths.mean() if n else 0.0
        frequency = np.zeros(len(self.vocabulary))
        self.weights = np.zeros((n, len(self.vocabulary)))
        for row, c in enumerate(counts):
            norm = K1 * (1 - B + B * lengths[row] / (average or 1))
            for term, tf in c.items():
                column = self.vocabulary[term]
                self.weights[row, column] = tf * (K1 + 1) / (tf + norm)
                frequency[column] += 1
        self.idf = np.log(1 + (n - frequency + 0.5) / (frequency + 0.5))
        self.unseen = math.log(1 + (n + 0.5) / 0.5)
        self.average = average

    def _query(self, query: str):
        import numpy as np

        vector = np.zeros(len(self.vocabulary))
        for term, count in Counter(char_terms(query)).items():
            column = self.vocabulary.get(term)
            if column is not None:
                vector[column] = self.idf[column] * min(count, 2)
        return vector

    def scores(self, query: str) -> list[float]:
        return (self.weights @ self._query(query)).tolist()

    def self_score(self, query: str) -> float:
        """The score the query would get against itself (terms unseen in the documents at the highest idf)."""
        wanted = Counter(char_terms(query))
        length = sum(wanted.values())
        norm = K1 * (1 - B + B * length / (self.average or 1))
        return sum((self.idf[self.vocabulary[t]] if t in self.vocabulary else self.unseen)
                   * tf * (K1 + 1) / (tf + norm) * min(tf, 2) for t, tf in wanted.items())


def rank(promises: Sequence[str], candidates: Sequence[str], promise_vectors=None, candidate_vectors=None,
         method: str = "combined", k: int = 3, weight: float = WEIGHT) -> list[list[tuple[int, float, float, float]]]:
    """Per promise: up to k (candidate index, cosine, ranking score, words shared), best first.

    `promise_vectors` / `candidate_vectors` (unit-length rows) are needed unless method is
    "bm25"; with "bm25" alone the cosine is reported as the words shared (below), an absolute score
    comparable across promises (scaling each promise's best to 1 would leave no promise without evidence).
    "Words shared" is the candidate's BM25 score over the score the promise would get against
    itself: how much of the promise's weighted vocabulary the candidate holds (0 to about 1).
    """
    import numpy as np

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if not candidates or not promises:
        return [[] for _ in promises]
    cosine = None
    if method != "bm25":
        cosine = np.asarray(promise_vectors, dtype=np.float32) @ np.asarray(candidate_vectors, dtype=np.float32).T
    index = BM25(candidates)
    raw = np.array([index.scores(p) for p in promises], dtype=np.float64)
    shared = raw / np.array([[max(index.self_score(p), 1e-9)] for p in promises])
    lexical = raw / np.maximum(raw.max(axis=1, keepdims=True), 1e-9)
    if method == "embedding":
        score = cosine.astype(np.float64)
    elif method == "bm25":  # the words shared, not the score over the promise's best: it must be able to say "none"
        score = np.minimum(shared, 1.0)
        cosine = score
    else:
        score = weight * cosine + (1 - weight) * lexical
    result = []
    for row in range(len(promises)):
        top = np.argsort(-score[row], kind="stable")[:k]
        result.append([(int(i), float(cosine[row, i]), float(score[row, i]), float(shared[row, i])) for i in top])
    return result


def strength(cosine: float, shared: float, weight: float = STRENGTH_WEIGHT) -> float:
    """How surely a unit reports on the promise: weight × cosine + (1 − weight) × words shared.

    The "no evidence" threshold reads this: a unit can be close in meaning (same topic) and
    still name nothing the promise named.
    """
    return weight * cosine + (1 - weight) * min(shared, 1.0)
