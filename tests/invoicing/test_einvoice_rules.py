"""What each e-invoice format needs is checked when a customer is saved and again before issue; split payment
and stamp duty as the co-op bills them. Through the API and pages, as a treasurer meets them."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from lxml import etree

from consortium.clock import local_today
from consortium.extensions import db
from consortium.tenancy import tenant_scope
from tenants.invoicing import service
from tenants.invoicing.models import Customer, Invoice
from tests.conftest import login
from tests.einvoice import sdi
from tests.einvoice.official import parse
from tests.invoicing.conftest import COMUNE, COUNCIL, add_customer, count, draft, issue, line, set_electronic_address

D = Decimal
COMPANY = {"name": "Emilia Servizi S.r.l.", "customer_type": "company", "vat_number": "00743110157",
           "street": "Via Emilia 31", "city": "Bologna", "postcode": "40139", "pec": "emilia@pec.example"}


def _refused(response, field):
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert field in body["errors"], body
    return body


# --- saved customers -------------------------------------------------------------------------


def test_an_italian_customer_with_a_four_digit_cap_is_refused_when_saved(client, italy):
    # Issue 15: a 4-digit CAP used to be saved, invoiced, and then never exportable to FatturaPA.
    body = _refused(client.post(f"{italy['api']}/customers", headers=italy["auth"],
                                json={**COMPANY, "postcode": "4013"}), "postcode")
    assert "5 digits" in body["errors"]["postcode"][0]
    assert count(client.application, Customer) == 0
    saved = add_customer(client, italy, COMPANY)
    _refused(client.patch(f"{italy['api']}/customers/{saved['id']}", headers=italy["auth"],
                          json={"postcode": "4013"}), "postcode")
    assert client.get(f"{italy['api']}/customers/{saved['id']}", headers=italy["auth"]).get_json()["postcode"] == \
        "40139"


def test_a_uk_co_op_may_keep_a_british_postcode_for_an_italian_customer_only_if_it_has_five_digits(client, uk):
    _refused(client.post(f"{uk['api']}/customers", headers=uk["auth"],
                         json={**COMPANY, "country_code": "IT", "postcode": "IT-40139"}), "postcode")


def test_an_italian_co_op_needs_every_customers_address_for_fatturapa(client, italy):
    body = _refused(client.post(f"{italy['api']}/customers", headers=italy["auth"],
                                json={**COMPANY, "street": None}), "street")
    assert "FatturaPA" in body["errors"]["street"][0]


@pytest.mark.parametrize(("peppol_id", "problem"), [
    ("0088:5000000000013", "wrong check digit"),
    ("0088:50000000000", "13 digits"),
    ("0211:IT01234560018", "partita IVA"),
    ("9999:123", "not one we support"),
    ("5012345678900", "scheme:identifier"),
])
def test_an_electronic_address_is_checked_by_its_scheme_when_saved(client, uk, peppol_id, problem):
    body = _refused(client.post(f"{uk['api']}/customers", headers=uk["auth"],
                                json={**COUNCIL, "peppol_id": peppol_id}), "peppol_id")
    assert problem in body["errors"]["peppol_id"][0]
    _refused(client.patch(f"{uk['api']}/invoicing-settings", headers=uk["auth"], json={"peppol_id": peppol_id}),
             "peppol_id")


def test_electronic_addresses_are_stored_normalised(client, uk):
    saved = add_customer(client, uk, {**COUNCIL, "peppol_id": "9932:gb 802 3117 82"})
    assert saved["peppol_id"] == "9932:GB802311782"


def test_split_payment_is_only_for_italian_customers_of_an_italian_co_op(client, uk, italy):
    _refused(client.post(f"{uk['api']}/customers", headers=uk["auth"], json={**COUNCIL, "split_payment": True}),
             "split_payment")
    _refused(client.post(f"{italy['api']}/customers", headers=italy["auth"],
                         json={"name": "Mario Rossi", "customer_type": "household", "tax_code": "RSSMRA80A01H501U",
                               "street": "Via Po 1", "city": "Bologna", "postcode": "40121", "split_payment": True}),
             "split_payment")


# --- before issue ----------------------------------------------------------------------------


def test_issue_is_refused_while_the_co_op_has_no_electronic_address_for_a_peppol_customer(client, uk):
    customer = add_customer(client, uk, {**COUNCIL, "peppol_id": "9932:GB802311782"})
    pending = draft(client, uk, customer["id"])
    response = client.post(f"{uk['api']}/invoices/{pending['id']}/issue", headers=uk["auth"])
    body = _refused(response, "ubl")
    assert "The co-op's electronic address" in body["detail"] and "invoicing settings" in body["detail"]
    assert any(problem.startswith("seller.peppol_id: ") for problem in body["errors"]["ubl"])  # paths for machines
    after = client.get(f"{uk['api']}/invoices/{pending['id']}", headers=uk["auth"]).get_json()
    assert after["status"] == "draft" and after["number"] is None  # nothing half-saved, no number taken
    set_electronic_address(client, uk, "0088:5012345678900")
    assert issue(client, uk, pending["id"])["number"].endswith("-0001")


def test_issue_is_refused_for_a_customer_saved_before_the_cap_rule(client, italy, app):
    # A customer saved before the rule (written straight to the table here) is caught again at issue.
    with app.app_context(), tenant_scope(db.session, italy["tenant"].id):
        legacy = Customer(name="Vecchio Cliente S.r.l.", customer_type="company", country_code="IT",
                          vat_number="00743110157", street="Via Roma 2", city="Imola", postcode="4026",
                          codice_destinatario="0000000", payment_terms_days=30, remind_customer=False,
                          split_payment=False)
        db.session.add(legacy)
        db.session.commit()
        legacy_id = legacy.id
    pending = draft(client, italy, legacy_id, lines=[line("Servizio mensa", "10", "6.80", "ordinaria_22")])
    body = _refused(client.post(f"{italy['api']}/invoices/{pending['id']}/issue", headers=italy["auth"]),
                    "fatturapa")
    assert "buyer.postcode: an Italian CAP has 5 digits, got '4026'" in body["errors"]["fatturapa"]
    assert count(app, Invoice) == 1


def test_a_not_subject_line_for_a_peppol_customer_is_refused_at_issue_with_the_br_o_rule(client, italy):
    set_electronic_address(client, italy, "0211:IT01122330010")
    customer = add_customer(client, italy, {**COMPANY, "peppol_id": "0211:IT00743110157"})
    pending = draft(client, italy, customer["id"], lines=[line("Servizio", "1", "100.00", "ordinaria_22"),
                                                         line("Rimborso", "1", "50.00", "non_soggetta")])
    body = _refused(client.post(f"{italy['api']}/invoices/{pending['id']}/issue", headers=italy["auth"]), "ubl")
    assert any("BR-O-11" in problem for problem in body["errors"]["ubl"])
    assert any("BR-O-02" in problem for problem in body["errors"]["ubl"])


def test_the_refusal_is_shown_on_the_invoice_page(client, uk):
    customer = add_customer(client, uk, {**COUNCIL, "peppol_id": "9932:GB802311782"})
    pending = draft(client, uk, customer["id"])
    login(client, "t.uk@example.test")
    page = client.post(f"/t/riverside/invoices/{pending['id']}/issue", follow_redirects=True).get_data(as_text=True)
    assert "This invoice cannot be issued" in page and "electronic address" in page
    assert "seller.peppol_id" not in page  # the field in words, not its path (the API keeps the path)
    italian = client.post(f"/t/riverside/invoices/{pending['id']}/issue", headers={"Accept-Language": "it"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Questa fattura non può essere emessa" in italian and "indirizzo elettronico della cooperativa" in italian
    assert "seller.peppol_id" not in italian and "a Peppol invoice needs" not in italian


# --- split payment ---------------------------------------------------------------------------


def _split_invoice(client, italy):
    comune = add_customer(client, italy, {**COMUNE, "split_payment": True})
    assert comune["split_payment"] is True
    return issue(client, italy, draft(client, italy, comune["id"], lines=[
        line("Manutenzione aree verdi", "1", "1000.00", "ordinaria_22"),
        line("Assistenza domiciliare", "10", "20.00", "ridotta_5_sociale")])["id"])


def test_split_payment_asks_the_public_body_for_the_amount_net_of_vat(client, italy, app, validators):
    invoice = _split_invoice(client, italy)
    # 1000.00 + 220.00 VAT at 22% + 200.00 + 10.00 at 5%: 1430.00 gross, 1200.00 to pay (art. 17-ter).
    assert (invoice["gross_total"], invoice["payable_total"], invoice["outstanding"]) == ("1430.00", "1200.00",
                                                                                          "1200.00")
    xml = client.get(f"{italy['api']}/invoices/{invoice['id']}/fatturapa", headers=italy["auth"]).data
    root = parse(xml)
    assert validators.fatturapa_xsd_errors(xml) == [] and sdi.controls(root) == []
    assert {summary.findtext("EsigibilitaIVA") for summary in root.iter("DatiRiepilogo")} == {"S"}
    assert root.findtext(".//ImportoPagamento") == "1200.00"
    assert root.findtext(".//ImportoTotaleDocumento") == "1430.00"
    # The aged debtors count what the body pays, and paying it settles the invoice.
    with app.app_context(), tenant_scope(db.session, italy["tenant"].id):
        rows, totals = service.aged_debtors(db.session, local_today())
    assert rows[0].total == D("1200.00")
    over = client.post(f"{italy['api']}/invoices/{invoice['id']}/payments", headers=italy["auth"],
                       json={"paid_on": invoice["issue_date"], "amount": "1430.00"})
    assert over.status_code == 422 and "amount" in over.get_json()["errors"]
    paid = client.post(f"{italy['api']}/invoices/{invoice['id']}/payments", headers=italy["auth"],
                       json={"paid_on": invoice["issue_date"], "amount": "1200.00"})
    assert paid.status_code == 201
    assert client.get(f"{italy['api']}/invoices/{invoice['id']}", headers=italy["auth"]).get_json()["status"] == "paid"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_split_payment_pdf_shows_the_same_amount_to_pay(client, italy, tmp_path):
    invoice = _split_invoice(client, italy)
    path = tmp_path / "fattura.pdf"
    path.write_bytes(client.get(f"{italy['api']}/invoices/{invoice['id']}/pdf",
                                headers={**italy["auth"], "Accept-Language": "it"}).data)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.replace("\xa0", " ").split())
    assert "scissione dei pagamenti" in text and "Importo da pagare 1.200,00 €" in text


def test_a_split_payment_credit_note_credits_what_the_body_pays(client, italy):
    invoice = _split_invoice(client, italy)
    note = client.post(f"{italy['api']}/invoices/{invoice['id']}/credit-notes", headers=italy["auth"],
                       json={"full": True, "reason": "Servizio annullato"}).get_json()
    assert note["split_payment"] is True and note["payable_total"] == "1200.00"
    after = client.get(f"{italy['api']}/invoices/{invoice['id']}", headers=italy["auth"]).get_json()
    assert (after["status"], after["outstanding"]) == ("credited", "0.00")


# --- stamp duty ------------------------------------------------------------------------------


def _exempt_invoice(client, italy, amount: str):
    company = add_customer(client, italy, COMPANY)
    return issue(client, italy, draft(client, italy, company["id"], lines=[
        line("Corso di formazione", "1", amount, "esente_art10")])["id"])


def _fatturapa(client, italy, invoice) -> etree._Element:
    return parse(client.get(f"{italy['api']}/invoices/{invoice['id']}/fatturapa", headers=italy["auth"]).data)


def test_stamp_duty_charged_to_the_customer_is_a_line_excluded_from_vat(client, italy):
    # DPR 642/1972 Tariffa Parte I art. 13: EUR 2.00 on an invoice with more than EUR 77.47 not subject to VAT.
    invoice = _exempt_invoice(client, italy, "77.48")
    assert (invoice["stamp_duty"], invoice["gross_total"]) == ("2.00", "79.48")
    assert invoice["lines"][-1]["vat_natura"] == "N1" and invoice["lines"][-1]["net_amount"] == "2.00"
    root = _fatturapa(client, italy, invoice)
    assert root.findtext(".//DatiBollo/ImportoBollo") == "2.00" and sdi.controls(root) == []


def test_no_stamp_duty_up_to_77_47(client, italy):
    invoice = _exempt_invoice(client, italy, "77.47")
    assert invoice["stamp_duty"] is None and len(invoice["lines"]) == 1
    assert _fatturapa(client, italy, invoice).find(".//DatiBollo") is None


def test_stamp_duty_borne_by_the_co_op_is_declared_but_not_billed(client, italy):
    client.patch(f"{italy['api']}/invoicing-settings", headers=italy["auth"], json={"stamp_duty_mode": "coop"})
    invoice = _exempt_invoice(client, italy, "300.00")
    assert (invoice["stamp_duty"], invoice["gross_total"], len(invoice["lines"])) == ("2.00", "300.00", 1)
    assert _fatturapa(client, italy, invoice).findtext(".//DatiBollo/BolloVirtuale") == "SI"


def test_a_co_op_exempt_from_stamp_duty_declares_none(client, italy):
    client.patch(f"{italy['api']}/invoicing-settings", headers=italy["auth"], json={"stamp_duty_mode": "not_due"})
    invoice = _exempt_invoice(client, italy, "300.00")
    assert invoice["stamp_duty"] is None and _fatturapa(client, italy, invoice).find(".//DatiBollo") is None


def test_taxable_and_reverse_charge_amounts_pay_no_stamp_duty(client, italy):
    company = add_customer(client, italy, COMPANY)
    invoice = issue(client, italy, draft(client, italy, company["id"], lines=[
        line("Pulizia cantiere", "1", "500.00", "inversione_pulizie_edili"),
        line("Manutenzione", "1", "500.00", "ordinaria_22")])["id"])
    assert invoice["stamp_duty"] is None


# --- pages -----------------------------------------------------------------------------------


def test_the_customer_and_settings_forms_take_the_electronic_address(client, italy):
    login(client, "t.it@example.test")
    saved = client.post("/t/girasole/invoices/settings", data={
        "invoice_series": "FE", "credit_note_series": "NC", "default_payment_terms_days": "30",
        "regime_fiscale": "RF01", "reminder_days": "7,30", "peppol_scheme": "0211",
        "peppol_identifier": "IT01122330010", "stamp_duty_mode": "coop"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    settings = client.get(f"{italy['api']}/invoicing-settings", headers=italy["auth"]).get_json()
    assert (settings["peppol_id"], settings["stamp_duty_mode"]) == ("0211:IT01122330010", "coop")
    form = {**{key: value for key, value in COMPANY.items()}, "country_code": "IT", "payment_terms_days": "30",
            "peppol_scheme": "0088", "peppol_identifier": "5000000000013", "split_payment": "y"}
    refused = client.post("/t/girasole/invoices/customers/new", data=form)
    assert refused.status_code == 422 and "wrong check digit" in refused.get_data(as_text=True)
    created = client.post("/t/girasole/invoices/customers/new", data={**form, "peppol_identifier": "5012345678900"})
    assert created.status_code == 302, created.get_data(as_text=True)
    customer = client.get(f"{italy['api']}/customers", headers=italy["auth"]).get_json()[0]
    assert (customer["peppol_id"], customer["split_payment"]) == ("0088:5012345678900", True)
    edit = client.get(f"/t/girasole/invoices/customers/{customer['id']}/edit").get_data(as_text=True)
    assert 'value="5012345678900"' in edit and '<option value="0088" selected' in edit
