"""The pages staff and treasurers use, and the two PDFs (their text, read back with pdftotext)."""

import io
import shutil
import subprocess

import pytest

from consortium.clock import local_today
from consortium.tenancy import is_scope_statement
from tests.a11y import tied_errors
from tests.conftest import login
from tests.lists.test_home_tasks import task_count
from tests.mutual_fund.conftest import ACCOUNTS, FUND, YEAR, D

REF_A = f"MF-{YEAR}-coop-a"


def _pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def test_staff_home_counts_the_accounts_waiting_for_review(fund, client):
    login(client, "staff@example.test")
    assert task_count(client.get("/").get_data(as_text=True), "Accounts submissions to review") == 0
    version = fund.submit(fund.a, D("12345.67"))
    fund.submit(fund.b, D("500.00"))
    assert task_count(client.get("/").get_data(as_text=True), "Accounts submissions to review") == 2
    fund.accept(version)
    assert task_count(client.get("/").get_data(as_text=True), "Accounts submissions to review") == 1


def test_staff_review_accounts_and_run_the_fund_in_the_browser(fund, client):
    version = fund.submit(fund.a, D("12345.67"))
    login(client, "staff@example.test")

    listing = client.get("/consortium/accounts/?status=submitted").get_data(as_text=True)
    assert "Coop A Sociale" in listing
    page = client.get(f"/consortium/accounts/{version}").get_data(as_text=True)
    assert "12,345.67" in page and "Accept" in page
    accepted = client.post(f"/consortium/accounts/{version}/accept", data={"accepted_on": f"{YEAR + 1}-04-29"},
                           follow_redirects=True).get_data(as_text=True)
    # the amount and the date written for the reader (English here), not the stored Decimal and ISO date
    assert f"Contribution {REF_A}: €370.37, due by " in accepted and "EUR, due" not in accepted
    paid = client.post(f"{'/consortium/mutual-fund'}/payments",
                       data={"reference": REF_A, "amount": "100.00", "date": f"{YEAR + 1}-05-01"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Payment of €100.00 recorded" in paid and "Coop A Sociale" in paid
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
    loans = client.get("/consortium/mutual-fund/loans").get_data(as_text=True)

    # Decimal("30.0000").normalize() prints as 3E+1: the pages must say 30%, 10%, 10 x
    assert "legal reserve 30%" in overview and "(10 × balance)" in overview and ">10%<" in loans
    assert "10% a year" in loan_page
    assert "E+" not in overview + loan_page + loans


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
    assert REF_A in page and "owed €300.00" in page
    assert client.get("/consortium/mutual-fund/").status_code == 403
    assert client.get("/t/coop-b/contributions/").status_code == 404

    pdf = fund.client.get("/api/v1/t/coop-a/contributions/statement.pdf", headers=fund.treasurer_a)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data)
    assert "Mutual fund contribution statement" in text and "Coop A Sociale" in text
    assert REF_A in text and "370.37" in text and "300.00" in text  # the fund's documents are in English, figures too


def test_the_annual_report_shows_balance_movements_loans_guarantees_and_arrears(fund):
    fund.accepted(D("12345.67"))
    fund.accepted(D("200000.00"), tenant=fund.b)  # 3% = 6,000.00, paid in full
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": f"MF-{YEAR}-coop-b", "amount": "6000.00", "date": f"{YEAR + 1}-05-01"})
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
    assert "€5,000.00" in text  # balance at year end: 6,000 received - 1,000 lent
    assert "Coop A Sociale" in text and "Coop B Sociale" in text and "Banca Etica" in text
    assert "Contributions in arrears" in text and "370.37" in text  # coop A never paid
    bad_year = fund.client.get(f"{FUND}/report.pdf?year=abc", headers=fund.staff)
    assert bad_year.status_code == 422 and "year" in bad_year.get_json()["errors"]


def test_a_past_years_report_shows_loans_and_guarantees_as_they_stood_at_its_end(fund):
    fund.accepted(D("200000.00"), tenant=fund.b)  # 3% = 6,000.00, paid in full
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": f"MF-{YEAR}-coop-b", "amount": "6000.00", "date": f"{YEAR + 1}-05-01"})
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
    loan_line = next(line for line in lines if f"3 May {YEAR + 1}" in line)  # dates in the reader's language
    guarantee_line = next(line for line in lines if "Banca Etica" in line)
    assert loan_line.count("1,000.00") == 3, loan_line  # principal, outstanding and arrears on 31 December
    assert "750.00" not in loan_line
    assert guarantee_line.split()[-1] == "€500.00", guarantee_line  # still all live on 31 December
    assert "100.00" not in guarantee_line and "400.00" not in guarantee_line, guarantee_line


def _count_queries(app, call) -> int:
    """How many SQL statements `call()` sends (PostgreSQL's per-transaction scope statements left out)."""
    from sqlalchemy import event

    from consortium.extensions import db

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)
    return len([sql for sql in statements if not is_scope_statement(sql)])


