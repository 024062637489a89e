"""Where the model is: the option, $REPORTAG_MODEL, ./models, the project's own models/, the user data folder.

`reportag train --install` (and `make train`) copy the default model into the user data
folder (platformdirs), so that `reportag tag` works from any directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from infer.errors import InputError

DEFAULT_NAME = "reportag-default"
ENVIRONMENT = "REPORTAG_MODEL"


def user_models_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("reportag", appauthor=False)) / "models"


def project_dir() -> Path | None:
    """The checkout the package runs from (an editable install), if it is one."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "infer").is_dir() else None


def candidates(option: str | Path | None = None) -> list[tuple[str, Path]]:
    """(why, where) in the order they are tried."""
    if option:
        return [("--model", Path(option))]
    places = []
    if os.environ.get(ENVIRONMENT):
        places.append((f"${ENVIRONMENT}", Path(os.environ[ENVIRONMENT])))
        return places
    places.append(("the current folder", Path("models") / DEFAULT_NAME))
    project = project_dir()
    if project is not None:
        places.append(("the reportag checkout", project / "models" / DEFAULT_NAME))
    places.append(("the user data folder", user_models_dir() / DEFAULT_NAME))
    return places


def resolve_model(option: str | Path | None = None) -> Path:
    """The model folder to use; InputError listing every place looked at, and how to fix it."""
    places = candidates(option)
    for _, path in places:
        if (path / "config.json").is_file():
            return path
    if option or len(places) == 1:
        why, path = places[0]
        if path.is_dir():
            return path  # read_settings says what is wrong with it
        raise InputError(path, f"model folder not found (given by {why})")
    looked = "; ".join(f"{path} ({why})" for why, path in places)
    raise InputError("model", f"no reportag model found; looked in {looked}. Pass --model DIR, set "
                     f"{ENVIRONMENT}=DIR, or train one with `make train` (or `reportag train --install`)")
