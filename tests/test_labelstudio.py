"""The Label Studio round trip against a real server started here (installed by `make label-studio-install`)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import LABELLED_REPORTS, ROOT
from infer.model.labels import LABEL_NAMES
from infer.model.scorer import model_version

pytestmark = pytest.mark.slow
LS_BINARY = ROOT / ".venv-ls" / "bin" / "label-studio"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
PUSHED = [LABELLED_REPORTS[3], LABELLED_REPORTS[4]]  # 68 + 79 units that are not structure


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(2)
    return False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not LS_BINARY.is_file():
        pytest.fail("Label Studio is not installed: run `make label-studio-install` (make test does)")
    port = free_port()
    data = tmp_path_factory.mktemp("label-studio")
    env = {**os.environ, "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true", "LABEL_STUDIO_USERNAME": "test@reportag.local",
           "LABEL_STUDIO_PASSWORD": "reportag-test-pass", "LABEL_STUDIO_USER_TOKEN": TOKEN,
           "LABEL_STUDIO_BASE_DATA_DIR": str(data), "ML_BLOCK_LOCAL_IP": "false",
           "SSRF_PROTECTION_ENABLED": "false"}  # as `reportag ls serve` sets them: the backend is on loopback
    log = open(data / "server.log", "w")
    process = subprocess.Popen([str(LS_BINARY), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port",
                                str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_for(f"{url}/health", 300):
            pytest.fail(f"Label Studio did not start: {(data / 'server.log').read_text()[-2000:]}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def ls_env(server, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", server)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", TOKEN)
    from train.studio.sdk import connect

    return connect()


def project_tasks(client, title: str) -> list:
    [project] = [p for p in client.projects.list() if p.title == title]
    return list(client.tasks.list(project=project.id, fields="all"))


def test_round_trip(cli, ls_env, tiny_model, tmp_path):
    client = ls_env
    labels = tmp_path / "labels"
    (labels / "annotations").mkdir(parents=True)
    kept = ROOT / "labels" / "annotations" / f"{LABELLED_REPORTS[0].stem}.json"
    shutil.copy(kept, labels / "annotations")

    pushed = cli("ls", "push", *PUSHED, "--project", "round trip", "--predict", "--model", tiny_model, "--labels", labels)
    assert pushed.exit_code == 0, pushed.output
    tasks = project_tasks(client, "round trip")
    assert len(tasks) == 68 + 79
    for task in tasks:
        assert {"text", "heading", "report", "index"} <= set(task.data)
        [prediction] = task.predictions
        assert prediction.model_version == model_version(tiny_model) and 0 < prediction.score <= 1
        assert prediction.result[0]["value"]["choices"][0] in LABEL_NAMES

    again = cli("ls", "push", *PUSHED, "--project", "round trip", "--predict", "--model", tiny_model, "--labels", labels)
    assert again.exit_code == 0 and "0 tasks imported" in again.stderr
    assert len(project_tasks(client, "round trip")) == 147

    annotated = {}
    for task, label in zip(tasks[3:9:2], ("plan", "shortfall", "achievement")):
        client.annotations.create(id=task.id, was_cancelled=False, lead_time=4.2, result=[
            {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [label]}}])
        annotated[(task.data["report"], task.data["index"])] = label

    before = kept.read_bytes()
    pulled = cli("ls", "pull", "--project", "round trip", "--labels", labels)
    assert pulled.exit_code == 0, pulled.output
    assert "3 added, 0 changed" in pulled.stderr
    assert (labels / "annotations" / kept.name).read_bytes() == before
    from train.studio.store import AnnotationStore

    stored = {key: item.label for key, item in AnnotationStore(labels).load().items() if key[0] != f"labels/reports/{LABELLED_REPORTS[0].name}"}
    assert stored == annotated

    repull = cli("ls", "pull", "--project", "round trip", "--labels", labels)
    assert repull.exit_code == 0 and "0 changed tasks fetched; 0 added, 0 changed, 0 unchanged" in repull.stderr
    full = cli("ls", "pull", "--project", "round trip", "--labels", labels, "--full")
    assert full.exit_code == 0 and "147 changed tasks fetched; 0 added, 0 changed, 3 unchanged" in full.stderr

    client.annotations.create(id=tasks[20].id, was_cancelled=False, result=[
        {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["other"]}}])
    one = cli("ls", "pull", "--project", "round trip", "--labels", labels)
    assert one.exit_code == 0 and "1 changed tasks fetched; 1 added, 0 changed" in one.stderr


def test_two_readings_agreement_and_settled_labels(cli, ls_env, tiny_model, tmp_path):
    from train.studio.store import AnnotationStore

    report = PUSHED[0]
    seed_labels = {index: item.label for (name, index), item in AnnotationStore(ROOT / "labels").load().items()
                   if name == f"labels/reports/{report.name}"}
    labels = tmp_path / "labels"
    pushed = cli("ls", "push", report, "--project", "readings", "--predict", "--model", tiny_model, "--labels", labels)
    assert pushed.exit_code == 0, pushed.output
    tasks = project_tasks(ls_env, "readings")
    changed = sorted(t.data["index"] for t in tasks)[5:8]
    flip = {"measure": "achievement", "achievement": "measure", "plan": "other", "other": "plan",
            "shortfall": "other"}
    for reader, edits in (("A", {}), ("B", {i: flip[seed_labels[i]] for i in changed})):
        folder = tmp_path / reader
        folder.mkdir()
        lines = [f"{i}\t{edits.get(i, label)}" for i, label in sorted(seed_labels.items())]
        (folder / f"{report.stem}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        read = cli("ls", "read", folder, "--project", "readings", "--reader", reader)
        assert read.exit_code == 0 and f"{len(tasks)} annotations by reader-{reader}" in read.stderr, read.output
    again = cli("ls", "read", tmp_path / "A", "--project", "readings", "--reader", "A")
    assert f"0 annotations by reader-A, {len(tasks)} there before" in again.stderr

    unsettled = cli("ls", "pull", "--project", "readings", "--labels", labels)
    assert unsettled.exit_code == 2 and "annotations disagree" in unsettled.stderr

    figures_file, disagreements = tmp_path / "agreement.json", tmp_path / "disagree.jsonl"
    measured = cli("ls", "agreement", "--project", "readings", "-o", figures_file, "--disagreements", disagreements)
    assert measured.exit_code == 0, measured.output
    figures = json.loads(figures_file.read_text(encoding="utf-8"))
    assert figures["double_read"] == len(tasks) and figures["observed"] == pytest.approx(1 - 3 / len(tasks))
    assert 0 < figures["kappa"] < 1 and figures["with_prediction"] == figures["final"] == len(tasks) - 3
    rows = [json.loads(line) for line in disagreements.read_text(encoding="utf-8").splitlines()]
    assert [r["index"] for r in rows] == changed

    decisions = tmp_path / "settled.tsv"
    decisions.write_text("".join(f"{r['report']}\t{r['index']}\t{flip[seed_labels[r['index']]]}\n" for r in rows),
                         encoding="utf-8")
    settled = cli("ls", "settle", decisions, "--project", "readings")
    assert settled.exit_code == 0 and "3 ground-truth annotations posted" in settled.stderr
    pulled = cli("ls", "pull", "--project", "readings", "--labels", labels)
    assert pulled.exit_code == 0, pulled.output
    stored = {index: item.label for (_, index), item in AnnotationStore(labels).load().items()}
    assert stored == {i: flip[label] if i in changed else label for i, label in seed_labels.items()
                      if i in {t.data["index"] for t in tasks}}


def test_reports_from_outside_the_project_are_copied_in_and_pulled_back(cli, ls_env, tmp_path):
    outside = tmp_path / "elsewhere" / "report.txt"  # beside the labels' project, not inside it
    outside.parent.mkdir()
    outside.write_bytes(LABELLED_REPORTS[1].read_bytes())
    labels = tmp_path / "project" / "labels"
    pushed = cli("ls", "push", outside, "--project", "outside", "--labels", labels)
    assert pushed.exit_code == 0, pushed.output
    [copy] = (labels / "reports").glob("report-*.txt")
    assert copy.read_bytes() == outside.read_bytes()
    task = project_tasks(ls_env, "outside")[4]
    assert task.data["report"] == str(copy.relative_to(labels.parent)) and not task.data["report"].startswith("/")
    ls_env.annotations.create(id=task.id, was_cancelled=False, result=[
        {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["other"]}}])
    pulled = cli("ls", "pull", "--project", "outside", "--labels", labels)
    assert pulled.exit_code == 0 and "1 added" in pulled.stderr, pulled.output
    odd = cli("ls", "pull", "--project", "a/b", "--labels", labels)
    assert odd.exit_code == 2 and "no such Label Studio project" in odd.stderr


def test_select_spreads_the_least_sure_over_reports(cli, ls_env, tiny_model):
    result = cli("ls", "push", *PUSHED, "--project", "active learning", "--select", "6", "--strategy", "margin",
                 "--model", tiny_model)
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    tasks = project_tasks(ls_env, "active learning")
    assert len(tasks) == 6 and len({t.data["report"] for t in tasks}) == 2


def test_faults_are_one_line(cli, ls_env, monkeypatch, tmp_path):
    ls_env.projects.create(title="other config", label_config=(
        '<View><Text name="text" value="$text"/><Choices name="label" toName="text">'
        '<Choice value="yes"/><Choice value="no"/></Choices></View>'))
    mismatch = cli("ls", "push", PUSHED[0], "--project", "other config")
    assert mismatch.exit_code == 2 and "does not match labels/config.xml" in mismatch.stderr
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "wrong-token")
    refused = cli("ls", "pull", "--project", "round trip", "--labels", tmp_path)
    assert refused.exit_code == 2 and "refused the API token" in refused.stderr
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{free_port()}")
    down = cli("ls", "pull", "--project", "round trip", "--labels", tmp_path)
    assert down.exit_code == 2 and "not reachable" in down.stderr
    for result in (mismatch, refused, down):
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_backend_predicts_for_pushed_tasks(cli, ls_env, tiny_model):
    from train.studio.backend import make_server

    server = make_server(str(tiny_model), port=free_port())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def post(route: str, body: dict) -> dict:
        request = urllib.request.Request(base + route, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    try:
        pushed = cli("ls", "push", PUSHED[0], "--project", "backend", "--backend", base)
        assert pushed.exit_code == 0, pushed.output
        [project] = [p for p in ls_env.projects.list() if p.title == "backend"]
        assert [b.url for b in ls_env.ml.list(project=project.id)] == [base]
        with urllib.request.urlopen(base + "/health", timeout=10) as response:
            assert json.loads(response.read())["status"] == "UP"
        assert post("/setup", {"project": "1"})["model_version"] == model_version(tiny_model)
        tasks = [{"id": t.id, "data": t.data} for t in project_tasks(ls_env, "backend")[:10]]
        answer = post("/predict", {"tasks": tasks})
        assert len(answer["results"]) == 10
        for prediction in answer["results"]:
            assert prediction["model_version"] == model_version(tiny_model) and 0 < prediction["score"] <= 1
            assert prediction["result"][0]["from_name"] == "label"
            assert prediction["result"][0]["value"]["choices"][0] in LABEL_NAMES
        assert post("/webhook", {"action": "ANNOTATION_CREATED"})["status"] == "ok"
    finally:
        server.shutdown()
