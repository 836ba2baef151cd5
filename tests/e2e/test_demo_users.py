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
    page.select_option("select[name=slug]", "fragola-lavoro")
    page.wait_for_url("**/t/fragola-lavoro/")
    page.click("text=Members register")
    page.wait_for_url("**/t/fragola-lavoro/members/")
    assert "disadvantaged" in page.inner_text("#compliance").lower()
    assert page.locator("#members tbody tr").count() > 10


def test_wrong_password_stays_on_login(app, demo, live_server, page):
    log_in(page, live_server, "admin@example.coop", "not-the-password")
    assert "Wrong email or password" in page.inner_text("main")
