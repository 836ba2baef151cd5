"""The payroll clerk of an Italian Type B co-op in the browser, in Italian: takes on a worker (a wrong codice
fiscale first), the treasurer approves and pays November, the clerk opens and calculates December (tredicesima
and conguaglio), downloads the LUL entries and a cedolino; desktop and phone screenshots of the run and payslip."""

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser
PAYROLL = "/t/fragola-lavoro/payroll"
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/itpay10-shots"))
# The elements that reach past a 390-pixel phone screen (what makes the page scroll sideways).
OVERFLOWING = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392)
    .slice(0, 8).map(e => `${e.tagName}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)"""


def test_the_clerk_of_a_type_b_coop_runs_december_with_tredicesima_and_conguaglio(app, demo, live_server, browser,
                                                                                  checked):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT",
                                  extra_http_headers={"Accept-Language": "it"})
    page = checked(context.new_page(), language="it")
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "payroll.it@example.coop")
    page.goto(f"{live_server}{PAYROLL}/employees/new")
    form = {"name": "Giulia Neri", "date_of_birth": "1980-01-01", "start_date": "2026-12-01",
            "codice_fiscale": "VRDGNN80A01A944Y", "part_time_percent": "80"}
    for name, value in form.items():
        page.fill(f"#employee-form [name={name}]", value)
    page.select_option("#employee-form select[name=ccnl_level]", "C2")
    page.select_option("#employee-form select[name=comune]", "modena")
    page.click("#employee-form button[type=submit]")
    assert "codice fiscale VRDGNN80A01A944Y non è valido" in page.inner_text("main")
    page.fill("#employee-form [name=codice_fiscale]", "VRDGNN80A01A944X")
    page.click("#employee-form button[type=submit]")
    assert "Giulia Neri è stato inserito nelle paghe" in page.inner_text("main")
    assert "VRDGNN80A01A944X" in page.inner_text("#employee-record")
    page.click("text=Esci")

    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}{PAYROLL}/")
    page.click("#runs a:has-text('27/11/2026')")
    page.click("#approve")
    page.click("#pay")
    assert "pagato e bloccato" in page.inner_text("main").lower() or "bloccat" in page.inner_text("main")
    page.click("text=Esci")

    log_in(page, live_server, "payroll.it@example.coop")
    page.goto(f"{live_server}{PAYROLL}/runs/new")
    page.fill("input[name=pay_date]", "2026-12-23")
    page.click("main button[type=submit]")
    page.click("#calculate")
    review = page.inner_text("#review")
    assert "Giulia Neri" in review and "IRPEF e addizionali" in review
    assert "Risparmio dovuto all'agevolazione tipo B" in page.inner_text("#run-totals")
    page.screenshot(path=str(SHOTS / "run-desktop.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#export-lul")
    assert download.value.suggested_filename == "lul-2026-12.csv"
    lul = Path(download.value.path()).read_text(encoding="utf-8")
    assert "TRED;Tredicesima mensilità" in lul and "VRDGNN80A01A944X" in lul
    page.click("#review a:has-text('Giulia Neri')")
    text = page.inner_text("main")
    assert "Conguaglio" in text and "Quota TFR del mese" in text
    page.screenshot(path=str(SHOTS / "payslip-desktop.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#payslip-pdf")
    assert download.value.suggested_filename.startswith("payslip-2026-monthly-12-")
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
    payslip_url = page.url
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="it-IT", is_mobile=True,
                                extra_http_headers={"Accept-Language": "it"})
    small = checked(phone.new_page(), language="it")
    log_in(small, live_server, "payroll.it@example.coop")
    small.goto(payslip_url)
    small.screenshot(path=str(SHOTS / "payslip-phone.png"), full_page=True)
    assert small.evaluate("document.documentElement.scrollWidth") <= 390, small.evaluate(OVERFLOWING)
    small.goto(f"{live_server}{PAYROLL}/employees/new")
    small.screenshot(path=str(SHOTS / "employee-form-phone.png"), full_page=True)
    assert small.evaluate("document.documentElement.scrollWidth") <= 390, small.evaluate(OVERFLOWING)
    phone.close()
