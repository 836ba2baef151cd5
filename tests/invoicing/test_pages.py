"""The treasurer's whole job in the browser: customers, the draft editor, issue, payment, credit note, lists."""

import re

from consortium.clock import local_today
from tenants.invoicing.models import Invoice, Payment
from tests.a11y import tied_errors
from tests.conftest import login
from tests.invoicing.conftest import count

BASE = "/t/riverside/invoices"


def _row(index, description, quantity, price, category="standard", unit="HUR", discount=""):
    return {f"lines-{index}-description": description, f"lines-{index}-quantity": quantity,
            f"lines-{index}-unit": unit, f"lines-{index}-unit_price": price,
            f"lines-{index}-vat_category": category, f"lines-{index}-discount_amount": discount}


def _new_customer(client) -> int:
    response = client.post(f"{BASE}/customers/new", data={
        "name": "Stockport Council", "customer_type": "local_authority", "street": "Edward Street",
        "city": "Stockport", "postcode": "SK1 3XE", "country_code": "GB", "payment_terms_days": "14"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/customers/(\d+)", response.headers["Location"]).group(1))


def test_treasurer_drafts_issues_is_paid_and_credits_in_the_browser(client, uk):
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    assert "Stockport Council" in client.get(f"{BASE}/customers/").get_data(as_text=True)
    editor = client.get(f"{BASE}/new?customer_id={customer_id}").get_data(as_text=True)
    assert "lines-0-description" in editor and "Standard rate" in editor

    form = {"customer_id": str(customer_id), "row_count": "4", "buyer_reference": "PO 991",
            **_row(0, "Home care visits", "3", "33.333"), **_row(1, "Day centre", "2", "48.00", "exempt", "DAY"),
            **_row(2, "", "", "", "standard"), **_row(3, "", "", "", "standard")}
    saved = client.post(f"{BASE}/new", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page_url = saved.headers["Location"]
    page = client.get(page_url).get_data(as_text=True)
    assert "Home care visits" in page and "draft" in page
    assert '<strong id="gross-total">£216.00</strong>' in page  # 100.00 + 20.00 VAT + 96.00 exempt

    invoice_id = int(page_url.rstrip("/").split("/")[-1])
    issued = client.post(f"{BASE}/{invoice_id}/issue", follow_redirects=True).get_data(as_text=True)
    assert f"Issued as INV-{local_today().year}-0001" in issued
    assert "Edit draft" not in issued and "Record a payment" in issued

    paid = client.post(f"{BASE}/{invoice_id}/payments/new", data={
        "paid_on": local_today().isoformat(), "amount": "100.00", "method": "bank_transfer", "reference": "BACS"},
        follow_redirects=True).get_data(as_text=True)
    assert "Payment of £100.00 recorded" in paid and '<strong id="outstanding">£116.00</strong>' in paid

    over = client.post(f"{BASE}/{invoice_id}/payments/new", data={
        "paid_on": local_today().isoformat(), "amount": "500.00", "method": "bank_transfer"})
    assert over.status_code == 422 and "over-payments are refused" in over.get_data(as_text=True)

    credit = client.post(f"{BASE}/{invoice_id}/credit-notes/new", data={
        "row_count": "1", "reason": "One day cancelled", **_row(0, "Day centre (cancelled)", "1", "48.00", "exempt",
                                                                "DAY")}, follow_redirects=True)
    assert f"CN-{local_today().year}-0001" in credit.get_data(as_text=True)

    listing = client.get(f"{BASE}/").get_data(as_text=True)
    assert "part-paid" in listing and "credit note" in listing
    assert f"INV-{local_today().year}-0001" in client.get(f"{BASE}/?status=part-paid").get_data(as_text=True)
    assert "No invoice matches." in client.get(f"{BASE}/?status=overdue").get_data(as_text=True)
    debtors = client.get(f"{BASE}/aged-debtors").get_data(as_text=True)
    assert "Stockport Council" in debtors and "68.00" in debtors  # 216.00 - 100.00 paid - 48.00 credited
    assert client.get(f"{BASE}/{invoice_id}/pdf").mimetype == "application/pdf"
    # The customer has no Peppol electronic address: the page says so and offers no UBL.
    shown = client.get(f"{BASE}/{invoice_id}").get_data(as_text=True)
    assert 'id="no-peppol"' in shown and f"{BASE}/{invoice_id}/ubl" not in shown
    assert client.get(f"{BASE}/export.csv").mimetype == "text/csv"
    assert client.get(f"{BASE}/export.xlsx").status_code == 200


def test_editor_shows_errors_on_the_row_and_saves_nothing(app, client, uk):
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    form = {"customer_id": str(customer_id), "row_count": "2", **_row(0, "Fine row", "1", "10.00"),
            **_row(1, "Refund", "-1", "10.00")}
    response = client.post(f"{BASE}/new", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "credit note" in body and 'value="Refund"' in body
    assert count(app, Invoice) == 0
    empty = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "1",
                                             **_row(0, "", "", "")}).get_data(as_text=True)
    assert "lines" in empty and count(app, Invoice) == 0
    # each row's error is tied to its own field, the unit's too (tests/a11y.py)
    assert list(tied_errors(body)) == ["f-lines-1-quantity"]
    unit = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "1",
                                            **_row(0, "Care", "1", "10.00", unit="NOPE")}).get_data(as_text=True)
    tied = tied_errors(unit)
    assert list(tied) == ["f-lines-0-unit"] and tied["f-lines-0-unit"], tied


