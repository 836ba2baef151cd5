"""Runs written in bulk (issues 9 and 10, payroll speed): opening, calculating and paying a run take the same
handful of statements whatever the number of employees, write the audit rows the session's audit would, and a
paid run still cannot change, even through an object that has not seen it paid."""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select, update

from consortium.extensions import db
from consortium.models import AuditEntry, Tenant
from consortium.tenancy import is_scope_statement, tenant_scope
from tenants.payroll import service
from tenants.payroll.models import Employee, PayRun, Payslip, PayslipLine
from tests.payroll.conftest import API, act, add_employee, open_run, pay_through, payslips
from tests.payroll.helpers import employee_data

PAY_DATE = date(2026, 4, 30)


@contextmanager
def statements():
    """The SQL statements run inside the block (the transaction's scope statements left out)."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not is_scope_statement(statement):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _run_of(app, coop, count: int) -> tuple[int, int, int]:
    """Statements to open, calculate and pay a monthly run of `count` employees (a third of them new to the
    pension scheme, one repaying a capital loan)."""
    with app.app_context(), tenant_scope(db.session, coop.id):
        tenant = db.session.get(Tenant, coop.id)
        for number in range(count):
            employee = service.add_employee(db.session, tenant, employee_data(
                name=f"Worker {number:02d}", annual_salary=Decimal(18000 + 1000 * number),
                email=f"worker{number}@example.test" if number % 2 else None), PAY_DATE)
        service.add_capital_schedule(db.session, employee, {
            "kind": "loan_repayment", "total": Decimal("600.00"), "per_period": Decimal("50.00"),
            "start_on": date(2026, 4, 1), "lender": "Unity Bank", "loan_reference": "L-1"})
        service.update_settings(db.session, {"allow_self_approval": True})
        db.session.commit()
        with statements() as opening:
            run = service.create_run(db.session, tenant, {"frequency": "monthly", "pay_date": PAY_DATE}, None)
        with statements() as calculating:
            service.calculate_run(db.session, tenant, run, None)
        service.approve_run(db.session, run, None)
        with statements() as paying:
            service.pay_run(db.session, tenant, run, None)
        db.session.commit()
        assert len(run.payslips) == count and run.state == "paid"
        return len(opening), len(calculating), len(paying)


def test_a_run_takes_the_same_statements_whatever_its_size(app, factory, coop):
    small = _run_of(app, coop, 3)
    larger = _run_of(app, factory.tenant("coop-grande", name="Grande Workers Co-op"), 12)
    # a statement per payslip, line or employee would add 9 to each count of the larger run
    assert larger == small
    assert small[1] <= 25


def test_the_bulk_writes_are_audited_like_the_sessions_own(app, client, clerk, second_clerk, coop):
    employee = add_employee(client, clerk, name="Eve Eligible", annual_salary="40000.00", pension_member=False)
    run = pay_through(client, clerk, second_clerk)
    slip = payslips(client, clerk, run["id"])[0]
    with app.app_context(), tenant_scope(db.session, coop.id):
        def changes(object_type, object_id):
            return [(entry.action, entry.changes) for entry in db.session.scalars(
                select(AuditEntry).where(AuditEntry.object_type == object_type,
                                         AuditEntry.object_id == str(object_id)).order_by(AuditEntry.id))]

        line_id = db.session.scalar(select(PayslipLine.id).where(PayslipLine.payslip_id == slip["id"]))
        assert changes("PayslipLine", line_id) == [("create", {
            "tenant_id": [None, coop.id], "id": [None, line_id], "payslip_id": [None, slip["id"]],
            "position": [None, 1], "kind": [None, "basic"], "description": [None, ""], "amount": [None, "3333.33"],
            "pensionable": [None, True]})]
        # paying enrolled her (the pack started contributions): who and when, as for any change of the record
        assert changes("Employee", employee["id"])[-1] == ("update", {
            "pension_member": [False, True], "pension_enrolled_on": [None, "2026-04-30"]})
        slip_audit = changes("Payslip", slip["id"])
        assert [action for action, _changes in slip_audit] == ["create", "update"]
        assert slip_audit[1][1]["income_tax"] == ["0.00", slip["income_tax"]]
        assert slip_audit[1][1]["calculated"] == [False, True]
        record = db.session.get(Employee, (coop.id, employee["id"]))
        assert (record.pension_member, record.pension_enrolled_on) == (True, PAY_DATE)


def test_recalculating_a_run_with_capital_instalments_keeps_one_line_per_schedule(client, clerk):
    # the unit of work inserted the new instalment before deleting the old one: the line position clashed (500)
    employee = add_employee(client, clerk, name="Zofia Kowalska")
    client.post(f"{API}/employees/{employee['id']}/capital-schedules", headers=clerk, json={
        "kind": "loan_repayment", "total": "3000.00", "per_period": "83.33", "start_on": "2026-04-01",
        "lender": "Unity Co-operative Bank", "loan_reference": "CAP-2026-017"})
    run = open_run(client, clerk)
    act(client, clerk, run["id"], "calculate")
    act(client, clerk, run["id"], "calculate")
    slip = payslips(client, clerk, run["id"])[0]
    lines = client.get(f"{API}/payslips/{slip['id']}", headers=clerk).get_json()["lines"]
    assert [(line["kind"], line["amount"]) for line in lines] == [("basic", "2500.00"), ("loan_repayment", "83.33")]
    assert (slip["capital_loan"], slip["capital_loan_balance"]) == ("83.33", "2916.67")


def test_a_paid_run_cannot_be_recalculated_through_an_object_that_has_not_seen_it_paid(app, client, clerk,
                                                                                        second_clerk, coop):
    add_employee(client, clerk)
    run = open_run(client, clerk)
    act(client, clerk, run["id"], "calculate")
    with app.app_context(), tenant_scope(db.session, coop.id):
        tenant = db.session.get(Tenant, coop.id)
        stale = service.get_run(db.session, run["id"])  # read while it was still calculated
        figures = db.session.execute(select(Payslip.net_pay, Payslip.to_date).where(Payslip.run_id == run["id"])).all()
        # another request approves and pays it meanwhile (written straight to the database)
        fingerprint = service.rules_of_year(tenant, stale.tax_year).fingerprint
        db.session.execute(update(PayRun).where(PayRun.id == run["id"]).values(
            state="paid", paid_at=service.utcnow(), rules_fingerprint=fingerprint).execution_options(
            synchronize_session=False))
        assert stale.state == "calculated"
        with pytest.raises(service.Conflict, match="paid: its payslips can no longer change"):
            service.calculate_run(db.session, tenant, stale, None)
        assert db.session.execute(select(Payslip.net_pay, Payslip.to_date)
                                  .where(Payslip.run_id == run["id"])).all() == figures
        db.session.rollback()


def test_bulk_statements_name_the_coop(app, client, clerk, second_clerk, coop):
    add_employee(client, clerk)
    with app.app_context(), tenant_scope(db.session, coop.id):
        tenant = db.session.get(Tenant, coop.id)
        with statements() as seen:
            run = service.create_run(db.session, tenant, {"frequency": "monthly", "pay_date": PAY_DATE}, None)
            service.calculate_run(db.session, tenant, run, None)
            service.update_settings(db.session, {"allow_self_approval": True})
            service.approve_run(db.session, run, None)
            service.pay_run(db.session, tenant, run, None)
        db.session.rollback()
    writes = [sql for sql in seen if sql.lstrip().upper().startswith(("UPDATE", "DELETE"))
              and "payroll_" in sql]
    assert writes and all("tenant_id" in sql for sql in writes)
