"""Overdue reminders through the outbox: to treasurers, optionally to the customer; running twice sends once."""

from datetime import timedelta
from decimal import Decimal

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


def _italian_and_english_coops_with_an_overdue_invoice(app, factory, uk, italy):
    """Girasole (Bologna) owed by the Comune di Bologna and Riverside (Manchester) owed by Mrs Hughes, each invoice
    ten days past its due date today, both customers willing to be reminded."""
    from consortium.clock import local_today

    with app.app_context():
        issued = local_today() - timedelta(days=40)  # due 30 days after issue
    # home care for a comune by a type A social co-op: 5% (DPR 633/1972, Tabella A parte II-bis n. 1)
    italian_line = {"description": "Assistenza domiciliare", "quantity": Decimal("10"), "unit": "HUR",
                    "unit_price": Decimal("123.45"), "vat_category": "ridotta_5_sociale"}
    comune = {"name": "Comune di Bologna", "customer_type": "public_body_it", "street": "Piazza Maggiore 6",
              "city": "Bologna", "postcode": "40124", "country": "IT", "vat_number": "00743110157",
              "tax_code": "00743110157", "codice_destinatario": "UF5YCI", "peppol_id": None,
              "email": "ragioneria@comune.example.it", "remind_customer": True}
    household = {"name": "Mrs Hughes", "customer_type": "household", "vat_number": None, "peppol_id": None,
                 "email": "hughes@example.net", "remind_customer": True}
    coops = {}
    for coop, lines, customer in ((italy, [italian_line], comune), (uk, None, household)):
        tenant = coop["tenant"]
        customer_id = make_customer(factory, tenant, **customer)
        invoice_id = make_invoice(factory, tenant, customer_id=customer_id, on=issued, lines=lines)
        with app.app_context(), tenant_scope(db.session, tenant.id):
            service.update_settings(db.session, {"remind_customers": True})
            invoice = service.get_invoice(db.session, invoice_id)
            coops[tenant.slug] = (invoice.number, service.outstanding(invoice), invoice.due_date)
            db.session.commit()
    return coops


def test_the_scheduled_reminders_of_an_italian_coop_are_italian_and_an_english_coops_english(app, factory, uk, italy):
    """The scheduler's job queues each co-op's reminders in its own language: an Italian co-op's treasurer and its
    Italian customer read Italian words, money (1.234,56 €) and dates (dd/mm/yyyy); an English co-op's read
    English (£1,234.56, 1 Dec 2026)."""
    from consortium.scheduler import run_job

    coops = _italian_and_english_coops_with_an_overdue_invoice(app, factory, uk, italy)
    outcome = run_job(app, "invoicing.overdue_reminders")
    assert outcome.failed == ()
    with unrestricted(app) as connection:
        queued = {recipient: (language, subject, body) for recipient, language, subject, body in connection.execute(
            select(OutboxMessage.recipient, OutboxMessage.language, OutboxMessage.subject, OutboxMessage.body)
            .where(OutboxMessage.channel == "email", OutboxMessage.kind.like("invoicing.%")))}
    assert set(queued) == {"t.it@example.test", "ragioneria@comune.example.it", "t.uk@example.test",
                           "hughes@example.net"}

    number, owed, due = coops["girasole"]
    assert owed > 1000  # so the thousands are separated
    euros = f"{owed:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") + "\xa0€"  # 1.234,56 €
    assert queued["t.it@example.test"] == (
        "it", f"La fattura {number} a Comune di Bologna è scaduta da 10 giorni",
        f"Il Girasole Cooperativa Sociale: la fattura {number} a Comune di Bologna, con scadenza il {due:%d/%m/%Y}, "
        f"ha ancora {euros} da incassare (scaduta da 10 giorni).")
    language, subject, body = queued["ragioneria@comune.example.it"]
    assert (language, subject) == ("it", f"Promemoria: fattura {number} di Il Girasole Cooperativa Sociale")
    assert body.startswith("Gentile Comune di Bologna,\n\nla nostra fattura")
    assert f"era in scadenza il {due:%d/%m/%Y}; restano da pagare {euros}." in body

    number, owed, due = coops["riverside"]
    assert queued["t.uk@example.test"] == (
        "en", f"{number} to Mrs Hughes is 10 days overdue",
        f"Riverside Care Co-operative: invoice {number} to Mrs Hughes, due on {due.day} {due:%b %Y}, still has "
        f"£{owed:,.2f} unpaid (10 days past due).")
    language, subject, body = queued["hughes@example.net"]
    assert (language, subject) == ("en", f"Reminder: invoice {number} from Riverside Care Co-operative")
    assert body.startswith("Dear Mrs Hughes,\n\n") and f"was due on {due.day} {due:%b %Y}; £{owed:,.2f}" in body


def test_the_delivered_reminder_emails_say_which_language_they_are_in(app, factory, uk, italy):
    """Delivered by the outbox job, each reminder is the email its reader receives: the Italian co-op's in Italian
    with `Content-Language: it` (RFC 3282, so a mail client or screen reader reads it as Italian), the English
    co-op's `en`."""
    from email import policy
    from email.parser import BytesParser
    from pathlib import Path

    from consortium.scheduler import run_job

    coops = _italian_and_english_coops_with_an_overdue_invoice(app, factory, uk, italy)
    assert run_job(app, "invoicing.overdue_reminders").failed == ()
    assert run_job(app, "notifications.deliver_outbox").failed == ()
    with unrestricted(app) as connection:
        delivered = connection.execute(select(OutboxMessage.recipient, OutboxMessage.delivery_id, OutboxMessage.status)
                                       .where(OutboxMessage.channel == "email")).all()
    emails = {}
    for recipient, delivery_id, status in delivered:
        assert status == "delivered", recipient
        eml = Path(app.config["MAIL_DEBUG_DIR"]) / f"{delivery_id}.eml"
        emails[recipient] = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    languages = {recipient: email["Content-Language"] for recipient, email in emails.items()}
    assert languages == {"t.it@example.test": "it", "ragioneria@comune.example.it": "it",
                         "t.uk@example.test": "en", "hughes@example.net": "en"}
    italian = emails["ragioneria@comune.example.it"]
    number = coops["girasole"][0]
    assert italian["Subject"] == f"Promemoria: fattura {number} di Il Girasole Cooperativa Sociale"
    assert italian.get_content().startswith("Gentile Comune di Bologna,")