def test_issued_invoices_cannot_be_edited_or_deleted_from_the_pages(app, client, uk):
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    saved = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "1",
                                             **_row(0, "Care", "1", "10.00")})
    invoice_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    client.post(f"{BASE}/{invoice_id}/issue")
    assert client.post(f"{BASE}/{invoice_id}/delete").status_code == 302
    assert count(app, Invoice) == 1
    edit = client.get(f"{BASE}/{invoice_id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "cannot be changed" in edit


def test_settings_page_validates_reminder_days_and_iban(client, uk):
    login(client, "t.uk@example.test")
    bad = client.post(f"{BASE}/settings", data={"invoice_series": "INV", "credit_note_series": "CN",
                                                "default_payment_terms_days": "30", "regime_fiscale": "RF01",
                                                "reminder_days": "7,soon", "iban": "GB00NOPE"})
    assert bad.status_code == 422 and "iban" in bad.get_data(as_text=True).lower()
    good = client.post(f"{BASE}/settings", data={"invoice_series": "FT", "credit_note_series": "NC",
                                                 "default_payment_terms_days": "45", "regime_fiscale": "RF01",
                                                 "reminder_days": "30, 7", "iban": "GB33BUKB20201555555555"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Invoicing settings saved" in good and 'value="7,30"' in good


def test_payment_and_credit_note_pages_refuse_drafts_and_saves_nothing(app, client, uk):
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    saved = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "1",
                                             **_row(0, "Care", "1", "10.00")})
    invoice_url = saved.headers["Location"]
    invoice_id = int(invoice_url.rstrip("/").split("/")[-1])
    for form, what in (("payments/new", "Payments"), ("credit-notes/new", "Credit notes")):
        shown = client.get(f"{BASE}/{invoice_id}/{form}", follow_redirects=True)
        assert shown.request.path == f"{BASE}/{invoice_id}"  # back on the draft, not on a form bound to fail
        assert f"{what} go against issued invoices; this is a draft: issue it first." in shown.get_data(as_text=True)
    posted = client.post(f"{BASE}/{invoice_id}/payments/new", data={
        "paid_on": local_today().isoformat(), "amount": "10.00", "method": "bank_transfer"})
    assert posted.status_code == 302
    assert count(app, Payment) == 0 and count(app, Invoice) == 1


def test_a_credit_note_larger_than_what_is_left_is_refused_on_the_page(app, client, uk):
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    saved = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "1",
                                             **_row(0, "Care", "1", "10.00")})  # 12.00 with VAT
    invoice_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    client.post(f"{BASE}/{invoice_id}/issue")
    response = client.post(f"{BASE}/{invoice_id}/credit-notes/new", data={
        "row_count": "1", "reason": "Too much", **_row(0, "Care", "2", "10.00")})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "exceeds the 12.00 left to credit" in body
    assert 'value="Care"' in body  # the row stays as typed
    assert count(app, Invoice) == 1


