"""Drafts, issuing, immutability, credit notes, payments and statuses through the API; bad input refused whole."""

from datetime import timedelta
from decimal import Decimal

from consortium.clock import local_today
from tenants.invoicing.models import Customer, Invoice, InvoiceLine, Payment
from tests.conftest import token_for
from tests.invoicing.conftest import COUNCIL, add_customer, count, draft, issue, line, set_electronic_address

D = Decimal


def test_draft_shows_totals_per_rate_as_sums_of_lines(client, uk):
    customer = add_customer(client, uk)
    invoice = draft(client, uk, customer["id"], lines=[
        line("Visit A", "1", "33.333"), line("Visit B", "1", "33.333"), line("Visit C", "1", "33.333"),
        line("Care hours", "10", "21.50", "exempt"), line("Leaflets", "100", "0.10", "zero", unit="C62"),
    ])
    assert invoice["status"] == "draft"
    assert invoice["number"] is None
    by_category = {group["category"]: group for group in invoice["vat_breakdown"]}
    assert by_category["S"]["taxable_amount"] == "99.99"
    assert by_category["S"]["vat_amount"] == "20.01"  # 3 x 6.67, per line
    assert by_category["E"]["taxable_amount"] == "215.00"
    assert by_category["E"]["exemption_reason"].startswith("Exempt: welfare services")
    assert by_category["Z"]["vat_amount"] == "0.00"
    assert (invoice["net_total"], invoice["vat_total"], invoice["gross_total"]) == ("324.99", "20.01", "345.00")
    assert invoice["due_date"] == (local_today() + timedelta(days=30)).isoformat()


def test_issuing_numbers_dates_and_freezes_the_invoice(client, uk):
    customer = add_customer(client, uk)
    first = issue(client, uk, draft(client, uk, customer["id"])["id"])
    second = issue(client, uk, draft(client, uk, customer["id"])["id"])
    year = local_today().year
    assert (first["number"], second["number"]) == (f"INV-{year}-0001", f"INV-{year}-0002")
    assert first["issue_date"] == local_today().isoformat()
    assert first["status"] == "issued"

    url = f"{uk['api']}/invoices/{first['id']}"
    refused = client.patch(url, headers=uk["auth"], json={"notes": "changed my mind"})
    assert refused.status_code == 409
    assert "credit note" in refused.get_json()["detail"]
    assert client.delete(url, headers=uk["auth"]).status_code == 409
    assert client.post(f"{url}/issue", headers=uk["auth"]).status_code == 409
    assert client.get(url, headers=uk["auth"]).get_json()["notes"] is None


def test_a_draft_can_be_edited_and_deleted(client, uk):
    customer = add_customer(client, uk)
    invoice = draft(client, uk, customer["id"])
    url = f"{uk['api']}/invoices/{invoice['id']}"
    changed = client.patch(url, headers=uk["auth"], json={"lines": [line("Garden", "2", "50.00")],
                                                          "payment_terms_days": 14})
    assert changed.status_code == 200, changed.get_json()
    assert [item["description"] for item in changed.get_json()["lines"]] == ["Garden"]
    assert changed.get_json()["gross_total"] == "120.00"
    assert changed.get_json()["due_date"] == (local_today() + timedelta(days=14)).isoformat()
    assert client.delete(url, headers=uk["auth"]).status_code == 204
    assert client.get(url, headers=uk["auth"]).status_code == 404


def test_issued_invoice_keeps_its_rates_and_parties_when_tables_and_customer_change(client, uk, monkeypatch):
    set_electronic_address(client, uk, "0088:5012345678900")
    customer = add_customer(client, uk, {**COUNCIL, "peppol_id": "9932:GB802311782"})
    invoice = issue(client, uk, draft(client, uk, customer["id"], lines=[line("Care", "1", "100.00")])["id"])
    client.patch(f"{uk['api']}/customers/{customer['id']}", headers=uk["auth"], json={"name": "Renamed Council"})
    from plugins.jurisdictions.base import Jurisdiction, VatCategory

    real = Jurisdiction.vat_rate

    def doubled(self, category, on):
        found = real(self, category, on)
        return VatCategory(**{**found.__dict__, "rate": found.rate * 2})

    monkeypatch.setattr(Jurisdiction, "vat_rate", doubled)
    again = client.get(f"{uk['api']}/invoices/{invoice['id']}", headers=uk["auth"]).get_json()
    assert again["lines"][0]["vat_rate"] == "20.00" and again["vat_total"] == "20.00"
    xml = client.get(f"{uk['api']}/invoices/{invoice['id']}/ubl", headers=uk["auth"]).get_data(as_text=True)
    assert "Manchester City Council" in xml and "Renamed Council" not in xml


