"""Invoicing rules. Plain functions on a session already scoped to one co-op; dates come in as parameters.

Rounding rule (the one place it is decided): each line's net amount is quantity x unit price
minus its discount, rounded half-up to the cent; each line's VAT is that net amount x the rate,
rounded half-up to the cent. The totals per VAT rate, and the invoice totals, are the sums of
those rounded line amounts and are never rounded again.

Numbers are gapless per (co-op, series, year): issuing locks the series' counter row
(the UPDATE that takes the number; SQLite serialises writers anyway) and takes the next number in the
same transaction as the issue, so a failed issue rolls the number back with everything else.

What the customer pays is `payable_total`: the gross total, or under split payment (scissione
dei pagamenti, DPR 633/1972 art. 17-ter, for the public bodies and companies it applies to)
the total net of VAT, as the customer pays the VAT to the Treasury itself. Payments, credits,
status and aged debtors all count against `payable_total`.

Before a draft is issued it is rendered, with the number it would take, in every e-invoice
format its customer needs (FatturaPA for an Italian co-op; UBL for a customer with a Peppol
electronic address), and a document that format would refuse is not issued: the reasons are
given instead, so an issued invoice can always be sent.

Over-payment is refused (422 naming `amount`) rather than held as credit: the invoice records
what it was paid, never more, so its status and the aged-debtors view stay plain sums; an
excess belongs in the bank reconciliation, outside the invoice.
"""

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import marshmallow as ma
from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from consortium.db import utcnow
from consortium.errors import Conflict, NotFound, ServiceError, field_error
from consortium.i18n import _, format_date, format_locale, ngettext
from consortium.models import Tenant
from consortium.money import money as format_money
from consortium.notifications.service import (
    country_language,
    email_in_language,
    emit_event,
    notify_coop,
)
from consortium.tenancy import current_tenant_id
from plugins.exporters.eas import InvalidEndpoint, parse_endpoint
from plugins.jurisdictions.base import (
    InvalidIdentifier,
    JurisdictionError,
    VatCategory,
    get_jurisdiction,
    validate_iban,
)
from tenants.invoicing.models import (
    PUBLIC_BODY_TYPES,
    Customer,
    Invoice,
    InvoiceLine,
    InvoicingSettings,
    NumberCounter,
    Payment,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
COUNTRY_CODES = {"uk": "GB", "it": "IT"}  # jurisdiction code -> ISO 3166-1 alpha-2
JURISDICTIONS = {iso: code for code, iso in COUNTRY_CODES.items()}
PEC_OR_UNKNOWN_CODE = "0000000"
OVERDUE_KIND = "invoicing.overdue"  # email to the co-op's treasurers
CUSTOMER_REMINDER_KIND = "invoicing.customer_reminder"  # email to a customer who agreed to reminders
ISSUED_EVENT = "invoice.issued"
CREDIT_NOTE_EVENT = "credit_note.issued"
PAYMENT_EVENT = "invoice.payment_recorded"
AGE_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
DEFAULT_SETTINGS = {
    "invoice_series": "INV", "credit_note_series": "CN", "default_payment_terms_days": 30, "iban": None,
    "seller_email": None, "regime_fiscale": "RF01", "reminder_days": "7,30,60", "remind_customers": False,
    "peppol_id": None, "stamp_duty_mode": "customer",
}
ITALIAN_CAP = 5  # FatturaPA CAPType: five digits for an Italian address
STAMP_DUTY_DESCRIPTION = "Imposta di bollo assolta in modo virtuale (DM 17 giugno 2014)"
STAMP_DUTY_CATEGORY = "esclusa_art15"  # a stamp duty recharged is excluded from the VAT base, art. 15 DPR 633/1972


def round_money(value: Decimal) -> Decimal:
    """Round to the cent, half-up (0.005 -> 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(quantity: Decimal, unit_price: Decimal, discount: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, VAT) of one line under the rounding rule above: each rounded half-up to the cent, per line."""
    net = round_money(quantity * unit_price - discount)
    return net, round_money(net * rate / 100)


# --- settings ------------------------------------------------------------------------------


# Built once, as _DETAIL_QUERY below: every issue reads the settings.
_SETTINGS_QUERY = select(InvoicingSettings)


def get_settings(session) -> InvoicingSettings:
    """The co-op's invoicing settings (defaults, unsaved, until the treasurer saves them)."""
    settings = session.scalar(_SETTINGS_QUERY)
    return settings if settings is not None else InvoicingSettings(**DEFAULT_SETTINGS)


def reminder_days(settings: InvoicingSettings) -> list[int]:
    """The days past due on which reminders go out, ascending."""
    return sorted({int(part) for part in settings.reminder_days.split(",") if part.strip()})


def _parse_reminder_days(text: str) -> str:
    try:
        days = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise field_error("reminder_days",
                          _("must be whole numbers of days separated by commas, e.g. 7,30,60")) from None
    if not days or any(day < 1 or day > 365 for day in days):
        raise field_error("reminder_days", _("each day must be between 1 and 365 past the due date"))
    return ",".join(str(day) for day in days)


def update_settings(session, changes: dict) -> InvoicingSettings:
    """Save the co-op's invoicing settings; a refused change leaves them as they were."""
    settings = session.scalar(select(InvoicingSettings))
    saved = DEFAULT_SETTINGS if settings is None else {key: getattr(settings, key) for key in DEFAULT_SETTINGS}
    values = {key: changes.get(key, saved[key]) for key in DEFAULT_SETTINGS}
    if values["iban"]:
        try:
            values["iban"] = validate_iban(values["iban"])
        except InvalidIdentifier as error:
            raise field_error("iban", error.message) from error
    values["reminder_days"] = _parse_reminder_days(values["reminder_days"] or "")
    values["peppol_id"] = _electronic_address(values["peppol_id"])
    if values["invoice_series"] == values["credit_note_series"]:
        raise field_error("credit_note_series", _("credit notes need their own series, not the invoices' one"))
    if settings is None:
        settings = InvoicingSettings()
        session.add(settings)
    for key, value in values.items():
        setattr(settings, key, value)
    session.flush()
    return settings


def _electronic_address(value: str | None) -> str | None:
    """A Peppol electronic address as stored ("scheme:identifier"), or a 422 naming `peppol_id`."""
    try:
        return parse_endpoint(value)
    except InvalidEndpoint as error:
        raise field_error("peppol_id", _("Electronic address: %(problem)s", problem=error.message)) from error


# --- customers -----------------------------------------------------------------------------


def customers_query():
    """SELECT of the co-op's customers by name."""
    return select(Customer).order_by(Customer.name, Customer.id)


def get_customer(session, customer_id: int, *, field_name: str | None = None) -> Customer:
    """One customer of this co-op. With `field_name`, a missing one is a 422 naming that field (it came in a body)."""
    customer = session.scalar(select(Customer).where(Customer.id == customer_id))
    if customer is None:
        if field_name:
            raise field_error(field_name, _("no customer %(id)s in this co-op", id=customer_id))
        raise NotFound(_("No customer %(id)s in this co-op.", id=customer_id))
    return customer


CUSTOMER_FIELDS = ("name", "customer_type", "email", "street", "city", "postcode", "country_code", "vat_number",
                   "tax_code", "payment_terms_days", "codice_destinatario", "pec", "peppol_id", "remind_customer",
                   "split_payment")
CUSTOMER_NULLABLE = ("email", "street", "city", "postcode", "vat_number", "tax_code", "codice_destinatario", "pec",
                     "peppol_id")


def _validated_identifier(customer: Customer, field_name: str) -> None:
    value = getattr(customer, field_name)
    if not value:
        setattr(customer, field_name, None)
        return
    code = JURISDICTIONS.get(customer.country_code)
    if code is None:
        setattr(customer, field_name, value.replace(" ", "").upper())
        return
    jurisdiction = get_jurisdiction(code)
    validate = jurisdiction.validate_vat_number if field_name == "vat_number" else jurisdiction.validate_tax_code
    try:
        setattr(customer, field_name, validate(value))
    except InvalidIdentifier as error:
        raise field_error(field_name, error.message) from error


def _check_customer(customer: Customer, tenant: Tenant) -> None:
    """Refuse what an e-invoice to this customer could never carry, naming the field (FatturaPA, Peppol)."""
    customer.country_code = (customer.country_code or "").upper()
    customer.peppol_id = _electronic_address(customer.peppol_id)
    italian_seller = tenant.country == "it"
    if customer.country_code == "IT" and customer.postcode is not None:
        customer.postcode = customer.postcode.strip()
        if not (len(customer.postcode) == ITALIAN_CAP and customer.postcode.isdigit()):
            raise field_error("postcode", _("an Italian postcode (CAP) has 5 digits, e.g. 40121"))
    if italian_seller:
        # FatturaPA 1.4.2 Sede: Indirizzo, CAP (Italian addresses) and Comune are mandatory for the buyer.
        if not customer.street:
            raise field_error("street", _("FatturaPA needs the street address of every customer"))
        if not customer.city:
            raise field_error("city", _("FatturaPA needs the town (comune) of every customer"))
        if customer.country_code == "IT" and not customer.postcode:
            raise field_error("postcode", _("FatturaPA needs the postcode (CAP) of an Italian customer"))
    if customer.split_payment and not (italian_seller and customer.country_code == "IT"
                                       and customer.customer_type != "household"):
        raise field_error("split_payment", _("split payment (art. 17-ter DPR 633/1972) applies only to Italian "
                                             "public bodies and companies invoiced by an Italian co-op"))
    _validated_identifier(customer, "vat_number")
    _validated_identifier(customer, "tax_code")
    code = (customer.codice_destinatario or "").strip().upper() or None
    italian = customer.country_code == "IT"
    if customer.customer_type == "public_body_it":
        if not italian:
            raise field_error("country_code", _("an Italian public body is in Italy (IT)"))
        if code is None or len(code) != 6 or not code.isalnum():
            raise field_error("codice_destinatario",
                              _("an Italian public body needs its 6-character codice univoco ufficio (IPA)"))
    elif italian:
        code = code or PEC_OR_UNKNOWN_CODE
        if len(code) != 7 or not code.isalnum():
            raise field_error("codice_destinatario",
                              _("a private Italian customer's SDI code has 7 characters (0000000 when reached by "
                                "PEC)"))
    elif code is not None:
        raise field_error("codice_destinatario", _("only Italian customers have an SDI recipient code"))
    customer.codice_destinatario = code
    if italian and not customer.vat_number and not customer.tax_code:
        raise field_error("tax_code", _("an Italian customer needs a partita IVA or a codice fiscale"))


def add_customer(session, tenant: Tenant, data: dict) -> Customer:
    """Add a customer; identifiers are validated by the customer's country's rules."""
    values = {key: data[key] for key in CUSTOMER_FIELDS if data.get(key) is not None}
    values.setdefault("country_code", COUNTRY_CODES.get(tenant.country, "GB"))
    values.setdefault("payment_terms_days", get_settings(session).default_payment_terms_days)
    values.setdefault("remind_customer", False)
    values.setdefault("split_payment", False)
    customer = Customer(**values)
    _check_customer(customer, tenant)
    session.add(customer)
    session.flush()
    return customer


def customer_for_tenant(session, tenant: Tenant, member: Tenant) -> Customer:
    """The co-op's customer record for another co-op of the directory (found by VAT number, else added from
    the directory's data): how the consortium's office invoices a member co-op (bulk-purchasing recharges)."""
    country_code = COUNTRY_CODES.get(member.country, member.country.upper())
    if member.vat_number:
        found = session.scalar(select(Customer).where(Customer.country_code == country_code,
                                                      Customer.vat_number == member.vat_number)
                               .order_by(Customer.id))
        if found is not None:
            return found
    return add_customer(session, tenant, {
        "name": member.name, "customer_type": "company", "street": member.address, "city": member.city,
        "postcode": member.postcode, "country_code": country_code, "vat_number": member.vat_number})


def update_customer(session, customer: Customer, changes: dict) -> Customer:
    """Change a customer (a refused change leaves it as it was); issued invoices keep the details they had."""
    for key in CUSTOMER_FIELDS:
        if key in changes and changes[key] is None and key not in CUSTOMER_NULLABLE:
            raise field_error(key, "may not be null")
    # Checked on an unsaved copy: a page that shows the refusal answers 200, and the request commits on 200.
    checked = Customer(**{key: changes.get(key, getattr(customer, key)) for key in CUSTOMER_FIELDS})
    _check_customer(checked, session.get(Tenant, customer.tenant_id))
    for key in CUSTOMER_FIELDS:
        setattr(customer, key, getattr(checked, key))
    session.flush()
    return customer


# --- invoice status (SQL and Python say the same) --------------------------------------------


def status_expression(today: date):
    """The derived status as SQL, so a list can filter and show it in the one query that reads the rows."""
    return case(
        (Invoice.state == "draft", "draft"),
        (Invoice.kind == "credit_note", "issued"),
        (and_(Invoice.payable_total > 0, Invoice.amount_credited >= Invoice.payable_total), "credited"),
        (Invoice.amount_paid + Invoice.amount_credited >= Invoice.payable_total, "paid"),
        (Invoice.due_date < today, "overdue"),
        (Invoice.amount_paid > 0, "part-paid"),
        else_="issued",
    )


def invoice_status(invoice: Invoice, today: date) -> str:
    """The derived status of one document on `today` (the same rule as `status_expression`)."""
    if invoice.state == "draft":
        return "draft"
    if invoice.kind == "credit_note":
        return "issued"
    if invoice.payable_total > 0 and invoice.amount_credited >= invoice.payable_total:
        return "credited"
    if invoice.amount_paid + invoice.amount_credited >= invoice.payable_total:
        return "paid"
    if invoice.due_date < today:
        return "overdue"
    if invoice.amount_paid > 0:
        return "part-paid"
    return "issued"


def outstanding(invoice: Invoice) -> Decimal:
    """What the customer still owes on an issued invoice (never below zero)."""
    if invoice.state != "issued" or invoice.kind != "invoice":
        return ZERO
    return max(invoice.payable_total - invoice.amount_paid - invoice.amount_credited, ZERO)


def left_to_credit(invoice: Invoice) -> Decimal:
    """How much of an issued invoice credit notes may still cancel (of what the customer pays)."""
    return invoice.payable_total - invoice.amount_credited


def invoices_query(*, status: str | None = None, today: date | None = None, customer_id: int | None = None,
                   kind: str | None = None):
    """SELECT of the co-op's invoices and credit notes, newest first (index (tenant_id, issue_date, id))."""
    query = select(Invoice).order_by(Invoice.issue_date.desc(), Invoice.id.desc())
    if status:
        query = query.where(status_expression(today) == status)
    if customer_id is not None:
        query = query.where(Invoice.customer_id == customer_id)
    if kind:
        query = query.where(Invoice.kind == kind)
    return query


# What a list of invoices shows, as columns (no Invoice objects built): the API's hot list (issue 16).
LIST_COLUMNS = (Invoice.id, Invoice.kind, Invoice.number, Invoice.state, Invoice.customer_id,
                Customer.name.label("customer_name"), Invoice.credited_invoice_id, Invoice.issue_date,
                Invoice.due_date, Invoice.currency, Invoice.net_total, Invoice.vat_total, Invoice.gross_total,
                Invoice.payable_total, Invoice.split_payment, Invoice.stamp_duty, Invoice.amount_paid,
                Invoice.amount_credited)


@functools.lru_cache(maxsize=128)  # built once per set of arguments: see consortium.api._page_statements
def invoice_rows_query(*, status: str | None = None, today: date | None = None, customer_id: int | None = None,
                       kind: str | None = None):
    """`invoices_query` as rows of LIST_COLUMNS (the attributes `invoice_status` and `outstanding` read).

    The customer is an outer join on its primary key (every invoice has one): PostgreSQL drops such a join
    from the page's COUNT, which reads no customer column.
    """
    query = invoices_query(status=status, today=today, customer_id=customer_id, kind=kind)
    return query.with_only_columns(*LIST_COLUMNS, maintain_column_froms=False).outerjoin_from(
        Invoice, Customer, and_(Customer.tenant_id == Invoice.tenant_id, Customer.id == Invoice.customer_id))


_INVOICE_QUERY = select(Invoice).where(Invoice.id == bindparam("invoice_id"))
_INVOICE_WITH_LINES_QUERY = _INVOICE_QUERY.options(joinedload(Invoice.lines))


def get_invoice(session, invoice_id: int, *, with_lines: bool = False) -> Invoice:
    """One invoice or credit note of this co-op; another co-op's is simply not found. `with_lines` reads its lines
    in the same statement, for a change that needs them all (issuing)."""
    query = _INVOICE_WITH_LINES_QUERY if with_lines else _INVOICE_QUERY
    invoice = session.scalars(query, {"invoice_id": invoice_id}).unique().one_or_none()
    if invoice is None:
        raise NotFound(_("No invoice %(id)s in this co-op.", id=invoice_id))
    return invoice


DETAIL_COLUMNS = (*LIST_COLUMNS, Invoice.payment_terms_days, Invoice.buyer_reference, Invoice.order_reference,
                  Invoice.notes)
# What the API shows of a line and what its VAT breakdown groups by (`vat_breakdown`).
DETAIL_LINE_COLUMNS = (InvoiceLine.position, InvoiceLine.description, InvoiceLine.quantity, InvoiceLine.unit,
                       InvoiceLine.unit_price, InvoiceLine.discount_amount, InvoiceLine.vat_category,
                       InvoiceLine.vat_rate, InvoiceLine.vat_natura, InvoiceLine.vat_ubl_category,
                       InvoiceLine.vat_exemption_reason, InvoiceLine.net_amount, InvoiceLine.vat_amount)


# Built once, with the invoice as a bind parameter: building them and their cache key on every request cost a
# fifth of the one-invoice endpoint's own time (issue 16).
_DETAIL_QUERY = select(*DETAIL_COLUMNS).outerjoin_from(
    Invoice, Customer, and_(Customer.tenant_id == Invoice.tenant_id, Customer.id == Invoice.customer_id)
).where(Invoice.id == bindparam("invoice_id"))
_DETAIL_LINES_QUERY = (select(*DETAIL_LINE_COLUMNS).where(InvoiceLine.invoice_id == bindparam("invoice_id"))
                       .order_by(InvoiceLine.position))


def invoice_detail(session, invoice_id: int) -> SimpleNamespace:
    """One invoice or credit note of this co-op read as columns, for showing it: DETAIL_COLUMNS as attributes
    and `lines` as rows of DETAIL_LINE_COLUMNS by position (what `InvoiceSchema` and `vat_breakdown` read), in
    two queries and no ORM objects (issue 16). Another co-op's is simply not found; changing one loads the
    Invoice itself (`get_invoice`)."""
    row = session.execute(_DETAIL_QUERY, {"invoice_id": invoice_id}).first()
    if row is None:
        raise NotFound(_("No invoice %(id)s in this co-op.", id=invoice_id))
    lines = session.execute(_DETAIL_LINES_QUERY, {"invoice_id": invoice_id}).all()
    return SimpleNamespace(**row._mapping, lines=lines)


def credit_notes_of(session, invoice: Invoice) -> list[Invoice]:
    """The credit notes issued against an invoice, oldest first."""
    return list(session.scalars(select(Invoice).where(Invoice.credited_invoice_id == invoice.id)
                                .order_by(Invoice.id)))


def credited_invoice(session, credit_note: Invoice) -> Invoice | None:
    """The invoice a credit note corrects."""
    if credit_note.credited_invoice_id is None:
        return None
    return session.scalar(select(Invoice).where(Invoice.id == credit_note.credited_invoice_id))


# --- drafts --------------------------------------------------------------------------------


def _vat_category(tenant: Tenant, code: str, on: date, index: int) -> VatCategory:
    try:
        return get_jurisdiction(tenant.country).vat_rate(code, on)
    except JurisdictionError as error:
        raise ma.ValidationError({"lines": {index: {"vat_category": [str(error)]}}}) from error


def _apply_vat(line: InvoiceLine, category: VatCategory, index: int) -> None:
    """Snapshot the category's rate, natura and UBL code on the line and compute its amounts."""
    snapshot = (category.code, category.rate, category.exempt, category.natura, category.ubl_category,
                category.exemption_reason, *line_amounts(line.quantity, line.unit_price, line.discount_amount,
                                                         category.rate))
    # a line already holding them (a draft issued at the rates it was priced at) is left clean: nothing for
    # the flush and the audit to compare
    if snapshot != (line.vat_category, line.vat_rate, line.vat_exempt, line.vat_natura, line.vat_ubl_category,
                    line.vat_exemption_reason, line.net_amount, line.vat_amount):
        (line.vat_category, line.vat_rate, line.vat_exempt, line.vat_natura, line.vat_ubl_category,
         line.vat_exemption_reason, line.net_amount, line.vat_amount) = snapshot
    if line.net_amount < 0:
        raise ma.ValidationError({"lines": {index: {"discount_amount": [
            _("is larger than quantity x unit price; negative amounts belong on a credit note")]}}})


def _new_lines(tenant: Tenant, lines: list[dict], on: date) -> list[InvoiceLine]:
    if not lines:
        raise ma.ValidationError({"lines": [_("an invoice needs at least one line")]})
    made = []
    for index, data in enumerate(lines):
        line = InvoiceLine(position=index + 1, description=data["description"], quantity=data["quantity"],
                           unit=data.get("unit") or "C62", unit_price=data["unit_price"],
                           discount_amount=data.get("discount_amount") or ZERO)
        _apply_vat(line, _vat_category(tenant, data["vat_category"], on, index), index)
        made.append(line)
    return made


def _total(invoice: Invoice) -> None:
    invoice.net_total = sum((line.net_amount for line in invoice.lines), ZERO)
    invoice.vat_total = sum((line.vat_amount for line in invoice.lines), ZERO)
    invoice.gross_total = invoice.net_total + invoice.vat_total
    invoice.payable_total = invoice.net_total if invoice.split_payment else invoice.gross_total


DRAFT_FIELDS = ("buyer_reference", "order_reference", "notes")


def create_draft(session, tenant: Tenant, data: dict, today: date) -> Invoice:
    """Start an invoice for one of the co-op's customers; it stays editable until issued."""
    customer = get_customer(session, data["customer_id"], field_name="customer_id")
    terms = data.get("payment_terms_days")
    terms = customer.payment_terms_days if terms is None else terms
    invoice = Invoice(kind="invoice", state="draft", customer_id=customer.id, issue_date=today,
                      due_date=today + timedelta(days=terms), payment_terms_days=terms, currency=tenant.currency,
                      amount_paid=ZERO, amount_credited=ZERO, split_payment=customer.split_payment,
                      **{key: data.get(key) for key in DRAFT_FIELDS})
    invoice.lines = _new_lines(tenant, data.get("lines") or [], today)
    _total(invoice)
    session.add(invoice)
    session.flush()
    return invoice


def _refuse_unless_draft(invoice: Invoice, action: str) -> None:
    if invoice.state != "draft":
        raise Conflict(f"{invoice.number} is issued and cannot be {action}; correct it with a credit note.",
                       {"state": [f"issued documents cannot be {action}"]})


def update_draft(session, tenant: Tenant, invoice: Invoice, changes: dict, today: date) -> Invoice:
    """Change a draft (customer, terms, references, notes; `lines` replaces every line)."""
    _refuse_unless_draft(invoice, "changed")
    # Everything that can be refused is checked before the draft is touched.
    customer = None
    if changes.get("customer_id") is not None:
        customer = get_customer(session, changes["customer_id"], field_name="customer_id")
    lines = _new_lines(tenant, changes["lines"] or [], invoice.issue_date) if "lines" in changes else None
    if customer is not None:
        invoice.customer_id = customer.id
        invoice.split_payment = customer.split_payment
        session.expire(invoice, ["customer"])
    for key in DRAFT_FIELDS:
        if key in changes:
            setattr(invoice, key, changes[key])
    if changes.get("payment_terms_days") is not None:
        invoice.payment_terms_days = changes["payment_terms_days"]
    if lines is not None:
        invoice.lines = []
        session.flush()  # the old lines go first, so the new ones can reuse their positions
        invoice.lines = lines
    invoice.due_date = invoice.issue_date + timedelta(days=invoice.payment_terms_days)
    _total(invoice)
    session.flush()
    return invoice


def delete_draft(session, invoice: Invoice) -> None:
    """Throw a draft away (an issued invoice never can be)."""
    _refuse_unless_draft(invoice, "deleted")
    session.delete(invoice)
    session.flush()


# --- issuing -------------------------------------------------------------------------------


# One statement takes the number and locks the counter row until the transaction ends (an UPDATE locks the row
# as SELECT ... FOR UPDATE did, and a second issuer waits on it, then counts on from the committed number).
# Nothing reads a counter as an object (SQLite's first one is added as one, never changed after), so the session has
# none to synchronise (that search cost as much as the statement).
_NEXT_NUMBER = (update(NumberCounter)
                .where(NumberCounter.series == bindparam("counter_series"),
                       NumberCounter.year == bindparam("counter_year"))
                .values(last_number=NumberCounter.last_number + 1)
                .returning(NumberCounter.last_number)
                .execution_options(synchronize_session=False))


def _next_number(session, series: str, year: int) -> int:
    """The next number of the (series, year) counter, whose row stays locked until the transaction ends; the
    counter is created on first use.

    Two first issues of a year may race to create the row: the loser's insert waits for the winner's commit and
    then does nothing, and both count on the one row (SQLite serialises writers: its new row is written with the
    issue). Nothing is flushed on the way, so the issue's changes to the invoice are written together when it
    is done: one UPDATE, one audit entry.
    """
    key = {"counter_series": series, "counter_year": year}
    with session.no_autoflush:
        number = session.scalar(_NEXT_NUMBER, key)
        if number is None and session.get_bind().dialect.name == "postgresql":
            session.execute(postgresql.insert(NumberCounter.__table__).values(
                tenant_id=current_tenant_id(session), series=series, year=year, last_number=0).on_conflict_do_nothing())
            number = session.scalar(_NEXT_NUMBER, key)
    if number is None:
        number = 1
        session.add(NumberCounter(series=series, year=year, last_number=number))
    return number


def _take_number(session, invoice: Invoice, series: str) -> None:
    number = _next_number(session, series, invoice.issue_date.year)
    invoice.series, invoice.year, invoice.sequence = series, invoice.issue_date.year, number
    invoice.number = f"{series}-{invoice.year}-{number:04d}"


def seller_details(tenant: Tenant, settings: InvoicingSettings) -> dict:
    """The issuing co-op as printed on its documents."""
    jurisdiction = get_jurisdiction(tenant.country)
    return {"name": tenant.name, "street": tenant.address, "city": tenant.city, "postcode": tenant.postcode,
            "country_code": COUNTRY_CODES.get(tenant.country, tenant.country.upper()),
            "vat_number": tenant.vat_number, "registration_number": tenant.registration_number,
            "email": settings.seller_email, "iban": settings.iban, "regime_fiscale": settings.regime_fiscale,
            "peppol_id": settings.peppol_id,
            "currency": tenant.currency, "locale": jurisdiction.locale, "jurisdiction": tenant.country}


def buyer_details(customer: Customer) -> dict:
    """The customer as printed on a document."""
    return {"customer_id": customer.id, "name": customer.name, "customer_type": customer.customer_type,
            "street": customer.street, "city": customer.city, "postcode": customer.postcode,
            "country_code": customer.country_code, "vat_number": customer.vat_number,
            "tax_code": customer.tax_code, "email": customer.email, "peppol_id": customer.peppol_id,
            "codice_destinatario": customer.codice_destinatario, "pec": customer.pec,
            "is_public_body": customer.is_public_body, "split_payment": customer.split_payment}


def document_parties(invoice: Invoice, tenant: Tenant, settings: InvoicingSettings) -> tuple[dict, dict]:
    """(seller, buyer) of a document: frozen at issue, live for a draft's preview."""
    if invoice.state == "issued" and invoice.seller_snapshot and invoice.buyer_snapshot:
        return invoice.seller_snapshot, invoice.buyer_snapshot
    return seller_details(tenant, settings), buyer_details(invoice.customer)


def _fix_as_issued(session, tenant: Tenant, invoice: Invoice, settings: InvoicingSettings, series: str,
                   today: date, buyer: dict) -> None:
    invoice.issue_date = today
    invoice.due_date = today + timedelta(days=invoice.payment_terms_days)
    _take_number(session, invoice, series)
    invoice.state = "issued"
    invoice.issued_at = utcnow()
    invoice.seller_snapshot = seller_details(tenant, settings)
    invoice.buyer_snapshot = buyer


def issue_invoice(session, tenant: Tenant, invoice: Invoice, today: date) -> Invoice:
    """Give a draft the next number of the co-op's series for this year, fix its date, rates and parties."""
    _refuse_unless_draft(invoice, "issued again")
    if not invoice.lines:
        raise ma.ValidationError({"lines": [_("an invoice needs at least one line")]})
    # The rates in force on the day of issue are the ones the document keeps for ever; all are looked up
    # before any line changes, as a refused issue redirects back to the draft and the redirect commits.
    categories = [_vat_category(tenant, line.vat_category, today, index) for index, line in enumerate(invoice.lines)]
    # read before anything changes: a query after would autoflush the lines for nothing (a flush and its audit
    # pass each issue)
    settings = get_settings(session)
    for index, (line, category) in enumerate(zip(invoice.lines, categories, strict=True)):
        _apply_vat(line, category, index)
    invoice.split_payment = invoice.customer.split_payment
    _add_stamp_duty(tenant, invoice, categories, settings, today)
    _total(invoice)
    _fix_as_issued(session, tenant, invoice, settings, settings.invoice_series, today, buyer_details(invoice.customer))
    session.flush()
    # Rendered as it will be sent; a refusal rolls the whole issue back, number included. (Imported here:
    # einvoices maps the invoice with this module's vat_breakdown.)
    from tenants.invoicing.einvoices import einvoice_problems, readable_problem

    problems = einvoice_problems(tenant, invoice)
    if problems:
        raise ServiceError(
            _("This invoice cannot be issued: %(problems)s", problems="; ".join(
                f"{label}: {'; '.join(readable_problem(problem) for problem in found)}"
                for label, found in problems.values())),
            {code: found for code, (_label, found) in problems.items()})
    emit_event(session, ISSUED_EVENT, _event_payload(invoice), tenant_id=tenant.id,
               dedupe_key=f"invoice-issued:{tenant.id}:{invoice.id}")
    return invoice


def _add_stamp_duty(tenant: Tenant, invoice: Invoice, categories: list[VatCategory], settings: InvoicingSettings,
                    today: date) -> None:
    """Italy's imposta di bollo on the amounts not subject to VAT, by the rule of the co-op's rate table.

    EUR 2.00 when those amounts exceed EUR 77.47 (DPR 642/1972, Tariffa Parte I art. 13; figures and
    sources in plugins/jurisdictions/it/rates). The co-op's setting says who bears it: recharged to the
    customer it is a line excluded from the VAT base (art. 15 DPR 633/1972, Natura N1).
    """
    duty = get_jurisdiction(tenant.country).rate_table(today).stamp_duty
    invoice.stamp_duty = None
    if duty is None or settings.stamp_duty_mode == "not_due":
        return
    not_subject = sum((line.net_amount for line, category in zip(invoice.lines, categories, strict=True)
                       if category.stamp_duty), ZERO)
    invoice.stamp_duty = duty.due_on(not_subject)
    if invoice.stamp_duty is None or settings.stamp_duty_mode != "customer":
        return
    line = InvoiceLine(position=len(invoice.lines) + 1, description=STAMP_DUTY_DESCRIPTION, quantity=Decimal(1),
                       unit="C62", unit_price=invoice.stamp_duty, discount_amount=ZERO)
    _apply_vat(line, _vat_category(tenant, STAMP_DUTY_CATEGORY, today, len(invoice.lines)), len(invoice.lines))
    invoice.lines.append(line)


def _event_payload(invoice: Invoice) -> dict:
    return {"id": invoice.id, "kind": invoice.kind, "number": invoice.number, "issue_date": invoice.issue_date,
            "due_date": invoice.due_date, "customer_id": invoice.customer_id, "currency": invoice.currency,
            "net_total": invoice.net_total, "vat_total": invoice.vat_total, "gross_total": invoice.gross_total,
            "payable_total": invoice.payable_total, "amount_paid": invoice.amount_paid,
            "amount_credited": invoice.amount_credited,
            "credited_invoice_id": invoice.credited_invoice_id}


# --- credit notes and payments ---------------------------------------------------------------


def _refuse_unless_issued_invoice(invoice: Invoice, what: str) -> None:
    if invoice.kind != "invoice":
        raise ServiceError(f"{what} go against invoices, not credit notes.",
                           {"invoice_id": [f"{invoice.number} is a credit note"]})
    if invoice.state != "issued":
        raise Conflict(f"{what} go against issued invoices; this one is a draft.",
                       {"state": ["the invoice is a draft: issue it first"]})


def create_credit_note(session, tenant: Tenant, invoice: Invoice, data: dict, today: date) -> Invoice:
    """Issue a credit note against an invoice: all its lines (`full`) or the lines given, never more than is left."""
    _refuse_unless_issued_invoice(invoice, "Credit notes")
    if data.get("full"):
        if data.get("lines"):
            raise field_error("lines", _("give either full=true or the lines to credit, not both"))
        lines = [InvoiceLine(position=line.position, description=line.description, quantity=line.quantity,
                             unit=line.unit, unit_price=line.unit_price, discount_amount=line.discount_amount,
                             vat_category=line.vat_category, vat_rate=line.vat_rate, vat_exempt=line.vat_exempt,
                             vat_natura=line.vat_natura, vat_ubl_category=line.vat_ubl_category,
                             vat_exemption_reason=line.vat_exemption_reason, net_amount=line.net_amount,
                             vat_amount=line.vat_amount)
                 for line in invoice.lines]
    else:
        # A credit note corrects the original supply, so it uses the rates of the invoice's date.
        lines = _new_lines(tenant, data.get("lines") or [], invoice.issue_date)
    credit_note = Invoice(kind="credit_note", state="draft", customer_id=invoice.customer_id,
                          credited_invoice_id=invoice.id, issue_date=today, due_date=today, payment_terms_days=0,
                          currency=invoice.currency, amount_paid=ZERO, amount_credited=ZERO,
                          split_payment=invoice.split_payment, buyer_reference=invoice.buyer_reference,
                          order_reference=invoice.order_reference,
                          notes=data.get("reason"))
    credit_note.lines = lines
    _total(credit_note)
    remaining = left_to_credit(invoice)
    if credit_note.payable_total > remaining:
        raise ServiceError(
            _("The credit note (%(total)s) is larger than what is left to credit on %(number)s (%(left)s).",
              total=credit_note.payable_total, number=invoice.number, left=remaining),
            {"lines": [_("total %(total)s exceeds the %(left)s left to credit", total=credit_note.payable_total,
                         left=remaining)]})
    # The same buyer as the invoice it corrects.
    settings = get_settings(session)
    _fix_as_issued(session, tenant, credit_note, settings, settings.credit_note_series, today, invoice.buyer_snapshot)
    session.add(credit_note)
    invoice.amount_credited += credit_note.payable_total
    session.flush()
    emit_event(session, CREDIT_NOTE_EVENT, _event_payload(credit_note), tenant_id=tenant.id,
               dedupe_key=f"credit-note-issued:{tenant.id}:{credit_note.id}")
    return credit_note


def is_advance(payment: Payment, invoice: Invoice) -> bool:
    """An advance (acconto): money received before the invoice was issued, recorded against it afterwards."""
    return payment.paid_on < invoice.issue_date


def record_payment(session, invoice: Invoice, data: dict, today: date | None = None) -> Payment:
    """Record money received; more than the invoice still owes is refused (see the module note).

    A payment dated before the invoice's issue date is an advance (acconto) the invoice now settles,
    and is accepted; one dated after `today` (the co-op's local date, when given) has not been received yet.
    Not enforced here: in Italy a payment received before the supply is itself a taxable event for the amount
    paid, which may call for an invoice of its own when it is received (DPR 633/1972 art. 6, fourth paragraph,
    https://www.normattiva.it/uri-res/N2Ls?urn:nir:presidente.repubblica:decreto:1972-10-26;633~art6 ; that
    paragraph's wording was not in the excerpt found: unconfirmed).
    """
    _refuse_unless_issued_invoice(invoice, "Payments")
    amount = data["amount"]
    due = outstanding(invoice)
    if amount > due:
        raise field_error("amount", _("%(amount)s is more than the %(due)s still owed on %(number)s; "
                                      "over-payments are refused", amount=amount, due=due, number=invoice.number))
    if today is not None and data["paid_on"] > today:
        raise field_error("paid_on", _("is in the future: record a payment once it has been received"))
    payment = Payment(invoice_id=invoice.id, paid_on=data["paid_on"], amount=amount,
                      method=data.get("method") or "bank_transfer", reference=data.get("reference"))
    session.add(payment)
    invoice.amount_paid += amount
    session.flush()
    emit_event(session, PAYMENT_EVENT, {**_event_payload(invoice), "payment": {
        "id": payment.id, "paid_on": payment.paid_on, "amount": payment.amount, "method": payment.method}},
        tenant_id=invoice.tenant_id, dedupe_key=f"invoice-payment:{invoice.tenant_id}:{payment.id}")
    return payment


# --- reports -------------------------------------------------------------------------------


@dataclass
class VatGroup:
    """The lines of one VAT category and rate: their net and VAT (sums of the rounded line amounts)."""

    category: str
    label_code: str
    rate: Decimal
    natura: str | None
    exemption_reason: str | None
    taxable_amount: Decimal = ZERO
    vat_amount: Decimal = ZERO


def vat_breakdown(invoice: Invoice) -> list[VatGroup]:
    """Totals per VAT category and rate, each the sum of its lines."""
    groups: dict[tuple, VatGroup] = {}
    for line in invoice.lines:
        key = (line.vat_ubl_category, line.vat_rate, line.vat_natura)
        group = groups.setdefault(key, VatGroup(line.vat_ubl_category, line.vat_category, line.vat_rate,
                                                line.vat_natura, line.vat_exemption_reason))
        group.taxable_amount += line.net_amount
        group.vat_amount += line.vat_amount
    return list(groups.values())


@dataclass
class DebtorRow:
    """One customer's unpaid issued invoices, by how late they are."""

    customer_id: int
    customer_name: str
    buckets: dict = field(default_factory=lambda: dict.fromkeys(AGE_BUCKETS, ZERO))

    @property
    def total(self) -> Decimal:
        """Everything the customer owes."""
        return sum(self.buckets.values(), ZERO)


def aged_debtors(session, today: date) -> tuple[list[DebtorRow], dict]:
    """What each customer owes, by days past due (current, 1-30, 31-60, 61-90, 90+), and the totals."""
    owed = Invoice.payable_total - Invoice.amount_paid - Invoice.amount_credited
    bounds = {"current": (today, None), "1-30": (today - timedelta(days=30), today),
              "31-60": (today - timedelta(days=60), today - timedelta(days=30)),
              "61-90": (today - timedelta(days=90), today - timedelta(days=60)),
              "90+": (None, today - timedelta(days=90))}
    columns = []
    for bucket in AGE_BUCKETS:
        low, high = bounds[bucket]
        condition = [Invoice.due_date >= low] if low is not None else []
        if high is not None:
            condition.append(Invoice.due_date < high)
        columns.append(func.coalesce(func.sum(case((and_(*condition), owed), else_=0)), 0).label(bucket))
    query = (select(Customer.id, Customer.name, *columns)
             .join(Customer, and_(Customer.tenant_id == Invoice.tenant_id, Customer.id == Invoice.customer_id))
             .where(Invoice.state == "issued", Invoice.kind == "invoice", owed > 0)
             .group_by(Customer.id, Customer.name).order_by(Customer.name))
    rows, totals = [], dict.fromkeys(AGE_BUCKETS, ZERO)
    for record in session.execute(query):
        row = DebtorRow(record.id, record.name)
        for bucket in AGE_BUCKETS:
            row.buckets[bucket] = round_money(Decimal(str(record._mapping[bucket])))
            totals[bucket] += row.buckets[bucket]
        rows.append(row)
    return rows, totals


def overdue_invoices(session, today: date):
    """Issued invoices past their due date with money still owed, oldest due first."""
    query = (select(Invoice).where(status_expression(today) == "overdue")
             .order_by(Invoice.due_date, Invoice.id))
    return list(session.scalars(query))


# --- reminders -----------------------------------------------------------------------------


def send_overdue_reminders(session, tenant: Tenant, today: date) -> int:
    """Queue reminders for invoices overdue by one of the co-op's reminder days; returns how many were queued.

    Each invoice is reminded once per threshold reached (the highest one, so a job that missed
    days does not send a burst); the dedupe key makes a second run on the same day a no-op.
    """
    settings = get_settings(session)
    thresholds = reminder_days(settings)
    queued = 0
    for invoice in overdue_invoices(session, today):
        late = (today - invoice.due_date).days
        reached = [days for days in thresholds if days <= late]
        if not reached:
            continue
        threshold = max(reached)
        key = f"invoice-overdue:{tenant.id}:{invoice.id}:{threshold}"
        owed = outstanding(invoice)
        # Written in the co-op's language (its country's), to its treasurers and to its customer.
        queued += len(notify_coop(session, tenant, kind=OVERDUE_KIND, dedupe_key=key,
                                  text=lambda invoice=invoice, late=late, owed=owed: (
            ngettext("%(number)s to %(customer)s is %(num)d day overdue",
                     "%(number)s to %(customer)s is %(num)d days overdue", late,
                     number=invoice.number, customer=invoice.customer.name),
            ngettext("%(coop)s: invoice %(number)s to %(customer)s, due on %(due)s, still has %(owed)s unpaid "
                     "(%(num)d day past due).",
                     "%(coop)s: invoice %(number)s to %(customer)s, due on %(due)s, still has %(owed)s unpaid "
                     "(%(num)d days past due).", late,
                     coop=tenant.name, number=invoice.number, customer=invoice.customer.name,
                     due=format_date(invoice.due_date), owed=format_money(owed, invoice.currency, format_locale())))))
        customer = invoice.customer
        if settings.remind_customers and customer.remind_customer and customer.email:
            queued += len(email_in_language(
                session, language=country_language(tenant.country), to=customer.email, kind=CUSTOMER_REMINDER_KIND,
                tenant_id=tenant.id, dedupe_key=key, text=lambda invoice=invoice, owed=owed, customer=customer: (
                    _("Reminder: invoice %(number)s from %(coop)s", number=invoice.number, coop=tenant.name),
                    _("Dear %(customer)s,\n\nour invoice %(number)s of %(issued)s was due on %(due)s; %(owed)s is "
                      "still unpaid. If you have already paid, please ignore this message.\n\n%(coop)s",
                      customer=customer.name, number=invoice.number, issued=format_date(invoice.issue_date),
                      due=format_date(invoice.due_date), owed=format_money(owed, invoice.currency, format_locale()),
                      coop=tenant.name))))
    return queued


def net_invoiced_by_customer_type(session, year: int) -> dict:
    """The co-op's issued invoices less credit notes of `year` (by issue date), net of VAT, per customer type.

    An aggregate for reports (call in the co-op's scope): no customer, number or line is returned. Returns
    {"by_type": {customer type: net}, "public": net to public bodies, "private": the rest}.
    """
    signed = case((Invoice.kind == "credit_note", -Invoice.net_total), else_=Invoice.net_total)
    rows = session.execute(
        select(Customer.customer_type, func.sum(signed))
        .join(Customer, (Customer.tenant_id == Invoice.tenant_id) & (Customer.id == Invoice.customer_id))
        .where(Invoice.state == "issued", Invoice.issue_date >= date(year, 1, 1),
               Invoice.issue_date <= date(year, 12, 31))
        .group_by(Customer.customer_type))
    by_type = {kind: round_money(Decimal(str(total or 0))) for kind, total in rows}
    public = sum((v for k, v in by_type.items() if k in PUBLIC_BODY_TYPES), Decimal("0.00"))
    return {"by_type": by_type, "public": public, "private": sum(by_type.values(), Decimal("0.00")) - public}
