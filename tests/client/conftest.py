"""Client fixtures: the app served on a free local port, and a tiny server that fails first."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def live_server(app):
    """The app under test answering real HTTP on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class FlakyServer(ThreadingHTTPServer):
    """Answers 503 (as a problem) `failures` times, then 200 with a JSON body; records every request."""

    def __init__(self, failures: int = 1):
        super().__init__(("127.0.0.1", 0), _FlakyHandler)
        self.failures = failures
        self.requests: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _FlakyHandler(BaseHTTPRequestHandler):
    def _answer(self):
        server: FlakyServer = self.server
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with server.lock:
            server.requests.append((self.command, self.path, self.headers.get("Idempotency-Key")))
            failing = server.failures > 0
            server.failures -= 1
        if failing:
            status, content_type = 503, "application/problem+json"
            body = {"type": "about:blank", "title": "Service Unavailable", "status": 503}
        else:
            status, content_type, body = 200, "application/json", {"ok": True, "attempt": len(server.requests)}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = _answer

    def log_message(self, format, *args):
        pass


@pytest.fixture
def flaky_server():
    """A local server whose first answer is 503; yields the FlakyServer (its `.url`, `.requests`)."""
    server = FlakyServer(failures=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def client_config(tmp_path, monkeypatch):
    """Each test gets its own config file path and no CONSORTIUM_* settings from the real environment."""
    for variable in ("CONSORTIUM_URL", "CONSORTIUM_TOKEN", "CONSORTIUM_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    path = tmp_path / "config" / "consortium-client.json"
    monkeypatch.setenv("CONSORTIUM_CLIENT_CONFIG", str(path))
    return path
