"""The annotation store: Label Studio JSON export files under <labels>/annotations/, one per report.

A labels folder holds `reports/` (the report files) and `annotations/` (for each report a
Label Studio "Export → JSON" file: tasks with `data` {text, heading, report, index, kind}
and one `choices` annotation). Imports accept Label Studio JSON and JSON-MIN exports,
check every task against the current segmentation of its report, and merge by
(report, index): nothing is written when anything is wrong, and an existing label is
never replaced without `overwrite`.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from infer.errors import InputError
from infer.files import atomic_open
from infer.labels import BY_VALUE, LS_FROM_NAME, choices_result
from infer.read import read_report
from infer.segment import segment

ANNOTATIONS = "annotations"


@dataclass(frozen=True)
class Labelled:
    """One labelled unit, wherever it came from."""

    report: str
    index: int
    text: str
    heading: str
    kind: str
    label: str
    created_at: str = ""
    updated_at: str = ""
    lead_time: float | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.report, self.index)


@dataclass
class MergeResult:
    added: list[Labelled] = field(default_factory=list)
    changed: list[tuple[Labelled, Labelled]] = field(default_factory=list)  # (old, new)
    unchanged: int = 0
    conflicts: list[tuple[Labelled, Labelled]] = field(default_factory=list)  # (existing, incoming)
    written: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.changed)} changed, {self.unchanged} unchanged, "
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
    return {
        "id": item.index + 1,
        "data": {"text": item.text, "heading": item.heading, "report": item.report, "index": item.index,
                 "kind": item.kind},
        "annotations": [annotation],
        "predictions": [],
    }


class AnnotationStore:
    """The annotation files of one labels folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.folder = self.root / ANNOTATIONS

    def file_for(self, report: str) -> Path:
        return self.folder / f"{Path(report).stem}.json"

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []

    def load(self) -> dict[tuple[str, int], Labelled]:
        items: dict[tuple[str, int], Labelled] = {}
        for path in self.files():
            for item in parse_export(path, require_label=True):
                items[item.key] = item
        return items

    def merge(self, incoming: list[Labelled], overwrite: bool = False, dry_run: bool = False) -> MergeResult:
        """Merge incoming labels; conflicts (a different label already stored) need `overwrite`.

        With conflicts and no `overwrite`, nothing is written and the conflicts are returned.
        """
        existing = self.load()
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
        # Every touched file is written to a temporary first and all are swapped in together
        # when the ExitStack closes: a failure before that leaves every file as it was.
        with ExitStack() as stack:
            for report in sorted(touched):
                path = self.file_for(report)
                handle = stack.enter_context(atomic_open(path))
                tasks = [to_task(item) for item in sorted(by_report[report], key=lambda x: x.index)]
                json.dump(tasks, handle, ensure_ascii=False, indent=1)
                handle.write("\n")
                result.written.append(path)
        return result

    def _check_file_names(self, items: dict[tuple[str, int], Labelled]) -> None:
        owners: dict[Path, str] = {}
        for item in items.values():
            path = self.file_for(item.report)
            if owners.setdefault(path, item.report) != item.report:
                raise InputError(path, f"two reports share this file name: {owners[path]} and {item.report}")


def parse_export(path: str | Path, require_label: bool = False) -> list[Labelled]:
    """Labelled units from a Label Studio JSON or JSON-MIN export file.

    Tasks without a (non-cancelled) annotation are skipped, unless `require_label`.
    Raises InputError naming the file and the task for anything malformed.
    """
    path = Path(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"not JSON ({exc})") from None
    if not isinstance(tasks, list) or not all(isinstance(task, dict) for task in tasks):
        raise InputError(path, "not a Label Studio export: expected a JSON list of tasks")
    items = []
    for position, task in enumerate(tasks):
        item = _parse_task(path, position, task)
        if item is None and require_label:
            raise InputError(path, f"{_task_name(task, position)}: no annotation")
        if item is not None:
            items.append(item)
    return items


def _task_name(task: dict, position: int) -> str:
    return f"task {task['id']}" if "id" in task else f"task #{position + 1}"


def _parse_task(path: Path, position: int, task: dict) -> Labelled | None:
    name = _task_name(task, position)
    if "data" in task:  # JSON export: data + annotations with result regions
        data = task["data"] if isinstance(task["data"], dict) else {}
        annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
        found = []
        for annotation in annotations:
            labels = [choice for region in annotation.get("result") or []
                      if region.get("from_name") == LS_FROM_NAME and region.get("type") == "choices"
                      for choice in region.get("value", {}).get("choices", [])]
            if len(set(labels)) > 1:
                raise InputError(path, f"{name}: one annotation holds several labels ({', '.join(labels)})")
            if labels:
                found.append((labels[0], annotation))
        if not found:
            return None
        if len({label for label, _ in found}) > 1:
            raise InputError(path, f"{name}: annotations disagree ({', '.join(sorted({l for l, _ in found}))}); "
                             "resolve them in Label Studio first")
        label, annotation = found[-1]
        meta = annotation
    elif "text" in task or LS_FROM_NAME in task:  # JSON-MIN: flat rows
        data = task
        value = task.get(LS_FROM_NAME)
        if value in (None, "", []):
            return None
        if isinstance(value, dict):
            value = value.get("choices") or []
        if isinstance(value, list):
            if len(set(value)) != 1:
                raise InputError(path, f"{name}: expected one label, got {value}")
            value = value[0]
        label, meta = value, task
    else:
        raise InputError(path, f"{name}: not a Label Studio task (no 'data' and no 'text')")
    missing = [key for key in ("text", "report", "index") if key not in data]
    if missing:
        raise InputError(path, f"{name}: task data lacks {', '.join(missing)}")
    if label not in BY_VALUE:
        raise InputError(path, f"{name}: unknown label {label!r} (expected one of {', '.join(BY_VALUE)})")
    try:
        index = int(data["index"])
    except (TypeError, ValueError):
        raise InputError(path, f"{name}: index {data['index']!r} is not a number") from None
    return Labelled(
        report=str(data["report"]), index=index, text=str(data["text"]), heading=str(data.get("heading") or ""),
        kind=str(data.get("kind") or "sentence"), label=label,
        created_at=str(meta.get("created_at") or ""), updated_at=str(meta.get("updated_at") or ""),
        lead_time=meta.get("lead_time"),
    )


def find_report(report: str, roots: list[Path]) -> Path | None:
    for root in [Path.cwd(), *roots]:
        candidate = root / report
        if candidate.is_file():
            return candidate
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


def import_export(path: str | Path, labels_root: str | Path, overwrite: bool = False,
                  dry_run: bool = False) -> MergeResult:
    """`reportag data import`: parse, check, merge (see the module docstring)."""
    store = AnnotationStore(labels_root)
    incoming = parse_export(path)
    seen: dict[tuple[str, int], Labelled] = {}
    for item in incoming:
        if item.key in seen and seen[item.key].label != item.label:
            raise InputError(path, f"sentence {item.index} of {item.report} appears twice with different labels")
        seen[item.key] = item
    checked = check_against_reports(list(seen.values()), [store.root.parent, store.root], path)
    return store.merge(checked, overwrite=overwrite, dry_run=dry_run)


def describe_conflicts(result: MergeResult) -> list[str]:
    return [f"{new.report} #{new.index}: stored {old.label}, incoming {new.label}: {new.text[:40]}"
            for old, new in result.conflicts]
