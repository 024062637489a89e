"""Label Studio round trip through label-studio-sdk: push units (with predictions), pull annotations.

The server is found from LABEL_STUDIO_URL (default http://127.0.0.1:8080) and
LABEL_STUDIO_API_KEY. Tasks carry `data` {text, heading, report, index, kind}; pushing a
report again skips the units already in the project; pulled annotations merge into
labels/annotations/ by the same rules as `reportag data import`. A pushed report that
lies outside the project is copied into <labels>/reports/ first (named by its stem and
a hash of its bytes, so two reports never collide), so that `ls pull` finds it there.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from infer.errors import InputError
from infer.files import atomic_write_text
from infer.model.labels import config_problem
from infer.outputs.write import ls_task

from train.studio.store import MergeResult, import_tasks
from train.studio.export_format import parse_tasks

DEFAULT_URL = "http://127.0.0.1:8080"
CONFIG = Path("labels/config.xml")


def connect(url: str | None = None, api_key: str | None = None):
    """A checked SDK client; InputError for a missing key, an unreachable server or a wrong token."""
    from label_studio_sdk import LabelStudio

    url = url or os.environ.get("LABEL_STUDIO_URL") or DEFAULT_URL
    api_key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
    if not api_key:
        raise InputError("LABEL_STUDIO_API_KEY", "not set: export the API token of your Label Studio user")
    try:
        client = LabelStudio(base_url=url, api_key=api_key)
        client.projects.list(page_size=1)
    except Exception as exc:  # httpx connection errors, bad URLs and the SDK's ApiError alike
        status = getattr(exc, "status_code", None)
        if status in (401, 403):
            raise InputError(url, "Label Studio refused the API token (wrong LABEL_STUDIO_API_KEY?)") from None
        raise InputError(url, f"Label Studio is not reachable ({exc.__class__.__name__}); start it with "
                         "`make label-studio`") from None
    return client


def ensure_project(client, name: str, config_path: Path = CONFIG):
    """The project titled `name`, created with labels/config.xml if absent, checked if present."""
    config = config_path.read_text(encoding="utf-8")
    for project in client.projects.list():
        if project.title == name:
            theirs = getattr(project, "label_config", None) or client.projects.get(id=project.id).label_config
            problem = config_problem(theirs)
            if problem:
                raise InputError(name, f"the project's labeling config does not match labels/config.xml: {problem}")
            return project
    return client.projects.create(title=name, label_config=config)


def find_project(client, name: str):
    project = next((p for p in client.projects.list() if p.title == name), None)
    if project is None:
        raise InputError(name, "no such Label Studio project")
    return project


def existing_keys(client, project_id: int) -> set[tuple[str, int]]:
    keys = set()
    for task in client.tasks.list(project=project_id, fields="all"):
        data = task.data or {}
        index = data.get("index")
        if "report" in data and isinstance(index, int) and not isinstance(index, bool):
            keys.add((str(data["report"]), index))
    return keys


def uncertainty(scores: dict[str, float], strategy: str, rng: random.Random) -> float:
    """Higher means the model is less sure (of its calibrated scores)."""
    values = sorted(scores.values(), reverse=True)
    if strategy == "entropy":
        return -sum(p * math.log(p) for p in values if p > 0)
    if strategy == "margin":
        return -(values[0] - values[1])
    return rng.random()


def select_uncertain(rows: list[dict], n: int, strategy: str, seed: int = 0) -> list[dict]:
    """The n rows the model is least sure of, taken in turn from each report so all are represented."""
    if n < 1:
        raise InputError("--select", "must be at least 1")
    rng = random.Random(seed)
    by_report: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: uncertainty(r["scores"], strategy, rng), reverse=True):
        by_report[row["report"]].append(row)
    chosen: list[dict] = []
    queues = list(by_report.values())
    while len(chosen) < n and any(queues):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    return chosen


def api_errors(function):
    """Turn the SDK's ApiError (a refused request) and a cut connection into one InputError line."""
    import functools

    @functools.wraps(function)
    def wrapper(client, *args, **kwargs):
        import httpx
        from label_studio_sdk.core.api_error import ApiError

        try:
            return function(client, *args, **kwargs)
        except ApiError as exc:
            body = exc.body if isinstance(exc.body, dict) else {}
            reason = body.get("validation_errors") or body.get("detail") or exc.body
            raise InputError(f"Label Studio ({exc.status_code})", f"{function.__name__}: {reason}") from None
        except (httpx.TransportError, ConnectionError) as exc:  # the server went away mid-request
            raise InputError("Label Studio", f"{function.__name__}: the connection failed ({exc.__class__.__name__}); "
                             "nothing was changed: check that Label Studio is running and try again") from None
    return wrapper


