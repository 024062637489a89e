"""A Label Studio ML backend serving the current model: /health, /setup, /predict, /webhook.

`ReportagBackend` follows Label Studio's contract (`predict(tasks, context)`, `setup`,
`fit(event, data)`) as a thin adapter over the scorer `reportag tag` uses. A task that names a
report of the project is scored in that report, so it gets the score `reportag tag` gives it; other
tasks are scored without it, and every prediction says which (`context`, and the region's meta). It never
trains (retraining is `reportag ls pull` and `make train`). The HTTP server answers every
request: 400 with a JSON reason for a malformed body, 413 over MAX_BODY_BYTES, and a
connection that stops sending is closed after READ_TIMEOUT seconds.

Only its callers drive it: the Host header must name a loopback address (or one allowed
with --allow-host), so a web page in a browser cannot post to it (DNS rebinding); an
optional token is checked in a Bearer or Basic `Authorization` header (Label Studio's ML
backend settings send basic auth: any user name, the token as password). At most
SCORING_SLOTS requests score at once, and the requests in (scoring or waiting) hold at most
MAX_QUEUED_TASKS tasks; beyond that a 503 says so.
The work of a client that hung up is dropped before each report is scored, and a client
that went away never prints a traceback.
"""

from __future__ import annotations

import base64
import hmac
import json
import select
import socket
import threading
from pathlib import Path
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from infer.model.labels import config_problem, ls_prediction
from infer.inputs import iter_documents, parse_json
from infer.outputs.rows import by_report
from infer.tag import is_structure, tag_document, tag_rows

MAX_BODY_BYTES = 2 * 2**20
DRAIN_BYTES = 64 * 2**20  # a larger refused body is not read: the connection is closed after the 413
MAX_TASKS = 1000
MAX_TASK_CHARS = 20_000
READ_TIMEOUT = 20  # seconds a client may take to send its request
LISTEN_QUEUE = 512
CONTEXT_CACHE = 16  # tagged reports kept between requests
CONTEXT_NOTES = {"report": "scored in its report, as reportag tag scores it",
                 "alone": "scored without its report (the task names no readable report of the project)"}
SCORING_SLOTS = 4  # requests scored at once
MAX_QUEUED_TASKS = 4_000  # tasks of the requests being scored or waiting; a request past it is answered 503
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
HANDLED_EVENTS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATION_DELETED", "ANNOTATIONS_DELETED",
                  "START_TRAINING")


