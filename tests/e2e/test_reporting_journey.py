"""Consortium staff read the membership at a glance for a year and the year before, download a table and the
consolidated social report; a treasurer approves the co-op's social report through the real form, where an
empty section without its reason for omission is refused (D.M. 4 July 2019). On the demo consortium."""

import os
from pathlib import Path

import pytest

from consortium.clock import local_today
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/tendrep/shots"))


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_staff_read_the_dashboard_compare_years_and_download_a_table_and_the_social_report(app, demo, live_server,
                                                                                          page):
    last = local_today().year - 1
    log_in(page, live_server, "staff@example.coop")
    page.click("header nav >> text=Reports")
    page.wait_for_url("**/consortium/reports/")
    main = page.inner_text("main")
    assert f"The membership at a glance, {last}" in main and f"Compared with {last - 1}" in main
    members = page.locator("#t-members")
    assert members.locator("figure svg").count() == 1  # the chart, with its table below
    header = members.locator("thead").inner_text()
    assert str(last) in header and str(last - 1) in header
    assert "Worker" in members.locator("tbody").inner_text()
    # the two Type B co-ops (Fragola Lavoro, Piccola Fragola) reported their worker members through the job
    assert "2 of 2 co-ops have reported" in page.locator("#t-type_b").inner_text()
    assert "Social reports of the co-ops" in main
    _shot(page, "reporting-dashboard-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "reporting-dashboard-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # the year before, through the year form
    page.fill("#f-year", str(last - 1))
    page.click("form.inline >> text=Show")
    page.wait_for_load_state("networkidle")
    assert f"The membership at a glance, {last - 1}" in page.inner_text("main")

    # one table as CSV, every table as XLSX, the consolidated social report as PDF
    csv_link = page.locator("#t-members >> text=Download as CSV").get_attribute("href")
    csv = page.request.get(live_server + csv_link)
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    # this browser reads English: comma-separated, after the byte-order mark spreadsheets need
    assert csv.text().lstrip("\ufeff").splitlines()[0].split(",")[0] == "Category"
    xlsx = page.request.get(live_server + page.locator("text=All tables (XLSX)").get_attribute("href"))
    assert xlsx.status == 200 and xlsx.body().startswith(b"PK")
    pdf = page.request.get(live_server + page.locator("text=Consolidated social report (PDF)").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")


def test_treasurer_approves_the_social_report_once_every_empty_section_gives_its_reason(app, demo, live_server,
                                                                                        page):
    last = local_today().year - 1
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/fragola-lavoro/social-reports/")
    page.click(f"main a >> text={last}")
    page.wait_for_load_state("networkidle")
    assert f"Social report {last}" in page.inner_text("h1")
    page.on("dialog", lambda dialog: dialog.accept())  # "Approve the report? Its figures are then frozen..."
    page.fill("input[name=approved_on]", local_today().isoformat())
    page.click("button[value=approve]")
    page.wait_for_load_state("networkidle")
    # "Other information" is empty and gives no reason: refused, naming it; what was typed stays
    errors = page.inner_text("main")
    assert "“Other information” is empty: write it or give the reason it is omitted" in errors
    assert page.input_value("input[name=approved_on]") == local_today().isoformat()
    _shot(page, "social-report-refused-desktop")
    page.fill("input[name=other_omission]", "Nessun'altra informazione rilevante nell'esercizio.")
    page.click("button[value=approve]")
    page.wait_for_load_state("networkidle")
    assert "Approved: the figures are frozen as they stand today." in page.inner_text("main")
    assert "Approved by the assembly" in page.inner_text("main")
    assert page.locator("button[value=approve]").count() == 0  # frozen: nothing to edit any more
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "social-report-approved-phone")


def test_a_uk_treasurer_states_the_year_end_and_assets_and_sees_the_ar30_date_move(app, demo, live_server, page):
    last = local_today().year - 1
    log_in(page, live_server, "treasurer.uk@example.coop")
    page.goto(f"{live_server}/t/riverside-care/reports/?year={last}")
    assert f"Year ended 31 Dec {last}" in page.inner_text("main")
    page.fill("input[name=year_end]", f"{last - 1}-03-31")  # a day of the year before: refused
    page.fill("input[name=total_assets]", "820000.00")
    page.click("main form.stack >> text=Save")
    page.wait_for_load_state("networkidle")
    assert f"the financial year {last} must end in {last}" in page.inner_text("main")
    assert page.input_value("input[name=total_assets]") == "820000.00"
    page.fill("input[name=year_end]", f"{last}-03-31")
    page.click("main form.stack >> text=Save")
    page.wait_for_load_state("networkidle")
    # 31 March: the AR30 is due on 31 October (FCA); the next year's audit test now has its assets
    assert f"due by 31 Oct {last}" in page.inner_text("main")
    page.goto(f"{live_server}/t/riverside-care/reports/?year={last + 1}")
    assert "£820,000.00" in page.inner_text("main")


def test_staff_see_a_notice_s_lot_group_with_the_co_ops_matching_both_lots(app, demo, live_server, page):
    log_in(page, live_server, "staff@example.coop")
    page.click("header nav >> text=Tenders")
    page.click("text=Home care and reablement in north Manchester and Salford")
    page.wait_for_load_state("networkidle")
    groups = page.locator("table", has_text="Co-ops matching every lot")
    assert "1, 2" in groups.inner_text() and "£2,200,000.00" in groups.inner_text()
    _shot(page, "tender-lot-groups-desktop")