@api_errors
def push(client, rows: list[dict], project_name: str, model_version: str | None = None) -> tuple[int, int]:
    """Import the rows as tasks, skipping units already in the project: (imported, skipped)."""
    project = ensure_project(client, project_name)
    have = existing_keys(client, project.id)
    new = [row for row in rows if (row["report"], int(row["index"])) not in have]
    if new:
        client.projects.import_tasks(id=project.id, request=[ls_task(row, model_version) for row in new],
                                     commit_to_project=True, return_task_ids=True)
    return len(new), len(rows) - len(new)


@dataclass
class PushResult:
    imported: int = 0
    skipped: int = 0
    errors: list[InputError] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def project_name_of(path: Path, digest: str, labels_root: Path) -> tuple[str, str | None]:
    """(the report's name in tasks, a copy to make or None): inside the project it keeps its path."""
    resolved = path.resolve()
    for root in (labels_root.resolve().parent, Path.cwd().resolve()):
        if root in resolved.parents:
            return str(resolved.relative_to(root)), None
    copy = labels_root / "reports" / f"{path.stem[:60]}-{digest[:10]}{path.suffix.lower()}"
    return str(copy.resolve().relative_to(labels_root.resolve().parent)), str(copy)


def push_reports(paths: list[str], project: str, predict: bool = False, select: int | None = None,
                 strategy: str = "entropy", model: str | None = None, backend: str | None = None,
                 labels_root: Path = Path("labels")) -> PushResult:
    """`reportag ls push`: read the reports, optionally score and select units, import them as tasks."""
    from infer.locate import resolve_model
    from infer.inputs import iter_documents
    from infer.model.scorer import load_scorer
    from infer.tag import is_structure, tag_document

    if select is not None and select < 1:
        raise InputError("--select", "must be at least 1")
    result = PushResult()
    scorer = load_scorer(resolve_model(model)) if predict or select else None
    client = connect()
    rows: list[dict] = []
    for document in iter_documents(paths, result.errors):
        if document.report == "<stdin>" or not Path(document.report).is_file():
            result.errors.append(InputError(document.report, "ls push needs report files (a task must name a "
                                            "file that ls pull can read back)"))
            continue
        name, copy = project_name_of(Path(document.report), document.digest, labels_root)
        if copy:
            Path(copy).parent.mkdir(parents=True, exist_ok=True)
            if not Path(copy).exists():
                shutil.copyfile(document.report, copy)
            result.messages.append(f"copied {document.report} to {copy} (ls pull reads it there)")
        units = [dict(row, report=name) for row in document.rows]
        if scorer is not None:
            units = tag_document(units, scorer, year=document.year)
        rows += [row for row in units if not is_structure(row)]
    for error in result.errors:
        result.messages.insert(0, f"error: {error}")
    if select:
        rows = select_uncertain(rows, select, strategy)
    result.imported, result.skipped = push(client, rows, project, scorer.name if predict and scorer else None)
    if backend:
        connect_backend(client, project, backend)
    return result


PULL_STATE = ".ls-pull.json"  # in the labels folder, never in git: what each project looked like at the last pull
EXPORT_CHUNK = 200  # task ids per export request (they travel in the URL)


@api_errors
def pull(client, project_name: str, labels_root: Path, overwrite: bool = False, full: bool = False) -> MergeResult:
    """Export the tasks changed since the last pull (in memory) and merge them into labels_root (all or nothing).

    A task counts as changed when its `updated_at` (Label Studio moves it on every annotation) differs from the
    one recorded at the last successful pull of this project; `full` fetches every task. The record is written
    only after the merge succeeded, so a failed or killed pull fetches the same tasks again. `result.fetched`
    is the number of tasks exported.
    """
    project = find_project(client, project_name)
    key = f"{client._client_wrapper.get_base_url()}|{project.id}"
    state_path = labels_root / PULL_STATE
    state = _load_state(state_path)
    seen = {str(task.id): str(task.updated_at) for task in client.tasks.list(project=project.id, fields="task_only")}
    known = {} if full else state.get(key, {})
    changed = [task_id for task_id, stamp in seen.items() if known.get(task_id) != stamp]
    tasks: list = []
    for start in range(0, len(changed), EXPORT_CHUNK):
        tasks += export_tasks(client, project.id, changed[start:start + EXPORT_CHUNK])
    source = f"Label Studio project {project_name!r}"
    result = import_tasks(parse_tasks(tasks, source), source, labels_root, overwrite=overwrite)
    result.fetched = len(changed)
    state = _load_state(state_path)  # another pull may have recorded its own project meanwhile
    state[key] = seen
    atomic_write_text(state_path, json.dumps(state, sort_keys=True))
    return result


