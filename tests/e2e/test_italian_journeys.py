"""Issue 15's "a browser journey per role runs in Italian": the mentor's check-in, the treasurer's invoice and the
consortium staff's review of a co-op's accounts, with the browser asking for Italian (the payroll clerk's is
tests/e2e/test_italian_payroll_journey.py, the staff's bank-statement import
tests/e2e/test_statement_import_on_a_phone.py). Each step's answer is read in Italian, and axe checks every page on
the way."""

import re
import shutil
import subprocess
from datetime import date

import pytest

from consortium.clock import local_today
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def italian(browser, checked):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT",
                                  extra_http_headers={"Accept-Language": "it"})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield checked(page, language="it")
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


@pytest.mark.both_databases  # staff read what the co-ops report to the consortium, through its scope
def test_staff_review_accounts_and_follow_a_coop_in_italian(app, demo, live_server, italian):
    page = italian
    year = local_today().year - 1  # the demo's Riverside Care sent last year's accounts and waits for the review
    reference = f"MF-{year}-riverside-care"
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    log_in(page, live_server, "staff@example.coop")

    # the home says what waits, and its link opens the submissions waiting for review
    tasks = page.locator("#tasks")
    assert "Cosa fare adesso" in page.inner_text("main")
    tasks.get_by_role("link", name="Bilanci inviati da esaminare").click()
    page.wait_for_url(re.compile(r".*/consortium/accounts/\?status=submitted"))
    row = page.locator("#submissions tbody tr", has_text="Riverside Care Co-operative")
    assert "in attesa di revisione" in row.inner_text() and "31.318,31\xa0£" in row.inner_text()
    row.get_by_role("link", name="Apri").click()
    page.wait_for_url(re.compile(r".*/consortium/accounts/\d+$"))
    assert "31.318,31" in page.inner_text("#figures")  # the figures in Italian, the currency in the heading

    # accepting asks first, in Italian, and then says the contribution in the reader's money and date
    page.get_by_role("button", name="Accetta", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert questions == ["Accettare questo bilancio? Il contributo della cooperativa si calcola da esso."]
    accepted = page.inner_text("main")
    assert re.search(rf"Accettato\. Contributo {reference}: 939,55\xa0£, da versare entro il \d\d/\d\d/\d{{4}}\.",
                     accepted), accepted  # 3% of the net profit of 31.318,31 £

    # the co-op's own page: words for its country and currency, the new contribution, its statement
    page.get_by_role("link", name="La scheda della cooperativa").click()
    page.wait_for_url(re.compile(r".*/consortium/tenants/riverside-care$"))
    registration = page.inner_text("#registration")
    assert "Regno Unito" in registration and "sterlina britannica (GBP)" in registration
    assert "UK ·" not in registration
    contributions = page.locator("#coop-contributions + .actions + table, #coop-contributions ~ table").first
    assert reference in contributions.inner_text() and "939,55\xa0£" in contributions.inner_text()
    statement = page.request.get(live_server + page.get_attribute("a:has-text('Estratto dei contributi (PDF)')",
                                                                   "href"))
    assert statement.ok and statement.headers["content-type"] == "application/pdf"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=statement.body(), capture_output=True,
                              check=True).stdout.decode()
        assert reference in text and "939,55" in text and "Estratto" in text

    # the consortium's contributions: searched, and each row's co-op links to its page
    page.goto(f"{live_server}/consortium/mutual-fund/contributions")
    page.fill("form.list-toolbar input[name=q]", "Riverside")
    page.get_by_role("button", name="Mostra").first.click()
    page.wait_for_url(re.compile(r".*q=Riverside.*"))
    rows = page.locator("#contributions tbody tr")
    # due 60 days after the assembly approved the accounts (in April), so already late when accepted in December
    assert rows.count() == 1 and "scaduto" in rows.first.inner_text()
    rows.first.get_by_role("link", name="Riverside Care Co-operative").click()
    page.wait_for_url(re.compile(r".*/consortium/tenants/riverside-care$"))

    # a payment: a reference that names no contribution is refused at its field, in Italian, and nothing is
    # recorded; a decimal comma typed into the amount is read as Italians write it
    page.goto(f"{live_server}/consortium/mutual-fund/")
    page.fill("#f-payment-reference", f"MF-{year}-nessuna")
    page.fill("#f-payment-amount", "100")
    page.get_by_role("button", name="Registra il versamento").click()
    page.wait_for_load_state("networkidle")
    summary = page.inner_text("#error-summary")
    assert f"Riferimento del contributo (es. MF-2025-girasole): MF-{year}-NESSUNA non corrisponde a nessun contributo" \
        in summary, summary
    page.fill("#f-payment-reference", reference)
    page.fill("#f-payment-amount", "")
    page.locator("#f-payment-amount").press_sequentially("100,50")  # typed, as a person does
    page.get_by_role("button", name="Registra il versamento").click()
    page.wait_for_url(re.compile(r".*/consortium/mutual-fund/$"))
    assert "Versamento di 100,50\xa0£ registrato." in page.inner_text("main")
    assert re.search(r"Saldo del fondo\s+[\d.]+,\d\d\xa0€", page.inner_text("main"))  # money, not "5.976,69 EUR"


def test_the_admin_invites_a_treasurer_in_italian(app, demo, live_server, italian):
    page = italian
    log_in(page, live_server, "admin@example.coop")
    page.goto(f"{live_server}/consortium/users/new")
    page.fill("#f-email", "lucia.neri@girasole.example")
    page.fill("#f-name", "Lucia Neri")
    page.select_option("select[aria-label='Ruolo 1']", "treasurer")  # a co-op's role, but no co-op chosen
    page.get_by_role("button", name="Crea l’utente").click()
    page.wait_for_load_state("networkidle")
    # refused in Italian, in the form's words (not the API's `roles[0]` and 'tenant'), keeping what was entered
    summary = page.inner_text("#error-summary")
    assert "Ruolo 1: il ruolo di tesoriere si esercita in una cooperativa: scegli quale" in summary, summary
    assert "roles[0]" not in summary.lower() and "tenant" not in summary
    assert page.input_value("select[aria-label='Ruolo 1']") == "treasurer"
    assert page.input_value("#f-name") == "Lucia Neri"

    page.select_option("select[aria-label='Cooperativa del ruolo 1']", "girasole")
    page.get_by_role("button", name="Crea l’utente").click()
    page.wait_for_load_state("networkidle")
    assert ("lucia.neri@girasole.example è stato creato: gli è stata inviata un’email di invito con il link qui "
            "sotto.") in page.inner_text("main")
    assert re.search(r"/invitation/[\w-]{20,}", page.inner_text("main"))  # the one-time link, to pass on too

    # the invitation email waits in the consortium's outbox, said in Italian; its subject is in the consortium's
    # language (English in the tests' settings), as the invited user has chosen none yet
    page.goto(f"{live_server}/consortium/outbox?q=lucia.neri")
    row = page.locator("table tbody tr", has_text="lucia.neri@girasole.example")
    assert row.count() == 1
    assert "in attesa" in row.inner_text() and "Your invitation to Consorzio Fragola" in row.inner_text()
