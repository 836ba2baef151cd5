"""A spread of e-invoices as the invoicing feature makes them, for the official validators.

Lines are rounded as the invoicing service rounds them (net and VAT per line, half-up, via
its own `line_amounts`), totals are the sums of the rounded lines, and the VAT categories are
the jurisdictions' own rate-table entries, so what is validated is what a co-op would send.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from plugins.exporters.model import EInvoice, EInvoiceLine, InvoiceReference, Party, VatBreakdown
from plugins.jurisdictions.base import get_jurisdiction
from tenants.invoicing.service import line_amounts

D = Decimal
ON = date(2026, 5, 29)
DUE = date(2026, 6, 28)

UK_COOP = Party(name="Riverside Care Co-operative Ltd", street="12 Mill Lane", city="Leeds", postcode="LS6 2AB",
                country_code="GB", vat_number="GB980780684", registration_number="RS007654",
                email="accounts@riverside.coop", iban="GB33BUKB20201555555555", peppol_id="0088:5012345678900")
UK_SMALL_COOP = replace(UK_COOP, name="Hebden Bridge Tool Library Co-operative", vat_number=None,
                        peppol_id="0088:5087654321007", iban="GB94BARC10201530093459")
NHS_TRUST = Party(name="Leeds Teaching Hospitals NHS Trust", street="Beckett Street", city="Leeds",
                  postcode="LS9 7TF", country_code="GB", peppol_id="0088:5000000000012", is_public_body=True)
COUNCIL = Party(name="Leeds City Council", street="Civic Hall", city="Leeds", postcode="LS1 1UR", country_code="GB",
                vat_number="GB802311782", peppol_id="9932:GB802311782", is_public_body=True)
IT_COOP = Party(name="Cooperativa Sociale Il Girasole", street="Via Roma 10", city="Bologna", postcode="40121",
                country_code="IT", vat_number="IT01234560017", tax_code="01234560017",
                email="amministrazione@ilgirasole.coop", iban="IT60X0542811101000000123456",
                peppol_id="0211:IT01234560017")
COMUNE = Party(name="Comune di Casalecchio di Reno", street="Via dei Mille 9", city="Casalecchio di Reno",
               postcode="40033", country_code="IT", tax_code="80012340586", peppol_id="0201:UFABCD",
               codice_destinatario="UFABCD", is_public_body=True)
COMPANY = Party(name="Alfa Servizi S.r.l.", street="Corso Italia 3", city="Milano", postcode="20122",
                country_code="IT", vat_number="IT09876540155", email="ufficio@alfaservizi.it",
                codice_destinatario="0000000", pec="alfaservizi@pec.it", peppol_id="0211:IT09876540155")
BUILDER = Party(name="Edilcasa Costruzioni S.p.A.", street="Via Emilia 200", city="Modena", postcode="41121",
                country_code="IT", vat_number="IT02345670224", codice_destinatario="M5UXCR1",
                peppol_id="0088:5012345678900")
GERMAN_CLIENT = Party(name="Sozialwerk Rhein GmbH", street="Rheinallee 5", city="Bonn", postcode="53113",
                      country_code="DE", vat_number="DE136695976", peppol_id="0088:4000001000005")

UK = get_jurisdiction("uk")
IT = get_jurisdiction("it")


def line(line_id: int, description: str, quantity: str, unit_price: str, category: str, *, jurisdiction=UK,
         unit="C62", discount="0.00", on=ON) -> tuple[EInvoiceLine, Decimal]:
    """An exporter line and its VAT, with the rate, natura and reason the rate table gives on `on`."""
    vat = jurisdiction.vat_rate(category, on)
    net, tax = line_amounts(D(quantity), D(unit_price), D(discount), vat.rate)
    return EInvoiceLine(line_id=str(line_id), description=description, quantity=D(quantity), unit_code=unit,
                        unit_price=D(unit_price), discount_amount=D(discount), net_amount=net,
                        vat_category_code=vat.ubl_category, vat_rate=vat.rate, natura=vat.natura,
                        exemption_reason=vat.exemption_reason), tax


def document(number: str, seller: Party, buyer: Party, lines: list, *, kind="invoice", currency=None,
             **extra) -> EInvoice:
    """A document whose totals are the sums of its per-line rounded amounts, as the invoicing service keeps them."""
    groups: dict[tuple, VatBreakdown] = {}
    for item, tax in lines:
        key = (item.vat_category_code, item.vat_rate, item.natura)
        group = groups.setdefault(key, VatBreakdown(category_code=item.vat_category_code, rate=item.vat_rate,
                                                    natura=item.natura, exemption_reason=item.exemption_reason,
                                                    taxable_amount=D("0.00"), tax_amount=D("0.00")))
        group.taxable_amount += item.net_amount
        group.tax_amount += tax
    net = sum((item.net_amount for item, _ in lines), D("0.00"))
    vat = sum((tax for _, tax in lines), D("0.00"))
    split = extra.pop("split_payment", False)
    values = {"issue_date": ON, "due_date": DUE, "payment_terms": "Payment within 30 days",
              "payable_amount": net if split else net + vat}
    values.update(extra)
    return EInvoice(kind=kind, number=number, currency=currency or ("EUR" if seller.country_code == "IT" else "GBP"),
                    seller=seller, buyer=buyer, lines=[item for item, _ in lines], vat_breakdown=list(groups.values()),
                    line_extension_total=net, tax_exclusive_total=net, tax_total=vat, tax_inclusive_total=net + vat,
                    split_payment=split, **values)


def it_line(line_id, description, quantity, unit_price, category, **extra):
    """A line of the Italian rate table."""
    return line(line_id, description, quantity, unit_price, category, jurisdiction=IT, **extra)


def spread() -> dict[str, EInvoice]:
    """The documents the issue lists, by name."""
    return {
        # Several UK rates, a discount, zero-rated and exempt lines, to a UK public body (GLN address).
        "uk-mixed-rates-to-nhs-trust": document("INV-2026-0042", UK_COOP, NHS_TRUST, [
            line(1, "Domiciliary care visits, May", "12", "21.50", "exempt", unit="HUR"),
            line(2, "Café catering for the ward open day", "1", "180.00", "standard", discount="18.00"),
            line(3, "Children's car seats for the patient transport", "2", "64.00", "reduced"),
            line(4, "Large-print leaflets", "500", "0.12", "zero"),
        ], buyer_reference="PO-4500123"),
        # Three lines of 33.333 at 20%: per-line rounding gives 33.33 + 6.67 each.
        "uk-three-lines-of-33.333": document("INV-2026-0043", UK_COOP, COUNCIL, [
            line(n, f"Meal deliveries, week {n}", "1", "33.333", "standard") for n in (1, 2, 3)
        ]),
        # A co-op that printed no bank account: the credit note's payment means stays open (BR-61).
        "uk-credit-note": document("CN-2026-0003", replace(UK_COOP, iban=None), NHS_TRUST, [
            line(1, "Domiciliary care visits, May (visits not made)", "2", "21.50", "exempt", unit="HUR"),
        ], kind="credit_note", billing_reference=InvoiceReference(number="INV-2026-0042", issue_date=ON)),
        # A small co-op below the VAT threshold: nothing on the invoice is subject to VAT (the council's own VAT
        # number is left off the XML, BR-O-02).
        "uk-not-subject-to-vat": document("INV-2026-0007", UK_SMALL_COOP, COUNCIL, [
            line(1, "Tool library membership for the council's repair café", "12", "15.00", "not_registered"),
            line(2, "Volunteer-led repair sessions", "4", "60.00", "not_registered", unit="DAY"),
        ]),
        # An Italian public body with split payment: 22% and 5% lines, a discount.
        "it-public-body-split-payment": document("2026/FE/0017", IT_COOP, COMUNE, [
            it_line(1, "Servizio di assistenza domiciliare socio-sanitaria", "40", "19.50", "ridotta_5_sociale",
                    unit="HUR"),
            it_line(2, "Manutenzione aree verdi", "1", "1200.00", "ordinaria_22", discount="100.00"),
            it_line(3, "Pulizia locali", "3", "33.333", "ordinaria_22"),
        ], order_reference="ODA-991", split_payment=True),
        # The summary rule: 10 x 10.10 at 22% is 22.20 of VAT per line, 22.22 on the summary.
        "it-ten-lines-of-10.10-at-22": document("2026/FE/0018", IT_COOP, COMPANY, [
            it_line(n, f"Ore di pulizia, giorno {n}", "1", "10.10", "ordinaria_22") for n in range(1, 11)
        ]),
        # Several Italian rates with an exempt line.
        "it-mixed-rates-and-exempt": document("2026/FE/0019", IT_COOP, COMPANY, [
            it_line(1, "Servizio mensa", "120", "6.40", "ridotta_10"),
            it_line(2, "Fornitura libri per la biblioteca", "10", "18.00", "super_ridotta_4"),
            it_line(3, "Manutenzione impianti", "1", "450.00", "ordinaria_22"),
            it_line(4, "Corso di formazione per operatori", "1", "300.00", "esente_art10"),
        ]),
        # An exempt invoice over EUR 77.47 pays stamp duty (imposta di bollo) virtually.
        "it-exempt-with-stamp-duty": document("2026/FE/0020", IT_COOP, COMPANY, [
            it_line(1, "Corso di formazione per operatori", "1", "300.00", "esente_art10"),
        ], stamp_duty=D("2.00")),
        # Reverse charge: cleaning services for a builder (art. 17 c.6 a-ter, N6.7).
        "it-reverse-charge-cleaning-n6.7": document("2026/FE/0021", IT_COOP, BUILDER, [
            it_line(1, "Pulizia del cantiere di via Emilia, maggio", "60", "22.00", "inversione_pulizie_edili",
                    unit="HUR"),
        ]),
        # Reverse charge: subcontracting in construction (art. 17 c.6 a, N6.3).
        "it-reverse-charge-subcontract-n6.3": document("2026/FE/0022", IT_COOP, BUILDER, [
            it_line(1, "Tinteggiatura in subappalto, cantiere di via Emilia", "1", "2400.00",
                    "inversione_subappalto_edile"),
        ]),
        # Services to a business customer abroad (art. 7-ter, N2.1).
        "it-services-abroad-n2.1": document("2026/FE/0023", IT_COOP, GERMAN_CLIENT, [
            it_line(1, "Progettazione di un percorso di inserimento lavorativo", "1", "1800.00",
                    "non_soggetta_art7ter"),
        ]),
        "it-credit-note-to-public-body": document("2026/NC/0002", IT_COOP, COMUNE, [
            it_line(1, "Pulizia locali (ore non prestate)", "3", "33.333", "ordinaria_22"),
        ], kind="credit_note", split_payment=True,
            billing_reference=InvoiceReference(number="2026/FE/0017", issue_date=ON)),
    }
