"""The P45 a leaver gets and the P60 end of year certificate, as PDFs in the reader's language.

What each must show is the Income Tax (PAYE) Regulations 2003: reg. 36(4) Table 2 (P45) and reg. 67 (P60),
with HMRC's forms for the boxes and HMRC's Collection of Student Loans Manual CSLM17020 for the P45's loan
box. HMRC publishes no worked P45 or P60 with figures; the figures here are HMRC's PAYE method applied by the
rule pack (1257L monthly free pay 1,048.26: Specification for PAYE Tax Table Routines) and the 2025-26 NI
thresholds of the pack's data file (monthly LEL 542, PT 1,048), worked out by hand in each test.
"""

import shutil
import subprocess

import pytest

from tests.payroll.conftest import API, act, add_employee, open_run, pay_through, payslips

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def _leave(client, clerk, employee_id: int, day: str) -> None:
    response = client.patch(f"{API}/employees/{employee_id}", json={"leave_date": day}, headers=clerk)
    assert response.status_code == 200, response.get_json()


def _paye_reference(client, clerk) -> None:
    assert client.patch(f"{API}/payroll-settings", json={"paye_reference": "123/AB45678"},
                        headers=clerk).status_code == 200


@needs_poppler
def test_a_leaver_gets_a_p45_with_the_last_month_and_pay_and_tax_to_date(client, clerk, second_clerk):
    # 1257L monthly on 30,000 (2,500 a month), April and May 2025: taxable pay to date 5,000 - 2 x 1,048.26
    # = 2,903.48, rounded down to 2,903; tax 20% = 580.60 (HMRC's cumulative method)
    _paye_reference(client, clerk)
    employee = add_employee(client, clerk, name="Oliver Hughes", start_date="2025-04-01", student_loan_plans=["2"],
                            street="14 Canal Row", city="Leeds", postcode="LS3 1AA")
    pay_through(client, clerk, second_clerk, "2025-04-30")
    may = pay_through(client, clerk, second_clerk, "2025-05-30")
    [slip] = payslips(client, clerk, may["id"])
    assert slip["to_date"]["gross_pay"] == "5000.00" and slip["to_date"]["tax"] == "580.60"
    _leave(client, clerk, employee["id"], "2025-05-31")

    response = client.get(f"{API}/employees/{employee['id']}/p45", headers=clerk)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    for expected in ("P45", "Part 1A", "Parts 2 and 3", "123/AB45678", "Oliver Hughes", employee["ni_number"],
                     "31 May 2025", "1257L (Cumulative)", "Month 2", "£5,000.00", "£580.60",
                     "5 Student Loan deductions to continue Y", "14 Canal Row, Leeds, LS3 1AA",
                     "the amounts in this employment are those at box 7"):
        assert expected in text, expected
    assert "Postgraduate Loan deductions to continue Y" not in text


@needs_poppler
def test_a_p45_adds_the_previous_employment_to_date_and_shows_this_employment_apart(client, clerk, second_clerk):
    # reg. 43(9): the previous P45's pay and tax count as paid by the new employer for item 8 (box 7);
    # box 8 then shows this employment alone. June 2025 is month 3: free pay 3 x 1,048.26 = 3,144.78;
    # 6,000 + 2,500 - 3,144.78 = 5,355.22 -> 5,355; tax 1,071.00 to date, 1,071.00 - 700.00 = 371.00 this month.
    employee = add_employee(client, clerk, name="Priya Shah", start_date="2025-06-01", tax_code=None,
                            p45_pay="6000.00", p45_tax="700.00", p45_leaving_date="2025-05-31",
                            p45_tax_code="1257L")
    june = pay_through(client, clerk, second_clerk, "2025-06-30")
    [slip] = payslips(client, clerk, june["id"])
    assert slip["income_tax"] == "371.00"
    _leave(client, clerk, employee["id"], "2025-06-30")
    text = _text(client.get(f"{API}/employees/{employee['id']}/p45", headers=clerk).data)
    assert "7 Total pay to date £8,500.00" in text and "7 Total tax to date £1,071.00" in text
    assert "8 Total pay in this employment £2,500.00" in text and "8 Total tax in this employment £371.00" in text
    assert "Month 3" in text


@needs_poppler
def test_a_week1_month1_leaver_has_no_entries_at_boxes_7_and_8(client, clerk, second_clerk):
    # HMRC's P45, box 7: "Complete only if tax code is cumulative. If there is an 'X' at box 6 there will be
    # no entries here" (reg. 36(4) Table 2 items 7 and 8: "if the employee's code is used on the cumulative basis")
    employee = add_employee(client, clerk, name="Tomasz Nowak", start_date="2025-04-01", tax_basis="week1_month1")
    pay_through(client, clerk, second_clerk, "2025-04-30")
    _leave(client, clerk, employee["id"], "2025-04-30")
    text = _text(client.get(f"{API}/employees/{employee['id']}/p45", headers=clerk).data)
    assert "1257L (Week 1 / month 1 (X))" in text and "boxes 7 and 8 have no entries" in text
    assert "£2,500.00" not in text and "Month 1" not in text


