"""An invoice or credit note as e-invoices (UBL 2.1, FatturaPA 1.2): which formats a document goes out in, and what
each would refuse.

`einvoice_of` is the one mapping from an invoice row into the exporters' `EInvoice`; the
amounts it hands over are the invoice's own (per-line rounded), never recomputed. Apart from documents.py (the
PDF), so that issuing an invoice, which checks its e-invoices, does not load reportlab (issue 16: 12 MB in every
worker that issues).
"""

from consortium.i18n import _l
from plugins.exporters import EInvoiceError, fatturapa, ubl
from plugins.exporters.model import EInvoice, EInvoiceLine, InvoiceReference, Party, VatBreakdown
from tenants.invoicing.models import Invoice
from tenants.invoicing.service import vat_breakdown


def _party(details: dict) -> Party:
    return Party(name=details["name"], street=details.get("street"), city=details.get("city"),
                 postcode=details.get("postcode"), country_code=details.get("country_code"),
                 vat_number=details.get("vat_number"), tax_code=details.get("tax_code"),
                 registration_number=details.get("registration_number"), email=details.get("email"),
                 peppol_id=details.get("peppol_id"), codice_destinatario=details.get("codice_destinatario"),
                 # FPA12 is for the Italian public administration; a UK council is an FPR12 recipient.
                 pec=details.get("pec"), is_public_body=details.get("customer_type") == "public_body_it",
                 regime_fiscale=details.get("regime_fiscale") or "RF01", iban=details.get("iban"))


def einvoice_of(invoice: Invoice, seller: dict, buyer: dict, credited: Invoice | None = None) -> EInvoice:
    """The one mapping of an issued invoice or credit note into the exporters' model."""
    lines = [EInvoiceLine(line_id=str(line.position), description=line.description, quantity=line.quantity,
                          unit_code=line.unit, unit_price=line.unit_price, net_amount=line.net_amount,
                          discount_amount=line.discount_amount, vat_category_code=line.vat_ubl_category,
                          vat_rate=line.vat_rate, natura=line.vat_natura,
                          exemption_reason=line.vat_exemption_reason)
             for line in invoice.lines]
    breakdown = [VatBreakdown(category_code=group.category, rate=group.rate, taxable_amount=group.taxable_amount,
                              tax_amount=group.vat_amount, natura=group.natura,
                              exemption_reason=group.exemption_reason)
                 for group in vat_breakdown(invoice)]
    if invoice.kind == "credit_note":
        terms = f"Credit note against invoice {credited.number}" if credited else "Credit note"
    else:
        terms = f"Payment within {invoice.payment_terms_days} days, by {invoice.due_date.isoformat()}"
    return EInvoice(
        kind=invoice.kind, number=invoice.number, issue_date=invoice.issue_date, currency=invoice.currency,
        seller=_party(seller), buyer=_party(buyer), lines=lines, vat_breakdown=breakdown,
        line_extension_total=invoice.net_total, tax_exclusive_total=invoice.net_total, tax_total=invoice.vat_total,
        tax_inclusive_total=invoice.gross_total, payable_amount=invoice.payable_total, due_date=invoice.due_date,
        payment_terms=terms, buyer_reference=invoice.buyer_reference, order_reference=invoice.order_reference,
        billing_reference=InvoiceReference(number=credited.number, issue_date=credited.issue_date)
        if credited is not None else None,
        note=invoice.notes, split_payment=invoice.split_payment, stamp_duty=invoice.stamp_duty,
    )


EXPORTERS = {exporter.code: exporter for exporter in (ubl.exporter, fatturapa.exporter)}
FORMAT_LABELS = {"fatturapa": "FatturaPA", "ubl": "Peppol (UBL)"}
# What the exporters' problems are about ("seller.vat_number: why", plugins/exporters), named in words on a page;
# the API keeps the field paths.
PROBLEM_SUBJECTS = {
    "seller": _l("The co-op"), "buyer": _l("The customer"),
    "seller.name": _l("The co-op's name"), "buyer.name": _l("The customer's name"),
    "seller.vat_number": _l("The co-op's VAT number"), "buyer.vat_number": _l("The customer's VAT number"),
    "seller.tax_code": _l("The co-op's tax code"), "buyer.tax_code": _l("The customer's tax code"),
    "seller.street": _l("The co-op's street address"), "buyer.street": _l("The customer's street address"),
    "seller.postcode": _l("The co-op's postcode"), "buyer.postcode": _l("The customer's postcode"),
    "seller.city": _l("The co-op's town"), "buyer.city": _l("The customer's town"),
    "seller.country_code": _l("The co-op's country"), "buyer.country_code": _l("The customer's country"),
    "seller.peppol_id": _l("The co-op's electronic address"),
    "buyer.peppol_id": _l("The customer's electronic address"),
    "seller.regime_fiscale": _l("The co-op's tax regime"), "seller.iban": _l("The co-op's IBAN"),
    "buyer.codice_destinatario": _l("The customer's recipient code"), "buyer.pec": _l("The customer's PEC address"),
    "number": _l("The invoice number"), "issue_date": _l("The issue date"), "lines": _l("The lines"),
    "vat_breakdown": _l("The VAT summary"), "billing_reference": _l("The invoice corrected"),
}


def readable_problem(problem: str) -> str:
    """An exporter's problem with the field it names in words ("The co-op's IBAN: ..."), else as it came."""
    subject, separator, why = problem.partition(": ")
    label = PROBLEM_SUBJECTS.get(subject)
    return f"{label}: {why}" if separator and label is not None else problem



def einvoice_formats(seller: dict, buyer: dict) -> list[str]:
    """The e-invoice formats a document to this buyer must go out in.

    FatturaPA for every invoice of an Italian co-op (electronic invoicing through the SdI is
    compulsory between Italian parties since 2019, and SdI takes foreign buyers with code XXXXXXX);
    Peppol UBL for a customer who gave a Peppol electronic address.
    """
    formats = ["fatturapa"] if seller.get("jurisdiction") == "it" else []
    if buyer.get("peppol_id"):
        formats.append("ubl")
    return formats


def ubl_ready(seller: dict, buyer: dict) -> bool:
    """Whether both parties have the electronic address a Peppol invoice is addressed with."""
    return bool(seller.get("peppol_id") and buyer.get("peppol_id"))


def einvoice_problems(tenant, invoice: Invoice) -> dict[str, tuple[str, list[str]]]:
    """What each e-invoice format the buyer needs would refuse in this (issued, not yet committed) invoice."""
    seller, buyer = invoice.seller_snapshot, invoice.buyer_snapshot
    found = {}
    for code in einvoice_formats(seller, buyer):
        try:
            EXPORTERS[code].render(einvoice_of(invoice, seller, buyer))
        except EInvoiceError as error:
            found[code] = (FORMAT_LABELS[code], error.problems)
    return found