def _refused(response, field):
    body = response.get_json()
    assert response.status_code == 422, body
    assert field in str(body["errors"]), body
    return body


def test_bad_lines_are_refused_naming_the_field_and_nothing_is_saved(app, client, uk):
    customer = add_customer(client, uk)
    url = f"{uk['api']}/invoices"
    cases = [
        ([line(quantity="-2")], "quantity"),  # negative quantities belong on a credit note
        ([line(quantity="0")], "quantity"),
        ([line(unit_price="-1")], "unit_price"),
        ([], "lines"),
        ([line(vat_category="ordinaria_22")], "vat_category"),  # an Italian category in a UK co-op
        ([line(quantity="1", unit_price="10", discount_amount="11")], "discount_amount"),
    ]
    for lines, field in cases:
        _refused(client.post(url, headers=uk["auth"], json={"customer_id": customer["id"], "lines": lines}), field)
    assert _refused(client.post(url, headers=uk["auth"], json={"customer_id": customer["id"]}), "lines")
    assert count(app, Invoice) == 0 and count(app, InvoiceLine) == 0


def test_a_customer_of_another_coop_is_refused_naming_customer_id(app, client, uk, factory):
    other = factory.tenant("elsewhere", country="uk")
    factory.user("t.other@example.test", {"role": "treasurer", "tenant": "elsewhere"})
    theirs = client.post("/api/v1/t/elsewhere/customers", headers=token_for(client, "t.other@example.test"),
                         json={**COUNCIL, "name": "Their council"}).get_json()
    response = client.post(f"{uk['api']}/invoices", headers=uk["auth"],
                           json={"customer_id": theirs["id"], "lines": [line()]})
    _refused(response, "customer_id")
    assert "Their council" not in response.get_data(as_text=True)
    mine = draft(client, uk, add_customer(client, uk)["id"])
    moved = client.patch(f"{uk['api']}/invoices/{mine['id']}", headers=uk["auth"], json={"customer_id": theirs["id"]})
    _refused(moved, "customer_id")
    assert count(app, Invoice) == 1 and other.id != uk["tenant"].id


def test_viewers_read_but_do_not_write(client, uk):
    customer = add_customer(client, uk)
    invoice = draft(client, uk, customer["id"])
    assert [i["id"] for i in client.get(f"{uk['api']}/invoices", headers=uk["viewer"]).get_json()] == [invoice["id"]]
    assert client.post(f"{uk['api']}/invoices/{invoice['id']}/issue", headers=uk["viewer"]).status_code == 403
    assert client.get(f"{uk['api']}/invoices/{invoice['id']}", headers=uk["viewer"]).get_json()["status"] == "draft"


def test_credit_notes_take_their_own_series_and_never_exceed_what_is_left(app, client, uk):
    customer = add_customer(client, uk)
    invoice = issue(client, uk, draft(client, uk, customer["id"], lines=[
        line("Care", "10", "20.00"), line("Garden", "2", "50.00")])["id"])  # 300.00 + 60.00 VAT = 360.00
    url = f"{uk['api']}/invoices/{invoice['id']}/credit-notes"
    partial = client.post(url, headers=uk["auth"], json={"lines": [line("Care not delivered", "2", "20.00")],
                                                         "reason": "two visits cancelled"})
    assert partial.status_code == 201, partial.get_json()
    note = partial.get_json()
    assert note["kind"] == "credit_note" and note["number"] == f"CN-{local_today().year}-0001"
    assert note["gross_total"] == "48.00" and note["credited_invoice_id"] == invoice["id"]

    too_much = client.post(url, headers=uk["auth"], json={"full": True})
    body = _refused(too_much, "lines")
    assert "left to credit" in body["detail"] and "312.00" in body["detail"]
    assert count(app, Invoice) == 2

    rest = client.post(url, headers=uk["auth"], json={"lines": [line("Rest", "1", "260.00")]})
    assert rest.status_code == 201, rest.get_json()
    after = client.get(f"{uk['api']}/invoices/{invoice['id']}", headers=uk["auth"]).get_json()
    assert after["amount_credited"] == "360.00" and after["status"] == "credited" and after["outstanding"] == "0.00"
    next_invoice = issue(client, uk, draft(client, uk, customer["id"])["id"])
    assert next_invoice["number"].endswith("-0002")  # credit notes did not use the invoice series


def test_credit_notes_only_against_issued_invoices(client, uk):
    customer = add_customer(client, uk)
    invoice = draft(client, uk, customer["id"])
    response = client.post(f"{uk['api']}/invoices/{invoice['id']}/credit-notes", headers=uk["auth"],
                           json={"full": True})
    assert response.status_code == 409 and "state" in response.get_json()["errors"]


