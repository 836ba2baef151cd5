"""The pages staff and treasurers use, and the two PDFs (their text, read back with pdftotext)."""

import io
import shutil
import subprocess

import pytest

from tests.conftest import login
from tests.mutual_fund.conftest import FUND, YEAR, D

REF_A = f"MF-{YEAR}-coop-a"


def _pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def test_staff_review_accounts_and_run_the_fund_in_the_browser(fund, client):
    version = fund.submit(fund.a, D("12345.67"))
    login(client, "staff@example.test")

    listing = client.get("/consortium/accounts/?status=submitted").get_data(as_text=True)
    assert "Coop A Sociale" in listing
    page = client.get(f"/consortium/accounts/{version}").get_data(as_text=True)
    assert "12,345.67" in page and "Accept" in page
    accepted = client.post(f"/consortium/accounts/{version}/accept", data={"accepted_on": f"{YEAR + 1}-04-29"},
                           follow_redirects=True).get_data(as_text=True)
    assert f"Contribution {REF_A}" in accepted and "370.37" in accepted
    paid = client.post(f"{'/consortium/mutual-fund'}/payments",
                       data={"reference": REF_A, "amount": "100.00", "date": f"{YEAR + 1}-05-01"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Payment of 100.00 recorded" in paid and "Coop A Sociale" in paid
    statement = f"date,description,amount\n{YEAR + 1}-05-02,{REF_A},50.00\n{YEAR + 1}-05-02,unknown,1.00\n"
    imported = client.post("/consortium/mutual-fund/payments/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(statement.encode()), "s.csv")}).get_data(as_text=True)
    assert "1 recorded" in imported and "no contribution reference" in imported
    ledger = client.get("/consortium/mutual-fund/ledger").get_data(as_text=True)
    assert "every entry balances" in ledger and "contribution received" in ledger
    loan_form = client.post("/consortium/mutual-fund/loans/new", data={
        "borrower_tenant": "coop-b", "principal": "100.00", "annual_rate": "0", "months": "2", "method": "annuity",
        "granted_on": f"{YEAR + 1}-06-01", "first_due": f"{YEAR + 1}-07-01"}, follow_redirects=True)
    assert "Loan 1 granted to Coop B Sociale" in loan_form.get_data(as_text=True)
    assert client.get("/consortium/mutual-fund/settings").status_code == 200
    assert client.post("/consortium/mutual-fund/settings", data={"rate": "4"}).status_code == 403


def test_rates_and_multiples_show_as_plain_numbers(fund, client):
    fund.accepted(D("1000000.00"))
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": REF_A, "amount": "30000.00", "date": f"{YEAR + 1}-05-01"})
    fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={"exposure_multiple": "10"})
    loan = fund.client.post(f"{FUND}/loans", headers=fund.staff, json={
        "borrower_tenant": "coop-b", "principal": "1000.00", "annual_rate": "10", "months": 12, "method": "annuity",
        "granted_on": f"{YEAR + 1}-06-01", "first_due": f"{YEAR + 1}-07-01"}).get_json()
    login(client, "staff@example.test")

    overview = client.get("/consortium/mutual-fund/").get_data(as_text=True)
    loan_page = client.get(f"/consortium/mutual-fund/loans/{loan['id']}").get_data(as_text=True)

    # Decimal("30.0000").normalize() prints as 3E+1: the pages must say 30%, 10%, 10 x
    assert "legal reserve 30%" in overview and "(10 × balance)" in overview and ">10%<" in overview
    assert "10% a year" in loan_page
    assert "E+" not in overview + loan_page


def test_admin_changes_settings_on_the_page(fund, client):
    login(client, "admin@example.test")

    bad = client.post("/consortium/mutual-fund/settings", data={"rate": "150", "reminder_days_before": "x"})
    good = client.post("/consortium/mutual-fund/settings", data={"rate": "2.5", "reminder_days_before": "10, 2"},
                       follow_redirects=True)

    assert bad.status_code == 422 and "reminder_days_before" in bad.get_data(as_text=True)
    assert "Settings saved" in good.get_data(as_text=True)
    current = fund.client.get(f"{FUND}/settings", headers=fund.staff).get_json()
    assert current["rate"] == "2.5000" and current["reminder_days_before"] == [10, 2]


def test_treasurer_sees_contributions_and_downloads_the_statement(fund, client):
    fund.accepted(D("12345.67"))
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": REF_A, "amount": "70.37", "date": f"{YEAR + 1}-05-01"})
    login(client, "treasurer.a@example.test")

    page = client.get("/t/coop-a/contributions/").get_data(as_text=True)
    assert REF_A in page and "owed 300.00" in page
    assert client.get("/consortium/mutual-fund/").status_code == 403
    assert client.get("/t/coop-b/contributions/").status_code == 404

    pdf = fund.client.get("/api/v1/t/coop-a/contributions/statement.pdf", headers=fund.treasurer_a)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data)
    assert "Mutual fund contribution statement" in text and "Coop A Sociale" in text
    assert REF_A in text and "370.37" in text and "300.00" in text  # the fund's documents are in English, figures too


def test_the_annual_report_shows_balance_movements_loans_guarantees_and_arrears(fund):
    fund.accepted(D("12345.67"))
    fund.accepted(D("40000.00"), tenant=fund.b)
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": f"MF-{YEAR}-coop-b", "amount": "1200.00", "date": f"{YEAR + 1}-05-01"})
    guarantee = fund.client.post(f"{FUND}/guarantees", headers=fund.staff, json={
        "tenant": "coop-b", "bank_name": "Banca Etica", "amount": "500.00", "issued_on": f"{YEAR + 1}-05-02",
        "expires_on": f"{YEAR + 4}-05-03"})
    loan = fund.client.post(f"{FUND}/loans", headers=fund.staff, json={
        "borrower_tenant": "coop-a", "principal": "1000.00", "annual_rate": "0", "months": 4, "method": "annuity",
        "granted_on": f"{YEAR + 1}-05-03", "first_due": f"{YEAR + 1}-06-01"})
    assert guarantee.status_code == loan.status_code == 201

    response = fund.client.get(f"{FUND}/report.pdf?year={YEAR + 1}", headers=fund.staff)

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert f"Mutual fund annual report {YEAR + 1}" in text
    assert "200.00" in text  # balance at year end: 1,200 received - 1,000 lent
    assert "Coop A Sociale" in text and "Coop B Sociale" in text and "Banca Etica" in text
    assert "Contributions in arrears" in text and "370.37" in text  # coop A never paid
    bad_year = fund.client.get(f"{FUND}/report.pdf?year=abc", headers=fund.staff)
    assert bad_year.status_code == 422 and "year" in bad_year.get_json()["errors"]


def test_a_past_years_report_shows_loans_and_guarantees_as_they_stood_at_its_end(fund):
    fund.accepted(D("40000.00"), tenant=fund.b)
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": f"MF-{YEAR}-coop-b", "amount": "1200.00", "date": f"{YEAR + 1}-05-01"})
    guarantee = fund.client.post(f"{FUND}/guarantees", headers=fund.staff, json={
        "tenant": "coop-b", "bank_name": "Banca Etica", "amount": "500.00", "issued_on": f"{YEAR + 1}-05-02",
        "expires_on": f"{YEAR + 4}-05-03"}).get_json()
    loan = fund.client.post(f"{FUND}/loans", headers=fund.staff, json={
        "borrower_tenant": "coop-a", "principal": "1000.00", "annual_rate": "0", "months": 4, "method": "annuity",
        "granted_on": f"{YEAR + 1}-05-03", "first_due": f"{YEAR + 1}-06-01"}).get_json()
    # the following January: a repayment and a call, after the year the report is about
    after = {"amount": "250.00", "date": f"{YEAR + 2}-01-01"}
    assert fund.client.post(f"{FUND}/loans/{loan['id']}/repayments", headers=fund.staff, json=after).status_code == 201
    assert fund.client.post(f"{FUND}/guarantees/{guarantee['id']}/calls", headers=fund.staff,
                            json={**after, "amount": "100.00"}).status_code == 201

    text = _pdf_text(fund.client.get(f"{FUND}/report.pdf?year={YEAR + 1}", headers=fund.staff).data)

    lines = text.splitlines()
    loan_line = next(line for line in lines if f"{YEAR + 1}-05-03" in line)
    guarantee_line = next(line for line in lines if "Banca Etica" in line)
    assert loan_line.count("1,000.00") == 3, loan_line  # principal, outstanding and arrears on 31 December
    assert "750.00" not in loan_line
    assert guarantee_line.split()[-1] == "€500.00", guarantee_line  # still all live on 31 December
    assert "100.00" not in guarantee_line and "400.00" not in guarantee_line, guarantee_line
