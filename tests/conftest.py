"""Shared fixtures: the seed reports beside the project, a CLI runner, a fake scorer and a tiny real model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REPORTAG_SHARED", ROOT.parent / "shared"))
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
# The seed reports among the labelled ones (labels/reports/ also holds real reports read through Label Studio).
LABELLED_REPORTS = sorted(p for p in (ROOT / "labels" / "reports").glob("*.txt") if p.name in {s.name for s in SEEDS})
CORPUS = SHARED / "corpus" / "reports"

# Property tests run the same examples every time: a test that can fail at random is a defect.
settings.register_profile("reportag", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reportag"))


@pytest.fixture(autouse=True)
def _in_root(monkeypatch):
    """Commands resolve labels/ and models/ from the project root, as the Makefile runs them."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def cli():
    from train.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | bytes | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input)

    return invoke


def pytest_collection_modifyitems(config, items):
    if not SEEDS:
        raise pytest.UsageError(f"no seed reports under {SHARED / 'seeds'}: put ../shared beside the project "
                                "or set REPORTAG_SHARED")


class FakeScorer:
    """A scorer without a model: each unit's probabilities follow from its words, so tests know the answer.

    plan for 将/下一步, shortfall for 不足/问题, achievement for a % or 获评, measure otherwise.
    """

    name = "fake"
    labels = ["measure", "achievement", "shortfall", "plan", "other"]

    def __init__(self):
        self.calls = []

    def score(self, rows, frame):
        self.calls.append([row["text"] for row in rows])
        out = []
        for row in rows:
            text = row["text"]
            best = 3 if ("将" in text or "下一步" in text) else 2 if ("不足" in text or "问题" in text) else \
                1 if ("%" in text or "获评" in text) else 0
            out.append([0.7 if i == best else 0.075 for i in range(5)])
        return out


@pytest.fixture
def fake_scorer():
    return FakeScorer()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A real reportag model, fine-tuned for a few steps on the labels (about a minute on 2 cores)."""
    from train.model.config import TrainConfig
    from train.model.fit import train_default

    output = tmp_path_factory.mktemp("models") / "tiny"
    # two torch threads whatever the machine: the tiny model, and the thresholds tests put on it, do not follow the core count
    config = TrainConfig(max_steps=24, learning_rate=3e-4, progress=False, quantize=True, threads=2)
    return train_default([ROOT / "labels", ROOT / "labels" / "written"], config, output, log=lambda *_: None)


def modules_loaded_by(argv: list[str], modules: list[str]) -> list[str]:
    """Which of `modules` the command line `reportag ARGV...` loads, run in a fresh interpreter."""
    import ast
    import subprocess
    import sys

    probe = (f"import sys; from train.cli import app; sys.argv = ['reportag', *{[str(a) for a in argv]!r}]\n"
             "try:\n    app()\nexcept SystemExit:\n    pass\n"
             f"print(sorted(m for m in {modules!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])  # the list the probe printed
