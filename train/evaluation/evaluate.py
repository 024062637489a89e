"""`reportag eval`: model configurations and baselines on splits by report, over several seeds.

Splits (never by sentence):
- loro: leave-one-group-of-reports-out over the real reports (the five seed reports and the
  reports read through Label Studio; calibration reports excluded): `folds` groups, openings
  and work reports dealt round-robin by name so every group holds both; a fold trains on
  every other report (written passages included) and is scored on its held-out openings and
  work reports (pooled over the folds) and on the dev sets (one run per fold model).
- cross-kind: trained without any government work report (the project-written gwr-* and the
  real provincial ones), scored on the real work reports and the dev work report: a kind the
  model never saw.
- dev: trained on all labels, scored on ../shared/dev (other governments' reports and a
  national work report; read at evaluation time, never trained on).

Each model configuration is trained once per seed and split; the tables give mean ± sd
of macro-F1, mean per-label F1, the expected calibration error (ECE) of the scores and the
accuracy of the units scored 0.95 or more.
TF-IDF + LR and the section rule are trained on the same splits. The `val-*` reports are
held out of every training for calibration.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from infer.files import atomic_write_text
from infer.model.labels import LABEL_NAMES
from infer.inputs import infer_kind

from train.evaluation.baselines import SectionRule, TfidfLogReg
from train.model.calibrate import save_reliability_png
from train.model.config import CONFIGS, DEV_SETS, WORK_REPORT_PREFIX, EvalPlan, TrainConfig
from train.model.fit import Trained, split_by_report, train_model
from train.evaluation.metrics import predict, score, score_outcome, score_rows  # noqa: F401  (score_rows: one scorer on labelled documents)
from train.model.pooling import documents, framed_rows

@dataclass
class Split:
    name: str
    train_rows: list[dict]
    tests: dict[str, list[list[dict]]]  # test set name -> documents
    shared: frozenset[str] = frozenset()  # tests every fold scores (dev sets): one run per fold, not pooled


def load_dev(dev_dir: Path) -> dict[str, list[dict]]:
    sets = {}
    for name in DEV_SETS:
        path = dev_dir / f"{name}.jsonl"
        if not path.is_file():
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sets[name] = [{"report": r["doc"], "index": r["i"], "heading": r.get("heading") or "", "text": r["text"],
                       "label": r["label"], "kind": infer_kind(r["text"])} for r in rows]
    return sets


def plan_splits(rows: list[dict], plan: EvalPlan) -> list[list[Split]]:
    """The trainings to run, grouped: the folds of one split are pooled into one score."""
    groups: list[list[Split]] = []
    dev = load_dev(plan.dev_dir)
    if "loro" in plan.splits:
        groups.append(loro_splits(rows, dev, plan.folds))
    if "cross-kind" in plan.splits:
        is_work = [_is_work(r["report"]) for r in rows]
        kept = [r for r, w in zip(rows, is_work) if not w]
        tests = {"cross-kind: real work reports": documents([r for r, w in zip(rows, is_work)
                                                             if w and r.get("source") == "real"])}
        if "gwr-2024" in dev:
            tests["cross-kind: dev work report (gwr-2024)"] = documents(dev["gwr-2024"])
        groups.append([Split("cross-kind: no work report trained on", kept, {k: v for k, v in tests.items() if v})])
    if "dev" in plan.splits and dev:
        tests = {f"dev: {name}": documents(rows_) for name, rows_ in dev.items()}
        tests["dev (all)"] = [d for name in dev for d in tests[f"dev: {name}"]]
        groups.append([Split("dev", rows, tests)])
    return groups


def _is_work(report: str) -> bool:
    return Path(report).name.startswith(WORK_REPORT_PREFIX)


def loro_splits(rows: list[dict], dev: dict[str, list[dict]], folds: int) -> list[Split]:
    """Leave-one-group-out over the real reports (seed and real sources, calibration reports excluded).

    The openings and the work reports are each dealt round-robin by name into `folds` groups, so every
    group holds both kinds. Each split trains on the other reports of every source.
    """
    from train.model.fit import validation_reports

    calibration = validation_reports(rows)
    real = sorted({r["report"] for r in rows if r.get("source") in ("seed", "real")} - calibration)
    openings, works = [r for r in real if not _is_work(r)], [r for r in real if _is_work(r)]
    splits = []
    for fold in range(folds):
        held = set(openings[fold::folds]) | set(works[fold::folds])
        train_rows, test_rows = split_by_report(rows, held)
        is_work = [_is_work(r["report"]) for r in test_rows]
        tests = {"LORO: held-out rule-of-law reports": documents([r for r, w in zip(test_rows, is_work) if not w]),
                 "LORO: held-out work reports": documents([r for r, w in zip(test_rows, is_work) if w])}
        dev_tests = {f"dev: {name}": documents(rows_) for name, rows_ in dev.items()}
        splits.append(Split(f"LORO over real reports, fold {fold + 1} of {folds}", train_rows,
                            {k: v for k, v in {**tests, **dev_tests}.items() if v}, frozenset(dev_tests)))
    return splits


def run(rows: list[dict], plan: EvalPlan, log=print) -> dict:
    """All figures: {test set: {system: summary}}, saved under plan.out_dir after every seed.

    Seeds run outermost, so a long evaluation cut short keeps the figures of its finished seeds.
    """
    from train.model.pooling import taggable

    runs: dict[str, dict[str, list[dict]]] = {}
    configs = {name: CONFIGS[name] for name in plan.configs}
    if plan.adapted:
        first = plan.configs[0]
        configs[f"{first} + adapted"] = {**CONFIGS[first], "base_model": plan.adapted}
    groups = plan_splits(rows, plan)
    for group in groups:
        for split in group:
            for document in [d for docs in split.tests.values() for d in docs]:
                taggable(document)  # adds year and part, which the baselines read

    def record_group(group: list[Split], system: str, outcome_of) -> None:
        pooled: dict[str, tuple[list, list, list]] = {}
        for split in group:
            for test, docs in split.tests.items():
                outcome = outcome_of(split, docs)
                if test in split.shared:
                    _record(runs, test, system, outcome)
                else:
                    p, g, s = pooled.setdefault(test, ([], [], []))
                    p += outcome[0]
                    g += outcome[1]
                    s += outcome[2]
        for test, outcome in pooled.items():
            _record(runs, test, system, outcome)

    for group in groups:
        log(f"== {group[0].name}: baselines")
        for baseline_type in (SectionRule, TfidfLogReg):
            fitted = {id(split): baseline_type().fit(framed_rows(split.train_rows)) for split in group}
            record_group(group, baseline_type().name, lambda split, docs: predict(fitted[id(split)], docs))
    results: dict = {}
    for seed in plan.seeds:
        for group in groups:
            for config_name, settings in configs.items():
                log(f"== {group[0].name}: model [{config_name}] seed {seed}, {len(group)} training set(s)")
                trained_of = {}
                for split in group:
                    config = replace(plan.train, **settings, seed=seed, progress=False)
                    trained_of[id(split)] = train_model(split.train_rows, config, log=lambda *_: None)
                    if plan.onnx and config_name == plan.configs[0] and seed == plan.seeds[0] and split.name == "dev":
                        onnx = _onnx_scorer(trained_of[id(split)])
                        record_group([split], f"model [{config_name}, int8 ONNX]",
                                     lambda _, docs: predict(onnx, docs))
                    log(f"  {split.name}: trained")
                record_group(group, f"model [{config_name}]",
                             lambda split, docs: predict(trained_of[id(split)].scorer(), docs))
        results = {test: {system: summarise_runs(items) for system, items in systems.items()}
                   for test, systems in runs.items()}
        save_results(results, plan.out_dir)
        log(f"seed {seed} done: figures saved under {plan.out_dir}")
        log(markdown_report(results))
    return results


CONFIDENT = 0.95  # the score above which a unit's label should be right 95 times in 100


def _record(runs: dict, test: str, system: str, outcome) -> None:
    predicted, gold, scores = outcome
    result = score_outcome(predicted, gold, scores)
    confident = [p == g for p, g, s in zip(predicted, gold, scores) if s >= CONFIDENT]
    result["confident"] = {"n": len(confident), "accuracy": sum(confident) / len(confident) if confident else None}
    runs.setdefault(test, {}).setdefault(system, []).append(result)


def _onnx_scorer(trained: Trained):
    """The int8 ONNX export that tagging runs, saved and loaded as tagging loads it."""
    from infer.model.scorer import load_scorer

    from train.model.fit import save_model

    folder = Path(tempfile.mkdtemp(prefix="reportag-eval-onnx-")) / "model"
    save_model(trained, folder)
    return load_scorer(folder)


def summarise_runs(results: list[dict]) -> dict:
    """Mean ± sd over seeds of macro-F1 and ECE, mean per-label F1, summed confusion matrix."""
    macro = [r["macro_f1"] for r in results]
    eces = [r["calibration"]["ece"] for r in results]
    confusion = [[sum(r["confusion"][i][j] for r in results) for j in range(len(LABEL_NAMES))]
                 for i in range(len(LABEL_NAMES))]
    return {
        "runs": len(results), "n": results[0]["n"],
        "macro_f1": statistics.mean(macro), "macro_f1_sd": statistics.stdev(macro) if len(macro) > 1 else 0.0,
        "accuracy": statistics.mean(r["accuracy"] for r in results),
        "ece": statistics.mean(eces), "ece_sd": statistics.stdev(eces) if len(eces) > 1 else 0.0,
        "per_label": {label: {"f1": statistics.mean(r["per_label"][label]["f1"] for r in results),
                              "support": results[0]["per_label"][label]["support"]} for label in LABEL_NAMES},
        "confusion": confusion,
        "confident": _confident(results),
        "reliability": results[0]["calibration"],
        "macro_f1_runs": macro,
    }


def _confident(results: list[dict]) -> dict:
    """Units scored CONFIDENT or more over all runs: how many per run, and the share of them labelled right."""
    counted = [r["confident"] for r in results if r.get("confident", {}).get("n")]
    n = sum(c["n"] for c in counted)
    right = sum(c["n"] * c["accuracy"] for c in counted)
    return {"n": n / max(len(results), 1), "accuracy": right / n if n else None}


def save_results(results: dict, out_dir: Path) -> None:
    from train.evaluation.metrics import save_confusion_png

    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "metrics.json", json.dumps(results, ensure_ascii=False, indent=1))
    atomic_write_text(out_dir / "EVAL.md", markdown_report(results))
    for test, systems in results.items():
        models = {s: r for s, r in systems.items() if s.startswith("model [")}
        if models:
            best = max(models, key=lambda s: models[s]["macro_f1"])
            save_confusion_png(models[best]["confusion"], out_dir / f"confusion-{slug(test)}.png", f"{best}, {test}")
            save_reliability_png({s: r["reliability"] for s, r in models.items()},
                                 out_dir / f"reliability-{slug(test)}.png", test)


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def markdown_report(results: dict) -> str:
    """The evaluation tables (macro-F1 mean ± sd, per-label F1, ECE per test set and system), as Markdown."""
    lines = []
    for test, systems in results.items():
        n = next(iter(systems.values()))["n"]
        lines += [f"### {test} ({n} units)", "",
                  "| system | runs | macro-F1 | " + " | ".join(f"F1 {l}" for l in LABEL_NAMES)
                  + f" | ECE | right at ≥ {CONFIDENT} (units) |",
                  "|---|---|---|" + "---|" * len(LABEL_NAMES) + "---|---|"]
        for system, m in systems.items():
            cells = [f"{m['per_label'][l]['f1']:.2f}" if m["per_label"][l]["support"] else "–" for l in LABEL_NAMES]
            spread = f" ± {m['macro_f1_sd']:.3f}" if m["runs"] > 1 else ""
            ece = f"{m['ece']:.3f}" if system.startswith("model") else "–"
            confident = m.get("confident") or {}
            sure = (f"{confident['accuracy']:.3f} ({confident['n']:.0f})"
                    if system.startswith("model") and confident.get("accuracy") is not None else "–")
            lines.append(f"| {system} | {m['runs']} | {m['macro_f1']:.3f}{spread} | " + " | ".join(cells)
                         + f" | {ece} | {sure} |")
        lines.append("")
    lines.append("macro-F1 is over the labels present in the test set's references or predictions; – marks a "
                 "label absent from it. ECE: expected calibration error of the scores (10 bins, every unit). runs: seeds, "
                 "times the fold models for the dev sets of the LORO split. The last column: the share of the units "
                 f"scored {CONFIDENT} or more whose label is right, and how many units (per run) were scored so.")
    return "\n".join(lines) + "\n"


def evaluate_and_report(labels, plan: EvalPlan, card: Path | None, log=print) -> dict:
    """`reportag eval`: run the plan, print the tables, copy them into the model card."""
    from train.model.card import EVAL_TABLE, write_card
    from train.data import load_training_rows

    results = run(load_training_rows(labels), plan, log)
    table = markdown_report(results)
    log("\n" + table)
    log(f"saved {plan.out_dir / 'metrics.json'}, {plan.out_dir / 'EVAL.md'}, confusion matrices and reliability "
        "plots (PNG)")
    if card is not None and (card / "config.json").is_file():
        atomic_write_text(card / EVAL_TABLE, table)
        metrics_path = card / "metrics.json"
        metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
        metrics["evaluation"] = results
        atomic_write_text(metrics_path, json.dumps(metrics, ensure_ascii=False, indent=1))
        config = TrainConfig(**{k: v for k, v in json.loads((card / "train_config.json").read_text()).items()
                                if k in TrainConfig.__dataclass_fields__})
        write_card(card, config, metrics)
        log(f"updated the model card {card / 'README.md'}")
    return results
