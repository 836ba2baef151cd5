"""Invoicing pages: invoice list, draft editor, issue, credit notes, payments, aged debtors, customers, downloads."""

from decimal import Decimal

import marshmallow as ma
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from consortium import lists
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.fields import query_int
from consortium.forms import AmbiguousNumber, load_form, page_decimal, run_service
from consortium.i18n import _, _l, format_locale, format_number, lazy_pgettext
from consortium.money import money as format_money
from plugins.exporters.eas import SCHEMES, split_endpoint
from plugins.jurisdictions.base import get_jurisdiction

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from tenants.invoicing import exports, schemas, service
from tenants.invoicing.labels import vat_category_label
from tenants.invoicing.models import CUSTOMER_TYPES, STATUSES, UNITS, Customer, Invoice

blp = Blueprint("invoicing", __name__, url_prefix="/t/<slug>/invoices", template_folder="templates")
READERS = ("treasurer", "viewer")
PAGE_SIZE = 50
LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "discount_amount", "vat_category")
LINE_NUMBERS = ("quantity", "unit_price", "discount_amount")
LINE_LABELS = {"description": _l("description"), "quantity": _l("quantity"), "unit": _l("unit"),
               "unit_price": _l("unit price"), "discount_amount": _l("discount"), "vat_category": _l("VAT")}
# as the fields' aria-label says (invoicing/_line_rows.html)
BLANK_ROWS = 3
# The editor posts its row count: the schema's most lines plus the blank rows offered, never more.
MAX_EDITOR_ROWS = schemas.LINES_LENGTH.max + BLANK_ROWS


def _can_edit() -> bool:
    return "treasurer" in current_user.tenant_roles(g.tenant.id)


def plain_number(value: Decimal, min_places: int = 0) -> str:
    """A quantity or unit price as typed (20, 7.5, 33.333; prices with at least 2 decimals), never '2E+1'."""
    places = max(min_places, -value.normalize().as_tuple().exponent)
    return f"{value:.{places}f}"


def shown_number(value: Decimal, min_places: int = 0) -> str:
    """A quantity or unit price on a page, with the decimals it was typed with, in the reader's language
    (7.5 and 33.333 in English, 7,5 and 33,333 in Italian)."""
    return format_number(value, max(min_places, -value.normalize().as_tuple().exponent))


STATUS_LABELS = {"draft": _l("draft"), "issued": _l("issued"), "part-paid": _l("part-paid"), "paid": _l("paid"),
                 "overdue": lazy_pgettext("invoice", "overdue"), "credited": _l("credited")}


def _invoice_list(today) -> lists.Listing:
    customer_name = select(Customer.name).where(Customer.id == Invoice.customer_id).scalar_subquery()
    status = service.status_expression(today)
    return lists.Listing(
        search=[Invoice.number, customer_name, Invoice.buyer_reference],
        sorts={"number": Invoice.number, "customer": customer_name, "issued": Invoice.issue_date,
               "due": Invoice.due_date, "status": status, "total": Invoice.gross_total},
        default_sort="issued", default_desc=True, descending=("issued", "due", "total"),
        filters={"status": {code: (STATUS_LABELS[code], status == code) for code in STATUSES},
                 "kind": {"invoice": (_("invoices"), Invoice.kind == "invoice"),
                          "credit_note": (_("credit notes"), Invoice.kind == "credit_note")}},
        date=Invoice.issue_date, page_size=PAGE_SIZE)


@blp.route("/")
@tenant_role_required(*READERS)
def invoices():
    """The list, newest first by default: searched, sorted, filtered by status and issue date, in pages."""
    today = local_today()
    rows = _invoice_list(today).apply(db.session, service.invoices_query())
    status = rows.filter_value("status") or None
    return render_template("invoicing/invoices.html", invoices=rows, status=status, today=today,
                           can_edit=_can_edit(), status_of=service.invoice_status, outstanding=service.outstanding,
                           status_labels=STATUS_LABELS)


# --- draft editor ----------------------------------------------------------------------------


def _rate_text(rate: Decimal, natura: str | None) -> str:
    return natura or f"{format_number(rate.normalize())}%"


def _vat_options(on):
    return [(c.code, f"{vat_category_label(c.code, c.label)} ({_rate_text(c.rate, c.natura)})")
            for c in get_jurisdiction(g.tenant.country).vat_categories(on)]


