"""Issue 15: an Italian treasurer reads the upload's problems in Italian, on the page and through the API; the
API's keys (sheet, row, column) stay as they are, so clients keyed on them keep working."""

import io
import re

import pytest

from tests.accounts.conftest import SLUG, TREASURER, post_accounts, saved_versions
from tests.accounts.helpers import FIGURES, LAST_YEAR, filled_csv, filled_xlsx
from tests.conftest import TEST_DATABASE, login

ITALIAN = {"Accept-Language": "it"}
PAGE = f"/t/{SLUG}/accounts/"


def test_an_italian_api_client_reads_the_row_and_field_errors_in_italian(app, client, treasurer):
    data = filled_csv().replace(b"80000.00", b"80k")

    response = post_accounts(client, treasurer, data, "accounts.csv", extra_headers=ITALIAN)

    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert errors["row 7, column amount"] == ["staff_costs: '80k' non è un importo; inserisci un numero come 1234.56"]
    assert response.get_json()["detail"].startswith("Il caricamento ha 1 errore; non è stato salvato nulla. riga 7, "
                                                    "colonna amount: staff_costs: '80k' non è un importo")
    assert saved_versions(app) == 0


def test_an_italian_treasurer_sees_the_cross_checks_in_italian_with_italian_amounts(client, coop):
    figures = {**FIGURES, "net_profit": FIGURES["net_profit"] + 1000}
    login(client, TREASURER)
    page = client.post(PAGE, headers=ITALIAN, content_type="multipart/form-data",
                       data={"year": str(LAST_YEAR), "file": (io.BytesIO(filled_xlsx(figures=figures)), "a.xlsx")})

    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "net_profit: l&#39;utile netto indicato 29.500,50 è diverso da quello calcolato 28.500,50" in text
    assert "the stated net profit" not in text


def test_an_italian_treasurer_reads_a_refused_year_in_italian(client, treasurer):
    response = post_accounts(client, treasurer, filled_csv(), "accounts.csv", year=LAST_YEAR + 1,
                             extra_headers=ITALIAN)

    assert response.status_code == 422
    assert response.get_json()["errors"]["year"] == [
        f"il {LAST_YEAR + 1} non è ancora finito; carica il bilancio di un anno quando l'anno si è chiuso"]


def test_the_version_page_says_the_csv_was_read_as_windows_1252_in_italian(client, treasurer):
    data = filled_csv(encoding="cp1252", labels={"turnover_other": "Altri ricavi (proventi diversi, €)"})
    version = post_accounts(client, treasurer, data, "bilancio.csv").get_json()
    login(client, TREASURER)

    text = client.get(f"{PAGE}{version['id']}", headers=ITALIAN).get_data(as_text=True)

    assert "Nota: il file CSV è stato letto come testo Windows-1252 (non era UTF-8)." in text
    assert "Note: the CSV file was" not in text


