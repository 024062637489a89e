"""The Ray engine on a real local Ray runtime: the same answers as the local engine, resumable after kills."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    for path in sorted(CORPUS.glob("report-*.txt"))[:24]:
        shutil.copy(path, folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    return folder


def reportag(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "train.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, **kwargs)


def read(folder):
    import pyarrow.parquet as pq

    return pq.read_table(folder / "tags").to_pylist(), pq.read_table(folder / "errors").to_pylist()


def by_unit(rows):
    return {(r["report_hash"], r["index"]): r for r in rows}


def test_ray_equals_the_local_engine_and_resumes(tiny_model, corpus, tmp_path):
    local = reportag("tag", corpus, "-m", tiny_model, "-o", f"{tmp_path / 'local'}/", "--quiet")
    ray = reportag("tag", corpus, "-m", tiny_model, "-o", f"{tmp_path / 'ray'}/", "--engine", "ray", "--workers", "2")
    assert local.returncode == ray.returncode == 2, ray.stderr
    assert "broken.pdf: not a readable PDF" in ray.stderr and "Traceback" not in ray.stderr
    assert len([line for line in ray.stderr.splitlines() if "core_worker" in line or "Warning" in line]) == 0
    local_rows, local_errors = read(tmp_path / "local")
    ray_rows, ray_errors = read(tmp_path / "ray")
    assert [e["report"] for e in ray_errors] == [e["report"] for e in local_errors] == [str(corpus / "broken.pdf")]
    a, b = by_unit(local_rows), by_unit(ray_rows)
    assert a.keys() == b.keys() and len(a) == len(local_rows) == len(ray_rows)
    assert all(a[k]["label"] == b[k]["label"] for k in a)
    assert max(abs(a[k]["score"] - b[k]["score"]) for k in a) < 1e-3
    again = reportag("tag", corpus, "-m", tiny_model, "-o", f"{tmp_path / 'ray'}/", "--engine", "ray", "--resume")
    assert "tagged 0 reports" in again.stderr and "24 reports were there already" in again.stderr
    assert len(read(tmp_path / "ray")[0]) == len(ray_rows)


def _kill_when_written(process, folder, what):
    """Wait for the first tagged file, then kill, by PID, processes this test started: the driver with its whole
    process tree, or one scoring worker among the driver's descendants. Returns the PIDs that were killed and are gone.
    """
    import psutil

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list((folder / "tags").glob("*.parquet")):
        time.sleep(0.2)
    driver = psutil.Process(process.pid)
    if what == "driver":
        victims = [driver, *driver.children(recursive=True)]
    else:
        victims = []
        while time.monotonic() < deadline and not victims:
            victims = [p for p in driver.children(recursive=True) if _is_scorer(p)][:1]
            time.sleep(0.2)
    for victim in victims:
        try:
            victim.kill()  # SIGKILL to that PID only
        except psutil.NoSuchProcess:
            pass
    # The driver is the test's own child: Popen reaps it (psutil would take its exit status from Popen).
    others = [victim for victim in victims if victim.pid != process.pid]
    gone, alive = psutil.wait_procs(others, timeout=60)
    killed = {p.pid for p in gone} if not alive else set()
    if len(others) < len(victims):
        process.wait(timeout=60)
        killed.add(process.pid)
    return killed


def _is_scorer(process) -> bool:
    import psutil

    try:
        return "ScoreReports" in " ".join(process.cmdline())
    except psutil.Error:
        return False


@pytest.mark.parametrize("what", ["worker", "driver"])
def test_kills_lose_and_duplicate_nothing(tiny_model, tmp_path, what):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i, path in enumerate(sorted(CORPUS.glob("report-*.txt"))[:60]):
        shutil.copy(path, folder / f"{i:03d}-{path.name}")
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "train.cli", "tag", str(folder), "-m", str(tiny_model),
                                "-o", f"{out}/", "--engine", "ray", "--workers", "2", "--batch-size", "2"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    killed = _kill_when_written(process, out, what)
    assert killed, f"no {what} process of this run was killed"
    if what == "worker":
        assert process.pid not in killed
    process.wait(timeout=600)
    if what == "driver":
        assert process.returncode != 0
        resumed = reportag("tag", folder, "-m", tiny_model, "-o", f"{out}/", "--engine", "ray", "--resume")
        assert resumed.returncode == 0, resumed.stderr
    else:
        assert process.returncode == 0, process.stderr.read()
    rows, _ = read(out)
    reports = {}
    for row in rows:
        reports.setdefault(row["report_hash"], []).append(row["index"])
    assert len(reports) == 60
    assert all(sorted(indexes) == list(range(len(indexes))) for indexes in reports.values())


def test_sigterm_is_one_line_and_leaves_no_temporary_file(tiny_model, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i, path in enumerate(sorted(CORPUS.glob("report-*.txt"))[:40]):
        shutil.copy(path, folder / f"{i:03d}-{path.name}")
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "train.cli", "tag", str(folder), "-m", str(tiny_model),
                                "-o", f"{out}/", "--engine", "ray", "--workers", "1", "--batch-size", "2", "-q"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**__import__("os").environ, "TMPDIR": str(temp)})
    deadline = time.time() + 300
    while time.time() < deadline and not list((out / "tags").glob("*.parquet")):
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    err = process.communicate(timeout=300)[1]
    assert process.returncode == 143 and err.strip().splitlines() == [line for line in err.strip().splitlines()
                                                                       if "stopped by SIGTERM" in line], \
        (process.returncode, err, [p.read_text()[-2000:] for p in temp.glob("reportag-ray-*")])
    assert len(err.strip().splitlines()) == 1 and not list(temp.glob("reportag-ray-*"))  # Ray's own files aside
    resumed = reportag("tag", folder, "-m", tiny_model, "-o", f"{out}/", "--engine", "ray", "--resume", "-q")
    assert resumed.returncode == 0, resumed.stderr
    rows, _ = read(out)
    assert len({row["report"] for row in rows}) == 40
