"""A real model, trained on the labels for a few steps, tags reports in every output format."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import LABELLED_REPORTS, ROOT, modules_loaded_by
from infer.model.labels import LABEL_NAMES
from infer.model.scorer import model_version
from infer.outputs.rows import TAG_FIELDS

pytestmark = pytest.mark.slow
REPORT = LABELLED_REPORTS[3]


def test_model_folder_is_complete(tiny_model):
    config = json.loads((tiny_model / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(5)] == list(LABEL_NAMES)
    settings = config["reportag"]
    assert settings["inputs"]["design"] == "window" and settings["inputs"]["frame"] is True
    assert settings["temperature"] > 0 and settings["onnx"] == "model.int8.onnx"
    for name in ("model.safetensors", "tokenizer.json", "README.md", "metrics.json", "train_config.json",
                 "model.int8.onnx"):
        assert (tiny_model / name).is_file(), name
    card = (tiny_model / "README.md").read_text()
    assert "non-commercial" in card and "## Limits" in card and "## Intended use" in card and "temperature" in card
    metrics = json.loads((tiny_model / "metrics.json").read_text())
    assert 0 <= metrics["validation"]["macro_f1"] <= 1 and metrics["data"]["units"] > 1000


def test_loads_without_reportag_installed(tiny_model):
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(str(tiny_model))
    assert model.config.label2id == {name: i for i, name in enumerate(LABEL_NAMES)}


def tag(cli, *args, input=None):
    result = cli("tag", *args, "--quiet", input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_carries_unit_frame_label_and_calibrated_scores(cli, tiny_model):
    rows = jsonl(tag(cli, REPORT, "--model", tiny_model, "--format", "jsonl"))
    assert len(rows) == 72
    for row in rows:
        assert set(TAG_FIELDS) | {"model_version", "report_hash"} <= set(row)
        assert row["label"] in LABEL_NAMES and set(row["scores"]) == set(LABEL_NAMES)
        assert abs(sum(row["scores"].values()) - 1) < 1e-3 and all(0 <= v <= 1 for v in row["scores"].values())
        assert row["score"] == pytest.approx(row["scores"][row["label"]], abs=1e-4)
        assert row["year"] == 2023 and row["part"]
    structure = [r for r in rows if r["kind"] == "heading" and r["text"].startswith(("一、", "二、", "三、", "四、"))]
    assert len(structure) == 4 and all(r["label"] == "other" and r["score"] == 1.0 for r in structure)
    skipped = tag(cli, REPORT, "--model", tiny_model, "--format", "jsonl", "--skip-structure").splitlines()
    assert len(skipped) == 68


def test_csv_table_html_and_label_studio(cli, tiny_model, tmp_path):
    table = list(csv.DictReader(io.StringIO(tag(cli, REPORT, "--model", tiny_model, "--format", "csv"))))
    assert len(table) == 72 and {"label", "score", "heading", "text", "p_plan"} <= set(table[0])
    shown = tag(cli, REPORT, "--model", tiny_model)
    assert "一年来六塘乡" in shown and "heading" in shown.splitlines()[1]
    page = tmp_path / "tagged.html"
    tag(cli, REPORT, "--model", tiny_model, "--output", page)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count('class="u l-') >= 72 and "<script>" in html
    tasks = json.loads(tag(cli, REPORT, "--model", tiny_model, "--format", "ls"))
    assert len(tasks) == 72
    prediction = tasks[5]["predictions"][0]
    assert set(tasks[5]["data"]) >= {"text", "heading", "report", "index"}
    assert prediction["model_version"] == model_version(tiny_model) and 0 < prediction["score"] <= 1


def test_jsonl_rows_in_order_are_tagged_as_the_report(cli, tiny_model, tmp_path):
    from_file = jsonl(tag(cli, REPORT, "--model", tiny_model, "--format", "jsonl"))
    source = tmp_path / "units.jsonl"
    source.write_text("".join(json.dumps({k: r[k] for k in ("report", "index", "heading", "text")}, ensure_ascii=False)
                              + "\n" for r in from_file), encoding="utf-8")
    from_rows = jsonl(tag(cli, source, "--model", tiny_model, "--format", "jsonl"))
    assert [r["label"] for r in from_rows] == [r["label"] for r in from_file]
    assert max(abs(a["score"] - b["score"]) for a, b in zip(from_rows, from_file)) < 1e-3
    piped = jsonl(tag(cli, "-", "--model", tiny_model, "--format", "jsonl",
                      input=subprocess.run([sys.executable, "-m", "infer.cli", "segment", str(REPORT)],
                                           capture_output=True, check=True, cwd=ROOT).stdout))
    assert [r["label"] for r in piped] == [r["label"] for r in from_file]


def test_a_single_row_still_works(cli, tiny_model, tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"text": "加强法治宣传教育。", "heading": "四、2024年推进法治政府建设的主要安排",
                                  "year": 2023, "id": "a"}, ensure_ascii=False), encoding="utf-8")
    [row] = jsonl(tag(cli, source, "--model", tiny_model, "--format", "jsonl"))
    assert row["id"] == "a" and row["label"] in LABEL_NAMES and row["part"] == "next year"


def test_scores_do_not_depend_on_batching_or_threads(tiny_model):
    from infer.frame import frame_rows
    from infer.inputs import collect_rows
    from infer.model.scorer import load_scorer
    from infer.tag import is_structure

    rows, _ = collect_rows([REPORT])
    frame = frame_rows(rows)
    units = [r for r in rows if not is_structure(r)]
    one, two = load_scorer(tiny_model, threads=1), load_scorer(tiny_model, threads=2)
    whole = one.score(units, frame)
    assert two.score(units, frame) == whole
    # a unit scored alone (pair design: alone is its own batch) and inside the window it belongs to
    # a unit scored alone, before and after another report went through a second scorer: no state carries over
    alone = [one.score([u], frame)[0] for u in units[:5]]
    other_rows, _ = collect_rows([LABELLED_REPORTS[0]])
    two.score([r for r in other_rows if not is_structure(r)], frame_rows(other_rows))
    assert [two.score([u], frame)[0] for u in units[:5]] == alone
    assert alone != whole[:5]  # alone, a unit has no window around it: the comparison above is not vacuous


def test_shifting_every_year_keeps_the_tags(cli, tiny_model, tmp_path):
    text = REPORT.read_text(encoding="utf-8")
    labels = []
    for shift in (-2, 0, 2):
        shifted = re.sub(r"(?<!\d)(20\d{2})(?=\s*(?:年|[—–-]\s*20\d{2}\s*年))",
                         lambda m: str(int(m.group(1)) + shift), text)
        path = tmp_path / f"shift{shift}.txt"
        path.write_text(shifted, encoding="utf-8")
        labels.append([(r["label"], round(r["score"], 3)) for r in jsonl(tag(cli, path, "--model", tiny_model,
                                                                             "--format", "jsonl"))])
    assert labels[0] == labels[1] == labels[2]


def test_onnx_int8_agrees_with_pytorch(tiny_model):
    from infer.frame import frame_rows
    from infer.inputs import collect_rows
    from infer.model.scorer import argmax, load_scorer
    from infer.tag import is_structure
    from train.model.fit import load_torch_scorer

    rows, _ = collect_rows([REPORT])
    frame = frame_rows(rows)
    units = [r for r in rows if not is_structure(r)]
    fast, slow = load_scorer(tiny_model).score(units, frame), load_torch_scorer(tiny_model).score(units, frame)
    agree = sum(argmax(a) == argmax(b) for a, b in zip(fast, slow)) / len(units)
    assert agree >= 0.9
    assert max(abs(a - b) for fr, sr in zip(fast, slow) for a, b in zip(fr, sr)) < 0.15


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


def test_the_model_is_found_from_any_directory(tiny_model, tmp_path):
    """From a fresh directory: $REPORTAG_MODEL, then the user data folder where `train --install` puts it.

    The packages run from a copy outside the checkout, so the checkout's own models/ (which comes
    before the user data folder) is never looked at, whatever this machine has trained.
    """
    import shutil

    code = tmp_path / "code"
    for package in ("infer", "train"):
        shutil.copytree(ROOT / package, code / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("REPORTAG_MODEL", None)
    work = tmp_path / "work"
    work.mkdir()
    command = [sys.executable, "-m", "train.cli", "tag", str(REPORT), "--format", "jsonl", "--quiet"]
    run = lambda env: subprocess.run(command, capture_output=True, text=True, cwd=work,  # noqa: E731
                                     env={**env, "PYTHONPATH": str(code)})
    from_env = run({**env, "REPORTAG_MODEL": str(tiny_model)})
    assert from_env.returncode == 0 and len(from_env.stdout.splitlines()) == 72
    installed = tmp_path / "data" / "reportag" / "models" / "reportag-default"
    shutil.copytree(tiny_model, installed)
    from_user = run(env)
    assert from_user.returncode == 0 and len(from_user.stdout.splitlines()) == 72
    shutil.rmtree(installed)
    missing = run(env)
    assert missing.returncode == 2 and "looked in" in missing.stderr and "--model" in missing.stderr
    assert "the reportag checkout" not in missing.stderr


BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {names!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}")
sys.meta_path.insert(0, Block())
from train.cli import app
sys.argv = ["reportag", *{argv!r}]
try:
    app()
except SystemExit as exit:
    code = exit.code
heavy = sorted(m for m in {names!r} if m in sys.modules)
print("HEAVY", heavy, "CODE", code)
"""
HEAVY = ("torch", "transformers", "datasets", "evaluate", "sklearn", "accelerate", "label_studio_sdk", "pandas",
         "train.model.fit", "ray")


