"""`make bench`: whole-process tagging speed and peak memory, reportag against a plain pipeline.

The fixed set: the first corpus reports (../shared/corpus/reports, sorted by name) that
together hold at least 1,000 sentences. Each run is a fresh process (imports and model
load included) that segments the reports and tags every sentence; runs repeat and the
median is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from infer.read import read_report
from infer.segment import SENTENCE, segment

CORPUS = Path("../shared/corpus/reports")
SEEDS = Path("labels/reports")

PLAIN_PIPELINE = r"""
import json, sys
from transformers import pipeline
from infer.predict import context_of
from infer.read import read_report
from infer.segment import segment
files, model = sys.argv[1:-1], sys.argv[-1]
classify = pipeline("text-classification", model=model, tokenizer=model, device=-1)
inputs = [{"text": context_of(u.heading), "text_pair": u.text} for f in files for u in segment(read_report(f))
          if u.kind == "sentence"]
labels = classify(inputs, batch_size=64, truncation=True)
print(len(labels), file=sys.stderr)
"""


def bench_files(minimum: int = 1000) -> tuple[list[Path], int]:
    pool = sorted(CORPUS.glob("*.txt")) or sorted(SEEDS.glob("*.txt")) * 3
    files, count = [], 0
    for path in pool:
        files.append(path)
        count += sum(unit.kind == SENTENCE for unit in segment(read_report(path)))
        if count >= minimum:
            break
    return files, count


def run_process(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident memory in MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if status != 0:
        raise SystemExit(f"bench: {' '.join(command[:3])}… failed:\n{error[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/reportag-default")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=1000)
    args = parser.parse_args()
    files, count = bench_files(args.sentences)
    reportag = [sys.executable, "-m", "infer.cli", "tag", *map(str, files), "--model", args.model,
                "--format", "jsonl", "--output", os.devnull]
    plain = [sys.executable, "-c", PLAIN_PIPELINE, *map(str, files), args.model]
    print(f"{count} sentences in {len(files)} reports, {args.repeat} runs each, {os.cpu_count()} CPU cores; "
          f"whole processes (imports and model load included)")
    results = {}
    for name, command in (("reportag tag", reportag), ("plain pipeline", plain)):
        runs = [run_process(command) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        results[name] = {"seconds": wall, "sentences_per_s": count / wall, "ms_per_report": 1000 * wall / len(files),
                         "peak_mb": max(r[1] for r in runs)}
    print(f"{'':16} {'s (median)':>10} {'sent/s':>8} {'ms/report':>10} {'peak MB':>8}")
    for name, r in results.items():
        print(f"{name:16} {r['seconds']:10.2f} {r['sentences_per_s']:8.1f} {r['ms_per_report']:10.0f} {r['peak_mb']:8.0f}")
    speedup = results["reportag tag"]["sentences_per_s"] / results["plain pipeline"]["sentences_per_s"]
    print(f"speed-up over the plain pipeline: {speedup:.2f}x")
    out = Path("runs/bench.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"sentences": count, "reports": len(files), **results, "speedup": speedup}, indent=1))


if __name__ == "__main__":
    main()