def test_round_quantities_and_prices_show_as_typed_not_in_exponent_form(client, uk):
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    saved = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "2",
                                             **_row(0, "Meals", "20", "100"), **_row(1, "Leaflets", "7.5", "3.333")})
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "E+" not in page  # Decimal('20.0000').normalize() prints as 2E+1
    lines = page[page.index('id="lines"'):page.index('id="vat"')]
    assert '>20</td>' in lines and '>100.00</td>' in lines
    assert '>7.5</td>' in lines and '>3.333</td>' in lines


def test_refused_settings_customer_and_draft_forms_change_nothing(client, uk):
    login(client, "t.uk@example.test")
    api, auth = uk["api"], uk["auth"]
    settings = {"invoice_series": "FT", "credit_note_series": "NC", "default_payment_terms_days": "45",
                "regime_fiscale": "RF01", "reminder_days": "7"}
    refused = client.post(f"{BASE}/settings", data={**settings, "iban": "GB00NOPE"}).get_data(as_text=True)
    assert "IBAN has an invalid check digit" in refused
    days = client.post(f"{BASE}/settings", data={**settings, "reminder_days": "7,soon"}).get_data(as_text=True)
    assert "must be whole numbers of days" in days
    saved = client.get(f"{api}/invoicing-settings", headers=auth).get_json()
    assert (saved["invoice_series"], saved["iban"], saved["reminder_days"]) == ("INV", None, "7,30,60")

    customer_id = _new_customer(client)
    edit = client.post(f"{BASE}/customers/{customer_id}/edit", data={
        "name": "Renamed Council", "customer_type": "local_authority", "country_code": "GB",
        "vat_number": "GB123456789"}).get_data(as_text=True)
    assert "VAT" in edit and "Renamed Council" in edit  # the form comes back as typed, with the reason
    assert client.get(f"{api}/customers/{customer_id}", headers=auth).get_json()["name"] == "Stockport Council"

    saved = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "1",
                                             **_row(0, "Care", "1", "10.00")})
    invoice_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    bad_rate = client.post(f"{BASE}/{invoice_id}/edit", data={
        "customer_id": str(customer_id), "row_count": "1", "notes": "changed",
        **_row(0, "Cura", "2", "10.00", "ordinaria_22")}).get_data(as_text=True)  # an Italian rate in a UK co-op
    assert "vat_category" in bad_rate and 'value="Cura"' in bad_rate
    kept = client.get(f"{api}/invoices/{invoice_id}", headers=auth).get_json()
    assert [item["description"] for item in kept["lines"]] == ["Care"]
    assert (kept["notes"], kept["gross_total"]) == (None, "12.00")


def test_a_refused_issue_leaves_the_draft_as_it_was(client, uk, monkeypatch):
    from plugins.jurisdictions.base import Jurisdiction, JurisdictionError, VatCategory

    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    saved = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "2",
                                             **_row(0, "Care", "1", "100.00"), **_row(1, "Leaflets", "1", "5.00",
                                                                                      "zero", "C62")})
    invoice_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    real = Jurisdiction.vat_rate

    def changed_on_issue_day(self, category, on):
        # By the day of issue the standard rate has moved and the zero rate has been withdrawn.
        if category == "zero":
            raise JurisdictionError("zero: no such VAT category on the day of issue")
        found = real(self, category, on)
        return VatCategory(**{**found.__dict__, "rate": found.rate * 2})

    monkeypatch.setattr(Jurisdiction, "vat_rate", changed_on_issue_day)
    page = client.post(f"{BASE}/{invoice_id}/issue", follow_redirects=True).get_data(as_text=True)
    assert "Issued as" not in page and "Edit draft" in page
    monkeypatch.undo()
    kept = client.get(f"{uk['api']}/invoices/{invoice_id}", headers=uk["auth"]).get_json()
    assert (kept["status"], kept["lines"][0]["vat_rate"], kept["lines"][0]["vat_amount"]) == ("draft", "20.00", "20.00")
    assert kept["gross_total"] == "125.00"


