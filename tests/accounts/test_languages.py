"""Issue 15: an Italian treasurer reads the upload's problems in Italian, on the page and through the API; the
API's keys (sheet, row, column) stay as they are, so clients keyed on them keep working."""

import io
import re

from tests.accounts.conftest import SLUG, TREASURER, post_accounts, saved_versions
from tests.accounts.helpers import FIGURES, LAST_YEAR, filled_csv, filled_xlsx
from tests.conftest import login

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
