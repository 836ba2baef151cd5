"""Browser tests: the app served on a local port, driven by Playwright in Debian's headless Chromium.

Browser downloads are impossible here, so Playwright drives the system Chromium through
`executable_path`. Without Chromium the tests are skipped with a message, except in CI
(`CI` set), where a missing browser is a failure.

The browser tests run in the SQLite pass. In the PostgreSQL pass only the journeys marked `both_databases`
run (`RUN_ALL_JOURNEYS=1` runs them all): those whose pages read what co-ops report through the consortium's
grants or write in several co-ops' scopes in one flow, where row-level security is in the page's path. What a
single co-op's pages do under row-level security is proven by the isolation and API tests of both passes and
by the Italian walk (every demo user's pages, rendered on both databases), and the pages' HTML, which axe
checks, does not depend on the database.
"""

import os
import shutil
import sqlite3
import threading
from contextlib import closing

import pytest
from sqlalchemy import inspect, make_url
from werkzeug.serving import make_server

from consortium.clock import local_today
from consortium.extensions import db
from tests.conftest import TEST_DATABASE, unrestricted
from tests.e2e.axe import AxeReport, CheckedPage, VariantClaims

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    """In the PostgreSQL pass, leave out the browser journeys not marked `both_databases` (see above)."""
    if TEST_DATABASE != "postgresql" or os.environ.get("RUN_ALL_JOURNEYS"):
        return
    here = os.path.dirname(__file__)
    left = [item for item in items if str(item.path).startswith(here + os.sep) and not item.get_closest_marker(
        "both_databases")]
    if left:
        config.hook.pytest_deselected(items=left)
        gone = {id(item) for item in left}
        items[:] = [item for item in items if id(item) not in gone]


# The demo's rows per database and day, taken after its first load of the session (per xdist worker).
_DEMO_SNAPSHOTS: dict = {}


@pytest.fixture
def demo(app):
    """The demo consortium, loaded through the same code as `flask demo-data` by the session's first test that
    asks for it; later tests get the same rows back from a snapshot (0.2 s instead of about 7 s, most of it
    hashing the demo users' passwords), since the wipe after each test leaves the tables empty."""
    from consortium.demo import load_demo

    key = (app.config["SQLALCHEMY_DATABASE_URI"], local_today())
    if key in _DEMO_SNAPSHOTS:
        _restore(app, _DEMO_SNAPSHOTS[key])
        return
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
    _DEMO_SNAPSHOTS[key] = _snapshot(app)


def _tables(connection) -> list[str]:
    return sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})


def _snapshot(app):
    """Every table's rows as they are now: SQLite's backup of the whole file, PostgreSQL's binary COPY of each
    table (read as the server's superuser: row-level security hides rows from the app's own roles)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if app.config.get("TEST_PG") is None:
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        with closing(sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)) as source:
            source.backup(copy)
        return copy
    rows = {}
    with unrestricted(app) as connection, connection.connection.driver_connection.cursor() as cursor:
        for table in _tables(connection):
            with cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                rows[table] = b"".join(bytes(chunk) for chunk in copy)
    return rows


def _restore(app, snapshot) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if app.config.get("TEST_PG") is None:
        with closing(sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)) as target:
            snapshot.backup(target)
        return
    with unrestricted(app) as connection:
        # replica: foreign keys and triggers are not checked row by row (the rows were consistent when taken)
        connection.exec_driver_sql("SET session_replication_role = replica")
        with connection.connection.driver_connection.cursor() as cursor:
            for table, data in snapshot.items():
                with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                    copy.write(data)
        # the ids the app takes next follow the restored rows (the wipe restarted every sequence)
        columns = connection.exec_driver_sql(
            "SELECT c.relname, a.attname FROM pg_catalog.pg_attribute a "
            "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped").all()
        for table, column in columns:
            sequence = connection.exec_driver_sql(
                "SELECT pg_get_serial_sequence(%s, %s)", (f'"{table}"', column)).scalar()
            if sequence is None:
                continue
            connection.exec_driver_sql(
                f"SELECT setval('{sequence}', COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)")
        connection.exec_driver_sql("SET session_replication_role = DEFAULT")
        connection.commit()


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


@pytest.fixture(scope="session")
def variant_claims(tmp_path_factory):
    """Which other-language and other-width views were checked this run, across xdist workers too (their
    base temporary folders share a parent for the run)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return VariantClaims()
    folder = tmp_path_factory.getbasetemp().parent / "axe-variants"
    folder.mkdir(exist_ok=True)
    return VariantClaims(folder)


@pytest.fixture
def axe_report(request, variant_claims):
    """What axe found on the pages of this test; reported as a failure when the test ends."""
    report = AxeReport(claims=variant_claims)
    request.node.axe_pages = []
    request.node.axe_report = report
    return report


@pytest.fixture
def checked(request, axe_report):
    """Wrap a page (say, of a context a test made itself) so axe checks every page it loads."""
    def wrap(page, language: str = "en", variants: bool = True) -> CheckedPage:
        # the other language and width are checked in the SQLite pass: the same pages' HTML, once is enough
        wrapped = CheckedPage(page, axe_report, language=language, variants=variants and TEST_DATABASE == "sqlite")
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
