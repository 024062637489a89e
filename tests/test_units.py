"""Fast tests without a model: tagging, summaries and outputs with a fake scorer; selection, baselines, eval tables."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from conftest import LABELLED_REPORTS, SEEDS
from infer.engines.local import TagOptions, tag
from infer.errors import InputError
from infer.model.labels import LABEL_NAMES
from infer.inputs import collect_rows
from infer.tag import summarise, tag_document, tag_rows

REPORT = LABELLED_REPORTS[3]


def run(tmp_path, fake_scorer, *paths, **options):
    out, err = io.StringIO(), io.StringIO()
    code = tag(TagOptions(paths=[str(p) for p in paths], quiet=True, **options), out, err, scorer=fake_scorer)
    return code, out.getvalue(), err.getvalue()


def test_structure_passes_through_and_the_rest_is_scored(fake_scorer):
    rows, _ = collect_rows([REPORT])
    tagged = tag_document(rows, fake_scorer)
    parts = [r for r in tagged if r["kind"] == "heading" and r["text"][:2] in ("一、", "二、", "三、", "四、")]
    assert len(parts) == 4 and all(r["label"] == "other" and r["score"] == 1.0 for r in parts)
    assert sum(len(call) for call in fake_scorer.calls) == len(tagged) - 4
    assert all(set(r["scores"]) == set(LABEL_NAMES) and r["year"] == 2023 and r["part"] for r in tagged)
    assert len(tag_document(rows, fake_scorer, skip_structure=True)) == len(tagged) - 4


def test_rows_of_several_reports_are_tagged_report_by_report(fake_scorer):
    rows, _ = collect_rows(SEEDS[:2])
    tagged = tag_rows(rows, fake_scorer)
    assert [r["text"] for r in tagged] == [r["text"] for r in rows]
    assert len(fake_scorer.calls) == 2


def test_summary_lists_shortfalls_and_plans_with_their_place(fake_scorer):
    rows, _ = collect_rows([REPORT])
    [summary] = summarise(tag_document(rows, fake_scorer))
    assert sum(summary["counts"].values()) == len(rows)
    assert summary["plans"] and all({"index", "heading", "text", "score", "part"} <= set(p) for p in summary["plans"])
    assert all("将" in p["text"] or "下一步" in p["text"] for p in summary["plans"])


def test_formats_follow_the_output_extension(tmp_path, fake_scorer):
    for suffix, check in ((".jsonl", lambda p: json.loads(p.read_text().splitlines()[0])["label"]),
                          (".csv", lambda p: p.read_bytes().startswith(b"\xef\xbb\xbf")),
                          (".html", lambda p: "<!DOCTYPE html>" in p.read_text()),
                          (".xlsx", lambda p: p.read_bytes()[:2] == b"PK"),
                          (".parquet", lambda p: p.read_bytes()[:4] == b"PAR1")):
        target = tmp_path / f"out{suffix}"
        code, _, _ = run(tmp_path, fake_scorer, REPORT, output=str(target))
        assert code == 0 and check(target), suffix


def test_csv_is_excel_ready(tmp_path, fake_scorer):
    source = tmp_path / "s.jsonl"
    source.write_text(json.dumps({"text": "=1+2 将开展普法。", "heading": "@x"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    code, _, _ = run(tmp_path, fake_scorer, source, output=str(tmp_path / "o.csv"))
    [row] = list(csv.DictReader(io.StringIO((tmp_path / "o.csv").read_text(encoding="utf-8-sig"))))
    assert code == 0 and row["text"] == "'=1+2 将开展普法。" and row["heading"] == "'@x"
    assert row["label"] == "plan" and float(row["p_plan"]) == pytest.approx(0.7, abs=1e-3)


def test_summary_csv_is_report_by_label(tmp_path, fake_scorer):
    code, _, _ = run(tmp_path, fake_scorer, *SEEDS[:3], output=str(tmp_path / "s.csv"), summary=True)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text(encoding="utf-8-sig"))))
    assert code == 0 and len(rows) == 3 and set(LABEL_NAMES) <= set(rows[0])
    assert all(int(r["units"]) == sum(int(r[name]) for name in LABEL_NAMES) for r in rows)
    assert all(int(r["units"]) == sum(int(v) for k, v in r.items() if k.startswith("units_")) for r in rows)
    assert {"body", "year", "units_years_work", "units_next_year", "units_shortfalls"} <= set(rows[0])


def test_summary_in_a_format_without_one_is_refused(tmp_path, fake_scorer):
    with pytest.raises(InputError, match="--summary"):
        run(tmp_path, fake_scorer, REPORT, output=str(tmp_path / "x.parquet"), summary=True)


def test_xlsx_sheets_and_columns(tmp_path, fake_scorer):
    import openpyxl

    target = tmp_path / "out.xlsx"
    assert run(tmp_path, fake_scorer, *SEEDS[:2], output=str(target))[0] == 0
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["sentences", "summary", "parts", "shortfalls", "plans"]
    header = [c.value for c in book["sentences"][1]]
    assert header[:9] == ["report", "body", "year", "part", "heading", "index", "label", "label_zh", "score"]
    assert {f"p_{n}" for n in LABEL_NAMES} <= set(header) and header[-1] == "text"
    assert book["sentences"].freeze_panes == "A2" and book["sentences"].auto_filter.ref
    assert book["summary"].max_row == 3
    summary = [dict(zip([c.value for c in book["summary"][1]], [c.value for c in row])) for row in book["summary"]][1:]
    parts = [dict(zip([c.value for c in book["parts"][1]], [c.value for c in row])) for row in book["parts"]][1:]
    assert all(s["units"] == sum(p["units"] for p in parts if p["report"] == s["report"]) for s in summary)
    assert all(p["units"] == sum(p[n] for n in LABEL_NAMES) for p in parts) and all(s["year"] for s in summary)


def test_label_and_score_filters(tmp_path, fake_scorer):
    code, out, _ = run(tmp_path, fake_scorer, REPORT, format="jsonl", labels=("shortfall", "plan"), min_score=0.5)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and {r["label"] for r in rows} <= {"shortfall", "plan"}
    assert all(r["score"] >= 0.5 for r in rows)
    code, out, _ = run(tmp_path, fake_scorer, REPORT, format="jsonl", review_below=0.8)
    assert all(json.loads(line)["review"] == (json.loads(line)["score"] < 0.8) for line in out.splitlines())


def test_a_folder_skips_reportag_outputs_and_says_what_it_skipped(tmp_path, fake_scorer):
    folder = tmp_path / "r"
    folder.mkdir()
    for path in SEEDS[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "notes.md").write_text("x")
    (folder / "old.xls").write_bytes(b"x")
    first = run(tmp_path, fake_scorer, folder, output=str(folder / "tags.jsonl"))
    run(tmp_path, fake_scorer, folder, output=str(folder / "page.html"))
    run(tmp_path, fake_scorer, folder, output=str(folder / "table.txt"), format="table")
    code, out, err = run(tmp_path, fake_scorer, folder, format="jsonl", summary=True)
    counts = [sum(json.loads(line)["counts"].values()) for line in out.splitlines()]
    assert first[0] == 0 and code == 0 and len(counts) == 2
    # tags.jsonl, its .index, page.html, table.txt (no .lock: a finished run removes it)
    assert "skipped 6 files in folders: 4 reportag outputs" in err and ".md" in err and ".xls" in err


def test_parquet_folder_keeps_errors_and_resumes(tmp_path, fake_scorer):
    import pyarrow.parquet as pq

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    folder = str(tmp_path / "ds") + "/"
    code, _, err = run(tmp_path, fake_scorer, SEEDS[0], bad, SEEDS[1], output=folder)
    assert code == 2 and "bad.txt: empty file" in err
    tags = pq.read_table(tmp_path / "ds" / "tags").to_pylist()
    assert {r["report"] for r in tags} == {str(SEEDS[0]), str(SEEDS[1])}
    assert pq.read_table(tmp_path / "ds" / "errors").to_pylist() == [{"report": str(bad), "error": "empty file"}]
    with pytest.raises(InputError, match="--resume"):
        run(tmp_path, fake_scorer, SEEDS[0], output=folder)
    calls = len(fake_scorer.calls)
    run(tmp_path, fake_scorer, SEEDS[0], SEEDS[1], SEEDS[2], output=folder, resume=True)
    assert len(fake_scorer.calls) == calls + 1
    assert len(pq.read_table(tmp_path / "ds" / "tags").to_pylist()) == len(tags) + len(collect_rows([SEEDS[2]])[0])


def test_jsonl_on_stdin_is_recognised(monkeypatch, fake_scorer, tmp_path):
    rows, _ = collect_rows([REPORT])
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("".join(
        json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())))
    code, out, _ = run(tmp_path, fake_scorer, "-", format="jsonl")
    from_stdin = [json.loads(line) for line in out.splitlines()]
    code2, out2, _ = run(tmp_path, fake_scorer, REPORT, format="jsonl")
    from_file = [json.loads(line) for line in out2.splitlines()]
    assert code == code2 == 0
    assert [(r["text"], r["label"], r["part"]) for r in from_stdin] == [(r["text"], r["label"], r["part"]) for r in from_file]


def test_uncertainty_selection_spreads_over_reports():
    from train.studio.sdk import select_uncertain

    rng = random.Random(0)
    rows = [{"report": f"r{i % 3}", "index": i, "scores": dict(zip(LABEL_NAMES, _probabilities(rng)))}
            for i in range(30)]
    for strategy in ("entropy", "margin", "random"):
        chosen = select_uncertain(rows, 6, strategy)
        assert len(chosen) == 6 and {r["report"] for r in chosen} == {"r0", "r1", "r2"}
    least_sure = select_uncertain(rows, 1, "margin")[0]
    margins = {r["index"]: sorted(r["scores"].values())[-1] - sorted(r["scores"].values())[-2] for r in rows}
    assert margins[least_sure["index"]] == min(margins.values())
    with pytest.raises(InputError):
        select_uncertain(rows, 0, "entropy")


def _probabilities(rng):
    values = [rng.random() for _ in LABEL_NAMES]
    return [v / sum(values) for v in values]


@pytest.mark.slow  # fits the TF-IDF baseline on every labelled row (about 30 s on 2 loaded cores)
def test_baselines_learn_from_the_labelled_rows():
    from train.evaluation.baselines import SectionRule, TfidfLogReg
    from train.data import load_training_rows
    from train.model.pooling import framed_rows

    framed = framed_rows(load_training_rows(["labels", "labels/written"]))
    rule, tfidf = SectionRule().fit(framed), TfidfLogReg().fit(framed)
    plans = [r for r in framed if r["part"] == "next year" and r["kind"] == "sentence"]
    assert sum(p == "plan" for p in rule.predict(plans)) / len(plans) > 0.8
    assert sum(p == r["label"] for p, r in zip(tfidf.predict(framed), framed)) / len(framed) > 0.9


def test_eval_tables_show_mean_and_spread():
    from train.evaluation.evaluate import markdown_report, summarise_runs
    from train.evaluation.metrics import score

    gold = ["measure", "plan", "other", "shortfall"]
    runs = [score(p, gold) for p in (["measure", "plan", "other", "shortfall"], ["measure", "plan", "other", "plan"])]
    for r in runs:
        r["calibration"] = {"ece": 0.1, "bins": []}
    summary = summarise_runs(runs)
    assert summary["runs"] == 2 and summary["macro_f1"] == pytest.approx((1 + runs[1]["macro_f1"]) / 2)
    table = markdown_report({"dev": {"model [window]": summary}})
    assert "### dev (4 units)" in table and f"{summary['macro_f1']:.3f} ± {summary['macro_f1_sd']:.3f}" in table


def test_loro_folds_leave_out_every_real_report_once_and_hold_both_kinds():
    from train.data import load_training_rows
    from train.evaluation.evaluate import loro_splits
    from train.model.fit import validation_reports

    rows = load_training_rows(["labels", "labels/written"])
    splits = loro_splits(rows, {}, folds=2)
    held = [{d[0]["report"] for docs in s.tests.values() for d in docs} for s in splits]
    real = {r["report"] for r in rows if r["source"] in ("seed", "real")} - validation_reports(rows)
    assert not held[0] & held[1] and held[0] | held[1] == real
    for split, out in zip(splits, held):
        assert not out & {r["report"] for r in split.train_rows}
        assert {r["source"] for r in split.train_rows} == {"seed", "real", "written"}
        assert split.tests["LORO: held-out work reports"] and split.tests["LORO: held-out rule-of-law reports"]
    assert not validation_reports(rows) & (held[0] | held[1])


def test_confident_units_are_counted_per_run():
    from train.evaluation.evaluate import _record, summarise_runs

    runs = {}
    _record(runs, "t", "m", (["plan", "plan", "other"], ["plan", "other", "other"], [0.99, 0.96, 0.5]))
    _record(runs, "t", "m", (["plan", "plan", "other"], ["plan", "plan", "other"], [0.99, 0.97, 0.96]))
    summary = summarise_runs(runs["t"]["m"])
    assert summary["confident"] == {"n": 2.5, "accuracy": pytest.approx(4 / 5)}


def test_calibration_temperature_and_ece():
    import numpy as np

    from train.model.calibrate import fit_temperature, reliability

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 400)
    logits = rng.normal(size=(400, 5))
    logits[np.arange(400), labels] += 1.0
    overconfident = logits * 4
    assert fit_temperature(overconfident, labels) > 2
    assert reliability([0.9] * 10, [True] * 9 + [False])["ece"] == pytest.approx(0.0)
    assert reliability([1.0] * 10, [False] * 10)["ece"] == pytest.approx(1.0)
