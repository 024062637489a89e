"""The model card (README.md of a model folder): base model and licence, data, inputs, calibration, figures, limits."""

from __future__ import annotations

from pathlib import Path

from infer.files import atomic_write_text
from infer.model.labels import LABEL_NAMES

from train.model.base_model import DEFAULT_BASE, LICENCE

EVAL_TABLE = "EVAL.md"


def write_card(folder: Path, config, metrics: dict) -> None:
    data = metrics.get("data", {})
    validation = metrics.get("validation", {})
    eval_table = (folder / EVAL_TABLE).read_text(encoding="utf-8") if (folder / EVAL_TABLE).is_file() else \
        "_Not evaluated yet: run `make eval` (leave-one-report-out, cross-kind and dev splits)._\n"
    base_note = LICENCE if config.base_model == DEFAULT_BASE else "see the base model's own card for its licence"
    label_counts = ", ".join(f"{name} {data.get('labels', {}).get(name, 0)}" for name in LABEL_NAMES)
    inputs = config.inputs()
    design = ("windows of consecutive units of one part, `[CLS] context [SEP] s1 [SEP] s2 … [SEP]`, "
              f"up to {inputs.core} scored units and {inputs.margin} unit of context on each side, "
              f"{inputs.max_length} tokens" if inputs.design == "window" else
              f"(section context, unit) pairs, {inputs.max_length} tokens")
    card = f"""---
language: zh
library_name: transformers
pipeline_tag: token-classification
base_model: {config.base_model}
tags: [reportag, government-reports, sequential-sentence-classification]
---

# reportag sentence tagger

Tags each unit of a Chinese rule-of-law government annual report (法治政府建设年度报告) or
government work report (政府工作报告) as **measure 举措**, **achievement 成效**, **shortfall 不足**,
**plan 计划** or **other 其他**, following `labels/GUIDELINES.md` and the project's annotation guide.

## Base model and licence
- Base: `{config.base_model}` ({base_note}).
- A token-classification head fine-tuned with the `transformers` Trainer; a unit's logits are the mean
  of its tokens' logits (the unit's own tokens and the [SEP] after it).

## Input
- Design `{inputs.design}`: {design}.
- Frame {'on' if inputs.frame else 'off'}: {'years written relative to the year the report reviews (本年, 上年, 下年…) and the prescribed part of the report (本年工作, 存在不足, 下年安排…) named in the context' if inputs.frame else 'raw headings and years'}.
- The settings are in `config.json` under `reportag`; `infer.model.encode` reads them, for training and tagging alike.

## Data
- {data.get('units', '?')} labelled units from {data.get('reports', '?')} reports
  (sources: {data.get('sources', {})}); labels: {label_counts}.
- Held out (never trained on), for calibration: {', '.join(Path(r).name for r in validation.get('reports', [])) or 'none'}
  ({data.get('calibration_units', 0)} units; macro-F1 there {validation.get('macro_f1', float('nan')):.3f}).

## Training and calibration
epochs {config.epochs:g}, learning rate {config.learning_rate:g}, batch {config.batch_size} sequences, seed {config.seed},
class-weighted cross-entropy (inverse square-root frequency). Scores are divided by a temperature of
{metrics.get('temperature', 1.0):.3f} fitted on the held-out reports before the softmax (in every runtime).
Tagging runs the {'int8' if config.quantize else 'fp32'} ONNX export (`model.int8.onnx` / `model.onnx`) in ONNX Runtime,
one sequence at a time, so a unit's score never depends on the other sequences of a batch;
`model.safetensors` is the fp32 model for `from_pretrained`.

## Evaluation
{eval_table}
## Intended use
Reading many annual reports quickly: what was done, what came of it, what is still wrong,
and what is promised next, per report and across reports. A reader should check the
sentences that matter (`reportag tag --review-below 0.8` marks the unsure ones): the tagger is an aid, not an auditor.

## Limits
- Trained on few real reports (five seed reports of towns and districts) plus reports written by the
  project; reports of other kinds and other years score lower than the project's own splits (see above).
- The frame reads the year a report reviews from its title, headings or opening; when a report never
  says, raw years are kept.
- Labels follow the project's guide: an action with an explicit result is an achievement; next-year
  sections turn actions into plans.
"""
    atomic_write_text(folder / "README.md", card)
