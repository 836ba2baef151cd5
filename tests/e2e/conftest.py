"""Browser tests: the app served on a local port, driven by Playwright in Debian's headless Chromium.

Browser downloads are impossible here, so Playwright drives the system Chromium through
`executable_path`. Without Chromium the tests are skipped with a message, except in CI
(`CI` set), where a missing browser is a failure.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from consortium.extensions import db
from tests.e2e.axe import AxeReport, CheckedPage

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def demo(app):
    """The demo consortium, loaded through the same code as `flask demo-data`."""
    from consortium.demo import load_demo

    with app.app_context():
        load_demo(db.session)
        db.session.commit()


@pytest.fixture
def live_server(app):
    """The app on a free local port for the length of one test; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests, but no Chromium was found (apt-get install chromium)")
        pytest.skip("no Chromium found (install Debian's chromium package); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def axe_report(request):
    """What axe found on the pages of this test; reported as a failure when the test ends."""
    report = AxeReport()
    request.node.axe_pages = []
    request.node.axe_report = report
    return report


@pytest.fixture
def checked(request, axe_report):
    """Wrap a page (say, of a context a test made itself) so axe checks every page it loads."""
    def wrap(page, language: str = "en", variants: bool = True) -> CheckedPage:
        wrapped = CheckedPage(page, axe_report, language=language, variants=variants)
        request.node.axe_pages.append(wrapped)
        return wrapped
    return wrap


@pytest.fixture
def page(browser, checked):
    """A fresh browser context (no cookies) and page per test; axe checks every page it loads
    (`tests/e2e/axe.py`, `docs/accessibility.md`)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield checked(page)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test passes, check its last page and fail it on any axe finding of the test."""
    result = yield
    report = getattr(item, "axe_report", None)
    if report is not None:
        for wrapped in item.axe_pages:
            wrapped.check_now()
        if report.findings:
            raise AssertionError(f"axe-core: WCAG A/AA violations on {len(report.findings)} of "
                                 f"{len(report.checked)} page views\n" + "\n".join(report.findings))
    return result


def log_in(page, base_url: str, email: str, password: str = "demo-password") -> None:
    """Log in through the real login form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
