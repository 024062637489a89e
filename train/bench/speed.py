"""`make bench`: whole-process tagging speed and peak memory, both designs against plain transformers.

The fixed set: 1,000 sentence units of the first corpus reports (../shared/corpus/reports,
sorted by name), given as JSONL rows (report, index, heading, text) in reading order. Each
run is a fresh process (imports and model load included) that tags every row; runs repeat
and the median is reported. The pair design runs the same network with pair inputs (a
copy of the model folder whose settings say `pair`): speed does not depend on the weights.
The plain baseline is transformers in PyTorch, fp32, (context, sentence) pairs in
batches of 64, without ONNX or reportag's windows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from infer.read import read_report
from infer.segment import SENTENCE, segment

from train.bench.peak import run_measured

CORPUS = Path("../shared/corpus/reports")
SEEDS = Path("labels/reports")

PLAIN = r"""
import json, sys, torch
from transformers import AutoModelForTokenClassification, AutoTokenizer
from infer.model.encode import context_of
path, model_dir = sys.argv[1:]
rows = [json.loads(line) for line in open(path, encoding="utf-8")]
tokenizer = AutoTokenizer.from_pretrained(model_dir)
model = AutoModelForTokenClassification.from_pretrained(model_dir).eval()
labels = []
with torch.inference_mode():
    for start in range(0, len(rows), 64):
        batch = rows[start:start + 64]
        inputs = tokenizer([context_of(r, None) for r in batch], [r["text"] for r in batch], truncation=True,
                           max_length=128, padding=True, return_tensors="pt")
        logits = model(**inputs).logits
        mask = (inputs["token_type_ids"] == 1).unsqueeze(-1)
        labels += ((logits * mask).sum(1) / mask.sum(1)).argmax(-1).tolist()
print(len(labels), file=sys.stderr)
"""


def bench_rows(minimum: int = 1000) -> list[dict]:
    """Sentence units of the first corpus reports, in reading order, until `minimum`."""
    pool = sorted(CORPUS.glob("*.txt")) or sorted(SEEDS.glob("*.txt"))
    rows: list[dict] = []
    for path in pool:
        for unit in segment(read_report(path)):
            if unit.kind == SENTENCE:
                rows.append({"report": path.name, "index": unit.index, "heading": unit.heading, "text": unit.text})
                if len(rows) >= minimum:
                    return rows
    return rows


def run_process(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident memory in MB) of one child process."""
    done = run_measured(command)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command[:4])}… failed:\n{done.stderr[-2000:]}")
    return done.seconds, done.peak_mb


def pair_twin(model: Path, folder: Path) -> Path:
    """A copy of the model folder that reads (context, unit) pairs: the pair design on the same network."""
    from infer.model.encode import InputSettings

    twin = folder / "pair-design"
    shutil.copytree(model, twin)
    config = json.loads((twin / "config.json").read_text(encoding="utf-8"))
    frame = config["reportag"]["inputs"]["frame"]
    config["reportag"]["inputs"] = InputSettings.pair(frame).to_dict()
    (twin / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
    return twin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/reportag-default")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=1000)
    args = parser.parse_args()
    model = Path(args.model)
    rows = bench_rows(args.sentences)
    with tempfile.TemporaryDirectory(prefix="reportag-bench-") as scratch:
        source = Path(scratch) / "sentences.jsonl"
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        design = json.loads((model / "config.json").read_text())["reportag"]["inputs"]["design"]
        tag = [sys.executable, "-m", "infer.cli", "tag", str(source), "--format", "jsonl", "--output", os.devnull,
               "--quiet", "--model"]
        commands = {f"reportag tag ({design})": [*tag, str(model)]}
        if design != "pair":
            commands["reportag tag (pair)"] = [*tag, str(pair_twin(model, Path(scratch)))]
        commands["plain transformers"] = [sys.executable, "-c", PLAIN, str(source), str(model)]
        print(f"{len(rows)} sentences of {len({r['report'] for r in rows})} reports as JSONL, {args.repeat} runs "
              f"each, {os.cpu_count()} CPU cores; whole processes (imports and model load included)")
        results = {}
        for name, command in commands.items():
            runs = [run_process(command) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            results[name] = {"seconds": wall, "sentences_per_s": len(rows) / wall, "peak_mb": max(r[1] for r in runs)}
    print(f"{'':28} {'s (median)':>10} {'sent/s':>8} {'peak MB':>8}")
    for name, r in results.items():
        print(f"{name:28} {r['seconds']:10.2f} {r['sentences_per_s']:8.1f} {r['peak_mb']:8.0f}")
    plain = results["plain transformers"]["sentences_per_s"]
    for name in results:
        if name != "plain transformers":
            print(f"{name}: {results[name]['sentences_per_s'] / plain:.2f}x the plain pipeline")
    out = Path("runs/bench.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"sentences": len(rows), **results}, indent=1))


if __name__ == "__main__":
    main()
