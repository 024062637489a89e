"""Label Studio going away is one line: an unreachable server, and a connection cut in the middle of `ls pull`.

A small HTTP server stands in for Label Studio: it answers the project list the SDK asks
for, then drops the connection when the export is requested (as a server that crashed
or a network that failed would); the labels store must not change.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("label_studio_sdk")


class CutAtExport(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if "/export" in self.path:
            self.connection.shutdown(socket.SHUT_RDWR)  # cut before any answer
            self.close_connection = True
            return
        if self.path.startswith("/api/tasks"):  # one task, changed since no pull: its export is asked for next
            first = "page=" not in self.path or "page=1&" in self.path + "&"
            body = {"tasks": [{"id": 1, "data": {"text": "x", "report": "r.txt", "index": 0},
                               "updated_at": "2026-11-30T10:00:00Z"}] if first else [], "total": 1}
        else:
            body = {"count": 1, "next": None, "previous": None, "results": [{"id": 1, "title": "reports"}]}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def one_line(result, *needles):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "Traceback" not in result.output, result.output
    assert all(needle in lines[0] for needle in needles), lines[0]


def test_a_connection_cut_during_pull_is_one_line_and_changes_nothing(cli, tmp_path, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), CutAtExport)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("LABEL_STUDIO_API_KEY", "token")
        labels = tmp_path / "labels"
        result = cli("ls", "pull", "--project", "reports", "--labels", labels)
    finally:
        server.shutdown()
        server.server_close()
    one_line(result, "Label Studio: pull: the connection failed", "nothing was changed")
    assert not (labels / "annotations").exists() or list((labels / "annotations").iterdir()) == []


def test_an_unreachable_label_studio_is_one_line(cli, monkeypatch):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "token")
    one_line(cli("ls", "pull", "--project", "reports"), "Label Studio is not reachable")
