"""The ML backend is driven only by its callers, and abandoned work is dropped.

Forged Host headers (a web page via DNS rebinding), a missing token, a queue past its
bound, and clients that hang up while their request waits: each answered as it should,
with no traceback on the server's stderr.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading

import pytest

from conftest import FakeScorer
from train.studio import backend as backend_module


class GatedScorer(FakeScorer):
    """Scores only when the gate is open: requests pile up behind the first one, deterministically."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()

    def score(self, rows, frame):
        self.entered.set()
        assert self.gate.wait(60)
        return super().score(rows, frame)


pytestmark = pytest.mark.slow  # every test starts the backend's HTTP server


def serve(scorer, **options):
    server = backend_module.make_server(port=0, scorer=scorer, **options)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def request(port, path="/predict", body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    payload = json.dumps(body if body is not None else {"tasks": []}).encode()
    connection.request("POST" if body is not None or path == "/predict" else "GET", path, body=payload,
                       headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    answer = json.loads(response.read() or b"null")
    connection.close()
    return response.status, answer


def tasks(report: str, n: int) -> dict:
    return {"tasks": [{"data": {"text": f"{report}开展普法宣传{i}次。", "report": report, "index": i}}
                      for i in range(n)]}


@pytest.fixture
def stopped():
    servers = []
    yield servers.append
    for server in servers:
        server.shutdown()
        server.server_close()


def test_forged_hosts_are_refused_and_loopback_names_pass(stopped):
    server = serve(FakeScorer(), allow_hosts=("labelstudio.internal",))
    stopped(server)
    port = server.server_address[1]
    for host in ("evil.example", "evil.example:9090", "127.0.0.1.nip.io"):
        status, answer = request(port, body=tasks("a", 1), headers={"Host": host})
        assert status == 403 and "--allow-host" in answer["error"]
    for host in (f"localhost:{port}", "127.0.0.1", f"[::1]:{port}", "LABELSTUDIO.internal:80"):
        assert request(port, body=tasks("a", 1), headers={"Host": host})[0] == 200


def test_a_token_is_required_when_set(stopped):
    server = serve(FakeScorer(), token="s3cret")
    stopped(server)
    port = server.server_address[1]
    assert request(port, body=tasks("a", 1))[0] == 401
    assert request(port, body=tasks("a", 1), headers={"Authorization": "Bearer wrong"})[0] == 401
    basic = base64.b64encode(b"labelstudio:s3cret").decode()
    assert request(port, body=tasks("a", 1), headers={"Authorization": f"Basic {basic}"})[0] == 200
    assert request(port, body=tasks("a", 1), headers={"Authorization": "Bearer s3cret"})[0] == 200


def test_queued_work_is_bounded_and_abandoned_work_is_dropped(stopped, capfd):
    scorer = GatedScorer()
    server = serve(scorer, slots=1, max_queued=30)
    stopped(server)
    port, backend = server.server_address[1], server.backend
    first = []
    holder = threading.Thread(target=lambda: first.append(request(port, body=tasks("first", 5))))
    holder.start()
    assert scorer.entered.wait(60)  # the first request holds the only slot
    # a client sends 20 reports and hangs up while it waits for the slot
    raw = socket.create_connection(("127.0.0.1", port))
    body = json.dumps({"tasks": [task for r in range(20) for task in tasks(f"r{r}", 1)["tasks"]]}).encode()
    raw.sendall(b"POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    for _ in range(600):
        if backend.queued == 25:
            break
        threading.Event().wait(0.05)
    assert backend.queued == 25
    status, answer = request(port, body=tasks("late", 10))  # 25 + 10 tasks would pass the bound of 30
    assert status == 503 and "busy" in answer["error"]
    raw.close()
    scorer.gate.set()
    holder.join(60)
    assert first[0][0] == 200
    for _ in range(600):
        if backend.queued == 0:
            break
        threading.Event().wait(0.05)
    assert backend.queued == 0
    scored = {text[:2] for call in scorer.calls for text in call}
    assert scored == {"fi"}  # the hung-up client's 20 reports were never scored
    assert "Traceback" not in capfd.readouterr().err


def test_a_client_that_went_away_prints_no_traceback(stopped, capfd):
    server = serve(FakeScorer())
    stopped(server)
    for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset"), TimeoutError()):
        try:
            raise error
        except OSError:
            server.handle_error(None, ("127.0.0.1", 1))
    assert capfd.readouterr().err == ""
    try:
        raise ValueError("a real bug")
    except ValueError:
        server.handle_error(None, ("127.0.0.1", 1))
    assert "ValueError: a real bug" in capfd.readouterr().err
