"""Issue 15: a contribution's explanation and the statement PDF are written in the reader's language; a
contribution fixed before the explanation was kept as data still shows the English sentence it was stored with."""

from sqlalchemy import select, update

from shared_services.mutual_fund.models import Contribution
from tests.conftest import login, unrestricted
from tests.mutual_fund.conftest import ACCOUNTS, YEAR, D
from tests.mutual_fund.test_pages_and_documents import _pdf_text

ITALIAN = {"Accept-Language": "it"}
STORED = ("3% of net profit 12,345.67 is 370.37, due by 2025-06-28; at least 3,703.70 (30%) goes to the legal "
          "reserve.")


def test_an_italian_treasurer_reads_how_the_contribution_was_worked_out_in_italian(fund, client):
    fund.accepted(D("12345.67"))
    [api] = fund.client.get("/api/v1/t/coop-a/contributions", headers={**fund.treasurer_a, **ITALIAN}).get_json()
    [english] = fund.client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_a).get_json()
    login(client, "treasurer.a@example.test")
    page = client.get("/t/coop-a/contributions/", headers=ITALIAN).get_data(as_text=True)

    italian = (f"Il 3% dell'utile netto di 12.345,67 è 370,37, da versare entro il 28/06/{YEAR + 1}; almeno "
               "3.703,70 (30%) va alla riserva legale.")
    assert api["explanation"] == italian
    assert italian.replace("'", "&#39;") in page
    assert english["explanation"] == (f"3% of net profit 12,345.67 is 370.37, due by 28 Jun {YEAR + 1}; at least "
                                      "3,703.70 (30%) goes to the legal reserve.")
    assert api["amount"] == english["amount"] == "370.37"  # the data stays locale-free


def test_the_italian_explanation_names_the_deductions_the_pro_rata_share_and_a_loss(fund):
    version = fund.submit(fund.a, D("1000.00"), prior_losses_covered=D("400.00"), ristorni=D("100.00"))
    fund.client.post(f"{ACCOUNTS}/{version}/accept", headers=fund.staff,
                     json={"accepted_on": f"{YEAR + 1}-04-29", "member_from": f"{YEAR}-07-01"})
    fund.accepted(D("-250.00"), tenant=fund.b)
    [deducted] = fund.client.get("/api/v1/t/coop-a/contributions", headers={**fund.treasurer_a, **ITALIAN}).get_json()
    [loss] = fund.client.get("/api/v1/t/coop-b/contributions", headers={**fund.treasurer_b, **ITALIAN}).get_json()

    text = deducted["explanation"]
    assert text.startswith("La base è utile netto 1.000,00, meno 400,00 a copertura delle perdite degli esercizi "
                           "precedenti, meno 100,00 di ristorni: 500,00. Il 3% della base di 500,00 è 15,00")
    assert "la cooperativa ha aderito all'associazione per 184 dei" in text and "quindi qui sono dovuti" in text
    assert loss["explanation"].startswith("L'esercizio si è chiuso con un risultato netto di -250,00, non un utile")


def test_a_contribution_stored_before_the_steps_still_shows_its_english_explanation(fund, client):
    fund.accepted(D("12345.67"))
    with unrestricted(fund.app) as connection:
        connection.execute(update(Contribution.__table__).values(explanation_steps=None, explanation=STORED))
        connection.commit()
        assert connection.execute(select(Contribution.__table__.c.explanation_steps)).scalar() is None
    [api] = fund.client.get("/api/v1/t/coop-a/contributions", headers={**fund.treasurer_a, **ITALIAN}).get_json()
    login(client, "treasurer.a@example.test")
    page = client.get("/t/coop-a/contributions/", headers=ITALIAN).get_data(as_text=True)

    assert api["explanation"] == STORED
    assert f'<p lang="en">{STORED}</p>' in page  # marked as English on the Italian page (WCAG 3.1.2)
    assert "Importo 370,37" in page


def test_the_statement_pdf_is_written_in_the_readers_language(fund):
    fund.accepted(D("12345.67"))
    italian = _pdf_text(fund.client.get("/api/v1/t/coop-a/contributions/statement.pdf",
                                        headers={**fund.treasurer_a, **ITALIAN}).data)
    english = _pdf_text(fund.client.get("/api/v1/t/coop-a/contributions/statement.pdf",
                                        headers=fund.treasurer_a).data)

    for words in ("Estratto dei contributi al fondo mutualistico", "Contributi per anno", "Utile netto dell'esercizio",
                  "= base del contributo", "x 3% = contributo dell'anno", "Ancora da versare", "370,37 €",
                  f"28/06/{YEAR + 1}", "Nessun pagamento ricevuto finora."):
        assert words in italian, words
    for words in ("Net profit", "Still owed", "Step", "Payments received"):
        assert words not in italian, words
    assert "Mutual fund contribution statement" in english and "€370.37" in english and "Still owed" in english
