"""Email attachments: stored with the message in the caller's transaction, sent as MIME parts, refused clearly."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.notifications import service
from consortium.notifications.models import OutboxAttachment
from consortium.tenancy import tenant_scope
from tests.conftest import unrestricted

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def coop(factory):
    return factory.tenant("coop-a")


def enqueue(app, tenant, **fields):
    with app.app_context(), tenant_scope(db.session, tenant.id):
        rows = service.enqueue_email(db.session, tenant_id=tenant.id, **fields)
        db.session.commit()
        return [row.delivery_id for row in rows]


def test_the_email_that_leaves_by_smtp_carries_each_attachment_as_a_mime_part(
        app, coop, smtp_server, deliver, test_kind):
    controller, collector = smtp_server
    enqueue(app, coop, to="ada@example.test", subject="Your payslip", body="Attached.", kind=test_kind,
            attachments=[("payslip-2026-27-monthly-01-7.pdf", "application/pdf", PDF),
                         ("notes.txt", "text/plain", "Perché £ e €".encode())])
    assert deliver(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port).delivered == 1
    [received] = collector.messages
    message = message_from_bytes(received["message"].as_bytes(), policy=policy.default)
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == "Attached."
    parts = list(message.iter_attachments())
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [
        ("payslip-2026-27-monthly-01-7.pdf", "application/pdf"), ("notes.txt", "text/plain")]
    assert parts[0].get_payload(decode=True) == PDF
    assert parts[1].get_payload(decode=True).decode() == "Perché £ e €"


def test_the_development_sink_keeps_the_attachment_in_the_eml_file(app, coop, deliver, delivery_config, test_kind):
    [delivery_id] = enqueue(app, coop, to="ada@example.test", subject="Payslip", body="Hello", kind=test_kind,
                            attachments=[("payslip.pdf", "application/pdf", PDF)])
    assert deliver().delivered == 1
    saved = Path(delivery_config["MAIL_DEBUG_DIR"]) / f"{delivery_id}.eml"
    message = message_from_bytes(saved.read_bytes(), policy=policy.default)
    [part] = message.iter_attachments()
    assert part.get_filename() == "payslip.pdf" and part.get_payload(decode=True) == PDF


def test_attachments_are_stored_per_recipient_with_the_messages_coop(app, coop, test_kind):
    enqueue(app, coop, to=["ada@example.test", "bob@example.test"], subject="S", body="B", kind=test_kind,
            attachments=[("a.pdf", "application/pdf", PDF)])
    with unrestricted(app) as connection:
        rows = connection.execute(select(OutboxAttachment.__table__)).all()
    assert len(rows) == 2 and {row.tenant_id for row in rows} == {coop.id}
    assert {row.content for row in rows} == {PDF}


@pytest.mark.parametrize(("attachment", "problem"), [
    (("../etc/passwd", "application/pdf", PDF), "is not a file name"),
    (("", "application/pdf", PDF), "is not a file name"),
    (("a.pdf", "pdf", PDF), "is not a content type"),
    (("a.pdf", "application/pdf", b""), "non-empty bytes"),
    (("a.pdf", "application/pdf"), "give (filename, content type, bytes)"),
])
def test_a_bad_attachment_is_refused_naming_it_and_nothing_is_queued(app, coop, test_kind, attachment, problem):
    with pytest.raises(ServiceError) as error:
        enqueue(app, coop, to="ada@example.test", subject="S", body="B", kind=test_kind,
                attachments=[("ok.pdf", "application/pdf", PDF), attachment])
    assert "attachments[2]" in str(error.value.errors["attachments"]) and problem in str(error.value.errors)
    with unrestricted(app) as connection:
        assert connection.execute(select(OutboxAttachment.__table__)).all() == []
