"""Measures `reportag track` on the labelled promises (labels/promises/): evidence recall@3 and status accuracy.

    python -m train.evaluation.track_eval                       # every method on the held-out pairs, tuned on TUNE
    python -m train.evaluation.track_eval --time 28             # also: `reportag track` on 28 tagged pairs, whole process
    python -m train.evaluation.track_eval --agreement labels/promises/second-reading/readerB.jsonl   # two readers compared

Each labelled promise names its pair of reports (in ../shared/corpus/provinces), its
evidence units in the later report (or none) and its status, decided by a reader. For
each method (embedding, BM25, combined) the promise's text is ranked against the
tracker's evidence candidates of the later report (measure and achievement units outside
its plan and shortfall parts); recall@3 counts a promise with evidence as found when one
of its evidence units is in the top 3; status accuracy compares infer.track.status's verdict
with the reader's. The threshold and the combination weight are chosen on the TUNE pairs
only, and the figures quoted are those of the other pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from infer.track.embed import Embedder
from infer.track.match import rank, strength
from infer.track.pairs import Pair
from infer.track.status import judge
from infer.track.promises import evidence_of, figure_units, promises_of
from infer.track.inputs import load_reports
from infer.track.review import FIVE_YEARS

CORPUS = Path("../shared/corpus/provinces")
TUNE = ("anhui", "beijing", "shanghai", "zhejiang")  # the pairs the threshold and weight are chosen on
THRESHOLDS = tuple(round(0.10 + 0.01 * i, 2) for i in range(81))  # bm25 alone needs lower ones than the combined score
STRENGTH_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


class Memo:
    """An embedder that embeds each text once (the methods and weights tried share the vectors)."""

    def __init__(self, embedder: Embedder):
        self.embedder, self.vectors = embedder, {}

    def embed(self, texts):
        import numpy as np

        todo = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        for text, vector in zip(todo, self.embedder.embed(todo) if todo else []):
            self.vectors[text] = vector
        return np.stack([self.vectors[t] for t in texts])


def load_set(folder: Path = Path(__file__).resolve().parents[2] / "labels" / "promises") -> dict[str, list[dict]]:
    """{province: its labelled promises}."""
    return {path.stem: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            for path in sorted(folder.glob("*.jsonl"))}


def first_reading(item: dict) -> dict:
    """The first reader's label of a dev-set line: its `readers` entry when a second reading was settled."""
    first = (item.get("readers") or {}).get("track")
    return first if first else {"status": item["status"], "evidence": [e["index"] for e in item["evidence"]]}


def agreement(first: list[dict], second: list[dict]) -> dict:
    """How far two readers agree on the same promises (lists aligned by position).

    Each label is a dict with `status` and `evidence` (unit indexes, or dicts with `index`).
    Returns status agreement (share of equal statuses), Cohen's kappa on the statuses, the share
    of promises where both found evidence or both found none, and, of those where both found
    some, the share that name at least one unit in common. Raises ValueError on lists of
    different lengths or empty lists.
    """
    from sklearn.metrics import cohen_kappa_score

    if len(first) != len(second) or not first:
        raise ValueError(f"two readings of {len(first)} and {len(second)} promises cannot be compared")

    def units(label: dict) -> set[int]:
        return {e["index"] if isinstance(e, dict) else int(e) for e in label["evidence"]}

    a, b = [x["status"] for x in first], [x["status"] for x in second]
    both = [(units(x), units(y)) for x, y in zip(first, second)]
    found_by_both = [(x, y) for x, y in both if x and y]
    kappa = cohen_kappa_score(a, b) if len(set(a) | set(b)) > 1 else 1.0
    return {"promises": len(a), "status_agreement": round(sum(x == y for x, y in zip(a, b)) / len(a), 3),
            "status_equal": sum(x == y for x, y in zip(a, b)), "cohen_kappa": round(float(kappa), 3),
            "evidence_or_none_agreement": round(sum(bool(x) == bool(y) for x, y in both) / len(both), 3),
            "both_found_evidence": len(found_by_both),
            "share_a_unit": round(sum(bool(x & y) for x, y in found_by_both) / max(len(found_by_both), 1), 3),
            "differences": dict(Counter(f"{x} / {y}" for x, y in zip(a, b) if x != y))}


