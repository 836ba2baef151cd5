"""Notification fixtures: a local webhook receiver, a local SMTP server, and a way to run the delivery."""

import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from consortium.db import utcnow
from consortium.extensions import db
from consortium.notifications import service
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import consortium_scope
from tests.conftest import unrestricted
from tests.notifications.helpers import register_test_event, register_test_kind


class Receiver:
    """A webhook receiver on 127.0.0.1 that fails the first `fail_first` calls, or answers after `delay`."""

    def __init__(self):
        self.calls: list[dict] = []
        self.fail_first = 0
        self.fail_status = 500
        self.fail_body = b"receiver is down"
        self.fail_headers: dict = {}
        self.delay = 0.0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    @property
    def accepted(self) -> list[dict]:
        return [call for call in self.calls if call["status"] == 200]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    failing = len(receiver.calls) < receiver.fail_first
                    status = receiver.fail_status if failing else 200
                    receiver.calls.append({"headers": dict(self.headers), "body": body, "status": status})
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    for name, value in (receiver.fail_headers if failing else {}).items():
                        self.send_header(name, value)
                    payload = receiver.fail_body if failing else b"thanks"
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    """A running local webhook receiver."""
    with Receiver() as running:
        yield running


class MailCollector:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        self.messages.append({"rcpt_tos": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A local SMTP server collecting messages: (controller, collector)."""
    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, collector
    controller.stop()


@pytest.fixture
def delivery_config(app, tmp_path):
    """The app's config with short timeouts, a local receiver allowed, and the mail sink in a temp folder."""
    return {**app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True, "WEBHOOK_CONNECT_TIMEOUT": 1,
            "WEBHOOK_READ_TIMEOUT": 0.5, "OUTBOX_MAX_ATTEMPTS": 4, "OUTBOX_BACKOFF_SECONDS": 60,
            "SMTP_HOST": None, "SMTP_TIMEOUT": 2, "MAIL_DEBUG_DIR": str(tmp_path / "outbox-mail")}


@pytest.fixture
def deliver(app, delivery_config):
    """Run the delivery as the job does (consortium scope, committed) at `now`; returns the run's counts."""

    def run(now=None, **overrides):
        with app.app_context():
            with consortium_scope(db.session):
                result = service.deliver_due_messages(db.session, now=now or utcnow() + timedelta(seconds=1),
                                                      config={**delivery_config, **overrides})
            db.session.commit()
            return result

    return run


@pytest.fixture
def outbox(app):
    """Read the outbox as plain dicts, oldest first (optionally only one channel or kind)."""

    def read(channel=None, kind=None):
        table = OutboxMessage.__table__
        query = select(table).order_by(table.c.id)
        if channel:
            query = query.where(table.c.channel == channel)
        if kind:
            query = query.where(table.c.kind == kind)
        with unrestricted(app) as connection:  # every co-op's rows and the consortium's, whatever the scope
            return [dict(row._mapping) for row in connection.execute(query)]

    return read


@pytest.fixture
def test_event():
    """The co-op event type the tests emit."""
    return register_test_event()


@pytest.fixture
def test_kind():
    """The email kind the tests send."""
    return register_test_kind()
