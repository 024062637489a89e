"""`reportag eval`: model configurations and baselines on splits by report, over several seeds.

Splits (never by sentence):
- LORO seeds: each of the five seed reports held out in turn; a fold trains on the other
  four and the project-written reports (predictions pooled over the folds).
- real: every 4th real report (read through Label Studio) held out; trained on the rest and
  scored on the held-out openings, the held-out work reports and the dev sets.
- cross-kind: trained without the project-written government work reports (gwr-*),
  scored on the work report of the dev set: a kind the model never saw.
- dev: trained on all labels, scored on ../shared/dev (other governments' reports and a
  national work report; read at evaluation time, never trained on).

Each model configuration is trained once per seed and split; the tables give mean ± sd
of macro-F1, mean per-label F1 and the expected calibration error (ECE) of the scores.
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
from train.model.calibrate import reliability, save_reliability_png
from train.model.config import CONFIGS, DEV_SETS, REAL_TEST_EVERY, WORK_REPORT_PREFIX, EvalPlan, TrainConfig
from train.model.fit import Trained, split_by_report, train_model
from train.evaluation.metrics import predict, score, score_rows  # noqa: F401  (score_rows: one scorer on labelled documents)
from train.model.pooling import documents, framed_rows

@dataclass
class Split:
    name: str
    train_rows: list[dict]
    tests: dict[str, list[list[dict]]]  # test set name -> documents


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
    seeds = sorted({r["report"] for r in rows if r.get("source") == "seed"})
    if "loro" in plan.splits:
        groups.append([Split("LORO seeds", *_hold(rows, {held})) for held in seeds])
    dev = load_dev(plan.dev_dir)
    if "real" in plan.splits:
        groups.append([real_split(rows, dev)])
    if "cross-kind" in plan.splits and "gwr-2024" in dev:
        kept = [r for r in rows if not Path(r["report"]).name.startswith(WORK_REPORT_PREFIX)]
        groups.append([Split("cross-kind: work report, never trained on one", kept,
                             {"cross-kind (gwr-2024)": documents(dev["gwr-2024"])})])
    if "dev" in plan.splits and dev:
        tests = {f"dev: {name}": documents(rows_) for name, rows_ in dev.items()}
        tests["dev (all)"] = [d for name in dev for d in tests[f"dev: {name}"]]
        groups.append([Split("dev", rows, tests)])
    return groups


def real_split(rows: list[dict], dev: dict[str, list[dict]]) -> Split:
    """Every REAL_TEST_EVERY-th real report (by name; calibration reports excluded) held out: trained on the
    rest of every source, scored on the held-out openings, the held-out work reports and the dev sets."""
    from train.model.fit import validation_reports

    calibration = validation_reports(rows)
    real = sorted({r["report"] for r in rows if r.get("source") == "real"} - calibration)
    held = set(real[::REAL_TEST_EVERY])
    train_rows, test_rows = split_by_report(rows, held)
    is_work = [Path(r["report"]).name.startswith(WORK_REPORT_PREFIX) for r in test_rows]
    tests = {"real: held-out openings": documents([r for r, w in zip(test_rows, is_work) if not w]),
             "real: held-out work reports": documents([r for r, w in zip(test_rows, is_work) if w])}
    tests.update({f"dev: {name}": documents(rows_) for name, rows_ in dev.items()})
    return Split("real: held-out real reports", train_rows, {k: v for k, v in tests.items() if v})


def _hold(rows: list[dict], held: set[str]) -> tuple[list[dict], dict]:
    train_rows, test_rows = split_by_report(rows, held)
    return train_rows, {"LORO seeds": documents(test_rows)}


def run(rows: list[dict], plan: EvalPlan, log=print) -> dict:
    """All figures: {test set: {system: summary}}, also saved under plan.out_dir."""
    from train.model.pooling import taggable

    runs: dict[str, dict[str, list[dict]]] = {}
    configs = {name: CONFIGS[name] for name in plan.configs}
    if plan.adapted:
        first = plan.configs[0]
        configs[f"{first} + adapted"] = {**CONFIGS[first], "base_model": plan.adapted}

    def record(test: str, system: str, result: dict) -> None:
        runs.setdefault(test, {}).setdefault(system, []).append(result)

    for group in plan_splits(rows, plan):
        name = group[0].name
        log(f"== {name}: {len(group)} training set(s)")
        pooled: dict[tuple[str, str], tuple[list, list, list]] = {}

        def add(test: str, system: str, outcome) -> None:
            p, g, s = pooled.setdefault((test, system), ([], [], []))
            p += outcome[0]
            g += outcome[1]
            s += outcome[2]

        for split in group:
            for document in [d for docs in split.tests.values() for d in docs]:
                taggable(document)  # adds year and part, which the baselines read
            framed = framed_rows(split.train_rows)
            for baseline in (SectionRule().fit(framed), TfidfLogReg().fit(framed)):
                for test, docs in split.tests.items():
                    add(test, baseline.name, predict(baseline, docs))
            for config_name, settings in configs.items():
                for seed in plan.seeds:
                    config = replace(plan.train, **settings, seed=seed, progress=False)
                    trained = train_model(split.train_rows, config, log=lambda *_: None)
                    for test, docs in split.tests.items():
                        outcome = predict(trained.scorer(), docs)
                        add(test, f"model [{config_name}] seed {seed}", outcome)
                        log(f"  {test:<28} model [{config_name}] seed {seed}: macro-F1 "
                            f"{score(outcome[0], outcome[1])['macro_f1']:.3f}")
                    if plan.onnx and config_name == plan.configs[0] and seed == plan.seeds[0] and name == "dev":
                        onnx = _onnx_scorer(trained)
                        for test, docs in split.tests.items():
                            add(test, f"model [{config_name}, int8 ONNX]", predict(onnx, docs))
        for (test, system), (p, g, s) in pooled.items():
            result = score(p, g)
            result["calibration"] = reliability(s, [a == b for a, b in zip(p, g)])
            record(test, system.rsplit(" seed ", 1)[0], result)
    results = {test: {system: summarise_runs(items) for system, items in systems.items()}
               for test, systems in runs.items()}
    save_results(results, plan.out_dir)
    return results


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
        "reliability": results[0]["calibration"],
        "macro_f1_runs": macro,
    }


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
                  "| system | runs | macro-F1 | " + " | ".join(f"F1 {l}" for l in LABEL_NAMES) + " | ECE |",
                  "|---|---|---|" + "---|" * len(LABEL_NAMES) + "---|"]
        for system, m in systems.items():
            cells = [f"{m['per_label'][l]['f1']:.2f}" if m["per_label"][l]["support"] else "–" for l in LABEL_NAMES]
            spread = f" ± {m['macro_f1_sd']:.3f}" if m["runs"] > 1 else ""
            ece = f"{m['ece']:.3f}" if system.startswith("model") else "–"
            lines.append(f"| {system} | {m['runs']} | {m['macro_f1']:.3f}{spread} | " + " | ".join(cells)
                         + f" | {ece} |")
        lines.append("")
    lines.append("macro-F1 is over the labels present in the test set's references or predictions; – marks a "
                 "label absent from it. ECE: expected calibration error of the scores (10 bins, every unit).")
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