def test_the_upload_time_reads_the_readers_way_in_the_consortiums_time_zone(app, client, treasurer):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    version = post_accounts(client, treasurer, filled_csv(), "accounts.csv").get_json()
    stored = datetime.fromisoformat(version["created_at"])
    assert stored.utcoffset() is not None  # the API keeps ISO with its zone
    local = stored.astimezone(ZoneInfo(app.config["CONSORTIUM_TIMEZONE"]))
    login(client, TREASURER)

    italian = client.get(f"{PAGE}{version['id']}", headers=ITALIAN).get_data(as_text=True)
    english = client.get(f"{PAGE}{version['id']}", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert f"{local:%d/%m/%Y %H:%M}" in italian  # 01/12/2026 23:14
    assert re.search(rf"\b{local.day} [A-Z][a-z]{{2,3}} {local.year} {local:%H:%M}\b", english)  # 1 Dec 2026 23:14
    assert f"{local:%Y-%m-%d %H:%M}" not in italian + english
def test_a_stored_warning_is_marked_with_its_language_on_a_page_in_the_other_one(client, treasurer):
    english = post_accounts(client, treasurer, filled_xlsx(extra_columns=("notes",)), "a.xlsx",
                            extra_headers={"Accept-Language": "en"})
    italian = post_accounts(client, treasurer, filled_xlsx(extra_columns=("note",)), "a.xlsx", extra_headers=ITALIAN)
    assert english.status_code == 201 and italian.status_code == 201
    login(client, TREASURER)

    page = client.get(f"{PAGE}{english.get_json()['id']}", headers=ITALIAN).get_data(as_text=True)
    assert '<td lang="en">unknown column &#39;notes&#39; is ignored</td>' in page  # WCAG 3.1.2

    page = client.get(f"{PAGE}{italian.get_json()['id']}", headers=ITALIAN).get_data(as_text=True)
    warning = page.split('id="warnings"')[1].split("</table>")[0]
    assert "note" in warning and "lang=" not in warning  # written in the page's language: nothing to mark

    page = client.get(f"{PAGE}{italian.get_json()['id']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<td lang="it">' in page.split('id="warnings"')[1].split("</table>")[0]


def _migration_0030():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0030_i18n15.py"
    spec = importlib.util.spec_from_file_location("migration_0030_i18n15", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _warnings_stored_without_language(app, client, treasurer) -> tuple[int, int]:
    """An English and an Italian upload's versions, their warnings stored as before 3c279a5: no language."""
    from sqlalchemy import select, update

    from tenants.accounts.models import AccountsVersion
    from tests.conftest import unrestricted

    english = post_accounts(client, treasurer, filled_xlsx(extra_columns=("notes",)), "a.xlsx",
                            extra_headers={"Accept-Language": "en"}).get_json()["id"]
    italian = post_accounts(client, treasurer, filled_xlsx(extra_columns=("note",)), "a.xlsx",
                            extra_headers=ITALIAN).get_json()["id"]
    with unrestricted(app) as connection:
        for version_id in (english, italian):
            warnings = connection.scalar(select(AccountsVersion.warnings).where(AccountsVersion.id == version_id))
            bare = [{key: value for key, value in w.items() if key != "language"} for w in warnings]
            connection.execute(update(AccountsVersion).where(AccountsVersion.id == version_id).values(warnings=bare))
        connection.commit()
    return english, italian


def _assert_dated(app, english: int, italian: int) -> None:
    from sqlalchemy import select

    from tenants.accounts.models import AccountsVersion
    from tests.conftest import unrestricted

    with unrestricted(app) as connection:
        stored = {version_id: connection.scalar(select(AccountsVersion.warnings)
                                                .where(AccountsVersion.id == version_id))
                  for version_id in (english, italian)}
    assert [(w["message"], w.get("language")) for w in stored[english]] == [
        ("unknown column 'notes' is ignored", "en")]
    assert [(w["message"], w.get("language")) for w in stored[italian]] == [
        ("la colonna sconosciuta 'note' viene ignorata", "it")]


def test_warnings_stored_before_their_language_was_recorded_get_the_one_they_were_written_in(app, client, treasurer):
    """Before 3c279a5 a warning was stored without its language, yet Italian uploaders got Italian warnings (from
    58c8069 and 6edb4cf): migration 0030 gives each the language its text is in, so pages mark it rightly."""
    from consortium.extensions import db

    english, italian = _warnings_stored_without_language(app, client, treasurer)
    # The migration's update, on a connection that row-level security binds (on PostgreSQL): co-op by co-op.
    with app.app_context(), db.engine.connect() as bound:
        _migration_0030().date_accounts_warnings(bound)
        bound.commit()
    _assert_dated(app, english, italian)
    login(client, TREASURER)
    page = client.get(f"{PAGE}{italian}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<td lang="it">la colonna sconosciuta &#39;note&#39; viene ignorata</td>' in page


def test_every_italian_warning_the_parser_can_store_is_recognised_by_migration_0030(app):
    """The migration's list of Italian warnings is the catalogue's: a warning added later needs no backfill (it is
    stored with its language), but the three that existed before must all be recognised."""
    from consortium.i18n import _, feature_catalogue, force_locale

    migration = _migration_0030()
    with app.app_context(), force_locale("it"), feature_catalogue("tenants.accounts.parsing"):
        written = [_(text) for text in ("the line '%(code)s' (%(label)s) is missing; it is taken as 0",
                                                "unknown column '%(column)s' is ignored",
                                                "%(count)s more warnings not listed")]
    assert written == list(migration.ITALIAN_WARNINGS)
    assert migration.warning_language("manca la riga 'ristorni_from_profit' (Ristorni); viene considerata pari a 0") \
        == "it"
    assert migration.warning_language("the line 'ristorni_from_profit' (Ristorni) is missing; it is taken as 0") \
        == "en"


@pytest.mark.skipif(TEST_DATABASE != "citus", reason="the co-op's shard on a Citus worker")
def test_migration_0030_on_citus_dates_the_warnings_of_a_coop_whose_shard_is_on_the_worker(app, client, coop,
                                                                                          treasurer):
    """The backfill as `db upgrade` runs it: as the owner, whom the co-op's policy binds on the worker's shard too,
    in the transaction `consortium.citus.prepare_migrations` prepared. Its SET LOCAL app.tenant_id must reach the
    worker even on a connection that has not got the database's `citus.propagate_set_commands` (made before the
    upgrade that sets it, or after a DBA reset it)."""
    from sqlalchemy import create_engine

    from consortium import citus
    from tests.citus.test_citus import shard_of

    english, italian = _warnings_stored_without_language(app, client, treasurer)
    assert shard_of(app, "accounts_versions", coop.id)[2] != 0  # not the coordinator's group: the worker's
    engine = create_engine(app.config["MIGRATION_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SET citus.propagate_set_commands = 'none'")  # the setting's default
            connection.commit()
            with connection.begin():
                citus.prepare_migrations(connection)
                _migration_0030().date_accounts_warnings(connection)
    finally:
        engine.dispose()
    _assert_dated(app, english, italian)
