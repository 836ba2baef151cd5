"""Employees through the API: validation to HMRC's rules, nothing saved on bad input, members, starters."""

import pytest
from sqlalchemy import func, select

from consortium.extensions import db
from consortium.tenancy import tenant_scope
from tenants.payroll.models import Employee
from tests.payroll.conftest import API, act, add_employee, as_json, open_run, payslips
from tests.payroll.helpers import employee_data


def _count(app, tenant) -> int:
    with app.app_context(), tenant_scope(db.session, tenant.id):
        return db.session.scalar(select(func.count(Employee.id)))


def test_an_employee_is_stored_with_the_code_and_number_compacted(client, clerk):
    employee = add_employee(client, clerk, tax_code="s1257l", ni_number="ab 12 34 56 c")
    assert (employee["tax_code"], employee["ni_number"], employee["tax_basis"]) == ("S1257L", "AB123456C", "cumulative")
    assert client.get(f"{API}/employees/{employee['id']}", headers=clerk).get_json()["disadvantaged"] is False


@pytest.mark.parametrize(("fields", "field"), [
    ({"ni_number": "QQ123456C"}, "ni_number"),  # Q is never issued as a prefix letter (HMRC NIM39110 rules)
    ({"ni_number": "AB12345"}, "ni_number"),
    ({"tax_code": "1257Q"}, "tax_code"),
    ({"tax_code": "K0"}, "tax_code"),  # K codes run K1 to K9999 (HMRC PAYE11015)
    ({"tax_basis": "fortnightly"}, "tax_basis"),
    ({"leave_date": "2023-01-01"}, "leave_date"),
    ({"annual_salary": None, "pay_basis": "salary"}, "annual_salary"),
    ({"pay_basis": "hourly", "hourly_rate": "12.71"}, "standard_hours"),
    ({"student_loan_plans": ["3"]}, "student_loan_plans"),
    ({"standard_hours": "-1", "pay_basis": "hourly", "hourly_rate": "12.71"}, "standard_hours"),
])
def test_bad_input_names_the_field_and_saves_nothing(app, client, clerk, coop, fields, field):
    data = as_json(employee_data(**fields))
    response = client.post(f"{API}/employees", json=data, headers=clerk)
    assert 400 <= response.status_code < 500
    assert field in response.get_json()["errors"], response.get_json()
    assert _count(app, coop) == 0


def test_a_second_employee_with_the_same_ni_number_is_refused(client, clerk):
    add_employee(client, clerk, ni_number="AB111111A")
    response = client.post(f"{API}/employees", json=as_json(employee_data(ni_number="AB111111A")), headers=clerk)
    assert response.status_code == 409 and "ni_number" in response.get_json()["errors"]


def test_a_linked_worker_member_lends_their_name_and_shows_the_type_b_flag(factory, client, clerk, coop):
    member_id = factory.member(coop, name="Kwame Okafor", disadvantaged=True)
    response = client.post(f"{API}/employees", json=as_json(employee_data(member_id=member_id, name=None)),
                           headers=clerk)
    employee = response.get_json()
    assert response.status_code == 201, employee
    assert (employee["member_id"], employee["name"]) == (member_id, "Kwame Okafor")
    assert employee["disadvantaged"] is True


def test_only_a_worker_member_can_be_linked(factory, client, clerk, coop):
    volunteer = factory.member(coop, name="Vera Volunteer", category="volunteer")
    response = client.post(f"{API}/employees", json=as_json(employee_data(member_id=volunteer)), headers=clerk)
    assert response.status_code == 422 and "member_id" in response.get_json()["errors"]


def test_starter_statement_b_gives_the_emergency_code_on_week1_month1(client, clerk):
    # HMRC starter checklist, statement B: emergency code (1257L for 2026-27) on a week 1 / month 1 basis
    # (GOV.UK "Get employee information: starter checklist"; the rule pack cites its sources).
    employee = add_employee(client, clerk, tax_code=None, starter_declaration="B", start_date="2026-09-01")
    assert (employee["tax_code"], employee["tax_basis"]) == ("1257L", "week1_month1")
    assert "B" in employee["starter_reason"]


def test_a_p45_from_this_year_carries_its_pay_and_tax_into_the_first_payslip(client, clerk):
    # A mid-year starter with a P45 (GOV.UK "Get employee information: P45"): its code and its pay and tax to
    # date are used cumulatively. No public worked example of this exact case exists; the figures are ours.
    employee = add_employee(client, clerk, tax_code=None, start_date="2026-05-20", p45_leaving_date="2026-05-10",
                            p45_tax_code="1257L", p45_pay="2500.00", p45_tax="290.20")
    assert employee["tax_code"] == "1257L" and employee["tax_basis"] == "cumulative"
    run = open_run(client, clerk, "2026-05-29")
    act(client, clerk, run["id"], "calculate")
    slip = payslips(client, clerk, run["id"])[0]
    # month 2: pay to date 5,000, free pay 2 x 1,048.26 (HMRC PAYE spec v24 free pay for 1257L monthly),
    # taxable 2,903 (rounded down), tax to date 580.60, less 290.20 paid in the previous job = 290.40.
    assert slip["to_date"]["gross_pay"] == "5000.00"
    assert slip["income_tax"] == "290.40"


def test_patch_changes_the_code_and_bad_changes_save_nothing(client, clerk):
    employee = add_employee(client, clerk)
    url = f"{API}/employees/{employee['id']}"
    assert client.patch(url, json={"tax_code": "K475"}, headers=clerk).get_json()["tax_code"] == "K475"
    response = client.patch(url, json={"tax_code": "ZZ9"}, headers=clerk)
    assert response.status_code == 422 and "tax_code" in response.get_json()["errors"]
    response = client.patch(url, json={"leave_date": "2020-01-01"}, headers=clerk)
    assert response.status_code == 422 and "leave_date" in response.get_json()["errors"]
    assert client.get(url, headers=clerk).get_json()["tax_code"] == "K475"
    assert client.get(url, headers=clerk).get_json()["leave_date"] is None
