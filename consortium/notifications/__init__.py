"""Notifications: the outbox of emails and webhook deliveries, subscriptions, email preferences."""


def register(app, api):
    """Attach the notification API, pages, navigation links and the delivery job.

    Every user reaches their email preferences from their name in the top bar (base.html).
    """
    from consortium.i18n import _l
    from consortium.notifications import api as notifications_api
    from consortium.notifications import jobs, views  # noqa: F401 - jobs registers the delivery job
    from consortium.views import add_home_tasks, add_nav_link

    api.register_blueprint(notifications_api.tenant_blp)
    api.register_blueprint(notifications_api.consortium_blp)
    app.register_blueprint(views.blp)
    add_nav_link(_l("Webhooks and outbox"), "notifications.tenant_webhooks", "tenant", ("treasurer",), top_bar=False)
    add_nav_link(_l("Outbox"), "notifications.consortium_outbox", "consortium", ("consortium_admin",), top_bar=False)
    add_home_tasks("consortium", ("consortium_admin",), views.admin_home_tasks)
    add_nav_link(_l("Webhooks"), "notifications.consortium_webhooks", "consortium", ("consortium_admin",),
                 top_bar=False)
    _audit_words()


def _audit_words():
    """Webhooks and email choices in the audit log, by their URL and the email's kind."""
    from consortium.audit import audit_words
    from consortium.i18n import _l
    from consortium.notifications.models import ConsortiumWebhookSubscription, EmailOptOut, WebhookSubscription
    from consortium.notifications.service import EMAIL_KINDS

    fields = {"url": _l("URL"), "event_types": _l("Events"), "active": _l("Active"), "created_at": _l("Added")}
    for model in (WebhookSubscription, ConsortiumWebhookSubscription):
        audit_words(model, _l("webhook"), name=lambda webhook: webhook.url, fields=fields)
    audit_words(EmailOptOut, _l("email turned off"), values={"kind": EMAIL_KINDS},
                fields={"kind": _l("Email"), "created_at": _l("Added")})
