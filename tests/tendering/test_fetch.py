"""Fetching notices from an OCDS endpoint, against a local HTTP server serving pages shaped like Find a
Tender's `ocdsReleasePackages` (`links.next` pagination), a malformed page and a slow page. Each fetch is
recorded; a failure is retried later with backoff; fetching the same pages again creates nothing."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from consortium.extensions import db
from consortium.scheduler import run_job
from consortium.tenancy import consortium_scope
from shared_services.tendering import service
from shared_services.tendering.models import TenderImport, TenderNotice, TenderRelease, TenderSource
from tests.tendering.helpers import count
from tests.tendering.samples import fts_release, release_package


class OcdsServer:
    """Serves `pages[path]` (bytes, or a number of seconds to stall) on 127.0.0.1; counts requests."""

    def __init__(self):
        self.pages: dict[str, bytes | float] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                page = server.pages.get(self.path)
                if page is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if isinstance(page, float):
                    time.sleep(page)
                    page = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def page(self, path: str, releases: list, next_path: str | None = None) -> None:
        package = release_package(releases, next_url=self.base + next_path if next_path else None)
        self.pages[path] = json.dumps(package).encode()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def ocds_server():
    server = OcdsServer()
    yield server
    server.close()


def _source(app, url: str) -> int:
    with app.app_context(), consortium_scope(db.session):
        source = service.create_source(db.session, {"name": "Find a Tender (local copy)", "url": url,
                                                    "interval_minutes": 60, "max_pages": 10})
        db.session.commit()
        return source.id


def _fetch(app, source_id: int):
    with app.app_context(), consortium_scope(db.session):
        source = db.session.get(TenderSource, source_id)
        row = service.fetch_source(db.session, source, now=service.now_utc())
        db.session.commit()
        return {"ok": row.ok, "pages": row.pages, "new": row.releases_new, "known": row.releases_known,
                "error": row.error, "failures": source.failures, "next": source.next_fetch_at}


def test_pages_are_followed_recorded_and_a_second_fetch_creates_nothing(app, ocds_server):
    ocds_server.page("/api/1.0/ocdsReleasePackages", [fts_release(1), fts_release(2)], "/page2?cursor=QUJD")
    ocds_server.page("/page2?cursor=QUJD", [fts_release(3)])
    source_id = _source(app, ocds_server.base + "/api/1.0/ocdsReleasePackages")
    first = _fetch(app, source_id)
    assert (first["ok"], first["pages"], first["new"], first["failures"]) == (True, 2, 3, 0)
    second = _fetch(app, source_id)
    assert (second["new"], second["known"]) == (0, 3)
    assert count(app, TenderNotice) == 3 and count(app, TenderRelease) == 3 and count(app, TenderImport) == 2


def test_a_malformed_page_is_recorded_earlier_pages_are_kept_and_the_source_backs_off(app, ocds_server):
    ocds_server.page("/p1", [fts_release(1)], "/p2")
    ocds_server.pages["/p2"] = b'{"releases": [{"ocid": "broken"'
    source_id = _source(app, ocds_server.base + "/p1")
    result = _fetch(app, source_id)
    assert result["ok"] is False and result["pages"] == 1 and result["new"] == 1
    assert "page 2" in result["error"] and "not JSON" in result["error"]
    assert result["failures"] == 1
    assert count(app, TenderNotice) == 1
    with app.app_context():
        fetch = db.session.query(TenderImport).one()
        assert fetch.error == result["error"] and fetch.finished_at is not None
    # the next try, once the page is mended, finds the first page known and imports the second
    ocds_server.page("/p2", [fts_release(2)])
    again = _fetch(app, source_id)
    assert (again["ok"], again["new"], again["known"], again["failures"]) == (True, 1, 1, 0)


def test_a_page_failing_validation_names_its_json_path(app, ocds_server):
    bad = fts_release(1)
    bad["tender"]["status"] = "open"
    ocds_server.page("/bad", [bad])
    result = _fetch(app, _source(app, ocds_server.base + "/bad"))
    assert result["ok"] is False and "$.releases[0].tender.status" in result["error"]
    assert count(app, TenderNotice) == 0


def test_a_slow_server_times_out_and_the_backoff_doubles(app, ocds_server, monkeypatch):
    monkeypatch.setattr(service, "FETCH_TIMEOUT", (1, 0.3))
    ocds_server.pages["/slow"] = 1.0
    source_id = _source(app, ocds_server.base + "/slow")
    first = _fetch(app, source_id)
    assert first["ok"] is False and "Timeout" in first["error"]
    second = _fetch(app, source_id)
    assert second["failures"] == 2
    assert service.backoff(1) == timedelta(minutes=5) and service.backoff(2) == timedelta(minutes=10)
    assert service.backoff(20) == timedelta(hours=6)


def test_the_job_fetches_due_sources_and_a_second_run_changes_nothing(app, ocds_server):
    ocds_server.page("/feed", [fts_release(5)])
    _source(app, ocds_server.base + "/feed")
    assert not run_job(app, "tendering.fetch_notices").failed
    assert count(app, TenderNotice) == 1 and len(ocds_server.requests) == 1
    assert not run_job(app, "tendering.fetch_notices").failed
    assert len(ocds_server.requests) == 1 and count(app, TenderImport) == 1  # not due again yet
