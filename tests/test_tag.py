"""A real model, trained on the seed labels for a few steps, tags reports in every output format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import LABELLED_REPORTS, SHARED
from infer.labels import LABEL_NAMES

pytestmark = pytest.mark.slow
REPORT = LABELLED_REPORTS[3]
UNIT_FIELDS = {"report", "index", "kind", "heading", "text", "start", "end"}


def test_model_folder_is_complete(tiny_model):
    config = json.loads((tiny_model / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(5)] == list(LABEL_NAMES)
    assert config["reportag"]["context"] == "section"
    for name in ("model.safetensors", "tokenizer.json", "README.md", "metrics.json", "train_config.json"):
        assert (tiny_model / name).is_file(), name
    card = (tiny_model / "README.md").read_text()
    assert "non-commercial" in card and "## Limits" in card and "## Intended use" in card
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    assert 0 <= metrics["validation"]["macro_f1"] <= 1 and metrics["data"]["units"] > 300


def test_loads_without_reportag_installed(tiny_model):
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(str(tiny_model))
    assert model.config.label2id == {name: i for i, name in enumerate(LABEL_NAMES)}


def tag(cli, *args, input=None):
    result = cli("tag", *args, input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_jsonl_carries_segment_fields_label_and_scores(cli, tiny_model):
    rows = [json.loads(line) for line in tag(cli, REPORT, "--model", tiny_model, "--format", "jsonl").splitlines()]
    assert len(rows) == 72
    for row in rows:
        assert UNIT_FIELDS | {"label", "score", "scores"} <= set(row)
        assert row["label"] in LABEL_NAMES and set(row["scores"]) == set(LABEL_NAMES)
        assert abs(sum(row["scores"].values()) - 1) < 1e-3
        assert row["score"] == pytest.approx(row["scores"][row["label"]], abs=1e-4)
    structure = [r for r in rows if r["kind"] == "heading" and r["text"].startswith(("一、", "二、", "三、", "四、"))]
    assert len(structure) == 4 and all(r["label"] == "other" and r["score"] == 1.0 for r in structure)
    skipped = tag(cli, REPORT, "--model", tiny_model, "--format", "jsonl", "--skip-structure").splitlines()
    assert len(skipped) == 68


def test_csv_table_html_and_label_studio(cli, tiny_model, tmp_path):
    table = list(csv.DictReader(io.StringIO(tag(cli, REPORT, "--model", tiny_model, "--format", "csv"))))
    assert len(table) == 72 and {"label", "score", "scores", "heading", "text"} <= set(table[0])
    assert all(json.loads(row["scores"]).keys() == set(LABEL_NAMES) for row in table)
    shown = tag(cli, REPORT, "--model", tiny_model)
    assert "一年来六塘乡" in shown and any(f"{label.chinese} {label.value}" in shown
                                          for label in __import__("infer.labels").labels.LABELS)
    page = tmp_path / "tagged.html"
    tag(cli, REPORT, "--model", tiny_model, "--format", "html", "--output", page)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count('title="measure ') == 72  # every unit has its scores
    assert html.count("<section>") == 1 and "不足 shortfalls" in html and "l-plan" in html and "<script" not in html
    tasks = json.loads(tag(cli, REPORT, "--model", tiny_model, "--format", "ls"))
    assert len(tasks) == 72
    prediction = tasks[5]["predictions"][0]
    assert set(tasks[5]["data"]) >= {"text", "heading", "report", "index"}
    assert prediction["model_version"] == tiny_model.name and 0 < prediction["score"] <= 1
    assert prediction["result"][0]["type"] == "choices" and prediction["result"][0]["value"]["choices"][0] in LABEL_NAMES


def test_summary_lists_counts_shortfalls_and_plans(cli, tiny_model):
    [summary] = [json.loads(line) for line in
                 tag(cli, REPORT, "--model", tiny_model, "--summary", "--format", "jsonl").splitlines()]
    assert sum(summary["counts"].values()) == 72 and set(summary["counts"]) == set(LABEL_NAMES)
    assert all(isinstance(text, str) for text in summary["shortfalls"] + summary["plans"])
    assert "labels per report" in tag(cli, REPORT, "--model", tiny_model, "--summary")


def test_jsonl_sentences_are_tagged_as_given(cli, tiny_model, tmp_path):
    source = tmp_path / "sentences.jsonl"
    source.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"text": "加强法治宣传教育。", "heading": "四、2024年推进法治政府建设的主要安排", "id": "a"},
        {"text": "法治宣传形式较单一。", "id": "b"},
    ]), encoding="utf-8")
    rows = [json.loads(line) for line in tag(cli, source, "--model", tiny_model, "--format", "jsonl").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"] and [r["text"] for r in rows] == ["加强法治宣传教育。", "法治宣传形式较单一。"]
    assert all(r["label"] in LABEL_NAMES for r in rows)


def test_stdin_and_folders(cli, tiny_model, tmp_path):
    out = tag(cli, "-", "--model", tiny_model, "--format", "jsonl", input="一、存在的不足\n普法形式单一。".encode())
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["一、存在的不足", "普法形式单一。"]
    dev_docs = SHARED / "dev" / "docs"
    if dev_docs.is_dir():
        rows = tag(cli, dev_docs, "--model", tiny_model, "--format", "jsonl", "--skip-structure").splitlines()
        assert len({json.loads(line)["report"] for line in rows}) == len(list(dev_docs.glob("*.txt")))


@pytest.mark.parametrize("case", ["missing", "not-reportag", "no-text", "empty-report"])
def test_bad_input_is_one_line_and_exit_2(cli, tiny_model, tmp_path, case):
    if case == "missing":
        args, expected = [REPORT, "--model", tmp_path / "nope"], "model folder not found"
    elif case == "not-reportag":
        folder = tmp_path / "plain"
        folder.mkdir()
        (folder / "config.json").write_text('{"model_type": "bert"}')
        args, expected = [REPORT, "--model", folder], "not a reportag model"
    elif case == "no-text":
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"text": "好。"}\n{"heading": "x"}\n', encoding="utf-8")
        args, expected = [bad, "--model", tiny_model], "bad.jsonl:2: line has no 'text'"
    else:
        empty = tmp_path / "empty.txt"
        empty.write_text("\n \n", encoding="utf-8")
        args, expected = [empty, "--model", tiny_model], "empty.txt: empty file"
    result = cli("tag", *args)
    assert result.exit_code == 2
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_onnx_int8_agrees_with_pytorch(tiny_model):
    from infer.predict import OnnxPredictor, argmax, load_predictor
    from infer.read import read_report
    from infer.segment import segment

    onnx, torch_path = load_predictor(tiny_model), load_predictor(tiny_model, runtime="torch")
    assert isinstance(onnx, OnnxPredictor) and onnx.labels == torch_path.labels == list(LABEL_NAMES)
    units = [u for u in segment(read_report(REPORT)) if u.kind == "sentence"]
    args = ([u.heading for u in units], [u.text for u in units])
    fast, slow = onnx.predict_proba(*args), torch_path.predict_proba(*args)
    agree = sum(argmax(a) == argmax(b) for a, b in zip(fast, slow)) / len(units)
    assert agree >= 0.9
    assert max(abs(a - b) for fr, sr in zip(fast, slow) for a, b in zip(fr, sr)) < 0.15


def test_tagging_loads_no_training_code(tiny_model, tmp_path):
    import subprocess
    import sys

    probe = ("import sys; from infer.cli import app; "
             f"sys.argv = ['reportag', 'tag', {str(REPORT)!r}, '--model', {str(tiny_model)!r}, '--format', 'jsonl', "
             f"'--output', {str(tmp_path / 'out.jsonl')!r}]\n"
             "try:\n    app()\nexcept SystemExit:\n    pass\n"
             "heavy = sorted(m for m in ('train', 'datasets', 'evaluate', 'sklearn', 'label_studio_sdk', 'torch', "
             "'transformers') if m in sys.modules)\nprint(heavy)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 72
