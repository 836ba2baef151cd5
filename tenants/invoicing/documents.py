"""An invoice or credit note as a PDF (the platform's document base) and as e-invoices (UBL 2.1, FatturaPA 1.2,
mapped in tenants.invoicing.einvoices)."""

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from consortium.db import as_utc
from consortium.documents import Letterhead, build_pdf, data_table, heading, key_value_table, money, paragraph
from consortium.errors import Conflict, ServiceError
from consortium.i18n import _, _l, format_locale
from plugins.exporters import EInvoiceError
from tenants.invoicing.einvoices import EXPORTERS, FORMAT_LABELS, einvoice_of, readable_problem, ubl_ready
from tenants.invoicing.labels import exemption_reason_text, vat_category_label
from tenants.invoicing.models import Invoice
from tenants.invoicing.service import credited_invoice, document_parties, get_settings, vat_breakdown


def _words() -> dict:
    """The document's words in the reader's language (the one the PDF is made for)."""
    return {
        "invoice": _("Invoice"), "credit_note": _("Credit note"), "draft": _("Draft (not valid for VAT)"),
        "number": _("Number"), "issue_date": _("Issue date"), "due_date": _("Due date"), "bill_to": _("Bill to"),
        "buyer_reference": _("Your reference"), "order_reference": _("Purchase order"),
        "corrects": _("Corrects invoice"), "lines": _("Details"), "description": _("Description"),
        "quantity": _("Qty"), "unit": _("Unit"), "unit_price": _("Unit price"), "discount": _("Discount"),
        "vat": _("VAT"), "net": _("Net"), "vat_summary": _("VAT summary"), "rate": _("Rate"),
        "taxable": _("Taxable amount"), "vat_amount": _("VAT amount"), "net_total": _("Total without VAT"),
        "vat_total": _("VAT"), "gross_total": _("Total"), "credit_total": _("Total credited"),
        "payment": _("How to pay"), "iban": _("IBAN"), "notes": _("Notes"), "vat_number": _("VAT no."),
        "tax_code": _("Tax code"), "exempt": _("VAT exemption"), "exempt_short": _("exempt"),
        "category": _("Category"),
        "split_payment": _("VAT paid by the customer to the Treasury (split payment, art. 17-ter DPR 633/1972)"),
        "to_pay": _("Amount to pay"),
    }


# UN/ECE Rec. 20 unit codes as printed on the PDF.
UNIT_NAMES = {"C62": _l("pcs"), "HUR": _l("hours"), "DAY": _l("days"), "WEE": _l("weeks"), "MON": _l("months"),
              "KGM": _l("kg"), "LTR": _l("litres")}


def _address_lines(party: dict) -> list[str]:
    """Italian addresses put the CAP before the town; British ones the postcode on its own line."""
    if party.get("country_code") == "IT":
        lines = [party.get("street"), " ".join(p for p in (party.get("postcode"), party.get("city")) if p)]
    else:
        lines = [party.get("street"), party.get("city"), party.get("postcode")]
    return [line for line in lines if line]


def letterhead_of(seller: dict, locale: str | None = None) -> Letterhead:
    """The co-op's letterhead from its (frozen or live) seller details, its money written in `locale`
    (the reader's, else the co-op's own)."""
    return Letterhead(name=seller["name"], address_lines=_address_lines(seller),
                      registration_number=seller.get("registration_number"),
                      vat_number=f"{seller.get('country_code') or ''}{seller['vat_number']}"
                      if seller.get("vat_number") else None,
                      currency=seller["currency"], locale=locale or seller["locale"])


def _quantity(value: Decimal, locale: str) -> str:
    return format_decimal(value.normalize(), locale=locale, decimal_quantization=False)


def _unit_price(value: Decimal, letterhead: Letterhead) -> str:
    """Unit prices may carry more decimals than the currency (3.333 an hour); print them all, never rounded."""
    return format_currency(value.normalize(), letterhead.currency, locale=letterhead.locale,
                           decimal_quantization=False)