# UN/ECE Recommendation 20 unit codes (models.UNITS) in words.
UNIT_LABELS = {"C62": _l("each"), "HUR": _l("hour"), "DAY": _l("day"), "WEE": _l("week"), "MON": _l("month"),
               "KGM": _l("kg"), "LTR": _l("litre")}


def _unit_options():
    return [(code, str(UNIT_LABELS.get(code, label))) for code, label in UNITS.items()]


def _customer_options():
    return [(c.id, c.name) for c in db.session.scalars(service.customers_query())]


def _form_rows(form) -> list[dict]:
    """The line rows of a submitted editor, blank rows included (so errors land on the row typed in)."""
    count = query_int("row_count", 0, minimum=0, maximum=MAX_EDITOR_ROWS, values=form)
    return [{name: form.get(f"lines-{index}-{name}", "").strip() for name in LINE_FIELDS} for index in range(count)]


def _filled(rows: list[dict]) -> list[int]:
    """Indexes of the rows typed into; a row with only its unit and VAT choices left as offered is blank."""
    return [index for index, row in enumerate(rows) if any(row[key] for key in ("description", "quantity",
                                                                                  "unit_price"))]


def _up_to_last_typed(rows: list[dict]) -> list[dict]:
    """The rows to show again after a refusal: up to the last one typed into. The blank rows after it are the ones
    offered last time; the editor adds its blank rows once more, so they do not pile up with each refusal."""
    filled = _filled(rows)
    return rows[:filled[-1] + 1] if filled else []


def _load_editor(schema, raw: dict, rows: list[dict], filled: list[int], *, lines_optional: bool = False):
    """(data, errors, row_errors) of an editor's header fields and typed lines. A line's numbers are read in the
    reader's language (`23,50` on an Italian page), and one typed ambiguously is refused on its own field, with
    every other error of the form at once."""
    lines, number_errors = [], {}
    for position, index in enumerate(filled):
        line = {}
        for key, value in rows[index].items():
            if value and key in LINE_NUMBERS:
                try:
                    value = page_decimal(value)
                except AmbiguousNumber as error:
                    number_errors.setdefault(position, {})[key] = [str(error)]
            if value:
                line[key] = value
        lines.append(line)
    if lines or not lines_optional:
        raw = {**raw, "lines": lines}
    try:
        data, messages = schema.load(raw), {}
    except ma.ValidationError as error:
        data, messages = None, dict(error.messages)
    if number_errors:
        line_messages = messages.get("lines")
        if not isinstance(line_messages, dict):
            line_messages = messages["lines"] = {}
        for position, problems in number_errors.items():
            line_messages[position] = {**line_messages.get(position, {}), **problems}
    if messages:
        return (None, *_split_line_errors(messages, filled))
    return data, {}, {}


def _read_draft_form(form, *, update: bool) -> tuple[dict | None, dict, list[dict], dict]:
    """(data, errors, rows, row_errors) of the draft editor; rows left blank are ignored."""
    rows = _form_rows(form)
    filled = _filled(rows)
    raw = {key: form.get(key).strip() for key in ("customer_id", "payment_terms_days", "buyer_reference",
                                                  "order_reference", "notes") if form.get(key, "").strip()}
    schema = schemas.InvoiceUpdateSchema() if update else schemas.InvoiceCreateSchema()
    data, errors, row_errors = _load_editor(schema, raw, rows, filled)
    return data, errors, rows, row_errors


def _split_line_errors(messages: dict, row_numbers: list[int]) -> tuple[dict, dict]:
    """Errors about lines keyed by the editor row they came from; other errors by field."""
    errors = dict(messages)
    row_errors = {}
    line_errors = errors.get("lines")
    if isinstance(line_errors, dict):
        for index, problems in line_errors.items():
            row = row_numbers[int(index)] if int(index) < len(row_numbers) else int(index)
            if not isinstance(problems, dict):
                problems = {"_schema": problems}
            row_errors[row] = problems
            # the summary links each problem to its field (ids and names of _line_rows.html)
            for key, messages in problems.items():
                field = key if key in LINE_FIELDS else "description"
                errors.setdefault(f"lines-{row}-{field}", []).extend(
                    messages if isinstance(messages, list) else [messages])
        del errors["lines"]
    elif isinstance(line_errors, list):
        # about the lines as a whole ("at least one line"): told under the first row's description
        row = row_numbers[0] if row_numbers else 0
        row_errors[row] = {"description": list(line_errors)}
        errors.setdefault(f"lines-{row}-description", []).extend(line_errors)
        del errors["lines"]
    return errors, row_errors