class BadRequest(Exception):
    """A request the backend refuses, with its HTTP status and the reason sent back."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.status = status


class ClientGone(Exception):
    """The client hung up: its remaining work is dropped and nothing is sent."""


class ReportagBackend:
    """Label Studio's ML backend contract over a reportag scorer."""

    def __init__(self, scorer, slots: int | None = None, max_queued: int | None = None):
        self.scorer = scorer
        self.busy = threading.BoundedSemaphore(slots or SCORING_SLOTS)  # other requests wait their turn
        self.max_queued = max_queued or MAX_QUEUED_TASKS
        self.queued = 0  # tasks of the requests scoring or waiting
        self.count_lock = threading.Lock()
        self.contexts: dict[tuple, dict[int, dict]] = {}  # tagged reports of the project, oldest first

    @contextmanager
    def slot(self, tasks: int):
        """A scoring slot for a request of `tasks` tasks; BadRequest 503 when the queue would pass its bound."""
        with self.count_lock:
            if self.queued and self.queued + tasks > self.max_queued:
                raise BadRequest(f"busy: {self.queued:,} tasks are being scored or waiting (at most "
                                 f"{self.max_queued:,}); retry shortly", 503)
            self.queued += tasks
        try:
            with self.busy:
                yield
        finally:
            with self.count_lock:
                self.queued -= tasks

    @property
    def model_version(self) -> str:
        return self.scorer.name

    def setup(self, body: dict) -> dict:
        """Check the labelling config Label Studio sends (the check `ls push` makes)."""
        schema = body.get("schema") if isinstance(body, dict) else None
        if schema is not None:
            problem = config_problem(schema)
            if problem:
                raise BadRequest(f"this backend labels reportag tasks: {problem}")
        return {"model_version": self.model_version}

    def predict(self, tasks, context=None, gone=lambda: False) -> list[dict]:
        """One prediction per task; tasks of one report are scored together, in index order.

        `gone()` is asked before each report is scored: ClientGone when it says the client left.
        """
        if not isinstance(tasks, list) or len(tasks) > MAX_TASKS:
            raise BadRequest(f"expected 'tasks': a list of at most {MAX_TASKS} tasks")
        rows = []
        for position, task in enumerate(tasks):
            data = task.get("data") if isinstance(task, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                raise BadRequest(f"task #{position + 1}: needs data.text, a string")
            if len(data["text"]) > MAX_TASK_CHARS:
                raise BadRequest(f"task #{position + 1}: text longer than {MAX_TASK_CHARS:,} characters")
            heading = data.get("heading")
            index = data.get("index")
            # Every task is scored by the model (kind sentence): pushed tasks are never structure units.
            rows.append({"report": str(data.get("report") or ""), "heading": heading if isinstance(heading, str)
                         else "", "text": data["text"], "kind": "sentence", "position": position,
                         "index": index if isinstance(index, int) and not isinstance(index, bool) else position})
        rows.sort(key=lambda r: (r["report"], r["index"], r["position"]))
        reports = by_report(rows)
        in_context: dict[int, dict] = {}
        by_position: dict[int, dict] = {}
        with self.slot(len(rows)):
            for report, report_rows in reports.items():
                if gone():
                    raise ClientGone
                document = self.report_context(report)
                for row in report_rows:
                    unit = document.get(row["index"]) if document else None
                    if unit is not None and unit["text"] == row["text"] and not is_structure(unit):
                        in_context[row["position"]] = unit
                alone = [row for row in report_rows if row["position"] not in in_context]
                by_position.update({row["position"]: row for row in tag_rows(alone, self.scorer)} if alone else {})
        predictions = []
        for i in range(len(tasks)):
            scored = in_context.get(i) or by_position[i]
            context = "report" if i in in_context else "alone"
            prediction = ls_prediction(scored["label"], scored["score"], self.model_version)
            # Label Studio keeps a prediction's result as sent: the region's meta tells the annotator how it was read.
            prediction["result"][0]["meta"] = {"text": [CONTEXT_NOTES[context]]}
            prediction["context"] = context
            predictions.append(prediction)
        return predictions

    def report_context(self, report: str) -> dict[int, dict] | None:
        """The tagged units of a report of the project, by index (as `reportag tag` scores them), or None.

        A task names a report by its path relative to the project (`ls push` copies outside reports into
        labels/reports/); a name outside the working folder, or a file that cannot be read, gives None and the
        task is scored without its report. Tagged reports are kept for the next request (at most CONTEXT_CACHE).
        """
        root = Path.cwd().resolve()
        try:
            path = (root / report).resolve() if report and not Path(report).is_absolute() else None
        except (OSError, ValueError):
            return None
        if path is None or root not in path.parents or not path.is_file():
            return None
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in self.contexts:
            errors: list = []
            documents = list(iter_documents([path], errors))
            if errors or len(documents) != 1:
                return None
            document = documents[0]
            tagged = tag_document([dict(r, report=report) for r in document.rows], self.scorer, year=document.year)
            if len(self.contexts) >= CONTEXT_CACHE:
                self.contexts.pop(next(iter(self.contexts)))
            self.contexts[key] = {row["index"]: row for row in tagged}
        return self.contexts[key]

    def fit(self, event: str, data: dict | None = None) -> dict:
        """Annotation events are acknowledged; retraining is `reportag ls pull` and `make train`."""
        if event not in HANDLED_EVENTS:
            raise BadRequest(f"unhandled event {event!r}; this backend handles {', '.join(HANDLED_EVENTS)}")
        return {"status": "ok", "action": event,
                "note": "recorded; this backend does not retrain: run `reportag ls pull` and `make train`"}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_QUEUE
    backend: ReportagBackend

    def handle_error(self, request, client_address) -> None:
        """A client that went away (reset, broken pipe, timeout) is not an error worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def host_name(header: str) -> str:
    """The host of a Host header, without its port: '[::1]:9090' -> '::1', 'Localhost:80' -> 'localhost'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def authorised(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries the token (Bearer/Token, or Basic with it as the password)."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() in ("bearer", "token"):
        return hmac.compare_digest(value.strip().encode(), token.encode())
    if scheme.lower() == "basic":
        try:
            password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(password.encode(), token.encode())
    return False


def make_server(model: str | None = None, host: str = "127.0.0.1", port: int = 9090, scorer=None,
                token: str | None = None, allow_hosts: tuple[str, ...] = (), slots: int | None = None,
                max_queued: int | None = None) -> Server:
    """The HTTP server (not yet serving). `token`: required in Authorization when given; `allow_hosts`:
    Host header names accepted besides the loopback ones and the address it listens on."""
    from infer.locate import resolve_model
    from infer.model.scorer import load_scorer

    backend = ReportagBackend(scorer or load_scorer(resolve_model(model)), slots, max_queued)
    allowed = {*LOOPBACK_HOSTS, *(h.lower() for h in allow_hosts)} | ({host.lower()} if host not in
                                                                      ("0.0.0.0", "::", "") else set())

    class Handler(BaseHTTPRequestHandler):
        timeout = READ_TIMEOUT
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: dict) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if status >= 400:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(payload)

        def _refused(self) -> bool:
            """403 for a Host that is not ours (a web page's request), 401 without the token."""
            if "Host" in self.headers and host_name(self.headers["Host"]) not in allowed:
                self._send(403, {"error": f"Host {self.headers['Host'][:100]!r} is not allowed: call the backend "
                                 "by a loopback address, or start it with --allow-host NAME"})
                return True
            if token and not authorised(self.headers.get("Authorization"), token):
                self.send_response(401)
                payload = b'{"error": "this backend needs its token (basic auth password or Bearer)"}'
                for name, value in (("WWW-Authenticate", 'Basic realm="reportag"'), ("Connection", "close"),
                                    ("Content-Type", "application/json"), ("Content-Length", str(len(payload)))):
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = True
                return True
            return False

        def _gone(self) -> bool:
            """Whether the client closed its connection (readable, and nothing to read)."""
            try:
                if not select.select([self.connection], [], [], 0)[0]:
                    return False
                return self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def do_GET(self):
            if self._refused():
                return
            if self.path.rstrip("/") in ("/health", ""):
                self._send(200, {"status": "UP", "model_class": "reportag", "model_version": backend.model_version})
            else:
                self._send(404, {"error": f"no route {self.path}"})

        def _body(self):
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                raise BadRequest("Content-Length is not a number") from None
            if length < 0:
                raise BadRequest("Content-Length is negative")
            if length > MAX_BODY_BYTES:
                if length <= DRAIN_BYTES:  # read and drop it, so the client gets to read the answer
                    while length > 0:
                        length -= len(self.rfile.read(min(length, 1 << 16))) or length
                raise BadRequest(f"request body over {MAX_BODY_BYTES // 2**20} MB", 413)
            raw = self.rfile.read(length) if length else b""
            if len(raw) < length:
                raise BadRequest("request body shorter than its Content-Length")
            try:
                return parse_json(raw.decode("utf-8")) if raw.strip() else {}
            except (UnicodeDecodeError, ValueError) as exc:
                raise BadRequest(f"request body is not JSON ({exc.__class__.__name__})") from None

        def do_POST(self):
            try:
                if self._refused():
                    return
                body = self._body()
                route = self.path.rstrip("/")
                if route == "/predict":
                    if not isinstance(body, dict):
                        raise BadRequest("expected a JSON object {'tasks': [...]}")
                    results = backend.predict(body.get("tasks"), body.get("params", {}).get("context")
                                              if isinstance(body.get("params"), dict) else None, self._gone)
                    return self._send(200, {"results": results, "model_version": backend.model_version})
                if route == "/setup":
                    return self._send(200, backend.setup(body if isinstance(body, dict) else {}))
                if route == "/webhook":
                    action = body.get("action") if isinstance(body, dict) else None
                    return self._send(200, backend.fit(str(action), body))
                self._send(404, {"error": f"no route {self.path}"})
            except BadRequest as exc:
                self._send(exc.status, {"error": str(exc)})
            except (TimeoutError, ClientGone, ConnectionError):
                self.close_connection = True
            except Exception as exc:  # never a dropped connection: a 500 with the reason
                self._send(500, {"error": f"{exc.__class__.__name__}: {exc}"[:300]})

        def log_message(self, format, *args):  # keep the terminal quiet; errors go back as JSON
            pass

    server = Server((host, port), Handler)
    server.backend = backend
    return server