def test_tagging_needs_none_of_the_training_libraries(tiny_model, tmp_path):
    """With the training libraries unimportable (a core-only install), tag works and train names the extra."""
    out = tmp_path / "out.jsonl"
    blocked = HEAVY[:-3]
    tagged = subprocess.run([sys.executable, "-c", BLOCKER.format(names=blocked, argv=[
        "tag", str(REPORT), "--model", str(tiny_model), "-o", str(out), "--quiet"])], capture_output=True, text=True,
        cwd=ROOT)
    assert tagged.stdout.strip().endswith("HEAVY [] CODE 0"), tagged.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 72
    refused = subprocess.run([sys.executable, "-c", BLOCKER.format(names=blocked, argv=["train"])],
                             capture_output=True, text=True, cwd=ROOT)
    assert "CODE 2" in refused.stdout and "pip install 'reportag[train]'" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_tagging_imports_no_heavy_library(tiny_model, tmp_path):
    argv = ["tag", REPORT, "--model", tiny_model, "-o", tmp_path / "o.html", "--quiet"]
    assert modules_loaded_by(argv, list(HEAVY)) == []


def test_stdin_and_folders(cli, tiny_model, tmp_path):
    import shutil

    out = tag(cli, "-", "--model", tiny_model, "--format", "jsonl", input="一、存在的不足\n普法形式单一。".encode())
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["一、存在的不足", "普法形式单一。"]
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in LABELLED_REPORTS[:3]:
        shutil.copy(path, docs / path.name)
    rows = tag(cli, docs, "--model", tiny_model, "--format", "jsonl", "--skip-structure").splitlines()
    assert len({json.loads(line)["report"] for line in rows}) == 3
