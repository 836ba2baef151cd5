"""PDF, UBL 2.1 (Peppol BIS 3: XSD, CEN and Peppol rules) and FatturaPA 1.2.3 (XSD, SdI controls) for issued documents,
run through the API as a co-op would download them and checked with the official artefacts."""

import shutil
import subprocess

import pytest
from lxml import etree

from plugins.exporters import ubl
from tests.einvoice import sdi
from tests.invoicing.conftest import COMUNE, COUNCIL, add_customer, draft, issue, line, set_electronic_address


@pytest.fixture
def xsd(validators):
    return validators


def _xml(response) -> etree._Element:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/xml"
    return etree.fromstring(response.data, etree.XMLParser(no_network=True, resolve_entities=False))


def _uk_invoice(client, uk):
    set_electronic_address(client, uk, "0088:5012345678900")
    customer = add_customer(client, uk, {"name": "Leeds Teaching Hospitals NHS Trust", "customer_type": "nhs_body",
                                         "street": "Beckett Street", "city": "Leeds", "postcode": "LS9 7TF",
                                         "peppol_id": "0088:5000000000012"})
    return issue(client, uk, draft(client, uk, customer["id"], lines=[
        line("Home care visits", "3", "33.333"),
        line("Day centre places for the autumn programme, including transport to and from the centre, lunch and "
             "an afternoon activity chosen with each person", "4", "48.00", "exempt", unit="DAY"),
        line("Garden", "2", "20.00", discount_amount="5.00")], buyer_reference="PO-NHS-77")["id"])


def test_uk_invoice_and_credit_note_are_valid_peppol_ubl(client, uk, xsd):
    invoice = _uk_invoice(client, uk)
    root = _xml(client.get(f"{uk['api']}/invoices/{invoice['id']}/ubl", headers=uk["auth"]))
    assert xsd.ubl_problems(etree.tostring(root)) == []
    assert root.findtext("cbc:ID", namespaces=ubl.NS) == invoice["number"]
    assert root.findtext("cbc:DueDate", namespaces=ubl.NS) == invoice["due_date"]
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=ubl.NS) == invoice["gross_total"]
    assert root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", ubl.NS).get("schemeID") == "0088"

    note = client.post(f"{uk['api']}/invoices/{invoice['id']}/credit-notes", headers=uk["auth"],
                       json={"full": True, "reason": "Sent to the wrong trust"}).get_json()
    credit = _xml(client.get(f"{uk['api']}/invoices/{note['id']}/ubl", headers=uk["auth"]))
    assert xsd.ubl_problems(etree.tostring(credit)) == []
    assert credit.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
                           namespaces=ubl.NS) == invoice["number"]


def test_per_line_rounded_vat_exports_to_ubl(client, uk, xsd):
    set_electronic_address(client, uk, "0088:5012345678900")
    customer = add_customer(client, uk, {**COUNCIL, "peppol_id": "9932:GB802311782"})
    invoice = issue(client, uk, draft(client, uk, customer["id"], lines=[
        line("Visit A", "1", "33.333"), line("Visit B", "1", "33.333"), line("Visit C", "1", "33.333")])["id"])
    assert invoice["vat_total"] == "20.01"
    root = _xml(client.get(f"{uk['api']}/invoices/{invoice['id']}/ubl", headers=uk["auth"]))
    assert xsd.ubl_problems(etree.tostring(root)) == []


def test_ubl_without_electronic_addresses_is_refused_plainly(client, uk):
    customer = add_customer(client, uk)
    invoice = issue(client, uk, draft(client, uk, customer["id"])["id"])
    response = client.get(f"{uk['api']}/invoices/{invoice['id']}/ubl", headers=uk["auth"])
    assert response.status_code == 422
    assert "electronic address" in response.get_json()["detail"] and "neither" in response.get_json()["detail"]


def test_drafts_have_no_e_invoice(client, uk):
    customer = add_customer(client, uk)
    pending = draft(client, uk, customer["id"])
    response = client.get(f"{uk['api']}/invoices/{pending['id']}/ubl", headers=uk["auth"])
    assert response.status_code == 409 and "draft" in response.get_json()["detail"]


