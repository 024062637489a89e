"""Model folders and scoring: the settings a model carries, and the ONNX scorer that tagging runs.

A reportag model is a `save_pretrained` folder of a token-classification model whose
config.json carries, under SETTINGS_KEY, what the model reads (infer.model.encode.InputSettings),
its calibration temperature and the name of its ONNX export. Scoring a document encodes
it with infer.model.encode, runs each sequence on its own (so a unit's score never depends on
which other sequences share a batch), averages the token logits over each unit's span,
divides by the temperature and takes the softmax.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from infer.model.encode import InputSettings, TokenSequence, TokenizerWrapper, iter_encoded
from infer.errors import InputError
from infer.frame import Frame
from infer.model.labels import LABEL_NAMES

SETTINGS_KEY = "reportag"  # config.json entry that marks a reportag model
SETTINGS_VERSION = 2  # version 1 (sequence classification, before the document-aware model) is not read
VERSION_HASH_CHARS = 12


def model_settings(inputs: InputSettings, temperature: float = 1.0, onnx: str | None = None,
                   base_model: str = "", quantize: bool = True) -> dict:
    """The settings a model folder carries: written by training, read by `read_settings`."""
    return {"version": SETTINGS_VERSION, "inputs": inputs.to_dict(), "temperature": float(temperature),
            "onnx": onnx, "quantize": quantize, "base_model": base_model, "labels": list(LABEL_NAMES)}


def read_settings(model_dir: str | Path) -> dict:
    """The reportag settings of a model folder; InputError if it is not a (current) reportag model."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise InputError(model_dir, "model folder not found")
    config_path = model_dir / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(model_dir, "not a model folder (no config.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise InputError(config_path, "config.json is not valid JSON") from None
    settings = config.get(SETTINGS_KEY) if isinstance(config, dict) else None
    if not isinstance(settings, dict):
        raise InputError(model_dir, "not a reportag model (config.json has no 'reportag' settings)")
    if settings.get("version") != SETTINGS_VERSION:
        raise InputError(model_dir, "made by an older reportag (a sentence-pair classifier); train it again "
                         "with `reportag train`")
    id2label = config.get("id2label") if isinstance(config.get("id2label"), dict) else {}
    labels = [id2label.get(str(i)) for i in range(len(LABEL_NAMES))]
    if labels != list(LABEL_NAMES):
        raise InputError(model_dir, f"label map {labels} does not match reportag's labels {list(LABEL_NAMES)}")
    try:
        settings = {**settings, "inputs": InputSettings.from_dict(settings.get("inputs") or {}),
                    "temperature": float(settings.get("temperature", 1.0))}
    except (TypeError, ValueError):
        raise InputError(config_path, "the 'reportag' settings are malformed") from None
    if not settings["temperature"] > 0:
        raise InputError(config_path, "the calibration temperature must be positive")
    return settings


def model_version(model_dir: str | Path) -> str:
    """`<folder name>@<12 hex>`: the folder's name plus a sha256 of its settings, weights and tokenizer.

    Two models in folders of the same name (a retrained `reportag-default`) get different
    versions, so resumed outputs and Label Studio predictions never mix them. Reads the
    ONNX file once (about 0.1 s for the 25 MB int8 export). InputError as `read_settings`.
    """
    model_dir = Path(model_dir)
    settings = read_settings(model_dir)
    raw = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))[SETTINGS_KEY]
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False).encode())
    for name in (str(settings.get("onnx") or ""), "tokenizer.json"):
        if name and (model_dir / name).is_file():
            digest.update(name.encode() + b"\0")
            with open(model_dir / name, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
    return f"{model_dir.resolve().name}@{digest.hexdigest()[:VERSION_HASH_CHARS]}"


def softmax(logits, temperature: float = 1.0):
    import numpy as np

    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)


def argmax(values: Sequence[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)


SequenceRunner = Callable[[list[TokenSequence]], list]  # sequences -> token logits [tokens, labels] each


class Scorer:
    """Probabilities over the labels for the taggable units of a document."""

    labels = list(LABEL_NAMES)

    def __init__(self, vocabulary: TokenizerWrapper, inputs: InputSettings, temperature: float, name: str,
                 run: SequenceRunner):
        self.vocabulary = vocabulary
        self.inputs = inputs
        self.temperature = temperature
        self.name = name
        self.run = run

    def unit_logits(self, rows: Sequence[dict], frame: Frame) -> list:
        """Uncalibrated logits per unit (the mean of its token logits), in the rows' order."""
        import numpy as np

        result: list = [None] * len(rows)
        for sequences in iter_encoded(self.vocabulary, rows, self.inputs, frame):
            for sequence, logits in zip(sequences, self.run(sequences)):
                logits = np.asarray(logits, dtype=np.float64)
                for (start, end), unit in zip(sequence.spans, sequence.units):
                    result[unit] = logits[start:end].mean(axis=0)
        return result

    def score(self, rows: Sequence[dict], frame: Frame) -> list[list[float]]:
        """Calibrated probabilities per unit, in `self.labels` order."""
        if not rows:
            return []
        return softmax(self.unit_logits(rows, frame), self.temperature).tolist()


class OnnxRunner:
    """Runs sequences one at a time in ONNX Runtime, spread over `threads` threads."""

    def __init__(self, path: Path, threads: int | None = None):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.threads = max(1, threads or os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None

    def one(self, sequence: TokenSequence):
        import numpy as np

        ids = np.array([sequence.input_ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                "token_type_ids": np.array([sequence.token_type_ids], dtype=np.int64)}
        return self.session.run(["logits"], feed)[0][0]

    def __call__(self, sequences: list[TokenSequence]) -> list:
        if self.pool is None or len(sequences) < 2:
            return [self.one(s) for s in sequences]
        return list(self.pool.map(self.one, sequences))


def load_scorer(model_dir: str | Path, threads: int | None = None) -> Scorer:
    """The scorer of a trained reportag model: its ONNX export in ONNX Runtime, no torch needed."""
    from tokenizers import Tokenizer

    model_dir = Path(model_dir)
    settings = read_settings(model_dir)
    onnx_file = settings.get("onnx")
    if not onnx_file or not (model_dir / onnx_file).is_file():
        raise InputError(model_dir, "the model has no ONNX export (train it again with `reportag train`)")
    try:
        runner = OnnxRunner(model_dir / onnx_file, threads)
        vocabulary = TokenizerWrapper(Tokenizer.from_file(str(model_dir / "tokenizer.json")))
    except Exception as exc:  # onnxruntime and tokenizers raise their own exception types for broken files
        raise InputError(model_dir, f"cannot load the model: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    return Scorer(vocabulary, settings["inputs"], settings["temperature"], model_version(model_dir), runner)
