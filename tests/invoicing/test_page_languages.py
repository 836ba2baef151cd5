"""The invoicing pages in Italian and in English: words, not codes; money and dates as each language writes them;
the whole page in the reader's language, so `<main>` needs no `lang` of its own (WCAG 3.1.1, 3.1.2)."""

from datetime import timedelta

from consortium.clock import local_today
from tests.conftest import login
from tests.invoicing.conftest import COMUNE, add_customer, draft, issue, line

BASE = "/t/girasole/invoices"
IT = {"Accept-Language": "it"}
EN = {"Accept-Language": "en"}


def _issued_with_an_advance(client, italy) -> int:
    """An issued invoice of the Italian co-op (100.00 at 22%) with an advance of 50.00 received before it."""
    customer = add_customer(client, italy, COMUNE)
    invoice = issue(client, italy, draft(client, italy, customer["id"], [line(
        "Assistenza domiciliare", "4", "25.00", "ordinaria_22")])["id"])
    advance = client.post(f"{italy['api']}/invoices/{invoice['id']}/payments", headers=italy["auth"],
                          json={"amount": "50.00", "paid_on": (local_today() - timedelta(days=20)).isoformat()})
    assert advance.status_code == 201, advance.get_json()
    return invoice["id"]


def _page(client, url, headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _in_italian(page: str) -> None:
    assert '<html lang="it">' in page and '<main id="main" tabindex="-1">' in page


def test_the_invoice_page_is_italian_with_labels_money_and_dates_as_written_in_italy(client, italy):
    invoice_id = _issued_with_an_advance(client, italy)
    login(client, "t.it@example.test")
    page = _page(client, f"{BASE}/{invoice_id}", IT)
    _in_italian(page)
    for italian in ("Data di emissione", "Scadenza", "Righe", "Descrizione", "Quantità", "Prezzo unitario",
                    "IVA per aliquota", "Totale imponibile / IVA", "Pagamenti e storni", "Ancora dovuto",
                    "Aliquota ordinaria (22%)", ">ora</td>", "acconto", "bonifico bancario",
                    "Nota di credito"):
        assert italian in page, italian
    for english in ("Issue date", "Lines</h2>", "VAT by rate", "Payments and credits", "Still owed", "Unit price",
                    "ordinaria_22", "<td>HUR</td>", "bank transfer", "Record a payment", "Nothing received"):
        assert english not in page, english
    assert '>25,00</td>' in page  # the unit price as Italian writes it
    vat_table = page[page.index('id="vat"'):page.index('id="payments"')]
    assert "Aliquota ordinaria" in vat_table and "<td>S" not in vat_table  # the category in words, not its code
    assert '<strong id="gross-total">122,00\xa0€</strong>' in page  # babel's it_IT: comma decimals, € after
    assert '<strong id="outstanding">72,00\xa0€</strong>' in page
    assert (local_today() - timedelta(days=20)).strftime("%d/%m/%Y") in page


def test_the_editor_credit_note_customer_and_settings_pages_are_italian(client, italy):
    invoice_id = _issued_with_an_advance(client, italy)
    customer = add_customer(client, italy, {**COMUNE, "name": "Comune di Imola", "codice_destinatario": "UF5YCJ"})
    login(client, "t.it@example.test")
    pages = {
        f"{BASE}/new": (["Prepara una fattura", "Cliente", "Termini di pagamento", "Riferimento del cliente",
                         "Ordine d'acquisto", "Righe", "Salva la bozza", "Altre righe", "Annulla",
                         "Aliquota ordinaria (22%)", ">ora<", "Le righe lasciate vuote"],
                        ["Draft an invoice", "Payment terms", "Customer reference", "Purchase order", "Save draft",
                         "More rows", "Rows left blank", "Notes printed", ">hour<"]),
        f"{BASE}/{invoice_id}/credit-notes/new": (
            ["Nota di credito per", "da stornare", "Storna tutte le righe", "Oppure storna queste righe",
             "IVA (in vigore il", "Motivo (stampato sulla nota di credito)", "Emetti la nota di credito", "122,00"],
            ["Credit note for", "left to credit", "Credit every line", "Or credit these lines", "VAT (as on",
             "Reason (printed", "Issue credit note"]),
        f"{BASE}/customers/new": (
            ["Aggiungi un cliente", "Indirizzo", "CAP", "Comune", "Paese (due lettere", "Partita IVA",
             "Codice fiscale", "Codice destinatario", "Indirizzo PEC",
             "Invia i solleciti di pagamento anche al cliente", "Salva", "ente locale"],
            ["Add a customer", "Street", "Postcode", "Country (two letters", "Tax code", "PEC address (Italy)",
             "Also send overdue reminders", ">Save<", "local authority"]),
        f"{BASE}/customers/{customer['id']}/edit": (["Modifica Comune di Imola", "Salva"], ["Edit Comune", ">Save<"]),
        f"{BASE}/settings": (
            ["Impostazioni di fatturazione", "Serie di numerazione delle fatture",
             "Serie di numerazione delle note di credito", "Termini di pagamento predefiniti per i nuovi clienti",
             "IBAN stampato sulle fatture", "Email amministrativa stampata sulle fatture", "Regime fiscale",
             "Invia i solleciti in questi giorni", "Imposta di bollo", "Salva"],
            ["Invoicing settings", "Invoice number series", "Credit note number series", "Default payment terms",
             "IBAN printed", "Accounts email", "Send overdue reminders", ">Save<"]),
    }
    for url, (italian, english) in pages.items():
        page = _page(client, url, IT)
        _in_italian(page)
        missing = [word for word in italian if word not in page]
        leftover = [word for word in english if word in page]
        assert not missing and not leftover, (url, missing, leftover)


def test_the_english_pages_name_units_vat_categories_and_advances_in_words(client, italy):
    invoice_id = _issued_with_an_advance(client, italy)
    login(client, "t.it@example.test")
    page = _page(client, f"{BASE}/{invoice_id}", EN)
    assert '<html lang="en">' in page and '<main id="main" tabindex="-1">' in page
    for english in ("Issue date", "VAT by rate", "Standard rate (22%)", ">hour</td>", "advance",
                    "received before the invoice was issued (bank transfer)", "€122.00"):
        assert english in page, english
    assert "ordinaria_22" not in page and "Aliquota" not in page and "bank_transfer" not in page
    editor = _page(client, f"{BASE}/new", EN)
    assert "Standard rate (22%)" in editor and "Reverse charge: subcontracting in construction" in editor
