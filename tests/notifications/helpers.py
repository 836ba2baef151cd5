"""Notification test helpers usable from other suites (the isolation suite makes webhooks with them)."""

from consortium.extensions import db
from consortium.notifications import service
from consortium.tenancy import consortium_scope, tenant_scope

# No co-op event is emitted by the platform itself; features register theirs. Tests use this one.
TEST_EVENT = "test.something_happened"


def register_test_event() -> str:
    """Register the tests' co-op event type (idempotent) and return its name."""
    service.register_event_type(TEST_EVENT, "Something happened (tests)")
    return TEST_EVENT


def make_webhook(factory, tenant, url: str | None = None) -> int:
    """A webhook of `tenant` to `url` (default: a host named after the co-op), made through the service."""
    register_test_event()
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            subscription = service.create_webhook(
                db.session, {"url": url or f"https://{tenant.slug}.example.test/hook", "event_types": [TEST_EVENT]},
                tenant_id=tenant.id)
            db.session.commit()
            return subscription.id


TEST_KIND = "test.notice"


def register_test_kind() -> str:
    """Register the tests' email kind (idempotent) and return its name."""
    service.register_email_kind(TEST_KIND, "Notices sent by the tests")
    return TEST_KIND


def make_failed_email(factory, tenant) -> int:
    """A failed email of `tenant` in its outbox, as the delivery job leaves one after its last attempt."""
    register_test_kind()
    with factory.app.app_context(), tenant_scope(db.session, tenant.id):
        [message] = service.enqueue_email(
            db.session, to=f"treasurer@{tenant.slug}.example.test", subject=f"Notice for {tenant.slug}",
            body="Hello.", kind=TEST_KIND, tenant_id=tenant.id)
        message.status, message.attempts, message.next_attempt_at = "failed", 4, None
        message.last_error = "SMTPServerDisconnected: Connection unexpectedly closed"
        db.session.commit()
        return message.id


def make_failed_consortium_email(factory) -> int:
    """A failed email of the consortium's own (no co-op), as the delivery job leaves one after its last attempt."""
    register_test_kind()
    with factory.app.app_context(), consortium_scope(db.session):
        [message] = service.enqueue_email(
            db.session, to="office@consortium.example.test", subject="Notice for the consortium",
            body="Hello.", kind=TEST_KIND, tenant_id=None)
        message.status, message.attempts, message.next_attempt_at = "failed", 4, None
        message.last_error = "SMTPServerDisconnected: Connection unexpectedly closed"
        db.session.commit()
        return message.id