def _paid_and_corrected(fund, tenant, year: int) -> None:
    """A contribution for `year`, part-paid, reopened and corrected: a row of every kind to read back."""
    version = fund.submit(tenant, D("12345.67"), year)
    assert fund.accept(version).status_code == 200
    reference = f"MF-{year}-{tenant.slug}"
    assert fund.client.post(f"{FUND}/payments", headers=fund.staff,
                            json={"reference": reference, "amount": "10.00", "date": f"{YEAR + 1}-05-01"}
                            ).status_code == 201
    fund.client.post(f"/api/v1/consortium/accounts/{version}/reopen", headers=fund.admin, json={"reason": "typo"})
    assert fund.accept(fund.submit(tenant, D("20000.00"), year), accepted_on=f"{YEAR + 1}-06-01").status_code == 200


def test_the_coop_page_and_statement_read_payments_and_corrections_in_a_fixed_number_of_queries(fund, client):
    _paid_and_corrected(fund, fund.a, YEAR)
    login(client, "treasurer.a@example.test")
    page = lambda: client.get("/t/coop-a/contributions/")  # noqa: E731
    statement = lambda: client.get("/t/coop-a/contributions/statement.pdf")  # noqa: E731
    api = lambda: client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_a)  # noqa: E731
    staff_list = lambda: client.get(f"{FUND}/contributions", headers=fund.staff)  # noqa: E731
    one_year = [_count_queries(fund.app, read) for read in (page, statement, api, staff_list)]

    for year in (YEAR - 1, YEAR - 2, YEAR - 3):
        _paid_and_corrected(fund, fund.a, year)
    four_years = [_count_queries(fund.app, read) for read in (page, statement, api, staff_list)]

    assert four_years == one_year, (one_year, four_years)
    text = page().get_data(as_text=True)
    assert text.count("Payments: ") == 4 and text.count("Corrected on") >= 4
    # each year's reason twice: in its explanation and in the corrections table
    assert _pdf_text(statement().data).count("typo") == 8


def test_an_overdue_contribution_is_flagged_on_the_page_and_in_the_api(fund, client):
    fund.accepted(D("12345.67"))  # accepted in April of last year, due 60 days later, never paid
    # the assembly approved last year's accounts today: due in 60 days
    fund.accept(fund.submit(fund.a, D("40000.00"), YEAR + 1, assembly_approved_on=local_today()),
                accepted_on=local_today().isoformat())
    login(client, "treasurer.a@example.test")

    listed = {c["year"]: c for c in fund.client.get("/api/v1/t/coop-a/contributions",
                                                     headers=fund.treasurer_a).get_json()}
    page = client.get("/t/coop-a/contributions/").get_data(as_text=True)

    assert (listed[YEAR]["status"], listed[YEAR]["overdue"]) == ("due", True)
    assert (listed[YEAR + 1]["status"], listed[YEAR + 1]["overdue"]) == ("due", False)
    assert page.count('<span class="badge fail">overdue</span>') == 1
    assert f"was due by 28 Jun {YEAR + 1}" in page  # the reader's date format (English: d MMM yyyy)
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": REF_A, "amount": "370.37", "date": local_today().isoformat()})
    paid = fund.client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_a).get_json()
    assert [(c["year"], c["status"], c["overdue"]) for c in paid] == [(YEAR + 1, "due", False), (YEAR, "paid", False)]
    assert 'class="badge fail">overdue' not in client.get("/t/coop-a/contributions/").get_data(as_text=True)


def test_a_past_years_report_shows_contributions_as_they_stood_at_its_end(fund):
    version = fund.submit(fund.a, D("12345.67"))
    fund.accept(version)  # 370.37, accepted in April, due by 28 June
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": REF_A, "amount": "100.00", "date": f"{YEAR + 1}-05-01"})
    # on 1 January after the year: the year is corrected to 600.00 and paid in full
    fund.client.post(f"/api/v1/consortium/accounts/{version}/reopen", headers=fund.admin, json={"reason": "typo"})
    assert fund.accept(fund.submit(fund.a, D("20000.00")), accepted_on=f"{YEAR + 2}-01-01").status_code == 200
    assert fund.client.post(f"{FUND}/payments", headers=fund.staff,
                            json={"reference": REF_A, "amount": "500.00", "date": f"{YEAR + 2}-01-01"}
                            ).status_code == 201

    text = _pdf_text(fund.client.get(f"{FUND}/report.pdf?year={YEAR + 1}", headers=fund.staff).data)

    by_coop, arrears = text.split("Contributions in arrears")
    by_coop = by_coop.split("by co-op")[1].split("Loans outstanding")[0]
    row = next(line for line in by_coop.splitlines() if "Coop A Sociale" in line)
    assert row.split()[-6:] == ["€12,345.67", "€370.37", "€100.00", "€270.37", "part", "paid"], row
    assert "600.00" not in by_coop
    arrears_row = next(line for line in arrears.splitlines() if "Coop A Sociale" in line)
    assert "€270.37" in arrears_row and f"28 Jun {YEAR + 1}" in arrears_row and "186" in arrears_row, arrears_row
    # this year's report shows where things stand now: corrected and paid
    now = _pdf_text(fund.client.get(f"{FUND}/report.pdf?year={YEAR + 2}", headers=fund.staff).data)
    assert "No contribution is overdue." in now


