"""Webhook deliveries against a real local receiver: retries with backoff, timeouts, giving up, retrying."""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from consortium.db import as_utc, utcnow
from consortium.extensions import db
from consortium.jobs import JOBS
from consortium.notifications import service
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import set_consortium_scope, set_tenant, tenant_scope
from tests.conftest import login, token_for
from tests.notifications.helpers import make_webhook


@pytest.fixture
def coop(factory):
    """Co-op A with its treasurer (who gets the failure emails)."""
    tenant = factory.tenant("coop-a")
    factory.user("treasurer.a@example.test", {"role": "treasurer", "tenant": "coop-a"})
    return tenant


def emit(app, tenant, event_type, payload):
    with app.app_context():
        with tenant_scope(db.session, tenant.id):
            rows = service.emit_event(db.session, event_type, payload, tenant_id=tenant.id)
            db.session.commit()
            return [row.delivery_id for row in rows]


def valid_signature(secret: str, call: dict) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), call["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, call["headers"]["X-Consortium-Signature"])


def test_event_is_retried_with_backoff_and_delivered_once_after_the_receiver_recovers(
        app, client, coop, receiver, deliver, outbox, test_event):
    headers = token_for(client, "treasurer.a@example.test")
    created = client.post("/api/v1/t/coop-a/webhooks", headers=headers,
                          json={"url": receiver.url, "event_types": [test_event]})
    assert created.status_code == 201, created.get_json()
    secret = created.get_json()["secret"]
    assert deliver().delivered == 1  # the ping sent on creation
    assert receiver.calls[0]["headers"]["X-Consortium-Event"] == "ping"
    assert valid_signature(secret, receiver.calls[0])

    receiver.calls.clear()
    receiver.fail_first = 2
    [delivery_id] = emit(app, coop, test_event, {"invoice": "2025-001", "amount": Decimal("12.50")})
    start = utcnow()

    assert deliver(start + timedelta(seconds=1)).retrying == 1
    [row] = outbox(kind=test_event)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert as_utc(row["next_attempt_at"]) == start + timedelta(seconds=61)  # base 60 s after the 1st failure
    assert deliver(start + timedelta(seconds=30)).retrying == 0  # not due yet: nothing is sent
    assert len(receiver.calls) == 1
    assert deliver(start + timedelta(seconds=62)).retrying == 1
    [row] = outbox(kind=test_event)
    assert as_utc(row["next_attempt_at"]) == start + timedelta(seconds=62 + 120)  # then 120 s
    assert deliver(start + timedelta(seconds=183)).delivered == 1
    assert deliver(start + timedelta(days=1)).delivered == 0  # delivered means never sent again

    [row] = outbox(kind=test_event)
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 3, None)
    assert [call["status"] for call in receiver.calls] == [500, 500, 200]
    assert len(receiver.accepted) == 1
    assert {call["headers"]["X-Consortium-Delivery"] for call in receiver.calls} == {delivery_id}
    assert len({call["body"] for call in receiver.calls}) == 1  # the very same bytes, so the same signature
    assert all(valid_signature(secret, call) for call in receiver.calls)
    assert receiver.calls[0]["headers"]["X-Consortium-Event"] == test_event
    payload = json.loads(receiver.accepted[0]["body"])
    assert payload["id"] == delivery_id and payload["type"] == test_event and payload["tenant"] == "coop-a"
    assert payload["data"] == {"invoice": "2025-001", "amount": "12.50"}


def test_a_receiver_that_never_answers_does_not_hang_the_job_and_is_retried(
        factory, coop, receiver, deliver, outbox):
    make_webhook(factory, coop, receiver.url)
    receiver.delay = 3.0
    started = time.monotonic()
    run = deliver(WEBHOOK_READ_TIMEOUT=0.3)
    assert time.monotonic() - started < 2.5
    assert run.retrying == 1
    [row] = outbox(channel="webhook")
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "timed out" in row["last_error"].lower()

    receiver.delay = 0
    assert deliver(utcnow() + timedelta(minutes=2)).delivered == 1
    [row] = outbox(channel="webhook")
    assert row["status"] == "delivered"
    # The receiver saw the slow call too (we had stopped waiting): the same delivery id lets it drop the repeat.
    assert len(receiver.calls) == 2
    assert {call["headers"]["X-Consortium-Delivery"] for call in receiver.calls} == {row["delivery_id"]}


