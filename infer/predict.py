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

CONTEXTS = ("section", "none")
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


@dataclass
class Predictor:
    model: object
    tokenizer: object
    context: str
    max_length: int
    name: str

    @property
    def labels(self) -> list[str]:
        return [self.model.config.id2label[i] for i in range(len(self.model.config.id2label))]

    def predict_proba(self, headings: Sequence[str], texts: Sequence[str], batch_size: int = 64,
                      progress: Callable[[int], None] | None = None) -> list[list[float]]:
        """Probabilities for every label (in `self.labels` order), one list per sentence.

        Sentences are scored in batches of similar length (sorted by length) so that
        little time goes into padding; results come back in input order.
        """
        import torch

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]) + len(context_of(headings[i])))
        results: list[list[float]] = [[] for _ in texts]
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                inputs = encode(self.tokenizer, [headings[i] for i in batch], [texts[i] for i in batch],
                                self.context, self.max_length, padding=True, return_tensors="pt")
                probs = torch.softmax(self.model(**inputs).logits.float(), dim=-1).tolist()
                for i, row in zip(batch, probs):
                    results[i] = row
                if progress:
                    progress(len(batch))
        return results


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


def load_predictor(model_dir: str | Path, threads: int | None = None, quantize: bool | None = None) -> Predictor:
    """Load a trained reportag model for CPU inference.

    `quantize` (default: what the model folder's settings say) applies int8 dynamic
    quantisation to the linear layers, which `make bench` measured and `make eval` checked.
    """
    settings = read_settings(model_dir)
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(threads or os.cpu_count() or 1)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
    except (OSError, ValueError) as exc:
        raise InputError(model_dir, f"cannot load model: {str(exc).splitlines()[0]}") from None
    model.eval()
    if settings.get("quantize", False) if quantize is None else quantize:
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return Predictor(model, tokenizer, settings.get("context", "section"), int(settings.get("max_length", MAX_LENGTH)),
                     Path(model_dir).name)