def test_no_p45_before_the_leaving_date_or_while_the_last_run_is_unpaid(client, clerk, second_clerk):
    employee = add_employee(client, clerk, name="Sara Ahmed", start_date="2025-04-01")
    response = client.get(f"{API}/employees/{employee['id']}/p45", headers=clerk)
    assert response.status_code == 409 and "leave_date" in response.get_json()["errors"]
    run = open_run(client, clerk, "2025-04-30")
    act(client, clerk, run["id"], "calculate")
    _leave(client, clerk, employee["id"], "2025-04-30")
    response = client.get(f"{API}/employees/{employee['id']}/p45", headers=clerk)
    assert response.status_code == 409
    assert "2025-04-30 is not paid yet" in response.get_json()["errors"]["payslips"][0]


@needs_poppler
def test_the_p60_shows_the_years_pay_tax_ni_by_threshold_and_loans(client, clerk, second_clerk):
    # 2,500 a month in 2025-26, two months paid, category A: NI earnings a month at the LEL 542, LEL to PT
    # 1,048 - 542 = 506, PT to UEL 2,500 - 1,048 = 1,452 (x2: 1,084 / 1,012 / 2,904); employee NI 8% of 1,452 =
    # 116.16 a month, 232.32 in all. Plan 2 (threshold 28,470 / 12 = 2,372.50): 9% of 127.50 = 11.47 -> 11 a
    # month, 22 in whole pounds.
    _paye_reference(client, clerk)
    employee = add_employee(client, clerk, name="Hannah Price", start_date="2025-04-01", student_loan_plans=["2"])
    pay_through(client, clerk, second_clerk, "2025-04-30")
    pay_through(client, clerk, second_clerk, "2025-05-30")
    response = client.get(f"{API}/employees/{employee['id']}/p60?tax_year=2025-26", headers=clerk)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    for expected in ("P60 End of Year Certificate", "Tax year to 5 April 2026", "Hannah Price",
                     employee["ni_number"], "In this employment £5,000.00 £580.60", "Total for year £5,000.00 £580.60",
                     "Final tax code 1257L", "A £1,084.00 £1,012.00 £2,904.00 £232.32",
                     "Student Loan deductions in this £22.00 employment (whole £s only)", "123/AB45678",
                     "Paga Workers Co-op, 3 Loom Street, Leeds, LS2 7HY"):
        assert expected in text, expected
    # without ?tax_year= the last year that has ended (2025-26 from December 2026)
    assert client.get(f"{API}/employees/{employee['id']}/p60", headers=clerk).data == response.data


@needs_poppler
def test_the_p60_reads_in_the_readers_language(client, clerk, second_clerk):
    employee = add_employee(client, clerk, name="Giulia Conti", start_date="2025-04-01")
    pay_through(client, clerk, second_clerk, "2025-04-30")
    italian = _text(client.get(f"{API}/employees/{employee['id']}/p60?tax_year=2025-26",
                               headers={**clerk, "Accept-Language": "it"}).data)
    assert "Certificato di fine anno P60" in italian and "2.500,00 £" in italian
    assert "End of Year Certificate" not in italian


def test_no_p60_before_the_year_ends_for_a_leaver_or_someone_not_paid(client, clerk, second_clerk):
    # reg. 67(1): given before 1 June after the year, to employees employed on its last day
    stayer = add_employee(client, clerk, name="Kwame Mensah", start_date="2025-04-01")
    leaver = add_employee(client, clerk, name="Lucy Turner", start_date="2025-04-01")
    pay_through(client, clerk, second_clerk, "2025-04-30")
    _leave(client, clerk, leaver["id"], "2025-05-15")
    response = client.get(f"{API}/employees/{stayer['id']}/p60?tax_year=2026-27", headers=clerk)
    assert response.status_code == 409 and "ends on 2027-04-05" in response.get_json()["errors"]["tax_year"][0]
    response = client.get(f"{API}/employees/{leaver['id']}/p60?tax_year=2025-26", headers=clerk)
    assert response.status_code == 409 and "gets a P45" in response.get_json()["errors"]["tax_year"][0]
    newcomer = add_employee(client, clerk, name="Mia Roberts", start_date="2026-06-01")
    response = client.get(f"{API}/employees/{newcomer['id']}/p60?tax_year=2025-26", headers=clerk)
    assert response.status_code == 409 and "was not paid in 2025-26" in response.get_json()["errors"]["tax_year"][0]
    assert client.get(f"{API}/employees/{stayer['id']}/p60?tax_year=2025-26", headers=clerk).status_code == 200


def test_the_employee_page_offers_the_p45_and_p60(client, clerk, second_clerk, coop):
    from tests.conftest import login

    employee = add_employee(client, clerk, name="Ruth Evans", start_date="2025-04-01")
    pay_through(client, clerk, second_clerk, "2025-04-30")
    login(client, "clerk@paga.test")
    page = client.get(f"/t/{coop.slug}/payroll/employees/{employee['id']}").get_data(as_text=True)
    assert "P60 end of year certificate 2025-26 (PDF)" in page and "P45 for leaving" not in page
    _leave(client, clerk, employee["id"], "2026-04-30")
    page = client.get(f"/t/{coop.slug}/payroll/employees/{employee['id']}").get_data(as_text=True)
    assert "P45 for leaving on 30 Apr 2026 (PDF)" in page
    pdf = client.get(f"/t/{coop.slug}/payroll/employees/{employee['id']}/p45.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
