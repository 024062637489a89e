"""What the training, data and Label Studio commands share: the extras they check for, the labels option, the
choice type and the training options generated from TrainConfig (train/cli.py and train/cli_data.py both import
it; the one error printer is infer.cli.fail)."""

from __future__ import annotations

import functools
import importlib.util
import inspect
from dataclasses import fields, replace
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


_TYPES = {"str": str, "bool": bool, "float": float, "int": int}


def config_options(*names: str, after: str, into: str = "config"):
    """Add TrainConfig's fields `names` to a command as options (type, default, help, metavar, min from the field),
    placed after its parameter `after`; the command receives them as one TrainConfig, its parameter `into`."""
    from train.model import config as config_module

    defaults = config_module.TRAIN_DEFAULTS
    by_name = {f.name: f for f in fields(defaults)}

    def option(name: str) -> inspect.Parameter:
        meta = by_name[name].metadata
        kind = _TYPES[by_name[name].type]
        default = getattr(defaults, name)
        if "choices" in meta:
            kind = choices(name.capitalize(), getattr(config_module, meta["choices"]))
            default = kind(default)
        extra = {k: meta[k] for k in ("metavar", "min") if k in meta}
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                 annotation=Annotated[kind, typer.Option(help=meta.get("help", ""), **extra)])

    def decorate(command):
        signature = inspect.signature(command, eval_str=True)
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values()
               if p.name != into]
        at = [p.name for p in own].index(after) + 1
        parameters = own[:at] + [option(name) for name in names] + own[at:]

        @functools.wraps(command)
        def run(**kwargs):
            values = {name: kwargs.pop(name) for name in names}
            values = {k: v.value if isinstance(v, Enum) else v for k, v in values.items()}
            return command(**{into: replace(defaults, **values)}, **kwargs)

        del run.__wrapped__  # typer reads the signature below, not the command's own
        run.__signature__ = signature.replace(parameters=parameters)
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        return run

    return decorate
