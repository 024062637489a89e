"""The annotation store: Label Studio JSON export files under <labels>/annotations/, one per report.

A labels folder holds `reports/` (the report files) and `annotations/` (for each report a
Label Studio "Export → JSON" file: tasks with `data` {text, heading, report, index, kind}
and one `choices` annotation). Imports accept Label Studio JSON and JSON-MIN exports,
check every task against the current segmentation of its report, and merge by
(report, index): nothing is written when anything is wrong, and an existing label is
never replaced without `overwrite`.

Writers hold a lock on the labels folder (a second writer waits, then is told the store
is busy), and a merge commits all its files or none: every new file is staged, a journal
names them, then they are swapped in. A command killed half-way is finished (journal
complete) or cleaned up (no journal) by the next command that opens the store.

The store only ever writes inside its own folder: the journal and the lock are opened
without following symlinks, and every journal entry must be a plain name of this folder (a
staged `.<name>.<id>.tmp` and its `<name>.json`) before anything moves. A journal that
fails the check (planted in a cloned repository, say) is refused with one line and left
for the user to inspect; .gitignore keeps journals out of git.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from infer.errors import InputError, write_error
from infer.files import FolderLock
from infer.model.labels import choices_result
from infer.read import read_report
from infer.outputs.rows import LS_DATA_FIELDS
from infer.segment import segment

from train.studio.export_format import Labelled, parse_export

ANNOTATIONS = "annotations"
JOURNAL = ".commit.json"
LOCK_SECONDS = 60.0
_SAFE_STEM = re.compile(r"[\w.\-]{1,100}")
_STAGED = re.compile(r"\.(?P<final>[\w.\-]{1,200}\.json)\.[0-9a-f]{12}\.tmp")


@dataclass
class MergeResult:
    added: list[Labelled] = field(default_factory=list)
    changed: list[tuple[Labelled, Labelled]] = field(default_factory=list)  # (old, new)
    unchanged: int = 0
    conflicts: list[tuple[Labelled, Labelled]] = field(default_factory=list)  # (existing, incoming)
    written: list[Path] = field(default_factory=list)
    fetched: int | None = None  # tasks exported from Label Studio (ls pull), None for a file import

    def summary(self) -> str:
        fetched = "" if self.fetched is None else f"{self.fetched} changed tasks fetched; "
        return (f"{fetched}{len(self.added)} added, {len(self.changed)} changed, {self.unchanged} unchanged, "
                f"{len(self.conflicts)} conflicts")


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_task(item: Labelled) -> dict:
    """The Label Studio export task for one labelled unit (imports back into Label Studio as is)."""
    annotation = {
        "id": item.index + 1,
        "result": [{**choices_result(item.label), "origin": "manual"}],
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": item.created_at,
        "updated_at": item.updated_at or item.created_at,
        "lead_time": item.lead_time,
    }
    values = {"text": item.text, "heading": item.heading, "report": item.report, "index": item.index,
              "kind": item.kind}
    return {"id": item.index + 1, "data": {key: values[key] for key in LS_DATA_FIELDS}, "annotations": [annotation],
            "predictions": []}


class AnnotationStore:
    """The annotation files of one labels folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.folder = self.root / ANNOTATIONS

    def file_for(self, report: str) -> Path:
        """The annotation file of a report: its file stem, or a shortened stem and a hash for odd names."""
        stem = Path(report).stem
        if not _SAFE_STEM.fullmatch(stem):
            stem = re.sub(r"[^\w.\-]", "_", stem)[:60] + "-" + hashlib.sha256(report.encode()).hexdigest()[:12]
        return self.folder / f"{stem}.json"

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith(".")) \
            if self.folder.is_dir() else []

    def lock(self) -> FolderLock:
        return FolderLock(self.root, LOCK_SECONDS, "labels store")

    def load(self) -> dict[tuple[str, int], Labelled]:
        """Every stored label (finishing or cleaning up a commit a killed command left behind)."""
        if not self.folder.is_dir():
            return {}
        with self.lock():
            self.recover()
            return self._load()

    def _load(self) -> dict[tuple[str, int], Labelled]:
        items: dict[tuple[str, int], Labelled] = {}
        for path in self.files():
            for item in parse_export(path, require_label=True):
                items[item.key] = item
        return items

    def merge(self, incoming: list[Labelled], overwrite: bool = False, dry_run: bool = False) -> MergeResult:
        """Merge incoming labels; conflicts (a different label already stored) need `overwrite`.

        With conflicts and no `overwrite`, nothing is written and the conflicts are returned.
        """
        with self.lock():
            self.recover()
            existing = self._load()
            result = MergeResult()
            merged = dict(existing)
            for item in incoming:
                old = existing.get(item.key)
                if old is None:
                    result.added.append(item)
                elif old.label == item.label:
                    result.unchanged += 1
                    continue
                elif overwrite:
                    result.changed.append((old, item))
                else:
                    result.conflicts.append((old, item))
                    continue
                merged[item.key] = item
            if result.conflicts or dry_run or not (result.added or result.changed):
                return result
            touched = {item.report for item in result.added} | {new.report for _, new in result.changed}
            self._check_file_names(merged)
            by_report: dict[str, list[Labelled]] = {}
            for item in merged.values():
                by_report.setdefault(item.report, []).append(item)
            files = {}
            for report in sorted(touched):
                tasks = [to_task(item) for item in sorted(by_report[report], key=lambda x: x.index)]
                files[self.file_for(report)] = json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"
            self.commit(files)
            result.written = list(files)
            return result

    def commit(self, files: dict[Path, str]) -> None:
        """Write every file or none: stage them, write the journal, swap them in, drop the journal.

        WriteError (exit 1) when the disk is full or the folder cannot be written; nothing changes then.
        """
        self._check_folder()
        self.folder.mkdir(parents=True, exist_ok=True)
        transaction = uuid.uuid4().hex[:12]
        staged = []
        try:
            for path, text in files.items():
                tmp = path.with_name(f".{path.name}.{transaction}.tmp")
                staged.append((tmp.name, path.name))
                _write_new(tmp, text.encode("utf-8"))
            journal_tmp = self.folder / f".{JOURNAL}.{transaction}.tmp"
            _write_new(journal_tmp, json.dumps({"files": staged}).encode("utf-8"))
            os.replace(journal_tmp, self.folder / JOURNAL)  # replaces a planted link itself, never its target
        except BaseException as exc:
            for tmp, _ in staged:
                (self.folder / tmp).unlink(missing_ok=True)
            (self.folder / f".{JOURNAL}.{transaction}.tmp").unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise write_error(exc.filename or self.folder, exc) from None
            raise
        self.recover()

    def _check_folder(self) -> None:
        if self.folder.is_symlink():
            raise InputError(self.folder, "is a symlink: the labels store writes only inside its own folder")

    def _journal(self) -> list[tuple[str, str]] | None:
        """The journal's entries, each checked to name a staged file of this folder and its target; None if none."""
        try:
            fd = os.open(self.folder / JOURNAL, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise InputError(self.folder / JOURNAL, "is a symlink or unreadable "
                             f"({exc.strerror}): left as it is; remove it once inspected") from None
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(2**20)
        try:
            entries = json.loads(data)["files"]
            checked = [(str(tmp), str(final)) for tmp, final in entries]
            for tmp, final in checked:
                match = _STAGED.fullmatch(tmp)
                if not match or match["final"] != final or final.startswith("."):
                    raise ValueError(f"{tmp!r} -> {final!r} is not a staged file of this folder")
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(self.folder / JOURNAL, f"is not a journal this store wrote ({str(exc)[:120]}); "
                             "nothing was moved: inspect it, then remove it") from None
        return checked

    def recover(self) -> None:
        """Finish a journalled commit (swap in what is staged), or remove staged files no journal names."""
        if not self.folder.is_dir():
            return
        staged = self._journal()
        if staged is not None:
            self._check_folder()
            for tmp, final in staged:
                if (self.folder / tmp).is_file() and not (self.folder / tmp).is_symlink():
                    os.replace(self.folder / tmp, self.folder / final)
            _fsync_folder(self.folder)
            (self.folder / JOURNAL).unlink()
        for stray in self.folder.glob(".*.tmp"):
            stray.unlink(missing_ok=True)

    def _check_file_names(self, items: dict[tuple[str, int], Labelled]) -> None:
        owners: dict[Path, str] = {}
        for item in items.values():
            path = self.file_for(item.report)
            if owners.setdefault(path, item.report) != item.report:
                raise InputError(path, f"two reports share this file name: {owners[path]} and {item.report}")


def _write_new(path: Path, data: bytes) -> None:
    """A new file (never through a link, never over an existing file), flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def find_report(report: str, roots: list[Path]) -> Path | None:
    """The report file a task names, inside one of the roots; InputError for a path that leaves them."""
    inside = False
    for root in roots:
        base = root.resolve()
        try:
            candidate = (base / report).resolve()
            if candidate != base and base in candidate.parents:
                inside = True
                if candidate.is_file():
                    return candidate
        except OSError:  # a name too long for the file system, a loop: not a report we can read
            continue
    if not inside and (Path(report).is_absolute() or ".." in Path(report).parts):
        raise InputError(report, "the report path leaves the project (absolute or ../); tasks may only name "
                         "reports inside it: push reports with `reportag ls push`, which copies them in")
    return None


def check_against_reports(items: list[Labelled], roots: list[Path], source: str | Path) -> list[Labelled]:
    """Check each item's text against its report's current segmentation; fill in heading and kind."""
    units_by_report: dict[str, list] = {}
    checked = []
    for item in items:
        if item.report not in units_by_report:
            found = find_report(item.report, roots)
            if found is None:
                raise InputError(source, f"sentence {item.index} of {item.report}: report file not found, "
                                 "cannot check it against the report's segmentation")
            units_by_report[item.report] = segment(read_report(found))
        units = units_by_report[item.report]
        if not 0 <= item.index < len(units) or units[item.index].text != item.text:
            raise InputError(source, f"sentence {item.index} of {item.report} no longer matches the report's "
                             f"segmentation ({item.text[:30]!r})")
        unit = units[item.index]
        checked.append(Labelled(item.report, item.index, unit.text, unit.heading, unit.kind, item.label,
                                item.created_at or now(), item.updated_at or item.created_at or now(),
                                item.lead_time))
    return checked


def import_tasks(incoming: list[Labelled], source: str, labels_root: str | Path, overwrite: bool = False,
                 dry_run: bool = False) -> MergeResult:
    """Check parsed labels against their reports and merge them (all or nothing)."""
    store = AnnotationStore(labels_root)
    seen: dict[tuple[str, int], Labelled] = {}
    for item in incoming:
        if item.key in seen and seen[item.key].label != item.label:
            raise InputError(source, f"sentence {item.index} of {item.report} appears twice with different labels")
        seen[item.key] = item
    checked = check_against_reports(list(seen.values()), [store.root.parent, Path.cwd()], source)
    return store.merge(checked, overwrite=overwrite, dry_run=dry_run)


def import_export(path: str | Path, labels_root: str | Path, overwrite: bool = False,
                  dry_run: bool = False) -> MergeResult:
    """`reportag data import`: parse, check, merge (see the module docstring)."""
    return import_tasks(parse_export(path), str(path), labels_root, overwrite, dry_run)


def describe_conflicts(result: MergeResult) -> list[str]:
    return [f"{new.report} #{new.index}: stored {old.label}, incoming {new.label}: {new.text[:40]}"
            for old, new in result.conflicts]
