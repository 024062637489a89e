"""Model loading and batched scoring: the one place where text becomes model input.

Training encodes its examples with `encode` too, so the model always sees the same
input: the section context (the heading chain, shortened) paired with the sentence.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .labels import LABEL_NAMES

MAX_LENGTH = 128
_PART_CHARS = 32  # each heading kept in the context is cut to this many characters
SETTINGS_KEY = "reportag"  # config.json entry that marks a reportag model


def context_of(heading: str) -> str:
    """The section context given to the model: the top heading and the innermost one.

    Middle levels add length but rarely meaning; the top heading says which prescribed
    part of the report (measures, shortfalls, next year…) the sentence lies in.
    """
    parts = [part for part in heading.split(" > ") if part] if heading else []
    if len(parts) > 2:
        parts = [parts[0], parts[-1]]
    return " > ".join(part[:_PART_CHARS] for part in parts)


def encode(tokenizer, headings: Sequence[str], texts: Sequence[str], context: str = "section",
           max_length: int = MAX_LENGTH, **kwargs):
    """Tokenise sentences, as (context, sentence) pairs when `context` is "section"."""
    if context == "section":
        return tokenizer([context_of(h) for h in headings], list(texts), truncation="longest_first",
                         max_length=max_length, **kwargs)
    return tokenizer(list(texts), truncation=True, max_length=max_length, **kwargs)


def argmax(values: Sequence[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)


class BatchScorer:
    """Scores sentences in batches of similar length; subclasses give one batch's probabilities."""

    context: str
    max_length: int
    name: str
    labels: list[str]

    def batch_probabilities(self, headings: list[str], texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def predict_proba(self, headings: Sequence[str], texts: Sequence[str], batch_size: int = 64,
                      progress: Callable[[int], None] | None = None) -> list[list[float]]:
        """Probabilities for every label (in `self.labels` order), one list per sentence.

        Sentences are scored in batches of similar length (sorted by length) so that
        little time goes into padding; results come back in input order.
        """
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]) + len(context_of(headings[i])))
        results: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            probs = self.batch_probabilities([headings[i] for i in batch], [texts[i] for i in batch])
            for i, row in zip(batch, probs):
                results[i] = row
            if progress:
                progress(len(batch))
        return results


@dataclass
class Predictor(BatchScorer):
    """A transformers model in PyTorch (training, evaluation, and models without an ONNX file)."""

    model: object
    tokenizer: object
    context: str
    max_length: int
    name: str

    @property
    def labels(self) -> list[str]:
        return [self.model.config.id2label[i] for i in range(len(self.model.config.id2label))]

    def batch_probabilities(self, headings, texts):
        import torch

        with torch.inference_mode():
            inputs = encode(self.tokenizer, headings, texts, self.context, self.max_length, padding=True,
                            return_tensors="pt")
            return torch.softmax(self.model(**inputs).logits.float(), dim=-1).tolist()


@dataclass
class OnnxPredictor(BatchScorer):
    """The exported model in ONNX Runtime with the `tokenizers` tokenizer: no torch, no transformers.

    Loads in well under a second and needs about half the memory of the PyTorch path.
    """

    session: object
    tokenizer: object  # tokenizers.Tokenizer, set to truncate as `encode` does
    context: str
    max_length: int
    name: str
    labels: list[str]

    @classmethod
    def load(cls, model_dir: Path, onnx_file: str, settings: dict, labels: list[str],
             threads: int | None = None) -> "OnnxPredictor":
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        session = onnxruntime.InferenceSession(str(model_dir / onnx_file), options,
                                               providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        max_length = int(settings.get("max_length", MAX_LENGTH))
        tokenizer.enable_truncation(max_length, strategy="longest_first")
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return cls(session, tokenizer, settings.get("context", "section"), max_length, model_dir.name, labels)

    def batch_probabilities(self, headings, texts):
        import numpy as np

        if self.context == "section":
            encodings = self.tokenizer.encode_batch([(context_of(h), t) for h, t in zip(headings, texts)])
        else:
            encodings = self.tokenizer.encode_batch(list(texts))
        feed = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
        logits = self.session.run(["logits"], feed)[0].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        return (probs / probs.sum(axis=1, keepdims=True)).tolist()


def read_settings(model_dir: str | Path) -> dict:
    """The reportag settings of a model folder; InputError if it is not a reportag model."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise InputError(model_dir, "model folder not found (train one with `make train` or `reportag train`)")
    config_path = model_dir / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(model_dir, "not a model folder (no config.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(config_path, "config.json is not valid JSON") from None
    settings = config.get(SETTINGS_KEY)
    if not isinstance(settings, dict):
        raise InputError(model_dir, "not a reportag model (config.json has no 'reportag' settings)")
    labels = [config.get("id2label", {}).get(str(i)) for i in range(len(LABEL_NAMES))]
    if labels != list(LABEL_NAMES):
        raise InputError(model_dir, f"label map {labels} does not match reportag's labels {list(LABEL_NAMES)}")
    return settings


def load_predictor(model_dir: str | Path, threads: int | None = None, runtime: str | None = None) -> BatchScorer:
    """Load a trained reportag model for CPU inference.

    The model's ONNX export (int8 when trained with quantisation; `make eval` checks its
    macro-F1 against fp32) runs in ONNX Runtime; `runtime="torch"`, or a folder without
    an export, uses the transformers model in PyTorch.
    """
    model_dir = Path(model_dir)
    settings = read_settings(model_dir)
    onnx_file = settings.get("onnx")
    if runtime != "torch" and onnx_file and (model_dir / onnx_file).is_file():
        try:
            return OnnxPredictor.load(model_dir, onnx_file, settings, list(LABEL_NAMES), threads)
        except Exception as exc:  # onnxruntime raises its own exception types for a broken file
            raise InputError(model_dir / onnx_file, f"cannot load ONNX model: {str(exc).splitlines()[0]}") from None
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(threads or os.cpu_count() or 1)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model = AutoModelForSequenceClassification.from_pretrained(str(model_dir), dtype=torch.float32)
    except (OSError, ValueError) as exc:
        raise InputError(model_dir, f"cannot load model: {str(exc).splitlines()[0]}") from None
    model.eval()
    return Predictor(model, tokenizer, settings.get("context", "section"), int(settings.get("max_length", MAX_LENGTH)),
                     model_dir.name)
