"""Training, top to bottom: labelled rows → held-out split → sequences → fit → calibrate → save.

1. The `val-*` reports (project-written, of several kinds) are held out; they never train
   the model, and its temperature is fitted on them.
2. Every other labelled report is encoded with infer.model.encode, exactly as tagging encodes it.
3. A token-classification head on the base model is fine-tuned with the transformers
   Trainer; the loss is class-weighted cross-entropy over each unit's pooled logits.
4. One temperature is fitted on the held-out reports, so that a score of 0.9 is right
   about nine times in ten.
5. The folder is saved: `from_pretrained` weights, tokenizer, int8 ONNX export, the
   reportag settings in config.json, metrics and the model card.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from infer.model.encode import TokenizerWrapper
from infer.files import atomic_write_text, swap_in
from infer.model.labels import ID2LABEL, LABEL2ID, LABEL_NAMES
from infer.model.scorer import SETTINGS_KEY, Scorer, model_settings

from train.model.base_model import resolve_base_model
from train.model.config import TrainConfig

VALIDATION_PREFIX = "val-"  # project-written reports kept for calibration, never trained on


@dataclass
class Trained:
    """A fine-tuned model with what tagging needs to use it."""

    model: object
    tokenizer: object
    config: TrainConfig
    temperature: float
    history: list = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def scorer(self, name: str = "model", calibrated: bool = True) -> Scorer:
        from train.model.pooling import TorchRunner

        return Scorer(TokenizerWrapper(self.tokenizer.backend_tokenizer), self.config.inputs(),
                      self.temperature if calibrated else 1.0, name, TorchRunner(self.model))


def load_torch_scorer(model_dir: str | Path) -> Scorer:
    """A saved model in PyTorch (fp32), scored exactly as the ONNX export is: for evaluation and checks."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from infer.model.scorer import read_settings

    from train.model.pooling import TorchRunner

    settings = read_settings(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(str(model_dir), dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    return Scorer(TokenizerWrapper(tokenizer.backend_tokenizer), settings["inputs"], settings["temperature"],
                  Path(model_dir).name, TorchRunner(model))


def split_by_report(rows: list[dict], held_out: set[str]) -> tuple[list[dict], list[dict]]:
    """(rows of other reports, rows of the held-out reports): never split a report."""
    return [r for r in rows if r["report"] not in held_out], [r for r in rows if r["report"] in held_out]


CALIBRATION_LIST = Path("labels/calibration.txt")  # real reports held out for calibration, one name a line


def calibration_names(path: Path = CALIBRATION_LIST) -> set[str]:
    """Stems of the real reports listed for calibration (`# comments` and blank lines ignored)."""
    if not path.is_file():
        return set()
    return {line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()} - {""}


def validation_reports(rows: list[dict]) -> set[str]:
    """Reports held out for calibration: the project-written `val-*` reports and the real reports listed in
    labels/calibration.txt (so that a score is checked against reports as users have them)."""
    from train.studio.readings import report_stem

    listed = calibration_names()
    return {r["report"] for r in rows
            if Path(r["report"]).name.startswith(VALIDATION_PREFIX) or report_stem(r["report"]) in listed}


def class_weights(rows: list[dict]) -> list[float]:
    """Inverse square-root frequency weights, normalised to mean 1: rare labels count more."""
    counts = Counter(r["label"] for r in rows)
    raw = [1 / math.sqrt(max(counts[name], 1)) for name in LABEL_NAMES]
    mean = sum(raw) / len(raw)
    return [w / mean for w in raw]


def train_model(rows: list[dict], config: TrainConfig, log=print) -> Trained:
    """The whole story but saving: split off the calibration reports, fit, calibrate."""
    held = validation_reports(rows)
    train_rows, held_rows = split_by_report(rows, held)
    sources = set(config.sources.split(","))
    train_rows = [r for r in train_rows if r.get("source", "seed") in sources]
    if not train_rows:
        train_rows, held_rows = rows, []
    log(f"training on {len(train_rows)} units of {len({r['report'] for r in train_rows})} reports "
        f"({config.design}, frame {'on' if config.frame else 'off'}, seed {config.seed}); calibrating on "
        f"{len(held_rows)} units of {len(held)} held-out reports")
    model, tokenizer, history = fit(train_rows, config)
    trained = Trained(model, tokenizer, config, 1.0, history)
    trained.temperature = calibrate(trained, held_rows)
    trained.data = {"units": len(train_rows), "reports": len({r["report"] for r in train_rows}),
                    "labels": dict(Counter(r["label"] for r in train_rows)),
                    "sources": dict(Counter(r.get("source", "seed") for r in train_rows)),
                    "calibration_reports": sorted(held), "calibration_units": len(held_rows)}
    return trained


def fit(train_rows: list[dict], config: TrainConfig):
    """Fine-tune a token-classification head on the base model; return (model, tokenizer, history)."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForTokenClassification, AutoTokenizer, Trainer, TrainingArguments, set_seed
    from transformers.utils import logging as hf_logging

    from train.model.pooling import IGNORE, collate, pool, training_features

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    set_seed(config.seed)
    torch.set_num_threads(config.threads or os.cpu_count() or 1)
    base = resolve_base_model(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(LABEL_NAMES), id2label=ID2LABEL, label2id=LABEL2ID, dtype=torch.float32)
    vocabulary = TokenizerWrapper(tokenizer.backend_tokenizer)
    train_set = Dataset.from_list(training_features(vocabulary, train_rows, config.inputs(),
                                                    config.seed if config.varied else None))
    weights = torch.tensor(class_weights(train_rows))

    class UnitTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            unit_index, labels = inputs.pop("unit_index"), inputs.pop("unit_labels")
            logits = pool(model(**inputs).logits, unit_index, labels.shape[1])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1),
                                                     weight=weights.to(logits.device), ignore_index=IGNORE)
            return (loss, {"logits": logits}) if return_outputs else loss

    with tempfile.TemporaryDirectory(prefix="reportag-train-") as scratch:
        args = TrainingArguments(
            output_dir=scratch, num_train_epochs=config.epochs, max_steps=config.max_steps,
            learning_rate=config.learning_rate, per_device_train_batch_size=config.batch_size,
            warmup_steps=config.warmup_ratio, weight_decay=config.weight_decay, lr_scheduler_type="linear",
            eval_strategy="no", save_strategy="no", logging_strategy="epoch", seed=config.seed,
            data_seed=config.seed, report_to=[], disable_tqdm=not config.progress,
            train_sampling_strategy="group_by_length",  # windows of like length together: little padding
            use_cpu=not torch.cuda.is_available(), remove_unused_columns=False, label_names=["unit_labels"],
        )
        trainer = UnitTrainer(model=model, args=args, train_dataset=train_set,
                              data_collator=lambda batch: collate(batch, tokenizer.pad_token_id or 0))
        trainer.train()
        history = [entry for entry in trainer.state.log_history if "loss" in entry or "train_runtime" in entry]
        model = trainer.model.to("cpu")
    model.eval()
    return model, tokenizer, history


def calibrate(trained: Trained, held_rows: list[dict]) -> float:
    """The temperature that makes the held-out reports' scores honest (1.0 without held-out reports)."""
    from train.model.calibrate import fit_temperature
    from train.model.pooling import documents, taggable

    scorer = trained.scorer(calibrated=False)
    logits, labels = [], []
    for document in documents(held_rows):
        units, frame = taggable(document)
        logits += scorer.unit_logits(units, frame)
        labels += [LABEL2ID[row["label"]] for row in units]
    return fit_temperature(logits, labels)


def save_model(trained: Trained, output_dir: str | Path, metrics: dict | None = None) -> Path:
    """Save a `from_pretrained` folder with its ONNX export, reportag settings, metrics and card.

    Written to a sibling temporary folder first and swapped in, so a failed save never
    leaves a half model where a working one was.
    """
    from train.model.card import write_card
    from train.model.onnx import export_onnx

    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", dir=output_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes 0700; the model folder is meant to be shared
    config = trained.config
    try:
        onnx_file = export_onnx(trained.model, staging, config.quantize)
        trained.model.config.update({SETTINGS_KEY: model_settings(
            config.inputs(), trained.temperature, onnx_file, config.base_model, config.quantize)})
        trained.model.save_pretrained(staging)
        trained.tokenizer.save_pretrained(staging)
        metrics = {"data": trained.data, "temperature": trained.temperature, "history": trained.history,
                   "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **(metrics or {})}
        atomic_write_text(staging / "metrics.json", json.dumps(metrics, ensure_ascii=False, indent=1, default=str))
        atomic_write_text(staging / "train_config.json", json.dumps(asdict(config), ensure_ascii=False, indent=1))
        write_card(staging, config, metrics)
        swap_in(staging, output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir


def train_default(labels, config: TrainConfig, output: Path, log=print) -> Path:
    """`reportag train`: every labelled report (but the held-out ones) → a saved model folder."""
    from train.data import load_training_rows
    from train.evaluation.metrics import score_rows
    from train.model.pooling import documents

    rows = load_training_rows(labels)
    trained = train_model(rows, config, log)
    held_rows = [r for r in rows if r["report"] in set(trained.data["calibration_reports"])]
    validation = score_rows(trained.scorer(), documents(held_rows)) if held_rows else {}
    return save_model(trained, output, {"validation": {"reports": trained.data["calibration_reports"],
                                                       **validation}})


def install_model(model_dir: Path) -> Path:
    """Copy a model folder into the user data folder, where `reportag tag` finds it from any directory."""
    from infer.locate import DEFAULT_NAME, user_models_dir

    target = user_models_dir() / DEFAULT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{DEFAULT_NAME}.", dir=target.parent))
    try:
        shutil.copytree(model_dir, staging / "model")
        swap_in(staging / "model", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
