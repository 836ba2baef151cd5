"""Throwaway (not committed): screenshots of the pages issue 15 changed, at 1280 and 390 px, in both languages."""

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/msgs15/shots")
OVERFLOWING = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392)
    .slice(0, 8).map(e => `${e.tagName}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)"""


def _shoot(browser, checked, live_server, email, paths, name, language, post=None):
    overflow = {}
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      extra_http_headers={"Accept-Language": language})
        page = checked(context.new_page(), language=language, variants=False)
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live_server, email)
        for index, path in enumerate(paths):
            page.goto(f"{live_server}{path}")
            if post and index == len(paths) - 1:
                post(page)
            page.screenshot(path=str(SHOTS / f"{name}-{index}-{language}-{width}.png"), full_page=True)
            if width == 390:
                overflow[path] = page.evaluate(OVERFLOWING)
        context.close()
    return overflow


@pytest.mark.parametrize("language", ["it", "en"])
def test_shots(app, demo, live_server, browser, checked, language):
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "treasurer@example.coop")
    page.goto(f"{live_server}/t/girasole/accounts/")
    found["version"] = re.search(r'/t/girasole/accounts/\d+', page.content()).group(0)
    log_in(page, live_server, "staff@example.coop")
    page.goto(f"{live_server}/consortium/accounts/")
    found["submission"] = re.search(r'/consortium/accounts/\d+', page.content()).group(0)
    context.close()

    def bad_delivery(page):
        inputs = page.locator("input[name^=damaged_]")
        inputs.first.fill("99999")
        page.click("main form button[type=submit]")

    overflow = {}
    overflow |= _shoot(browser, checked, live_server, "treasurer@example.coop",
                       ["/t/girasole/contributions/", found["version"], "/t/girasole/members/",
                        "/t/girasole/purchasing/2/delivery"], "treasurer", language, post=bad_delivery)
    overflow |= _shoot(browser, checked, live_server, "staff@example.coop", [found["submission"]], "staff", language)
    print(language, found, overflow)
