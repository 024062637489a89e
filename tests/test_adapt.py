"""`reportag adapt`: continued masked-LM pretraining on a tiny corpus gives a base model training can load."""

from __future__ import annotations

import shutil

import pytest

from conftest import SEEDS

pytestmark = pytest.mark.slow


def test_adapt_a_few_steps_then_train_on_it(cli, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SEEDS[:2]:
        shutil.copy(path, corpus)
    (corpus / "notes.md").write_text("not a report")
    output = tmp_path / "adapted"
    result = cli("adapt", corpus, "--output", output, "--max-steps", "3")
    assert result.exit_code == 0, result.output
    card = (output / "README.md").read_text(encoding="utf-8")
    assert "adapted to government reports" in card and "2 reports" in card and "non-commercial" in card
    assert not (output / ".checkpoints").exists()
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(str(output), num_labels=5)
    assert model.config.num_hidden_layers == 4
    trained = cli("train", "--base-model", output, "--max-steps", "2", "--output", tmp_path / "model")
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "model" / "model.int8.onnx").is_file()
