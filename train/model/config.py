"""Settings written once: training (TrainConfig) and evaluation (EvalPlan), with their defaults and help.

The CLI, `make train` and `make eval` read these; this module imports nothing heavy, so
the commands can show their defaults without loading the training libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from infer.model.encode import InputSettings

from train.model.base_model import DEFAULT_BASE


@dataclass
class TrainConfig:
    """Training settings, written once: the CLI, `make train` and `make eval` read these defaults.

    A field's metadata (help, metavar, min, choices) is its command-line option: train/cli_options.py
    generates `reportag train` and `reportag eval` options from it.
    """

    base_model: str = field(default=DEFAULT_BASE, metadata={"metavar": "MODEL", "help": "m3e-small (offline default, "
                            "non-commercial licence), a Hugging Face id such as bert-base-chinese, or a local folder"})
    design: str = field(default="window", metadata={"choices": "DESIGNS", "help": "window: consecutive units of a part in one "
                        "sequence; pair: (section context, unit), one sequence each"})
    frame: bool = field(default=True, metadata={"help": "years relative to the reviewed year and the part's "
                        "prescribed name in the model's input"})
    varied: bool = field(default=False, metadata={"help": "train on windows of random size (1 unit up to the "
                         "full window), so a unit is also judged on its own words"})
    sources: str = field(default="seed,real,written", metadata={"help": "labelled sources to train on, comma-"
                         "separated: seed (the five seed reports), real (real reports read through Label Studio), "
                         "written (passages the project wrote)"})
    epochs: float = field(default=3, metadata={"metavar": "N", "min": 0.1, "help": "training epochs"})
    learning_rate: float = field(default=1e-4, metadata={"metavar": "LR", "min": 0.0, "help": "peak learning rate"})
    batch_size: int = field(default=8, metadata={"metavar": "N", "min": 1, "help": "sequences per training step"})
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    seed: int = field(default=42, metadata={"metavar": "N", "help": "random seed"})
    max_steps: int = field(default=-1, metadata={"metavar": "N", "help": "stop after this many steps (smoke tests); -1: no limit"})
    quantize: bool = field(default=True, metadata={"help": "tag with the int8 ONNX export (else fp32 ONNX)"})
    progress: bool = True
    threads: int | None = None  # torch threads (None: every core); tests fix it so results do not follow the machine

    def inputs(self) -> InputSettings:
        return InputSettings(frame=self.frame) if self.design == "window" else InputSettings.pair(self.frame)

    @classmethod
    def help(cls, name: str) -> str:
        return cls.__dataclass_fields__[name].metadata.get("help", "")


DEV_DIR = Path("../shared/dev")
DEV_SETS = ("pool-dev", "gwr-2024")
WORK_REPORT_PREFIX = "gwr-"  # project-written government work reports, left out of the cross-kind training
CONFIGS = {
    "window": {"design": "window", "frame": True},
    "window, no frame": {"design": "window", "frame": False},
    "window, varied": {"design": "window", "frame": True, "varied": True},
    "window, written only": {"design": "window", "frame": True, "sources": "seed,written", "epochs": 6},
    "pair": {"design": "pair", "frame": True},
    "pair, no frame": {"design": "pair", "frame": False},
}
SPLITS = ("loro", "cross-kind", "dev")
DESIGNS = ("window", "pair")
STRATEGIES = ("entropy", "margin", "random")  # uncertainty for `ls push --select`


@dataclass
class EvalPlan:
    """What `make eval` runs; the CLI reads these defaults."""

    # The default configuration on LORO (whose fold models also score the dev sets) and cross-kind: about two
    # hours on 2 cores. The other configurations and the dev split (a training on every label) are options.
    configs: tuple[str, ...] = ("window",)
    seeds: tuple[int, ...] = (1, 2, 3)
    splits: tuple[str, ...] = ("loro", "cross-kind")
    folds: int = 2  # groups of real reports left out in turn by the loro split (each fold is one training)
    adapted: str | None = None  # an adapted base model: adds "<first config> + adapted"
    onnx: bool = True  # also score the int8 ONNX export of the first configuration (first seed)
    dev_dir: Path = DEV_DIR
    out_dir: Path = Path("runs/eval")
    train: TrainConfig = field(default_factory=TrainConfig)


TRAIN_DEFAULTS = TrainConfig()
EVAL_DEFAULTS = EvalPlan()


def train_help(name: str) -> str:
    return TrainConfig.help(name)
