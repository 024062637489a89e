"""Label Studio: the export format, the annotation store, the SDK loop, readings and the ML backend."""
