"""The model's design, torch-free: labels, input settings and encoding, pooling and the ONNX scorer, model_version."""
