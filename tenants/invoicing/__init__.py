"""Each co-op's invoicing: customers, invoices, credit notes, payments, PDFs, e-invoices, exports, reminders."""


def register(app, api):
    """Attach invoicing's API and pages, its nav link, demo data and reminder job."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind, register_event_type
    from consortium.views import add_home_tasks, add_nav_link
    from tenants.invoicing import api as invoicing_api
    from tenants.invoicing import jobs, service, views  # noqa: F401 - jobs declares the reminder job
    from tenants.invoicing.demo import load_demo_invoicing

    api.register_blueprint(invoicing_api.blp)
    app.register_blueprint(views.blp)
    add_nav_link(_l("Invoices"), "invoicing.invoices", "tenant", ("treasurer", "viewer"))
    add_home_tasks("tenant", ("treasurer",), views.home_tasks)
    add_demo_loader(load_demo_invoicing)
    register_email_kind(service.OVERDUE_KIND, _l("An invoice of my co-op is overdue"))
    register_email_kind(service.CUSTOMER_REMINDER_KIND, _l("Overdue reminders to customers (sent to the customer)"))
    register_event_type(service.ISSUED_EVENT, _l("An invoice was issued"))
    register_event_type(service.CREDIT_NOTE_EVENT, _l("A credit note was issued"))
    register_event_type(service.PAYMENT_EVENT, _l("A payment was recorded against an invoice"))
    _audit_words(views)


def _audit_words(views):
    """Invoicing in the audit log: an invoice by its number, a customer by name, fields by their form labels."""
    from consortium.audit import audit_words
    from consortium.i18n import _l, lazy_pgettext
    from tenants.invoicing.labels import VAT_CATEGORY_LABELS
    from tenants.invoicing.models import Customer, Invoice, InvoiceLine, InvoicingSettings, Payment

    kinds = {"invoice": _l("invoice"), "credit_note": _l("credit note")}
    audit_words(Invoice, _l("invoice"), name=lambda invoice: invoice.number or _l("a draft"),
                values={"state": views.STATUS_LABELS, "kind": kinds},
                events={("state", "issued"): _l("%(who)s issued invoice %(name)s")},
                fields={"kind": _l("Type"), "state": _l("Status"), "number": _l("Number"), "series": _l("Series"),
                        "year": _l("Year"), "sequence": _l("Sequence number"), "issue_date": _l("Issue date"),
                        "due_date": _l("Due"), "payment_terms_days": _l("Payment terms (days)"),
                        "currency": _l("Currency"), "buyer_reference": _l("Customer reference"),
                        "order_reference": _l("Purchase order"), "notes": _l("Notes"), "net_total": _l("Net"),
                        "vat_total": _l("VAT"), "gross_total": _l("Total"),
                        "amount_paid": lazy_pgettext("invoice", "Paid"),
                        "amount_credited": _l("Credited"), "split_payment": _l("Split payment"),
                        "payable_total": _l("Payable"), "stamp_duty": _l("Stamp duty"),
                        "seller_snapshot": _l("Seller as printed"), "buyer_snapshot": _l("Customer as printed"),
                        "created_at": _l("Created"), "issued_at": _l("Issued")})
    line_values = {"unit": views.UNIT_LABELS, "vat_category": VAT_CATEGORY_LABELS}
    audit_words(InvoiceLine, _l("invoice line"), values=line_values, fields={
        "position": lazy_pgettext("invoice", "Line"), "description": _l("Description"), "quantity": _l("Quantity"),
        "unit": _l("Unit"),
        "unit_price": _l("Unit price"), "discount_amount": _l("Discount"), "vat_category": _l("VAT category"),
        "vat_rate": _l("Rate"), "vat_exempt": _l("Exempt from VAT"), "vat_natura": _l("Nature (FatturaPA)"),
        "vat_ubl_category": _l("VAT category (UBL)"), "vat_exemption_reason": _l("Exemption reason"),
        "net_amount": _l("Net"), "vat_amount": _l("VAT")})
    audit_words(Payment, _l("payment"), values={"method": views.PAYMENT_METHOD_LABELS}, fields={
        "paid_on": _l("Received on"), "amount": _l("Amount"), "method": _l("Method"), "reference": _l("Reference"),
        "created_at": _l("Created")})
    audit_words(Customer, _l("customer"), name=lambda customer: customer.name,
                values={"customer_type": views.CUSTOMER_TYPE_LABELS}, fields={
                    "name": _l("Name"), "customer_type": _l("Type"), "email": _l("Email"), "street": _l("Street"),
                    "city": _l("City"), "postcode": _l("Postcode"), "country_code": _l("Country"),
                    "vat_number": _l("VAT number"), "tax_code": _l("Tax code"),
                    "payment_terms_days": _l("Payment terms (days)"), "codice_destinatario": _l("Recipient code"),
                    "pec": _l("PEC address"), "peppol_id": _l("Peppol electronic address"),
                    "remind_customer": _l("Overdue reminders to the customer"),
                    "split_payment": _l("Split payment"), "created_at": _l("Created")})
    audit_words(InvoicingSettings, _l("invoicing settings"), values={"stamp_duty_mode": views.STAMP_DUTY_LABELS},
                fields={"invoice_series": _l("Invoice series"), "credit_note_series": _l("Credit note series"),
                        "default_payment_terms_days": _l("Default payment terms for new customers (days)"),
                        "iban": _l("IBAN printed on invoices"),
                        "seller_email": _l("Accounts email printed on invoices"),
                        "regime_fiscale": _l("Tax regime (regime fiscale, Italy: RF01 ordinary)"),
                        "reminder_days": _l("Send overdue reminders on these days past due (e.g. 7,30,60)"),
                        "remind_customers": _l("Also remind customers who agreed to reminders"),
                        "peppol_id": _l("Peppol electronic address"),
                        "stamp_duty_mode": _l(
                            "Stamp duty (EUR 2.00 on invoices with more than EUR 77.47 not subject to VAT)")})
