"""Each demo user logs in through the real login form and lands on their own home page."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("email", "expected"), [
    ("admin@example.coop", ["Welcome, Anna Admin", "Active member co-ops", "Users"]),
    ("staff@example.coop", ["Welcome, Stefano Staff", "Active member co-ops", "Member co-ops"]),
    ("treasurer@example.coop", ["Welcome, Teresa Tesoriera", "Il Girasole Cooperativa Sociale",
                                "Fragola Lavoro Società Cooperativa Sociale"]),
    ("mentor@example.coop", ["Welcome, Marco Mentore", "Mentoring"]),
])
def test_demo_user_home_page(app, demo, live_server, page, email, expected):
    log_in(page, live_server, email)
    body = page.inner_text("main")
    for text in expected:
        assert text in body, f"{email}: '{text}' not on the home page"
    assert page.url.rstrip("/") == live_server


def test_treasurer_switches_coop_and_opens_the_register(app, demo, live_server, page):
    log_in(page, live_server, "treasurer@example.coop")
    home = page.url
    page.select_option("select[name=slug]", "fragola-lavoro")
    page.wait_for_timeout(300)
    assert page.url == home  # choosing in the switcher does not leave the page (WCAG 3.2.2)
    page.click("form.switcher button")  # the co-op changes on the explicit button
    page.wait_for_url("**/t/fragola-lavoro/")
    page.click("text=Members register")
    page.wait_for_url("**/t/fragola-lavoro/members/")
    assert "disadvantaged" in page.inner_text("#compliance").lower()
    assert page.locator("#members tbody tr").count() > 10


def test_wrong_password_stays_on_login(app, demo, live_server, page):
    log_in(page, live_server, "admin@example.coop", "not-the-password")
    assert "Wrong email or password" in page.inner_text("main")


def test_treasurer_sees_compliance_on_the_coop_home_and_follows_it_to_the_register(app, demo, live_server, page):
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/fragola-lavoro/")
    summary = page.inner_text("#compliance-summary")
    assert "pass" in summary and "fail" in summary and "not applicable" in summary
    page.click("#compliance-summary a")
    page.wait_for_url("**/t/fragola-lavoro/members/#compliance-check")
    assert page.locator("#compliance tbody tr").count() >= 1


def _same_site_pages(page, base_url: str) -> list[str]:
    """The pages (not downloads) the current page links to, on this site."""
    hrefs = page.eval_on_selector_all("main a[href], header a[href]", "els => els.map(e => e.href)")
    return sorted({h.split("#")[0] for h in hrefs if h.startswith(base_url)
                   and not any(h.split("?")[0].endswith(end) for end in (".pdf", ".csv", ".xlsx", "/file"))})


@pytest.mark.parametrize("email", ["admin@example.coop", "treasurer@example.coop"])
def test_on_a_phone_no_page_from_the_home_scrolls_sideways_and_the_top_bar_stays_one_line(
        app, demo, live_server, browser, checked, email):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = checked(context.new_page())
    try:
        log_in(page, live_server, email)
        to_visit = _same_site_pages(page, live_server)
        for url in list(to_visit):
            if "/t/" in url and url.endswith("/"):  # a co-op's home: its pages too
                page.goto(url)
                to_visit += _same_site_pages(page, live_server)
        wide = []
        for url in sorted(set(to_visit)):
            page.goto(url)
            if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                wide.append(url)
            nav = page.locator("header.top nav")
            if nav.count():
                links = nav.locator("a")
                tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
                assert len(tops) == 1, f"{url}: the top bar's links wrap onto {len(tops)} lines"
        assert len(set(to_visit)) > 8
        assert not wide, "pages wider than a phone:\n" + "\n".join(wide)
    finally:
        context.close()
