"""Invoicing input and output shapes (API and pages share them)."""

from marshmallow import Schema, fields, validate

from consortium.clock import local_today
from consortium.dumping import PlainDumpSchema
from consortium.fields import BoundedInt, Computed, DecimalString, Money
from consortium.i18n import _l
from tenants.invoicing import service
from tenants.invoicing.models import CUSTOMER_TYPES, PAYMENT_METHODS, STAMP_DUTY_MODES, STATUSES, UNITS

POSITIVE = validate.Range(min=0, min_inclusive=False, error=_l("must be more than 0 (negative amounts belong on a "
                                                                 "credit note)"))


class CustomerSchema(Schema):
    """A customer as read and written."""

    id = BoundedInt(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    customer_type = fields.Str(required=True, validate=validate.OneOf(CUSTOMER_TYPES))
    is_public_body = fields.Bool(dump_only=True)
    email = fields.Email(allow_none=True)
    street = fields.Str(allow_none=True, validate=validate.Length(max=200))
    city = fields.Str(allow_none=True, validate=validate.Length(max=100))
    postcode = fields.Str(allow_none=True, validate=validate.Length(max=20))
    country_code = fields.Str(validate=validate.Regexp(r"^[A-Za-z]{2}$", error=_l("an ISO 3166 two-letter code")))
    vat_number = fields.Str(allow_none=True, validate=validate.Length(max=20))
    tax_code = fields.Str(allow_none=True, validate=validate.Length(max=20))
    payment_terms_days = BoundedInt(validate=validate.Range(min=0, max=365))
    codice_destinatario = fields.Str(allow_none=True, validate=validate.Length(min=6, max=7))
    pec = fields.Email(allow_none=True)
    peppol_id = fields.Str(allow_none=True, validate=validate.Length(max=100), metadata={
        "description": "Peppol electronic address, scheme:identifier (EAS code), e.g. 0088:5012345678900"})
    remind_customer = fields.Bool(metadata={"description": "also email overdue reminders to the customer"})
    split_payment = fields.Bool(metadata={"description": "scissione dei pagamenti (DPR 633/1972 art. 17-ter): the "
                                                         "customer pays the VAT to the Treasury"})


class CustomerUpdateSchema(CustomerSchema):
    """Changes to a customer: every field optional."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class LineSchema(PlainDumpSchema):
    """One invoice line: quantity x unit price - discount, in a VAT category of the co-op's jurisdiction."""

    position = BoundedInt(dump_only=True)
    description = fields.Str(required=True, validate=validate.Length(min=1, max=1000))
    quantity = DecimalString(required=True, places=4, validate=POSITIVE)
    unit = fields.Str(load_default="C62", validate=validate.OneOf(list(UNITS)),
                      metadata={"description": "UN/ECE Rec. 20 unit code: " + ", ".join(
                          f"{code} {label}" for code, label in UNITS.items())})
    unit_price = DecimalString(required=True, places=6,
                                validate=validate.Range(min=0, error=_l("must not be negative")))
    discount_amount = DecimalString(places=2, load_default=None,
                                     validate=validate.Range(min=0, error=_l("must not be negative")))
    vat_category = fields.Str(required=True, validate=validate.Length(min=1, max=40),
                              metadata={"description": "a category code of the co-op's jurisdiction, e.g. "
                                                       "standard (UK) or ordinaria_22 (Italy)"})
    vat_rate = DecimalString(places=2, dump_only=True)
    vat_natura = fields.Str(dump_only=True)
    net_amount = Money(dump_only=True)
    vat_amount = Money(dump_only=True)


LINES_LENGTH = validate.Length(min=1, max=500, error=_l("an invoice needs between 1 and 500 lines"))


class InvoiceCreateSchema(Schema):
    """A new draft invoice."""

    customer_id = BoundedInt(required=True)
    lines = fields.List(fields.Nested(LineSchema), required=True, validate=LINES_LENGTH)
    payment_terms_days = BoundedInt(validate=validate.Range(min=0, max=365), load_default=None,
                                    metadata={"description": "defaults to the customer's terms"})
    buyer_reference = fields.Str(allow_none=True, validate=validate.Length(max=100))
    order_reference = fields.Str(allow_none=True, validate=validate.Length(max=20))
    notes = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class InvoiceUpdateSchema(InvoiceCreateSchema):
    """Changes to a draft; `lines` replaces all lines."""

    customer_id = BoundedInt()
    lines = fields.List(fields.Nested(LineSchema), validate=LINES_LENGTH)


class VatGroupSchema(PlainDumpSchema):
    """Totals of one VAT category and rate."""

    category = fields.Str()
    rate = DecimalString(places=2)
    natura = fields.Str()
    exemption_reason = fields.Str()
    taxable_amount = Money(dump_only=True)
    vat_amount = Money(dump_only=True)


VAT_GROUPS = VatGroupSchema(many=True)  # one instance: making a schema costs more than dumping two groups


class InvoiceSummarySchema(PlainDumpSchema):
    """An invoice or credit note in a list (an Invoice, or a row of `service.invoice_rows_query`)."""

    id = BoundedInt()
    kind = fields.Str()
    number = fields.Str()
    status = Computed(lambda invoice: service.invoice_status(invoice, local_today()),
                             metadata={"enum": list(STATUSES)})
    customer_id = BoundedInt()
    customer_name = fields.Str(dump_only=True)
    credited_invoice_id = BoundedInt()
    issue_date = fields.Date()
    due_date = fields.Date()
    currency = fields.Str()
    net_total = Money(dump_only=True)
    vat_total = Money(dump_only=True)
    gross_total = Money(dump_only=True)
    payable_total = Money(dump_only=True)
    split_payment = fields.Bool()
    stamp_duty = Money(dump_only=True)
    amount_paid = Money(dump_only=True)
    amount_credited = Money(dump_only=True)
    outstanding = Computed(lambda invoice: str(service.outstanding(invoice)))


class InvoiceSchema(InvoiceSummarySchema):
    """One invoice or credit note with its lines and VAT breakdown."""

    payment_terms_days = BoundedInt()
    buyer_reference = fields.Str()
    order_reference = fields.Str()
    notes = fields.Str()
    lines = fields.List(fields.Nested(LineSchema))
    vat_breakdown = Computed(lambda invoice: VAT_GROUPS.dump(service.vat_breakdown(invoice)))


class InvoiceQuerySchema(Schema):
    """Filters for the invoice list."""

    status = fields.Str(validate=validate.OneOf(STATUSES))
    customer_id = BoundedInt()
    kind = fields.Str(validate=validate.OneOf(("invoice", "credit_note")))


class ExportQuerySchema(InvoiceQuerySchema):
    """The list filters plus the file format."""

    format = fields.Str(load_default="csv", validate=validate.OneOf(("csv", "xlsx")))


class CreditNoteSchema(Schema):
    """A credit note against an invoice: everything on it (`full`) or the lines given."""

    full = fields.Bool(load_default=False)
    lines = fields.List(fields.Nested(LineSchema), validate=LINES_LENGTH)
    reason = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class InvoicePaymentSchema(Schema):
    """Money received against an invoice."""

    id = BoundedInt(dump_only=True)
    invoice_id = BoundedInt(dump_only=True)
    paid_on = fields.Date(required=True)
    amount = DecimalString(required=True, places=2, validate=POSITIVE)
    method = fields.Str(load_default="bank_transfer", validate=validate.OneOf(PAYMENT_METHODS))
    reference = fields.Str(allow_none=True, validate=validate.Length(max=100))


class InvoicingSettingsSchema(Schema):
    """A co-op's invoicing settings."""

    invoice_series = fields.Str(validate=validate.Regexp(r"^[A-Z0-9]{1,10}$",
                                                         error=_l("1-10 capital letters or digits")))
    credit_note_series = fields.Str(validate=validate.Regexp(r"^[A-Z0-9]{1,10}$",
                                                             error=_l("1-10 capital letters or digits")))
    default_payment_terms_days = BoundedInt(validate=validate.Range(min=0, max=365))
    iban = fields.Str(allow_none=True, validate=validate.Length(max=42))
    seller_email = fields.Email(allow_none=True)
    regime_fiscale = fields.Str(validate=validate.Regexp(r"^RF(0[1-9]|1[0-9])$", error=_l("RF01..RF19")))
    reminder_days = fields.Str(validate=validate.Length(min=1, max=60),
                               metadata={"description": "days past due, comma-separated, e.g. 7,30,60"})
    remind_customers = fields.Bool()
    peppol_id = fields.Str(allow_none=True, validate=validate.Length(max=100), metadata={
        "description": "the co-op's Peppol electronic address, scheme:identifier, e.g. 0211:IT01234560017"})
    stamp_duty_mode = fields.Str(validate=validate.OneOf(STAMP_DUTY_MODES), metadata={
        "description": "Italy's imposta di bollo: charged to the customer, borne by the co-op, or not due"})


class DebtorSchema(Schema):
    """One customer's debt by age."""

    customer_id = BoundedInt()
    customer_name = fields.Str()
    buckets = fields.Dict(keys=fields.Str(), values=DecimalString(places=2))
    total = DecimalString(places=2)


class AgedDebtorsSchema(Schema):
    """The aged-debtors view."""

    on = fields.Date()
    rows = fields.List(fields.Nested(DebtorSchema))
    totals = fields.Dict(keys=fields.Str(), values=DecimalString(places=2))
