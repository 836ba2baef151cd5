"""Helpers for purchasing tests: an Italian consortium office and two Italian co-ops with treasurers, a supplier
of care consumables with a tiered catalogue, and a round, all through the API."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from consortium.extensions import db
from consortium.tenancy import consortium_scope

STAFF = "staff.purchasing@example.test"
OFFICE = "consorzio-fragola-ufficio"
VALID_FROM = "2024-01-01"
GLOVES = {"code": "GL-100", "name": "Nitrile gloves, box of 100", "unit": "box", "pack_size": 100,
          "sold_by_pack": True, "vat_category": "ordinaria_22",
          "tiers": [{"min_quantity": "1", "max_quantity": "99", "unit_price": "10.00", "valid_from": VALID_FROM},
                    {"min_quantity": "100", "max_quantity": "499", "unit_price": "9.20", "valid_from": VALID_FROM},
                    {"min_quantity": "500", "unit_price": "8.50", "valid_from": VALID_FROM}]}
GEL = {"code": "GEL-1L", "name": "Hand sanitising gel, 1 litre", "unit": "litre", "sold_by_pack": False,
       "vat_category": "ordinaria_22", "min_total_quantity": "50",
       "tiers": [{"min_quantity": "0", "max_quantity": "199.999", "unit_price": "3.3350", "valid_from": VALID_FROM},
                 {"min_quantity": "200", "unit_price": "2.9000", "valid_from": VALID_FROM}]}


def make_world(factory):
    """The office, co-ops A and B (Italian, with treasurers) and a staff member; returns the tenants."""
    office = factory.tenant(OFFICE, name="Consorzio Fragola (ufficio)", country="it",
                            legal_form="social_coop_consortium", vat_number="03344550375", address="Piazza Maggiore 3",
                            city="Bologna", postcode="40124")
    a = factory.tenant("coop-a", name="Il Girasole", country="it", legal_form="social_coop_a",
                       vat_number="01122330010", address="Via dei Mille 12", city="Bologna", postcode="40121")
    b = factory.tenant("coop-b", name="Fragola Lavoro", country="it", legal_form="social_coop_b",
                       vat_number="02233440151", address="Via Emilia 220", city="Modena", postcode="41121")
    factory.user("treasurer.a@example.test", {"role": "treasurer", "tenant": "coop-a"})
    factory.user("treasurer.b@example.test", {"role": "treasurer", "tenant": "coop-b"})
    factory.user(STAFF, {"role": "consortium_staff"})
    return {"office": office, "a": a, "b": b}


def post(client, headers, url, body, expect):
    response = client.post(url, headers=headers, json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def add_supplier(client, staff) -> int:
    return post(client, staff, "/api/v1/consortium/purchasing/suppliers",
                {"name": "Sanitaria Emiliana srl", "country": "it", "vat_number": "IT04455660581",
                 "category": "care_consumables", "email": "ordini@sanitaria.example", "payment_terms_days": 60},
                201)["id"]


def add_items(client, staff, supplier_id) -> dict:
    url = f"/api/v1/consortium/purchasing/suppliers/{supplier_id}/items"
    return {"gloves": post(client, staff, url, GLOVES, 201)["id"], "gel": post(client, staff, url, GEL, 201)["id"]}


def open_round(client, staff, supplier_id, fee="2.50", hours=48) -> dict:
    closes = (datetime.now(UTC) + timedelta(hours=hours)).isoformat()
    delivery = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    return post(client, staff, "/api/v1/consortium/purchasing/rounds",
                {"title": "Care consumables, winter", "supplier_id": supplier_id, "closes_at": closes,
                 "delivery_date": delivery, "handling_fee_percent": fee}, 201)


def order(client, headers, slug, round_id, lines, expect=200, address=None):
    body = {"lines": [{"item_id": item, "quantity": quantity} for item, quantity in lines]}
    if address:
        body["delivery_address"] = address
    response = client.put(f"/api/v1/t/{slug}/purchasing/rounds/{round_id}/order", headers=headers, json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def make_due(app, round_id):
    """Move a round's closing time into the past (as if the clock had passed it)."""
    from shared_services.purchasing.models import PurchaseRound

    with app.app_context(), consortium_scope(db.session):
        db.session.execute(update(PurchaseRound).where(PurchaseRound.id == round_id)
                           .values(closes_at=datetime.now(UTC) - timedelta(minutes=1)))
        db.session.commit()


def make_round_with_order(factory, tenant) -> int:
    """A closed round named after the co-op, in which the co-op ordered (so only it sees the round)."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    from consortium.tenancy import tenant_scope
    from shared_services.purchasing import service
    from shared_services.purchasing.models import Supplier

    with factory.app.app_context():
        with consortium_scope(db.session):
            supplier = db.session.scalar(select(Supplier).where(Supplier.vat_number == "04455660581"))
            if supplier is None:
                supplier = service.add_supplier(db.session, {"name": "Route supplier", "country": "it",
                                                             "vat_number": "04455660581"})
            item = service.add_item(db.session, supplier, {
                "code": f"R-{tenant.slug}", "name": f"Item for {tenant.slug}", "vat_category": "ordinaria_22",
                "tiers": [{"min_quantity": Decimal("1"), "unit_price": Decimal("2.50"),
                           "valid_from": date(2024, 1, 1)}]})
            purchase_round = service.open_round(db.session, {
                "title": f"Round of {tenant.slug}", "supplier_id": supplier.id,
                "closes_at": datetime.now(UTC) + timedelta(hours=1),
                "delivery_date": datetime.now(UTC).date() + timedelta(days=5), "items": [{"item_id": item.id}]},
                now=datetime.now(UTC))
            round_id = purchase_round.id
        db.session.commit()
        with tenant_scope(db.session, tenant.id):
            service.save_order(db.session, tenant.id, service.get_round(db.session, round_id), {
                "delivery_address": f"Store of {tenant.slug}", "lines": [{"item_id": item.id, "quantity": 3}]},
                user_id=None, now=datetime.now(UTC))
            db.session.commit()
        with consortium_scope(db.session):
            service.close_round(db.session, round_id, now=datetime.now(UTC), commit=db.session.commit)
        return round_id
