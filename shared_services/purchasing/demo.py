"""Demo bulk purchasing: the consortium's office in the directory (it issues the recharge invoices), a supplier
of care consumables with a tiered catalogue (one item retired) and a cleaning supplier; one round closed,
delivered (Fragola Lavoro recorded two crushed boxes itself) and recharged; one round open with orders from
Il Girasole and Fragola Lavoro (the demo treasurer's two co-ops); one closed and awaiting delivery, whose
purchase order went to the supplier as a PDF attachment; and one cancelled, with its reason."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask import current_app, has_app_context

from consortium.clock import local_today
from consortium.directory import service as directory
from consortium.tenancy import consortium_scope, tenant_scope
from shared_services.purchasing import service

D = Decimal
OFFICE = {"name": "Consorzio Fragola - Ufficio acquisti", "country": "it", "legal_form": "social_coop_consortium",
          "vat_number": "05556660370", "registration_number": "A567890", "address": "Via del Pratello 9",
          "city": "Bologna", "postcode": "40122", "founding_date": date(1997, 6, 2)}
SUPPLIER = {"name": "Sanitaria Emiliana srl", "country": "it", "vat_number": "04455660581",
            "category": "care_consumables", "contact_name": "Laura Bassi", "email": "ordini@sanitaria-emiliana.example",
            "phone": "+39 051 555 0199", "payment_terms_days": 60}
CLEANING_SUPPLIER = {"name": "Detergenza Padana srl", "country": "it", "vat_number": "07223340378",
                     "category": "cleaning", "contact_name": "Marco Ferri", "email": "ordini@detergenza-padana.example",
                     "payment_terms_days": 30}
FROM = date(2026, 1, 1)


def _tiers(*steps):
    """(from quantity, unit price) steps → contiguous tiers valid from 1 January 2026."""
    tiers = []
    for index, (low, price) in enumerate(steps):
        top = D(steps[index + 1][0]) - 1 if index + 1 < len(steps) else None
        tiers.append({"min_quantity": D(low), "max_quantity": top, "unit_price": D(price), "valid_from": FROM})
    return tiers


ITEMS = [
    {"code": "GN-100-M", "name": "Guanti in nitrile senza polvere, taglia M (scatola da 100)", "unit": "box",
     "pack_size": 100, "vat_category": "ordinaria_22",
     "tiers": _tiers(("1", "10.00"), ("100", "9.20"), ("500", "8.50"))},
    {"code": "FFP2-20", "name": "Mascherine FFP2 EN 149 (scatola da 20)", "unit": "box", "pack_size": 20,
     "vat_category": "ordinaria_22", "tiers": _tiers(("1", "11.80"), ("50", "10.40"), ("200", "9.10"))},
    {"code": "TRAV-30", "name": "Traverse assorbenti 60x90 (confezione da 30)", "unit": "pack", "pack_size": 30,
     "vat_category": "ridotta_10", "min_total_quantity": D("40"),
     "tiers": _tiers(("1", "14.50"), ("40", "12.90"), ("150", "11.60"))},
    {"code": "GEL-1L", "name": "Gel igienizzante mani 70% alcol, 1 litro", "unit": "litre", "sold_by_pack": False,
     "vat_category": "ordinaria_22", "tiers": _tiers(("0", "3.3350"), ("100", "2.9500"), ("300", "2.6000"))},
    {"code": "SALV-80", "name": "Salviette detergenti per l'igiene della persona (80 pezzi)", "unit": "pack",
     "pack_size": 80, "vat_category": "ordinaria_22", "min_total_quantity": D("100"),
     "tiers": _tiers(("1", "2.90"), ("100", "2.45"))},
]
ORDERS_CLOSED = {
    "girasole": {"GN-100-M": "320", "FFP2-20": "120", "TRAV-30": "90", "GEL-1L": "80.5", "SALV-80": "30"},
    "fragola-lavoro": {"GN-100-M": "180", "FFP2-20": "60", "TRAV-30": "25", "GEL-1L": "60", "SALV-80": "20"},
    "piccola-fragola": {"GN-100-M": "40", "FFP2-20": "30", "TRAV-30": "15", "GEL-1L": "24"},
}
RETIRED_ITEM = {"code": "CAM-TNT", "name": "Camici monouso in TNT (confezione da 10)", "unit": "pack",
                "pack_size": 10, "vat_category": "ordinaria_22", "tiers": [
                    {"min_quantity": D("1"), "max_quantity": None, "unit_price": D("6.40"), "valid_from": FROM}]}
CLEANING_ITEMS = [
    {"code": "DET-5L", "name": "Detergente sgrassatore professionale, tanica da 5 litri", "unit": "pack",
     "pack_size": 1, "vat_category": "ordinaria_22", "tiers": _tiers(("1", "18.90"), ("60", "16.40"))},
    {"code": "CART-12", "name": "Carta asciugamani in rotolo (12 rotoli)", "unit": "pack", "pack_size": 12,
     "vat_category": "ordinaria_22", "tiers": _tiers(("1", "24.00"), ("50", "21.50"))},
]
ORDERS_AWAITING = {
    "girasole": {"FFP2-20": "60", "GEL-1L": "40"},
    "piccola-fragola": {"FFP2-20": "25", "GEL-1L": "15.5"},
}
ORDERS_CANCELLED = {"piccola-fragola": {"DET-5L": "12", "CART-12": "8"}}
ORDERS_OPEN = {
    "girasole": {"GN-100-M": "150", "FFP2-20": "40", "TRAV-30": "30"},
    "fragola-lavoro": {"GN-100-M": "90", "GEL-1L": "45.5"},
}


def _order(session, tenant, purchase_round, codes, quantities, now):
    with tenant_scope(session, tenant.id):
        service.save_order(session, tenant.id, purchase_round, {"lines": [
            {"item_id": codes[code], "quantity": D(quantity)} for code, quantity in quantities.items()]},
            user_id=None, now=now)


def load_demo_purchasing(session, tenants, users, rng) -> None:
    """The office, the supplier and catalogue, a recharged round and an open one."""
    from tenants.invoicing import service as invoicing

    slug = current_app.config["CONSORTIUM_OFFICE_SLUG"] if has_app_context() else "consorzio-fragola-ufficio"
    now = datetime.now(UTC)
    today = local_today()
    with consortium_scope(session):
        office = directory.create_tenant(session, {"slug": slug, **OFFICE})
    with tenant_scope(session, office.id):
        invoicing.update_settings(session, {"invoice_series": "RIA", "credit_note_series": "RIANC",
                                            "iban": "IT60X0542811101000000123456",
                                            "seller_email": "acquisti@consorziofragola.example"})
    with consortium_scope(session):
        supplier = service.add_supplier(session, SUPPLIER)
        codes = {data["code"]: service.add_item(session, supplier, dict(data)).id for data in ITEMS}
        past = service.open_round(session, {
            "title": "Consumabili assistenziali - autunno", "supplier_id": supplier.id,
            "closes_at": now + timedelta(minutes=5), "delivery_date": today, "handling_fee_percent": D("2.50")},
            now=now)
    for tenant_slug, quantities in ORDERS_CLOSED.items():
        _order(session, tenants[tenant_slug], past, codes, quantities, now)
    with consortium_scope(session):
        past.closes_at = now - timedelta(days=20)
        session.flush()
        service.close_round(session, past.id, now=now - timedelta(days=20), commit=session.commit)
    # Fragola Lavoro checked its delivery: all 60 boxes of masks came, two of them crushed (not charged).
    fragola = tenants["fragola-lavoro"]
    with tenant_scope(session, fragola.id):
        service.confirm_delivery(session, fragola.id, service.get_round(session, past.id), {
            "lines": [{"item_id": codes["FFP2-20"], "received": D("60"), "damaged": D("2")}],
            "note": "Due scatole di mascherine arrivate schiacciate."}, user_id=None, now=now - timedelta(days=7))
    with consortium_scope(session):
        service.record_deliveries(session, past.id, [], complete=True, now=now - timedelta(days=6))
        service.recharge_round(session, past.id, today=today)
        retired = service.add_item(session, supplier, dict(RETIRED_ITEM))
        service.update_item(session, retired, {"active": False})
        awaiting = service.open_round(session, {
            "title": "Mascherine e gel - dicembre", "supplier_id": supplier.id,
            "items": [{"item_id": codes["FFP2-20"]}, {"item_id": codes["GEL-1L"]}],
            "closes_at": now + timedelta(minutes=5), "delivery_date": today + timedelta(days=3)}, now=now)
        cleaning = service.add_supplier(session, CLEANING_SUPPLIER)
        cleaning_codes = {data["code"]: service.add_item(session, cleaning, dict(data)).id for data in CLEANING_ITEMS}
        spring = service.open_round(session, {
            "title": "Prodotti per la pulizia - primavera", "supplier_id": cleaning.id,
            "closes_at": now + timedelta(days=20), "delivery_date": today + timedelta(days=30)}, now=now)
    for tenant_slug, quantities in ORDERS_AWAITING.items():
        _order(session, tenants[tenant_slug], awaiting, codes, quantities, now)
    for tenant_slug, quantities in ORDERS_CANCELLED.items():
        _order(session, tenants[tenant_slug], spring, cleaning_codes, quantities, now)
    with consortium_scope(session):
        awaiting.closes_at = now - timedelta(days=2)
        session.flush()
        service.close_round(session, awaiting.id, now=now - timedelta(days=2), commit=session.commit)
        service.cancel_round(session, spring.id, reason="Il fornitore ha sospeso il listino fino a marzo.",
                             user_id=None, now=now - timedelta(days=1), commit=session.commit)
        winter = service.open_round(session, {
            "title": "Consumabili assistenziali - inverno", "supplier_id": supplier.id,
            "closes_at": now + timedelta(days=6), "delivery_date": today + timedelta(days=14),
            "handling_fee_percent": D("2.50")}, now=now)
    for tenant_slug, quantities in ORDERS_OPEN.items():
        _order(session, tenants[tenant_slug], winter, codes, quantities, now)
