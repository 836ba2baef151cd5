"""Every issued demo invoice exports to each e-invoice format its customer needs, and the official artefacts
accept it: the demo a new consortium tries first never shows a document that would bounce."""

from sqlalchemy import select

from consortium.extensions import db
from consortium.models import Tenant
from consortium.tenancy import tenant_scope
from tenants.invoicing import documents, einvoices, service
from tenants.invoicing.models import Invoice
from tests.einvoice import sdi
from tests.einvoice.official import parse


def test_every_demo_invoice_passes_the_official_rules_of_its_formats(app, validators):
    assert app.test_cli_runner().invoke(args=["demo-data"]).exit_code == 0
    exported = {"ubl": 0, "fatturapa": 0}
    split, stamped = 0, 0
    with app.app_context():
        for tenant in db.session.scalars(select(Tenant)).all():
            with tenant_scope(db.session, tenant.id):
                settings = service.get_settings(db.session)
                for invoice in db.session.scalars(select(Invoice).where(Invoice.state == "issued")):
                    seller, buyer = service.document_parties(invoice, tenant, settings)
                    formats = einvoices.einvoice_formats(seller, buyer)
                    assert formats or buyer["customer_type"] == "household", (tenant.slug, invoice.number)
                    for code in formats:
                        xml, _, _ = documents.render_document(db.session, tenant, invoice, code)
                        if code == "ubl":
                            assert validators.ubl_problems(xml) == [], (tenant.slug, invoice.number)
                        else:
                            assert validators.fatturapa_xsd_errors(xml) == [], (tenant.slug, invoice.number)
                            assert sdi.controls(parse(xml)) == [], (tenant.slug, invoice.number)
                        exported[code] += 1
                    split += invoice.split_payment
                    stamped += invoice.stamp_duty is not None
    assert exported["ubl"] >= 20 and exported["fatturapa"] >= 20, exported
    assert split >= 1 and stamped >= 1
