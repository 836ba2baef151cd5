"""Each co-op's invoicing: customers, invoices, credit notes, payments, PDFs, e-invoices, exports, reminders."""


def register(app, api):
    """Attach invoicing's API and pages, its nav link, demo data and reminder job."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind, register_event_type
    from consortium.views import add_home_tasks, add_nav_link
    from tenants.invoicing import api as invoicing_api
    from tenants.invoicing import jobs, service, views  # noqa: F401 - jobs declares the reminder job
    from tenants.invoicing.demo import load_demo_invoicing

    api.register_blueprint(invoicing_api.blp)
    app.register_blueprint(views.blp)
    add_nav_link(_l("Invoices"), "invoicing.invoices", "tenant", ("treasurer", "viewer"))
    add_home_tasks("tenant", ("treasurer",), views.home_tasks)
    add_demo_loader(load_demo_invoicing)
    register_email_kind(service.OVERDUE_KIND, _l("An invoice of my co-op is overdue"))
    register_email_kind(service.CUSTOMER_REMINDER_KIND, _l("Overdue reminders to customers (sent to the customer)"))
    register_event_type(service.ISSUED_EVENT, _l("An invoice was issued"))
    register_event_type(service.CREDIT_NOTE_EVENT, _l("A credit note was issued"))
    register_event_type(service.PAYMENT_EVENT, _l("A payment was recorded against an invoice"))
