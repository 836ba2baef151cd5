"""Expiry reminders through the outbox at 90, 30 and 7 days and on expiry, to the training lead (treasurer) and
the worker with an email; once per record and threshold, in the co-op's language; a newer record silences them."""

from datetime import date, timedelta

from sqlalchemy import select

from consortium.extensions import db
from consortium.jobs import JOBS
from consortium.models import Tenant
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import tenant_scope
from tenants.training import service
from tests.conftest import unrestricted
from tests.training.helpers import make_course, make_record

COMPLETED = date(2025, 3, 14)
EXPIRES = date(2026, 3, 14)  # a 12-month course


def _run(app, tenant_id, today):
    with app.app_context(), tenant_scope(db.session, tenant_id):
        queued = JOBS["training.expiry_reminders"].func(db.session, today, db.session.get(Tenant, tenant_id))
        db.session.commit()
        return queued


def _outbox(app):
    with unrestricted(app) as connection:  # co-ops' messages: the consortium reader may not read them
        return [tuple(m) for m in connection.execute(
            select(OutboxMessage.recipient, OutboxMessage.subject).where(OutboxMessage.channel == "email")
            .order_by(OutboxMessage.id))]


def test_thresholds():
    assert service.reminder_threshold(EXPIRES, EXPIRES - timedelta(days=91)) is None
    assert service.reminder_threshold(EXPIRES, EXPIRES - timedelta(days=90)) == 90
    assert service.reminder_threshold(EXPIRES, EXPIRES - timedelta(days=31)) == 90
    assert service.reminder_threshold(EXPIRES, EXPIRES - timedelta(days=30)) == 30
    assert service.reminder_threshold(EXPIRES, EXPIRES - timedelta(days=7)) == 7
    assert service.reminder_threshold(EXPIRES, EXPIRES) == 0
    assert service.reminder_threshold(EXPIRES, EXPIRES + timedelta(days=31)) is None  # long lapsed: quiet


def test_reminders_go_once_per_threshold_to_the_lead_and_the_worker(app, factory, two_coops):
    tenant = two_coops["b"]
    worker = factory.member(tenant, name="Grace Okafor", email="grace@example.net")
    course = make_course(factory, code="FIRE", title="Fire safety", validity_months=12, topic="fire_safety")
    make_record(factory, tenant, member_id=worker, course_id=course, completed_on=COMPLETED)
    assert _run(app, tenant.id, EXPIRES - timedelta(days=91)) == 0
    assert _run(app, tenant.id, EXPIRES - timedelta(days=90)) == 2
    assert _run(app, tenant.id, EXPIRES - timedelta(days=90)) == 0  # the same day again: nothing new
    assert _run(app, tenant.id, EXPIRES - timedelta(days=45)) == 0  # still the 90-day reminder
    assert _run(app, tenant.id, EXPIRES - timedelta(days=30)) == 2
    assert _run(app, tenant.id, EXPIRES - timedelta(days=7)) == 2
    assert _run(app, tenant.id, EXPIRES) == 2
    sent = _outbox(app)
    assert sorted({recipient for recipient, _ in sent}) == ["grace@example.net", "treasurer.b@example.test"]
    assert [subject for recipient, subject in sent if recipient == "grace@example.net"] == [
        "Training expires within 90 days: Fire safety (Grace Okafor)",
        "Training expires within 30 days: Fire safety (Grace Okafor)",
        "Training expires within 7 days: Fire safety (Grace Okafor)",
        "Training expired: Fire safety (Grace Okafor)"]


def test_a_renewed_certificate_or_a_leaver_gets_no_reminder(app, factory, two_coops):
    tenant = two_coops["b"]
    course = make_course(factory, code="FIRE", title="Fire safety", validity_months=12, topic="fire_safety")
    renewed = factory.member(tenant, name="Renewed Worker")
    make_record(factory, tenant, member_id=renewed, course_id=course, completed_on=COMPLETED)
    leaver = factory.member(tenant, name="Gone Worker", left_on=EXPIRES - timedelta(days=60))
    make_record(factory, tenant, member_id=leaver, course_id=course, completed_on=COMPLETED)
    make_record(factory, tenant, member_id=renewed, course_id=course, completed_on=EXPIRES - timedelta(days=40))
    assert _run(app, tenant.id, EXPIRES - timedelta(days=30)) == 0


def test_an_italian_coop_is_reminded_in_italian(app, factory):
    tenant = factory.tenant("coop-it", country="it", legal_form="social_coop_a", currency="EUR")
    factory.user("tesoriera@example.test", {"role": "treasurer", "tenant": "coop-it"})
    worker = factory.member(tenant, name="Giulia Rossi")
    course = make_course(factory, code="PS", title="Primo soccorso", validity_months=12, topic="primo_soccorso")
    make_record(factory, tenant, member_id=worker, course_id=course, completed_on=COMPLETED)
    assert _run(app, tenant.id, EXPIRES - timedelta(days=7)) == 1
    assert _outbox(app) == [("tesoriera@example.test",
                             "Formazione in scadenza entro 7 giorni: Primo soccorso (Giulia Rossi)")]