def test_after_the_last_attempt_it_fails_and_is_delivered_once_retried_from_page_and_api(
        app, client, factory, coop, receiver, deliver, outbox):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    make_webhook(factory, coop, receiver.url)
    receiver.fail_first = 10_000

    def exhaust():
        moment = utcnow()
        for _ in range(4):  # OUTBOX_MAX_ATTEMPTS is 4 in the test config
            moment += timedelta(hours=7)  # past the 6-hour cap on the backoff
            deliver(moment)

    exhaust()
    [row] = outbox(channel="webhook")
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 4, None)
    assert row["last_error"].startswith("WebhookRefused: HTTP 500")
    deliver(utcnow() + timedelta(days=30))
    assert len(receiver.calls) == 4  # a failed message is not tried again by itself
    [warning] = outbox(kind=service.WEBHOOK_FAILED_KIND)
    assert warning["recipient"] == "treasurer.a@example.test" and warning["tenant_id"] == coop.id

    # Staff see that co-op A has a failed message, not the message: it is the co-op's (its invoice webhooks).
    login(client, "admin@example.test")
    page = client.get("/consortium/outbox?status=failed").get_data(as_text=True)
    assert receiver.url not in page and row["delivery_id"] not in page
    counts = page[page.index('id="coop-outbox-counts"'):]
    assert coop.name in counts and "Retry" not in counts
    assert client.post(f"/consortium/outbox/{row['id']}/retry").status_code == 404
    admin = token_for(client, "admin@example.test")
    assert client.post(f"/api/v1/consortium/outbox/{row['id']}/retry", headers=admin).status_code == 404
    # The co-op's treasurer retries it from the co-op's page.
    client.post("/logout")
    login(client, "treasurer.a@example.test")
    assert receiver.url in client.get("/t/coop-a/webhooks?status=failed").get_data(as_text=True)
    assert client.post(f"/t/coop-a/outbox/{row['id']}/retry").status_code == 302
    [row] = outbox(channel="webhook")
    assert (row["status"], row["attempts"]) == ("pending", 0)

    exhaust()  # still down: it fails again, and the treasurer is not emailed twice about it
    assert outbox(channel="webhook")[0]["status"] == "failed"
    assert len(outbox(kind=service.WEBHOOK_FAILED_KIND)) == 1
    assert client.post(f"/t/coop-a/outbox/{row['id']}/retry").status_code == 302

    receiver.fail_first = 0
    assert deliver().delivered >= 1
    [row] = outbox(channel="webhook")
    assert row["status"] == "delivered"
    assert len(receiver.accepted) == 1
    assert {call["headers"]["X-Consortium-Delivery"] for call in receiver.calls} == {row["delivery_id"]}


def test_redirects_are_not_followed_and_the_stored_error_is_bounded(factory, coop, receiver, deliver, outbox):
    make_webhook(factory, coop, receiver.url)
    receiver.fail_first = 1
    receiver.fail_status = 302
    receiver.fail_headers = {"Location": receiver.url + "/elsewhere"}
    receiver.fail_body = b"x" * 200_000
    assert deliver().retrying == 1
    assert len(receiver.calls) == 1  # the redirect was not followed
    [row] = outbox(channel="webhook")
    assert row["last_error"].startswith("WebhookRefused: HTTP 302")
    assert len(row["last_error"]) <= 1000


def test_private_addresses_are_refused_unless_allowed(factory, coop, receiver, deliver, outbox):
    make_webhook(factory, coop, receiver.url)
    assert deliver(WEBHOOK_ALLOW_PRIVATE_NETWORKS=False).retrying == 1
    assert receiver.calls == []
    assert "not a public address" in outbox(channel="webhook")[0]["last_error"]


def test_a_delivery_for_a_removed_subscription_is_given_up_without_alarm(
        client, factory, coop, receiver, deliver, outbox):
    webhook_id = make_webhook(factory, coop, receiver.url)
    headers = token_for(client, "treasurer.a@example.test")
    assert client.delete(f"/api/v1/t/coop-a/webhooks/{webhook_id}", headers=headers).status_code == 204
    assert deliver().failed == 1
    [row] = outbox(channel="webhook")
    assert row["status"] == "failed" and "deleted or paused" in row["last_error"]
    assert receiver.calls == []
    assert outbox(channel="email") == []


def test_the_scheduled_job_delivers_in_the_consortium_scope(app, factory, coop, receiver, outbox, monkeypatch,
                                                           tmp_path):
    from consortium.scheduler import run_job

    spec = JOBS["notifications.deliver_outbox"]
    assert (spec.trigger, spec.trigger_args, spec.per_tenant) == ("interval", {"minutes": 1}, False)
    make_webhook(factory, coop, receiver.url)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", True)
    monkeypatch.setitem(app.config, "MAIL_DEBUG_DIR", str(tmp_path))
    run_job(app, "notifications.deliver_outbox")
    assert outbox(channel="webhook")[0]["status"] == "delivered"
    assert len(receiver.accepted) == 1
    run_job(app, "notifications.deliver_outbox")
    assert len(receiver.calls) == 1  # idempotent: the second run sends nothing


def test_two_delivery_runs_at_once_never_take_the_same_message(app, factory, coop, test_kind):
    from sqlalchemy.orm import Session

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are a PostgreSQL matter")
        with tenant_scope(db.session, coop.id):
            service.enqueue_email(db.session, to=["a@example.test", "b@example.test"], subject="Hi", body="Hello",
                                  kind=test_kind, tenant_id=coop.id)
            db.session.commit()
        first, second = Session(db.engine), Session(db.engine)
        for session in (first, second, db.session):  # as the delivery job claims a co-op's messages: in its scope
            set_consortium_scope(session, True)
            set_tenant(session, coop.id)
        try:
            later = utcnow() + timedelta(seconds=1)
            taken_first = service.claim_due_messages(first, now=later, tenant_id=coop.id, limit=1)
            taken_second = service.claim_due_messages(second, now=later, tenant_id=coop.id, limit=10)
            assert len(taken_first) == 1 and len(taken_second) == 1
            assert taken_first[0].id != taken_second[0].id
            all_ids = set(db.session.scalars(select(OutboxMessage.id)))
            assert {taken_first[0].id, taken_second[0].id} == all_ids
        finally:
            first.rollback()
            second.rollback()
            first.close()
            second.close()
