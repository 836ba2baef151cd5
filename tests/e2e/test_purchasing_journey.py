"""A treasurer orders in the demo's open purchasing round through the real form (a negative number of
boxes is refused beside the field), then consortium staff close the round, record the deliveries (a delivery
above the allocation is refused) and issue the recharge invoices, all through the pages. A treasurer records
what arrived of a round awaiting delivery (more damaged than received is refused), and staff cancel a round
(a reason is required). Screenshots at desktop and phone width go to E2E_SCREENSHOTS when it is set."""

import os

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

WINTER = "Consumabili assistenziali - inverno"
DECEMBER = "Mascherine e gel - dicembre"
MASKS = "Mascherine FFP2"
GLOVES = "Guanti in nitrile"


@pytest.mark.both_databases  # staff read the co-ops' orders and recharge each co-op
def test_treasurer_orders_and_staff_close_deliver_and_recharge(app, demo, live_server, page, browser):
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/girasole/purchasing/")
    page.click(f"text={WINTER}")
    gloves = page.locator("tbody tr", has_text=GLOVES)
    assert gloves.locator("input").input_value() == "150"
    gloves.locator("input").fill("-3")
    page.click("text=Save order")
    page.wait_for_load_state("networkidle")
    assert "must not be negative" in page.inner_text("main")
    gloves = page.locator("tbody tr", has_text=GLOVES)
    gloves.locator("input").fill("300")
    page.click("text=Save order")
    page.wait_for_load_state("networkidle")
    assert "Order saved" in page.inner_text("main")
    gloves = page.locator("tbody tr", has_text=GLOVES)
    # 300 of ours and Fragola Lavoro's 90: 390 boxes reach the 100+ tier (9.20); alone 10.00 a box.
    assert "390" in gloves.inner_text() and "€9.20" in gloves.inner_text()
    assert "€2,760.00" in gloves.inner_text() and "€3,000.00" in gloves.inner_text()
    assert "90" not in gloves.locator("td").nth(4).inner_text()  # another co-op's quantity is never shown

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    log_in(staff, live_server, "staff@example.coop")
    staff.click("header nav >> text=Purchasing")
    staff.click(f"text={WINTER}")
    staff.click("text=Close now")
    staff.wait_for_load_state("networkidle")
    assert "Round closed" in staff.inner_text("main")
    assert "Closed, awaiting delivery" in staff.inner_text("main")
    staff.click("text=Record deliveries")
    row = staff.locator("tbody tr", has_text="Il Girasole").filter(has_text=GLOVES)
    row.locator("input[name^=received]").fill("301")
    staff.click("text=Save deliveries")
    staff.wait_for_load_state("networkidle")
    assert "more than the allocation" in staff.inner_text("main")
    row = staff.locator("tbody tr", has_text="Il Girasole").filter(has_text=GLOVES)
    row.locator("input[name^=received]").fill("296")  # four boxes short
    staff.click("text=Save deliveries")
    staff.wait_for_load_state("networkidle")
    assert "Deliveries recorded" in staff.inner_text("main") and "Delivered" in staff.inner_text("main")
    staff.click("text=Issue recharge invoices")
    staff.wait_for_load_state("networkidle")
    assert "recharge invoices issued" in staff.inner_text("main")
    assert "RIA-" in staff.locator("tr", has_text="Il Girasole").inner_text()
    staff.context.close()

    page.reload()
    gloves = page.locator("tbody tr", has_text=GLOVES)
    assert "296" in gloves.inner_text() and "€2,723.20" in gloves.inner_text()  # 296 x 9.20


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_treasurer_records_what_arrived_and_staff_cancel_a_round(app, demo, live_server, page, browser, checked):
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/girasole/purchasing/")
    page.click(f"text={DECEMBER}")
    page.click("text=Record what arrived")
    masks = page.locator("tbody tr", has_text=MASKS)
    assert masks.locator("input[name^=received]").input_value() == "60"
    masks.locator("input[name^=damaged]").fill("61")
    page.click("text=Record the delivery")
    page.wait_for_load_state("networkidle")
    assert "61 damaged is more than the 60 received" in page.inner_text("main")
    masks = page.locator("tbody tr", has_text=MASKS)
    masks.locator("input[name^=damaged]").fill("3")
    page.fill("textarea[name=note]", "Tre scatole bagnate")
    _screenshot(page, "purchasing-delivery-desktop")
    page.set_viewport_size({"width": 390, "height": 800})
    _screenshot(page, "purchasing-delivery-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("text=Record the delivery")
    page.wait_for_load_state("networkidle")
    assert "Delivery recorded" in page.inner_text("main")
    masks = page.locator("tbody tr", has_text=MASKS)
    # 60 of ours and Piccola Fragola's 25: 85 boxes reach the 50+ tier (10.40); 57 good boxes = 592.80.
    assert "3 damaged" in masks.inner_text() and "€592.80" in masks.inner_text()

    staff = checked(browser.new_context(viewport={"width": 1280, "height": 900}).new_page())
    staff.on("dialog", lambda dialog: dialog.accept())
    log_in(staff, live_server, "staff@example.coop")
    staff.click("header nav >> text=Purchasing")
    staff.click(f"text={DECEMBER}")
    assert "Tre scatole bagnate" in staff.inner_text("main")
    staff.click("header nav >> text=Purchasing")
    staff.click(f"text={WINTER}")
    staff.click("text=Cancel the round")
    staff.click("main button:has-text('Cancel the round')")
    staff.wait_for_load_state("networkidle")
    assert "say why" in staff.inner_text("main")
    staff.fill("textarea[name=reason]", "Il fornitore ha cambiato il listino")
    _screenshot(staff, "purchasing-cancel-desktop")
    staff.click("main button:has-text('Cancel the round')")
    staff.wait_for_load_state("networkidle")
    assert "Round cancelled" in staff.inner_text("main") and "Il fornitore ha cambiato il listino" in \
        staff.inner_text("main")
    _screenshot(staff, "purchasing-cancelled-round-desktop")
    staff.set_viewport_size({"width": 390, "height": 800})
    _screenshot(staff, "purchasing-cancelled-round-phone")
    staff.context.close()
