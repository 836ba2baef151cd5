"""A treasurer invoices in the browser: draft (a bad row first), issue, part payment, credit note, lists, downloads."""

import re
from decimal import Decimal

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def _download(page, link_text: str) -> tuple[str, bytes]:
    """Click a download link on the page; (file name, first bytes)."""
    with page.expect_download() as download:
        page.click(f"a:has-text('{link_text}')")
    with open(download.value.path(), "rb") as file:
        return download.value.suggested_filename, file.read()


def _not_yet_due(page, base_url: str, customer: str) -> Decimal:
    """The customer's 'Not yet due' cell on the aged-debtors page."""
    page.goto(f"{base_url}/t/riverside-care/invoices/aged-debtors")
    row = page.locator("#aged-debtors tbody tr", has_text=customer)
    if row.count() == 0:
        return Decimal("0.00")
    return Decimal(row.locator("td").nth(1).inner_text() or "0.00")


def test_treasurer_drafts_issues_is_part_paid_credits_and_downloads(app, demo, live_server, page):
    page.on("dialog", lambda dialog: dialog.accept())  # "Issue this invoice?" confirmation
    log_in(page, live_server, "treasurer.uk@example.coop")
    owed_before = _not_yet_due(page, live_server, "Pennine Housing Ltd")
    page.goto(f"{live_server}/t/riverside-care/invoices/")
    page.click("text=Draft an invoice")
    page.select_option("select[name=customer_id]", label="Pennine Housing Ltd")
    page.fill("input[name=buyer_reference]", "PO-4471")
    page.fill("input[name=lines-0-description]", "Garden maintenance, October")
    page.fill("input[name=lines-0-quantity]", "3")
    page.fill("input[name=lines-0-unit_price]", "33.333")
    page.select_option("select[name=lines-0-vat_category]", "standard")
    page.fill("input[name=lines-1-description]", "Refund for a missed visit")
    page.fill("input[name=lines-1-quantity]", "-1")
    page.fill("input[name=lines-1-unit_price]", "20.00")
    page.click("button:has-text('Save draft')")

    # The negative row is refused on its own row, the form keeps what was typed, nothing is saved.
    assert "credit note" in page.inner_text("#lines")
    assert page.input_value("input[name=lines-0-description]") == "Garden maintenance, October"
    page.fill("input[name=lines-1-description]", "Hedge trimming")
    page.fill("input[name=lines-1-quantity]", "2")
    page.select_option("select[name=lines-1-vat_category]", "standard")
    page.click("button:has-text('Save draft')")
    page.wait_for_url(re.compile(r".*/invoices/\d+$"))
    assert page.inner_text("#gross-total") == "£168.00"  # (100.00 + 40.00) + 20% VAT per line

    page.click("button:has-text('Issue')")
    page.wait_for_load_state("networkidle")
    number = re.search(r"Issued as (INV-\d{4}-\d{4})", page.inner_text("main")).group(1)
    assert number in page.inner_text("h1") and "Edit draft" not in page.inner_text("main")
    invoice_url = page.url

    page.click("text=Record a payment")
    page.fill("input[name=amount]", "500.00")
    page.click("button:has-text('Record payment')")
    assert "over-payments are refused" in page.inner_text("main")
    page.fill("input[name=amount]", "100.00")
    page.fill("input[name=reference]", "BACS 9912")
    page.click("button:has-text('Record payment')")
    page.wait_for_url(invoice_url)
    assert page.inner_text("#outstanding") == "£68.00"

    page.click("a:has-text('Credit note')")
    page.uncheck("input[name=full]")
    page.fill("input[name=lines-0-description]", "Hedge trimming not done")
    page.fill("input[name=lines-0-quantity]", "1")
    page.fill("input[name=lines-0-unit_price]", "20.00")
    page.select_option("select[name=lines-0-vat_category]", "standard")
    page.fill("textarea[name=reason]", "One visit cancelled")
    page.click("button:has-text('Issue credit note')")
    page.wait_for_load_state("networkidle")
    flash = re.search(r"Credit note (CN-\d{4}-\d{4}) issued against (\S+)\.", page.inner_text("main"))
    credit_number = flash.group(1)
    assert flash.group(2) == number
    assert "Corrects" in page.inner_text("main") and number in page.inner_text("main")
    name, pdf = _download(page, "PDF")
    assert name == f"{credit_number}.pdf" and pdf.startswith(b"%PDF")
    name, xml = _download(page, "UBL (Peppol)")
    assert name == f"{credit_number}-ubl.xml" and b"<CreditNote" in xml and number.encode() in xml

    page.goto(invoice_url)
    assert page.inner_text("#outstanding") == "£44.00"  # 168.00 - 100.00 paid - 24.00 credited
    name, xml = _download(page, "UBL (Peppol)")
    assert name == f"{number}-ubl.xml" and b"<cbc:PayableAmount currencyID=\"GBP\">168.00" in xml

    page.goto(f"{live_server}/t/riverside-care/invoices/?status=part-paid")
    row = page.locator("#invoices tr", has_text=number)
    assert "part-paid" in row.inner_text() and "44.00" in row.inner_text()
    assert _not_yet_due(page, live_server, "Pennine Housing Ltd") == owed_before + Decimal("44.00")


def test_italian_treasurer_downloads_fatturapa_and_an_italian_pdf(app, demo, live_server, page):
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/girasole/invoices/?status=overdue")
    page.locator("#invoices tbody a").first.click()
    number = page.inner_text("h1").split()[1]
    name, xml = _download(page, "FatturaPA")
    assert name == f"{number}-fatturapa.xml"
    assert b"FatturaElettronica" in xml and b"<TipoDocumento>TD01</TipoDocumento>" in xml
    name, pdf = _download(page, "PDF")
    assert name == f"{number}.pdf" and pdf.startswith(b"%PDF")

    # A draft takes no payment: the page says why instead of offering a form that will be refused.
    page.goto(f"{live_server}/t/girasole/invoices/?status=draft")
    page.locator("#invoices tbody a").first.click()
    draft_url = page.url
    page.goto(f"{draft_url}/payments/new")
    assert page.url == draft_url and "issue it first" in page.inner_text("main")