def line_error_labels(errors: dict) -> dict:
    """Labels for the summary's links to line fields: 'Line 2 quantity', as the fields are named."""
    labels = {}
    for key in errors:
        if key.startswith("lines-"):
            row, field = key.split("-", 2)[1:]
            labels[key] = f"{_('Line %(num)s', num=int(row) + 1)} {LINE_LABELS[field]}"
    return labels


def _editor(invoice, rows, errors, row_errors, values):
    rows = list(rows) + [dict.fromkeys(LINE_FIELDS, "") for _ in range(BLANK_ROWS)]
    on = invoice.issue_date if invoice is not None else local_today()
    page = render_template("invoicing/invoice_form.html", invoice=invoice, rows=rows, errors=errors,
                           row_errors=row_errors, line_labels=line_error_labels(errors), values=values,
                           customers=_customer_options(),
                           vat_options=_vat_options(on), units=_unit_options())
    return (page, 422) if errors else page


def _save_draft(invoice):
    update = invoice is not None
    data, errors, rows, row_errors = _read_draft_form(request.form, update=update)
    if data is not None and "more_rows" not in request.form:
        if update:
            data.setdefault("lines", [])
            for key in service.DRAFT_FIELDS:
                data.setdefault(key, None)
            saved, errors = run_service(lambda: service.update_draft(db.session, g.tenant, invoice, data,
                                                                     local_today()))
        else:
            saved, errors = run_service(lambda: service.create_draft(db.session, g.tenant, data, local_today()))
        if saved is not None:
            flash(_("Draft saved."))
            return redirect(url_for("invoicing.invoice", invoice_id=saved.id))
        errors, row_errors = _split_line_errors(errors, _filled(rows))
    if "more_rows" in request.form:
        return _editor(invoice, rows, {}, {}, request.form)  # every row shown kept, and three more
    return _editor(invoice, _up_to_last_typed(rows), errors, row_errors, request.form)


