"""Each queued email records the language it was written in; the outbox pages mark a subject written in another
language than the page's with `lang` (WCAG 3.1.2), so a screen reader reads it with the right voice."""

from sqlalchemy import select

from consortium.extensions import db
from consortium.i18n import _, force_locale
from consortium.models import User
from consortium.notifications import service
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import consortium_scope, tenant_scope
from tests.conftest import login, unrestricted
from tests.notifications.helpers import register_test_kind

ADMIN = "admin@example.test"


def _queued(app) -> dict[str, tuple[str | None, str]]:
    with unrestricted(app) as connection:
        return {m.recipient: (m.language, m.subject) for m in connection.execute(
            select(OutboxMessage.recipient, OutboxMessage.language, OutboxMessage.subject)
            .where(OutboxMessage.channel == "email"))}


def test_an_email_records_the_language_in_force_when_it_was_written(app):
    kind = register_test_kind()
    with app.app_context(), consortium_scope(db.session):
        with force_locale("it"):
            service.enqueue_email(db.session, to="a@example.test", subject=_("Outbox"), body="-", kind=kind,
                                  tenant_id=None)
        with force_locale("en"):
            service.enqueue_email(db.session, to="b@example.test", subject=_("Outbox"), body="-", kind=kind,
                                  tenant_id=None)
        db.session.commit()
    assert _queued(app) == {"a@example.test": ("it", "Coda di invio"), "b@example.test": ("en", "Outbox")}


def test_staff_notices_record_each_readers_language_though_they_are_queued_outside_it(app, factory):
    """notify_staff writes each reader's text under their language and queues it afterwards: the language given
    is the text's, not the one in force when the row is written."""
    kind = register_test_kind()
    factory.user("rossi@example.test", {"role": "consortium_staff"})
    factory.user("smith@example.test", {"role": "consortium_staff"})
    with app.app_context(), consortium_scope(db.session):
        db.session.scalar(select(User).where(User.email == "rossi@example.test")).language = "it"
        db.session.scalar(select(User).where(User.email == "smith@example.test")).language = "en"
        db.session.flush()
        with force_locale("en"):
            service.notify_staff(db.session, kind=kind, dedupe_key="language-test", text=lambda: (_("Outbox"), "-"))
        db.session.commit()
    assert _queued(app) == {"rossi@example.test": ("it", "Coda di invio"),
                            "smith@example.test": ("en", "Outbox")}


def test_the_outbox_page_marks_a_subject_in_the_other_language(app, client, factory):
    kind = register_test_kind()
    factory.user(ADMIN, {"role": "consortium_admin"})
    with app.app_context(), consortium_scope(db.session):
        service.enqueue_email(db.session, to="a@example.test", subject="Promemoria: fattura FT-1", body="-",
                              kind=kind, tenant_id=None, language="it")
        service.enqueue_email(db.session, to="b@example.test", subject="Reminder: invoice INV-1", body="-",
                              kind=kind, tenant_id=None, language="en")
        db.session.commit()
    login(client, ADMIN)

    english = client.get("/consortium/outbox", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<small lang="it">Promemoria: fattura FT-1</small>' in english
    assert "<small>Reminder: invoice INV-1</small>" in english

    client.post("/language", data={"language": "it"})
    italian = client.get("/consortium/outbox").get_data(as_text=True)
    assert '<small lang="en">Reminder: invoice INV-1</small>' in italian
    assert "<small>Promemoria: fattura FT-1</small>" in italian


def test_emails_queued_before_their_language_was_recorded_still_list_and_go_out(app, client, factory, deliver,
                                                                               delivery_config):
    """Rows queued before migration 0030 have no language: the outbox pages list them and the delivery sends them,
    read as written in their recipient's own language, else the consortium's."""
    from email import message_from_bytes
    from pathlib import Path

    from sqlalchemy import update

    kind = register_test_kind()
    factory.user(ADMIN, {"role": "consortium_admin"})
    factory.user("rossi@example.test", {"role": "consortium_staff"})
    coop = factory.tenant("vecchia")
    factory.user("treasurer@vecchia.example.test", {"role": "treasurer", "tenant": "vecchia"})
    with app.app_context(), consortium_scope(db.session):
        db.session.scalar(select(User).where(User.email == "rossi@example.test")).language = "it"
        for to in ("rossi@example.test", "office@example.test"):
            service.enqueue_email(db.session, to=to, subject=f"Old notice to {to}", body="-", kind=kind,
                                  tenant_id=None)
        db.session.commit()
    with app.app_context(), tenant_scope(db.session, coop.id):
        service.enqueue_email(db.session, to="treasurer@vecchia.example.test", subject="Old co-op notice",
                              body="-", kind=kind, tenant_id=coop.id)
        db.session.commit()
    with unrestricted(app) as connection:  # as migration 0030 left the rows queued before it
        connection.execute(update(OutboxMessage).values(language=None))
        connection.commit()
    app.config["CONSORTIUM_LANGUAGE"] = "it"
    try:
        login(client, ADMIN)
        page = client.get("/consortium/outbox", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        # Rossi reads Italian (his own choice); the unknown address the consortium's language (Italian here)
        assert '<small lang="it">Old notice to rossi@example.test</small>' in html
        assert '<small lang="it">Old notice to office@example.test</small>' in html
        assert deliver(CONSORTIUM_LANGUAGE="en").delivered == 3
    finally:
        app.config["CONSORTIUM_LANGUAGE"] = "en"
    sent = {message["To"]: message["Content-Language"] for message in (
        message_from_bytes(path.read_bytes()) for path in Path(delivery_config["MAIL_DEBUG_DIR"]).glob("*.eml"))}
    assert sent == {"rossi@example.test": "it", "office@example.test": "en", "treasurer@vecchia.example.test": "en"}
