"""Two baselines trained on the same splits as the model: the section rule and TF-IDF + LR.

Both read rows that carry their `part` (infer.frame), as the evaluation gives them.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from infer.model.encode import context_of
from infer.tag import is_structure


class SectionRule:
    """Label from the part of the report alone: the majority label of the part in training.

    Structure units (first-level headings, page furniture) are a group of their own (`other` in the guide).
    """

    name = "section rule"

    @staticmethod
    def _key(row: dict) -> str:
        return "structure" if is_structure(row) else row["part"]

    def fit(self, rows: list[dict]) -> "SectionRule":
        counts: dict[str, Counter] = defaultdict(Counter)
        for row in rows:
            counts[self._key(row)][row["label"]] += 1
        self.fallback = Counter(r["label"] for r in rows).most_common(1)[0][0]
        self.table = {key: counter.most_common(1)[0][0] for key, counter in counts.items()}
        return self

    def predict(self, rows: list[dict]) -> list[str]:
        return [self.table.get(self._key(row), self.fallback) for row in rows]


class TfidfLogReg:
    """Character 1–3-grams of the sentence and of its section context (its raw headings) + logistic regression."""

    name = "TF-IDF + LR [section]"

    def _frame(self, rows: list[dict]):
        import pandas as pd

        return pd.DataFrame({"text": [r["text"] for r in rows],
                             "context": [context_of(r, None) or "(none)" for r in rows]})

    def fit(self, rows: list[dict]) -> "TfidfLogReg":
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        columns = [(name, TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), name)
                   for name in ("text", "context")]
        self.pipeline = make_pipeline(ColumnTransformer(columns),
                                      LogisticRegression(max_iter=3000, class_weight="balanced", C=10.0))
        self.pipeline.fit(self._frame(rows), [r["label"] for r in rows])
        return self

    def predict(self, rows: list[dict]) -> list[str]:
        return list(self.pipeline.predict(self._frame(rows)))
