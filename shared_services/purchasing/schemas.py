"""Bulk-purchasing input and output shapes: suppliers, catalogue items with tiers, rounds, orders, deliveries,
recharges and savings. Locale-free: amounts, prices and quantities are decimal strings, dates ISO 8601."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from consortium.extensions import db
from consortium.fields import BoundedInt, DecimalString, Money, UtcDateTime
from consortium.models import Tenant
from shared_services.purchasing.models import CATEGORIES, COUNTRIES, ROUND_STATUSES, UNITS
from shared_services.purchasing.service import MAX_QUANTITY, MAX_UNIT_PRICE


def _quantity(**kwargs):
    return DecimalString(places=3, validate=validate.Range(min=0, max=MAX_QUANTITY), **kwargs)


def _price(**kwargs):
    return DecimalString(places=4, validate=validate.Range(min=0, max=MAX_UNIT_PRICE), **kwargs)


def tenant_id_for_slug(slug: str, field_name: str) -> int:
    tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise ValidationError({field_name: [f"no co-op '{slug}'"]})
    return tenant_id


class SupplierSchema(Schema):
    id = BoundedInt(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    country = fields.String(load_default="it", validate=validate.OneOf(COUNTRIES))
    vat_number = fields.String(required=True, validate=validate.Length(min=1, max=20))
    category = fields.String(load_default="other", validate=validate.OneOf(CATEGORIES))
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    payment_terms_days = BoundedInt(load_default=30, validate=validate.Range(min=0, max=365))
    active = fields.Boolean(metadata={"description": "false: retired, offered in no new round"})


class SupplierChangeSchema(SupplierSchema):
    """A change to a supplier: only the fields given (load it with `partial=True`)."""


class TierSchema(Schema):
    min_quantity = _quantity(required=True)
    max_quantity = _quantity(allow_none=True)
    unit_price = _price(required=True, allow_none=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True)


class ItemSchema(Schema):
    id = BoundedInt(dump_only=True)
    supplier_id = BoundedInt(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    unit = fields.String(load_default="pack", validate=validate.OneOf(UNITS))
    pack_size = BoundedInt(allow_none=True, validate=validate.Range(min=1))
    sold_by_pack = fields.Boolean(load_default=True)
    vat_category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    min_total_quantity = _quantity(allow_none=True)
    active = fields.Boolean(metadata={"description": "false: retired, offered in no new round"})
    tiers = fields.List(fields.Nested(TierSchema), required=True, metadata={
        "description": "the whole price list (on a change it replaces the old one)"})


class ItemChangeSchema(ItemSchema):
    """A change to an item: only the fields given; `tiers`, if given, replaces the price list."""


class RoundItemInSchema(Schema):
    item_id = BoundedInt(required=True)
    min_total_quantity = _quantity(allow_none=True)


class RoundInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    supplier_id = BoundedInt(allow_none=True)
    category = fields.String(allow_none=True, validate=validate.OneOf(CATEGORIES))
    closes_at = fields.AwareDateTime(required=True, metadata={"description": "with its UTC offset"})
    delivery_date = fields.Date(required=True)
    handling_fee_percent = DecimalString(places=2, load_default=None, allow_none=True,
                                         validate=validate.Range(min=0, max=100))
    items = fields.List(fields.Nested(RoundItemInSchema), metadata={
        "description": "items offered; left out: every active item of the supplier or category"})


class PurchaseRoundItemSchema(Schema):
    id = BoundedInt()
    item_id = BoundedInt()
    code = fields.String(attribute="item.code")
    name = fields.String(attribute="item.name")
    unit = fields.String(attribute="item.unit")
    min_total_quantity = _quantity(allow_none=True)
    total_quantity = _quantity(allow_none=True)
    unit_price = _price(allow_none=True)
    single_price = _price(allow_none=True)
    dropped = fields.Boolean()


class CoopRoundSchema(Schema):
    """A round as a co-op sees it (no consortium totals)."""

    id = BoundedInt()
    title = fields.String()
    supplier_id = BoundedInt(allow_none=True)
    category = fields.String(allow_none=True)
    closes_at = UtcDateTime()
    delivery_date = fields.Date()
    handling_fee_percent = DecimalString(places=2)
    status = fields.String(validate=validate.OneOf(ROUND_STATUSES))


class PurchaseRoundSchema(Schema):
    id = BoundedInt()
    title = fields.String()
    supplier_id = BoundedInt(allow_none=True)
    category = fields.String(allow_none=True)
    closes_at = UtcDateTime()
    delivery_date = fields.Date()
    handling_fee_percent = DecimalString(places=2)
    status = fields.String(validate=validate.OneOf(ROUND_STATUSES))
    closed_at = UtcDateTime(allow_none=True)
    delivered_at = UtcDateTime(allow_none=True)
    cancelled_at = UtcDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    spend = Money(allow_none=True)
    savings = Money(allow_none=True)
    items = fields.List(fields.Nested(PurchaseRoundItemSchema))


class RoundQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(ROUND_STATUSES))


class OrderLineInSchema(Schema):
    item_id = BoundedInt(required=True, metadata={"description": "the catalogue item (as listed in the round)"})
    quantity = DecimalString(places=3, required=True, validate=validate.Range(max=MAX_QUANTITY),
                             metadata={"description": "0 leaves the item out; items sold by the pack take whole "
                                                      "numbers"})


class OrderInSchema(Schema):
    delivery_address = fields.String(allow_none=True, validate=validate.Length(max=500),
                                     metadata={"description": "left out: the co-op's address in the directory"})
    lines = fields.List(fields.Nested(OrderLineInSchema), required=True,
                        metadata={"description": "no line above zero withdraws the order"})


class OrderItemSchema(Schema):
    item_id = BoundedInt()
    code = fields.String()
    name = fields.String()
    quantity = _quantity()
    total_so_far = _quantity(metadata={"description": "every co-op's orders together (no co-op named)"})
    unit_price = _price(allow_none=True, metadata={"description": "the tier the total reaches (fixed once closed)"})
    single_price = _price(allow_none=True, metadata={"description": "the first tier: one co-op buying alone"})
    cost = Money(allow_none=True)
    cost_alone = Money(allow_none=True)
    allocated = _quantity(allow_none=True, metadata={"description": "charged: what arrived in good order"})
    received = _quantity(allow_none=True)
    damaged = _quantity(allow_none=True)
    amount = Money(allow_none=True)
    saving = Money(allow_none=True)
    dropped = fields.Boolean()


class OrderOutSchema(Schema):
    round = fields.Nested(CoopRoundSchema)
    open = fields.Boolean()
    delivery_address = fields.String(allow_none=True)
    items = fields.List(fields.Nested(OrderItemSchema))
    total = Money()
    total_alone = Money()
    recharge_invoice = fields.String(allow_none=True)
    delivery_confirmed_at = UtcDateTime(attribute="order.delivery_confirmed_at", allow_none=True)
    delivery_note = fields.String(attribute="order.delivery_note", allow_none=True)


class DeliveryInSchema(Schema):
    tenant = fields.String(required=True, validate=validate.Length(min=1, max=63), metadata={"description": "slug"})
    item_id = BoundedInt(required=True)
    received = _quantity(required=True)
    damaged = _quantity(allow_none=True, metadata={"description": "of what arrived, not usable (not charged)"})


class DeliveriesInSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliveryInSchema), load_default=list)
    complete = fields.Boolean(load_default=False, metadata={
        "description": "the delivery is finished: what is not listed arrived in full; the round is delivered"})

    @validates_schema
    def _slugs(self, data, **kwargs):
        for index, row in enumerate(data.get("deliveries") or []):
            row["tenant_id"] = tenant_id_for_slug(row["tenant"], f"deliveries.{index}.tenant")


class OwnDeliveryLineSchema(Schema):
    item_id = BoundedInt(required=True)
    received = _quantity(required=True)
    damaged = _quantity(allow_none=True, metadata={"description": "of what arrived, not usable (not charged)"})


class OwnDeliveryInSchema(Schema):
    lines = fields.List(fields.Nested(OwnDeliveryLineSchema), load_default=list, metadata={
        "description": "items not listed arrived in full"})
    note = fields.String(allow_none=True, validate=validate.Length(max=1000))


class CancelInSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PurchaseRechargeSchema(Schema):
    tenant_id = BoundedInt()
    invoice_number = fields.String()
    net_goods = Money()
    handling_fee = Money()
    gross_total = Money()


class CoopFiguresSchema(Schema):
    tenant_id = BoundedInt()
    spend = Money()
    savings = Money()


class SupplierFiguresSchema(Schema):
    supplier = fields.String()
    spend = Money()
    savings = Money()


class PurchasingSummarySchema(Schema):
    year = BoundedInt()
    spend = Money()
    savings = Money()
    rounds = BoundedInt()
    by_coop = fields.List(fields.Nested(CoopFiguresSchema))
    by_supplier = fields.List(fields.Nested(SupplierFiguresSchema))


class YearQuerySchema(Schema):
    year = BoundedInt(validate=validate.Range(min=2000, max=2100))
