"""Pay runs: draft, calculate, approve by a second person, pay, locked forever; the bad input of issue 9."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from consortium.extensions import db
from consortium.models import AuditEntry
from consortium.tenancy import tenant_scope
from tenants.payroll import service
from tests.payroll.conftest import API, act, add_employee, open_run, pay_through, payslips


def test_a_1257l_monthly_employee_month_1(client, clerk, second_clerk):
    # 30,000 a year, month 1 of 2026-27. Free pay for 1257L monthly is 1,048.26 (HMRC "Specification for PAYE
    # Tax Table Routines" v24, free-pay formula, as in shared research 1.3); taxable 1,451 (rounded down) at 20%
    # = 290.20. NI: (2,500 - PT 1,048) x 8% = 116.16 employee, (2,500 - ST 417) x 15% = 312.45 employer (GOV.UK
    # 2026-27 monthly thresholds). Pension 5% / 3% of qualifying earnings 2,500 - 520 = 1,980 (DWP 2026-27 band):
    # 99.00 gross, 79.20 deducted under relief at source (80%), employer 59.40.
    add_employee(client, clerk)
    run = open_run(client, clerk, "2026-04-30")
    assert (run["tax_year"], run["period"], run["state"]) == ("2026-27", 1, "draft")
    run = act(client, clerk, run["id"], "calculate")
    slip = payslips(client, clerk, run["id"])[0]
    assert (slip["income_tax"], slip["employee_ni"], slip["employer_ni"]) == ("290.20", "116.16", "312.45")
    assert (slip["pension_employee"], slip["pension_employer"]) == ("79.20", "59.40")
    assert slip["net_pay"] == str(Decimal("2500.00") - Decimal("290.20") - Decimal("116.16") - Decimal("79.20"))
    assert slip["auto_enrolment"] == "eligible_jobholder"
    assert run["state"] == "calculated" and run["employment_allowance_used"] == "312.45"


def test_the_second_period_is_cumulative_on_the_paid_first(client, clerk, second_clerk):
    add_employee(client, clerk)
    pay_through(client, clerk, second_clerk, "2026-04-30")
    run = open_run(client, clerk, "2026-05-29")
    act(client, clerk, run["id"], "calculate")
    slip = payslips(client, clerk, run["id"])[0]
    # month 2: pay to date 5,000, free pay 2,096.52, taxable 2,903, tax to date 580.60, less 290.20 = 290.40
    assert slip["to_date"]["gross_pay"] == "5000.00" and slip["to_date"]["tax"] == "580.60"
    assert slip["income_tax"] == "290.40"


def test_an_earlier_unpaid_period_must_be_paid_first(client, clerk):
    add_employee(client, clerk)
    open_run(client, clerk, "2026-04-30")
    later = open_run(client, clerk, "2026-05-29")
    response = client.post(f"{API}/pay-runs/{later['id']}/calculate", headers=clerk)
    assert response.status_code == 409 and "period" in response.get_json()["errors"]


def test_a_second_run_for_the_period_and_a_run_for_a_paid_period_are_refused(client, clerk, second_clerk):
    add_employee(client, clerk)
    paid = pay_through(client, clerk, second_clerk, "2026-04-30")
    response = client.post(f"{API}/pay-runs", json={"frequency": "monthly", "pay_date": "2026-05-02"},
                           headers=clerk)
    assert response.status_code == 409 and "already paid" in response.get_json()["errors"]["pay_date"][0]
    open_run(client, clerk, "2026-05-29")
    response = client.post(f"{API}/pay-runs", json={"frequency": "monthly", "pay_date": "2026-06-01"},
                           headers=clerk)
    assert response.status_code == 409 and "pay_date" in response.get_json()["errors"]
    assert len(client.get(f"{API}/pay-runs", headers=clerk).get_json()) == 2
    assert paid["state"] == "paid"


def test_approving_ones_own_calculation_is_refused_unless_the_coop_allows_it(client, clerk, second_clerk):
    add_employee(client, clerk)
    run = open_run(client, clerk)
    act(client, clerk, run["id"], "calculate")
    refused = act(client, clerk, run["id"], "approve", status=403)
    assert "approved_by" in refused["errors"]
    assert client.get(f"{API}/pay-runs/{run['id']}", headers=clerk).get_json()["state"] == "calculated"
    assert client.patch(f"{API}/payroll-settings", json={"allow_self_approval": True},
                        headers=second_clerk).status_code == 200
    assert act(client, clerk, run["id"], "approve")["state"] == "approved"


def test_a_paid_run_is_locked_forever(app, client, clerk, second_clerk, coop):
    add_employee(client, clerk)
    run = pay_through(client, clerk, second_clerk)
    assert run["rules_fingerprint"] and len(run["rules_fingerprint"]) == 64
    slip = payslips(client, clerk, run["id"])[0]
    response = client.post(f"{API}/payslips/{slip['id']}/lines", json={"kind": "bonus", "amount": "50"},
                           headers=clerk)
    assert response.status_code == 409
    for action in ("calculate", "approve", "pay"):
        assert client.post(f"{API}/pay-runs/{run['id']}/{action}", headers=clerk).status_code == 409
    with app.app_context(), tenant_scope(db.session, coop.id):
        record = service.get_run(db.session, run["id"])
        record.payslips[0].net_pay = Decimal("1.00")  # even code that skips the service cannot change it
        with pytest.raises(service.Conflict, match="locked"):
            db.session.flush()
        db.session.rollback()


def test_lines_hours_times_rate_and_negative_hours(client, clerk):
    add_employee(client, clerk)
    run = open_run(client, clerk)
    act(client, clerk, run["id"], "calculate")
    slip = payslips(client, clerk, run["id"])[0]
    url = f"{API}/payslips/{slip['id']}/lines"
    refused = client.post(url, json={"kind": "overtime", "hours": "-2", "rate": "18.00"}, headers=clerk)
    assert refused.status_code == 422 and "hours" in refused.get_json()["errors"]
    line = client.post(url, json={"kind": "overtime", "hours": "7.5", "rate": "19.065"}, headers=clerk).get_json()
    assert line["amount"] == "142.99"  # 7.5 x 19.065 = 142.9875, rounded half-up to the penny
    assert client.get(f"{API}/pay-runs/{run['id']}", headers=clerk).get_json()["state"] == "draft"
    act(client, clerk, run["id"], "calculate")
    assert payslips(client, clerk, run["id"])[0]["gross_pay"] == "2642.99"


def test_a_deduction_below_net_pay_is_refused_naming_employee_and_amount(app, client, clerk, coop):
    add_employee(client, clerk, name="Olivia Smith")
    run = open_run(client, clerk)
    slip = payslips(client, clerk, run["id"])[0]
    client.post(f"{API}/payslips/{slip['id']}/lines", json={"kind": "deduction", "amount": "3000",
                                                           "description": "Advance repaid"}, headers=clerk)
    refused = act(client, clerk, run["id"], "calculate", status=422)
    problem = refused["errors"]["net_pay"][0]
    assert "Olivia Smith" in problem and "985.56" in problem  # net 2,014.44 before the 3,000 deduction
    after = client.get(f"{API}/pay-runs/{run['id']}", headers=clerk).get_json()
    assert (after["state"], after["net_pay"]) == ("draft", "0.00")
    assert payslips(client, clerk, run["id"])[0]["calculated"] is False


def test_with_the_cap_setting_the_deduction_is_cut_to_leave_nothing_negative(client, clerk):
    client.patch(f"{API}/payroll-settings", json={"net_pay_shortfall": "cap"}, headers=clerk)
    add_employee(client, clerk)
    run = open_run(client, clerk)
    slip = payslips(client, clerk, run["id"])[0]
    client.post(f"{API}/payslips/{slip['id']}/lines", json={"kind": "deduction", "amount": "3000"}, headers=clerk)
    act(client, clerk, run["id"], "calculate")
    slip = payslips(client, clerk, run["id"])[0]
    assert (slip["net_pay"], slip["other_deductions"]) == ("0.00", "2014.44")
    assert any("capped" in note for note in slip["notes"])


def test_the_employment_allowance_runs_out_across_the_year(client, clerk, second_clerk):
    # The 2026-27 employment allowance is 10,500 (GOV.UK, rule pack data file). Three employees on 60,000
    # have employer NI of (5,000 - 417) x 15% = 687.45 each a month: 2,062.35 a run, so five runs use
    # 10,311.75 and the sixth gets the 188.25 left.
    for number in range(3):
        add_employee(client, clerk, name=f"Engineer {number}", annual_salary="60000.00")
    client.patch(f"{API}/payroll-settings", json={"allow_self_approval": True}, headers=clerk)
    used = []
    for pay_date in ("2026-04-30", "2026-05-29", "2026-06-30", "2026-07-31", "2026-08-28", "2026-09-30"):
        run = pay_through(client, clerk, clerk, pay_date)
        used.append(run["employment_allowance_used"])
    assert used == ["2062.35"] * 5 + ["188.25"]
    totals = client.get(f"{API}/payroll/year-end?tax_year=2026-27", headers=clerk).get_json()["totals"]
    assert totals["employment_allowance_used"] == "10500.00"


def test_a_changed_rule_file_after_a_paid_run_stops_the_year(monkeypatch, client, clerk, second_clerk):
    add_employee(client, clerk)
    pay_through(client, clerk, second_clerk, "2026-04-30")
    run = open_run(client, clerk, "2026-05-29")
    real = service.rules_of_year

    class EditedFile:
        """The same year's rules, as if someone had edited its data file after the April run was paid."""

        def __init__(self, rules):
            self._rules = rules
            self.fingerprint = "0" * 64

        def __getattr__(self, name):
            return getattr(self._rules, name)

    monkeypatch.setattr(service, "rules_of_year", lambda tenant, year: EditedFile(real(tenant, year)))
    refused = act(client, clerk, run["id"], "calculate", status=409)
    assert "tax_year" in refused["errors"]


def test_every_state_change_and_figure_is_audited_with_who_did_it(app, client, clerk, second_clerk, coop):
    add_employee(client, clerk)
    run = pay_through(client, clerk, second_clerk)
    with app.app_context(), tenant_scope(db.session, coop.id):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "PayRun",
                                                              AuditEntry.object_id == str(run["id"]))
                                     .order_by(AuditEntry.id)).all()
        states = [entry.changes["state"][1] for entry in entries if "state" in entry.changes]
        assert states == ["draft", "calculated", "approved", "paid"]
        assert len({entry.actor_id for entry in entries}) == 2
        slip_changes = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "Payslip")).all()
        assert any("income_tax" in entry.changes for entry in slip_changes)
