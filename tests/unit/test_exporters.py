"""E-invoice exporters: UBL 2.1 / Peppol BIS 3 and FatturaPA 1.2.3, validated with the official artefacts."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from plugins.exporters import EInvoiceError, fatturapa, load_exporters, ubl
from plugins.exporters.model import (
    EInvoice,
    EInvoiceLine,
    InvoiceReference,
    Party,
    decimal_text,
    round_money,
    summarise_vat,
)

NS = {**ubl.NS, "inv": ubl.INVOICE_NS, "cn": ubl.CREDIT_NOTE_NS}
D = Decimal


@pytest.fixture
def ubl_invoice_schema(validators):
    return validators


@pytest.fixture
def ubl_credit_note_schema(validators):
    return validators


@pytest.fixture
def fatturapa_schema(validators):
    return validators


def _parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))


def _line(
    line_id, description, quantity, unit_price, rate, unit="C62", category="S", discount="0.00", **extra
):
    """A line as the invoicing feature makes it: net = quantity x price - discount, rounded half-up."""
    quantity, unit_price, discount = D(quantity), D(unit_price), D(discount)
    return EInvoiceLine(
        line_id=line_id,
        description=description,
        quantity=quantity,
        unit_code=unit,
        unit_price=unit_price,
        discount_amount=discount,
        net_amount=round_money(quantity * unit_price - discount),
        vat_category_code=category,
        vat_rate=D(rate),
        **extra,
    )


def _document(kind, number, currency, seller, buyer, lines, **extra) -> EInvoice:
    breakdown = summarise_vat(lines)
    net = sum((line.net_amount for line in lines), D("0.00"))
    tax = sum((group.tax_amount for group in breakdown), D("0.00"))
    values = {
        "issue_date": date(2024, 5, 31),
        "due_date": date(2024, 6, 30),
        "vat_breakdown": breakdown,
        "line_extension_total": net,
        "tax_exclusive_total": net,
        "tax_total": tax,
        "tax_inclusive_total": net + tax,
        "payable_amount": net + tax,
    }
    values.update(extra)
    return EInvoice(
        kind=kind, number=number, currency=currency, seller=seller, buyer=buyer, lines=lines, **values
    )


UK_COOP = Party(
    name="Riverside Care Co-operative Ltd",
    street="12 Mill Lane",
    city="Leeds",
    postcode="LS6 2AB",
    country_code="GB",
    vat_number="GB980780684",
    registration_number="RS007654",
    email="accounts@riverside.coop",
    iban="GB33BUKB20201555555555",
    peppol_id="9932:GB980780684",
)
NHS_TRUST = Party(
    name="Leeds Teaching Hospitals NHS Trust",
    street="St James's University Hospital, Beckett Street",
    city="Leeds",
    postcode="LS9 7TF",
    country_code="GB",
    peppol_id="0088:5000000000012",
    is_public_body=True,
)
IT_COOP = Party(
    name="Cooperativa Sociale Il Girasole",
    street="Via Roma 10",
    city="Bologna",
    postcode="40121",
    country_code="IT",
    vat_number="IT01234560017",
    tax_code="01234560017",
    email="amministrazione@ilgirasole.coop",
    iban="IT60X0542811101000000123456",
    peppol_id="0211:IT01234560017",
)
COMUNE = Party(
    name="Comune di Casalecchio di Reno",
    street="Via dei Mille 9",
    city="Casalecchio di Reno",
    postcode="40033",
    country_code="IT",
    vat_number="02345670224",
    tax_code="80012340586",
    peppol_id="0201:UFABCD",
    codice_destinatario="UFABCD",
    is_public_body=True,
)
PRIVATE_COMPANY = Party(
    name="Alfa Servizi S.r.l.",
    street="Corso Italia 3",
    city="Milano",
    postcode="20122",
    country_code="IT",
    vat_number="IT09876540155",
    email="ufficio@alfaservizi.it",
    codice_destinatario="0000000",
    pec="alfaservizi@pec.it",
    peppol_id="0211:IT09876540155",
)
N4_REASON = "Esente art. 10 c.1 n.20 DPR 633/72"


def _uk_lines():
    return [
        _line("1", "Domiciliary care visits, May", "12", "21.50", "20.00", unit="HUR"),
        _line(
            "2",
            "Safeguarding training workshop",
            "1",
            "450.00",
            "0.00",
            category="E",
            exemption_reason="Exempt: education and vocational training (VATA 1994 Sch 9 Group 6)",
        ),
        _line("3", "Meal deliveries", "3", "33.333", "20.00"),
    ]


def _it_lines():
    return [
        _line("1", "Servizio di assistenza domiciliare socio-sanitaria", "40", "19.50", "5.00", unit="HUR"),
        _line("2", "Manutenzione aree verdi", "1", "1200.00", "22.00", discount="100.00"),
        _line(
            "3",
            "Corso di formazione",
            "1",
            "300.00",
            "0.00",
            category="E",
            natura="N4",
            exemption_reason=N4_REASON,
        ),
        _line("4", "Pulizia locali", "3", "33.333", "22.00"),
    ]


def uk_invoice():
    return _document(
        "invoice", "INV-2024-0042", "GBP", UK_COOP, NHS_TRUST, _uk_lines(), buyer_reference="PO-4500123"
    )


def uk_credit_note():
    return _document(
        "credit_note",
        "CN-2024-0003",
        "GBP",
        UK_COOP,
        NHS_TRUST,
        _uk_lines()[:1],
        buyer_reference="PO-4500123",
        billing_reference=InvoiceReference(number="INV-2024-0042", issue_date=date(2024, 5, 31)),
    )


def it_invoice(buyer=COMUNE):
    return _document("invoice", "2024/FE/0017", "EUR", IT_COOP, buyer, _it_lines(), order_reference="ODA-991")


def it_credit_note(buyer=COMUNE):
    return _document(
        "credit_note",
        "2024/NC/0002",
        "EUR",
        IT_COOP,
        buyer,
        _it_lines()[2:3],
        billing_reference=InvoiceReference(number="2024/FE/0017", issue_date=date(2024, 5, 31)),
    )


# --- model -----------------------------------------------------------------------------------


def test_vat_summary_rounds_half_up_per_rate_and_natura():
    lines = [
        _line("1", "a", "1", "33.333", "22.00"),
        _line("2", "b", "1", "33.333", "22.00"),
        _line("3", "c", "1", "33.333", "22.00"),
        _line("4", "d", "1", "0.25", "10.00"),
        _line("5", "e", "1", "300.00", "0.00", category="E", natura="N4", exemption_reason=N4_REASON),
    ]
    groups = {(group.rate, group.natura): group for group in summarise_vat(lines)}
    assert groups[(D("22.00"), None)].taxable_amount == D("99.99")
    assert groups[(D("22.00"), None)].tax_amount == D("22.00")  # 21.9978
    assert groups[(D("10.00"), None)].tax_amount == D("0.03")  # 0.025 half-up, not to even
    assert groups[(D("0.00"), "N4")].tax_amount == D("0.00")
    assert groups[(D("0.00"), "N4")].exemption_reason == N4_REASON


@pytest.mark.parametrize(
    ("value", "min_places", "max_places", "text"),
    [
        ("2.675", 2, 2, "2.68"),  # money: half-up, never to even
        ("-2.675", 2, 2, "-2.68"),
        ("3", 0, 4, "3"),  # quantity as given
        ("1.50", 0, 4, "1.50"),
        ("1.23456", 0, 4, "1.2346"),  # quantity: at most 4 decimals
        ("1E+1", 2, 2, "10.00"),  # never scientific notation in XML
        ("33.333", 2, 8, "33.333"),
    ],
)
def test_decimals_are_written_as_the_formats_require(value, min_places, max_places, text):
    assert decimal_text(D(value), min_places, max_places) == text


def test_money_given_as_float_is_refused_naming_the_field():
    with pytest.raises(TypeError, match=r"EInvoiceLine\.unit_price"):
        EInvoiceLine(
            line_id="1",
            description="x",
            quantity=D("1"),
            unit_code="C62",
            unit_price=19.5,
            net_amount=D("19.50"),
            vat_category_code="S",
            vat_rate=D("22"),
        )


def test_exporters_are_registered_as_entry_points():
    exporters = load_exporters()
    assert exporters["ubl"] is ubl.exporter
    assert exporters["fatturapa"] is fatturapa.exporter
    for exporter in exporters.values():
        assert exporter.media_type == "application/xml"
        assert exporter.file_extension == "xml"


# --- UBL / Peppol BIS 3 ----------------------------------------------------------------------


def test_uk_invoice_to_nhs_trust_is_valid_peppol_ubl(ubl_invoice_schema):
    xml = ubl.exporter.render(uk_invoice())
    root = _parse(xml)
    assert ubl_invoice_schema.ubl_xsd_errors(etree.tostring(root)) == []
    assert root.tag == f"{{{ubl.INVOICE_NS}}}Invoice"
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == ubl.CUSTOMIZATION_ID
    assert root.findtext("cbc:ProfileID", namespaces=NS) == ubl.PROFILE_ID
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert root.findtext("cbc:DueDate", namespaces=NS) == "2024-06-30"
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "PO-4500123"
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert buyer.find("cbc:EndpointID", NS).get("schemeID") == "0088"
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert seller.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS) == "GB980780684"
    assert seller.findtext("cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS) == "RS007654"
    assert (
        root.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=NS)
        == "GB33BUKB20201555555555"
    )
    totals = root.find("cac:LegalMonetaryTotal", NS)
    # 12 x 21.50 + 3 x 33.333 (100.00) at 20% = 358.00 + 71.60 VAT; 450.00 exempt.
    assert totals.findtext("cbc:LineExtensionAmount", namespaces=NS) == "808.00"
    assert root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) == "71.60"
    assert totals.findtext("cbc:TaxInclusiveAmount", namespaces=NS) == "879.60"
    assert totals.findtext("cbc:PayableAmount", namespaces=NS) == "879.60"
    exempt = root.xpath("cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:ID='E']", namespaces=NS)[0]
    assert exempt.findtext("cbc:TaxableAmount", namespaces=NS) == "450.00"
    assert "VATA 1994" in exempt.findtext("cac:TaxCategory/cbc:TaxExemptionReason", namespaces=NS)


def test_awkward_unit_price_keeps_its_decimals_so_quantity_times_price_gives_the_net(ubl_invoice_schema):
    root = _parse(ubl.exporter.render(uk_invoice()))
    meals = root.xpath("cac:InvoiceLine[cbc:ID='3']", namespaces=NS)[0]
    assert meals.findtext("cbc:InvoicedQuantity", namespaces=NS) == "3"
    assert meals.find("cbc:InvoicedQuantity", NS).get("unitCode") == "C62"
    assert meals.findtext("cac:Price/cbc:PriceAmount", namespaces=NS) == "33.333"
    assert meals.findtext("cbc:LineExtensionAmount", namespaces=NS) == "100.00"


def test_unrounded_line_nets_are_caught_by_the_cen_rules(validators):
    lines = [
        replace(_line(str(n), "Meal", "1", "33.333", "20.00"), net_amount=D("33.333")) for n in (1, 2, 3)
    ]
    doc = _document("invoice", "INV-9", "GBP", UK_COOP, NHS_TRUST, lines)
    assert doc.line_extension_total == D("99.999")  # printed 100.00, lines printed 33.33 each
    assert "BR-CO-10" in {found.rule for found in validators.fatal("cen", ubl.exporter.render(doc))}


def test_a_fully_prepaid_invoice_needs_no_due_date_or_terms(validators):
    doc = uk_invoice()
    doc = replace(doc, due_date=None, payment_terms=None, prepaid_amount=doc.tax_inclusive_total,
                  payable_amount=D("0.00"))
    assert validators.ubl_problems(ubl.exporter.render(doc)) == []


def test_uk_credit_note_uses_the_credit_note_root(ubl_credit_note_schema):
    root = _parse(ubl.exporter.render(uk_credit_note()))
    assert ubl_credit_note_schema.ubl_xsd_errors(etree.tostring(root)) == []
    assert root.tag == f"{{{ubl.CREDIT_NOTE_NS}}}CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    reference = root.find("cac:BillingReference/cac:InvoiceDocumentReference", NS)
    assert reference.findtext("cbc:ID", namespaces=NS) == "INV-2024-0042"
    assert reference.findtext("cbc:IssueDate", namespaces=NS) == "2024-05-31"
    assert root.findtext("cac:PaymentMeans/cbc:PaymentDueDate", namespaces=NS) == "2024-06-30"
    assert root.find("cac:CreditNoteLine/cbc:CreditedQuantity", NS).text == "12"
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "309.60"


@pytest.mark.parametrize("make_doc", [it_invoice, it_credit_note, lambda: it_invoice(PRIVATE_COMPANY)])
def test_italian_documents_are_valid_ubl_too(make_doc, ubl_invoice_schema, ubl_credit_note_schema):
    doc = make_doc()
    root = _parse(ubl.exporter.render(doc))
    assert ubl_invoice_schema.ubl_xsd_errors(etree.tostring(root)) == []


def test_buyer_reference_defaults_to_the_invoice_number():
    root = _parse(ubl.exporter.render(replace(uk_invoice(), buyer_reference=None)))
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "INV-2024-0042"


# --- FatturaPA -------------------------------------------------------------------------------


def _summaries(root):
    return {
        (summary.findtext("AliquotaIVA"), summary.findtext("Natura")): summary
        for summary in root.iter("DatiRiepilogo")
    }


def test_invoice_to_a_comune_is_valid_fpa12(fatturapa_schema):
    root = _parse(fatturapa.exporter.render(it_invoice()))
    assert fatturapa_schema.fatturapa_xsd_errors(etree.tostring(root)) == []
    assert root.tag == f"{{{fatturapa.NAMESPACE}}}FatturaElettronica"
    assert root.prefix == "p"
    assert root.get("versione") == "FPA12"
    transmission = root.find("FatturaElettronicaHeader/DatiTrasmissione")
    assert transmission.findtext("IdTrasmittente/IdPaese") == "IT"
    assert transmission.findtext("IdTrasmittente/IdCodice") == "01234560017"
    assert transmission.findtext("ProgressivoInvio") == "2024FE0017"
    assert transmission.findtext("FormatoTrasmissione") == "FPA12"
    assert transmission.findtext("CodiceDestinatario") == "UFABCD"
    assert transmission.find("PECDestinatario") is None
    assert root.findtext(".//CedentePrestatore/DatiAnagrafici/RegimeFiscale") == "RF01"
    assert root.findtext(".//CessionarioCommittente/DatiAnagrafici/CodiceFiscale") == "80012340586"
    general = root.find(".//DatiGeneraliDocumento")
    assert general.findtext("TipoDocumento") == "TD01"
    assert general.findtext("Numero") == "2024/FE/0017"
    # 780.00 at 5% + (1100.00 + 100.00) at 22% + 300.00 exempt = 2280.00 + 39.00 + 264.00 VAT
    assert general.findtext("ImportoTotaleDocumento") == "2583.00"
    assert root.findtext(".//DatiOrdineAcquisto/IdDocumento") == "ODA-991"
    summaries = _summaries(root)
    assert set(summaries) == {("5.00", None), ("22.00", None), ("0.00", "N4")}
    assert summaries[("22.00", None)].findtext("ImponibileImporto") == "1200.00"
    assert summaries[("22.00", None)].findtext("Imposta") == "264.00"
    assert summaries[("5.00", None)].findtext("Imposta") == "39.00"
    assert summaries[("0.00", "N4")].findtext("RiferimentoNormativo") == N4_REASON
    payment = root.find(".//DatiPagamento")
    assert payment.findtext("CondizioniPagamento") == "TP02"
    assert payment.findtext("DettaglioPagamento/ModalitaPagamento") == "MP05"
    assert payment.findtext("DettaglioPagamento/DataScadenzaPagamento") == "2024-06-30"
    assert payment.findtext("DettaglioPagamento/ImportoPagamento") == "2583.00"
    assert payment.findtext("DettaglioPagamento/IBAN") == "IT60X0542811101000000123456"


def test_lines_carry_rate_natura_and_a_separate_discount_line(fatturapa_schema):
    root = _parse(fatturapa.exporter.render(it_invoice()))
    lines = root.findall(".//DettaglioLinee")
    assert [line.findtext("NumeroLinea") for line in lines] == ["1", "2", "3", "4", "5"]
    greenery, discount, course, cleaning = lines[1], lines[2], lines[3], lines[4]
    assert (greenery.findtext("PrezzoTotale"), greenery.findtext("AliquotaIVA")) == ("1200.00", "22.00")
    assert discount.findtext("TipoCessionePrestazione") == "SC"
    assert discount.findtext("PrezzoTotale") == "-100.00"
    assert (course.findtext("AliquotaIVA"), course.findtext("Natura")) == ("0.00", "N4")
    assert (cleaning.findtext("Quantita"), cleaning.findtext("PrezzoUnitario")) == ("3.00", "33.333")
    assert cleaning.findtext("PrezzoTotale") == "100.00"
    assert lines[0].findtext("UnitaMisura") == "ore"


def test_invoice_to_a_private_company_is_fpr12_sent_by_pec(fatturapa_schema):
    root = _parse(fatturapa.exporter.render(it_invoice(PRIVATE_COMPANY)))
    assert fatturapa_schema.fatturapa_xsd_errors(etree.tostring(root)) == []
    assert root.get("versione") == "FPR12"
    transmission = root.find(".//DatiTrasmissione")
    assert transmission.findtext("FormatoTrasmissione") == "FPR12"
    assert transmission.findtext("CodiceDestinatario") == "0000000"
    assert transmission.findtext("PECDestinatario") == "alfaservizi@pec.it"
    assert root.findtext(".//CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA/IdCodice") == "09876540155"


def test_private_company_with_its_own_sdi_code_gets_no_pec():
    buyer = replace(PRIVATE_COMPANY, codice_destinatario="M5UXCR1")
    transmission = _parse(fatturapa.exporter.render(it_invoice(buyer))).find(".//DatiTrasmissione")
    assert transmission.findtext("CodiceDestinatario") == "M5UXCR1"
    assert transmission.find("PECDestinatario") is None


@pytest.mark.parametrize("buyer", [COMUNE, PRIVATE_COMPANY], ids=["comune", "private"])
def test_credit_notes_are_td04_pointing_at_the_original(buyer, fatturapa_schema):
    root = _parse(fatturapa.exporter.render(it_credit_note(buyer)))
    assert fatturapa_schema.fatturapa_xsd_errors(etree.tostring(root)) == []
    assert root.findtext(".//DatiGeneraliDocumento/TipoDocumento") == "TD04"
    assert root.findtext(".//DatiFattureCollegate/IdDocumento") == "2024/FE/0017"
    assert root.findtext(".//DatiFattureCollegate/Data") == "2024-05-31"
    assert root.findtext(".//DatiGeneraliDocumento/ImportoTotaleDocumento") == "300.00"


def test_no_due_date_means_no_payment_block(fatturapa_schema):
    root = _parse(fatturapa.exporter.render(replace(it_invoice(), due_date=None)))
    assert fatturapa_schema.fatturapa_xsd_errors(etree.tostring(root)) == []
    assert root.find(".//DatiPagamento") is None


def _refusal(doc) -> list[str]:
    with pytest.raises(EInvoiceError) as refused:
        fatturapa.exporter.render(doc)
    return refused.value.problems


def test_italian_seller_without_partita_iva_is_refused():
    problems = _refusal(replace(it_invoice(), seller=replace(IT_COOP, vat_number=None)))
    assert problems == ["seller.vat_number: required (the partita IVA of an Italian party)"]


def test_invalid_partita_iva_is_refused():
    problems = _refusal(replace(it_invoice(), seller=replace(IT_COOP, vat_number="IT01234560018")))
    assert problems == ["seller.vat_number: not a valid partita IVA: 'IT01234560018'"]


@pytest.mark.parametrize("code", [None, "0000000", "UFAB"])
def test_public_body_without_a_six_character_office_code_is_refused(code):
    problems = _refusal(it_invoice(replace(COMUNE, codice_destinatario=code)))
    assert len(problems) == 1
    assert problems[0].startswith("buyer.codice_destinatario: a public body needs its 6-character")


def test_every_missing_field_is_reported_at_once():
    doc = replace(
        it_credit_note(),
        billing_reference=None,
        buyer=replace(COMUNE, vat_number=None, tax_code=None, postcode="4003"),
        lines=[replace(_it_lines()[2], natura=None)],
        vat_breakdown=[replace(summarise_vat(_it_lines()[2:3])[0], exemption_reason=None)],
    )
    problems = _refusal(doc)
    assert "billing_reference: a credit note (TD04) must name the invoice it corrects" in problems
    assert "buyer: needs a vat_number (partita IVA) or a tax_code (codice fiscale)" in problems
    assert "buyer.postcode: an Italian CAP has 5 digits, got '4003'" in problems
    assert "lines[0] (3).natura: a 0% line needs its natura (e.g. N4 exempt)" in problems
    assert "vat_breakdown[0].natura: a 0% summary needs its natura" in problems


def test_text_outside_latin_1_or_too_long_is_refused():
    seller = replace(IT_COOP, name="Cooperativa Sociale \u201cIl Girasole\u201d")
    problems = _refusal(replace(it_invoice(), seller=seller, number="2024/FE/0017-CORRETTIVA"))
    assert "seller.name: only latin-1 characters are allowed" in problems
    assert "number: at most 20 characters, got 23" in problems


def test_a_long_note_is_split_into_200_character_causali(fatturapa_schema):
    note = "Servizi resi nell'ambito della convenzione n. 12/2024. " * 8
    root = _parse(fatturapa.exporter.render(replace(it_invoice(), note=note)))
    assert fatturapa_schema.fatturapa_xsd_errors(etree.tostring(root)) == []
    causali = [element.text for element in root.iter("Causale")]
    assert [len(causale) for causale in causali] == [200, 200, len(note.strip()) - 400]
    assert "".join(causali) == note.strip()
