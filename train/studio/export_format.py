"""Label Studio exports read safely: JSON and JSON-MIN tasks to labelled units, every field checked.

Malformed exports (wrong types, NaN/Infinity, nesting too deep, odd names) are one
InputError naming the source and the task; nothing is trusted because a task says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from infer.errors import InputError
from infer.model.labels import BY_VALUE, LS_FROM_NAME
from infer.inputs import check_index, check_name, parse_json
from infer.read import read_source


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


def parse_export(path: str | Path, require_label: bool = False) -> list[Labelled]:
    """Labelled units from a Label Studio JSON or JSON-MIN export file (see `parse_tasks`)."""
    data, name = read_source(path)
    try:
        tasks = parse_json(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(name, "not UTF-8 text") from None
    except ValueError as exc:
        raise InputError(name, f"not JSON ({exc})") from None
    return parse_tasks(tasks, name, require_label)


def parse_tasks(tasks, source: str, require_label: bool = False) -> list[Labelled]:
    """Labelled units from exported tasks (a parsed Label Studio JSON or JSON-MIN export).

    Tasks without a (non-cancelled) annotation are skipped, unless `require_label`. Where a task's
    annotations disagree (two readers), the one marked ground truth in Label Studio settles it.
    Raises InputError naming the source and the task for anything malformed.
    """
    if not isinstance(tasks, list) or not all(isinstance(task, dict) for task in tasks):
        raise InputError(source, "not a Label Studio export: expected a JSON list of tasks")
    items = []
    for position, task in enumerate(tasks):
        item = _parse_task(source, position, task)
        if item is None and require_label:
            raise InputError(source, f"{_task_name(task, position)}: no annotation")
        if item is not None:
            items.append(item)
    return items


def _task_name(task: dict, position: int) -> str:
    task_id = task.get("id")
    return f"task {task_id}" if isinstance(task_id, (int, str)) and not isinstance(task_id, bool) \
        else f"task #{position + 1}"


def _choices(region, name: str, source: str) -> list[str]:
    if not isinstance(region, dict):
        raise InputError(source, f"{name}: a result region is not an object")
    if region.get("from_name") != LS_FROM_NAME or region.get("type") != "choices":
        return []
    value = region.get("value")
    choices = value.get("choices") if isinstance(value, dict) else None
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise InputError(source, f"{name}: 'choices' must be a list of label names")
    return choices


def _parse_task(source: str, position: int, task: dict) -> Labelled | None:
    name = _task_name(task, position)
    if "data" in task:  # JSON export: data + annotations with result regions
        data = task["data"] if isinstance(task["data"], dict) else {}
        raw = task.get("annotations") or []
        if not isinstance(raw, list):
            raise InputError(source, f"{name}: 'annotations' must be a list")
        found = []
        for annotation in raw:
            if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
                continue
            result = annotation.get("result") or []
            if not isinstance(result, list):
                raise InputError(source, f"{name}: 'result' must be a list")
            labels = [choice for region in result for choice in _choices(region, name, source)]
            if len(set(labels)) > 1:
                raise InputError(source, f"{name}: one annotation holds several labels ({', '.join(labels)})")
            if labels:
                found.append((labels[0], annotation))
        if not found:
            return None
        settled = [(label, annotation) for label, annotation in found if annotation.get("ground_truth") is True]
        if len({label for label, _ in settled or found}) > 1:
            raise InputError(source, f"{name}: annotations disagree ({', '.join(sorted({l for l, _ in found}))}); "
                             "resolve them in Label Studio first (mark the settled one as ground truth)")
        label, meta = (settled or found)[-1]
    elif "text" in task or LS_FROM_NAME in task:  # JSON-MIN: flat rows
        data = task
        value = task.get(LS_FROM_NAME)
        if value in (None, "", []):
            return None
        if isinstance(value, dict):
            value = value.get("choices") or []
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value) or len(set(value)) != 1:
                raise InputError(source, f"{name}: expected one label, got {json.dumps(value)[:60]}")
            value = value[0]
        if not isinstance(value, str):
            raise InputError(source, f"{name}: the label must be a string")
        label, meta = value, task
    else:
        raise InputError(source, f"{name}: not a Label Studio task (no 'data' and no 'text')")
    missing = [key for key in ("text", "report", "index") if key not in data]
    if missing:
        raise InputError(source, f"{name}: task data lacks {', '.join(missing)}")
    if label not in BY_VALUE:
        raise InputError(source, f"{name}: unknown label {label!r} (expected one of {', '.join(BY_VALUE)})")
    index = check_index(data["index"], f"{source}: {name}")
    report = check_name(data["report"], f"{source}: {name}")
    if not isinstance(data["text"], str) or not isinstance(data.get("heading") or "", str):
        raise InputError(source, f"{name}: 'text' and 'heading' must be strings")
    lead_time = meta.get("lead_time")
    return Labelled(
        report=report, index=index, text=data["text"], heading=data.get("heading") or "",
        kind=str(data.get("kind") or "sentence"), label=label,
        created_at=str(meta.get("created_at") or ""), updated_at=str(meta.get("updated_at") or ""),
        lead_time=lead_time if isinstance(lead_time, (int, float)) and not isinstance(lead_time, bool) else None,
    )
