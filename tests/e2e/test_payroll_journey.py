"""A payroll clerk in the browser: takes on an employee (a bad NI number first), opens and calculates a weekly
run, cannot approve it herself; the treasurer approves and pays it; the clerk downloads the payslip, then the P45
of the demo care worker who left in September."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser
PAYROLL = "/t/riverside-care/payroll"


def test_clerk_runs_a_weekly_payroll_that_a_second_person_approves(app, demo, live_server, page):
    page.on("dialog", lambda dialog: dialog.accept())  # "Mark this run paid?" confirmation
    log_in(page, live_server, "payroll.uk@example.coop")
    page.goto(f"{live_server}{PAYROLL}/employees/new")
    form = {"name": "Kit Marlowe", "date_of_birth": "1999-10-02", "ni_number": "QQ123456C", "start_date": "2026-11-02",
            "tax_code": "1257L", "hourly_rate": "12.71", "standard_hours": "37.5", "email": "kit@example.test"}
    for name, value in form.items():
        page.fill(f"#employee-form [name={name}]", value)
    page.select_option("#employee-form select[name=pay_frequency]", "weekly")
    page.select_option("#employee-form select[name=pay_basis]", "hourly")
    page.click("#employee-form button[type=submit]")
    assert "never issued" in page.inner_text("main")  # Q is never used in an NI number prefix
    page.fill("#employee-form [name=ni_number]", "JT 33 44 55 A")
    page.click("#employee-form button[type=submit]")
    assert "Kit Marlowe is on the payroll with tax code 1257L" in page.inner_text("main")
    assert "JT334455A" in page.inner_text("#employee-record")

    page.goto(f"{live_server}{PAYROLL}/runs/new")
    page.select_option("select[name=frequency]", "weekly")
    page.fill("input[name=pay_date]", "2026-12-04")
    page.click("main button[type=submit]")
    assert "opened with 1 payslips" in page.inner_text("main")
    page.click("#calculate")
    assert "calculated, awaiting approval" in page.inner_text("#run-state")
    assert page.is_disabled("#approve")
    review = page.inner_text("#review")
    assert "Kit Marlowe" in review and "£476.63" in review  # 37.5 hours x 12.71 = 476.625, half-up
    page.click("text=Log out")

    log_in(page, live_server, "treasurer.uk@example.coop")
    page.goto(f"{live_server}{PAYROLL}/")
    page.click("#runs a:has-text('4 Dec 2026')")
    page.click("#approve")
    assert "Pay run approved." in page.inner_text("main")
    page.click("#pay")
    assert "paid and locked" in page.inner_text("main")
    page.click("text=Log out")

    log_in(page, live_server, "payroll.uk@example.coop")
    page.goto(f"{live_server}{PAYROLL}/")
    page.click("#runs a:has-text('4 Dec 2026')")
    page.click("#review a:has-text('Kit Marlowe')")
    with page.expect_download() as download:
        page.click("#payslip-pdf")
    assert download.value.suggested_filename.startswith("payslip-2026-27-weekly-")
    with open(download.value.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    page.goto(f"{live_server}{PAYROLL}/employees/")
    page.click("main a:has-text('Megan Lloyd')")
    assert "P45 for leaving on 28 Sep" in page.inner_text("#tax-documents")  # "Sep" or "Sept" by locale
    with page.expect_download() as download:
        page.click("#tax-documents a:has-text('P45')")
    assert download.value.suggested_filename.startswith("p45-2026-27-")
    with open(download.value.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
