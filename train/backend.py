"""A Label Studio ML backend serving the current model: /health, /setup, /predict, /webhook.

A thin adapter over the predictor `reportag tag` uses; it never trains (retraining is
`make train`), and it answers bad requests with a 400 and a one-line reason.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from infer.labels import ls_prediction
from infer.predict import load_predictor
from infer.tag import tag_rows


def predictions_for(predictor, tasks: list[dict]) -> list[dict]:
    """One prediction per task, in the shape Label Studio's ML API expects."""
    data = [task.get("data") or {} for task in tasks]
    if any(not isinstance(d.get("text"), str) for d in data):
        raise ValueError("every task needs data.text")
    # Only text and heading go in: the backend scores every task with the model, structure units too.
    rows = [{"text": d["text"], "heading": str(d.get("heading") or "")} for d in data]
    return [ls_prediction(row["label"], row["score"], predictor.name)
            for row in tag_rows(rows, predictor, show_progress=False)]


def make_server(model_dir: Path, host: str = "127.0.0.1", port: int = 9090) -> ThreadingHTTPServer:
    predictor = load_predictor(model_dir)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            if self.path.rstrip("/") in ("/health", ""):
                self._send(200, {"status": "UP", "model_class": "reportag", "model_version": predictor.name})
            else:
                self._send(404, {"error": f"no route {self.path}"})

        def do_POST(self):
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
            except (ValueError, json.JSONDecodeError):
                return self._send(400, {"error": "request body is not JSON"})
            route = self.path.rstrip("/")
            if route == "/setup":
                return self._send(200, {"model_version": predictor.name})
            if route == "/webhook":
                return self._send(200, {"status": "ok", "action": body.get("action")})
            if route == "/predict":
                tasks = body.get("tasks")
                if not isinstance(tasks, list):
                    return self._send(400, {"error": "expected {'tasks': [...]}"})
                try:
                    return self._send(200, {"results": predictions_for(predictor, tasks),
                                            "model_version": predictor.name})
                except ValueError as exc:
                    return self._send(400, {"error": str(exc)})
            self._send(404, {"error": f"no route {self.path}"})

        def log_message(self, format, *args):  # keep the terminal quiet; errors go back as JSON
            pass

    return ThreadingHTTPServer((host, port), Handler)
