"""Classification metrics as an `evaluate` module, computed locally (no hub download), and the scoring of a
model or baseline on labelled documents (shared by training's validation and evaluation)."""

from __future__ import annotations

import datasets
import evaluate
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from infer.model.labels import LABEL_NAMES
from infer.tag import tag_document

from train.model.calibrate import reliability


class ClassificationReport(evaluate.Metric):
    """Macro-F1, accuracy, per-label precision/recall/F1/support and the confusion matrix."""

    def _info(self):
        return evaluate.MetricInfo(
            description=self.__doc__,
            citation="",
            inputs_description="predictions and references: label ids over infer.model.labels.LABEL_NAMES",
            features=datasets.Features({"predictions": datasets.Value("int32"),
                                        "references": datasets.Value("int32")}),
        )

    def _compute(self, predictions, references):
        ids = list(range(len(LABEL_NAMES)))
        precision, recall, f1, support = precision_recall_fscore_support(
            references, predictions, labels=ids, zero_division=0)
        # Macro over the labels that occur in the references or the predictions (as scikit-learn
        # does by default): a label absent from a split neither helps nor hides anything.
        present = [i for i in ids if support[i] > 0 or i in set(predictions)]
        return {
            "macro_f1": float(sum(f1[i] for i in present) / max(len(present), 1)),
            "accuracy": float(accuracy_score(references, predictions)),
            "per_label": {LABEL_NAMES[i]: {"precision": float(precision[i]), "recall": float(recall[i]),
                                           "f1": float(f1[i]), "support": int(support[i])} for i in ids},
            "confusion": confusion_matrix(references, predictions, labels=ids).tolist(),
            "n": len(references),
        }


def score(predictions: list[str], references: list[str]) -> dict:
    """Metrics for label names (the evaluate module works on ids)."""
    index = {name: i for i, name in enumerate(LABEL_NAMES)}
    metric = ClassificationReport()
    return metric.compute(predictions=[index[p] for p in predictions], references=[index[r] for r in references])


def save_confusion_png(matrix: list[list[int]], path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.5, 4.8))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(LABEL_NAMES)), LABEL_NAMES, rotation=30)
    axes.set_yticks(range(len(LABEL_NAMES)), LABEL_NAMES)
    axes.set_xlabel("predicted")
    axes.set_ylabel("annotated")
    axes.set_title(title, fontsize=9)
    top = max(map(max, matrix)) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            axes.text(j, i, str(value), ha="center", va="center", color="white" if value > top / 2 else "black")
    figure.colorbar(image)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def predict(model, test: list[list[dict]]) -> tuple[list[str], list[str], list[float]]:
    """(predicted labels, gold labels, scores) over every unit of the test documents.

    `model` is a Scorer (tagged like `reportag tag` tags: structure passes through as other)
    or a baseline with `predict(rows)`.
    """
    predicted, gold, scores = [], [], []
    for document in test:
        gold += [r["label"] for r in document]
        if hasattr(model, "score"):
            tagged = tag_document(document, model)
            predicted += [r["label"] for r in tagged]
            scores += [r["score"] for r in tagged]
        else:
            predicted += model.predict(document)
            scores += [1.0] * len(document)
    return predicted, gold, scores


def score_rows(scorer, test: list[list[dict]]) -> dict:
    """Metrics and calibration of a scorer on labelled documents."""
    return score_outcome(*predict(scorer, test))


def score_outcome(predicted: list[str], gold: list[str], scores: list[float]) -> dict:
    """Metrics and calibration (ECE, reliability bins) of one outcome of `predict`."""
    result = score(predicted, gold)
    result["calibration"] = reliability(scores, [p == g for p, g in zip(predicted, gold)])
    return result
