"""Overdue reminders through the outbox: to treasurers, optionally to the customer; running twice sends once."""

from datetime import timedelta

from sqlalchemy import select

from consortium.extensions import db
from consortium.jobs import JOBS
from consortium.models import Tenant
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import tenant_scope
from tenants.invoicing import service
from tests.conftest import unrestricted
from tests.invoicing.helpers import ISSUE_DAY, make_customer, make_invoice


def _run(app, tenant_id, today):
    job = JOBS["invoicing.overdue_reminders"]
    with app.app_context(), tenant_scope(db.session, tenant_id):
        queued = job.func(db.session, today, db.session.get(Tenant, tenant_id))
        db.session.commit()
        return queued


def _outbox(app):
    with unrestricted(app) as connection:  # co-ops' messages: the consortium reader may not read them
        return [tuple(m) for m in connection.execute(
            select(OutboxMessage.recipient, OutboxMessage.kind, OutboxMessage.subject)
            .where(OutboxMessage.channel == "email").order_by(OutboxMessage.id))]


def test_reminders_go_once_per_threshold_to_treasurers_and_willing_customers(app, factory, uk):
    tenant = uk["tenant"]
    willing = make_customer(factory, tenant, name="Mrs Hughes", customer_type="household",
                            email="hughes@example.net", remind_customer=True, vat_number=None)
    make_invoice(factory, tenant, customer_id=willing)  # issued ISSUE_DAY, due 30 days later
    with app.app_context(), tenant_scope(db.session, tenant.id):
        service.update_settings(db.session, {"reminder_days": "7,30", "remind_customers": True})
        db.session.commit()
    due = ISSUE_DAY + timedelta(days=30)

    assert _run(app, tenant.id, due + timedelta(days=6)) == 0  # not yet 7 days late
    assert _run(app, tenant.id, due + timedelta(days=7)) == 2
    assert _run(app, tenant.id, due + timedelta(days=7)) == 0  # the same day again: nothing new
    assert _run(app, tenant.id, due + timedelta(days=12)) == 0  # still the 7-day reminder
    sent = _outbox(app)
    assert sorted(recipient for recipient, _, _ in sent) == ["hughes@example.net", "t.uk@example.test"]
    assert all("7 days overdue" in subject or "Reminder" in subject for _, _, subject in sent)
    with unrestricted(app) as connection:  # a UK co-op writes in English, and the outbox records it (issue 15)
        written = connection.execute(select(OutboxMessage.language, OutboxMessage.body)
                                     .where(OutboxMessage.channel == "email")).all()
    assert {language for language, _ in written} == {"en"}
    assert all("£" in body and f"due on {due.day} {due:%b} {due.year}" in body for _, body in written)
    assert _run(app, tenant.id, due + timedelta(days=31)) == 2  # the 30-day reminder
    assert len(_outbox(app)) == 4


def test_paid_invoices_and_unwilling_customers_get_no_reminder(app, factory, client, uk):
    tenant = uk["tenant"]
    make_invoice(factory, tenant)  # the council customer did not agree to reminders
    paid = make_invoice(factory, tenant)
    with app.app_context(), tenant_scope(db.session, tenant.id):
        invoice = service.get_invoice(db.session, paid)
        service.record_payment(db.session, invoice, {"amount": invoice.gross_total, "paid_on": ISSUE_DAY})
        db.session.commit()
    assert _run(app, tenant.id, ISSUE_DAY + timedelta(days=40)) == 1
    assert [recipient for recipient, _, _ in _outbox(app)] == ["t.uk@example.test"]
