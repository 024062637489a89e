"""Two baselines trained on the same splits as the model: the section rule and TF-IDF + LR."""

from __future__ import annotations

from collections import Counter, defaultdict

from infer.predict import context_of
from infer.segment import heading_level

from .data import section_of


class SectionRule:
    """Label from the heading chain alone: the majority label of the section in training.

    First-level headings are a group of their own (they name a part: `other` in the guide).
    """

    name = "section rule"

    @staticmethod
    def _key(row: dict) -> str:
        if row.get("kind") == "heading" and heading_level(row["text"]) in (0, 1):
            return "first-level heading"
        return section_of(row["heading"])

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
    """Character 1–3-grams of the sentence (and, with context, of its section context) + logistic regression."""

    def __init__(self, context: str = "section"):
        self.context = context
        self.name = "TF-IDF + LR"

    def _frame(self, rows: list[dict]):
        import pandas as pd

        return pd.DataFrame({"text": [r["text"] for r in rows],
                             "context": [context_of(r["heading"]) or "(none)" for r in rows]})

    def fit(self, rows: list[dict]) -> "TfidfLogReg":
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        columns = [("text", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), "text")]
        if self.context == "section":
            columns.append(("context", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
                            "context"))
        self.pipeline = make_pipeline(ColumnTransformer(columns),
                                      LogisticRegression(max_iter=3000, class_weight="balanced", C=10.0))
        self.pipeline.fit(self._frame(rows), [r["label"] for r in rows])
        return self

    def predict(self, rows: list[dict]) -> list[str]:
        return list(self.pipeline.predict(self._frame(rows)))
