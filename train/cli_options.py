"""What the training, data and Label Studio commands share: the extras they check for, the labels option and
the choice type (train/cli.py and train/cli_data.py both import it; the one error printer is infer.cli.fail)."""

from __future__ import annotations

import importlib.util
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from infer.cli import fail
from infer.model.labels import LABEL_FOLDERS
from infer.locate import DEFAULT_NAME

TRAIN_EXTRA = ("torch", "transformers", "datasets", "evaluate", "accelerate", "sklearn", "onnx", "pandas")
LS_EXTRA = ("label_studio_sdk",)
DEFAULT_MODEL = Path("models") / DEFAULT_NAME
DEFAULT_LABELS = [Path(folder) for folder in LABEL_FOLDERS]
LabelsOption = Annotated[list[Path], typer.Option("--labels", metavar="DIR", help="Labels folders (each with "
                                                  "reports/ and annotations/); repeatable.")]


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        return True


def require(modules=TRAIN_EXTRA) -> None:
    """One line naming the extra to install when a training library is missing, then exit 2."""
    missing = [m for m in modules if _missing(m)]
    if missing:
        fail(f"this command needs the training libraries ({', '.join(missing)} missing): "
             "pip install 'reportag[train]'")


def choices(name: str, values) -> type[Enum]:
    """A typer choice from a tuple of values written once elsewhere."""
    return Enum(name, [(value, value) for value in values], type=str)
