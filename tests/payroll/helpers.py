"""Payroll test helpers (the isolation suite makes employees, runs and payslips with them), all through services."""

from datetime import date
from decimal import Decimal

from consortium.extensions import db
from consortium.models import Tenant
from consortium.tenancy import tenant_scope
from tenants.payroll import service

PAY_DAY = date(2026, 11, 30)  # month 8 of 2026-27 (6 November to 5 December)
# Two letters, six digits, a final A-D; the QQ of HMRC's printed examples uses Q, a letter never issued
# (the rule pack refuses it), so tests use the AB prefix, one HMRC does issue.
NI_NUMBERS = iter(f"AB{n:06d}C" for n in range(100000, 999999))


def employee_data(**fields) -> dict:
    """A monthly 1257L employee on 30,000 a year unless `fields` say otherwise."""
    return {"name": "Ada Employee", "date_of_birth": date(1990, 5, 17), "start_date": date(2024, 1, 8),
            "tax_code": "1257L", "ni_category": "A", "pay_frequency": "monthly", "pay_basis": "salary",
            "annual_salary": Decimal("30000.00"), "ni_number": next(NI_NUMBERS), **fields}


def make_employee(factory, tenant, **fields) -> int:
    """An employee of `tenant` named after it."""
    data = employee_data(**{"name": f"Employee of {tenant.slug}", **fields})
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            employee = service.add_employee(db.session, db.session.get(Tenant, tenant.id), data, PAY_DAY)
            db.session.commit()
            return employee.id


def make_run(factory, tenant, *, pay_date: date = PAY_DAY, calculate: bool = False, pay: bool = False,
             by: int | None = None) -> int:
    """A monthly pay run of `tenant` (with an employee if it has none), optionally calculated and paid."""
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            record = db.session.get(Tenant, tenant.id)
            if not db.session.scalars(service.employees_query()).first():
                service.add_employee(db.session, record, employee_data(name=f"Employee of {tenant.slug}"), PAY_DAY)
            run = service.create_run(db.session, record, {"frequency": "monthly", "pay_date": pay_date}, by)
            if calculate or pay:
                service.calculate_run(db.session, record, run, by)
            if pay:
                service.update_settings(db.session, {"allow_self_approval": True})
                service.approve_run(db.session, run, by)
                service.pay_run(db.session, record, run, by)
            db.session.commit()
            return run.id


def make_payslip(factory, tenant) -> int:
    """A payslip of `tenant`, in a draft run of December (month 9, so it sits beside `make_run`'s November)."""
    run_id = make_run(factory, tenant, pay_date=date(2026, 12, 30))
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            return service.get_run(db.session, run_id).payslips[0].id
