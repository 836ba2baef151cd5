"""Every generated e-invoice passes the official artefacts: CEN EN 16931 and Peppol BIS 3 (UBL), FatturaPA 1.2.3.

The rule sets are the published ones, vendored under tests/data/schemas/ and run with Saxon-HE;
planted errors show that each rule set fires, so a pass cannot be vacuous.
"""

from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from plugins.exporters import EInvoiceError, fatturapa, ubl
from tests.einvoice import sdi
from tests.einvoice.documents import COMPANY, COUNCIL, IT_COOP, UK_COOP, UK_SMALL_COOP, document, it_line, line, spread
from tests.einvoice.official import CEN_EXAMPLES, parse

D = Decimal
DOCUMENTS = spread()
ITALIAN = {name: doc for name, doc in DOCUMENTS.items() if doc.seller.country_code == "IT"}
NS = {**ubl.NS, "inv": ubl.INVOICE_NS}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_generated_ubl_has_no_fatal_assert_from_cen_or_peppol(name, validators):
    xml = ubl.render(DOCUMENTS[name])
    assert validators.ubl_xsd_errors(xml) == []
    assert validators.fatal("cen", xml) == []
    assert validators.fatal("peppol", xml) == []


@pytest.mark.parametrize("name", list(ITALIAN))
def test_generated_fatturapa_passes_its_own_schema_and_the_sdi_controls(name, validators):
    doc = ITALIAN[name]
    xml = fatturapa.render(doc)
    root = parse(xml)
    assert root.get("versione") == ("FPA12" if doc.buyer.is_public_body else "FPR12")
    assert validators.fatturapa_xsd_errors(xml) == []
    assert sdi.controls(root) == []


def test_cens_own_examples_pass_the_harness(validators):
    examples = sorted(CEN_EXAMPLES.iterdir())
    assert len(examples) == 5
    for example in examples:
        xml = example.read_bytes()
        assert validators.ubl_xsd_errors(xml) == [], example.name
        assert validators.fatal("cen", xml) == [], example.name
    # Peppol's own positive example also passes the Peppol rules (CEN's TC 434 examples are not Peppol documents).
    assert validators.fatal("peppol", (CEN_EXAMPLES / "BIS3_Invoice_positive.XML").read_bytes()) == []


# --- planted errors: each rule set fires -------------------------------------------------------


def _edit(xml: bytes, xpath: str, text: str | None = None, *, attribute: str | None = None) -> bytes:
    """The XML with every match of `xpath` removed (text None) or given new text or attribute value."""
    root = parse(xml)
    matches = root.xpath(xpath, namespaces=NS)
    assert matches, xpath
    for element in matches:
        if attribute:
            element.set(attribute, text)
        elif text is None:
            element.getparent().remove(element)
        else:
            element.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


