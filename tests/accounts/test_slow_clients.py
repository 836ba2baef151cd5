"""Slow clients under the production server (gunicorn with gunicorn.conf.py, started on a free loopback port):
stalled uploads do not block other requests, are dropped after the read timeout, and store nothing."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from werkzeug.test import encode_multipart

from tests.accounts.conftest import TREASURER, URL, saved_versions
from tests.accounts.helpers import LAST_YEAR, filled_xlsx
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
READ_TIMEOUT = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(database, coop):
    """gunicorn serving the app with the repository's gunicorn.conf.py, one worker of four threads."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
                   "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "4",
                   "REQUEST_READ_TIMEOUT": str(READ_TIMEOUT), "RATELIMIT_STORAGE_URI": "memory://"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                               env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a worker boots the whole app; slow on a busy machine
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                if requests.get(f"{base}/healthz?scope=web", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base, port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def stalled_upload(port: int, token: str, body: bytes, sent: int) -> socket.socket:
    """A connection that sends the headers and the first `sent` bytes of an upload, then goes silent."""
    connection = socket.create_connection(("127.0.0.1", port))
    head = (f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary=BOUNDARY\r\nContent-Length: {len(body)}\r\n\r\n")
    connection.sendall(head.encode() + body[:sent])
    return connection


def test_a_get_answers_while_two_uploads_are_stalled_and_the_stalled_ones_store_nothing(app, server):
    base, port, _ = server
    token = requests.post(f"{base}/api/v1/auth/token", json={"email": TREASURER, "password": PASSWORD},
                          timeout=10).json()["token"]
    _, body = encode_multipart({"year": str(LAST_YEAR), "file": _file(filled_xlsx())}, boundary="BOUNDARY")
    stalled = [stalled_upload(port, token, body, len(body) // 2) for _ in range(2)]
    try:
        started = time.monotonic()
        response = requests.get(f"{base}/login", timeout=READ_TIMEOUT)
        elapsed = time.monotonic() - started
        print(f"GET /login with two stalled uploads: {response.status_code} in {elapsed:.3f} s")
        # Well before the stalled uploads time out: they hold two threads, not the worker.
        assert response.status_code == 200 and elapsed < READ_TIMEOUT / 2
        # The server gives up on a silent client after the read timeout: the body ends there, so the
        # upload is refused (4xx: the file is incomplete) or the connection is just closed.
        stalled[0].settimeout(READ_TIMEOUT + 20)
        answer = stalled[0].recv(200)
        assert answer == b"" or re.match(rb"HTTP/1\.1 4\d\d ", answer), answer
    finally:
        for connection in stalled:
            connection.close()  # the second one is cut off by the client, mid-body
    time.sleep(0.5)
    assert saved_versions(app) == 0  # neither the dropped nor the interrupted upload stored anything
    # A whole upload on the same server still works.
    whole = requests.post(f"{base}{URL}", headers={"Authorization": f"Bearer {token}"},
                          data={"year": str(LAST_YEAR)}, files={"file": ("accounts.xlsx", filled_xlsx())}, timeout=30)
    assert whole.status_code == 201, whole.text
    assert saved_versions(app) == 1


def _file(data: bytes):
    import io

    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename="accounts.xlsx", content_type="application/octet-stream")
