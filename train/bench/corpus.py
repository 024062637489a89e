"""`make bench-corpus`: 3,000 reports, the local engine against Ray Data with 1 and 2 workers, and a local cluster.

The corpus is made at run time from copies of ../shared/corpus/reports and the seed
reports (never kept). Every run is a fresh `reportag tag DIR -o OUT/` process writing a
Parquet dataset; the peak memory is that of the whole process tree (Ray's workers and
services included), sampled every 0.2 s. Start-up is the same run on 10 reports. The
cluster run starts `ray start --head` on 127.0.0.1 and joins it with `--address`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path("../shared/corpus/reports")
SEEDS = Path("labels/reports")
RAY_PORT = 6391


def make_corpus(folder: Path, count: int) -> int:
    """`count` report files (copies under distinct names); returns their sentence units."""
    from infer.read import read_report
    from infer.segment import SENTENCE, segment

    pool = sorted(CORPUS.glob("*.txt")) + sorted(SEEDS.glob("*.txt"))
    units = {p: sum(u.kind == SENTENCE for u in segment(read_report(p))) for p in pool}
    folder.mkdir(parents=True)
    total = 0
    for i in range(count):
        source = pool[i % len(pool)]
        shutil.copy(source, folder / f"{i:05d}-{source.name}")
        total += units[source]
    return total


def measure(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak MB of the process tree) of one command."""
    import psutil

    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    peak = 0.0
    root = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.perf_counter() - start
    error = process.stderr.read()
    if process.returncode not in (0,):
        raise SystemExit(f"bench-corpus: {' '.join(command[3:8])}… failed:\n{error[-2000:]}")
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/reportag-default")
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--cluster-reports", type=int, default=300)
    args = parser.parse_args()
    tag = [sys.executable, "-m", "train.cli", "tag", "--model", args.model, "--quiet"]
    engines = {"local engine": [], "Ray, 1 worker × 2 threads": ["--engine", "ray", "--workers", "1", "--threads", "2"],
               "Ray, 2 workers × 1 thread": ["--engine", "ray", "--workers", "2", "--threads", "1"]}
    results = {}
    with tempfile.TemporaryDirectory(prefix="reportag-corpus-") as scratch:
        scratch = Path(scratch)
        units = make_corpus(scratch / "big", args.reports)
        make_corpus(scratch / "small", 10)
        print(f"{args.reports} reports ({units:,} sentence units), {os.cpu_count()} CPU cores; whole process trees")
        for name, extra in engines.items():
            startup, _ = measure([*tag, str(scratch / "small"), "-o", f"{scratch / 'out-s'}/", *extra])
            shutil.rmtree(scratch / "out-s")
            wall, peak = measure([*tag, str(scratch / "big"), "-o", f"{scratch / 'out'}/", *extra])
            shutil.rmtree(scratch / "out")
            results[name] = {"seconds": wall, "units_per_s": units / wall, "peak_mb": peak, "startup_s": startup}
            print(f"  {name:28} {wall:8.1f} s {units / wall:8.1f} units/s  peak {peak:7.0f} MB  "
                  f"10 reports: {startup:5.1f} s", flush=True)
        cluster = run_cluster(tag, scratch, args.cluster_reports)
    local = results["local engine"]["units_per_s"]
    print(f"{'':30} {'s':>8} {'units/s':>9} {'vs local':>9} {'peak MB':>8} {'10 reports (s)':>15}")
    for name, r in results.items():
        print(f"{name:30} {r['seconds']:8.1f} {r['units_per_s']:9.1f} {r['units_per_s'] / local:8.2f}x "
              f"{r['peak_mb']:8.0f} {r['startup_s']:15.1f}")
    print(f"local cluster (ray start --head on 127.0.0.1, then --address): {cluster}")
    per_worker = results["Ray, 2 workers × 1 thread"]["units_per_s"] / 2
    reports_per_s = per_worker / (units / args.reports)
    print(f"sizing: {per_worker:.0f} units/s per 1-CPU worker here, {reports_per_s:.2f} reports/s; 100,000 reports "
          f"(about {100_000 * units / args.reports / 1e6:.1f} M units) take {100_000 / reports_per_s / 3600:.0f} "
          f"worker-hours: {100_000 / reports_per_s / 3600 / 64:.1f} h on 64 workers")
    out = Path("runs/bench-corpus.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"reports": args.reports, "units": units, **results, "cluster": cluster}, indent=1))


def run_cluster(tag: list[str], scratch: Path, count: int) -> dict:
    """Start a one-machine cluster on 127.0.0.1, tag `count` reports through --address, stop it."""
    ray = Path(sys.executable).with_name("ray")
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    make_corpus(scratch / "cluster", count)
    subprocess.run([str(ray), "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(RAY_PORT),
                    "--num-cpus", str(os.cpu_count() or 2), "--include-dashboard", "false",
                    "--disable-usage-stats"], env=env, check=True, capture_output=True)
    try:
        wall, peak = measure([*tag, str(scratch / "cluster"), "-o", f"{scratch / 'out-c'}/", "--engine", "ray",
                              "--address", f"127.0.0.1:{RAY_PORT}", "--workers", "2"], env)
        import pyarrow.parquet as pq

        rows = pq.read_table(scratch / "out-c" / "tags").num_rows
        return {"reports": count, "seconds": round(wall, 1), "units": rows, "driver_peak_mb": round(peak)}
    finally:
        subprocess.run([str(ray), "stop"], env=env, capture_output=True)


if __name__ == "__main__":
    main()