def test_passages_in_the_other_language_are_marked_with_their_language(client, italy):
    """WCAG 3.1.2: an Italian term on an English page says it is Italian; on the Italian page (translated
    now) neither the term nor the main content needs a mark."""
    from tests.invoicing.conftest import COMUNE, add_customer

    customer = add_customer(client, italy, {**COMUNE, "pec": "protocollogenerale@pec.comune.bologna.it"})
    login(client, "t.it@example.test")
    url = f"/t/girasole/invoices/customers/{customer['id']}"
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<main id="main" tabindex="-1">' in english
    assert '<th lang="it">Codice destinatario</th>' in english
    assert '<abbr title="Posta elettronica certificata" lang="it">PEC</abbr>' in english
    italian = client.get(url, headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert '<html lang="it">' in italian and '<main id="main" tabindex="-1">' in italian
    assert '<th>Codice destinatario</th>' in italian  # Italian already: nothing to mark
    assert "<th>Partita IVA</th>" in italian


def test_a_refused_draft_answers_422_with_each_error_under_its_field_and_saves_nothing(app, client, uk):
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    typed = {"row_count": "2", "buyer_reference": "PO 77", "notes": "Kept as typed",
             **_row(0, "Home care visits", "3", "30.00"), **_row(1, "Day centre", "two", "48.00", "exempt", "DAY")}
    refused = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), **typed})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    tied = tied_errors(body)
    assert list(tied) == ["f-lines-1-quantity"] and "number" in tied["f-lines-1-quantity"].lower(), tied
    assert 'value="Home care visits"' in body and 'value="two"' in body and 'value="PO 77"' in body
    assert "Kept as typed" in body

    unknown = client.post(f"{BASE}/new", data={"customer_id": "999999", **_row(0, "Care", "1", "10.00"),
                                               "row_count": "1"})
    assert unknown.status_code == 422
    tied = tied_errors(unknown.get_data(as_text=True))
    assert list(tied) == ["f-customer_id"] and "no customer 999999 in this co-op" in tied["f-customer_id"], tied

    nothing = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "1",
                                               **_row(0, "", "", "")})
    assert nothing.status_code == 422
    tied = tied_errors(nothing.get_data(as_text=True))
    assert tied == {"f-lines-0-description": "an invoice needs between 1 and 500 lines"}, tied
    assert count(app, Invoice) == 0


def _issued_invoice(client, quantity: str, price: str) -> int:
    """A new customer's one-line "Care" invoice, saved and issued; returns its id."""
    customer_id = _new_customer(client)
    saved = client.post(f"{BASE}/new", data={"customer_id": str(customer_id), "row_count": "1",
                                             **_row(0, "Care", quantity, price)})
    invoice_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    client.post(f"{BASE}/{invoice_id}/issue")
    return invoice_id


