"""The axe-core check itself: a planted violation is found, a clean page passes, and a checked page reports
what a journey loads (in the other language and width too)."""

import pytest

from tests.e2e.axe import WCAG_TAGS, AxeReport, CheckedPage, VariantClaims, axe_violations, page_kind

pytestmark = pytest.mark.browser

PLANTED = """<!doctype html><html lang="en"><head><title>Planted</title></head><body><main>
<h1>Planted</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<form><input type="text" name="amount"><button></button></form>
<p style="color:#bbb;background:#fff">faint text</p>
<p><button style="width:12px;height:12px;padding:0;border:0" aria-label="one"></button>\
<button style="width:12px;height:12px;padding:0;border:0" aria-label="two"></button></p>
</main></body></html>"""

CLEAN = """<!doctype html><html lang="en"><head><title>Clean</title></head><body><main>
<h1>Clean</h1><form><label for="a">Amount</label><input id="a" type="text" name="amount">
<button>Save</button></form></main></body></html>"""


@pytest.fixture
def raw_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_a_planted_violation_is_found(raw_page):
    raw_page.set_content(PLANTED)
    found = {v["id"] for v in axe_violations(raw_page)}
    # target-size (WCAG 2.2, 2.5.8) is off by default in axe: asking for the wcag22aa tag turns it on
    assert {"image-alt", "label", "button-name", "color-contrast", "target-size"} <= found


def test_a_clean_page_has_no_violations_and_only_wcag_a_aa_tags_are_asked_for(raw_page):
    raw_page.set_content(CLEAN)
    assert axe_violations(raw_page) == []
    assert WCAG_TAGS == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    # a best practice outside the WCAG tags (no <main> landmark) is not reported
    raw_page.set_content(CLEAN.replace("<main>", "<div>").replace("</main>", "</div>"))
    assert axe_violations(raw_page) == []


def test_a_checked_page_reports_a_planted_page_in_both_languages_and_widths(raw_page, live_server, app):
    languages = []

    def planted(route):
        languages.append(route.request.headers.get("accept-language", ""))
        route.fulfill(status=200, content_type="text/html", body=PLANTED)

    raw_page.context.route("**/planted", planted)
    report = AxeReport(claims=VariantClaims())
    page = CheckedPage(raw_page, report)
    page.goto(f"{live_server}/planted")
    page.title()  # the next use of the page checks the document that loaded
    assert len(report.checked) == 4, report.checked  # en/it at 1280/390
    assert len(report.findings) == 4 and all("image-alt" in finding for finding in report.findings)
    assert any(language.startswith("it") for language in languages)
    page.title()
    assert len(report.checked) == 4  # a document is checked once


def test_each_view_of_a_kind_of_page_is_claimed_once_per_run_across_workers(tmp_path):
    # two xdist workers of one run share the folder: the first to claim a view checks it, the other skips it
    first, second = VariantClaims(tmp_path), VariantClaims(tmp_path)
    view = (page_kind("http://127.0.0.1:5001/t/riverside/invoices/583?page=2#lines"), "it", 390)
    assert view == ("t/riverside/invoices/N", "it", 390)
    assert first.claim(view) is True
    assert second.claim(view) is False and first.claim(view) is False
    assert second.claim(("t/riverside/invoices/N", "en", 390)) is True  # another view of the same kind
    alone = VariantClaims()  # no xdist: the process's own memory
    assert alone.claim(view) is True and alone.claim(view) is False