def test_the_annual_report_reads_contributions_in_a_fixed_number_of_queries(fund):
    _paid_and_corrected(fund, fund.a, YEAR)
    report = lambda: fund.client.get(f"{FUND}/report.pdf?year={YEAR + 1}", headers=fund.staff)  # noqa: E731
    one = _count_queries(fund.app, report)

    _paid_and_corrected(fund, fund.b, YEAR)
    _paid_and_corrected(fund, fund.a, YEAR - 1)
    _paid_and_corrected(fund, fund.b, YEAR - 1)
    three_more = _count_queries(fund.app, report)

    assert three_more == one, (one, three_more)
    assert report().status_code == 200


def test_refused_one_line_forms_say_which_field_and_record_nothing(fund, client):
    # Issue 20: each refusal comes back as the same page, 422, its errors tied to their inputs, what was typed kept.
    fund.accepted(D("1000000.00"))
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": REF_A, "amount": "30000.00", "date": f"{YEAR + 1}-05-01"})
    loan = fund.client.post(f"{FUND}/loans", headers=fund.staff, json={
        "borrower_tenant": "coop-b", "principal": "1000.00", "annual_rate": "0", "months": 4, "method": "annuity",
        "granted_on": f"{YEAR + 1}-06-01", "first_due": f"{YEAR + 1}-07-01"}).get_json()
    guarantee = fund.client.post(f"{FUND}/guarantees", headers=fund.staff, json={
        "tenant": "coop-b", "bank_name": "Banca Etica", "amount": "500.00", "issued_on": f"{YEAR + 1}-05-02",
        "expires_on": f"{YEAR + 4}-05-03"}).get_json()
    login(client, "staff@example.test")
    today = local_today().isoformat()

    payment = client.post("/consortium/mutual-fund/payments", data={"reference": REF_A, "amount": "-5", "date": today})
    assert payment.status_code == 422
    page = payment.get_data(as_text=True)
    assert set(tied_errors(page)) == {"f-payment-amount"}
    assert f'value="{REF_A}"' in page and 'value="-5"' in page
    too_much = client.post("/consortium/mutual-fund/payments",
                           data={"reference": REF_A, "amount": "999999.00", "date": today})
    assert too_much.status_code == 422
    assert "is more than the" in tied_errors(too_much.get_data(as_text=True))["f-payment-amount"]
    unknown = client.post("/consortium/mutual-fund/payments",
                          data={"reference": "MF-1999-nobody", "amount": "5.00", "date": today})
    assert unknown.status_code == 422
    assert tied_errors(unknown.get_data(as_text=True)) == {
        "f-payment-reference": "MF-1999-NOBODY matches no contribution"}

    repayment = client.post(f"/consortium/mutual-fund/loans/{loan['id']}/repayments",
                            data={"amount": "abc", "date": today})
    assert repayment.status_code == 422
    page = repayment.get_data(as_text=True)
    assert set(tied_errors(page)) == {"f-amount"} and 'value="abc"' in page
    early = client.post(f"/consortium/mutual-fund/loans/{loan['id']}/repayments",
                        data={"amount": "10.00", "date": f"{YEAR + 1}-05-01"})
    assert early.status_code == 422
    assert tied_errors(early.get_data(as_text=True)) == {"f-date": f"the loan was granted on {YEAR + 1}-06-01"}

    calls = f"/consortium/mutual-fund/guarantees/{guarantee['id']}/calls"
    call = client.post(calls, data={"amount": "10.00", "date": ""})
    assert call.status_code == 422
    page = call.get_data(as_text=True)
    assert set(tied_errors(page)) == {f"f-call-{guarantee['id']}-date"}
    assert f'id="f-call-{guarantee["id"]}-amount" name="amount" value="10.00"' in page
    before_issue = client.post(calls, data={"amount": "10.00", "date": f"{YEAR + 1}-05-01"})
    assert before_issue.status_code == 422
    assert tied_errors(before_issue.get_data(as_text=True)) == {
        f"f-call-{guarantee['id']}-date": f"the guarantee was given on {YEAR + 1}-05-02"}

    contribution = fund.client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_a).get_json()[0]
    assert contribution["paid_amount"] == "30000.00"
    assert fund.client.get(f"{FUND}/loans/{loan['id']}", headers=fund.staff).get_json()["repayments"] == []
    assert fund.client.get(f"{FUND}/guarantees", headers=fund.staff).get_json()[0]["called_amount"] == "0.00"


