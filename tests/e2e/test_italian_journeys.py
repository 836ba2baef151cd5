"""Issue 15's "a browser journey per role runs in Italian": the mentor's check-in and the treasurer's invoice, with
the browser asking for Italian (the payroll clerk's is tests/e2e/test_italian_payroll_journey.py, the staff's
bank-statement import tests/e2e/test_statement_import_on_a_phone.py). Each step's answer is read in Italian, and
axe checks every page on the way."""

import re
from datetime import date

import pytest

from consortium.clock import local_today
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def italian(browser, checked):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT",
                                  extra_http_headers={"Accept-Language": "it"})
    yield checked(context.new_page(), language="it")
    context.close()


def test_the_mentor_checks_in_in_italian(app, demo, live_server, italian):
    page = italian
    log_in(page, live_server, "mentor@example.coop")
    page.goto(f"{live_server}/incubation/")
    assert page.get_attribute("html", "lang") == "it"
    page.get_by_role("link", name="Orto Solidale").first.click()
    page.get_by_role("button", name="Segna come fatto").first.click()
    assert "Lista di controllo aggiornata." in page.inner_text("main")

    page.fill("input[name=title]", "Statuto firmato dal notaio")
    page.fill("input[name=due_on]", date(local_today().year + 1, 3, 1).isoformat())
    page.fill("input[name=owner]", "Chiara Greco")
    page.get_by_role("button", name="Aggiungi tappa").click()
    assert "Tappa aggiunta." in page.inner_text("main")
    assert "Statuto firmato dal notaio" in page.inner_text("main")

    page.fill("input[name=attendees]", "Marco Mentore, Chiara Greco")
    page.fill("textarea[name=decisions]", "Si apre il conto corrente della cooperativa")
    page.get_by_role("button", name="Salva il verbale").click()
    assert "Verbale dell’incontro salvato." in page.inner_text("main")
    assert local_today().strftime("%d/%m/%Y") in page.inner_text("main")  # the meeting's date, as Italians write it


def test_the_treasurer_drafts_an_invoice_in_italian_with_decimal_commas(app, demo, live_server, italian):
    page = italian
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/girasole/invoices/new")
    page.select_option("select[name=customer_id]", index=1)
    page.fill("input[name=lines-0-description]", "Servizio di assistenza domiciliare, novembre")
    page.fill("input[name=lines-0-quantity]", "2")
    page.fill("input[name=lines-0-unit_price]", "40,50")  # a decimal comma, as the Italian page accepts
    page.select_option("select[name=lines-0-vat_category]", "ordinaria_22")
    page.get_by_role("button", name="Salva la bozza").click()
    page.wait_for_url(re.compile(r".*/invoices/\d+$"))
    assert "Bozza salvata." in page.inner_text("main")
    assert page.inner_text("#gross-total") == "98,82\xa0€"  # 2 x 40,50 + IVA 22% (17,82)
