"""A reader that closes the pipe early (`reportag … -o - | head -1`) stops the run quietly: exit 141, nothing on stderr.

Real pipes in child processes: the parent reads one line and closes its end while the child
still has far more than a pipe holds (64 KiB) to write, so the child meets the closed pipe.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHARED, FakeScorer
from infer.engines.local import TagOptions, tag

CHILD = Path(__file__).resolve().parent / "fault_child.py"
# four provincial work reports: about 0.6 MB of units as JSON lines, ten times what a pipe holds
REPORTS = sorted((SHARED / "corpus" / "provinces").glob("gwr-202[56]-*.txt"))[:4]


def head_1(*argv: str) -> tuple[int, str, str]:
    """Run `argv | head -1`: the exit code, the line read and everything on stderr."""
    child = subprocess.Popen([sys.executable, *map(str, argv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=ROOT, text=True, encoding="utf-8")
    line = child.stdout.readline()
    child.stdout.close()
    code = child.wait(timeout=300)
    return code, line, child.stderr.read()


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    target = tmp_path_factory.mktemp("tagged") / "tags.jsonl"
    options = TagOptions(paths=[str(p) for p in REPORTS], output=str(target), quiet=True)
    assert tag(options, scorer=FakeScorer()) == 0
    assert target.stat().st_size > 16 * 65536
    return target


@pytest.mark.parametrize("format", ["jsonl", "csv", "table", "html"])
def test_render_stops_quietly_when_the_reader_leaves(tagged, format):
    code, line, err = head_1("-m", "infer.cli", "render", tagged, "-o", "-", "-f", format)
    assert line and (code, err) == (141, "")


@pytest.mark.parametrize("format", ["jsonl", "table"])
def test_segment_stops_quietly_when_the_reader_leaves(format):
    code, line, err = head_1("-m", "infer.cli", "segment", *REPORTS, "-f", format)
    assert line and (code, err) == (141, "")


@pytest.mark.parametrize("format", ["jsonl", "csv", "html"])
def test_tag_stops_quietly_when_the_reader_leaves(format):
    code, line, err = head_1(CHILD, "tag", *REPORTS, "-o", "-", "-f", format, "-q")
    assert line and (code, err) == (141, "")
