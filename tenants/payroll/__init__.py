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
    from tenants.payroll.labels import (
        ARRANGEMENT_LABELS,
        AUTO_ENROLMENT_LABELS,
        CAPITAL_KIND_LABELS,
        FREQUENCY_LABELS,
        LINE_KIND_LABELS,
        PAY_BASIS_LABELS,
        RUN_STATE_LABELS,
        SHORTFALL_LABELS,
        TAX_BASIS_LABELS,
    )
    from tenants.payroll.models import CapitalSchedule, Employee, PayrollSettings, PayRun, Payslip, PayslipLine

    amounts = {"gross_pay": _l("Gross pay"), "net_pay": _l("Net pay"), "income_tax": _l("Income tax"),
               "employee_ni": _l("Employee NI"), "employer_ni": _l("Employer NI"),
               "pension_employee": _l("Employee pension"), "pension_employer": _l("Employer pension"),
               "student_loan": _l("Student loan"), "postgraduate_loan": _l("Postgraduate loan"),
               "other_deductions": _l("Other deductions"), "pension_refund": _l("Pension refund"),
               "capital_share": _l("Share capital instalment"), "capital_loan": _l("Capital loan repayment")}
    audit_words(PayRun, _l("pay run"), name=lambda run: format_date(run.pay_date),
                values={"state": RUN_STATE_LABELS, "frequency": FREQUENCY_LABELS},
                events={("state", "calculated"): _l("%(who)s calculated the pay run of %(name)s"),
                        ("state", "approved"): _l("%(who)s approved the pay run of %(name)s"),
                        ("state", "paid"): _l("%(who)s paid the pay run of %(name)s")},
                fields={**amounts, "state": _l("Status"), "frequency": _l("Frequency"), "period": _l("Period"),
                        "tax_year": _l("Tax year"), "pay_date": _l("Pay date"),
                        "employment_allowance_used": _l("Employment allowance used"),
                        "calculated_at": _l("Calculated on"), "approved_at": _l("Approved on"),
                        "paid_at": _l("Paid on")},
                hidden={"rules_fingerprint"})
    audit_words(Payslip, _l("payslip"), name=lambda payslip: payslip.employee_name,
                values={"tax_basis": TAX_BASIS_LABELS, "auto_enrolment": AUTO_ENROLMENT_LABELS},
                fields={**amounts, "employee_name": _l("Employee"), "tax_code": lazy_pgettext("HMRC", "Tax code"),
                        "tax_basis": _l("Tax basis"), "taxable_pay": _l("Taxable pay"),
                        "pensionable_pay": _l("Pensionable pay"), "ni_category": _l("NI category"),
                        "calculated": _l("Calculated"), "auto_enrolment": _l("Auto-enrolment"),
                        "capital_share_balance": _l("Share capital still to pay"),
                        "capital_loan_balance": _l("Capital loan still to repay")})
    audit_words(PayslipLine, _l("payslip line"), values={"kind": LINE_KIND_LABELS},
                fields={"kind": _l("Type"), "description": _l("Description"), "hours": _l("Hours"),
                        "rate": _l("Rate"), "amount": _l("Amount"), "pensionable": _l("Pensionable"),
                        "position": lazy_pgettext("invoice", "Line")})
    audit_words(PayrollSettings, _l("payroll settings"),
                values={"pension_arrangement": ARRANGEMENT_LABELS, "net_pay_shortfall": SHORTFALL_LABELS},
                fields={"paye_reference": _l("Employer PAYE reference"),
                        "allow_self_approval": _l("One person may calculate and approve a run (small co-ops)"),
                        "net_pay_shortfall": _l("When deductions would take net pay below zero"),
                        "claims_employment_allowance": _l("Claim the employment allowance against employer NI"),
                        "pension_provider": _l("Workplace pension scheme"),
                        "pension_employee_percent": _l("Employee contribution (percent of qualifying earnings)"),
                        "pension_employer_percent": _l("Employer contribution (percent of qualifying earnings)"),
                        "pension_arrangement": _l("Tax relief"),
                        "jurisdiction_settings": _l("Settings of the country's rules")})
    audit_words(CapitalSchedule, _l("capital deduction"), values={"kind": CAPITAL_KIND_LABELS},
                fields={"kind": _l("Type"), "total": _l("Total"), "per_period": _l("Each pay period"),
                        "start_on": _l("First deducted on"), "deducted": _l("Deducted so far"),
                        "lender": _l("Lender"), "loan_reference": _l("Loan reference")})
    audit_words(Employee, _l("employee"), name=lambda employee: employee.name,
                fields={"name": _l("Name"), "start_date": _l("Start date"), "leave_date": _l("Leaving date"),
                        "pay_frequency": _l("Frequency"), "tax_code": lazy_pgettext("HMRC", "Tax code"),
                        "email": _l("Email"), "date_of_birth": _l("Date of birth"),
                        "ni_number": _l("National Insurance number"), "street": _l("Street"), "city": _l("Town"),
                        "postcode": _l("Postcode"), "pay_basis": _l("Paid by"), "annual_salary": _l("Annual salary"),
                        "hourly_rate": _l("Hourly rate"), "standard_hours": _l("Standard hours in a pay period"),
                        "tax_basis": _l("Tax basis"), "ni_category": _l("NI category"),
                        "student_loan_plans": _l("Student loan"), "postgraduate_loan": _l("Repays a postgraduate loan"),
                        "starter_declaration": _l("Starter checklist statement"),
                        "starter_reason": _l("Why there is no starter statement"),
                        "p45_leaving_date": _l("P45: date left the previous job"),
                        "p45_tax_code": _l("P45: tax code"), "p45_pay": _l("P45: total pay to date"),
                        "p45_tax": _l("P45: total tax to date"), "pension_enrolled_on": _l("Enrolled on"),
                        "pension_member": _l("Member of the scheme (joined or opted in)"),
                        "pension_opted_out": _l("Opted out of the pension"),
                        "pension_opted_out_on": _l("Opted out on"),
                        "brought_forward": _l("Year to date brought forward"),
                        "jurisdiction_fields": _l("Details of the country's rules")},
                values={"pay_frequency": FREQUENCY_LABELS, "tax_basis": TAX_BASIS_LABELS,
                        "pay_basis": PAY_BASIS_LABELS})
