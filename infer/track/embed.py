"""Sentence embeddings without torch: the base model's encoder in ONNX Runtime, mean-pooled and normalised.

The encoder is exported by train.model.encoder_onnx into a model folder's `encoder/`
(`reportag train` does it; `reportag encoder` adds it to an existing model). Texts are
cut like the tagger's units (infer.limits.MODEL_UNIT_CHARS characters, then MAX_TOKENS
tokens), encoded in batches of similar length, and pooled as m3e is trained: the mean
of the last hidden states over the real tokens, then scaled to unit length, so a dot
product is the cosine similarity.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from infer.errors import InputError
from infer.limits import MODEL_UNIT_CHARS

ENCODER_DIR = "encoder"
ENCODER_SETTINGS = "encoder.json"
MAX_TOKENS = 128  # tokens of one text the encoder reads ([CLS] and [SEP] included)
BATCH = 32


class Embedder:
    """Embeds texts: `embed(texts)` -> float32 array [len(texts), dimension], rows of unit length."""

    def __init__(self, folder: str | Path, threads: int | None = None):
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(folder)
        try:
            settings = json.loads((folder / ENCODER_SETTINGS).read_text(encoding="utf-8"))
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            if threads:
                options.intra_op_num_threads = threads
            self.session = onnxruntime.InferenceSession(str(folder / settings["onnx"]), options,
                                                        providers=["CPUExecutionProvider"])
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except FileNotFoundError as exc:
            raise InputError(folder, f"not a sentence encoder folder ({Path(exc.filename or '').name} missing)") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(folder, f"cannot load the sentence encoder ({exc})") from None
        except Exception as exc:  # onnxruntime and tokenizers raise their own types for broken files
            raise InputError(folder, f"cannot load the sentence encoder: {str(exc).splitlines()[0]}") from None
        self.max_tokens = int(settings.get("max_tokens", MAX_TOKENS))
        self.name = f"{folder.parent.name}/{folder.name}"
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)

    def embed(self, texts: Sequence[str]):
        """Unit-length embeddings, one row per text, in the given order."""
        import numpy as np

        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encodings = self.tokenizer.encode_batch([t[:MODEL_UNIT_CHARS] for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        result = [None] * len(texts)
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self.session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask,
                                                              "token_type_ids": np.zeros_like(ids)})[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for row, i in enumerate(batch):
                result[i] = pooled[row]
        return np.stack(result).astype(np.float32)


def encoder_folder(model_dir: str | Path) -> Path:
    """The sentence encoder inside a model folder; InputError saying how to add it when it is missing."""
    folder = Path(model_dir) / ENCODER_DIR
    if not (folder / ENCODER_SETTINGS).is_file():
        raise InputError(model_dir, "the model has no sentence encoder (encoder/); add it with "
                         f"`reportag encoder --model {model_dir}` or train again with `reportag train`")
    return folder
