"""Calibration: one temperature fitted on held-out reports, and how well scores match accuracy (ECE)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from infer.model.scorer import softmax

BINS = 10


def fit_temperature(logits: Sequence, labels: Sequence[int]) -> float:
    """The temperature that minimises the negative log-likelihood of the held-out labels (1.0 if none)."""
    if len(labels) == 0:
        return 1.0
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)

    def nll(t: float) -> float:
        p = softmax(logits, t)[np.arange(len(labels)), labels]
        return float(-np.log(np.clip(p, 1e-12, 1)).mean())

    grid = np.exp(np.linspace(np.log(0.2), np.log(10), 400))
    best = min(grid, key=nll)
    fine = np.linspace(best * 0.97, best * 1.03, 61)
    return float(min(fine, key=nll))


def reliability(confidences: Sequence[float], correct: Sequence[bool], bins: int = BINS) -> dict:
    """Expected calibration error and the per-bin accuracy and confidence (equal-width bins)."""
    confidences = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    table = []
    ece = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidences > low) & (confidences <= high) if low > 0 else (confidences <= high)
        n = int(inside.sum())
        if n:
            accuracy, confidence = float(correct[inside].mean()), float(confidences[inside].mean())
            ece += n / len(confidences) * abs(accuracy - confidence)
            table.append({"low": float(low), "high": float(high), "n": n, "accuracy": accuracy,
                          "confidence": confidence})
    return {"ece": float(ece) if len(confidences) else float("nan"), "bins": table}


def save_reliability_png(curves: dict[str, dict], path, title: str) -> None:
    """A reliability plot: accuracy against confidence per bin, one line per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfect")
    for name, curve in curves.items():
        bins = curve["bins"]
        axes.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o",
                  label=f"{name} (ECE {curve['ece']:.3f})")
    axes.set_xlabel("score (confidence)")
    axes.set_ylabel("accuracy")
    axes.set_title(title)
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
