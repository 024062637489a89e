"""The sentence encoder for `reportag track`: the base model's encoder exported to ONNX, saved in a model folder.

m3e-small is a sentence-embedding model (its config says `uniem_embedding_strategy:
last_mean`: the mean of the last hidden states over the real tokens). The export holds
only the BERT encoder (output: the last hidden states); infer.track.embed pools, normalises and
compares, with ONNX Runtime and tokenizers, no torch. `reportag train` writes it into
the trained model's folder as `encoder/`, so a model that tags can also track.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

from infer.track.embed import ENCODER_DIR, ENCODER_SETTINGS, MAX_TOKENS
from infer.files import swap_in

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_encoder(base_model: str, model_dir: Path, quantize: bool = True) -> Path:
    """Write `model_dir/encoder/` (encoder.onnx or encoder.int8.onnx, tokenizer.json, encoder.json); return it.

    `base_model` is a local folder or Hugging Face id of a BERT sentence encoder (mean pooling).
    The folder is written beside the target and renamed into place, so a run that fails
    leaves the old encoder (or none), never half of one.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    from train.model.base_model import resolve_base_model

    source = resolve_base_model(base_model)
    target = Path(model_dir) / ENCODER_DIR
    staging = target.with_name(f".{ENCODER_DIR}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    model = AutoModel.from_pretrained(source).to("cpu").eval()
    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
    fp32 = staging / "encoder.onnx"
    sample = {name: torch.ones((1, 8), dtype=torch.long) for name in INPUTS}
    sample["token_type_ids"] = torch.zeros((1, 8), dtype=torch.long)

    class LastHidden(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state

    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(LastHidden(model), tuple(sample[name] for name in INPUTS), str(fp32),
                          input_names=list(INPUTS), output_names=["last_hidden_state"], opset_version=17,
                          dynamo=False, dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in INPUTS},
                                                      "last_hidden_state": {0: "batch", 1: "tokens"}})
    onnx_name = fp32.name
    if quantize:
        import logging

        from onnxruntime.quantization import QuantType, quantize_dynamic

        logging.getLogger().setLevel(logging.ERROR)
        quantize_dynamic(str(fp32), str(staging / "encoder.int8.onnx"), weight_type=QuantType.QInt8)
        fp32.unlink()
        onnx_name = "encoder.int8.onnx"
    settings = {"onnx": onnx_name, "pooling": "mean", "normalize": True, "max_tokens": MAX_TOKENS,
                "base_model": str(base_model), "dimension": int(model.config.hidden_size)}
    (staging / ENCODER_SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return swap_in(staging, target)
