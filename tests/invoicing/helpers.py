"""Invoicing test helpers (the isolation suite makes customers and invoices with them), all through services."""

from datetime import date
from decimal import Decimal

from consortium.directory import service as directory
from consortium.extensions import db
from consortium.models import Tenant
from consortium.tenancy import consortium_scope, tenant_scope
from tenants.invoicing import service

ISSUE_DAY = date(2026, 11, 2)
UK_LINE = {"description": "Home care visits", "quantity": Decimal("3"), "unit": "HUR",
           "unit_price": Decimal("33.333"), "vat_category": "standard"}


def _seller_identity(tenant) -> None:
    """A co-op needs a VAT number and an address on its e-invoices; test co-ops are made without them."""
    with consortium_scope(db.session):
        record = db.session.get(Tenant, tenant.id)
        if not record.vat_number or not record.address:
            directory.update_tenant(db.session, record, {
                "vat_number": record.vat_number or ("GB980780684" if record.country == "uk" else "00743110157"),
                "address": record.address or "1 Mill Lane", "city": record.city or "Leeds",
                "postcode": record.postcode or ("LS6 2AB" if record.country == "uk" else "40121")})
    db.session.commit()
    # Its Peppol electronic address, so its invoices export to UBL for customers who have one too.
    with tenant_scope(db.session, tenant.id):
        if not service.get_settings(db.session).peppol_id:
            record = db.session.get(Tenant, tenant.id)
            prefix = "9932:GB" if record.country == "uk" else "0211:IT"
            service.update_settings(db.session, {"peppol_id": prefix + record.vat_number.removeprefix(prefix[-2:])})
            db.session.commit()


def make_customer(factory, tenant, **fields) -> int:
    """A customer of `tenant` named after it (a UK council on Peppol unless `fields` say otherwise)."""
    data = {"name": f"Customer of {tenant.slug}", "customer_type": "local_authority", "street": "Town Hall",
            "city": "Leeds", "postcode": "LS1 1UR", "vat_number": "GB802311782", "peppol_id": "9932:GB802311782",
            **fields}
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            customer = service.add_customer(db.session, db.session.get(Tenant, tenant.id), data)
            db.session.commit()
            return customer.id


def make_invoice(factory, tenant, *, issue: bool = True, lines: list | None = None, customer_id: int | None = None,
                 on: date = ISSUE_DAY) -> int:
    """An invoice of `tenant` (issued unless `issue=False`) to a customer named after the co-op."""
    customer_id = customer_id or make_customer(factory, tenant)
    with factory.app.app_context():
        _seller_identity(tenant)
        with tenant_scope(db.session, tenant.id):
            record = db.session.get(Tenant, tenant.id)
            invoice = service.create_draft(db.session, record, {"customer_id": customer_id,
                                                                "lines": lines or [dict(UK_LINE)]}, on)
            if issue:
                service.issue_invoice(db.session, record, invoice, on)
            db.session.commit()
            return invoice.id