@blp.route("/new", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def new_invoice():
    """Draft an invoice: customer, terms, references and line rows."""
    if request.method == "POST":
        return _save_draft(None)
    values = {"customer_id": request.args.get("customer_id", "")}
    return _editor(None, [], {}, {}, values)


@blp.route("/<int:invoice_id>/edit", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def edit_invoice(invoice_id):
    """Change a draft (an issued invoice is never edited)."""
    invoice = service.get_invoice(db.session, invoice_id)
    if invoice.state != "draft":
        flash(_("%(number)s is issued and cannot be changed; issue a credit note instead.", number=invoice.number),
              "error")
        return redirect(url_for("invoicing.invoice", invoice_id=invoice.id))
    if request.method == "POST":
        return _save_draft(invoice)
    rows = [{"description": line.description, "quantity": plain_number(line.quantity), "unit": line.unit,
             "unit_price": plain_number(line.unit_price),
             "discount_amount": f"{line.discount_amount:f}" if line.discount_amount else "",
             "vat_category": line.vat_category} for line in invoice.lines]
    values = {"customer_id": invoice.customer_id, "payment_terms_days": invoice.payment_terms_days,
              "buyer_reference": invoice.buyer_reference or "", "order_reference": invoice.order_reference or "",
              "notes": invoice.notes or ""}
    return _editor(invoice, rows, {}, {}, values)


# --- one invoice -----------------------------------------------------------------------------


@blp.route("/<int:invoice_id>")
@tenant_role_required(*READERS)
def invoice(invoice_id):
    """One invoice or credit note: lines, VAT, totals, status, payments, credit notes, actions, downloads."""
    from tenants.invoicing import einvoices
    document = service.get_invoice(db.session, invoice_id)
    today = local_today()
    seller, buyer = service.document_parties(document, g.tenant, service.get_settings(db.session))
    return render_template(
        "invoicing/invoice.html", invoice=document, status=service.invoice_status(document, today),
        ubl_ready=einvoices.ubl_ready(seller, buyer), seller_address=seller.get("peppol_id"),
        buyer_address=buyer.get("peppol_id"),
        breakdown=service.vat_breakdown(document), outstanding=service.outstanding(document),
        left_to_credit=service.left_to_credit(document), credit_notes=service.credit_notes_of(db.session, document),
        credited=service.credited_invoice(db.session, document), can_edit=_can_edit(), number=shown_number,
        offer_fatturapa=g.tenant.country == "it" or document.customer.country_code == "IT",
        status_labels=STATUS_LABELS, unit_labels=UNIT_LABELS, vat_label=vat_category_label, rate_text=_rate_text,
        method_labels=PAYMENT_METHOD_LABELS, is_advance=service.is_advance)


@blp.route("/<int:invoice_id>/issue", methods=["POST"])
@tenant_role_required("treasurer")
def issue_invoice(invoice_id):
    """Issue a draft: it takes the next number and can no longer change."""
    document = service.get_invoice(db.session, invoice_id)
    issued, _errors = run_service(lambda: service.issue_invoice(db.session, g.tenant, document, local_today()))
    if issued is not None:
        flash(_("Issued as %(number)s.", number=issued.number))
    return redirect(url_for("invoicing.invoice", invoice_id=document.id))


@blp.route("/<int:invoice_id>/delete", methods=["POST"])
@tenant_role_required("treasurer")
def delete_invoice(invoice_id):
    """Throw away a draft."""
    document = service.get_invoice(db.session, invoice_id)
    _deleted, errors = run_service(lambda: service.delete_draft(db.session, document))
    if errors:
        return redirect(url_for("invoicing.invoice", invoice_id=document.id))
    flash(_("Draft deleted."))
    return redirect(url_for("invoicing.invoices"))


def _refuse_unless_issued_invoice(document, what: str):
    """A redirect back to the document, with the reason, when payments or credit notes cannot go against it.

    `what` is "Payments go against issued invoices" or its credit-note twin, already translated."""
    if document.kind == "invoice" and document.state == "issued":
        return None
    reason = _("this is a credit note") if document.kind == "credit_note" else _("this is a draft: issue it first")
    flash(f"{what}; {reason}.", "error")
    return redirect(url_for("invoicing.invoice", invoice_id=document.id))


@blp.route("/<int:invoice_id>/payments/new", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def new_payment(invoice_id):
    """Record a payment received against an issued invoice."""
    document = service.get_invoice(db.session, invoice_id)
    if refused := _refuse_unless_issued_invoice(document, _("Payments go against issued invoices")):
        return refused
    errors, values = {}, {"paid_on": local_today().isoformat(), "amount": f"{service.outstanding(document):f}"}
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.InvoicePaymentSchema(), request.form)
        if data is not None:
            payment, errors = run_service(lambda: service.record_payment(db.session, document, data,
                                                                                   local_today()))
            if payment is not None:
                flash(_("Payment of %(amount)s recorded.",
                        amount=format_money(payment.amount, document.currency, format_locale())))
                return redirect(url_for("invoicing.invoice", invoice_id=document.id))
    page = render_template("invoicing/payment_form.html", invoice=document, errors=errors, values=values,
                           methods=list(PAYMENT_METHOD_LABELS.items()),
                           outstanding=service.outstanding(document))
    return (page, 422) if errors else page


@blp.route("/<int:invoice_id>/credit-notes/new", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def new_credit_note(invoice_id):
    """Credit an invoice in full, or some lines of it."""
    document = service.get_invoice(db.session, invoice_id)
    if refused := _refuse_unless_issued_invoice(document, _("Credit notes go against issued invoices")):
        return refused
    errors, row_errors, rows, values = {}, {}, [], {"full": "y"}
    if request.method == "POST":
        values = request.form
        rows = _form_rows(request.form)
        filled = _filled(rows)
        raw = {"full": request.form.get("full") == "y", "reason": request.form.get("reason", "").strip() or None}
        data, errors, row_errors = _load_editor(schemas.CreditNoteSchema(), raw, rows, filled, lines_optional=True)
        if data is not None:
            credit_note, errors = run_service(lambda: service.create_credit_note(db.session, g.tenant, document, data,
                                                                                 local_today()))
            if credit_note is not None:
                flash(_("Credit note %(number)s issued against %(invoice)s.", number=credit_note.number,
                        invoice=document.number))
                return redirect(url_for("invoicing.invoice", invoice_id=credit_note.id))
            errors, row_errors = _split_line_errors(errors, filled)
    rows = _up_to_last_typed(rows) + [dict.fromkeys(LINE_FIELDS, "") for _ in range(BLANK_ROWS)]
    page = render_template("invoicing/credit_note_form.html", invoice=document, rows=rows, errors=errors,
                           row_errors=row_errors, line_labels=line_error_labels(errors), values=values,
                           units=_unit_options(),
                           vat_options=_vat_options(document.issue_date),
                           left_to_credit=service.left_to_credit(document))
    return (page, 422) if errors else page


def _download(invoice_id: int, document_format: str) -> Response:
    from tenants.invoicing import documents
    document = service.get_invoice(db.session, invoice_id)
    content, media_type, filename = documents.render_document(db.session, g.tenant, document, document_format)
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/<int:invoice_id>/pdf")
@tenant_role_required(*READERS)
def download_pdf(invoice_id):
    """The PDF."""
    return _download(invoice_id, "pdf")


@blp.route("/<int:invoice_id>/ubl")
@tenant_role_required(*READERS)
def download_ubl(invoice_id):
    """The UBL 2.1 / Peppol BIS 3 XML."""
    return _download(invoice_id, "ubl")


@blp.route("/<int:invoice_id>/fatturapa")
@tenant_role_required(*READERS)
def download_fatturapa(invoice_id):
    """The FatturaPA 1.2 XML."""
    return _download(invoice_id, "fatturapa")


def _export(export_format: str) -> Response:
    today = local_today()
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    rows = db.session.scalars(service.invoices_query(status=status, today=today)).all()
    content, media_type = exports.export(rows, today, export_format)
    return Response(content, mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="invoices-{today}.{export_format}"'})


@blp.route("/export.csv")
@tenant_role_required(*READERS)
def export_csv():
    """The list (with the page's status filter) as CSV."""
    return _export("csv")


@blp.route("/export.xlsx")
@tenant_role_required(*READERS)
def export_xlsx():
    """The list (with the page's status filter) as XLSX."""
    return _export("xlsx")


@blp.route("/aged-debtors")
@tenant_role_required(*READERS)
def aged_debtors():
    """What each customer owes, by days past due."""
    today = local_today()
    rows, totals = service.aged_debtors(db.session, today)
    return render_template("invoicing/aged_debtors.html", rows=rows, totals=totals, buckets=service.AGE_BUCKETS,
                           today=today)


# --- electronic addresses ------------------------------------------------------------------------

SCHEME_LABELS = {"0088": _l("GLN (GS1 Global Location Number)"), "0184": _l("Danish CVR number"),
                 "0201": _l("IPA office code (Italian public bodies)"), "0210": _l("Italian codice fiscale"),
                 "0211": _l("Italian partita IVA"), "9932": _l("UK VAT number")}
STAMP_DUTY_LABELS = {"customer": _l("Charged to the customer (a line excluded from VAT, art. 15 DPR 633/1972)"),
                     "coop": _l("Borne by the co-op"),
                     "not_due": _l("Not due: the co-op is exempt from stamp duty")}
ADDRESS_INPUTS = ("peppol_scheme", "peppol_identifier")


def _scheme_options():
    return [("", _l("No electronic address")), *((code, f"{code} · {SCHEME_LABELS[code]}") for code in SCHEMES)]


def _with_electronic_address(form) -> dict:
    """The submitted form with its scheme and identifier inputs joined into `peppol_id` (scheme:identifier)."""
    values = {key: form.get(key) for key in form if key not in ADDRESS_INPUTS}
    scheme, identifier = form.get("peppol_scheme", "").strip(), form.get("peppol_identifier", "").strip()
    values["peppol_id"] = f"{scheme}:{identifier}" if scheme or identifier else ""
    return values


def _address_values(values: dict) -> dict:
    """Form values with a stored `peppol_id` split back into the scheme and identifier inputs."""
    scheme, identifier = split_endpoint(values.get("peppol_id")) or ("", "")
    return {**values, "peppol_scheme": scheme, "peppol_identifier": identifier}


def _address_errors(errors: dict) -> dict:
    """Errors on `peppol_id` shown beside the identifier input."""
    if "peppol_id" in errors:
        errors = {("peppol_identifier" if key == "peppol_id" else key): value for key, value in errors.items()}
    return errors


# --- customers -------------------------------------------------------------------------------


CUSTOMER_TYPE_LABELS = {"local_authority": _l("local authority"), "nhs_body": _l("NHS body"),
                        "public_body_it": _l("public body (Italy)"), "company": _l("company"),
                        "household": _l("household")}
PAYMENT_METHOD_LABELS = {"bank_transfer": _l("bank transfer"), "card": _l("card"), "cash": _l("cash"),
                         "cheque": _l("cheque"), "direct_debit": _l("direct debit"), "other": _l("other")}


def _type_options():
    return [(t, CUSTOMER_TYPE_LABELS[t]) for t in CUSTOMER_TYPES]


@blp.route("/customers/")
@tenant_role_required(*READERS)
def customers():
    """The co-op's customers: searched by name, VAT number, tax code or email; sorted; by type; in pages."""
    listing = lists.Listing(
        search=[Customer.name, Customer.vat_number, Customer.tax_code, Customer.email, Customer.city],
        sorts={"name": Customer.name, "type": Customer.customer_type, "country": Customer.country_code,
               "terms": Customer.payment_terms_days},
        default_sort="name",
        filters={"type": {code: (label, Customer.customer_type == code) for code, label in _type_options()}})
    rows = listing.apply(db.session, service.customers_query())
    return render_template("invoicing/customers.html", customers=rows, can_edit=_can_edit(),
                           type_labels=CUSTOMER_TYPE_LABELS)


@blp.route("/customers/<int:customer_id>")
@tenant_role_required(*READERS)
def customer(customer_id):
    """One customer with their invoices and what they owe."""
    record = service.get_customer(db.session, customer_id)
    today = local_today()
    rows = db.session.scalars(service.invoices_query(customer_id=record.id)).all()
    return render_template("invoicing/customer.html", customer=record, invoices=rows, today=today,
                           status_of=service.invoice_status, outstanding=service.outstanding, can_edit=_can_edit(),
                           status_labels=STATUS_LABELS, type_labels=CUSTOMER_TYPE_LABELS,
                           owed=sum((service.outstanding(i) for i in rows), service.ZERO))


@blp.route("/customers/new", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def new_customer():
    """Add a customer."""
    errors, values = {}, {"country_code": service.COUNTRY_CODES.get(g.tenant.country, "GB"),
                          "payment_terms_days": service.get_settings(db.session).default_payment_terms_days}
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.CustomerSchema(), _with_electronic_address(request.form),
                                 booleans=("remind_customer", "split_payment"))
        if data is not None:
            record, errors = run_service(lambda: service.add_customer(db.session, g.tenant, data))
            if record is not None:
                flash(_("%(name)s added.", name=record.name))
                return redirect(url_for("invoicing.customer", customer_id=record.id))
    page = render_template("invoicing/customer_form.html", customer=None, errors=_address_errors(errors),
                           values=values, types=_type_options(), schemes=_scheme_options())
    return (page, 422) if errors else page


@blp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def edit_customer(customer_id):
    """Change a customer's details."""
    record = service.get_customer(db.session, customer_id)
    errors, values = {}, _address_values(schemas.CustomerSchema().dump(record))
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.CustomerUpdateSchema(), _with_electronic_address(request.form),
                                 booleans=("remind_customer", "split_payment"))
        if data is not None:
            for key in service.CUSTOMER_NULLABLE:
                data.setdefault(key, None)
            updated, errors = run_service(lambda: service.update_customer(db.session, record, data))
            if updated is not None:
                flash(_("%(name)s updated.", name=record.name))
                return redirect(url_for("invoicing.customer", customer_id=record.id))
    page = render_template("invoicing/customer_form.html", customer=record, errors=_address_errors(errors),
                           values=values, types=_type_options(), schemes=_scheme_options())
    return (page, 422) if errors else page


@blp.route("/settings", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def settings():
    """Number series, default terms, bank account, reminder days."""
    errors, values = {}, _address_values(schemas.InvoicingSettingsSchema().dump(service.get_settings(db.session)))
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.InvoicingSettingsSchema(), _with_electronic_address(request.form),
                                 booleans=("remind_customers",))
        if data is not None:
            saved, errors = run_service(lambda: service.update_settings(db.session, data))
            if saved is not None:
                flash(_("Invoicing settings saved."))
                return redirect(url_for("invoicing.settings"))
    page = render_template("invoicing/settings.html", errors=_address_errors(errors), values=values,
                           schemes=_scheme_options(), stamp_duty_modes=list(STAMP_DUTY_LABELS.items()),
                           italian=g.tenant.country == "it")
    return (page, 422) if errors else page


def home_tasks(tenant) -> list[dict]:
    """The treasurer's invoicing to-dos: drafts waiting to be issued, overdue invoices to chase."""
    today = local_today()

    def count(status: str) -> int:
        query = service.invoices_query(status=status, today=today).order_by(None)
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    return [{"label": _("Draft invoices to issue"), "count": count("draft"),
             "url": url_for("invoicing.invoices", slug=tenant.slug, status="draft")},
            {"label": _("Overdue invoices to chase"), "count": count("overdue"),
             "url": url_for("invoicing.invoices", slug=tenant.slug, status="overdue", sort="due", dir="asc")}]
