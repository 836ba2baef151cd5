"""Training in the browser: a treasurer reads the compliance matrix, enrols workers on a pooled session and
records a course done elsewhere with its certificate; consortium staff record the results of last week's
session and recharge its cost; the public check resolves the new certificate's code."""

import re

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.both_databases  # staff record results that become records in each attendee's co-op and recharge each co-op
def test_treasurer_keeps_training_current_and_staff_close_a_pooled_session(app, demo, live_server, page, tmp_path):
    log_in(page, live_server, "treasurer.uk@example.coop")
    page.goto(f"{live_server}/t/riverside-care/")
    home = page.inner_text("#training-summary")
    assert re.search(r"\d+\.\d% compliant", home) and "expire within 90 days" in home

    page.click("#training-summary a")
    assert "Training compliance" in page.inner_text("h1")
    assert page.locator("#matrix tbody tr").count() >= 5
    assert "Moving and positioning people" in page.inner_text("#matrix thead")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename.startswith("training-matrix-riverside-care-")

    # enrol two workers on the coming moving-and-handling session
    page.click("text=Pooled sessions")
    card = page.locator(".card", has_text="Moving and positioning people")
    before = card.inner_text()
    card.locator("summary").click()
    boxes = card.locator("input[name=member_ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    card.locator("button:has-text('Enrol')").click()
    assert "2 workers enrolled" in page.inner_text("main")
    assert "10 seats left" in before and "8 seats left" in page.locator(
        ".card", has_text="Moving and positioning people").inner_text()

    # record first aid done elsewhere, with the scanned certificate
    page.goto(f"{live_server}/t/riverside-care/training/records")
    form = page.locator("#external-form")
    form.locator("select[name=member_id]").select_option(index=1)
    first_aid = form.locator("select[name=course_id] option", has_text="First aid at work").get_attribute("value")
    form.locator("select[name=course_id]").select_option(first_aid)
    form.locator("input[name=completed_on]").fill("2026-11-20")
    form.locator("input[name=provider]").fill("St John Ambulance")
    certificate = tmp_path / "first-aid.pdf"
    certificate.write_bytes(PDF)
    form.locator("input[name=certificate]").set_input_files(str(certificate))
    form.locator("button").click()
    page.wait_for_url(re.compile(r".*/training/records/\d+$"))
    record = page.inner_text("#record")
    assert "First aid at work (certificated)" in record and "20 Nov 2029" in record  # 36 months later
    code = page.inner_text("#record code")
    with page.expect_download() as pdf:
        page.click("#certificate-pdf")
    assert pdf.value.suggested_filename == f"certificate-{code}.pdf"

    # consortium staff: last week's basic life support session
    page.context.clear_cookies()
    log_in(page, live_server, "staff@example.coop")
    page.goto(f"{live_server}/consortium/training/sessions")
    page.locator("#sessions tr", has_text="Basic life support").locator("a").click()
    page.wait_for_url(re.compile(r".*/training/sessions/\d+$"))  # count() does not wait for the next page
    selects = page.locator("#attendance-form select")
    assert selects.count() == 5
    for index in range(selects.count()):
        selects.nth(index).select_option("passed" if index != 1 else "failed")
    page.click("#attendance-form button")
    assert "Attendance recorded: 4 passed" in page.inner_text("main")
    split = page.inner_text("#split")
    assert "Riverside Care Co-operative" in split and "Green Futures Community Benefit Society" in split
    page.click("#recharge-form button")
    assert "2 recharge invoices issued" in page.inner_text("main")
    assert re.search(r"INV-\d{4}-\d{4}", page.inner_text("#split"))
    overview = page.goto(f"{live_server}/consortium/training/")
    assert overview.ok and "Riverside Care Co-operative" in page.inner_text("#coops")

    # anyone can check the certificate's code, and sees only name, course, date and validity
    page.context.clear_cookies()
    page.goto(f"{live_server}/training/verify")
    page.fill("input[name=code]", code)
    page.click("button:has-text('Check')")
    verified = page.inner_text("#verified")
    assert "First aid at work (certificated)" in verified and "St John" not in verified
