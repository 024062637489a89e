"""Readings: one reader's labels of whole reports, submitted as Label Studio annotations, and agreement.

A reading is a folder of `<report stem>.tsv` files, one line per unit, `index<TAB>label[<TAB>note]`,
written by a reader who read the report's units in order (a spreadsheet or a text editor are the
reader's tools when they label offline). `submit_reading` posts each line as an annotation of the
matching task, completed by a Label Studio user named for the reader, so that the project holds every
reader's labels side by side; tasks read twice are compared with `agreement`, disagreements are settled
in Label Studio by a ground-truth annotation, and `reportag ls pull` brings the settled labels home.

Structure units (first-level headings, page furniture) are not tasks (`ls push` leaves them out: they
are `other` by rule), so their lines in a reading are skipped.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from infer.errors import InputError
from infer.model.labels import BY_VALUE, LABEL_NAMES, choices_result

from train.studio.sdk import api_errors, find_project


def read_tsv(path: Path) -> dict[int, str]:
    """{index: label} of one reading file; InputError for a malformed line, a repeated index or a label."""
    labels: dict[int, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) < 2 or not cells[0].strip().isdigit() or cells[1].strip() not in BY_VALUE:
            raise InputError(path, f"line {number}: expected index<TAB>label, got {line[:60]!r}")
        index = int(cells[0])
        if index in labels:
            raise InputError(path, f"line {number}: index {index} labelled twice")
        labels[index] = cells[1].strip()
    return labels


def report_stem(report: str) -> str:
    """A task's report name without the folder and the `-<hash>` that `ls push` adds to copied reports."""
    stem = Path(report).stem
    head, _, tail = stem.rpartition("-")
    return head if head and len(tail) == 10 and all(c in "0123456789abcdef" for c in tail) else stem


def _user(client, reader: str) -> int:
    username = f"reader-{reader}"
    for user in client.users.list():
        if user.username == username:
            return user.id
    return client.users.create(username=username, email=f"{username}@reportag.local", first_name=reader).id


def _tasks(client, project_id: int) -> dict[tuple[str, int], object]:
    return {(report_stem(str(t.data["report"])), int(t.data["index"])): t
            for t in client.tasks.list(project=project_id, fields="all")
            if isinstance(t.data, dict) and "report" in t.data and isinstance(t.data.get("index"), int)}


@dataclass
class Submitted:
    created: int = 0
    already: int = 0  # tasks this reader had annotated before
    skipped: int = 0  # lines of units that are not tasks (structure units)
    missing: list[str] = field(default_factory=list)  # tasks of the read reports that the reading lacks


@api_errors
def submit_reading(client, project_name: str, folder: Path, reader: str) -> Submitted:
    """Post every line of the reading in `folder` as an annotation by `reader-<reader>` (idempotent)."""
    files = sorted(folder.glob("*.tsv"))
    if not files:
        raise InputError(folder, "no <report>.tsv reading files")
    readings = {path.stem: read_tsv(path) for path in files}
    project = find_project(client, project_name)
    user = _user(client, reader)
    tasks = _tasks(client, project.id)
    result = Submitted()
    for stem, labels in readings.items():
        for index, label in labels.items():
            task = tasks.get((stem, index))
            if task is None:
                result.skipped += 1
                continue
            if any(a.get("completed_by") == user for a in (task.annotations or [])):
                result.already += 1
                continue
            client.annotations.create(id=task.id, result=[choices_result(label)], completed_by=user,
                                      was_cancelled=False, ground_truth=False)
            result.created += 1
        result.missing += [f"{stem} #{i}" for (s, i) in tasks if s == stem and i not in labels]
    return result


@api_errors
def settle(client, project_name: str, decisions: dict[tuple[str, int], str], reader: str = "lead") -> int:
    """Post each decided label as the ground-truth annotation of its task; returns how many were posted."""
    project = find_project(client, project_name)
    user = _user(client, reader)
    tasks = _tasks(client, project.id)
    posted = 0
    for key, label in decisions.items():
        task = tasks.get(key)
        if task is None:
            raise InputError(f"{key[0]} #{key[1]}", "no such task in the project")
        client.annotations.create(id=task.id, result=[choices_result(label)], completed_by=user,
                                  was_cancelled=False, ground_truth=True)
        posted += 1
    return posted


