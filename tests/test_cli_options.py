"""`reportag train` and `reportag eval` options are generated from TrainConfig's fields and reach the config."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from train.cli import app
from train.model.config import TRAIN_DEFAULTS


def test_train_options_reach_the_training_config(monkeypatch, tmp_path):
    import train.model.encoder_onnx
    import train.model.fit

    seen = {}

    def fake_train(labels, config, output):
        seen.update(labels=labels, config=config, output=output)
        return Path(output)

    monkeypatch.setattr(train.model.fit, "train_default", fake_train)
    monkeypatch.setattr(train.model.encoder_onnx, "export_encoder", lambda base, path, *a: path / "encoder")
    result = CliRunner().invoke(app, ["train", "-o", str(tmp_path / "m"), "--design", "pair", "--no-frame",
                                      "--epochs", "2.5", "--learning-rate", "0.001", "--batch-size", "4",
                                      "--seed", "7", "--max-steps", "3", "--no-quantize"])
    assert result.exit_code == 0, result.output
    config = seen["config"]
    assert (config.design, config.frame, config.epochs, config.learning_rate, config.batch_size, config.seed,
            config.max_steps, config.quantize) == ("pair", False, 2.5, 0.001, 4, 7, 3, False)
    assert config.base_model == TRAIN_DEFAULTS.base_model and seen["output"] == tmp_path / "m"


def test_generated_options_keep_their_limits_and_help():
    runner = CliRunner()
    refused = runner.invoke(app, ["train", "--epochs", "0", "--max-steps", "1"])
    assert refused.exit_code == 2 and "--epochs" in refused.output
    assert runner.invoke(app, ["train", "--design", "tree"]).exit_code == 2
    help_text = runner.invoke(app, ["eval", "--help"], terminal_width=200).output
    assert "--base-model" in help_text and "--epochs" in help_text and "--design" not in help_text
    assert TRAIN_DEFAULTS.help("epochs") in help_text
