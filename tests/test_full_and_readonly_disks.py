"""Real small and read-only file systems: a 64 kB tmpfs that fills up, and a tmpfs mounted read-only.

Each case runs `reportag` (tests/fault_child.py, the FakeScorer) inside a private mount
namespace (`unshare --mount`, which needs root or user namespaces); where neither is
allowed the cases are skipped with that reason, and test_faults.py still covers the same
paths with a file size limit and dropped capabilities.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS
from test_faults import CHILD, run


def in_tmpfs(folder: Path, options: str, *args: str) -> subprocess.CompletedProcess:
    """`reportag *args` with a fresh tmpfs (mount `options`) on `folder`; stdout ends with the folder's listing."""
    command = (f"mount -t tmpfs -o {options} none {shlex.quote(str(folder))} || exit 99; "
               f"{shlex.quote(sys.executable)} {shlex.quote(str(CHILD))} {' '.join(map(shlex.quote, args))}; "
               f"code=$?; echo listing; ls -A {shlex.quote(str(folder))}; "
               f"for f in {shlex.quote(str(folder))}/*.partial; do [ -f \"$f\" ] && wc -c < \"$f\"; done; exit $code")
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", command], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def mountable(tmp_path):
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) here")
    probe = in_tmpfs(tmp_path, "size=64k", "--help")
    if probe.returncode == 99 or "listing" not in probe.stdout:
        pytest.skip(f"cannot mount a tmpfs in a private namespace here: {probe.stderr.strip()[:200]}")
    return tmp_path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_full_disk_keeps_whole_reports_and_says_disk_full(mountable, tmp_path, suffix):
    whole = tmp_path / "outside" / f"whole{suffix}"
    whole.parent.mkdir()
    run(*SEEDS[:3], output=str(whole))
    index = [json.loads(line) for line in (whole.parent / f".whole{suffix}.index").read_text().splitlines()[1:]]
    boundaries = {0} | {entry["end"] for entry in index}
    disk = tmp_path / "disk"
    disk.mkdir()
    result = in_tmpfs(disk, "size=64k", "tag", *map(str, SEEDS[:3]), "-o", str(disk / f"out{suffix}"), "-q")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert f"out{suffix}: cannot write: disk full" in lines[0]
    listing = result.stdout.split("listing\n", 1)[1].split()
    assert f"out{suffix}" not in listing and f"out{suffix}.partial" in listing  # never a half-written output
    assert int(listing[-1]) in boundaries  # the partial file ends at a whole report


@pytest.mark.parametrize("name", ["out.html", "out.jsonl", "ds/"])
def test_a_read_only_file_system_is_refused_before_tagging(mountable, tmp_path, name):
    disk = tmp_path / "disk"
    disk.mkdir()
    result = in_tmpfs(disk, "ro,size=64k", "tag", *map(str, SEEDS[:2]), "-o", f"{disk}/{name}")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and "read-only file system" in lines[0], result.stderr
    assert result.stdout.startswith("scored 0 reports")