def test_a_refused_bank_statement_is_shown_at_its_file_input_and_records_nothing(fund, client):
    # Issue 20: a statement with a bad row, or no file at all, comes back as the fund page with the error tied to
    # the file input and the row named; the good line of the same statement is not recorded either.
    fund.accepted(D("1000000.00"))
    login(client, "staff@example.test")
    statement = f"date,description,amount\n{YEAR + 1}-05-02,{REF_A},50.00\nyesterday,{REF_A},1.00\n"
    refused = client.post("/consortium/mutual-fund/payments/import", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(statement.encode()), "s.csv")})
    assert refused.status_code == 422
    tied = tied_errors(refused.get_data(as_text=True))
    assert set(tied) == {"f-import-file"} and tied["f-import-file"].startswith("row 3: date:"), tied
    nothing = client.post("/consortium/mutual-fund/payments/import", content_type="multipart/form-data", data={})
    assert nothing.status_code == 422
    assert tied_errors(nothing.get_data(as_text=True)) == {"f-import-file": "Choose the bank statement CSV to import."}
    contribution = fund.client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_a).get_json()[0]
    assert contribution["paid_amount"] == "0.00"


def test_refused_review_decisions_come_back_tied_to_their_fields(fund, client):
    # Issue 20: accept, return and reopen refused on the submission page: 422, the error at its field, nothing decided.
    version = fund.submit(fund.a, D("12345.67"))
    login(client, "admin@example.test")
    page = f"/consortium/accounts/{version}"

    accept = client.post(f"{page}/accept", data={"accepted_on": "29/04/yesterday", "member_from": ""})
    assert accept.status_code == 422
    html = accept.get_data(as_text=True)
    assert set(tied_errors(html)) == {"f-accept-accepted_on"} and 'value="29/04/yesterday"' in html
    returned = client.post(f"{page}/return", data={"comment": "  "})
    assert returned.status_code == 422
    assert tied_errors(returned.get_data(as_text=True)) == {
        "f-return-comment": "Write the comment the treasurer will read."}
    assert fund.client.get(f"{ACCOUNTS}/{version}", headers=fund.staff).get_json()["status"] == "submitted"

    assert fund.accept(version).status_code == 200
    reopen = client.post(f"{page}/reopen", data={"reason": ""})
    assert reopen.status_code == 422
    assert tied_errors(reopen.get_data(as_text=True)) == {"f-reopen-reason": "Give the reason for reopening the year."}
    assert fund.client.get(f"{ACCOUNTS}/{version}", headers=fund.staff).get_json()["status"] == "accepted"


def test_the_coop_api_list_reads_no_payments_it_does_not_show(fund, client):
    """The co-op's contributions list shows totals (paid_amount, outstanding), not payments: it does not load them
    (issue 16), while the page, which lists them, still does."""
    from sqlalchemy import event

    from consortium.extensions import db

    _paid_and_corrected(fund, fund.a, YEAR)
    statements = []
    listener = lambda *args: statements.append(" ".join(args[2].split()))  # noqa: E731
    with fund.app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        listed = client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_a)
    finally:
        with fund.app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)
    assert listed.status_code == 200
    assert [c["paid_amount"] for c in listed.get_json()] == ["10.00"]
    assert statements and not [sql for sql in statements if "FROM contribution_payments" in sql], statements
    login(client, "treasurer.a@example.test")
    assert "Payments: " in client.get("/t/coop-a/contributions/").get_data(as_text=True)


def test_an_overdue_contribution_reads_overdue_once_with_its_amounts_in_the_readers_money(fund, client):
    """The co-op's contributions page names an overdue contribution by one state, overdue (not "due" beside
    "overdue"), and writes each amount with its currency in the reader's convention."""
    fund.accepted(D("12345.67"))
    login(client, "treasurer.a@example.test")
    english = client.get("/t/coop-a/contributions/").get_data(as_text=True)  # due in June of YEAR + 1: past
    italian = client.get("/t/coop-a/contributions/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert 'class="badge fail">overdue<' in english and 'class="badge">due<' not in english
    assert "owed €370.37" in english and "da versare 370,37\xa0€" in italian  # babel: a no-break space before €
