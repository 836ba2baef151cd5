"""Each co-op's training records, role requirements, compliance matrix, certificates and expiry reminders."""


def register(app, api):
    """Attach the co-op's training API, pages, home panel, reminders and public certificate check."""
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_coop_section, add_home_tasks, add_nav_link, add_tenant_home_panel
    from tenants.training import api as training_api
    from tenants.training import jobs, views

    api.register_blueprint(training_api.blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(views.public)
    add_nav_link(_l("Training"), "training.matrix", "tenant", views.READERS)
    add_tenant_home_panel("training/_home_panel.html", views.home_panel, views.READERS)
    add_home_tasks("tenant", ("treasurer", "payroll_clerk"), views.home_tasks)
    add_coop_section("training/_coop_section.html", views.coop_section, order=40)
    register_email_kind(jobs.REMINDER_KIND, _l("A worker's training certificate expires soon or has expired"))
    register_email_kind(jobs.WORKER_REMINDER_KIND, _l("Your own training certificate expires soon (to the worker)"))
