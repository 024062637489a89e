"""Evaluation: metrics, baselines, splits and runs, promise-tracking evaluation."""
