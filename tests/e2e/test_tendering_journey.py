"""A treasurer answers a tender lot by lot, and a consortium officer allocates the joint bid, through the
real tendering pages on the demo consortium (the Bologna cleaning and parks notice, reserved under
D.Lgs. 36/2023 art. 61)."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

BOLOGNA = "Servizi di pulizia degli edifici comunali"


def test_treasurer_answers_per_lot_and_a_bad_cost_is_refused_on_the_page(app, demo, live_server, page):
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/girasole/tenders/")
    assert "to answer" in page.locator("tr", has_text=BOLOGNA).inner_text()
    page.click(f"text={BOLOGNA}")
    lot = page.locator("fieldset", has_text="Pulizia uffici e scuole")
    lot.locator("select").select_option("yes")
    lot.locator("input[name^=capacity_]").fill("5000")
    lot.locator("input[name^=unit_cost_]").fill("-20.50")
    lot.locator("input[name^=staff_]").fill("4")
    page.click("text=Save our answer")
    page.wait_for_load_state("networkidle")
    assert "must not be below zero" in page.inner_text("main")
    lot = page.locator("fieldset", has_text="Pulizia uffici e scuole")
    assert lot.locator("input[name^=capacity_]").input_value() == "5000"  # what was typed is kept
    lot.locator("input[name^=unit_cost_]").fill("20.50")
    lot.locator("input[name^=disadvantaged_percent_]").fill("10")
    page.locator("fieldset", has_text="Manutenzione del verde").locator("select").select_option("no")
    page.click("text=Save our answer")
    page.wait_for_load_state("networkidle")
    assert "Your answer is saved" in page.inner_text("main")
    page.goto(f"{live_server}/t/girasole/tenders/")
    assert "answered" in page.locator("tr", has_text=BOLOGNA).inner_text()
    # the other co-ops' costs never appear on this co-op's page
    page.click(f"text={BOLOGNA}")
    assert "19.80" not in page.content() and "18.90" not in page.content()


@pytest.mark.both_databases  # the officer reads each co-op's answers to allocate the lot
def test_officer_allocates_the_lot_sees_cost_plus_margin_and_gets_the_bid_pack(app, demo, live_server, page):
    log_in(page, live_server, "staff@example.coop")
    page.click("header nav >> text=Tenders")
    page.wait_for_url("**/consortium/tenders/")
    page.click(f"text={BOLOGNA}")
    assert "Fragola Lavoro" in page.inner_text("main") and "19.80" in page.inner_text("main")
    page.click("text=Our bid")
    lot = page.locator("#lot-1")
    assert "Go" in lot.inner_text()
    rows = lot.locator("tbody tr")
    assert rows.count() == 2  # the two co-ops that offered capacity
    lot.locator("input[name^=share_]").first.fill("60")
    lot.locator("input[name^=share_]").nth(1).fill("30")  # 90%: refused
    lot.locator("button", has_text="Save allocation and price").click()
    page.wait_for_load_state("networkidle")
    assert "shares sum to 90.00%, not 100%" in page.inner_text("main")
    lot = page.locator("#lot-1")
    assert lot.locator("input[name^=share_]").first.input_value() == "60"  # what was typed is kept
    lot.locator("input[name^=share_]").first.fill("68")
    lot.locator("input[name^=share_]").nth(1).fill("32")
    lot.locator("button", has_text="Save allocation and price").click()
    page.wait_for_load_state("networkidle")
    assert "Allocation saved." in page.inner_text("main")
    # 68% of 28,000 h = 19,040 h at €19.80 = €376,992.00; 32% = 8,960 h at €18.90 = €169,344.00;
    # members' cost €546,336.00, plus the 6% margin = €579,116.16 (our arithmetic; no public example)
    text = page.locator("#lot-1").inner_text()
    assert "546,336.00" in text and "579,116.16" in text
    assert "Piccola Fragola Cooperativa Sociale: DURC in corso di validità is missing" in page.inner_text("main")
    response = page.request.get(live_server + page.locator("text=Bid pack (PDF)").get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
