"""UBL 2.1 invoices and credit notes following Peppol BIS Billing 3.0 (EN 16931).

Elements are written in the order the UBL 2.1 XSD sequences require. The business rules are
checked by the official artefacts, not here: the test suite runs CEN's EN 16931 validation
XSLT and the Peppol BIS Billing 3.0 rules (both vendored under tests/data/schemas/) over the
documents this module writes. :func:`prerequisites` only refuses what the XML cannot be made
without (the electronic addresses, a VAT category mix the rules allow), so a treasurer is told
at issue rather than by a bounced invoice.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from plugins.exporters import EInvoiceError, Exporter
from plugins.exporters.eas import InvalidEndpoint, parse_endpoint, split_endpoint
from plugins.exporters.model import EInvoice, Party, decimal_text

if TYPE_CHECKING:  # lxml loads when an e-invoice is made (issue 16: not in every worker's memory)
    from lxml import etree

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
INVOICE_TYPE_CODE = "380"  # UNCL1001 commercial invoice
CREDIT_NOTE_TYPE_CODE = "381"  # UNCL1001 credit note
CREDIT_TRANSFER = "30"  # UNCL4461
INSTRUMENT_NOT_DEFINED = "1"  # UNCL4461
NOT_SUBJECT_TO_VAT = "O"  # carries no rate (Peppol BR-O-05)
REVERSE_CHARGE = "AE"
PRICE_MAX_PLACES = 8  # unit prices keep their decimals so quantity x price still gives the line net


def _qname(prefixed: str) -> str:
    prefix, local = prefixed.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _add(parent: etree._Element, tag: str, text: object = None, **attrs: str) -> etree._Element:
    from lxml import etree

    element = etree.SubElement(parent, _qname(tag), attrs)
    if text is not None:
        element.text = str(text)
    return element


def _add_if(parent: etree._Element, tag: str, text: object, **attrs: str) -> None:
    if text is not None and text != "":
        _add(parent, tag, text, **attrs)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value, 2, 2)


def _vat_identifier(party: Party) -> str | None:
    """VAT number with its country prefix, as EN 16931 (BR-CO-9) wants it; Greece uses EL."""
    if not party.vat_number:
        return None
    number = party.vat_number.replace(" ", "").upper()
    prefix = {"GR": "EL"}.get(party.country_code or "", party.country_code or "")
    return number if number.startswith(prefix) else prefix + number


def _add_party(parent: etree._Element, role_tag: str, party: Party) -> None:
    wrapper = _add(parent, role_tag)
    element = _add(wrapper, "cac:Party")
    endpoint = split_endpoint(party.peppol_id)
    if endpoint:
        _add(element, "cbc:EndpointID", endpoint[1], schemeID=endpoint[0])
    if any((party.street, party.city, party.postcode, party.country_code)):
        address = _add(element, "cac:PostalAddress")
        _add_if(address, "cbc:StreetName", party.street)
        _add_if(address, "cbc:CityName", party.city)
        _add_if(address, "cbc:PostalZone", party.postcode)
        if party.country_code:
            _add(_add(address, "cac:Country"), "cbc:IdentificationCode", party.country_code)
    vat_identifier = _vat_identifier(party)
    if vat_identifier:
        tax_scheme = _add(element, "cac:PartyTaxScheme")
        _add(tax_scheme, "cbc:CompanyID", vat_identifier)
        _add(_add(tax_scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal_entity = _add(element, "cac:PartyLegalEntity")
    _add_if(legal_entity, "cbc:RegistrationName", party.name)
    _add_if(legal_entity, "cbc:CompanyID", party.registration_number)
    if party.email:
        _add(_add(element, "cac:Contact"), "cbc:ElectronicMail", party.email)


def _add_tax_category(
    parent: etree._Element, tag: str, category: str, rate: Decimal | None, exemption_reason: str | None = None
) -> None:
    element = _add(parent, tag)
    _add_if(element, "cbc:ID", category)
    if category != NOT_SUBJECT_TO_VAT and rate is not None:
        _add(element, "cbc:Percent", decimal_text(rate, 2, 2))
    _add_if(element, "cbc:TaxExemptionReason", exemption_reason)
    _add(_add(element, "cac:TaxScheme"), "cbc:ID", "VAT")


def build_ubl(doc: EInvoice) -> bytes:
    """Render a document as UBL 2.1 XML without checking the business rules (see :func:`render`)."""
    from lxml import etree

    if doc.kind not in ("invoice", "credit_note"):
        raise EInvoiceError([f"kind: must be 'invoice' or 'credit_note', got {doc.kind!r}"])
    is_credit_note = doc.kind == "credit_note"
    root_tag = "CreditNote" if is_credit_note else "Invoice"
    root_ns = CREDIT_NOTE_NS if is_credit_note else INVOICE_NS
    root = etree.Element(f"{{{root_ns}}}{root_tag}", nsmap={None: root_ns, "cac": CAC, "cbc": CBC})
    currency = doc.currency or ""

    _add(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    _add(root, "cbc:ProfileID", PROFILE_ID)
    _add_if(root, "cbc:ID", doc.number)
    _add_if(root, "cbc:IssueDate", doc.issue_date and doc.issue_date.isoformat())
    if is_credit_note:
        _add(root, "cbc:CreditNoteTypeCode", CREDIT_NOTE_TYPE_CODE)
    else:
        _add_if(root, "cbc:DueDate", doc.due_date and doc.due_date.isoformat())
        _add(root, "cbc:InvoiceTypeCode", INVOICE_TYPE_CODE)
    notes = [doc.note] if doc.note else []
    if doc.split_payment:
        # EN 16931 has no split payment: BR-CO-16 makes the amount due include the VAT, so the note
        # tells the public body that it pays the VAT to the Treasury (DPR 633/1972 art. 17-ter).
        # Peppol allows one Note (PEPPOL-EN16931-R002), so it joins the invoice's own.
        notes.append(f"Scissione dei pagamenti, art. 17-ter DPR 633/1972: IVA {_money(doc.tax_total)}"
                     f" versata dall'ente; importo da pagare {_money(doc.payable_amount)}")
    _add_if(root, "cbc:Note", " - ".join(notes))
    _add_if(root, "cbc:DocumentCurrencyCode", doc.currency)
    _add_if(root, "cbc:BuyerReference", doc.effective_buyer_reference)
    if doc.order_reference:
        _add(_add(root, "cac:OrderReference"), "cbc:ID", doc.order_reference)
    if doc.billing_reference:
        reference = _add(_add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _add(reference, "cbc:ID", doc.billing_reference.number)
        _add_if(
            reference,
            "cbc:IssueDate",
            doc.billing_reference.issue_date and doc.billing_reference.issue_date.isoformat(),
        )
    _add_party(root, "cac:AccountingSupplierParty", doc.seller)
    # An invoice not subject to VAT names no buyer VAT identifier (BR-O-02); the buyer's is optional (BT-48).
    not_subject = bool(doc.lines) and all(line.vat_category_code == NOT_SUBJECT_TO_VAT for line in doc.lines)
    _add_party(root, "cac:AccountingCustomerParty", replace(doc.buyer, vat_number=None) if not_subject else doc.buyer)

    # A credit note has no header DueDate in UBL 2.1; Peppol carries it in PaymentMeans.
    credit_note_due = is_credit_note and doc.due_date is not None
    if doc.seller.iban or credit_note_due:
        means = _add(root, "cac:PaymentMeans")
        # A credit transfer names the account it goes to (BR-61); without one the means is left open.
        _add(means, "cbc:PaymentMeansCode", CREDIT_TRANSFER if doc.seller.iban else INSTRUMENT_NOT_DEFINED)
        if credit_note_due:
            _add(means, "cbc:PaymentDueDate", doc.due_date.isoformat())
        _add_if(means, "cbc:PaymentID", doc.number)
        if doc.seller.iban:
            account = _add(means, "cac:PayeeFinancialAccount")
            _add(account, "cbc:ID", doc.seller.iban.replace(" ", "").upper())
    if doc.payment_terms:
        _add(_add(root, "cac:PaymentTerms"), "cbc:Note", doc.payment_terms)

    tax_total = _add(root, "cac:TaxTotal")
    _add_if(tax_total, "cbc:TaxAmount", _money(doc.tax_total), currencyID=currency)
    for breakdown in doc.vat_breakdown:
        subtotal = _add(tax_total, "cac:TaxSubtotal")
        _add(subtotal, "cbc:TaxableAmount", _money(breakdown.taxable_amount), currencyID=currency)
        _add(subtotal, "cbc:TaxAmount", _money(breakdown.tax_amount), currencyID=currency)
        _add_tax_category(
            subtotal, "cac:TaxCategory", breakdown.category_code, breakdown.rate, breakdown.exemption_reason
        )

    totals = _add(root, "cac:LegalMonetaryTotal")
    _add_if(totals, "cbc:LineExtensionAmount", _money(doc.line_extension_total), currencyID=currency)
    _add_if(totals, "cbc:TaxExclusiveAmount", _money(doc.tax_exclusive_total), currencyID=currency)
    _add_if(totals, "cbc:TaxInclusiveAmount", _money(doc.tax_inclusive_total), currencyID=currency)
    if doc.prepaid_amount:
        _add(totals, "cbc:PrepaidAmount", _money(doc.prepaid_amount), currencyID=currency)
    payable = doc.payable_amount
    if doc.split_payment and doc.tax_inclusive_total is not None:
        payable = doc.tax_inclusive_total - doc.prepaid_amount
    _add_if(totals, "cbc:PayableAmount", _money(payable), currencyID=currency)

    line_tag, quantity_tag = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        if is_credit_note
        else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    for line in doc.lines:
        element = _add(root, line_tag)
        _add(element, "cbc:ID", line.line_id)
        _add(element, quantity_tag, decimal_text(line.quantity, 0, 4), unitCode=line.unit_code)
        _add(element, "cbc:LineExtensionAmount", _money(line.net_amount), currencyID=currency)
        if line.discount_amount:
            allowance = _add(element, "cac:AllowanceCharge")
            _add(allowance, "cbc:ChargeIndicator", "false")
            _add(allowance, "cbc:AllowanceChargeReason", "Discount")
            _add(allowance, "cbc:Amount", _money(line.discount_amount), currencyID=currency)
        item = _add(element, "cac:Item")
        _add(item, "cbc:Name", line.description)
        _add_tax_category(item, "cac:ClassifiedTaxCategory", line.vat_category_code, line.vat_rate)
        price = _add(element, "cac:Price")
        _add(
            price, "cbc:PriceAmount", decimal_text(line.unit_price, 2, PRICE_MAX_PLACES), currencyID=currency
        )

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def prerequisites(doc: EInvoice) -> list[str]:
    """What a document lacks before it can be sent on Peppol, each problem naming its field and rule.

    These are not our own reading of the business rules (the official CEN and Peppol artefacts
    check the XML in the test suite); they are the few facts the XML cannot be made without:
    both electronic addresses (PEPPOL-EN16931-R010, R020) and a VAT category mix that the
    not-subject rules allow (BR-O-02, BR-O-11 to BR-O-14).
    """
    problems = []
    for role, party, missing in (
        ("seller", doc.seller, _("seller.peppol_id: a Peppol invoice needs the seller's electronic address (scheme and"
                                 " identifier) in the co-op's invoicing settings (PEPPOL-EN16931-R020)")),
        ("buyer", doc.buyer, _("buyer.peppol_id: a Peppol invoice needs the buyer's electronic address (scheme and"
                               " identifier) in the customer's details (PEPPOL-EN16931-R010)")),
    ):
        if not split_endpoint(party.peppol_id):
            problems.append(missing)
        else:
            try:
                parse_endpoint(party.peppol_id)
            except InvalidEndpoint as error:
                problems.append(f"{role}.peppol_id: {error.message}")
    categories = {line.vat_category_code for line in doc.lines}
    if NOT_SUBJECT_TO_VAT in categories:
        if len(categories) > 1:
            problems.append(_("lines: a line not subject to VAT (category O) cannot share an invoice with other VAT"
                              " categories (BR-O-11 to BR-O-14): invoice them separately"))
        if doc.seller.vat_number:
            problems.append(_("seller.vat_number: an invoice not subject to VAT (category O) carries no seller VAT"
                              " identifier (BR-O-02); a VAT-registered co-op uses an exempt or zero-rated category"))
    taxed = sorted(categories - {NOT_SUBJECT_TO_VAT})
    if taxed and not doc.seller.vat_number:
        problems.append(_("seller.vat_number: VAT categories %(categories)s need the seller's VAT identifier"
                          " (%(rules)s); a co-op not registered for VAT invoices lines not subject to VAT (category O)",
                          categories=", ".join(taxed), rules=", ".join(f"BR-{code}-02" for code in taxed)))
    if REVERSE_CHARGE in categories and not (doc.seller.vat_number and (doc.buyer.vat_number
                                                                         or doc.buyer.registration_number)):
        problems.append(_("buyer.vat_number: a reverse-charge invoice (category AE) needs the seller's and the"
                          " buyer's VAT identifiers (BR-AE-02)"))
    return problems


def render(doc: EInvoice) -> bytes:
    """Render a document as Peppol BIS 3 UBL XML; raise EInvoiceError listing what it lacks."""
    problems = prerequisites(doc)
    if problems:
        raise EInvoiceError(problems)
    return build_ubl(doc)


exporter = Exporter(code="ubl", media_type="application/xml", file_extension="xml", render=render)
