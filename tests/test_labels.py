"""The labelled seed corpus: schema, completeness, Label Studio formats, exports and imports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import LABELLED_REPORTS, ROOT, SEEDS
from infer.errors import InputError
from infer.model.labels import BY_VALUE, LABEL_NAMES, LS_FROM_NAME, LS_TO_NAME
from infer.read import read_report
from infer.segment import segment

ANNOTATIONS = sorted((ROOT / "labels" / "annotations").glob("*.json"))


def test_config_matches_the_label_set():
    root = ET.parse(ROOT / "labels" / "config.xml").getroot()
    choices = root.find("Choices")
    assert choices.get("name") == LS_FROM_NAME and choices.get("toName") == LS_TO_NAME
    assert choices.get("choice") == "single-radio"
    values = [c.get("value") for c in choices.findall("Choice")]
    assert values == list(LABEL_NAMES)
    for choice in choices.findall("Choice"):
        label = BY_VALUE[choice.get("value")]
        assert choice.get("hotkey") == label.hotkey
        assert label.chinese in choice.get("html")
    shown = {tag.get("value") for tag in root.iter() if tag.get("value", "").startswith("$")}
    assert {"$text", "$heading", "$report"} <= shown


def test_seed_reports_are_the_shared_seeds():
    assert [p.name for p in LABELLED_REPORTS] == [p.name for p in SEEDS]
    for ours, shared in zip(LABELLED_REPORTS, SEEDS):
        assert ours.read_bytes() == shared.read_bytes()


@pytest.mark.parametrize("report", LABELLED_REPORTS, ids=lambda p: p.name)
def test_every_seed_unit_has_exactly_one_label(report):
    units = segment(read_report(report))
    tasks = json.loads((ROOT / "labels" / "annotations" / f"{report.stem}.json").read_text(encoding="utf-8"))
    assert [t["data"]["index"] for t in tasks] == list(range(len(units)))
    for task, unit in zip(tasks, units):
        assert task["data"]["text"] == unit.text and task["data"]["heading"] == unit.heading
        assert task["data"]["report"] == f"labels/reports/{report.name}"
        [annotation] = task["annotations"]
        [region] = annotation["result"]
        assert region["type"] == "choices" and region["from_name"] == LS_FROM_NAME
        [label] = region["value"]["choices"]
        assert label in LABEL_NAMES


def test_stats_prints_the_tables(cli):
    result = cli("data", "stats", "--labels", "labels")
    assert result.exit_code == 0, result.output
    for title in ("labels per report", "labels per part", "sentence length"):
        assert title in result.stdout
    total = sum(len(json.loads(p.read_text(encoding="utf-8"))) for p in ANNOTATIONS)
    import re

    all_rows = [line for line in result.stdout.splitlines() if re.match(r"│ all\b", line)]
    assert len(all_rows) == 2 and all(re.search(rf"│\s+{total} │$", row) for row in all_rows)


@pytest.mark.parametrize("annotations", ANNOTATIONS, ids=lambda p: p.name)
def test_round_trip_into_a_fresh_folder_is_identical(cli, tmp_path, annotations):
    fresh = tmp_path / "labels"
    result = cli("data", "import", annotations, "--labels", fresh)
    assert result.exit_code == 0, result.output
    assert (fresh / "annotations" / annotations.name).read_bytes() == annotations.read_bytes()
    again = cli("data", "import", annotations, "--labels", fresh)
    assert again.exit_code == 0 and "0 added, 0 changed" in again.stderr


def test_json_min_export_imports_the_same_labels(cli, tmp_path):
    tasks = json.loads(ANNOTATIONS[0].read_text(encoding="utf-8"))
    minimal = [{**t["data"], "id": t["id"], LS_FROM_NAME: t["annotations"][0]["result"][0]["value"]["choices"][0],
                "annotator": 1, "annotation_id": t["id"]} for t in tasks]
    path = tmp_path / "export-min.json"
    path.write_text(json.dumps(minimal, ensure_ascii=False), encoding="utf-8")
    fresh = tmp_path / "labels"
    assert cli("data", "import", path, "--labels", fresh).exit_code == 0
    from train.studio.store import AnnotationStore

    ours = {k: v.label for k, v in AnnotationStore(ROOT / "labels").load().items() if k[0] == tasks[0]["data"]["report"]}
    theirs = {k: v.label for k, v in AnnotationStore(fresh).load().items()}
    assert ours == theirs and len(theirs) == len(tasks)


@pytest.mark.parametrize("format", ["jsonl", "csv", "parquet", "hf"])
def test_exports_load_with_datasets_and_pandas(cli, tmp_path, format):
    import datasets
    import pandas as pd

    output = tmp_path / ("export" if format == "hf" else f"export.{format}")
    result = cli("data", "export", "--format", format, "--output", output, "--labels", "labels")
    assert result.exit_code == 0, result.output
    expected = sum(len(json.loads(p.read_text(encoding="utf-8"))) for p in ANNOTATIONS)
    if format == "hf":
        loaded = datasets.load_from_disk(str(output))
        assert loaded.features["label"].names == list(LABEL_NAMES)
        frame = loaded.to_pandas()
    else:
        loaded = datasets.load_dataset({"jsonl": "json"}.get(format, format), data_files=str(output), split="train")
        frame = {"jsonl": pd.read_json, "csv": pd.read_csv, "parquet": pd.read_parquet}[format](
            output, **({"lines": True} if format == "jsonl" else {}))
        assert set(frame["label"]) <= set(LABEL_NAMES)
    assert len(loaded) == len(frame) == expected
    assert {"report", "index", "heading", "text", "label"} <= set(frame.columns)


def first_task() -> dict:
    return json.loads(ANNOTATIONS[0].read_text(encoding="utf-8"))[0]


def write(tmp_path: Path, content) -> Path:
    path = tmp_path / "export.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def with_label(task: dict, *labels: str) -> dict:
    task = json.loads(json.dumps(task))
    task["annotations"] = [{"id": i + 1, "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                                                     "value": {"choices": [label]}}]} for i, label in enumerate(labels)]
    return task


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not JSON"),
        ({"tasks": []}, "not a Label Studio export"),
        ([with_label(first_task(), "praise")], "unknown label 'praise'"),
        ([with_label(first_task(), "measure", "plan")], "annotations disagree"),
        ([{**with_label(first_task(), "other"), "data": {**first_task()["data"], "text": "改过的句子"}}],
         "no longer matches"),
        ([{**with_label(first_task(), "other"), "data": {**first_task()["data"], "index": 9999}}], "no longer matches"),
    ],
    ids=["not-json", "not-export", "unknown-label", "two-annotations", "changed-text", "bad-index"],
)
def test_bad_imports_name_the_problem_and_write_nothing(cli, tmp_path, content, message):
    fresh = tmp_path / "labels"
    result = cli("data", "import", write(tmp_path, content), "--labels", fresh)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert not (fresh / "annotations").exists()


def test_conflicts_are_listed_and_need_overwrite(cli, tmp_path):
    fresh = tmp_path / "labels"
    original = first_task()
    label = original["annotations"][0]["result"][0]["value"]["choices"][0]
    other = "plan" if label != "plan" else "measure"
    assert cli("data", "import", write(tmp_path, [original]), "--labels", fresh).exit_code == 0
    stored = (fresh / "annotations" / ANNOTATIONS[0].name).read_bytes()
    changed = write(tmp_path, [with_label(original, other)])
    refused = cli("data", "import", changed, "--labels", fresh)
    assert refused.exit_code == 2 and f"stored {label}, incoming {other}" in refused.stderr
    assert (fresh / "annotations" / ANNOTATIONS[0].name).read_bytes() == stored
    forced = cli("data", "import", changed, "--labels", fresh, "--overwrite")
    assert forced.exit_code == 0 and f"{label} -> {other}" in forced.stdout
    from train.studio.store import AnnotationStore

    [item] = AnnotationStore(fresh).load().values()
    assert item.label == other


def test_a_ground_truth_annotation_settles_readers_who_disagree():
    from train.studio.export_format import parse_tasks

    def annotation(label, user, truth=False):
        return {"completed_by": user, "ground_truth": truth, "was_cancelled": False,
                "result": [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]}

    task = {"id": 7, "data": {"text": "建成高标准农田450万亩。", "heading": "", "report": "r.txt", "index": 3},
            "annotations": [annotation("measure", 1), annotation("achievement", 2)]}
    with pytest.raises(InputError, match="annotations disagree"):
        parse_tasks([task], "export")
    task["annotations"].append(annotation("achievement", 3, truth=True))
    [item] = parse_tasks([task], "export")
    assert item.label == "achievement"
    task["annotations"].append(annotation("measure", 4, truth=True))
    with pytest.raises(InputError, match="annotations disagree"):
        parse_tasks([task], "export")


def test_agreement_counts_readers_kappa_and_the_share_equal_to_predictions():
    from train.studio.readings import agreement, cohen_kappa, disagreements, report_stem

    def task(index, labels, predicted, truth=None):
        annotations = [{"completed_by": user, "ground_truth": False,
                        "result": [{"value": {"choices": [label]}}]} for user, label in enumerate(labels, 1)]
        if truth:
            annotations.append({"completed_by": 9, "ground_truth": True, "result": [{"value": {"choices": [truth]}}]})
        return {"data": {"report": "labels/reports/gwr-2025-anhui-6257405f3f.txt", "index": index, "text": "x"},
                "annotations": annotations, "predictions": [{"result": [{"value": {"choices": [predicted]}}]}]}

    tasks = [task(0, ["plan", "plan"], "plan"), task(1, ["measure", "achievement"], "measure", truth="achievement"),
             task(2, ["other", "other"], "plan"), task(3, ["measure"], "measure"),
             task(4, ["shortfall", "plan"], "plan")]
    figures = agreement(tasks)
    assert figures["double_read"] == 4 and figures["observed"] == 0.5
    assert figures["kappa"] == pytest.approx(cohen_kappa([("plan", "plan"), ("measure", "achievement"),
                                                          ("other", "other"), ("shortfall", "plan")]))
    assert figures["final"] == 4 and figures["per_label"]["achievement"] == 1  # task 4 is unsettled
    assert figures["final_equals_prediction"] == pytest.approx(2 / 4)
    assert [t["index"] for t in disagreements(tasks)] == [4]
    assert cohen_kappa([("a", "a"), ("b", "b")]) == 1.0 and cohen_kappa([("a", "b"), ("b", "a")]) == -1.0
    assert report_stem("labels/reports/gwr-2025-anhui-6257405f3f.txt") == "gwr-2025-anhui"
    assert report_stem("labels/reports/003_17ec0ea3c369c8c4.txt") == "003_17ec0ea3c369c8c4"


def test_a_reading_file_is_checked_line_by_line(tmp_path):
    from train.studio.readings import read_tsv

    good = tmp_path / "r.tsv"
    good.write_text("0\tother\n1\tmeasure\tnote\n\n", encoding="utf-8")
    assert read_tsv(good) == {0: "other", 1: "measure"}
    for text, problem in (("0\tmeasures\n", "expected index<TAB>label"), ("0\tplan\n0\tplan\n", "labelled twice"),
                          ("x\tplan\n", "expected index")):
        good.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=problem):
            read_tsv(good)