def export_tasks(client, project_id: int, ids: list[str]) -> list:
    """The JSON export of the given tasks only.

    Label Studio reads the subset from `ids[]` query parameters; the SDK's `download_sync(ids=…)` sends
    `ids`, which the server ignores (it would export the whole project every time), so the request is
    made here with the SDK's own HTTP client, base URL and credentials.
    """
    wrapper = client._client_wrapper
    response = wrapper.httpx_client.httpx_client.get(
        f"{wrapper.get_base_url().rstrip('/')}/api/projects/{project_id}/export",
        params=[("exportType", "JSON"), ("download_all_tasks", "true"), *(("ids[]", i) for i in ids)],
        headers=wrapper.get_headers(), timeout=300)
    if response.status_code != 200:
        raise InputError(f"Label Studio ({response.status_code})", f"export: {response.text[:200]}")
    return json.loads(response.content.decode("utf-8"))


def _load_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and all(isinstance(v, dict) for v in state.values()) else {}


@api_errors
def connect_backend(client, project_name: str, url: str) -> None:
    project = ensure_project(client, project_name)
    if not any(getattr(b, "url", "") == url for b in client.ml.list(project=project.id)):
        client.ml.create(url=url, project=project.id, title="reportag", is_interactive=False)


def credentials(data: Path) -> dict[str, str]:
    """Admin user and API token: from the environment, else generated once and kept in data/credentials.json (0600)."""
    import secrets

    stored = data / "credentials.json"
    saved = {}
    if stored.is_file():
        os.chmod(stored, 0o600)
        try:
            saved = json.loads(stored.read_text(encoding="utf-8"))
        except ValueError:
            saved = {}
    creds = {
        "username": os.environ.get("LABEL_STUDIO_USERNAME") or saved.get("username") or "admin@reportag.local",
        "password": os.environ.get("LABEL_STUDIO_PASSWORD") or saved.get("password") or secrets.token_urlsafe(12),
        "token": os.environ.get("LABEL_STUDIO_USER_TOKEN") or saved.get("token") or secrets.token_hex(20),
    }
    if creds != saved:
        data.mkdir(parents=True, exist_ok=True)
        tmp = stored.with_name(f".{stored.name}.tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(creds, handle)
        os.replace(tmp, stored)
    return creds


def serve(port: int, data: Path, venv: Path) -> None:
    """Run Label Studio in the foreground on 127.0.0.1:port (make label-studio-install first)."""
    import subprocess

    binary = venv / "bin" / "label-studio"
    if not binary.is_file():
        raise InputError(binary, "Label Studio is not installed: run `make label-studio-install`")
    creds = credentials(data)
    env = {**os.environ, "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true", "LABEL_STUDIO_USERNAME": creds["username"],
           "LABEL_STUDIO_PASSWORD": creds["password"], "LABEL_STUDIO_USER_TOKEN": creds["token"],
           "LABEL_STUDIO_BASE_DATA_DIR": str(data.resolve()),
           # Label Studio refuses ML backends on loopback addresses unless told otherwise; here both
           # it and `reportag ls backend` listen on 127.0.0.1 of the user's own machine.
           "ML_BLOCK_LOCAL_IP": os.environ.get("ML_BLOCK_LOCAL_IP", "false"),
           "SSRF_PROTECTION_ENABLED": os.environ.get("SSRF_PROTECTION_ENABLED", "false")}
    print(f"Label Studio on http://127.0.0.1:{port}  user {creds['username']}  password {creds['password']}\n"
          f"export LABEL_STUDIO_URL=http://127.0.0.1:{port} LABEL_STUDIO_API_KEY={creds['token']}", flush=True)
    subprocess.run([str(binary), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port)],
                   env=env, check=False)
