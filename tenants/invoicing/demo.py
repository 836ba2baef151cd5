"""Demo customers and invoices for each demo co-op: drafts, issued, part-paid, paid, overdue and credited.

Every co-op and every business or public customer has a Peppol electronic address, so each of
their invoices exports to UBL as well as to PDF (and, in Italy, FatturaPA); households have none,
as households have no Peppol access point. The Italian public bodies pay by split payment
(art. 17-ter DPR 633/1972), and each Italian co-op issues one exempt invoice over EUR 77.47 to a
family, which carries the EUR 2.00 stamp duty charged to the customer.
"""

from datetime import date, timedelta
from decimal import Decimal

from stdnum import ean

from consortium.tenancy import tenant_scope
from tenants.invoicing import service

CUSTOMERS = {
    "uk": [
        {"name": "Manchester City Council", "customer_type": "local_authority", "street": "Town Hall, Albert Square",
         "city": "Manchester", "postcode": "M60 2LA", "peppol_id": "0088:5000000000012",
         "email": "invoices@manchester.example"},
        {"name": "Leeds Teaching Hospitals NHS Trust", "customer_type": "nhs_body", "street": "Beckett Street",
         "city": "Leeds", "postcode": "LS9 7TF", "payment_terms_days": 30, "email": "ap@nhs.example",
         "peppol_id": "0088:5012345678900"},
        {"name": "Pennine Housing Ltd", "customer_type": "company", "street": "1 Canal Wharf", "city": "Halifax",
         "postcode": "HX1 1AA", "vat_number": "GB980780684", "payment_terms_days": 14,
         "peppol_id": "9932:GB980780684"},
        {"name": "Mrs Eleanor Hughes", "customer_type": "household", "street": "22 Oak Avenue", "city": "Stockport",
         "postcode": "SK4 2AB", "payment_terms_days": 14, "email": "eleanor@example.net", "remind_customer": True},
    ],
    "it": [
        {"name": "Comune di Bologna", "customer_type": "public_body_it", "street": "Piazza Maggiore 6",
         "city": "Bologna", "postcode": "40124", "tax_code": "01232710374", "codice_destinatario": "UF5YCI",
         "payment_terms_days": 30, "peppol_id": "0201:UF5YCI", "split_payment": True},
        {"name": "AUSL di Modena", "customer_type": "public_body_it", "street": "Via S. Giovanni del Cantone 23",
         "city": "Modena", "postcode": "41121", "vat_number": "02241850367", "codice_destinatario": "UFQ0AA",
         "payment_terms_days": 60, "peppol_id": "0201:UFQ0AA", "split_payment": True},
        {"name": "Emilia Servizi S.r.l.", "customer_type": "company", "street": "Via Emilia Levante 31",
         "city": "Bologna", "postcode": "40139", "vat_number": "00743110157", "pec": "emiliaservizi@pec.example",
         "payment_terms_days": 30, "peppol_id": "0211:IT00743110157"},
        {"name": "Famiglia Rossi", "customer_type": "household", "street": "Via Saragozza 10", "city": "Bologna",
         "postcode": "40123", "tax_code": "RSSMRA80A01A944I", "payment_terms_days": 15},
    ],
}
SERVICES = {
    "uk": [("Home care visits", "HUR", "21.50", "exempt"), ("Day centre places", "DAY", "48.00", "exempt"),
           ("Garden maintenance", "HUR", "18.75", "standard"), ("Printed information packs", "C62", "3.333", "zero")],
    "it": [("Assistenza domiciliare", "HUR", "22.40", "ridotta_5_sociale"),
           ("Servizio mensa", "DAY", "6.80", "ordinaria_22"), ("Manutenzione verde", "HUR", "19.50", "ordinaria_22"),
           ("Prestazioni socio-sanitarie", "HUR", "24.00", "esente_art10")],
}
TODAY = date(2026, 11, 20)
# Exempt services that make a stamp-duty invoice go to families: recharged stamp duty is a line not
# subject to VAT (category O), which Peppol does not allow beside exempt lines (BR-O-11), so an
# Italian co-op's Peppol customers get taxable services here (see docs/einvoice-standards.md).
ITALIAN_EXEMPT = "esente_art10"


def seller_address(tenant) -> str:
    """A demo co-op's Peppol electronic address: its VAT number, else a GLN made from its id."""
    if tenant.vat_number:
        return f"0211:IT{tenant.vat_number}" if tenant.country == "it" else f"9932:GB{tenant.vat_number}"
    body = f"50{tenant.id:010d}"
    return f"0088:{body}{ean.calc_check_digit(body)}"


def _lines(country: str, rng, count: int, customer=None) -> list[dict]:
    offered = [item for item in SERVICES[country]
               if not (item[3] == ITALIAN_EXEMPT and customer is not None and customer.peppol_id)]
    chosen = rng.sample(offered, min(count, len(offered)))
    return [{"description": description, "unit": unit, "unit_price": Decimal(price), "vat_category": category,
             "quantity": Decimal(rng.choice(["3", "7.5", "12", "20", "1"]))}
            for description, unit, price, category in chosen]


def load_demo_invoicing(session, tenants, users, rng) -> None:
    """Customers and a realistic spread of invoices for every demo co-op."""
    for tenant in tenants.values():
        with tenant_scope(session, tenant.id):
            service.update_settings(session, {"iban": "IT60X0542811101000000123456" if tenant.country == "it"
                                              else "GB33BUKB20201555555555", "reminder_days": "7,30,60",
                                              "peppol_id": seller_address(tenant)})
            customers = [service.add_customer(session, tenant, dict(data)) for data in CUSTOMERS[tenant.country]]
            issued = []
            for days_ago in (150, 110, 80, 60, 45, 30, 20, 12, 5):
                customer = rng.choice(customers)
                lines = _lines(tenant.country, rng, rng.randint(1, 3), customer)
                if not tenant.vat_number:  # a co-op below the VAT threshold charges none
                    lines = [{**item, "vat_category": "not_registered"} for item in lines]
                draft = service.create_draft(session, tenant, {"customer_id": customer.id, "lines": lines},
                                             TODAY - timedelta(days=days_ago))
                issued.append(service.issue_invoice(session, tenant, draft, TODAY - timedelta(days=days_ago)))
            service.record_payment(session, issued[0], {"amount": issued[0].payable_total,
                                                        "paid_on": issued[0].due_date})
            service.record_payment(session, issued[3], {"amount": (issued[3].payable_total / 2).quantize(
                Decimal("0.01")), "paid_on": issued[3].issue_date + timedelta(days=20)})
            service.create_credit_note(session, tenant, issued[1], {"full": True, "reason": "Billed twice in error"},
                                       TODAY - timedelta(days=100))
            if tenant.country == "it":
                family = next(customer for customer in customers if customer.customer_type == "household")
                day = TODAY - timedelta(days=3)
                stamped = service.create_draft(session, tenant, {"customer_id": family.id, "lines": [
                    {"description": "Prestazioni socio-sanitarie a domicilio, ottobre", "unit": "HUR",
                     "quantity": Decimal("8"), "unit_price": Decimal("24.00"), "vat_category": ITALIAN_EXEMPT}]}, day)
                service.issue_invoice(session, tenant, stamped, day)
            service.create_draft(session, tenant, {"customer_id": customers[0].id,
                                                   "lines": _lines(tenant.country, rng, 2, customers[0])}, TODAY)