def _rate(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _category_text(group) -> str:
    """A VAT group's category in the reader's words, with its FatturaPA nature code (N4) where it has one."""
    label = vat_category_label(group.label_code, group.label_code.replace("_", " "))
    return f"{label} ({group.natura})" if group.natura else label


def document_title(invoice: Invoice) -> str:
    """'Invoice INV-2026-0001', 'Nota di credito CN-2026-0002' or a draft's title, in the reader's language."""
    words = _words()
    if invoice.state == "draft":
        return f"{words['invoice']} - {words['draft']}"
    return f"{words[invoice.kind]} {invoice.number}"


def invoice_pdf(invoice: Invoice, seller: dict, buyer: dict, credited: Invoice | None = None,
                created_at: datetime | None = None) -> bytes:
    """The document as an A4 PDF in the reader's language (words, numbers, dates) and the co-op's currency."""
    locale = format_locale()
    letterhead = letterhead_of(seller, locale)
    words = _words()

    def amount(value: Decimal) -> str:
        return money(value, letterhead)

    def day(value: date) -> str:
        return format_date(value, format="long", locale=locale)

    buyer_lines = [buyer["name"], *_address_lines(buyer), buyer.get("country_code") or ""]
    if buyer.get("vat_number"):
        buyer_lines.append(f"{words['vat_number']} {buyer['vat_number']}")
    if buyer.get("tax_code"):
        buyer_lines.append(f"{words['tax_code']} {buyer['tax_code']}")
    facts = [(words["bill_to"], "\n".join(line for line in buyer_lines if line))]
    if invoice.number:
        facts.append((words["number"], invoice.number))
    facts.append((words["issue_date"], day(invoice.issue_date)))
    if invoice.kind == "invoice":
        facts.append((words["due_date"], day(invoice.due_date)))
    if credited is not None:
        facts.append((words["corrects"], f"{credited.number} ({day(credited.issue_date)})"))
    if invoice.buyer_reference:
        facts.append((words["buyer_reference"], invoice.buyer_reference))
    if invoice.order_reference:
        facts.append((words["order_reference"], invoice.order_reference))
    story = [key_value_table(facts), heading(words["lines"])]

    has_discount = any(line.discount_amount for line in invoice.lines)
    header = [words["description"], words["quantity"], words["unit"], words["unit_price"]]
    header += [words["discount"]] if has_discount else []
    header += [words["vat"], words["net"]]
    rows = []
    for line in invoice.lines:
        row = [line.description, _quantity(line.quantity, locale), str(UNIT_NAMES.get(line.unit, line.unit)),
               _unit_price(line.unit_price, letterhead)]
        row += [amount(line.discount_amount) if line.discount_amount else ""] if has_discount else []
        row += [words["exempt_short"] if line.vat_exempt else _rate(line.vat_rate), amount(line.net_amount)]
        rows.append(row)
    numeric = set(range(1, len(header))) - {2}
    story.append(data_table(header, rows, numeric_columns=numeric, wrap_columns={0}))

    groups = vat_breakdown(invoice)
    story.append(heading(words["vat_summary"]))
    story.append(data_table(
        [words["rate"], words["category"], words["taxable"], words["vat_amount"]],
        [[_rate(group.rate), _category_text(group), amount(group.taxable_amount), amount(group.vat_amount)]
         for group in groups],
        numeric_columns={2, 3}, wrap_columns={1},
        totals_row=["", "", amount(invoice.net_total), amount(invoice.vat_total)],
    ))
    total_label = words["credit_total"] if invoice.kind == "credit_note" else words["gross_total"]
    totals = [(words["net_total"], amount(invoice.net_total)), (words["vat_total"], amount(invoice.vat_total)),
              (total_label, amount(invoice.gross_total))]
    if invoice.split_payment:
        totals += [(words["split_payment"], amount(-invoice.vat_total)),
                   (words["to_pay"], amount(invoice.payable_total))]
    story.append(key_value_table(totals))
    if invoice.stamp_duty:
        story.append(paragraph(_("Stamp duty of %(amount)s paid virtually (DM 17 June 2014)",
                                 amount=amount(invoice.stamp_duty))))
    reasons = sorted({f"{group.natura + ': ' if group.natura else ''}{exemption_reason_text(group.exemption_reason)}"
                      for group in groups if group.exemption_reason})
    if reasons:
        story.append(heading(words["exempt"]))
        story.extend(paragraph(reason) for reason in reasons)
    if invoice.kind == "invoice" and invoice.state == "issued":
        story.append(heading(words["payment"]))
        story.append(paragraph(_("Please pay by bank transfer by %(due)s, quoting %(number)s.",
                                 due=day(invoice.due_date), number=invoice.number)))
        if seller.get("iban"):
            story.append(paragraph(f"{words['iban']}: {seller['iban']}"))
    if invoice.notes:
        story.append(heading(words["notes"]))
        story.append(paragraph(invoice.notes))
    return build_pdf(letterhead, document_title(invoice), story, created_at=created_at)


def render_document(session, tenant, invoice: Invoice, document_format: str) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of a document in `pdf`, `ubl` or `fatturapa`; refusals name the reason."""
    seller, buyer = document_parties(invoice, tenant, get_settings(session))
    credited = credited_invoice(session, invoice)
    stem = (invoice.number or f"draft-{invoice.id}").replace("/", "-")
    if document_format == "pdf":
        created = as_utc(invoice.issued_at or invoice.created_at)
        return invoice_pdf(invoice, seller, buyer, credited, created_at=created), "application/pdf", f"{stem}.pdf"
    if invoice.state != "issued":
        raise Conflict(_("A draft has no e-invoice: issue it first."), {"state": [_("the invoice is a draft")]})
    exporter = EXPORTERS[document_format]
    if document_format == "ubl" and not ubl_ready(seller, buyer):
        raise ServiceError(_("A Peppol (UBL) e-invoice needs the electronic address of the co-op (invoicing "
                             "settings) and of the customer; this invoice has %(missing)s.",
                             missing=_("neither") if not seller.get("peppol_id") and not buyer.get("peppol_id")
                             else _("no address for the co-op") if not seller.get("peppol_id")
                             else _("no address for the customer")),
                           {"peppol_id": [_("electronic address missing")]})
    try:
        xml = exporter.render(einvoice_of(invoice, seller, buyer, credited))
    except EInvoiceError as error:
        raise ServiceError(_("The %(format)s e-invoice cannot be produced: %(problems)s",
                             format=FORMAT_LABELS.get(document_format, document_format),
                             problems="; ".join(readable_problem(problem) for problem in error.problems)),
                           {document_format: error.problems}) from error
    return xml, exporter.media_type, f"{stem}-{exporter.code}.{exporter.file_extension}"
