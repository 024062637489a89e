"""Training, evaluation, data and Label Studio commands, registered on infer's app (spaCy's CLI pattern).

This module imports only typer and `infer` at module level; each command checks that the
`train` extra is installed, then imports what it needs inside its body. `reportag` (the
console entry point) is `main` here: the app with every command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from infer.cli import app, fail, guarded

from train.model.base_model import DEFAULT_BASE
from train.cli_options import (DEFAULT_LABELS, DEFAULT_MODEL, LS_EXTRA, TRAIN_EXTRA, LabelsOption,  # noqa: F401
                          choices, config_options, require)
from train.model.config import EVAL_DEFAULTS, SPLITS, TRAIN_DEFAULTS, TrainConfig, train_help

@app.command("base-model")
def base_model() -> None:
    """Put the offline base model m3e-small under models/base/ (non-commercial research licence)."""
    from train.model.base_model import LICENCE, ensure_m3e_small

    path = guarded(ensure_m3e_small)
    typer.echo(f"{path} ({LICENCE})")


TRAINED = ("base_model", "design", "frame", "epochs", "learning_rate", "batch_size", "seed", "max_steps", "quantize")


@app.command(epilog="Examples:\n\n    reportag train\n\n    reportag train --base-model models/base/m3e-small-adapted "
             "--install\n\n    reportag train --design pair --no-frame -o models/pair")
@config_options(*TRAINED, after="labels")
def train(
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Model folder to write.")] = DEFAULT_MODEL,
    labels: LabelsOption = DEFAULT_LABELS,
    install: Annotated[bool, typer.Option("--install", help="Also copy the model into the user data folder, "
                                          "where `reportag tag` finds it from any directory.")] = False,
    config: TrainConfig = TRAIN_DEFAULTS,
) -> None:
    """Fine-tune the base model on the labelled units; save the model folder with its card."""
    require()
    from train.model.fit import install_model, train_default

    base_model = config.base_model
    path = guarded(train_default, labels, config, output)
    typer.echo(f"saved {path}", err=True)
    if base_model == DEFAULT_BASE:  # m3e-small is a sentence-embedding model; other bases may not be
        from train.model.encoder_onnx import export_encoder

        # The sentence encoder of `reportag track` travels in the model folder (and is installed with it).
        typer.echo(f"saved the sentence encoder for `reportag track`: {guarded(export_encoder, base_model, path)}",
                   err=True)
    else:
        typer.echo(f"no sentence encoder for `reportag track` from {base_model} (not a sentence-embedding model); "
                   f"add one with: reportag encoder --model {path} --base-model MODEL", err=True)
    if install:
        typer.echo(f"installed {guarded(install_model, path)}", err=True)


@app.command(epilog="Example:\n\n    reportag encoder --model models/reportag-default")
def encoder(
    model: Annotated[Path, typer.Option("--model", "-m", metavar="DIR", help="The model folder to add encoder/ "
                                        "to.")] = DEFAULT_MODEL,
    base_model: Annotated[str, typer.Option("--base-model", metavar="MODEL", help="The sentence-embedding model "
                                            "to export (mean pooling).")] = TRAIN_DEFAULTS.base_model,
    quantize: Annotated[bool, typer.Option("--quantize/--no-quantize", help="int8 weights (4x smaller, 2x "
                                           "faster, the same recall on the promise set).")] = True,
) -> None:
    """Export the base model's sentence encoder to ONNX into MODEL/encoder/, for `reportag track`."""
    require()
    from train.model.encoder_onnx import export_encoder

    if not model.is_dir():
        fail(f"{model}: model folder not found")
    typer.echo(f"saved {guarded(export_encoder, base_model, model, quantize)}", err=True)


Split = choices("Split", SPLITS)


