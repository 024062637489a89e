"""Fine-tuning: labelled rows → a `datasets` Dataset → transformers Trainer → a saved reportag model.

Read top to bottom: split by report, encode (with infer.predict.encode, the same
preprocessing as tagging), fit with class-weighted loss and early stopping on held-out
reports, save the model folder with its settings, label map and metrics.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from infer.files import atomic_write_text
from infer.labels import ID2LABEL, LABEL2ID, LABEL_NAMES
from infer.predict import MAX_LENGTH, SETTINGS_KEY, encode

from .base_model import DEFAULT_BASE, resolve_base_model
from .data import to_dataset
from .export import export_onnx


@dataclass
class TrainConfig:
    base_model: str = DEFAULT_BASE
    context: str = "section"  # "section": (heading chain, sentence) pairs; "none": sentence alone
    epochs: float = 6
    learning_rate: float = 1e-4
    batch_size: int = 16
    max_length: int = MAX_LENGTH
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    patience: int = 2  # epochs without a better held-out macro-F1 before stopping
    seed: int = 42
    max_steps: int = -1  # > 0 only for smoke tests
    quantize: bool = True  # tag with the int8 ONNX export (make bench, make eval check it)
    progress: bool = True


def split_by_report(rows: list[dict], held_out: set[str]) -> tuple[list[dict], list[dict]]:
    """(rows of other reports, rows of the held-out reports): never split a report."""
    return [r for r in rows if r["report"] not in held_out], [r for r in rows if r["report"] in held_out]


def pick_validation_report(rows: list[dict]) -> str:
    """The seed report used for early stopping: the one whose label mix is closest to the whole."""
    seeds = sorted({r["report"] for r in rows if r.get("source", "seed") == "seed"}) or sorted({r["report"] for r in rows})
    total = Counter(r["label"] for r in rows)

    def distance(report: str) -> float:
        mine = Counter(r["label"] for r in rows if r["report"] == report)
        n = sum(mine.values())
        return sum(abs(mine[l] / n - total[l] / len(rows)) for l in LABEL_NAMES) + (0 if mine["shortfall"] and mine["plan"] else 1)

    return min(seeds, key=distance)


def class_weights(rows: list[dict]) -> list[float]:
    """Inverse square-root frequency weights, normalised to mean 1: rare labels count more."""
    counts = Counter(r["label"] for r in rows)
    raw = [1 / math.sqrt(max(counts[name], 1)) for name in LABEL_NAMES]
    mean = sum(raw) / len(raw)
    return [w / mean for w in raw]


def fit(train_rows: list[dict], eval_rows: list[dict], config: TrainConfig, output_dir: str | Path | None = None):
    """Fine-tune and return (model, tokenizer, history); save to `output_dir` when given."""
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding,
                              EarlyStoppingCallback, Trainer, TrainingArguments, set_seed)
    from transformers.utils import logging as hf_logging

    from .metrics import score

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    set_seed(config.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    base = resolve_base_model(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABEL_NAMES), id2label=ID2LABEL, label2id=LABEL2ID, dtype=torch.float32)

    def prepare(rows):
        dataset = to_dataset(rows)
        return dataset.map(lambda batch: encode(tokenizer, batch["heading"], batch["text"], config.context,
                                                config.max_length),
                           batched=True, remove_columns=[c for c in dataset.column_names if c != "label"])

    train_set = prepare(train_rows)
    eval_set = prepare(eval_rows) if eval_rows else None
    weights = torch.tensor(class_weights(train_rows))

    def weighted_loss(outputs, labels, num_items_in_batch=None):
        return torch.nn.functional.cross_entropy(outputs.logits, labels, weight=weights.to(outputs.logits.device))

    def compute_metrics(prediction):
        predicted = prediction.predictions.argmax(-1)
        result = score([ID2LABEL[int(i)] for i in predicted], [ID2LABEL[int(i)] for i in prediction.label_ids])
        return {"macro_f1": result["macro_f1"], "accuracy": result["accuracy"]}

    with tempfile.TemporaryDirectory(prefix="reportag-train-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            num_train_epochs=config.epochs,
            max_steps=config.max_steps,
            learning_rate=config.learning_rate,
            per_device_train_batch_size=config.batch_size,
            per_device_eval_batch_size=64,
            warmup_steps=config.warmup_ratio,
            weight_decay=config.weight_decay,
            eval_strategy="epoch" if eval_set is not None else "no",
            save_strategy="epoch" if eval_set is not None else "no",
            save_total_limit=1,
            load_best_model_at_end=eval_set is not None,
            # The held-out report is small, so its macro-F1 saturates within an epoch or two;
            # its loss keeps telling epochs apart.
            metric_for_best_model="loss",
            greater_is_better=False,
            train_sampling_strategy="group_by_length",
            logging_strategy="epoch",
            seed=config.seed,
            data_seed=config.seed,
            report_to=[],
            disable_tqdm=not config.progress,
            use_cpu=not torch.cuda.is_available(),
            save_only_model=True,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=train_set,
            eval_dataset=eval_set,
            processing_class=tokenizer,
            data_collator=DataCollatorWithPadding(tokenizer),
            compute_loss_func=weighted_loss,
            compute_metrics=compute_metrics if eval_set is not None else None,
            callbacks=[EarlyStoppingCallback(early_stopping_patience=config.patience)] if eval_set is not None else [],
        )
        trainer.train()
        history = [entry for entry in trainer.state.log_history if "eval_macro_f1" in entry or "loss" in entry]
        model = trainer.model.to("cpu")
    model.eval()
    if output_dir is not None:
        save_model(model, tokenizer, config, output_dir, {"history": history})
    return model, tokenizer, history


def save_model(model, tokenizer, config: TrainConfig, output_dir: str | Path, extra: dict) -> Path:
    """Save a from_pretrained-loadable folder whose config.json carries the reportag settings.

    Written to a sibling temporary folder first and swapped in, so a failed save never
    leaves a half model where a working one was.
    """
    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", dir=output_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes 0700; the model folder is meant to be shared
    try:
        onnx_file = export_onnx(model, tokenizer, staging, config.quantize)
        model.config.update({SETTINGS_KEY: {"context": config.context, "max_length": config.max_length,
                                            "quantize": config.quantize, "onnx": onnx_file,
                                            "base_model": config.base_model, "labels": list(LABEL_NAMES)}})
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        atomic_write_text(staging / "train_config.json",
                          json.dumps({**asdict(config), **extra}, ensure_ascii=False, indent=1, default=str))
        if output_dir.exists():
            old = output_dir.with_name(f".{output_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            output_dir.rename(old)
            staging.rename(output_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir
