"""The model's torch side: configuration, fitting, pooling in torch, ONNX export, calibration, adaptation, base model, card."""
