"""Each co-op's payroll: employees, pay runs, payslips, capital deductions, journals and year-end figures."""


def register(app, api):
    """Attach payroll's API and pages, its nav link, home panel, payslip email and demo data."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_home_tasks, add_nav_link, add_tenant_home_panel
    from tenants.payroll import api as payroll_api
    from tenants.payroll import jobs, service, views  # noqa: F401 - jobs declares the payslip email job
    from tenants.payroll.demo import load_demo_italian_payroll, load_demo_payroll

    api.register_blueprint(payroll_api.blp)
    app.register_blueprint(views.blp)
    add_nav_link(_l("Payroll"), "payroll.runs", "tenant", views.READERS, offered_to=service.has_payroll)
    add_tenant_home_panel("payroll/_home_panel.html", views.home_panel, views.READERS,
                          offered_to=service.has_payroll)
    add_home_tasks("tenant", ("payroll_clerk",), views.home_tasks)
    add_demo_loader(load_demo_payroll)
    add_demo_loader(load_demo_italian_payroll)
    register_email_kind(service.PAYSLIP_KIND, _l("My payslip, when my co-op's pay run is paid (sent to the employee)"))
