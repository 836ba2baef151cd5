"""The payroll clerk's pages: forms that save or name the field, the review page, payslip and journal downloads."""

from tests.a11y import tied_errors
from tests.conftest import login
from tests.payroll.conftest import CLERK, SECOND_CLERK, SLUG, act, add_employee, open_run, pay_through

PAGES = f"/t/{SLUG}/payroll"


def _form(**fields) -> dict:
    data = {"name": "Grace Hughes", "date_of_birth": "1988-02-03", "start_date": "2025-03-01", "tax_code": "1257L",
            "tax_basis": "cumulative", "ni_category": "A", "pay_frequency": "monthly", "pay_basis": "salary",
            "annual_salary": "27500", "ni_number": "AB654321D", "member_id": ""}
    data.update(fields)
    return data


def test_the_clerk_takes_on_an_employee_through_the_form(client, coop):
    login(client, CLERK)
    assert client.get(f"{PAGES}/employees/new").status_code == 200
    response = client.post(f"{PAGES}/employees/new", data=_form(student_loan_plans="2"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Grace Hughes" in page and "Plan 2" in page and "1257L" in page


def test_a_bad_ni_number_in_the_form_is_shown_next_to_the_field_and_nothing_saved(client, coop):
    login(client, CLERK)
    page = client.post(f"{PAGES}/employees/new", data=_form(ni_number="QQ123456C")).get_data(as_text=True)
    assert "never issued" in page
    assert "Grace Hughes" not in client.get(f"{PAGES}/employees/").get_data(as_text=True)
    # the message is tied to its field, and a refused plan to the group of plan ticks (tests/a11y.py)
    assert list(tied_errors(page)) == ["f-ni_number"]
    plan = client.post(f"{PAGES}/employees/new", data=_form(student_loan_plans="3")).get_data(as_text=True)
    tied = tied_errors(plan)
    assert list(tied) == ["f-student_loan_plans"] and tied["f-student_loan_plans"], tied


def test_the_review_page_highlights_what_changed_since_the_previous_period(client, clerk, second_clerk):
    employee = add_employee(client, clerk, name="Arjun Khan")
    pay_through(client, clerk, second_clerk, "2026-04-30")
    run = open_run(client, clerk, "2026-05-29")
    from tests.payroll.conftest import API, payslips

    slip = payslips(client, clerk, run["id"])[0]
    client.post(f"{API}/payslips/{slip['id']}/lines", json={"kind": "bonus", "amount": "400"}, headers=clerk)
    act(client, clerk, run["id"], "calculate")
    login(client, SECOND_CLERK)
    page = client.get(f"{PAGES}/runs/{run['id']}").get_data(as_text=True)
    assert "Arjun Khan" in page
    assert 'class="num changed"' in page and "£2,900.00" in page and "was £2,500.00" in page
    assert employee["id"]


def test_pages_for_runs_payslips_employees_settings_year_end_and_downloads(client, clerk, second_clerk):
    add_employee(client, clerk, name="Mia Wright")
    run = pay_through(client, clerk, second_clerk, "2026-04-30")
    login(client, CLERK)
    from tests.payroll.conftest import payslips

    slip = payslips(client, clerk, run["id"])[0]
    for url in (f"{PAGES}/", f"{PAGES}/runs/new", f"{PAGES}/runs/{run['id']}", f"{PAGES}/payslips/{slip['id']}",
                f"{PAGES}/employees/", f"{PAGES}/employees/{slip['employee_id']}",
                f"{PAGES}/employees/{slip['employee_id']}/edit", f"{PAGES}/settings", f"{PAGES}/year-end",
                f"/t/{SLUG}/"):
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get(f"/t/{SLUG}/").get_data(as_text=True)
    assert "Next pay date" in home and "30 May 2026" in home
    assert "Cost of the last paid run" in home and "£2,559.40" in home
    pdf = client.get(f"{PAGES}/payslips/{slip['id']}/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get(f"{PAGES}/runs/{run['id']}/journal.xlsx").status_code == 200
    assert "Mia Wright" in client.get(f"{PAGES}/runs/{run['id']}/journal.csv").get_data(as_text=True)


def test_the_run_is_driven_through_its_buttons_and_the_calculator_cannot_approve(client, clerk):
    add_employee(client, clerk)
    login(client, CLERK)
    response = client.post(f"{PAGES}/runs/new", data={"frequency": "monthly", "pay_date": "2026-04-30"})
    run_url = response.headers["Location"]
    run_id = run_url.rstrip("/").split("/")[-1]
    client.post(f"{PAGES}/runs/{run_id}/calculate")
    page = client.get(run_url).get_data(as_text=True)
    assert "another payroll clerk or treasurer approves it" in page
    client.post(f"{PAGES}/runs/{run_id}/approve")
    assert "calculated, awaiting approval" in client.get(run_url).get_data(as_text=True)
    login(client, SECOND_CLERK)
    client.post(f"{PAGES}/runs/{run_id}/approve")
    client.post(f"{PAGES}/runs/{run_id}/pay")
    assert "paid and locked" in client.get(run_url).get_data(as_text=True)
