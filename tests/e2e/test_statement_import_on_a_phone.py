"""The fund's bank-statement import on a phone (390 px): its file input stays inside its card, with a long file
name chosen and after a refused file, and the page never scrolls sideways."""

import pytest

pytestmark = pytest.mark.browser


def test_the_statement_file_input_fits_its_card_at_phone_width(app, demo, live_server, browser, checked, tmp_path):
    long_name = tmp_path / "estratto-conto-banca-popolare-dell-emilia-romagna-novembre-2026-movimenti.csv"
    long_name.write_text("date,description,amount\n2026-13-45,Bonifico MF-2026-girasole,abc\n")
    context = browser.new_context(viewport={"width": 390, "height": 900}, extra_http_headers={"Accept-Language": "it"})
    page = checked(context.new_page(), language="it", variants=False)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "staff@example.coop")
    page.fill("input[name=password]", "demo-password")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/consortium/mutual-fund/")
    for refused in (False, True):
        page.set_input_files("#f-import-file", str(long_name))
        if refused:
            page.click("form:has(#f-import-file) button[type=submit]")
            page.wait_for_load_state("networkidle")
        field = page.locator("#f-import-file").bounding_box()
        card = page.locator("form:has(#f-import-file)").bounding_box()
        assert card["x"] <= field["x"] and field["x"] + field["width"] <= card["x"] + card["width"], (field, card)
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    context.close()
