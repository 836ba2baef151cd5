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
    _audit_words()


def _audit_words():
    """Payroll in the audit log: a run by its pay date, a payslip and an employee by name, amounts by their labels."""
    from consortium.audit import audit_words
    from consortium.i18n import _l, format_date, lazy_pgettext
    from tenants.payroll.labels import FREQUENCY_LABELS, RUN_STATE_LABELS, TAX_BASIS_LABELS
    from tenants.payroll.models import Employee, PayRun, Payslip

    amounts = {"gross_pay": _l("Gross pay"), "net_pay": _l("Net pay"), "income_tax": _l("Income tax"),
               "employee_ni": _l("Employee NI"), "employer_ni": _l("Employer NI"),
               "pension_employee": _l("Employee pension"), "pension_employer": _l("Employer pension"),
               "student_loan": _l("Student loan"), "postgraduate_loan": _l("Postgraduate loan"),
               "other_deductions": _l("Other deductions")}
    audit_words(PayRun, _l("pay run"), name=lambda run: format_date(run.pay_date),
                values={"state": RUN_STATE_LABELS, "frequency": FREQUENCY_LABELS},
                events={("state", "calculated"): _l("%(who)s calculated the pay run of %(name)s"),
                        ("state", "approved"): _l("%(who)s approved the pay run of %(name)s"),
                        ("state", "paid"): _l("%(who)s paid the pay run of %(name)s")},
                fields={**amounts, "state": _l("Status"), "frequency": _l("Frequency"), "period": _l("Period"),
                        "tax_year": _l("Tax year"), "pay_date": _l("Pay date")})
    audit_words(Payslip, _l("payslip"), name=lambda payslip: payslip.employee_name,
                values={"tax_basis": TAX_BASIS_LABELS},
                fields={**amounts, "employee_name": _l("Employee"), "tax_code": lazy_pgettext("HMRC", "Tax code"),
                        "tax_basis": _l("Tax basis"), "taxable_pay": _l("Taxable pay"),
                        "pensionable_pay": _l("Pensionable pay")})
    audit_words(Employee, _l("employee"), name=lambda employee: employee.name,
                fields={"name": _l("Name"), "start_date": _l("Start date"), "leave_date": _l("Leaving date"),
                        "pay_frequency": _l("Frequency"), "tax_code": lazy_pgettext("HMRC", "Tax code"),
                        "email": _l("Email")},
                values={"pay_frequency": FREQUENCY_LABELS, "tax_basis": TAX_BASIS_LABELS})
