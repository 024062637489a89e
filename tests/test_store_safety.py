"""The labelled-data store writes only inside itself: planted journals, symlinked journals and locks, git.

Each case plants what a cloned repository or another local user could leave in the
store, runs a real command (`reportag data stats`, a read-only one, or an import), and
checks that nothing outside the store changed and the error is one line.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import LABELLED_REPORTS, ROOT

GOOD = LABELLED_REPORTS[4]


@pytest.fixture
def store(tmp_path):
    labels = tmp_path / "project" / "labels"
    (labels / "annotations").mkdir(parents=True)
    shutil.copy(ROOT / "labels" / "annotations" / f"{GOOD.stem}.json", labels / "annotations")
    return labels


def one_line_error(result, *expected):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "Traceback" not in result.output, result.output
    assert all(text in lines[0] for text in expected), lines[0]


@pytest.mark.parametrize("entry", [
    ["../../../victim.txt", "x.json"],  # moves a file from outside in
    [".x.json.0123456789ab.tmp", "../../../victim.txt"],  # moves a staged file over one outside
    [".x.json.0123456789ab.tmp", "/tmp/victim.txt"],
    [".x.json.0123456789ab.tmp", "y.json"],  # a staged name that is not the target's
])
def test_a_planted_journal_is_refused_and_left_untouched(store, tmp_path, cli, entry):
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's file\n")
    staged = store / "annotations" / ".x.json.0123456789ab.tmp"
    staged.write_text("[]\n")
    journal = store / "annotations" / ".commit.json"
    journal.write_text(json.dumps({"files": [entry]}))
    before = journal.read_bytes()
    one_line_error(cli("data", "stats", "--labels", store), ".commit.json: is not a journal this store wrote")
    assert journal.read_bytes() == before and victim.read_text() == "the user's file\n" and staged.exists()


def test_a_symlinked_journal_or_lock_is_refused_and_not_followed(store, tmp_path, cli):
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's file\n")
    journal = store / "annotations" / ".commit.json"
    journal.symlink_to(victim)
    one_line_error(cli("data", "stats", "--labels", store), ".commit.json: is a symlink or unreadable")
    assert journal.is_symlink() and victim.read_text() == "the user's file\n"
    journal.unlink()
    (store / ".lock").unlink()
    (store / ".lock").symlink_to(victim)
    one_line_error(cli("data", "stats", "--labels", store), ".lock: is a symlink")
    assert victim.read_text() == "the user's file\n"


def test_a_commit_replaces_a_planted_journal_link_itself(store, tmp_path):
    from train.studio.store import AnnotationStore

    victim = tmp_path / "victim.txt"
    victim.write_text("the user's file\n")
    (store / "annotations" / ".commit.json").symlink_to(victim)
    annotations = AnnotationStore(store)
    annotations.commit({store / "annotations" / "new.json": "[]\n"})
    assert (store / "annotations" / "new.json").read_text() == "[]\n" and victim.read_text() == "the user's file\n"
    assert not (store / "annotations" / ".commit.json").exists()


def test_the_journal_never_enters_git():
    ignored = subprocess.run(["git", "check-ignore", "-q", "labels/annotations/.commit.json"], cwd=ROOT)
    assert ignored.returncode == 0


def test_a_full_disk_during_import_is_one_line_and_changes_nothing(tmp_path):
    import sys

    from fault_child import limit_file_size

    labels = tmp_path / "labels"
    (labels / "annotations").mkdir(parents=True)
    export = ROOT / "labels" / "annotations" / f"{GOOD.stem}.json"
    assert export.stat().st_size > 4000
    result = subprocess.run([sys.executable, "-m", "train.cli", "data", "import", str(export), "--labels", str(labels)],
                            cwd=ROOT, capture_output=True, text=True, preexec_fn=limit_file_size(4000), timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and "cannot write: file too large" in lines[0], result.stderr
    assert sorted(p.name for p in (labels / "annotations").iterdir()) == []
