"""ONNX export of a fine-tuned token-classification model, optionally int8-quantised, for CPU tagging."""

from __future__ import annotations

import warnings
from pathlib import Path

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_onnx(model, folder: Path, quantize: bool) -> str:
    """Write model.onnx (or model.int8.onnx) into `folder`; return the file name.

    The export's output is the token logits; the unit pooling and the calibration are
    applied by infer.model.scorer.Scorer, the same for every runtime. Dynamic int8 quantisation
    computes its activation scale over the whole input tensor, so the scorer runs one
    sequence at a time: a unit's score never depends on other sequences.
    """
    import torch

    sample = {name: torch.ones((1, 8), dtype=torch.long) for name in INPUTS}
    sample["token_type_ids"] = torch.zeros((1, 8), dtype=torch.long)
    fp32 = folder / "model.onnx"
    model = model.to("cpu").eval()
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, tuple(sample[name] for name in INPUTS), str(fp32), input_names=list(INPUTS),
            output_names=["logits"], opset_version=17, dynamo=False,
            dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in INPUTS}, "logits": {0: "batch", 1: "tokens"}},
        )
    if not quantize:
        return fp32.name
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic warns about optional pre-processing
    int8 = folder / "model.int8.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    fp32.unlink()
    return int8.name