def test_payments_move_the_status_and_over_payment_is_refused(app, client, uk):
    customer = add_customer(client, uk)
    invoice = issue(client, uk, draft(client, uk, customer["id"], lines=[line("Care", "1", "100.00")])["id"])
    url = f"{uk['api']}/invoices/{invoice['id']}/payments"
    today = local_today().isoformat()
    assert client.post(url, headers=uk["auth"], json={"amount": "50.00", "paid_on": today}).status_code == 201
    assert client.get(f"{uk['api']}/invoices/{invoice['id']}", headers=uk["auth"]).get_json()["status"] == "part-paid"

    over = client.post(url, headers=uk["auth"], json={"amount": "70.01", "paid_on": today})
    assert "over-payments are refused" in _refused(over, "amount")["detail"]
    assert count(app, Payment) == 1

    assert client.post(url, headers=uk["auth"], json={"amount": "70.00", "paid_on": today}).status_code == 201
    paid = client.get(f"{uk['api']}/invoices/{invoice['id']}", headers=uk["auth"]).get_json()
    assert (paid["status"], paid["amount_paid"], paid["outstanding"]) == ("paid", "120.00", "0.00")
    assert [p["amount"] for p in client.get(url, headers=uk["auth"]).get_json()] == ["50.00", "70.00"]


def test_a_payment_on_a_draft_or_a_bad_amount_is_refused(app, client, uk):
    customer = add_customer(client, uk)
    invoice = draft(client, uk, customer["id"])
    url = f"{uk['api']}/invoices/{invoice['id']}/payments"
    on_draft = client.post(url, headers=uk["auth"], json={"amount": "10.00", "paid_on": local_today().isoformat()})
    assert on_draft.status_code == 409 and "draft" in on_draft.get_json()["detail"]
    _refused(client.post(url, headers=uk["auth"], json={"amount": "-5", "paid_on": "2026-01-01"}), "amount")
    assert count(app, Payment) == 0


def test_the_list_is_newest_first_with_status_and_filters(client, uk):
    customer = add_customer(client, uk)
    paid = issue(client, uk, draft(client, uk, customer["id"])["id"])
    client.post(f"{uk['api']}/invoices/{paid['id']}/payments", headers=uk["auth"],
                json={"amount": paid["gross_total"], "paid_on": local_today().isoformat()})
    issued = issue(client, uk, draft(client, uk, customer["id"])["id"])
    pending = draft(client, uk, customer["id"])
    listing = client.get(f"{uk['api']}/invoices", headers=uk["auth"])
    assert [(i["id"], i["status"]) for i in listing.get_json()] == [
        (pending["id"], "draft"), (issued["id"], "issued"), (paid["id"], "paid")]
    assert listing.get_json()[0]["customer_name"] == COUNCIL["name"]
    only_paid = client.get(f"{uk['api']}/invoices?status=paid", headers=uk["auth"]).get_json()
    assert [i["id"] for i in only_paid] == [paid["id"]]
    assert client.get(f"{uk['api']}/invoices?status=late", headers=uk["auth"]).status_code == 422


def test_customers_are_validated_for_their_country(app, client, uk, italy):
    url = f"{uk['api']}/customers"
    _refused(client.post(url, headers=uk["auth"], json={**COUNCIL, "vat_number": "GB123456789"}), "vat_number")
    _refused(client.post(url, headers=uk["auth"], json={**COUNCIL, "codice_destinatario": "ABC1234"}),
             "codice_destinatario")
    it_url = f"{italy['api']}/customers"
    public = {"name": "Comune di Bologna", "customer_type": "public_body_it", "street": "Piazza Maggiore 6",
              "city": "Bologna", "postcode": "40124", "tax_code": "00743110157"}
    _refused(client.post(it_url, headers=italy["auth"], json=public), "codice_destinatario")
    _refused(client.post(it_url, headers=italy["auth"], json={**public, "codice_destinatario": "UF5YCIX"}),
             "codice_destinatario")
    _refused(client.post(it_url, headers=italy["auth"], json={**public, "codice_destinatario": "UF5YCI",
                                                              "tax_code": "RSSMRA80A01A944X"}), "tax_code")
    assert count(app, Customer) == 0
    comune = client.post(it_url, headers=italy["auth"], json={**public, "codice_destinatario": "uf5yci"}).get_json()
    assert comune["is_public_body"] is True and comune["codice_destinatario"] == "UF5YCI"
    company = client.post(it_url, headers=italy["auth"], json={
        "name": "Emilia Servizi S.r.l.", "customer_type": "company", "vat_number": "IT00743110157",
        "street": "Via Emilia 31", "city": "Bologna", "postcode": "40139", "pec": "emilia@pec.example"}).get_json()
    assert company["codice_destinatario"] == "0000000" and company["vat_number"] == "00743110157"
    assert company["is_public_body"] is False and company["country_code"] == "IT"


