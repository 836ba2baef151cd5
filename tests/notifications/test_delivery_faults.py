"""Deliveries under faults: a delivery process killed mid-send, a receiver outage, an SMTP outage.

Every message reaches its receiver (none lost); a kill re-sends at most the one in flight; a
subscription's webhooks arrive in the order they were queued, also after backoff; each email
goes out exactly once.
"""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from consortium.db import utcnow
from tests.notifications.conftest import MailCollector, free_port
from tests.notifications.helpers import make_webhook
from tests.notifications.test_email import enqueue
from tests.notifications.test_webhook_delivery import emit

ROOT = Path(__file__).resolve().parents[2]
# The delivery job of the scheduler process, run once in a process of its own so it can be SIGKILLed.
DELIVERY_PROCESS = """
from consortium.app import create_app
from consortium.scheduler import run_job
run_job(create_app(), "notifications.deliver_outbox")
"""


@pytest.fixture
def coop(factory):
    return factory.tenant("coop-a")


def delivery_ids(calls) -> list[str]:
    return [json.loads(call["body"])["id"] for call in calls]


def start_delivery_process(database) -> subprocess.Popen:
    # The process is configured as production is: the app's URL and role (whose consortium reader it enters).
    roles = {key: database[key] for key in ("APP_DB_ROLE", "CONSORTIUM_DB_ROLE") if database.get(key)}
    environment = {**os.environ, **roles, "DATABASE_URL": database["SQLALCHEMY_DATABASE_URI"],
                   "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "1", "WEBHOOK_READ_TIMEOUT": "5", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", DELIVERY_PROCESS], cwd=ROOT, env=environment,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(condition, timeout=120.0):  # a new process boots the whole app: slow on a busy machine
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_delivery_process_killed_mid_send_loses_nothing_and_resends_at_most_the_one_in_flight(
        app, database, factory, coop, receiver, outbox, test_event):
    make_webhook(factory, coop, receiver.url)
    queued = [emit(app, coop, test_event, {"n": n})[0] for n in range(8)]
    receiver.delay = 0.3  # slow receiver: the kill lands while a delivery waits for its answer
    kills = 0
    for kill_after in (2, 5):
        process = start_delivery_process(database)
        try:
            wait_for(lambda target=kill_after + kills: len(receiver.calls) >= target)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            kills += 1
        finally:
            if process.poll() is None:
                process.kill()
    receiver.delay = 0
    process = start_delivery_process(database)
    assert process.wait(timeout=180) == 0  # as wait_for: booting the app takes long on a busy machine
    received = delivery_ids(receiver.calls)
    expected = [row["delivery_id"] for row in outbox(channel="webhook")]  # the ping, then the 8 events
    assert set(queued) < set(expected)
    assert set(received) == set(expected), "a message was lost"
    duplicates = len(received) - len(set(received))
    print(f"delivery kills: {kills}, messages: {len(expected)}, duplicates: {duplicates}")
    assert duplicates <= kills, f"{duplicates} duplicates after {kills} kills"
    assert list(dict.fromkeys(received)) == expected, "a subscription's webhooks arrived out of order"
    assert all(row["status"] == "delivered" for row in outbox(channel="webhook"))


def test_webhooks_keep_their_order_across_a_receiver_outage(app, factory, coop, receiver, deliver, outbox,
                                                           test_event):
    make_webhook(factory, coop, receiver.url)
    receiver.fail_first = 1  # the ping fails once and backs off
    now = utcnow()
    deliver(now + timedelta(seconds=1))
    emit(app, coop, test_event, {"n": 1})
    emit(app, coop, test_event, {"n": 2})
    # The later events are due now, but wait behind the ping that is backing off.
    assert deliver(now + timedelta(seconds=2)).delivered == 0
    assert len(receiver.calls) == 1
    receiver.fail_first = 3  # the receiver is down for two more calls
    for minutes in (2, 5, 10, 30):
        deliver(now + timedelta(minutes=minutes))
    expected = [row["delivery_id"] for row in outbox(channel="webhook")]
    accepted = delivery_ids(receiver.accepted)
    assert accepted == expected  # ping, event 1, event 2: in the order they were queued, each once
    assert [json.loads(c["body"])["type"] for c in receiver.accepted] == ["ping", test_event, test_event]


def test_one_subscriptions_backoff_does_not_hold_back_another(app, factory, coop, receiver, deliver, outbox):
    other = factory.tenant("coop-b")
    make_webhook(factory, coop, receiver.url)
    receiver.fail_first = 1
    deliver(utcnow() + timedelta(seconds=1))  # coop-a's ping fails and backs off
    make_webhook(factory, other, receiver.url)
    deliver(utcnow() + timedelta(seconds=2))
    assert [json.loads(c["body"])["tenant"] for c in receiver.accepted] == ["coop-b"]


def test_after_an_smtp_outage_each_email_goes_out_exactly_once(app, coop, deliver, outbox, test_kind):
    port = free_port()  # the SMTP server is down: nothing listens yet
    addresses = [f"member{n}@example.test" for n in range(5)]
    for address in addresses:
        enqueue(app, coop, to=address, subject=f"Reminder for {address}", body="Hello", kind=test_kind)
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port}
    now = utcnow()
    assert deliver(now + timedelta(seconds=1), **smtp).retrying == 5
    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for minutes in (2, 5, 30, 120):
            deliver(now + timedelta(minutes=minutes), **smtp)
    finally:
        controller.stop()
    received = sorted(rcpt for m in collector.messages for rcpt in m["rcpt_tos"])
    assert received == sorted(addresses)  # each once: none lost, none twice
    assert len({m["message"]["Message-ID"] for m in collector.messages}) == 5
    assert all(row["status"] == "delivered" and row["attempts"] == 2 for row in outbox(channel="email"))
