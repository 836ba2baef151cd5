"""Invoicing API: `/api/v1/t/<slug>/customers`, `/invoices` (drafts, issue, credit notes, payments, documents)."""

from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from tenants.invoicing import exports, schemas, service

READERS = ("treasurer", "viewer")

blp = Blueprint("invoicing_api", __name__, url_prefix="/api/v1/t/<slug>",
                description="Invoicing: customers, invoices, credit notes, payments, PDFs and e-invoices")


@blp.route("/customers")
class CustomersResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.CustomerSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """The co-op's customers, by name."""
        return service.customers_query()

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.CustomerSchema())
    @blp.response(201, schemas.CustomerSchema)
    def post(self, data):
        """Add a customer (treasurer); VAT numbers and tax codes are validated for the customer's country."""
        return service.add_customer(db.session, g.tenant, data)


@blp.route("/customers/<int:customer_id>")
class CustomerResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.CustomerSchema)
    def get(self, customer_id):
        """One customer."""
        return service.get_customer(db.session, customer_id)

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.CustomerUpdateSchema())
    @blp.response(200, schemas.CustomerSchema)
    def patch(self, changes, customer_id):
        """Change a customer (treasurer); issued invoices keep the details they were issued with."""
        return service.update_customer(db.session, service.get_customer(db.session, customer_id), changes)


@blp.route("/invoices")
class InvoicesResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.InvoiceQuerySchema(), location="query")
    @blp.response(200, schemas.InvoiceSummarySchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """Invoices and credit notes, newest first, each with its status; filter by status, customer or kind."""
        return service.invoice_rows_query(status=filters.get("status"), today=local_today(),
                                          customer_id=filters.get("customer_id"), kind=filters.get("kind"))

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.InvoiceCreateSchema())
    @blp.response(201, schemas.InvoiceSchema)
    def post(self, data):
        """Draft an invoice (treasurer)."""
        return service.create_draft(db.session, g.tenant, data, local_today())


@blp.route("/invoices/<int:invoice_id>")
class InvoiceResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.InvoiceSchema)
    def get(self, invoice_id):
        """One invoice or credit note with its lines and VAT breakdown."""
        return service.invoice_detail(db.session, invoice_id)

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.InvoiceUpdateSchema())
    @blp.response(200, schemas.InvoiceSchema)
    def patch(self, changes, invoice_id):
        """Change a draft (treasurer); an issued invoice answers 409."""
        invoice = service.get_invoice(db.session, invoice_id)
        return service.update_draft(db.session, g.tenant, invoice, changes, local_today())

    @tenant_role_required("treasurer")
    @blp.response(204)
    def delete(self, invoice_id):
        """Delete a draft (treasurer); an issued invoice answers 409."""
        service.delete_draft(db.session, service.get_invoice(db.session, invoice_id))


@blp.route("/invoices/<int:invoice_id>/issue")
class IssueResource(MethodView):
    @tenant_role_required("treasurer")
    @blp.response(200, schemas.InvoiceSchema)
    def post(self, invoice_id):
        """Issue a draft: next number of the series, today's date and rates; immutable from now on."""
        invoice = service.get_invoice(db.session, invoice_id, with_lines=True)
        return service.issue_invoice(db.session, g.tenant, invoice, local_today())


@blp.route("/invoices/<int:invoice_id>/credit-notes")
class CreditNotesResource(MethodView):
    @tenant_role_required("treasurer")
    @blp.arguments(schemas.CreditNoteSchema())
    @blp.response(201, schemas.InvoiceSchema)
    def post(self, data, invoice_id):
        """Issue a credit note against the invoice: `full: true`, or the lines to credit (treasurer)."""
        invoice = service.get_invoice(db.session, invoice_id)
        return service.create_credit_note(db.session, g.tenant, invoice, data, local_today())


@blp.route("/invoices/<int:invoice_id>/payments")
class PaymentsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.InvoicePaymentSchema(many=True))
    def get(self, invoice_id):
        """Payments received against the invoice."""
        return service.get_invoice(db.session, invoice_id).payments

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.InvoicePaymentSchema())
    @blp.response(201, schemas.InvoicePaymentSchema)
    def post(self, data, invoice_id):
        """Record a payment (treasurer); more than is still owed (422 naming `amount`) or a date still to come
        (422 naming `paid_on`) is refused; one dated before the issue date is an advance (acconto)."""
        return service.record_payment(db.session, service.get_invoice(db.session, invoice_id), data,
                                      local_today())


def _download(invoice_id: int, document_format: str) -> Response:
    from tenants.invoicing import documents
    invoice = service.get_invoice(db.session, invoice_id)
    content, media_type, filename = documents.render_document(db.session, g.tenant, invoice, document_format)
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/invoices/<int:invoice_id>/pdf")
class PdfResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200)
    @blp.doc(responses={"200": {"content": {"application/pdf": {}}}})
    def get(self, invoice_id):
        """The invoice or credit note as a PDF (a draft prints as a draft)."""
        return _download(invoice_id, "pdf")


@blp.route("/invoices/<int:invoice_id>/ubl")
class UblResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200)
    @blp.doc(responses={"200": {"content": {"application/xml": {}}}})
    def get(self, invoice_id):
        """UBL 2.1 XML following Peppol BIS Billing 3.0; 422 lists the EN 16931 rules it would break."""
        return _download(invoice_id, "ubl")


@blp.route("/invoices/<int:invoice_id>/fatturapa")
class FatturaPaResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200)
    @blp.doc(responses={"200": {"content": {"application/xml": {}}}})
    def get(self, invoice_id):
        """FatturaPA 1.2 XML (FPA12 to public bodies, FPR12 otherwise); 422 lists what the SDI would refuse."""
        return _download(invoice_id, "fatturapa")


@blp.route("/invoices/aged-debtors")
class AgedDebtorsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.AgedDebtorsSchema)
    def get(self):
        """What each customer owes by days past due: current, 1-30, 31-60, 61-90, 90+."""
        today = local_today()
        rows, totals = service.aged_debtors(db.session, today)
        return {"on": today, "rows": rows, "totals": totals}


@blp.route("/invoices/export")
class ExportResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.ExportQuerySchema(), location="query")
    @blp.response(200)
    @blp.doc(responses={"200": {"content": {"text/csv": {}, exports.XLSX_MEDIA_TYPE: {}}}})
    def get(self, filters):
        """The invoice list (same filters) as CSV or XLSX, formula injection neutralised."""
        today = local_today()
        invoices = db.session.scalars(service.invoices_query(
            status=filters.get("status"), today=today, customer_id=filters.get("customer_id"),
            kind=filters.get("kind"))).all()
        export_format = filters["format"]
        content, media_type = exports.export(invoices, today, export_format)
        return Response(content, mimetype=media_type,
                        headers={"Content-Disposition": f'attachment; filename="invoices.{export_format}"'})


@blp.route("/invoicing-settings")
class SettingsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.InvoicingSettingsSchema)
    def get(self):
        """Number series, default terms, bank account and reminder days."""
        return service.get_settings(db.session)

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.InvoicingSettingsSchema())
    @blp.response(200, schemas.InvoicingSettingsSchema)
    def patch(self, changes):
        """Change the invoicing settings (treasurer)."""
        return service.update_settings(db.session, changes)