def test_italian_public_body_gets_fpa12_with_natura_and_credit_notes_td04(client, italy, xsd):
    comune = add_customer(client, italy, COMUNE)
    invoice = issue(client, italy, draft(client, italy, comune["id"], lines=[
        line("Assistenza domiciliare", "10", "22.40", "ridotta_5_sociale"),
        line("Prestazioni socio-sanitarie", "5", "24.00", "esente_art10")])["id"])
    root = _xml(client.get(f"{italy['api']}/invoices/{invoice['id']}/fatturapa", headers=italy["auth"]))
    assert xsd.fatturapa_xsd_errors(etree.tostring(root)) == [] and sdi.controls(root) == []
    assert root.get("versione") == "FPA12"
    assert root.findtext(".//CodiceDestinatario") == "UF5YCI"
    assert root.findtext(".//TipoDocumento") == "TD01"
    # The exempt 120.00 is over EUR 77.47, so the invoice pays stamp duty (DPR 642/1972 Tariffa art. 13), charged
    # to the customer by default on a line excluded from the VAT base (N1), and declared in DatiBollo.
    assert [n.text for n in root.iter("Natura")] == ["N4", "N1", "N4", "N1"]  # two lines and their summaries
    assert (root.findtext(".//DatiBollo/BolloVirtuale"), root.findtext(".//DatiBollo/ImportoBollo")) == ("SI", "2.00")
    assert root.findtext(".//ImportoTotaleDocumento") == invoice["gross_total"] == "357.20"  # 224 + 5% + 120 + 2

    note = client.post(f"{italy['api']}/invoices/{invoice['id']}/credit-notes", headers=italy["auth"],
                       json={"lines": [line("Ore non svolte", "1", "22.40", "ridotta_5_sociale")]}).get_json()
    credit = _xml(client.get(f"{italy['api']}/invoices/{note['id']}/fatturapa", headers=italy["auth"]))
    assert xsd.fatturapa_xsd_errors(etree.tostring(credit)) == [] and sdi.controls(credit) == []
    assert credit.findtext(".//TipoDocumento") == "TD04"
    assert credit.findtext(".//DatiFattureCollegate/IdDocumento") == invoice["number"]


