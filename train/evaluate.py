"""`reportag eval`: leave-one-report-out over the seed reports, and the dev set of other governments.

Every system is trained on the same labels and splits: the fine-tuned model (with and
without the section context, and with seed data only), its int8-quantised form, TF-IDF
character n-grams + logistic regression, and the section rule. Splits are by report,
never by sentence; the dev reports are read from ../shared/dev/ and never trained on.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from infer.files import atomic_write_text
from infer.labels import LABEL_NAMES
from infer.predict import Predictor, argmax
from infer.segment import heading_level

from .baselines import SectionRule, TfidfLogReg
from .export import export_onnx
from .fit import TrainConfig, fit, pick_validation_report, split_by_report
from .metrics import score

DEV_DIR = Path("../shared/dev")
DEV_SETS = ("pool-dev", "gwr-2024")
VALIDATION_PREFIX = "val-"  # project-written reports kept for early stopping, never trained on


@dataclass
class EvalPlan:
    contexts: tuple[str, ...] = ("section", "none")
    loro: bool = True
    dev: bool = True
    dev_dir: Path = DEV_DIR
    out_dir: Path = Path("runs/eval")
    train: TrainConfig = field(default_factory=TrainConfig)


def load_dev(dev_dir: Path) -> dict[str, list[dict]]:
    sets = {}
    for name in DEV_SETS:
        path = dev_dir / f"{name}.jsonl"
        if not path.is_file():
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sets[name] = [{"report": r["doc"], "index": r["i"], "heading": r.get("heading") or "", "text": r["text"],
                       "label": r["label"], "kind": "heading" if heading_level(r["text"]) is not None else "sentence"}
                      for r in rows]
    if sets:
        sets["dev (all)"] = [row for rows in sets.values() for row in rows]
    return sets


def validation_reports(rows: list[dict]) -> set[str]:
    """Reports held out for early stopping: project-written `val-*` reports, else one seed report."""
    written = {r["report"] for r in rows if r.get("source") == "written" and Path(r["report"]).name.startswith(VALIDATION_PREFIX)}
    if written:
        return written
    return {pick_validation_report(rows)}


def train_model(rows: list[dict], config: TrainConfig):
    val = validation_reports(rows)
    train_rows, val_rows = split_by_report(rows, val)
    model, tokenizer, history = fit(train_rows, val_rows, config)
    return Predictor(model, tokenizer, config.context, config.max_length, "eval"), history


def predict_labels(predictor: Predictor, rows: list[dict]) -> list[str]:
    probs = predictor.predict_proba([r["heading"] for r in rows], [r["text"] for r in rows])
    return [predictor.labels[argmax(p)] for p in probs]


def quantized(predictor: Predictor, folder: Path):
    """The int8 ONNX export that tagging uses, loaded as tagging loads it."""
    from infer.predict import OnnxPredictor

    folder.mkdir(parents=True, exist_ok=True)
    onnx_file = export_onnx(copy.deepcopy(predictor.model), predictor.tokenizer, folder, quantize=True)
    predictor.tokenizer.save_pretrained(folder)
    settings = {"context": predictor.context, "max_length": predictor.max_length}
    return OnnxPredictor.load(folder, onnx_file, settings, predictor.labels)


def run(rows: list[dict], plan: EvalPlan, log=print) -> dict:
    """All figures: {split: {system: metrics}}, also saved under plan.out_dir."""
    results: dict[str, dict[str, dict]] = {}
    predictions: dict[str, dict[str, list[str]]] = {}

    def record(split: str, system: str, predicted: list[str], gold: list[str]) -> None:
        results.setdefault(split, {})[system] = score(predicted, gold)
        predictions.setdefault(split, {})[system] = predicted
        log(f"  {split:<12} {system:<28} macro-F1 {results[split][system]['macro_f1']:.3f}")

    seeds = sorted({r["report"] for r in rows if r.get("source") == "seed"})
    if plan.loro:
        log(f"leave-one-report-out over {len(seeds)} seed reports")
        pooled: dict[str, list[str]] = {}
        gold: list[str] = []
        for held in seeds:
            train_rows, test_rows = split_by_report(rows, {held})
            gold += [r["label"] for r in test_rows]
            log(f" fold: {Path(held).name} ({len(test_rows)} units held out)")
            pooled.setdefault("section rule", []).extend(SectionRule().fit(train_rows).predict(test_rows))
            for context in plan.contexts:
                pooled.setdefault(f"TF-IDF + LR [{context}]", []).extend(
                    TfidfLogReg(context).fit(train_rows).predict(test_rows))
                predictor, _ = train_model(train_rows, replace(plan.train, context=context, progress=False))
                pooled.setdefault(f"model [{context}]", []).extend(predict_labels(predictor, test_rows))
        for system, predicted in pooled.items():
            record("LORO seeds", system, predicted, gold)

    dev_sets = load_dev(plan.dev_dir) if plan.dev else {}
    if dev_sets:
        log(f"dev: trained on all {len(seeds)} seed reports (+ project-written data), scored on {plan.dev_dir}")
        systems = {"section rule": SectionRule().fit(rows)}
        for context in plan.contexts:
            systems[f"TF-IDF + LR [{context}]"] = TfidfLogReg(context).fit(rows)
        seed_rows = [r for r in rows if r.get("source") == "seed"]
        if len(seed_rows) < len(rows):
            systems["TF-IDF + LR [section, seeds only]"] = TfidfLogReg("section").fit(seed_rows)
        scratch = tempfile.mkdtemp(prefix="reportag-eval-onnx-")
        for context in plan.contexts:
            predictor, _ = train_model(rows, replace(plan.train, context=context, progress=False))
            systems[f"model [{context}]"] = predictor
            if context == "section":
                systems["model [section, int8 ONNX]"] = quantized(predictor, Path(scratch))
        if len(seed_rows) < len(rows):
            predictor, _ = train_model(seed_rows, replace(plan.train, context="section", progress=False))
            systems["model [section, seeds only]"] = predictor
        for split, dev_rows in dev_sets.items():
            gold = [r["label"] for r in dev_rows]
            for system, model in systems.items():
                predicted = model.predict(dev_rows) if hasattr(model, "predict") else predict_labels(model, dev_rows)
                record(split, system, predicted, gold)

        shutil.rmtree(scratch, ignore_errors=True)

    plan.out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(plan.out_dir / "metrics.json", json.dumps(results, ensure_ascii=False, indent=1))
    atomic_write_text(plan.out_dir / "EVAL.md", markdown_report(results))
    for split in results:
        if "model [section]" in results[split]:
            save_confusion_png(results[split]["model [section]"]["confusion"],
                               plan.out_dir / f"confusion-{slug(split)}.png", f"model [section], {split}")
    return results


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


def markdown_report(results: dict) -> str:
    """The evaluation table (macro-F1 and per-label F1 per split and system), as Markdown."""
    lines = []
    for split, systems in results.items():
        n = next(iter(systems.values()))["n"]
        lines += [f"### {split} ({n} units)", "",
                  "| system | macro-F1 | accuracy | " + " | ".join(f"F1 {l}" for l in LABEL_NAMES) + " |",
                  "|---|---|---|" + "---|" * len(LABEL_NAMES)]
        for system, m in systems.items():
            cells = [f"{m['per_label'][l]['f1']:.2f}" if m["per_label"][l]["support"] else "–" for l in LABEL_NAMES]
            lines.append(f"| {system} | {m['macro_f1']:.3f} | {m['accuracy']:.3f} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("macro-F1 is over the labels present in the split's references or predictions; "
                 "– marks a label absent from the split.")
    return "\n".join(lines) + "\n"


def save_confusion_png(matrix: list[list[int]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.5, 4.8))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(LABEL_NAMES)), LABEL_NAMES, rotation=30)
    axes.set_yticks(range(len(LABEL_NAMES)), LABEL_NAMES)
    axes.set_xlabel("predicted")
    axes.set_ylabel("annotated")
    axes.set_title(title)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            axes.text(j, i, str(value), ha="center", va="center", color="white" if value > max(map(max, matrix)) / 2 else "black")
    figure.colorbar(image)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
