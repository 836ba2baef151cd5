"""Emails: SMTP delivery, SMTP down, the development sink, idempotent enqueueing, opt-outs, transactions."""

import logging
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from consortium.db import utcnow
from consortium.directory import service as directory
from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.models import User
from consortium.notifications import service
from consortium.tenancy import consortium_scope, tenant_scope
from tests.conftest import login
from tests.notifications.conftest import MailCollector, free_port


@pytest.fixture
def coop(factory):
    return factory.tenant("coop-a")


def enqueue(app, tenant, **fields):
    with app.app_context():
        with tenant_scope(db.session, tenant.id):
            rows = service.enqueue_email(db.session, tenant_id=tenant.id, **fields)
            db.session.commit()
            return [row.delivery_id for row in rows]


def test_email_reaches_the_smtp_server_with_its_subject_recipient_and_stable_message_id(
        app, coop, smtp_server, deliver, outbox, test_kind):
    controller, collector = smtp_server
    [delivery_id] = enqueue(app, coop, to="ada@example.test", subject="Invoice 2025-001 is overdue",
                            body="Please pay invoice 2025-001.", kind=test_kind)
    run = deliver(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    assert run.delivered == 1
    [received] = collector.messages
    assert received["rcpt_tos"] == ["ada@example.test"]
    message = received["message"]
    assert message["To"] == "ada@example.test"
    assert message["Subject"] == "Invoice 2025-001 is overdue"
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Message-ID"] == f"<{delivery_id}@localhost>"
    assert "Please pay invoice 2025-001." in message.get_payload()
    [row] = outbox()
    assert row["status"] == "delivered" and row["attempts"] == 1


def test_when_smtp_is_down_the_email_waits_and_goes_out_later(app, coop, deliver, outbox, test_kind):
    port = free_port()  # nothing listens here yet
    enqueue(app, coop, to="ada@example.test", subject="Reminder", body="Hello", kind=test_kind)
    assert deliver(SMTP_HOST="127.0.0.1", SMTP_PORT=port).retrying == 1
    [row] = outbox()
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_error"]

    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert deliver(utcnow() + timedelta(seconds=30), SMTP_HOST="127.0.0.1", SMTP_PORT=port).delivered == 0
        assert deliver(utcnow() + timedelta(minutes=2), SMTP_HOST="127.0.0.1", SMTP_PORT=port).delivered == 1
    finally:
        controller.stop()
    assert [m["message"]["Subject"] for m in collector.messages] == ["Reminder"]
    assert outbox()[0]["status"] == "delivered"


def test_without_smtp_host_emails_are_logged_and_kept_as_eml_files(
        app, coop, deliver, delivery_config, caplog, test_kind):
    [delivery_id] = enqueue(app, coop, to="ada@example.test", subject="Welcome", body="Hello Ada", kind=test_kind)
    with caplog.at_level(logging.INFO, logger="plugins.notifiers.email"):
        assert deliver().delivered == 1
    saved = Path(delivery_config["MAIL_DEBUG_DIR"]) / f"{delivery_id}.eml"
    message = message_from_bytes(saved.read_bytes())
    assert message["Subject"] == "Welcome" and message["To"] == "ada@example.test"
    assert "Hello Ada" in caplog.text


def test_a_dedupe_key_makes_enqueueing_idempotent_per_recipient_kind_and_coop(
        app, factory, coop, outbox, test_kind):
    other = factory.tenant("coop-b")
    first = enqueue(app, coop, to="ada@example.test", subject="Overdue", body="x", kind=test_kind,
                    dedupe_key="invoice:7:overdue:14")
    assert len(first) == 1
    assert enqueue(app, coop, to="ada@example.test", subject="Overdue", body="x", kind=test_kind,
                   dedupe_key="invoice:7:overdue:14") == []
    # A list with one new recipient: only the new one is queued.
    assert len(enqueue(app, coop, to=["ada@example.test", "bob@example.test"], subject="Overdue", body="x",
                       kind=test_kind, dedupe_key="invoice:7:overdue:14")) == 1
    # The same key in another co-op, or without a key, is another message.
    assert len(enqueue(app, other, to="ada@example.test", subject="Overdue", body="x", kind=test_kind,
                       dedupe_key="invoice:7:overdue:14")) == 1
    assert len(enqueue(app, coop, to="ada@example.test", subject="Overdue", body="x", kind=test_kind)) == 1
    assert sorted((r["tenant_id"] == coop.id, r["recipient"]) for r in outbox()) == [
        (False, "ada@example.test"), (True, "ada@example.test"), (True, "ada@example.test"),
        (True, "bob@example.test")]


def test_users_who_opted_out_on_their_preferences_page_get_no_email(app, client, factory, coop, outbox, test_kind):
    factory.user("ada@example.test", {"role": "treasurer", "tenant": "coop-a"})
    factory.user("bob@example.test", {"role": "treasurer", "tenant": "coop-a"})
    factory.user("viv@example.test", {"role": "viewer", "tenant": "coop-a"})
    login(client, "ada@example.test")
    page = client.get("/account/notifications")
    assert page.status_code == 200 and 'value="test.notice" checked' in page.get_data(as_text=True)
    kept = [service.WEBHOOK_FAILED_KIND]
    assert client.post("/account/notifications", data={"kinds": kept}).status_code == 302
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'value="test.notice" checked' not in page and f'value="{service.WEBHOOK_FAILED_KIND}" checked' in page

    with app.app_context():
        with tenant_scope(db.session, coop.id):
            treasurers = service.users_with_tenant_role(db.session, coop.id, "treasurer")
            assert [u.email for u in treasurers] == ["ada@example.test", "bob@example.test"]
            rows = service.notify_users(db.session, users=treasurers, kind=test_kind, subject="Accounts due",
                                        body="x", tenant_id=coop.id)
            assert [r.recipient for r in rows] == ["bob@example.test"]
            # Ada still gets the kinds she kept.
            rows = service.notify_users(db.session, users=treasurers, kind=service.WEBHOOK_FAILED_KIND,
                                        subject="Webhook failed", body="x", tenant_id=coop.id)
            assert [r.recipient for r in rows] == ["ada@example.test", "bob@example.test"]
            db.session.commit()
    assert len(outbox()) == 3


def test_inactive_users_are_not_recipients(app, factory, coop):
    user_id = factory.user("gone@example.test", {"role": "treasurer", "tenant": "coop-a"})
    with app.app_context():
        with consortium_scope(db.session):
            directory.update_user(db.session, db.session.get(User, user_id), {"is_active": False})
            assert service.users_with_tenant_role(db.session, coop.id, "treasurer") == []
            db.session.commit()


def test_an_email_queued_in_a_rolled_back_change_is_never_sent(app, coop, outbox, test_kind):
    with app.app_context():
        with consortium_scope(db.session):
            directory.create_tenant(db.session, {"slug": "coop-new", "name": "New", "country": "uk",
                                                 "legal_form": "coop_society"})
            service.enqueue_email(db.session, to="ada@example.test", subject="Welcome", body="x", kind=test_kind,
                                  tenant_id=coop.id)
            db.session.rollback()
    assert outbox() == []


def test_bad_enqueue_calls_are_refused_clearly(app, coop):
    with app.app_context(), tenant_scope(db.session, coop.id):
        with pytest.raises(ValueError, match="not registered"):
            service.enqueue_email(db.session, to="a@example.test", subject="x", body="x", kind="no.such.kind",
                                  tenant_id=coop.id)
        with pytest.raises(ServiceError) as refused:
            service.enqueue_email(db.session, to="not-an-address", subject="x", body="x",
                                  kind=service.WEBHOOK_FAILED_KIND, tenant_id=coop.id)
        assert "to" in refused.value.errors
        with pytest.raises(ServiceError) as refused:
            service.enqueue_email(db.session, to="a@example.test", subject=" \n ", body="x",
                                  kind=service.WEBHOOK_FAILED_KIND, tenant_id=coop.id)
        assert "subject" in refused.value.errors
        # A subject built from user data never injects a header and never refuses the change that queued it.
        [row] = service.enqueue_email(db.session, to="a@example.test", subject="Hi\nBcc: x@example.test",
                                      body="x", kind=service.WEBHOOK_FAILED_KIND, tenant_id=coop.id)
        assert row.subject == "Hi Bcc: x@example.test"
        [row] = service.enqueue_email(db.session, to="b@example.test", subject="Long " * 100, body="x",
                                      kind=service.WEBHOOK_FAILED_KIND, tenant_id=coop.id)
        assert len(row.subject) == 300 and row.subject.endswith("…")
        db.session.rollback()
