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