@app.command("eval")
@config_options("base_model", "epochs", after="adapted", into="trained")
def evaluate(
    labels: LabelsOption = DEFAULT_LABELS,
    dev: Annotated[Path, typer.Option(metavar="DIR", help="The labelled dev set of other governments' reports.")] =
        EVAL_DEFAULTS.dev_dir,
    out: Annotated[Path, typer.Option(metavar="DIR", help="Where metrics.json, EVAL.md and the plots go.")] =
        EVAL_DEFAULTS.out_dir,
    config: Annotated[Optional[list[str]], typer.Option("--config", metavar="NAME", help="Model configurations "
                                                        "(repeatable): window, 'window, no frame', pair, "
                                                        "'pair, no frame'. Default: "
                                                        f"{', '.join(EVAL_DEFAULTS.configs)}.")] = None,
    seeds: Annotated[int, typer.Option(metavar="N", min=1, help="Seeds per configuration.")] =
        len(EVAL_DEFAULTS.seeds),
    split: Annotated[Optional[list[Split]], typer.Option(help="Splits to run (repeatable); default: loro, "
                                                          "cross-kind (dev: a training on every label, scored on "
                                                          "the dev sets).")] = None,
    folds: Annotated[int, typer.Option(metavar="N", min=2, help="Groups of real reports the loro split leaves "
                                       "out in turn (one training each per configuration and seed).")] =
        EVAL_DEFAULTS.folds,
    adapted: Annotated[Optional[str], typer.Option(metavar="DIR", help="An adapted base model (reportag adapt): "
                                                   "adds the first configuration on it.")] = None,
    card: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Model folder whose card gets the tables.")] =
        DEFAULT_MODEL,
    trained: TrainConfig = TRAIN_DEFAULTS,
) -> None:
    """Model configurations and baselines on LORO, cross-kind and dev splits, mean ± sd over seeds, with ECE."""
    require()
    from dataclasses import replace

    from train.model.config import CONFIGS
    from train.evaluation.evaluate import evaluate_and_report

    configs = tuple(dict.fromkeys(config)) if config else EVAL_DEFAULTS.configs
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        fail(f"--config {unknown[0]!r}: unknown configuration (expected one of {', '.join(CONFIGS)})")
    plan = replace(EVAL_DEFAULTS, configs=configs, seeds=tuple(range(1, seeds + 1)), dev_dir=dev, out_dir=out,
                   splits=tuple(s.value for s in split) if split else EVAL_DEFAULTS.splits, adapted=adapted, folds=folds,
                   train=trained)
    guarded(evaluate_and_report, labels, plan, card)


@app.command(epilog="Example:\n\n    reportag adapt ../shared/corpus/ --output models/base/m3e-small-adapted")
def adapt(
    folders: Annotated[list[Path], typer.Argument(help="Folders (or files) of unlabelled reports.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="The adapted base model to "
                                         "write.")] = Path("models/base/m3e-small-adapted"),
    base_model: Annotated[str, typer.Option("--base-model", metavar="MODEL", help=train_help("base_model"))] =
        TRAIN_DEFAULTS.base_model,
    epochs: Annotated[float, typer.Option(metavar="N", min=0.01, help="Passes over the text.")] = 1.0,
    max_steps: Annotated[int, typer.Option(metavar="N", help="Stop after this many steps; -1: no limit.")] = -1,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed.")] = 42,
    exclude: Annotated[Optional[list[str]], typer.Option(metavar="GLOB", help="Leave out files whose name matches "
                                                         "(repeatable), e.g. a document the evaluation scores.")] = None,
) -> None:
    """Continue masked-language-model pretraining of the base model on unlabelled reports (resumable)."""
    require()
    from train.model.adapt import AdaptConfig, adapt as run_adapt

    path = guarded(run_adapt, folders, output, AdaptConfig(base_model=base_model, epochs=epochs, max_steps=max_steps,
                                                           seed=seed, exclude=tuple(exclude or ())))
    typer.echo(f"saved {path}; train on it with: reportag train --base-model {path}", err=True)


from train import cli_data  # noqa: E402,F401  (registers the data and ls commands on the app)


def main() -> None:  # pragma: no cover - the console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