def test_an_advance_received_before_the_invoice_is_recorded_and_shown_as_an_advance(app, client, uk):
    from datetime import timedelta

    login(client, "t.uk@example.test")
    invoice_id = _issued_invoice(client, "1", "100.00")  # 120.00 with VAT
    before = local_today() - timedelta(days=30)
    advance = client.post(f"{BASE}/{invoice_id}/payments/new", data={
        "paid_on": before.isoformat(), "amount": "40.00", "method": "bank_transfer", "reference": "Acconto 1"})
    assert advance.status_code == 302, advance.get_data(as_text=True)
    page = client.get(f"{BASE}/{invoice_id}").get_data(as_text=True)
    payments = page[page.index('id="payments"'):]
    assert "advance" in payments and "received before the invoice was issued (bank transfer)" in payments
    assert '<strong id="outstanding">£80.00</strong>' in payments
    today = client.post(f"{BASE}/{invoice_id}/payments/new", data={
        "paid_on": local_today().isoformat(), "amount": "10.00", "method": "card"})
    assert today.status_code == 302
    payments = client.get(f"{BASE}/{invoice_id}").get_data(as_text=True).split('id="payments"')[1]
    assert payments.count("advance") == 1 and "payment (card)" in payments

    future = client.post(f"{BASE}/{invoice_id}/payments/new", data={
        "paid_on": (local_today() + timedelta(days=1)).isoformat(), "amount": "10.00", "method": "card"})
    assert future.status_code == 422
    assert "is in the future" in tied_errors(future.get_data(as_text=True))["f-paid_on"]
    over = client.post(f"{BASE}/{invoice_id}/payments/new", data={
        "paid_on": before.isoformat(), "amount": "70.01", "method": "card"})
    assert over.status_code == 422 and "over-payments are refused" in over.get_data(as_text=True)
    assert count(app, Payment) == 2


