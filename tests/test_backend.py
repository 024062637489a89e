"""The ML backend answers every request: Label Studio's contract, malformed bodies, lies and load."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT
from train.studio import backend as backend_module

CONFIG = (ROOT / "labels" / "config.xml").read_text(encoding="utf-8")


@pytest.fixture
def server(fake_scorer, monkeypatch):
    monkeypatch.setattr(backend_module, "READ_TIMEOUT", 2)
    server = backend_module.make_server(port=0, scorer=fake_scorer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def request(port, method, path, body=None, headers=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    payload = body if isinstance(body, (bytes, type(None))) else json.dumps(body, ensure_ascii=False).encode()
    connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None


@pytest.mark.slow  # starts the backend's HTTP server
def test_label_studio_contract(server):
    tasks = [{"id": 1, "data": {"text": "下一步将开展普法。", "heading": "四、下一年安排", "report": "r", "index": 1}},
             {"id": 2, "data": {"text": "存在问题。", "heading": "二、不足", "report": "r", "index": 0}},
             {"id": 3, "data": {"text": "办结率100%。"}}]
    status, answer = request(server, "POST", "/predict", {"tasks": tasks, "params": {"context": None}})
    assert status == 200 and [r["result"][0]["value"]["choices"][0] for r in answer["results"]] == \
        ["plan", "shortfall", "achievement"]
    assert all(r["model_version"] == "fake" and 0 < r["score"] <= 1 for r in answer["results"])
    assert request(server, "POST", "/setup", {"project": "1", "schema": CONFIG})[0] == 200
    status, answer = request(server, "POST", "/setup", {"schema": CONFIG.replace('value="plan"', 'value="todo"')})
    assert status == 400 and "choices" in answer["error"]
    status, answer = request(server, "POST", "/webhook", {"action": "ANNOTATION_CREATED", "annotation": {}})
    assert status == 200 and answer["action"] == "ANNOTATION_CREATED" and "make train" in answer["note"]
    status, answer = request(server, "POST", "/webhook", {"action": "PROJECT_DELETED"})
    assert status == 400 and "ANNOTATION_CREATED" in answer["error"]


@pytest.mark.slow  # starts the backend's HTTP server
@pytest.mark.parametrize("body", [b"[]", b"5", b"null", b'"x"', b'{"tasks":[1]}', b'{"tasks":[{"data":"x"}]}',
                                  b"[" * 50_000 + b"]" * 50_000, b"\xff\xfe", b'{"tasks": NaN}',
                                  json.dumps({"tasks": [{"data": {"text": "x" * 30_000}}]}).encode()],
                         ids=lambda b: b[:12].decode("latin-1"))
def test_malformed_bodies_get_a_400_with_a_reason(server, body):
    status, answer = request(server, "POST", "/predict", body)
    assert status == 400 and answer["error"]


@pytest.mark.slow  # starts the backend's HTTP server
def test_oversized_and_lying_requests(server):
    status, answer = request(server, "POST", "/predict", b"{}", headers={"Content-Length": str(10**12)})
    assert status == 413
    status, _ = request(server, "POST", "/predict", b"x" * (6 * 2**20))
    assert status == 413
    with socket.create_connection(("127.0.0.1", server), timeout=90) as raw:  # promises 1,000 bytes, sends 10
        raw.sendall(b"POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{\"tasks\":")
        answer = raw.recv(4096)  # the socket timeout (90 s, over four times the server's 20 s read timeout) bounds the wait
        assert answer == b"" or b"400" in answer.split(b"\r\n")[0]


@pytest.mark.slow  # starts the backend's HTTP server
def test_a_hundred_requests_at_once_are_all_answered(server):
    body = {"tasks": [{"data": {"text": f"开展普法宣传{i}次。"}} for i in range(5)]}
    with ThreadPoolExecutor(100) as pool:
        statuses = list(pool.map(lambda _: request(server, "POST", "/predict", body)[0], range(100)))
    assert statuses == [200] * 100
    assert request(server, "GET", "/health")[1]["status"] == "UP"


class ContextScorer:
    """Scores that depend on the company a unit is scored in: its share of the report's units changes them."""

    name = "context"
    labels = ["measure", "achievement", "shortfall", "plan", "other"]

    def score(self, rows, frame):
        weight = 1.0 / (1 + len(rows))
        return [[0.5 + weight / 2, 0.5 - weight / 2, 0.0, 0.0, 0.0] for _ in rows]


def test_a_task_of_a_project_report_is_scored_in_its_report_as_tag_scores_it():
    from infer.inputs import iter_documents
    from infer.tag import is_structure, tag_document

    report = "labels/reports/003_17ec0ea3c369c8c4.txt"
    document = next(iter_documents([ROOT / report], []))
    tagged = tag_document([dict(r, report=report) for r in document.rows], ContextScorer(), year=document.year)
    unit = next(r for r in tagged if not is_structure(r) and r["index"] > 10)
    backend = backend_module.ReportagBackend(ContextScorer())
    task = {"data": {"text": unit["text"], "heading": unit["heading"], "report": report, "index": unit["index"]}}
    elsewhere = {"data": {**task["data"], "report": "labels/reports/no-such-report.txt"}}
    outside = {"data": {**task["data"], "report": "../shared/seeds/003_17ec0ea3c369c8c4.txt"}}
    edited = {"data": {**task["data"], "text": unit["text"] + "（改）"}}
    in_report, alone, outside_root, changed = backend.predict([task, elsewhere, outside, edited])
    assert in_report["context"] == "report" and in_report["score"] == unit["score"]
    assert "in its report" in in_report["result"][0]["meta"]["text"][0]
    assert alone["context"] == outside_root["context"] == changed["context"] == "alone"
    assert alone["score"] != unit["score"]  # scored with the request's tasks only: another company, another score
