"""Shared fixtures: the seed reports beside the project, and a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REPORTAG_SHARED", ROOT.parent / "shared"))
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
LABELLED_REPORTS = sorted((ROOT / "labels" / "reports").glob("*.txt"))


@pytest.fixture(autouse=True)
def _in_root(monkeypatch):
    """Commands resolve labels/ and models/ from the project root, as the Makefile runs them."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def cli():
    from infer.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | bytes | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input)

    return invoke


def pytest_collection_modifyitems(config, items):
    if not SEEDS:
        raise pytest.UsageError(f"no seed reports under {SHARED / 'seeds'}: put ../shared beside the project "
                                "or set REPORTAG_SHARED")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A real reportag model, fine-tuned for a few steps on the seed labels (about a minute on 2 cores)."""
    from train.fit import TrainConfig
    from train.pipeline import train_default

    output = tmp_path_factory.mktemp("models") / "tiny"
    config = TrainConfig(max_steps=24, learning_rate=2e-4, progress=False, quantize=True)
    return train_default([ROOT / "labels"], config, output)
