"""Labelled documents as training sequences, the unit-pooled loss, and a PyTorch runner for evaluation.

The model is a standard token-classification model (`AutoModelForTokenClassification`,
loadable without reportag); a unit's logits are the mean of its tokens' logits, exactly
as infer.model.scorer.Scorer computes them from the ONNX export.
"""

from __future__ import annotations

from collections.abc import Sequence

from infer.model.encode import InputSettings, TokenSequence, TokenizerWrapper, encode_document
from infer.frame import frame_rows
from infer.model.labels import LABEL2ID
from infer.outputs.rows import by_report
from infer.tag import is_structure

IGNORE = -100


def documents(rows: Sequence[dict]) -> list[list[dict]]:
    """Rows grouped by report, each report in reading order, with `year` and `part` added (copies)."""
    result = []
    for report in by_report(dict(row) for row in rows).values():
        report.sort(key=lambda r: r["index"])
        result.append(report)
    return result


def taggable(document: list[dict]) -> tuple[list[dict], object]:
    """The units the model scores, and the document's frame (added to every row as year and part)."""
    frame = frame_rows(document, next((r["year"] for r in document if isinstance(r.get("year"), int)), None))
    return [row for row in document if not is_structure(row)], frame


def framed_rows(rows: Sequence[dict]) -> list[dict]:
    """Copies of the rows, report by report in reading order, with their frame (body, year, part)."""
    result = []
    for document in documents(rows):
        taggable(document)
        result += document
    return result


def sequence_features(sequence: TokenSequence, labels: Sequence[str] | None) -> dict:
    """One training example: token ids, and for each token the 1-based number of the unit it belongs to."""
    unit_index = [0] * len(sequence.input_ids)
    for k, (start, end) in enumerate(sequence.spans, 1):
        unit_index[start:end] = [k] * (end - start)
    features = {"input_ids": sequence.input_ids, "token_type_ids": sequence.token_type_ids,
                "unit_index": unit_index}
    if labels is not None:
        features["unit_labels"] = [LABEL2ID[labels[u]] for u in sequence.units]
    return features


def training_features(vocabulary: TokenizerWrapper, rows: Sequence[dict], settings: InputSettings,
                      varied_seed: int | None = None) -> list[dict]:
    """Every labelled document encoded as the tagger encodes it, with the labels of its scored units.

    With `varied_seed`, window sizes vary at random (infer.model.encode._windows), reproducibly.
    """
    import random

    rng = random.Random(varied_seed) if varied_seed is not None else None
    features = []
    for document in documents(rows):
        units, frame = taggable(document)
        labels = [row["label"] for row in units]
        sequences = encode_document(vocabulary, units, settings, frame, rng)
        features += [sequence_features(s, labels) for s in sequences]
    return features


def collate(batch: list[dict], pad_id: int = 0) -> dict:
    """Pad a batch of features into tensors (unit_labels padded with IGNORE)."""
    import torch

    length = max(len(f["input_ids"]) for f in batch)
    units = max((len(f.get("unit_labels", [])) for f in batch), default=0)

    def pad(key, value):
        return torch.tensor([f[key] + [value] * (length - len(f[key])) for f in batch], dtype=torch.long)

    result = {"input_ids": pad("input_ids", pad_id), "token_type_ids": pad("token_type_ids", 0),
              "attention_mask": torch.tensor([[1] * len(f["input_ids"]) + [0] * (length - len(f["input_ids"]))
                                              for f in batch], dtype=torch.long),
              "unit_index": pad("unit_index", 0)}
    if units:
        result["unit_labels"] = torch.tensor([f["unit_labels"] + [IGNORE] * (units - len(f["unit_labels"]))
                                              for f in batch], dtype=torch.long)
    return result


def pool(token_logits, unit_index, units: int):
    """[batch, tokens, labels] token logits -> [batch, units, labels] unit logits (mean over each unit's tokens)."""
    import torch

    numbers = torch.arange(1, units + 1, device=unit_index.device)
    membership = (unit_index.unsqueeze(-1) == numbers).to(token_logits.dtype)  # [batch, tokens, units]
    counts = membership.sum(dim=1).clamp(min=1).unsqueeze(-1)  # [batch, units, 1]
    return torch.einsum("btu,btl->bul", membership, token_logits) / counts


class TorchRunner:
    """Runs sequences through a PyTorch token-classification model in padded batches (fp32: batch-independent)."""

    def __init__(self, model, batch_size: int = 16):
        self.model = model.eval()
        self.batch_size = batch_size

    def __call__(self, sequences: list[TokenSequence]) -> list:
        import torch

        results = []
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i].input_ids))
        out: list = [None] * len(sequences)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chosen = order[start:start + self.batch_size]
                batch = collate([sequence_features(sequences[i], None) for i in chosen])
                batch.pop("unit_index")
                logits = self.model(**{k: v.to(device) for k, v in batch.items()}).logits.float().cpu().numpy()
                for row, i in enumerate(chosen):
                    out[i] = logits[row, :len(sequences[i].input_ids)]
        results.extend(out)
        return results