def compare_readers(second_path: Path) -> dict:
    """The first reading of the dev set (labels/promises) against a second reader's file, by (report, index)."""
    second = [json.loads(line) for line in second_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    first = {(item["promise_report"], item["index"]): item for items in load_set().values() for item in items}
    missing = [(s["promise_report"], s["index"]) for s in second if (s["promise_report"], s["index"]) not in first]
    if missing:
        raise ValueError(f"{second_path}: promises not in the dev set: {missing[:3]}")
    return agreement([first_reading(first[(s["promise_report"], s["index"])]) for s in second], second)


def tagged_reports(names: list[str], model: str | None, cache: Path) -> dict[str, object]:
    """Reports by file name, tagged once with the model and kept as JSONL in `cache` (model None: framed only)."""
    from infer.frame import frame_rows
    from infer.track.pairs import Report
    from infer.inputs import read_documents
    from infer.outputs.write import to_jsonl

    if model is None:
        reports = {}
        for name in names:
            document = read_documents(CORPUS / name)[0]
            reports[name] = Report(name, document.rows, frame_rows(document.rows))
        return reports

    cache.mkdir(parents=True, exist_ok=True)
    reports = {}
    for name in names:
        tagged = cache / (Path(name).stem + ".jsonl")
        if not tagged.exists():
            [report] = load_reports([str(CORPUS / name)], model)
            for row in report.rows:
                row["report"] = name
            tagged.write_text(to_jsonl(report.rows), encoding="utf-8")
        [report] = load_reports([str(tagged)])
        reports[name] = report
    return reports


def score_pair(items: list[dict], pair: Pair, embedder: Embedder, method: str, weight: float,
               by_label: bool = True) -> list[dict]:
    """Per labelled promise: the ranked evidence (index, cosine) and the reader's labels."""
    candidates = evidence_of(pair.review, by_label)
    texts = [c["text"] for c in candidates]
    promises = [item["promise"] for item in items]
    pv = embedder.embed(promises) if method != "bm25" else None
    cv = embedder.embed(texts) if method != "bm25" else None
    ranked = rank(promises, texts, pv, cv, method, k=len(texts), weight=weight)
    selected = {p["index"] for p in promises_of(pair.promise, by_label)}

    def shown(units):
        return [(candidates[i]["index"], cos, candidates[i]["text"], shared, candidates[i]["review"] == FIVE_YEARS)
                for i, cos, _, shared in units]

    return [{"item": item, "top": shown(every[:3]),
             "extra": shown(figure_units(item["promise"], every[:3], every[3:], candidates)),
             "candidates": {c["index"] for c in candidates}, "selected": item["index"] in selected}
            for item, every in zip(items, ranked)]


def measure(scored: list[dict], threshold: float, strength_weight: float) -> dict:
    """recall@3, status accuracy and their counts for promises scored by `score_pair`."""
    with_evidence = [s for s in scored if s["item"]["evidence"]]
    found = sum(any(i in {e["index"] for e in s["item"]["evidence"]} for i, *_ in s["top"]) for s in with_evidence)
    reachable = sum(any(e["index"] in s["candidates"] for e in s["item"]["evidence"]) for s in with_evidence)
    right, confusion = 0, Counter()
    for s in scored:
        units = s["top"] + s.get("extra", [])  # recall counts the top 3; the status reads a figure's unit too
        best = max((strength(cos, shared, strength_weight) for _, cos, _, shared, _ in s["top"]), default=0.0)
        verdict = judge(s["item"]["promise"], [t for _, _, t, _, _ in units], best, threshold,
                        [five for *_, five in units])
        right += verdict.status == s["item"]["status"]
        confusion[(s["item"]["status"], verdict.status)] += 1
    return {"promises": len(scored), "with_evidence": len(with_evidence),
            "recall@3": round(found / max(len(with_evidence), 1), 3),
            "evidence_among_candidates": round(reachable / max(len(with_evidence), 1), 3),
            "status_accuracy": round(right / max(len(scored), 1), 3),
            "selected_as_promise": round(sum(s["selected"] for s in scored) / max(len(scored), 1), 3),
            "confusion": {f"{a} → {b}": n for (a, b), n in sorted(confusion.items())}}


def evaluate(model: str | None, encoder: str, cache: Path) -> dict:  # model None: parts instead of tags
    """Every method: tuned on TUNE, measured on the other pairs (and on all, for reference)."""
    data = load_set()
    names = sorted({n for items in data.values() for item in items
                    for n in (item["promise_report"], item["review_report"])})
    reports = tagged_reports(names, model, cache)
    embedder = Memo(Embedder(encoder))
    results = {}
    for method in ("embedding", "bm25", "combined"):
        best = None
        for weight in (WEIGHTS if method == "combined" else (1.0,)):
            scored = defaultdict(list)
            for province, items in data.items():
                by_pair = defaultdict(list)
                for item in items:
                    by_pair[(item["promise_report"], item["review_report"])].append(item)
                for (a, b), group in by_pair.items():
                    scored[province].extend(score_pair(group, Pair(reports[a], reports[b]), embedder, method, weight,
                                                       by_label=model is not None))
            tune = [s for p in TUNE for s in scored[p]]
            for strength_weight in STRENGTH_WEIGHTS:
                for threshold in THRESHOLDS:
                    figures = measure(tune, threshold, strength_weight)
                    key = (figures["recall@3"], figures["status_accuracy"])
                    if best is None or key > best[0]:
                        best = (key, weight, strength_weight, threshold, scored)
        _, weight, strength_weight, threshold, scored = best
        held = [s for p in scored if p not in TUNE for s in scored[p]]
        results[method] = {"weight": weight, "strength_weight": strength_weight, "threshold": threshold,
                           "tune": measure([s for p in TUNE for s in scored[p]], threshold, strength_weight),
                           "held_out": measure(held, threshold, strength_weight),
                           "held_out_pairs": sorted(p for p in scored if p not in TUNE)}
    return results


def time_pairs(n: int, model: str | None, cache: Path) -> dict:
    """`reportag track` on the tagged JSONL of n province pairs, timed as a whole process."""
    provinces = sorted(p.name[len("gwr-2025-"):-4] for p in CORPUS.glob("gwr-2025-*.txt")
                       if (CORPUS / p.name.replace("2025", "2026")).exists())[:n]
    names = [f"gwr-{y}-{p}.txt" for p in provinces for y in (2025, 2026)]
    tagged_reports(names, model, cache)
    files = [str(cache / (Path(name).stem + ".jsonl")) for name in names]
    out = cache.parent / "track-time.jsonl"
    pairs = cache.parent / "pairs.csv"  # the corpus index names every body; some reports' frames do not
    pairs.write_text("promise_report,review_report\n" + "".join(f"gwr-2025-{p}.txt,gwr-2026-{p}.txt\n"
                                                                for p in provinces), encoding="utf-8")
    command = [sys.executable, "-m", "train.cli", "track", *files, "--pairs", str(pairs), "-o", str(out), "-q"]
    if model:
        command += ["--model", model]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    return {"pairs_given": len(provinces), "pairs_tracked": len({r["promise_report"] for r in rows}),
            "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "load_average": os.getloadavg()[0],
            "promises": len(rows), "exit": done.returncode,
            "statuses": dict(Counter(r["status"] for r in rows)),
            "stderr_tail": done.stderr.strip().splitlines()[-3:]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/reportag-default", help="the tagging model")
    parser.add_argument("--untagged", action="store_true", help="choose promises and evidence by part, not by tag")
    parser.add_argument("--encoder", default=None, help="a sentence encoder folder (default: the model's encoder/)")
    parser.add_argument("--cache", default="runs/track/tagged", help="where tagged reports are kept")
    parser.add_argument("--time", type=int, default=0, metavar="N", help="also time `reportag track` on N pairs")
    parser.add_argument("--out", default="runs/track/metrics.json")
    parser.add_argument("--agreement", type=Path, metavar="JSONL", help="only compare a second reading with the first")
    args = parser.parse_args(argv)
    if args.agreement:
        print(json.dumps(compare_readers(args.agreement), ensure_ascii=False, indent=2))
        return
    encoder = args.encoder or str(Path(args.model) / "encoder")
    results = evaluate(None if args.untagged else args.model, encoder, Path(args.cache))
    if args.time:
        results["time"] = time_pairs(args.time, args.model, Path(args.cache))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
