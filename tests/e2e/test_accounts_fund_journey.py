"""A treasurer's year-end job in the browser: download the accounts template, fill it, upload it, check the
preview, submit; consortium staff accept it; the treasurer sees the contribution and gets the statement PDF."""

import re
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook

from consortium.clock import local_today
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

SLUG = "fragola-lavoro"  # the demo treasurer's co-op whose last year is not yet uploaded
YEAR = local_today().year - 1
FIGURES = {
    "turnover_public_contracts": 300000, "turnover_private_fees": 50000, "turnover_grants_donations": 10000,
    "turnover_other": 0, "staff_costs": 250000, "other_costs": 60000, "tax": 5000, "net_profit": 45000,
    # the assembly used 15,000 of the profit to cover an earlier year's loss: the fund's base is 30,000
    "prior_losses_covered": 15000, "ristorni_from_profit": 0,
    "share_capital": 12000, "reserves_indivisible": 80000, "reserves_other": 0, "loans": 10000, "cash": 30000,
}


@pytest.mark.both_databases  # the consortium reads the accounts a co-op submitted and books its contribution
def test_treasurer_uploads_accounts_staff_accept_and_the_contribution_follows(
    app, demo, live_server, page, tmp_path
):
    page.on("dialog", lambda dialog: dialog.accept())  # "Submit these accounts?" / "Accept these accounts?"
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/{SLUG}/accounts/")

    with page.expect_download() as download:
        page.click("text=Download the template (XLSX)")
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.name == f"annual-accounts-{YEAR}.xlsx"
    workbook = load_workbook(template)
    for row in workbook["Summary"].iter_rows(min_row=3):
        row[2].value = FIGURES[row[0].value]
    filled = tmp_path / "accounts.xlsx"
    workbook.save(filled)

    # a formula where a number belongs is refused at its cell, and nothing is saved
    workbook["Summary"]["C11"] = "=C3-C7"
    with_formula = tmp_path / "with-formula.xlsx"
    workbook.save(with_formula)
    page.set_input_files("input[type=file][name=file]", str(with_formula))
    page.click("button:has-text('Upload and check')")
    assert "formulas are not evaluated" in page.inner_text("main")
    assert "Summary" in page.inner_text("main")

    page.set_input_files("input[type=file][name=file]", str(filled))
    page.click("button:has-text('Upload and check')")
    page.wait_for_url(re.compile(rf".*/t/{SLUG}/accounts/\d+$"))
    preview = page.inner_text("main")
    assert f"Accounts {YEAR}, version 1" in preview and "draft" in preview
    # Net profit and turnover, written in the reader's language (this browser reads English), whatever the co-op.
    assert "€45,000.00" in preview and "€360,000.00" in preview
    page.fill("input[name=assembly_approved_on]", min(date(YEAR + 1, 4, 29), local_today()).isoformat())
    page.click("button:has-text('Submit to the consortium')")
    assert "submitted to the consortium" in page.inner_text("main")

    page.context.clear_cookies()
    log_in(page, live_server, "staff@example.coop")
    page.click("nav >> text=Accounts review")
    page.select_option("form.list-toolbar select[name=status]", "submitted")
    page.click("form.list-toolbar button:has-text('Show')")
    row = page.locator("#submissions tbody tr", has_text="Fragola Lavoro").filter(has_text=str(YEAR))
    row.locator("text=Open").click()
    assert "45,000.00" in page.inner_text("#figures")
    page.click("button:has-text('Accept')")
    accepted = page.inner_text("main")
    assert f"Contribution MF-{YEAR}-{SLUG}" in accepted
    assert "less 15,000.00 covering prior years' losses: 30,000.00" in accepted
    assert "3% of the base 30,000.00 is 900.00" in accepted

    # Issue 20: a payment beyond what is owed comes back with the focus on the summary, whose link leads to the
    # amount, marked invalid and keeping what was typed (axe checks this refused page too)
    page.goto(f"{live_server}/consortium/mutual-fund/")
    page.fill("#f-payment-reference", f"MF-{YEAR}-{SLUG}")
    page.fill("#f-payment-amount", "900.01")
    with page.expect_navigation():
        page.click("button:has-text('Record payment')")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "is more than the 900.00 outstanding" in page.inner_text("#error-summary")
    page.click("#error-summary a[href='#f-payment-amount']")
    assert page.evaluate("document.activeElement.id") == "f-payment-amount"
    assert page.get_attribute("#f-payment-amount", "aria-invalid") == "true"
    assert page.input_value("#f-payment-amount") == "900.01"

    page.context.clear_cookies()
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/{SLUG}/")
    page.click("nav >> text=Contributions")
    history = page.inner_text("main")
    assert f"MF-{YEAR}-{SLUG}" in history and "owed €900.00" in history

    statement = page.request.get(f"{live_server}/t/{SLUG}/contributions/statement.pdf")
    assert statement.ok and statement.headers["content-type"] == "application/pdf"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=statement.body(), capture_output=True,
                              check=True).stdout.decode()
        assert "Mutual fund contribution statement" in text
        assert f"MF-{YEAR}-" in text  # the reference (wrapped in its narrow column)
        assert "900.00" in text and "less: used to cover losses of prior years" in text


def test_refused_fund_forms_on_a_phone_lead_to_their_fields(app, demo, live_server, browser, checked):
    # Issue 20: on a phone, a refused repayment (the demo's loan 1) and a refused guarantee call come back with the
    # focus on the summary and the field marked; neither page scrolls sideways (axe checks both).
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = checked(context.new_page())
    page.on("dialog", lambda dialog: dialog.accept())  # "Call this guarantee?"
    try:
        log_in(page, live_server, "staff@example.coop")
        page.goto(f"{live_server}/consortium/mutual-fund/loans/1")
        page.fill("#f-amount", "99999999.00")
        with page.expect_navigation():
            page.click("main form button:has-text('Record')")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert page.get_attribute("#f-amount", "aria-invalid") == "true"
        assert page.input_value("#f-amount") == "99999999.00"
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")

        page.goto(f"{live_server}/consortium/mutual-fund/guarantees")
        row = page.locator("#guarantees tbody tr", has_text="Banca Etica")
        row.locator("input[name=amount]").fill("10.00")
        row.locator("input[name=date]").fill("2000-01-01")
        with page.expect_navigation():  # the confirmation's script submits the form
            row.locator("button:has-text('Record')").click()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert "the guarantee was given on" in page.inner_text("#error-summary")
        date_input = page.locator("#guarantees input[name=date][aria-invalid=true]")
        assert date_input.count() == 1 and date_input.input_value() == "2000-01-01"
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    finally:
        context.close()