def test_customers_list_title_and_add_button_read_in_italian(client, italy):
    login(client, "t.it@example.test")
    page = client.get("/t/girasole/invoices/customers/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "<title>Clienti · Il Girasole Cooperativa Sociale" in page
    assert "<h1>Clienti · Il Girasole Cooperativa Sociale</h1>" in page
    assert ">Aggiungi un cliente</a>" in page
    assert "Customers ·" not in page and "Add a customer" not in page


def _form_as_sent(page: str) -> dict:
    """What a browser sends when the page's form is submitted again unchanged (the save button, not 'More rows')."""
    from lxml import html

    form = next(form for form in html.fromstring(page).forms if form.xpath(".//*[@name='row_count']"))
    return dict(form.form_values())


def _rows_shown(page: str) -> list[str]:
    return re.findall(r'name="lines-\d+-description" value="([^"]*)"', page)


def test_a_refused_draft_shown_again_keeps_the_lines_typed_and_gains_no_blank_rows(app, client, uk):
    """Issue 15: each refused submission used to add three blank rows to the ones already shown (4, 7, 10, ...)."""
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    editor = client.get(f"{BASE}/new?customer_id={customer_id}").get_data(as_text=True)
    form = _form_as_sent(editor)
    assert form["row_count"] == "3"  # a new draft offers three blank rows
    form.update({**_row(0, "Home care visits", "3", "30.00"), **_row(1, "Day centre", "two", "48.00", "exempt", "DAY")})
    for _attempt in range(3):
        refused = client.post(f"{BASE}/new", data=form)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert _rows_shown(page) == ["Home care visits", "Day centre", "", "", ""]
        assert list(tied_errors(page)) == ["f-lines-1-quantity"]
        form = _form_as_sent(page)
        assert form["row_count"] == "5" and form["lines-1-quantity"] == "two" and form["lines-1-unit"] == "DAY"
    # a blank row between typed ones is dropped on the way, and the error stays on the row it is about
    gap = {"customer_id": str(customer_id), "row_count": "4", **_row(0, "Care", "1", "10.00"), **_row(1, "", "", ""),
           **_row(2, "Refund", "-1", "10.00"), **_row(3, "", "", "")}
    page = client.post(f"{BASE}/new", data=gap).get_data(as_text=True)
    assert _rows_shown(page) == ["Care", "", "Refund", "", "", ""]
    assert list(tied_errors(page)) == ["f-lines-2-quantity"]
    # 'More rows' still adds three each time it is pressed
    more = client.post(f"{BASE}/new", data={**form, "more_rows": "1"}).get_data(as_text=True)
    assert _rows_shown(more) == ["Home care visits", "Day centre", "", "", "", "", "", ""]
    form["lines-1-quantity"] = "2"
    assert client.post(f"{BASE}/new", data=form).status_code == 302
    assert count(app, Invoice) == 1


def test_a_refused_credit_note_shown_again_gains_no_blank_rows(app, client, uk):
    login(client, "t.uk@example.test")
    invoice_id = _issued_invoice(client, "2", "10.00")
    form = _form_as_sent(client.get(f"{BASE}/{invoice_id}/credit-notes/new").get_data(as_text=True))
    form.pop("full", None)
    form.update(_row(0, "Care", "many", "10.00"))
    for _attempt in range(2):
        refused = client.post(f"{BASE}/{invoice_id}/credit-notes/new", data=form)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and _rows_shown(page) == ["Care", "", "", ""]
        form = _form_as_sent(page)
        form.pop("full", None)
    assert count(app, Invoice) == 1


def test_an_italian_page_reads_a_lines_decimal_commas_and_refuses_an_ambiguous_one_on_its_field(app, client, uk):
    """Issue 15: the draft editor's quantities, prices and discounts read `23,50` on an Italian page, as every
    other money field of the pages does; `1.234` (a thousands point or a decimal point?) is refused on its own
    field, with the other errors of the form at once, and nothing is saved."""
    login(client, "t.uk@example.test")
    customer_id = _new_customer(client)
    italian = {"Accept-Language": "it"}
    refused = client.post(f"{BASE}/new", headers=italian, data={
        "customer_id": str(customer_id), "row_count": "2", **_row(0, "Assistenza", "1.234", "10,00"),
        **_row(1, "Rimborso", "-1", "10,00")})
    tied = tied_errors(refused.get_data(as_text=True))
    assert refused.status_code == 422 and count(app, Invoice) == 0
    assert sorted(tied) == ["f-lines-0-quantity", "f-lines-1-quantity"] and "1.234" in tied["f-lines-0-quantity"]
    saved = client.post(f"{BASE}/new", headers=italian, data={
        "customer_id": str(customer_id), "row_count": "1", **_row(0, "Assistenza", "2,5", "40,50", discount="1,25")})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = client.get(saved.headers["Location"], headers=italian).get_data(as_text=True)
    assert "100,00" in page  # 2,5 x 40,50 = 101,25, less the discount of 1,25


def test_an_italian_reader_sees_and_types_amounts_with_a_decimal_comma(client, uk):
    """Issue 15: decimal commas in every money and quantity field of a page in Italian. The stored amounts come
    back into the inputs as Italians write them, and what the page shows can be sent back unchanged."""
    login(client, "t.uk@example.test")
    italian = {"Accept-Language": "it"}
    customer_id = _new_customer(client)
    saved = client.post(f"{BASE}/new", headers=italian, data={
        "customer_id": str(customer_id), "row_count": "1", **_row(0, "Visite domiciliari", "2,5", "40,50")})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    invoice_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    editor = client.get(f"{BASE}/{invoice_id}/edit", headers=italian).get_data(as_text=True)
    assert 'name="lines-0-unit_price" value="40,5"' in editor and 'name="lines-0-quantity" value="2,5"' in editor

    client.post(f"{BASE}/{invoice_id}/issue", headers=italian)
    form = client.get(f"{BASE}/{invoice_id}/payments/new", headers=italian).get_data(as_text=True)
    amount = re.search(r'<input type="text" inputmode="decimal" id="f-amount" name="amount" value="([^"]*)"', form)
    assert amount and amount.group(1) == "121,50"  # 2,5 x 40,50 + IVA 20% (20,25), all still owed
    paid = client.post(f"{BASE}/{invoice_id}/payments/new", headers=italian, follow_redirects=True, data={
        "paid_on": local_today().isoformat(), "amount": amount.group(1), "method": "bank_transfer"})
    # read as 121.50, not 12,150: nothing is left to pay
    assert '<strong id="outstanding">0,00\xa0£</strong>' in paid.get_data(as_text=True)