def _choices(annotation: dict) -> list[str]:
    """The labels chosen in an annotation's or a prediction's result regions."""
    return [c for r in annotation.get("result") or [] for c in (r.get("value") or {}).get("choices", [])]


def cohen_kappa(pairs: list[tuple[str, str]], label: str | None = None) -> float:
    """Cohen's κ of two readers' labels (all labels, or `label` against the rest); nan without variation."""
    if label is not None:
        pairs = [(a == label, b == label) for a, b in pairs]
    n = len(pairs)
    if not n:
        return float("nan")
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else float("nan")


def agreement(tasks: list[dict]) -> dict:
    """Agreement figures from a Label Studio JSON export of a project read by several readers.

    Returns {"double_read": n, "kappa": κ, "kappa_per_label": {label: κ}, "observed": share,
    "confusion": {"a|b": n}, "final": n, "final_equals_prediction": share, "per_label": {label: n}}:
    κ between the first two readers of each task read twice; the final label is the ground-truth
    annotation where there is one, else the readers' common label; its agreement with the task's
    model prediction (the pre-annotation) shows how far the labels follow the model.
    """
    pairs, final, with_prediction, agree_prediction = [], Counter(), 0, 0
    confusion: Counter = Counter()
    for task in tasks:
        readers: dict[int, str] = {}
        settled = None
        for annotation in task.get("annotations") or []:
            if annotation.get("was_cancelled"):
                continue
            labels = _choices(annotation)
            if not labels:
                continue
            if annotation.get("ground_truth"):
                settled = labels[0]
            else:
                readers.setdefault(annotation.get("completed_by"), labels[0])
        read = list(readers.values())
        if len(read) >= 2:
            pairs.append((read[0], read[1]))
            confusion[f"{read[0]}|{read[1]}"] += 1
        label = settled or (read[0] if read and len(set(read)) == 1 else None)
        if label is None:
            continue
        final[label] += 1
        predicted = [c for p in task.get("predictions") or [] for c in _choices(p)]
        if predicted:
            with_prediction += 1
            agree_prediction += predicted[0] == label
    return {
        "double_read": len(pairs),
        "observed": sum(a == b for a, b in pairs) / len(pairs) if pairs else float("nan"),
        "kappa": cohen_kappa(pairs),
        "kappa_per_label": {label: cohen_kappa(pairs, label) for label in LABEL_NAMES},
        "confusion": dict(sorted(confusion.items())),
        "final": sum(final.values()),
        "per_label": {label: final[label] for label in LABEL_NAMES},
        "with_prediction": with_prediction,
        "final_equals_prediction": agree_prediction / with_prediction if with_prediction else float("nan"),
    }


@api_errors
def project_tasks(client, project_name: str) -> list[dict]:
    """Every task of the project with its data, annotations (with who completed them) and predictions."""
    project = find_project(client, project_name)
    return [{"data": t.data, "annotations": [a if isinstance(a, dict) else dict(a) for a in t.annotations or []],
             "predictions": [p if isinstance(p, dict) else p.dict() for p in t.predictions or []]}
            for t in client.tasks.list(project=project.id, fields="all")]


def disagreements(tasks: list[dict]) -> list[dict]:
    """Tasks whose readers disagree and that no ground-truth annotation settles yet, in report order."""
    out = []
    for task in tasks:
        labels = defaultdict(list)
        settled = False
        for annotation in task.get("annotations") or []:
            choices = _choices(annotation)
            if annotation.get("ground_truth"):
                settled = True
            elif choices:
                labels[choices[0]].append(annotation.get("completed_by"))
        if len(labels) > 1 and not settled:
            out.append({"report": task["data"]["report"], "index": task["data"]["index"],
                        "heading": task["data"].get("heading", ""), "text": task["data"]["text"],
                        "labels": sorted(labels)})
    return sorted(out, key=lambda t: (t["report"], t["index"]))