def test_aged_debtors_bucket_by_days_past_due(client, uk, factory, app):
    from consortium.extensions import db
    from consortium.tenancy import tenant_scope
    from tenants.invoicing import service
    from tests.invoicing.helpers import make_invoice

    customer_id = add_customer(client, uk)["id"]
    today = local_today()
    # 30-day terms: issued 20, 45, 80, 100 and 200 days ago -> due -10, 15, 50, 70 and 170 days ago
    for days in (20, 45, 80, 100, 200):
        make_invoice(factory, uk["tenant"], customer_id=customer_id, on=today - timedelta(days=days),
                     lines=[{"description": "Care", "quantity": D("1"), "unit_price": D(days),
                             "vat_category": "exempt"}])
    with app.app_context(), tenant_scope(db.session, uk["tenant"].id):
        rows, totals = service.aged_debtors(db.session, today)
    assert totals == {"current": D("20.00"), "1-30": D("45.00"), "31-60": D("80.00"), "61-90": D("100.00"),
                      "90+": D("200.00")}
    assert rows[0].customer_name == COUNCIL["name"] and rows[0].total == D("445.00")
    response = client.get(f"{uk['api']}/invoices/aged-debtors", headers=uk["auth"]).get_json()
    assert response["totals"]["90+"] == "200.00"
    assert response["rows"] == [{"customer_id": customer_id, "customer_name": COUNCIL["name"], "total": "445.00",
                                 "buckets": {"current": "20.00", "1-30": "45.00", "31-60": "80.00",
                                             "61-90": "100.00", "90+": "200.00"}}]
    overdue = client.get(f"{uk['api']}/invoices?status=overdue", headers=uk["auth"]).get_json()
    assert len(overdue) == 4


def test_a_retried_issue_with_the_same_idempotency_key_replays_instead_of_failing(client, uk):
    customer = add_customer(client, uk)
    invoice = draft(client, uk, customer["id"])
    headers = {**uk["auth"], "Idempotency-Key": "issue-once-7f3a"}
    first = client.post(f"{uk['api']}/invoices/{invoice['id']}/issue", headers=headers)
    again = client.post(f"{uk['api']}/invoices/{invoice['id']}/issue", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["number"] == first.get_json()["number"]


def test_other_refusals_name_their_field_and_save_nothing(app, client, uk):
    customer = add_customer(client, uk)
    invoice = issue(client, uk, draft(client, uk, customer["id"])["id"])
    url = f"{uk['api']}/invoices/{invoice['id']}"
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    future = client.post(f"{url}/payments", headers=uk["auth"], json={"amount": "10.00", "paid_on": tomorrow})
    assert "is in the future" in _refused(future, "paid_on")["detail"]
    both = client.post(f"{url}/credit-notes", headers=uk["auth"], json={"full": True, "lines": [line()]})
    _refused(both, "lines")
    note = client.post(f"{url}/credit-notes", headers=uk["auth"], json={"lines": [line("Refund", "1", "1.00")]})
    against_note = client.post(f"{uk['api']}/invoices/{note.get_json()['id']}/credit-notes", headers=uk["auth"],
                               json={"full": True})
    assert "is a credit note" in str(_refused(against_note, "invoice_id")["errors"])
    assert count(app, Payment) == 0 and count(app, Invoice) == 2

    nameless = client.patch(f"{uk['api']}/customers/{customer['id']}", headers=uk["auth"], json={"name": None})
    assert nameless.status_code == 422 and "name" in nameless.get_json()["errors"]
    same = client.patch(f"{uk['api']}/invoicing-settings", headers=uk["auth"],
                        json={"invoice_series": "CN", "credit_note_series": "CN"})
    assert "own series" in str(_refused(same, "credit_note_series")["errors"])
    days = client.patch(f"{uk['api']}/invoicing-settings", headers=uk["auth"], json={"reminder_days": "0,400"})
    _refused(days, "reminder_days")
    assert client.get(f"{uk['api']}/invoicing-settings", headers=uk["auth"]).get_json()["invoice_series"] == "INV"
    unchanged = client.get(f"{uk['api']}/customers/{customer['id']}", headers=uk["auth"]).get_json()
    assert unchanged["name"] == COUNCIL["name"]
    _refused(client.get(f"{uk['api']}/invoices/export?format=pdf", headers=uk["auth"]), "format")