def test_italian_company_gets_fpr12_by_pec(client, italy, xsd):
    company = add_customer(client, italy, {
        "name": "Emilia Servizi S.r.l.", "customer_type": "company", "vat_number": "00743110157",
        "street": "Via Emilia 31", "city": "Bologna", "postcode": "40139", "pec": "emilia@pec.example"})
    invoice = issue(client, italy, draft(client, italy, company["id"], lines=[
        line("Servizio mensa", "20", "6.80", "ordinaria_22", unit="DAY")])["id"])
    root = _xml(client.get(f"{italy['api']}/invoices/{invoice['id']}/fatturapa", headers=italy["auth"]))
    assert xsd.fatturapa_xsd_errors(etree.tostring(root)) == [] and sdi.controls(root) == []
    assert root.get("versione") == "FPR12"
    assert root.findtext(".//CodiceDestinatario") == "0000000"
    assert root.findtext(".//PECDestinatario") == "emilia@pec.example"


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@needs_poppler
def test_pdf_shows_number_lines_vat_and_totals(client, uk, tmp_path):
    invoice = _uk_invoice(client, uk)
    response = client.get(f"{uk['api']}/invoices/{invoice['id']}/pdf", headers=uk["auth"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert invoice["number"] in response.headers["Content-Disposition"]
    again = client.get(f"{uk['api']}/invoices/{invoice['id']}/pdf", headers=uk["auth"])
    assert again.data == response.data  # deterministic: dated by the issue, not by the download
    path = tmp_path / "invoice.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert f"Invoice {invoice['number']}" in text
    assert "Leeds Teaching Hospitals NHS Trust" in text and "PO-NHS-77" in text
    assert "£" + invoice["gross_total"] in text.replace(",", "")
    assert "Exempt: welfare services" in text
    assert "an afternoon activity chosen with each person" in " ".join(text.split())  # long text wraps, kept whole


@needs_poppler
def test_italian_pdf_is_in_italian_with_euro_amounts(client, italy, tmp_path):
    comune = add_customer(client, italy, COMUNE)
    invoice = issue(client, italy, draft(client, italy, comune["id"], lines=[
        line("Assistenza domiciliare", "10", "22.40", "ridotta_5_sociale"),
        line("Manutenzione verde", "7.5", "3.333", "ordinaria_22")])["id"])
    path = tmp_path / "fattura.pdf"
    path.write_bytes(client.get(f"{italy['api']}/invoices/{invoice['id']}/pdf",
                                headers={**italy["auth"], "Accept-Language": "it"}).data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\xa0", " ")
    assert f"Fattura {invoice['number']}" in text and "Riepilogo IVA" in text
    assert invoice["gross_total"] == "265.70"  # 224.00 + 11.20 VAT at 5% + 25.00 + 5.50 VAT at 22%
    assert "265,70 €" in text
    # quantities and unit prices with Italian decimal commas, the unit price with all its decimals
    assert "Manutenzione verde" in text and " 7,5 " in text and "3,333 €" in text
    # the letterhead and footer of the platform's base in Italian too
    assert "Iscr. A123456" in text and "P.IVA IT01122330010" in text and "Pagina 1 di 1" in text


def _pdf_text(client, coop, invoice, tmp_path, language) -> str:
    response = client.get(f"{coop['api']}/invoices/{invoice['id']}/pdf",
                          headers={**coop["auth"], "Accept-Language": language})
    assert response.status_code == 200
    path = tmp_path / f"invoice-{language}.pdf"
    path.write_bytes(response.data)
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.replace("\xa0", " ").split())


@needs_poppler
def test_pdf_is_written_in_the_readers_language(client, uk, italy, tmp_path):
    """The same invoice reads in Italian for an Italian reader and in English for an English one; the money
    stays in the co-op's currency, written the reader's way."""
    invoice = _uk_invoice(client, uk)
    italian = _pdf_text(client, uk, invoice, tmp_path, "it")
    assert f"Fattura {invoice['number']}" in italian and "Riepilogo IVA" in italian and "Scadenza" in italian
    assert "Modalità di pagamento" in italian and "Pagamento con bonifico entro il" in italian
    assert "Pagina 1 di 1" in italian
    assert "giorni" in italian and "Invoice" not in italian and "Due date" not in italian
    assert "£" in italian and invoice["gross_total"].replace(".", ",") in italian.replace(".", "")

    comune = add_customer(client, italy, COMUNE)
    fattura = issue(client, italy, draft(client, italy, comune["id"], lines=[
        line("Assistenza domiciliare", "10", "22.40", "ridotta_5_sociale")])["id"])
    english = _pdf_text(client, italy, fattura, tmp_path, "en")
    assert f"Invoice {fattura['number']}" in english and "VAT summary" in english and "Page 1 of 1" in english
    assert "Fattura" not in english and "Riepilogo" not in english
    assert "€235.20" in english  # 224.00 + 5% VAT, the euro written the English way


@needs_poppler
def test_pdf_names_vat_categories_and_exemption_reasons_in_the_readers_language(client, italy, uk, tmp_path):
    """Issue 15: the VAT summary names each category in words (with its FatturaPA nature code) and the exemption
    reason is the reader's: an Italian reader reads the rate table's own text (DPR 633/1972 art. 10), an English
    reader its English; no category code (esente_art10, ridotta_5_sociale) is printed."""
    comune = add_customer(client, italy, COMUNE)
    fattura = issue(client, italy, draft(client, italy, comune["id"], lines=[
        line("Assistenza domiciliare", "10", "22.40", "ridotta_5_sociale"),
        line("Prestazioni socio-sanitarie", "5", "24.00", "esente_art10")])["id"])
    italian = _pdf_text(client, italy, fattura, tmp_path, "it")
    english = _pdf_text(client, italy, fattura, tmp_path, "en")
    assert "Operazione esente ai sensi dell'art. 10 del DPR 633/1972" in italian
    assert "Esente art. 10 DPR 633/1972 (N4)" in italian
    assert "N4: Exempt transaction under art. 10 of DPR 633/1972" in english
    assert "Exempt under art. 10 DPR 633/1972 (N4)" in english
    assert "Reduced rate for social co-operatives" in english and "Operazione esente" not in english
    for text in (italian, english):
        assert "esente_art10" not in text and "esente art10" not in text and "ridotta 5 sociale" not in text

    uk_invoice = _uk_invoice(client, uk)  # the UK table's reason is English: Italian readers read it in Italian
    italian = _pdf_text(client, uk, uk_invoice, tmp_path, "it")
    assert "Esente: servizi di assistenza sociale forniti da un prestatore soggetto a regolamentazione pubblica" \
        in italian
    assert "Exempt: welfare services" not in italian


def test_every_rate_tables_exemption_reason_has_its_words_for_the_pdf():
    """A rate table added with a new exemption reason must say it in both languages (tenants/invoicing/labels.py)."""
    import json
    from pathlib import Path

    from tenants.invoicing.labels import EXEMPTION_REASONS

    tables = Path(__file__).resolve().parents[2] / "plugins" / "jurisdictions"
    reasons = {category["exemption_reason"] for path in tables.glob("*/rates/*.json")
               for category in json.loads(path.read_text())["categories"] if category.get("exemption_reason")}
    assert reasons and reasons - set(EXEMPTION_REASONS) == set()
