"""The stories behind `reportag train` and `reportag eval`: load labels, fit or evaluate, write the card."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from infer.errors import InputError
from infer.files import atomic_write_text
from infer.labels import LABEL_NAMES

from .base_model import DEFAULT_BASE, LICENCE
from .data import load_rows
from .evaluate import EvalPlan, markdown_report, predict_labels, run, validation_reports
from .fit import TrainConfig, fit, save_model, split_by_report
from .metrics import score

EVAL_TABLE = "EVAL.md"


def load_training_rows(labels) -> list[dict]:
    rows = load_rows(labels)
    if not rows:
        raise InputError(", ".join(map(str, labels)), "no annotations found")
    return rows


def train_default(labels, config: TrainConfig, output: Path) -> Path:
    """Fit on every labelled report but the validation reports, which decide early stopping."""
    rows = load_training_rows(labels)
    val = validation_reports(rows)
    train_rows, val_rows = split_by_report(rows, val)
    print(f"training on {len(train_rows)} units of {len({r['report'] for r in train_rows})} reports; "
          f"early stopping on {len(val_rows)} units of {', '.join(sorted(Path(v).name for v in val))}", flush=True)
    model, tokenizer, history = fit(train_rows, val_rows, config)
    from infer.predict import Predictor

    predictor = Predictor(model, tokenizer, config.context, config.max_length, output.name)
    validation = score(predict_labels(predictor, val_rows), [r["label"] for r in val_rows])
    metrics = {
        "validation": {"reports": sorted(val), **validation},
        "data": {"units": len(train_rows), "labels": dict(Counter(r["label"] for r in train_rows)),
                 "sources": dict(Counter(r["source"] for r in train_rows)),
                 "reports": len({r["report"] for r in train_rows})},
        "history": history,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    save_model(model, tokenizer, config, output, {})
    atomic_write_text(output / "metrics.json", json.dumps(metrics, ensure_ascii=False, indent=1))
    write_card(output, config, metrics)
    return output


def evaluate_and_report(labels, plan: EvalPlan, card: Path | None) -> dict:
    rows = load_training_rows(labels)
    results = run(rows, plan)
    table = markdown_report(results)
    print("\n" + table)
    print(f"saved {plan.out_dir / 'metrics.json'}, {plan.out_dir / EVAL_TABLE} and confusion matrices (PNG)")
    if card is not None and (card / "config.json").is_file():
        atomic_write_text(card / EVAL_TABLE, table)
        metrics_path = card / "metrics.json"
        metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
        metrics["evaluation"] = results
        atomic_write_text(metrics_path, json.dumps(metrics, ensure_ascii=False, indent=1))
        config = TrainConfig(**{k: v for k, v in json.loads((card / "train_config.json").read_text()).items()
                                if k in TrainConfig.__dataclass_fields__})
        write_card(card, config, metrics)
        print(f"updated the model card {card / 'README.md'}")
    return results


def write_card(folder: Path, config: TrainConfig, metrics: dict) -> None:
    """The model card (README.md): base model and licence, data, metrics, intended use, limits."""
    data = metrics.get("data", {})
    validation = metrics.get("validation", {})
    eval_table = (folder / EVAL_TABLE).read_text(encoding="utf-8") if (folder / EVAL_TABLE).is_file() else \
        "_Not evaluated yet: run `make eval` (leave-one-report-out and the dev set of other governments)._\n"
    base_note = LICENCE if config.base_model == DEFAULT_BASE else "see the base model's own card for its licence"
    label_counts = ", ".join(f"{name} {data.get('labels', {}).get(name, 0)}" for name in LABEL_NAMES)
    card = f"""---
language: zh
library_name: transformers
pipeline_tag: text-classification
base_model: {config.base_model}
tags: [reportag, government-reports, sentence-classification]
---

# reportag sentence tagger

Tags each sentence of a Chinese rule-of-law government annual report (法治政府建设年度报告) as
**measure 举措**, **achievement 成效**, **shortfall 不足**, **plan 计划** or **other 其他**, following
`labels/GUIDELINES.md` and the project's annotation guide.

## Base model and licence
- Base: `{config.base_model}` ({base_note}).
- Fine-tuned with `transformers` Trainer. Input ({config.context}): "section" is the pair (section context,
  sentence), the context being the top and innermost heading of the sentence's chain; "none" is the sentence alone.

## Data
- {data.get('units', '?')} labelled units from {data.get('reports', '?')} reports
  (sources: {data.get('sources', {})}); labels: {label_counts}.
- Early stopping on held-out reports: {', '.join(Path(r).name for r in validation.get('reports', []))}
  (macro-F1 there: {validation.get('macro_f1', float('nan')):.3f}); never split by sentence.

## Training
epochs ≤ {config.epochs:g} (patience {config.patience}), learning rate {config.learning_rate:g}, batch {config.batch_size},
max length {config.max_length} tokens, seed {config.seed}, class-weighted cross-entropy (inverse square-root frequency),
tagging runs the {'int8' if config.quantize else 'fp32'} ONNX export (`model.int8.onnx` / `model.onnx`) in ONNX Runtime;
`model.safetensors` is the fp32 model for `from_pretrained`.

## Evaluation
{eval_table}
## Intended use
Reading many annual reports quickly: what was done, what came of it, what is still wrong,
and what is promised next, per report and across reports. A reader should check the
sentences that matter: the tagger is an aid, not an auditor.

## Limits
- Trained on few real reports (five seed reports of towns and districts) plus passages written by the
  project; other kinds of report (government work reports, department summaries) score lower — see above.
- Judges one sentence with its section headings; it does not see neighbouring sentences.
- Labels follow the project's guide: an action with an explicit result is an achievement; next-year
  sections turn actions into plans.
"""
    atomic_write_text(folder / "README.md", card)
