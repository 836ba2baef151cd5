"""A mentor's weekly check-in and a consortium officer's conversion, through the real incubation pages."""

from datetime import timedelta

import pytest

from consortium.clock import local_today
from tests.e2e.conftest import log_in


def _page_date(day) -> str:
    """A date as the English pages write it (1 Dec 2026)."""
    return f"{day.day} {day.strftime('%b')} {day.year}"

pytestmark = pytest.mark.browser


def test_mentor_checks_in_ticks_plans_writes_up_and_moves_the_stage(app, demo, live_server, page):
    page.on("dialog", lambda dialog: dialog.accept())  # "Move the project to the chosen stage?"
    log_in(page, live_server, "mentor@example.coop")
    page.click("header nav >> text=My projects")
    page.wait_for_url("**/incubation/")
    rows = page.inner_text("#projects")
    assert "Orto Solidale" in rows and "Fragola Bici" in rows
    assert "Riverside Home Meals" not in rows  # not one of this mentor's projects

    page.click("#projects >> text=Orto Solidale")
    assert "Business plan" in page.inner_text("h1")
    assert "2 required items above are still open" in page.inner_text("form[action*='/stage']")
    for label in ("Business plan written", "Cash-flow forecast for 3 years"):
        page.locator("#checklist tr", has_text=label).locator("button", has_text="Mark done").click()
        page.wait_for_load_state("networkidle")
        assert "Checklist updated." in page.inner_text("main")
        assert "done" in page.locator("#checklist tr", has_text=label).inner_text()

    due = local_today() + timedelta(days=21)
    milestones = page.locator("form[action*='/milestones#']")
    milestones.locator("input[name=title]").fill("Rules drafted with the notary")
    milestones.locator("input[name=due_on]").fill(due.isoformat())
    milestones.locator("input[name=owner]").fill("Chiara Greco")
    milestones.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "Milestone added." in page.inner_text("main")
    row = page.locator("#milestone-list tr", has_text="Rules drafted with the notary").inner_text()
    assert _page_date(due) in row and "Chiara Greco" in row

    note = page.locator("form[action*='/notes#']")
    note.locator("input[name=attendees]").fill("Chiara Greco, Davide Conti, mentor")
    note.locator("textarea[name=decisions]").fill("Business plan approved by the founders.")
    note.locator("textarea[name=next_steps]").fill("Book the notary for the rules.")
    note.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "Meeting note saved." in page.inner_text("main")
    latest = page.locator("#note-list .note").first.inner_text()
    assert _page_date(local_today()) in latest and "Business plan approved by the founders." in latest

    move = page.locator("form[action*='/stage']")
    move.locator("select[name=to]").select_option("registered")
    move.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "Project moved to registered." in page.inner_text("main")
    assert "Registered" in page.inner_text("h1")
    assert "Business plan" in page.locator("#stage-history tr").last.inner_text()


def test_a_late_milestone_is_refused_on_the_page_and_the_form_keeps_what_was_typed(app, demo, live_server, page):
    log_in(page, live_server, "mentor@example.coop")
    page.goto(f"{live_server}/incubation/")
    page.click("#projects >> text=Orto Solidale")
    milestones = page.locator("form[action*='/milestones#']")
    milestones.locator("input[name=title]").fill("Backdated")
    milestones.locator("input[name=due_on]").fill("2001-01-01")
    milestones.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("#milestones")
    form = page.locator("form[action*='/milestones#']")
    assert "must not be before the project started" in form.inner_text()
    assert form.locator("input[name=title]").input_value() == "Backdated"
    assert "Backdated" not in page.inner_text("#milestone-list")


def test_staff_convert_a_registered_project_and_find_it_in_the_lineage_tree(app, demo, live_server, page):
    page.on("dialog", lambda dialog: dialog.accept())  # "Make Fragola Bici a member co-op? ... cannot be undone."
    log_in(page, live_server, "staff@example.coop")
    page.goto(f"{live_server}/incubation/projects?stage=registered")
    page.click("#projects >> text=Fragola Bici")
    assert "Required items of the registered checklist are still open" in page.inner_text("#convert ~ form")
    while page.locator("#checklist button", has_text="Mark done").count():
        page.locator("#checklist button", has_text="Mark done").first.click()
        page.wait_for_load_state("networkidle")
    convert = page.locator("form[action*='/convert']")
    assert page.locator("#conversion-blockers").count() == 0
    convert.locator("input[name=treasurer_email]").fill("elena.gallo@example.coop")
    convert.locator("input[name=treasurer_name]").fill("Elena Gallo")
    convert.locator("input[name=slug]").fill("fragola-bici")
    convert.locator("input[name=registration_number]").fill("MO-2025-0042")
    convert.locator("button").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "Fragola Bici is now a member co-op" in main and "fragola-bici" in main
    assert "First treasurer: Elena Gallo." in main and page.locator("form[action*='/stage']").count() == 0

    page.goto(f"{live_server}/incubation/lineage")
    page.fill("input[name=q]", "Fragola Bici")
    page.click("form.actions button")
    page.wait_for_load_state("networkidle")
    assert "1 match for “Fragola Bici”" in page.inner_text("main")
    node = page.locator("svg.lineage a", has_text="Fragola Bici")
    assert "Member · Registered" in node.text_content()
    generation_two = page.locator("details", has_text="Generation 2").locator("tr", has_text="Fragola Bici")
    assert "Fragola Lavoro" in generation_two.inner_text()  # its sponsor is recorded as its parent