UK_INVOICE = "uk-mixed-rates-to-nhs-trust"
PLANTED = {
    "cen": [
        ("BR-16", lambda xml: _edit(xml, "cac:InvoiceLine")),
        ("BR-CO-10", lambda xml: _edit(xml, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount", "1.00")),
        ("BR-CO-15", lambda xml: _edit(xml, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "1.00")),
        ("BR-CO-17", lambda xml: _edit(xml, "cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:ID='S']"
                                            "[cac:TaxCategory/cbc:Percent='20.00']/cbc:TaxAmount", "99.00")),
        ("BR-E-10", lambda xml: _edit(xml, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason")),
        ("BR-O-02", lambda xml: _edit(xml, "cac:InvoiceLine[cbc:ID='4']/cac:Item/cac:ClassifiedTaxCategory/cbc:ID",
                                      "O")),
    ],
    "peppol": [
        ("PEPPOL-EN16931-R010", lambda xml: _edit(xml, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")),
        ("PEPPOL-EN16931-R020", lambda xml: _edit(xml, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID")),
        ("PEPPOL-COMMON-R040", lambda xml: _edit(xml, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
                                                 "5000000000013")),
        ("PEPPOL-EN16931-CL008", lambda xml: _edit(xml, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID",
                                                   "EM", attribute="schemeID")),
        ("PEPPOL-EN16931-R003", lambda xml: _edit(xml, "cbc:BuyerReference")),
        ("PEPPOL-EN16931-R008", lambda xml: _edit(xml, "cbc:BuyerReference", "")),
    ],
}


@pytest.mark.parametrize("rule_set", list(PLANTED))
def test_each_rule_set_fires_on_a_planted_error(rule_set, validators):
    clean = ubl.render(DOCUMENTS[UK_INVOICE])
    assert validators.fatal(rule_set, clean) == []
    fired = {}
    for rule, plant in PLANTED[rule_set]:
        found = {failed.rule for failed in validators.fatal(rule_set, plant(clean))}
        assert rule in found, (rule, found)
        fired[rule] = len(found)
    assert len(fired) == len(PLANTED[rule_set])


# --- what the exporter refuses before the rules ever see it ------------------------------------


def _ubl_refusal(doc) -> list[str]:
    with pytest.raises(EInvoiceError) as refused:
        ubl.render(doc)
    return refused.value.problems


def test_ubl_needs_both_electronic_addresses():
    doc = DOCUMENTS[UK_INVOICE]
    problems = _ubl_refusal(replace(doc, seller=replace(doc.seller, peppol_id=None),
                                    buyer=replace(doc.buyer, peppol_id=None)))
    assert [problem.split(":")[0] for problem in problems] == ["seller.peppol_id", "buyer.peppol_id"]
    assert "invoicing settings" in problems[0] and "the customer" in problems[1]


def test_ubl_refuses_a_gln_with_a_wrong_check_digit():
    doc = DOCUMENTS[UK_INVOICE]
    problems = _ubl_refusal(replace(doc, buyer=replace(doc.buyer, peppol_id="0088:5000000000013")))
    assert problems == ["buyer.peppol_id: this GLN (scheme 0088) has a wrong check digit"]


def test_not_subject_lines_cannot_share_an_invoice_with_other_categories():
    doc = document("INV-2026-0008", UK_SMALL_COOP, replace(COUNCIL, vat_number=None), [
        line(1, "Repair sessions", "1", "60.00", "not_registered"), line(2, "Leaflets", "10", "0.10", "zero")])
    problems = _ubl_refusal(doc)
    assert problems[0].startswith("lines: a line not subject to VAT (category O) cannot share")


def test_a_not_subject_invoice_carries_no_seller_vat_id():
    doc = document("INV-2026-0009", UK_COOP, replace(COUNCIL, vat_number=None), [
        line(1, "Repair sessions", "1", "60.00", "not_registered")])
    assert [problem.split(":")[0] for problem in _ubl_refusal(doc)] == ["seller.vat_number"]


def test_a_co_op_without_a_vat_number_cannot_send_vat_categories():
    doc = document("INV-2026-0010", UK_SMALL_COOP, COUNCIL, [line(1, "Care visits", "2", "21.50", "exempt")])
    problems = _ubl_refusal(doc)
    assert len(problems) == 1 and problems[0].startswith("seller.vat_number: VAT categories E need")


def test_reverse_charge_needs_the_buyers_vat_id():
    doc = document("2026/FE/0030", IT_COOP, replace(COMPANY, vat_number=None, tax_code="80012340586"), [
        it_line(1, "Pulizia cantiere", "1", "500.00", "inversione_pulizie_edili")])
    assert any("BR-AE-02" in problem for problem in _ubl_refusal(doc))


# --- the FatturaPA summary rule and what goes with it ------------------------------------------


def test_ten_lines_of_10_10_at_22_keep_the_billed_total_with_an_arrotondamento(validators):
    # Worked example of the issue: per-line VAT 10 x 2.22 = 22.20 billed; on the summary 101.00 x 22% = 22.22.
    doc = DOCUMENTS["it-ten-lines-of-10.10-at-22"]
    assert (doc.tax_total, doc.tax_inclusive_total) == (D("22.20"), D("123.20"))
    root = parse(fatturapa.render(doc))
    summary = root.find(".//DatiRiepilogo")
    assert (summary.findtext("ImponibileImporto"), summary.findtext("Imposta")) == ("101.00", "22.22")
    general = root.find(".//DatiGeneraliDocumento")
    assert general.findtext("ImportoTotaleDocumento") == "123.20"
    assert general.findtext("Arrotondamento") == "-0.02"
    assert root.findtext(".//DettaglioPagamento/ImportoPagamento") == "123.20"
    # The per-line sum on the summary is what SdI control 00421 rejects.
    summary.find("Imposta").text = "22.20"
    assert ("00421" in {code for code, _ in sdi.controls(root)})


def test_a_document_without_rounding_differences_has_no_arrotondamento():
    root = parse(fatturapa.render(DOCUMENTS["it-mixed-rates-and-exempt"]))
    assert root.find(".//DatiGeneraliDocumento/Arrotondamento") is None


def test_split_payment_marks_the_vat_s_and_asks_for_the_net_amount():
    doc = DOCUMENTS["it-public-body-split-payment"]
    root = parse(fatturapa.render(doc))
    assert {summary.findtext("EsigibilitaIVA") for summary in root.iter("DatiRiepilogo")} == {"S"}
    assert root.findtext(".//DettaglioPagamento/ImportoPagamento") == f"{doc.line_extension_total:.2f}"
    assert root.findtext(".//ImportoTotaleDocumento") == f"{doc.tax_inclusive_total:.2f}"
    note = parse(ubl.render(doc)).findtext("cbc:Note", namespaces=NS)
    assert "17-ter" in note and f"{doc.line_extension_total:.2f}" in note


def test_split_payment_with_reverse_charge_is_refused_as_control_00420():
    doc = document("2026/FE/0031", IT_COOP, COMPANY, [
        it_line(1, "Pulizia cantiere", "1", "500.00", "inversione_pulizie_edili")], split_payment=True)
    with pytest.raises(EInvoiceError, match="00420"):
        fatturapa.render(doc)


def test_stamp_duty_is_declared_as_virtual():
    root = parse(fatturapa.render(DOCUMENTS["it-exempt-with-stamp-duty"]))
    assert root.findtext(".//DatiBollo/BolloVirtuale") == "SI"
    assert root.findtext(".//DatiBollo/ImportoBollo") == "2.00"


def test_natures_carry_their_reference_to_the_law():
    root = parse(fatturapa.render(DOCUMENTS["it-reverse-charge-cleaning-n6.7"]))
    summary = root.find(".//DatiRiepilogo")
    assert (summary.findtext("Natura"), summary.findtext("Imposta")) == ("N6.7", "0.00")
    assert "a-ter" in summary.findtext("RiferimentoNormativo")
    assert parse(fatturapa.render(DOCUMENTS["it-services-abroad-n2.1"])).findtext(".//DatiRiepilogo/Natura") == "N2.1"


def test_the_exporters_problems_are_told_in_the_readers_language(app):
    """A refusal shown on a page is in the reader's language; the field it names stays the same."""
    doc = DOCUMENTS[UK_INVOICE]
    without = replace(doc, seller=replace(doc.seller, peppol_id=None), buyer=replace(doc.buyer, peppol_id="0088:1"))
    with app.test_request_context(headers={"Accept-Language": "it"}):
        problems = _ubl_refusal(without)
        assert [problem.split(":")[0] for problem in problems] == ["seller.peppol_id", "buyer.peppol_id"]
        assert "impostazioni di fatturazione della cooperativa" in problems[0]
        assert problems[1] == "buyer.peppol_id: un GLN (schema 0088) ha 13 cifre"
        with pytest.raises(EInvoiceError) as refused:
            fatturapa.render(replace(doc, number="INV"))
        assert any("lo SDI richiede almeno una cifra" in problem for problem in refused.value.problems)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert _ubl_refusal(without)[1] == "buyer.peppol_id: a GLN (scheme 0088) has 13 digits"
