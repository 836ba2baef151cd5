"""`consortium-client accounts upload FILE --tenant SLUG --year YYYY` against the app served over HTTP."""

import threading

import pytest
from werkzeug.serving import make_server

from consortium.client import ConsortiumClient, main
from tests.accounts.conftest import SLUG, TREASURER, saved_versions
from tests.accounts.helpers import LAST_YEAR, filled_csv, filled_xlsx
from tests.conftest import PASSWORD


@pytest.fixture
def logged_in(app, coop, tmp_path, monkeypatch):
    """The app on a local port, and the CLI configured with the treasurer's token."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("CONSORTIUM_CLIENT_CONFIG", str(tmp_path / "client.json"))
    monkeypatch.setenv("CONSORTIUM_URL", url)
    monkeypatch.setenv("CONSORTIUM_TOKEN", ConsortiumClient(url).login(TREASURER, PASSWORD))
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_upload_prints_the_preview_with_warnings_and_notes(logged_in, app, tmp_path, capsys):
    path = tmp_path / "bilancio.csv"
    path.write_bytes(filled_csv(encoding="cp1252", labels={"turnover_other": "Proventi (€)"}))

    assert main(["accounts", "upload", str(path), "--tenant", SLUG, "--year", str(LAST_YEAR)]) == 0

    out = capsys.readouterr().out
    assert f"Uploaded bilancio.csv as version 1 of {LAST_YEAR} for {SLUG} (draft): net profit 28500.50" in out
    assert "note: the file was decoded as Windows-1252" in out
    assert f"t/{SLUG}/accounts/" in out and "/submit" in out
    assert saved_versions(app) == 1


def test_refused_upload_exits_1_listing_errors_by_cell(logged_in, app, tmp_path, capsys):
    path = tmp_path / "accounts.xlsx"
    path.write_bytes(filled_xlsx(amounts={"staff_costs": "=B3-B4"}))

    assert main(["accounts", "upload", str(path), "--tenant", SLUG, "--year", str(LAST_YEAR)]) == 1

    err = capsys.readouterr().err
    assert "422 Unprocessable Entity" in err
    assert "Summary, row 7, column amount: staff_costs: formulas are not evaluated; enter the value" in err
    assert saved_versions(app) == 0


def test_missing_file_is_a_usage_error(logged_in, tmp_path, capsys):
    code = main(["accounts", "upload", str(tmp_path / "nowhere.xlsx"), "--tenant", SLUG, "--year", "2020"])

    assert code == 2
    assert "FILE:" in capsys.readouterr().err
