"""UBL 2.1 invoices and credit notes following Peppol BIS Billing 3.0, with offline EN 16931 checks.

Elements are written in the order the UBL 2.1 XSD sequences require. The EN 16931 business
rules are Schematron upstream; :func:`check_en16931` evaluates the ones below on the XML
itself, so a document is checked exactly as it will be sent.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from lxml import etree

from plugins.exporters import EInvoiceError, Exporter
from plugins.exporters.model import EInvoice, Party, decimal_text, round_money

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
BR_CO_17_SLACK = Decimal("1")
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
INVOICE_TYPE_CODE = "380"  # UNCL1001 commercial invoice
CREDIT_NOTE_TYPE_CODE = "381"  # UNCL1001 credit note
CREDIT_TRANSFER = "30"  # UNCL4461
NOT_SUBJECT_TO_VAT = "O"  # carries no rate (Peppol BR-O-05)
PRICE_MAX_PLACES = 8  # unit prices keep their decimals so quantity x price still gives the line net


def _qname(prefixed: str) -> str:
    prefix, local = prefixed.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _add(parent: etree._Element, tag: str, text: object = None, **attrs: str) -> etree._Element:
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
    if party.peppol_id and ":" in party.peppol_id:
        scheme, identifier = party.peppol_id.split(":", 1)
        _add(element, "cbc:EndpointID", identifier, schemeID=scheme)
    elif party.email:
        _add(element, "cbc:EndpointID", party.email, schemeID="EM")
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
    _add_if(root, "cbc:Note", doc.note)
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
    _add_party(root, "cac:AccountingCustomerParty", doc.buyer)

    # A credit note has no header DueDate in UBL 2.1; Peppol carries it in PaymentMeans.
    credit_note_due = is_credit_note and doc.due_date is not None
    if doc.seller.iban or credit_note_due:
        means = _add(root, "cac:PaymentMeans")
        _add(means, "cbc:PaymentMeansCode", CREDIT_TRANSFER)
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
    _add_if(totals, "cbc:PayableAmount", _money(doc.payable_amount), currencyID=currency)

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


def _parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise EInvoiceError([f"XML: not well-formed: {exc}"]) from exc


def _text(context: etree._Element, path: str) -> str | None:
    found = context.find(path, NS)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _amount(context: etree._Element, path: str) -> Decimal | None:
    text = _text(context, path)
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _sum(elements: list[etree._Element], path: str) -> Decimal:
    return sum((_amount(element, path) or Decimal(0) for element in elements), Decimal(0))


# Rule id and EN 16931 wording of the presence rules, with the path that must hold a value.
_PRESENCE_RULES = (
    ("BR-01", "cbc:CustomizationID", "An Invoice shall have a Specification identifier (BT-24)."),
    ("BR-02", "cbc:ID", "An Invoice shall have an Invoice number (BT-1)."),
    ("BR-03", "cbc:IssueDate", "An Invoice shall have an Invoice issue date (BT-2)."),
    ("BR-04", "{type_code}", "An Invoice shall have an Invoice type code (BT-3)."),
    ("BR-05", "cbc:DocumentCurrencyCode", "An Invoice shall have an Invoice currency code (BT-5)."),
    (
        "BR-06",
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "An Invoice shall contain the Seller name (BT-27).",
    ),
    (
        "BR-07",
        "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "An Invoice shall contain the Buyer name (BT-44).",
    ),
)
_ADDRESS_RULES = (
    ("BR-08", "BR-09", "cac:AccountingSupplierParty", "Seller", "BG-5", "BT-40"),
    ("BR-10", "BR-11", "cac:AccountingCustomerParty", "Buyer", "BG-8", "BT-55"),
)
_TOTAL_RULES = (
    ("BR-12", "cbc:LineExtensionAmount", "the Sum of Invoice line net amount (BT-106)"),
    ("BR-13", "cbc:TaxExclusiveAmount", "the Invoice total amount without VAT (BT-109)"),
    ("BR-14", "cbc:TaxInclusiveAmount", "the Invoice total amount with VAT (BT-112)"),
    ("BR-15", "cbc:PayableAmount", "the Amount due for payment (BT-115)"),
)


def _check_tree(root: etree._Element) -> list[str]:
    if root.tag == f"{{{INVOICE_NS}}}Invoice":
        type_code, line_tag, quantity_tag = "cbc:InvoiceTypeCode", "cac:InvoiceLine", "cbc:InvoicedQuantity"
        due_date_path = "cbc:DueDate"
    elif root.tag == f"{{{CREDIT_NOTE_NS}}}CreditNote":
        type_code, line_tag, quantity_tag = (
            "cbc:CreditNoteTypeCode",
            "cac:CreditNoteLine",
            "cbc:CreditedQuantity",
        )
        due_date_path = "cac:PaymentMeans/cbc:PaymentDueDate"
    else:
        raise EInvoiceError([f"XML: root {root.tag} is neither a UBL 2.1 Invoice nor a CreditNote"])

    problems = []
    for rule, path, message in _PRESENCE_RULES:
        if _text(root, path.format(type_code=type_code)) is None:
            problems.append(f"{rule}: {message}")
    for address_rule, country_rule, party_path, role, group, country_term in _ADDRESS_RULES:
        address = root.find(f"{party_path}/cac:Party/cac:PostalAddress", NS)
        if address is None:
            problems.append(f"{address_rule}: An Invoice shall contain the {role} postal address ({group}).")
        elif _text(address, "cac:Country/cbc:IdentificationCode") is None:
            problems.append(
                f"{country_rule}: The {role} postal address ({group}) shall contain a {role} country code"
                f" ({country_term})."
            )

    totals = {}
    for rule, tag, label in _TOTAL_RULES:
        totals[tag] = _amount(root, f"cac:LegalMonetaryTotal/{tag}")
        if totals[tag] is None:
            problems.append(f"{rule}: An Invoice shall have {label}.")
    lines = root.findall(line_tag, NS)
    if not lines:
        problems.append("BR-16: An Invoice shall have at least one Invoice line (BG-25).")

    line_total = totals["cbc:LineExtensionAmount"]
    tax_exclusive = totals["cbc:TaxExclusiveAmount"]
    tax_inclusive = totals["cbc:TaxInclusiveAmount"]
    payable = totals["cbc:PayableAmount"]
    if line_total is not None and lines and line_total != _sum(lines, "cbc:LineExtensionAmount"):
        problems.append(
            f"BR-CO-10: Sum of Invoice line net amount (BT-106) {line_total} must equal the sum of the"
            f" line net amounts (BT-131) {_sum(lines, 'cbc:LineExtensionAmount')}."
        )
    allowances = _amount(root, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount") or Decimal(0)
    charges = _amount(root, "cac:LegalMonetaryTotal/cbc:ChargeTotalAmount") or Decimal(0)
    if (
        line_total is not None
        and tax_exclusive is not None
        and tax_exclusive != line_total - allowances + charges
    ):
        problems.append(
            f"BR-CO-13: Invoice total amount without VAT (BT-109) {tax_exclusive} must equal the sum of line"
            f" net amounts {line_total} - allowances {allowances} + charges {charges}."
        )

    currency = _text(root, "cbc:DocumentCurrencyCode")
    tax_totals = [
        tax_total
        for tax_total in root.findall("cac:TaxTotal", NS)
        if tax_total.find("cbc:TaxAmount", NS) is not None
        and tax_total.find("cbc:TaxAmount", NS).get("currencyID") == currency
    ]
    vat_total = _amount(tax_totals[0], "cbc:TaxAmount") if tax_totals else None
    subtotals = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    if vat_total is not None and subtotals and vat_total != _sum(subtotals, "cbc:TaxAmount"):
        problems.append(
            f"BR-CO-14: Invoice total VAT amount (BT-110) {vat_total} must equal the sum of VAT category tax"
            f" amounts (BT-117) {_sum(subtotals, 'cbc:TaxAmount')}."
        )
    if tax_exclusive is not None and tax_inclusive is not None:
        expected = tax_exclusive + (vat_total or Decimal(0))
        if tax_inclusive != expected:
            problems.append(
                f"BR-CO-15: Invoice total amount with VAT (BT-112) {tax_inclusive} must equal the total"
                f" without VAT plus the total VAT amount (BT-109 + BT-110) {expected}."
            )
    if tax_inclusive is not None and payable is not None:
        prepaid = _amount(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount") or Decimal(0)
        rounding = _amount(root, "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount") or Decimal(0)
        if payable != tax_inclusive - prepaid + rounding:
            problems.append(
                f"BR-CO-16: Amount due for payment (BT-115) {payable} must equal the total with VAT"
                f" {tax_inclusive} - paid amount {prepaid} + rounding amount {rounding}."
            )
    if not subtotals:
        problems.append("BR-CO-18: An Invoice shall at least have one VAT breakdown group (BG-23).")
    problems.extend(_check_vat_breakdown(subtotals, lines))
    if payable is not None and payable > 0:
        if _text(root, due_date_path) is None and _text(root, "cac:PaymentTerms/cbc:Note") is None:
            problems.append(
                "BR-CO-25: In case the Amount due for payment (BT-115) is positive, either the Payment due"
                " date (BT-9) or the Payment terms (BT-20) shall be present."
            )
    problems.extend(_check_line_arithmetic(lines, quantity_tag))
    return problems


def _check_vat_breakdown(subtotals: list[etree._Element], lines: list[etree._Element]) -> list[str]:
    problems = []
    line_nets: dict[tuple[str | None, Decimal | None], Decimal] = defaultdict(Decimal)
    for line in lines:
        key = (
            _text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
            _amount(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
        )
        line_nets[key] += _amount(line, "cbc:LineExtensionAmount") or Decimal(0)
    for subtotal in subtotals:
        category = _text(subtotal, "cac:TaxCategory/cbc:ID")
        rate = _amount(subtotal, "cac:TaxCategory/cbc:Percent")
        taxable = _amount(subtotal, "cbc:TaxableAmount")
        tax = _amount(subtotal, "cbc:TaxAmount")
        if taxable is not None and tax is not None and rate is not None:
            expected_tax = round_money(taxable * rate / 100)
            # The CEN validation artefacts (EN 16931 schematron 1.3) accept a difference of up to one
            # currency unit here, so that VAT rounded per line (as the law of several states requires)
            # still validates; we apply the same slack.
            if abs(tax - expected_tax) > BR_CO_17_SLACK:
                problems.append(
                    f"BR-CO-17: VAT category tax amount (BT-117) {tax} for {category} {rate}% must equal the"
                    f" taxable amount x rate rounded to 2 decimals, {expected_tax} (within {BR_CO_17_SLACK})."
                )
        category_net = line_nets.get((category, rate), Decimal(0))
        if taxable is not None and taxable != category_net:
            problems.append(
                f"BR-{category}-08: VAT category taxable amount (BT-116) {taxable} for {category} {rate}%"
                f" must equal the sum of the line net amounts in that category, {category_net}."
            )
        if (
            category == "E"
            and _text(subtotal, "cac:TaxCategory/cbc:TaxExemptionReason") is None
            and _text(subtotal, "cac:TaxCategory/cbc:TaxExemptionReasonCode") is None
        ):
            problems.append(
                "BR-E-10: A VAT breakdown (BG-23) with VAT category code Exempt from VAT shall have a VAT"
                " exemption reason code (BT-121) or a VAT exemption reason text (BT-120)."
            )
    return problems


def _check_line_arithmetic(lines: list[etree._Element], quantity_tag: str) -> list[str]:
    problems = []
    for line in lines:
        quantity = _amount(line, quantity_tag)
        price = _amount(line, "cac:Price/cbc:PriceAmount")
        net = _amount(line, "cbc:LineExtensionAmount")
        if quantity is None or price is None or net is None:
            continue
        base_quantity = _amount(line, "cac:Price/cbc:BaseQuantity") or Decimal(1)
        allowances = _sum(
            line.xpath("cac:AllowanceCharge[cbc:ChargeIndicator='false']", namespaces=NS), "cbc:Amount"
        )
        charges = _sum(
            line.xpath("cac:AllowanceCharge[cbc:ChargeIndicator='true']", namespaces=NS), "cbc:Amount"
        )
        expected = quantity * price / base_quantity - allowances + charges
        # Peppol allows 0.02 of slack for the price having been rounded.
        if abs(net - expected) > Decimal("0.02"):
            problems.append(
                f"PEPPOL-EN16931-R120: line {_text(line, 'cbc:ID')}: net amount {net} must equal"
                f" quantity x price - allowances + charges, {round_money(expected)}."
            )
    return problems


def check_en16931(document: EInvoice | bytes) -> list[str]:
    """List the EN 16931 rules a document or UBL XML breaks; each message starts with its rule id."""
    if isinstance(document, EInvoice):
        root = _parse(build_ubl(document))
    elif isinstance(document, bytes | bytearray):
        root = _parse(bytes(document))
    else:
        raise TypeError(f"check_en16931 takes an EInvoice or UBL XML bytes, got {type(document).__name__}")
    return _check_tree(root)


def render(doc: EInvoice) -> bytes:
    """Render a document as Peppol BIS 3 UBL XML; raise EInvoiceError listing the rules it breaks."""
    xml = build_ubl(doc)
    problems = _check_tree(_parse(xml))
    if problems:
        raise EInvoiceError(problems)
    return xml


exporter = Exporter(code="ubl", media_type="application/xml", file_extension="xml", render=render)
