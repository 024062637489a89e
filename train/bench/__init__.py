"""Benchmarks: speed and memory of the designs, the corpus engines, the analyst page; the peak-memory probe."""
