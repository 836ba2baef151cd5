"""Bulk purchasing: suppliers and catalogues with volume tiers, purchasing rounds, co-ops' orders, the close
(aggregate, tier, allocations, purchase order, outbox), deliveries, recharge invoices and the yearly summary.

Plain functions taking a session; they flush, never commit, except closing and cancelling a round, which
commit through the caller's `commit` before and after telling the co-ops (`tell_coops`). Money is Decimal.
The price of a line is quantity x the reached tier's unit price, rounded half-up to the cent per line
(`line_amount`, and the same rule in SQL in `_cents_expression`); a saving is measured against the first
tier's price (what one co-op buying alone would pay).

Scopes: suppliers, items, tiers and rounds are consortium tables. A co-op writes its own order in its own
scope; it sees the round's total so far only through `totals_so_far`, which sums in the consortium scope and
returns per-item totals, never another co-op's rows. The close runs in the consortium scope and writes only
consortium rows: the round items' fixed prices. A co-op's allocation is its own order line (frozen at the
close) at those prices; deliveries are written on the co-op's lines inside its `tenant_scope`
(docs/tenancy.md). Recharge invoices are raised in the consortium office's own scope
(`CONSORTIUM_OFFICE_SLUG`) through the invoicing feature's service, and each recharge record in the co-op's
own scope, all as the app role once the round and the allocations are read (`recharge_round`).
"""

from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app, has_app_context
from sqlalchemy import BigInteger, Numeric, case, cast, func, literal, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from consortium.clock import local_today
from consortium.db import as_utc, utcnow
from consortium.errors import Conflict, NotFound, ServiceError, field_error
from consortium.i18n import _, format_date, format_locale, format_number
from consortium.models import Tenant
from consortium.money import money as format_money
from consortium.notifications.service import country_language, email_in_language, notify_coop, public_url
from consortium.tenancy import app_role_scope, consortium_scope, current_tenant_id, set_tenant, tenant_scope
from plugins.jurisdictions.base import InvalidIdentifier, JurisdictionError, get_jurisdiction
from shared_services.purchasing.models import (
    CatalogueItem,
    OrderLine,
    PriceTier,
    PurchaseOrder,
    PurchaseRound,
    Recharge,
    RoundItem,
    Supplier,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
# Bounds that keep the close's integer arithmetic (thousandths x ten-thousandths) inside 64 bits.
MAX_QUANTITY = Decimal("1000000")
MAX_UNIT_PRICE = Decimal("100000")
PURCHASE_ORDER_KIND = "purchasing.purchase_order"
ITEM_DROPPED_KIND = "purchasing.item_dropped"
RECHARGE_KIND = "purchasing.recharged"
ROUND_CANCELLED_KIND = "purchasing.round_cancelled"
# UN/ECE Recommendation 20 codes the invoicing feature accepts, for each catalogue unit.
INVOICE_UNITS = {"piece": "C62", "pack": "C62", "box": "C62", "pair": "C62", "kg": "KGM", "litre": "LTR"}
DEFAULT_FEE_VAT_CATEGORY = {"it": "ordinaria_22", "uk": "standard"}


def money(value: Decimal) -> Decimal:
    """Rounded half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A quantity or percentage without trailing zeros and never in exponent form (60, not 6E+1)."""
    return f"{Decimal(value).normalize():f}"


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A line's price: quantity x unit price, rounded half-up to the cent per line (the issue's rule)."""
    return money(Decimal(quantity) * Decimal(unit_price))


def now_utc() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- suppliers


SUPPLIER_FIELDS = ("name", "country", "vat_number", "category", "contact_name", "email", "phone", "payment_terms_days")


def _validated_vat(country: str, value: str, field_name: str = "vat_number") -> str:
    """The VAT number in its compact form, checked by the country's rules (python-stdnum via the jurisdiction)."""
    try:
        return get_jurisdiction(country).validate_vat_number(value)
    except InvalidIdentifier as error:
        raise field_error(field_name, error.message) from error
    except JurisdictionError as error:
        raise field_error("country", str(error)) from error


def suppliers_query():
    return select(Supplier).order_by(Supplier.name, Supplier.id)


def get_supplier(session, supplier_id: int, *, field_name: str | None = None) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        if field_name:
            raise field_error(field_name, _("no supplier %(id)s", id=supplier_id))
        raise NotFound(_("No supplier %(id)s.", id=supplier_id))
    return supplier


def add_supplier(session, data: dict) -> Supplier:
    """A new supplier; its VAT number is validated and must not be on file already."""
    values = {key: data[key] for key in SUPPLIER_FIELDS if data.get(key) is not None}
    values["vat_number"] = _validated_vat(values.get("country", "it"), values["vat_number"])
    if session.scalar(select(Supplier.id).where(Supplier.country == values.get("country", "it"),
                                                Supplier.vat_number == values["vat_number"])):
        raise Conflict(_("A supplier with this VAT number is already on file."),
                       {"vat_number": [_("already on file")]})
    supplier = Supplier(**values)
    session.add(supplier)
    session.flush()
    return supplier


def update_supplier(session, supplier: Supplier, data: dict) -> Supplier:
    """Change a supplier's details (only the fields given); the VAT number is checked again and stays unique.

    `active` False retires it: it is offered in no new round; its past and running rounds keep it.
    """
    values = {key: data[key] for key in SUPPLIER_FIELDS if key in data}
    country = values.get("country", supplier.country)
    vat_number = _validated_vat(country, values.get("vat_number", supplier.vat_number))
    if session.scalar(select(Supplier.id).where(Supplier.country == country, Supplier.vat_number == vat_number,
                                                Supplier.id != supplier.id)):
        raise Conflict(_("A supplier with this VAT number is already on file."),
                       {"vat_number": [_("already on file")]})
    values["vat_number"] = vat_number
    if data.get("active") is not None:
        values["active"] = data["active"]
    for key, value in values.items():
        setattr(supplier, key, value)
    session.flush()
    return supplier


# --------------------------------------------------------------------------- catalogue and tiers


def _overlaps(a: dict, b: dict) -> bool:
    """Two tiers overlap if their validity periods and their quantity ranges both overlap."""
    a_to, b_to = a.get("valid_to") or date.max, b.get("valid_to") or date.max
    if a["valid_from"] > b_to or b["valid_from"] > a_to:
        return False
    a_max = a.get("max_quantity") if a.get("max_quantity") is not None else MAX_QUANTITY * 1000
    b_max = b.get("max_quantity") if b.get("max_quantity") is not None else MAX_QUANTITY * 1000
    return a["min_quantity"] <= b_max and b["min_quantity"] <= a_max


def check_tiers(tiers: list[dict], field_name: str = "tiers") -> None:
    """Refuse a price list with no tier, a tier without price, an inverted range, or overlapping tiers."""
    if not tiers:
        raise field_error(field_name, _("an item needs at least one price tier"))
    for index, tier in enumerate(tiers):
        where = f"{field_name}[{index}]"
        if tier.get("unit_price") is None:
            raise field_error(f"{where}.unit_price", _("every tier needs a unit price"))
        if tier["unit_price"] < 0 or tier["unit_price"] > MAX_UNIT_PRICE:
            raise field_error(f"{where}.unit_price", _("must be between 0 and %(max)s", max=MAX_UNIT_PRICE))
        if tier.get("min_quantity") is None or tier["min_quantity"] < 0:
            raise field_error(f"{where}.min_quantity", _("a tier starts at a quantity of 0 or more"))
        if tier.get("max_quantity") is not None and tier["max_quantity"] < tier["min_quantity"]:
            raise field_error(f"{where}.max_quantity", _("is below the tier's minimum quantity"))
        if tier.get("valid_from") is None:
            raise field_error(f"{where}.valid_from", _("a tier needs the date it is valid from"))
        if tier.get("valid_to") is not None and tier["valid_to"] < tier["valid_from"]:
            raise field_error(f"{where}.valid_to", _("is before the date the tier is valid from"))
        for other_index in range(index):
            if _overlaps(tiers[other_index], tier):
                raise field_error(f"{where}.min_quantity", _(
                    "overlaps tier %(other)s: quantities and validity dates of two tiers may not overlap",
                    other=other_index + 1))


def _check_quantity_for_item(item: CatalogueItem, quantity: Decimal | None, field_name: str) -> None:
    if quantity is None:
        return
    if quantity < 0:
        raise field_error(field_name, _("must not be negative"))
    if quantity > MAX_QUANTITY:
        raise field_error(field_name, _("must not be above %(max)s", max=MAX_QUANTITY))
    if item.sold_by_pack and quantity != quantity.to_integral_value():
        raise field_error(field_name, _("%(item)s is sold by the pack: whole numbers only", item=item.name))


def items_query(supplier_id: int):
    return (select(CatalogueItem).where(CatalogueItem.supplier_id == supplier_id)
            .options(selectinload(CatalogueItem.tiers)).order_by(CatalogueItem.code, CatalogueItem.id))


ITEM_FIELDS = ("code", "name", "unit", "pack_size", "sold_by_pack", "vat_category", "min_total_quantity")


def _checked_item(session, supplier_id: int, data: dict, item_id: int | None = None) -> dict:
    """The item's fields and price list, every check done before anything is written."""
    tiers = data.get("tiers") or []
    check_tiers(tiers)
    country = current_app.config.get("CONSORTIUM_JURISDICTION", "it") if has_app_context() else "it"
    try:
        get_jurisdiction(country).vat_rate(data["vat_category"], local_today())
    except JurisdictionError as error:
        raise field_error("vat_category", str(error)) from error
    if session.scalar(select(CatalogueItem.id).where(CatalogueItem.supplier_id == supplier_id,
                                                     CatalogueItem.code == data["code"],
                                                     CatalogueItem.id != (item_id or 0))):
        raise Conflict(_("This supplier already has an item %(code)s.", code=data["code"]),
                       {"code": [_("already in the catalogue")]})
    values = {"unit": "pack", "pack_size": None, "sold_by_pack": True, "min_total_quantity": None,
              **{key: data[key] for key in ITEM_FIELDS if key in data}}
    _check_quantity_for_item(CatalogueItem(name=values["name"], sold_by_pack=values["sold_by_pack"]),
                             values["min_total_quantity"], "min_total_quantity")
    values["tiers"] = [PriceTier(min_quantity=t["min_quantity"], max_quantity=t.get("max_quantity"),
                                 unit_price=t["unit_price"], valid_from=t["valid_from"], valid_to=t.get("valid_to"))
                       for t in tiers]
    return values


def add_item(session, supplier: Supplier, data: dict) -> CatalogueItem:
    """A catalogue item with its price list; tiers are checked before anything is saved."""
    item = CatalogueItem(supplier_id=supplier.id, **_checked_item(session, supplier.id, data))
    session.add(item)
    session.flush()
    return item


def get_item(session, supplier_id: int, item_id: int) -> CatalogueItem:
    item = session.get(CatalogueItem, item_id)
    if item is None or item.supplier_id != supplier_id:
        raise NotFound(_("No item %(id)s in this supplier's catalogue.", id=item_id))
    return item


def open_round_offering(session, item_id: int) -> PurchaseRound | None:
    """An open round that offers the item, if any."""
    return session.scalar(select(PurchaseRound).join(RoundItem, RoundItem.round_id == PurchaseRound.id)
                          .where(RoundItem.item_id == item_id, PurchaseRound.status == "open")
                          .order_by(PurchaseRound.id).limit(1))


def update_item(session, item: CatalogueItem, data: dict) -> CatalogueItem:
    """Change an item and replace its price list (checked as when added), or only retire or restore it.

    Changes are refused while the item is offered in an open round: the co-ops order on the terms shown and
    the close takes that round's price from this list. A closed round keeps the prices fixed at its close.
    `active` alone (retire or bring back) is allowed at any time: it only decides what new rounds offer.
    """
    changes = {key: value for key, value in data.items() if key != "active"}
    if changes:
        running = open_round_offering(session, item.id)
        if running is not None:
            raise Conflict(_("%(item)s is offered in the open round “%(round)s”: change it after that round "
                             "closes, or add a new item.", item=item.name, round=running.title),
                           {"item": [_("offered in an open round")]})
        current = {key: getattr(item, key) for key in ITEM_FIELDS}
        current["tiers"] = [{"min_quantity": t.min_quantity, "max_quantity": t.max_quantity,
                             "unit_price": t.unit_price, "valid_from": t.valid_from, "valid_to": t.valid_to}
                            for t in item.tiers]
        for key, value in _checked_item(session, item.supplier_id, {**current, **changes}, item.id).items():
            setattr(item, key, value)
    if data.get("active") is not None:
        item.active = data["active"]
    session.flush()
    return item


def tiers_on(item: CatalogueItem, on: date) -> list[PriceTier]:
    """The item's tiers valid on a day, lowest quantity first."""
    return sorted((t for t in item.tiers if t.valid_from <= on and (t.valid_to is None or t.valid_to >= on)),
                  key=lambda t: t.min_quantity)


def tier_for(tiers: list[PriceTier], quantity: Decimal) -> PriceTier | None:
    """The tier a total quantity reaches: the highest tier whose minimum it meets (the first below every minimum)."""
    if not tiers:
        return None
    reached = tiers[0]
    for tier in tiers:
        if quantity >= tier.min_quantity:
            reached = tier
    return reached


# --------------------------------------------------------------------------- rounds


def rounds_query(status: str | None = None):
    query = select(PurchaseRound).order_by(PurchaseRound.closes_at.desc(), PurchaseRound.id.desc())
    return query.where(PurchaseRound.status == status) if status else query


def get_round(session, round_id: int) -> PurchaseRound:
    found = session.scalar(select(PurchaseRound).where(PurchaseRound.id == round_id)
                           .options(selectinload(PurchaseRound.items).selectinload(RoundItem.item)
                                    .selectinload(CatalogueItem.tiers)))
    if found is None:
        raise NotFound(_("No purchasing round %(id)s.", id=round_id))
    return found


def open_round(session, data: dict, *, now: datetime) -> PurchaseRound:
    """Open a round for a supplier (or a category across suppliers) with its items, close time and delivery date.

    `items` lists `{item_id, min_total_quantity}`; left out, every active item of the supplier (or category).
    """
    supplier = get_supplier(session, data["supplier_id"], field_name="supplier_id") if data.get("supplier_id") else None
    category = data.get("category")
    if supplier is None and not category:
        raise field_error("supplier_id", _("a round is for a supplier or a category"))
    if supplier is not None and not supplier.active:
        raise field_error("supplier_id", _("%(supplier)s is retired: bring it back to open a round",
                                           supplier=supplier.name))
    closes_at = as_utc(data["closes_at"])
    if closes_at <= now:
        raise field_error("closes_at", _("the closing time must be in the future"))
    if data["delivery_date"] < closes_at.date():
        raise field_error("delivery_date", _("the delivery date comes after the round closes"))
    query = select(CatalogueItem).join(Supplier).options(selectinload(CatalogueItem.tiers))
    query = query.where(CatalogueItem.supplier_id == supplier.id) if supplier else query.where(
        Supplier.category == category, Supplier.active.is_(True))
    available = {item.id: item for item in session.scalars(query)}
    wanted = data.get("items") or [{"item_id": item_id} for item_id, item in available.items() if item.active]
    if not wanted:
        raise field_error("items", _("no items to offer"))
    round_items, seen = [], set()
    for index, row in enumerate(wanted):
        item = available.get(row["item_id"])
        if item is None:
            raise field_error(f"items[{index}].item_id", _("not an item of this supplier or category"))
        if item.id in seen:
            raise field_error(f"items[{index}].item_id", _("listed twice"))
        seen.add(item.id)
        if not item.active:
            raise field_error(f"items[{index}].item_id", _("%(item)s is retired", item=item.name))
        if not tiers_on(item, closes_at.date()):
            raise field_error(f"items[{index}].item_id", _("%(item)s has no price valid on the closing date",
                                                            item=item.name))
        minimum = row.get("min_total_quantity", item.min_total_quantity)
        _check_quantity_for_item(item, minimum, f"items[{index}].min_total_quantity")
        round_items.append(RoundItem(item_id=item.id, min_total_quantity=minimum or None))
    fee = data.get("handling_fee_percent") or ZERO
    if fee < 0 or fee > HUNDRED:
        raise field_error("handling_fee_percent", _("must be between 0 and 100"))
    purchase_round = PurchaseRound(title=data["title"], supplier_id=supplier.id if supplier else None,
                                   category=category if supplier is None else None, closes_at=closes_at,
                                   delivery_date=data["delivery_date"], handling_fee_percent=fee, status="open")
    purchase_round.items = round_items
    session.add(purchase_round)
    session.flush()
    return purchase_round


def is_open(purchase_round: PurchaseRound, now: datetime) -> bool:
    return purchase_round.status == "open" and as_utc(purchase_round.closes_at) > now


def open_rounds_query(now: datetime):
    return (select(PurchaseRound).where(PurchaseRound.status == "open", PurchaseRound.closes_at > now)
            .order_by(PurchaseRound.closes_at, PurchaseRound.id))


@contextmanager
def _consortium_reading(session):
    """The consortium scope with no co-op, for a sum across co-ops; the caller's scope comes back after."""
    previous = current_tenant_id(session)
    set_tenant(session, None)
    try:
        with consortium_scope(session):
            yield
    finally:
        set_tenant(session, previous)


def totals_so_far(session, round_id: int, *, except_tenant_id: int | None = None) -> dict[int, Decimal]:
    """The consortium's total ordered so far per round item (every co-op together, or every co-op but
    `except_tenant_id`): sums only, no co-op's rows.

    A co-op's page calls this: the sum runs in the consortium scope (what co-ops report to the consortium),
    so the co-op never reads another co-op's lines; it only learns the total and thus the tier.
    """
    query = select(OrderLine.round_item_id, func.sum(OrderLine.quantity)).where(OrderLine.round_id == round_id)
    if except_tenant_id is not None:
        query = query.where(OrderLine.tenant_id != except_tenant_id)
    with _consortium_reading(session):
        rows = session.execute(query.group_by(OrderLine.round_item_id).execution_options(all_tenants=True)).all()
    return {item_id: Decimal(total) for item_id, total in rows}


def price_view(purchase_round: PurchaseRound, own: dict[int, Decimal], totals: dict[int, Decimal]) -> list[dict]:
    """Per round item: the total so far, the tier it reaches, the co-op's cost at that tier and alone.

    A closed round shows the prices fixed at close.
    """
    on = as_utc(purchase_round.closes_at).date()
    rows = []
    for round_item in purchase_round.items:
        tiers = tiers_on(round_item.item, on)
        total = totals.get(round_item.id, ZERO)
        if purchase_round.status == "open":
            reached = tier_for(tiers, total)
            price = reached.unit_price if reached else None
            single = tiers[0].unit_price if tiers else None
        else:
            reached, price, single = None, round_item.unit_price, round_item.single_price
        quantity = own.get(round_item.id, ZERO)
        paid = ZERO if round_item.dropped else quantity  # a dropped item is not bought: nothing to pay
        rows.append({
            "round_item": round_item, "item": round_item.item, "tiers": tiers, "reached": reached,
            "total_so_far": total, "quantity": quantity, "unit_price": price, "single_price": single,
            "cost": line_amount(paid, price) if price is not None else None,
            "cost_alone": line_amount(paid, single) if single is not None else None,
            "next_tier": next((t for t in tiers if t.min_quantity > total), None),
        })
    return rows


# --------------------------------------------------------------------------- orders (a co-op's scope)


def get_order(session, tenant_id: int, round_id: int) -> PurchaseOrder | None:
    return session.scalar(select(PurchaseOrder).where(PurchaseOrder.tenant_id == tenant_id,
                                                      PurchaseOrder.round_id == round_id)
                          .options(selectinload(PurchaseOrder.lines)))


def visible_round(session, round_id: int, tenant_id: int) -> PurchaseRound:
    """A round as a co-op may see it: an open round is offered to every member co-op; once closed, only the
    co-ops that ordered in it see it (404 to the others, as for a round that does not exist)."""
    found = get_round(session, round_id)
    if found.status != "open" and session.scalar(select(PurchaseOrder.id).where(
            PurchaseOrder.tenant_id == tenant_id, PurchaseOrder.round_id == round_id)) is None:
        raise NotFound(_("No purchasing round %(id)s.", id=round_id))
    return found


def coop_rounds(session, tenant_id: int, now: datetime) -> tuple[list[PurchaseRound], list[PurchaseRound]]:
    """(rounds open for orders now, closed rounds the co-op ordered in) for a co-op's page."""
    open_now = list(session.scalars(open_rounds_query(now)))
    past = list(session.scalars(select(PurchaseRound).join(PurchaseOrder, PurchaseOrder.round_id == PurchaseRound.id)
                                .where(PurchaseOrder.tenant_id == tenant_id, PurchaseRound.status != "open")
                                .order_by(PurchaseRound.closes_at.desc())))
    return open_now, past


def save_order(session, tenant_id: int, purchase_round: PurchaseRound, data: dict, *, user_id: int | None,
               now: datetime) -> PurchaseOrder | None:
    """Place or replace the co-op's order; no line with a quantity above zero withdraws it (returns None)."""
    if not is_open(purchase_round, now):
        raise Conflict(_("This round is closed: orders can no longer change."), {"round": [_("closed")]})
    items = {ri.id: ri for ri in purchase_round.items}
    by_item_id = {ri.item_id: ri for ri in purchase_round.items}
    wanted: dict[int, Decimal] = {}
    for index, line in enumerate(data.get("lines") or []):
        where = f"lines[{index}]"
        round_item = items.get(line.get("round_item_id")) if line.get("round_item_id") else by_item_id.get(
            line.get("item_id"))
        if round_item is None:
            raise field_error(f"{where}.item_id", _("not an item of this round"))
        if round_item.id in wanted:
            raise field_error(f"{where}.item_id", _("listed twice"))
        quantity = Decimal(line["quantity"])
        _check_quantity_for_item(round_item.item, quantity, f"{where}.quantity")
        if quantity > 0:
            wanted[round_item.id] = quantity
    order = get_order(session, tenant_id, purchase_round.id)
    if not wanted:
        if order is not None:
            session.delete(order)
            session.flush()
        return None
    address = (data.get("delivery_address") or "").strip()
    if not address:
        if order is None:
            tenant = session.get(Tenant, tenant_id)
            address = ", ".join(part for part in (tenant.address, tenant.postcode, tenant.city) if part)
        else:
            address = order.delivery_address
    if not address:
        raise field_error("delivery_address", _("where should the goods be delivered?"))
    if order is None:
        order = PurchaseOrder(tenant_id=tenant_id, round_id=purchase_round.id, delivery_address=address,
                              placed_by=user_id)
        session.add(order)
        session.flush()
    order.delivery_address = address[:500]
    order.placed_by = user_id
    current = {line.round_item_id: line for line in order.lines}
    for round_item_id, line in current.items():
        if round_item_id not in wanted:
            order.lines.remove(line)
        elif line.quantity != wanted[round_item_id]:
            line.quantity = wanted[round_item_id]
    for round_item_id, quantity in wanted.items():
        if round_item_id not in current:
            order.lines.append(OrderLine(tenant_id=tenant_id, order_id=order.id, round_id=purchase_round.id,
                                         round_item_id=round_item_id, quantity=quantity))
    order.updated_at = utcnow()
    session.flush()
    return order


def withdraw_order(session, tenant_id: int, purchase_round: PurchaseRound, *, now: datetime) -> None:
    if not is_open(purchase_round, now):
        raise Conflict(_("This round is closed: orders can no longer change."), {"round": [_("closed")]})
    order = get_order(session, tenant_id, purchase_round.id)
    if order is not None:
        session.delete(order)
        session.flush()


def own_recharge(session, tenant_id: int, round_id: int) -> Recharge | None:
    return session.scalar(select(Recharge).where(Recharge.tenant_id == tenant_id, Recharge.round_id == round_id))


# --------------------------------------------------------------------------- the close


def _cents_expression(quantity, unit_price):
    """quantity x unit price rounded half-up to the cent, exactly, in SQL on PostgreSQL and SQLite alike.

    Both factors are scaled to integers (thousandths of a unit, ten-thousandths of a euro), multiplied as
    64-bit integers, and 0.5 cent (50,000 in those units) is added before the integer division: half-up on
    positive amounts, with no float rounding on SQLite. MAX_QUANTITY and MAX_UNIT_PRICE keep it in 64 bits.
    """
    milli = cast(func.round(quantity * 1000), BigInteger)
    ten_thousandths = cast(func.round(unit_price * 10000), BigInteger)
    return (milli * ten_thousandths + 50000) // 100000


def _money_from_cents(cents):
    return cast(cents, Numeric(16, 0)) / literal(Decimal("100"), Numeric(5, 0))


def _charged_quantity_expression():
    """What a line is charged for, in SQL (as `charged_quantity`): nothing for a dropped item, else what arrived
    in good order (received less damaged), the ordered quantity until a delivery is recorded."""
    arrived = func.coalesce(OrderLine.received_quantity, OrderLine.quantity)
    good = arrived - func.coalesce(OrderLine.damaged_quantity, literal(ZERO, Numeric(12, 3)))
    return case((RoundItem.dropped, literal(ZERO, Numeric(12, 3))), else_=good)


def _spend_and_saving_cents():
    """Sums, in cents, of the lines' amounts and savings (each line rounded half-up to the cent first)."""
    charged = _charged_quantity_expression()
    amount = _cents_expression(charged, RoundItem.unit_price)
    alone = _cents_expression(charged, RoundItem.single_price)
    return func.coalesce(func.sum(amount), 0), func.coalesce(func.sum(alone - amount), 0)


def _from_cents(cents) -> Decimal:
    return money(Decimal(cents or 0) / HUNDRED)


def _allocated_lines():
    """Order lines with their round items (whose prices the close fixed): the allocations, to filter and sum."""
    return select().select_from(OrderLine).join(RoundItem, RoundItem.id == OrderLine.round_item_id)


def charged_quantity(line: OrderLine, round_item: RoundItem) -> Decimal:
    """What a line is charged for (the same rule as `_charged_quantity_expression`)."""
    if round_item.dropped:
        return ZERO
    arrived = line.quantity if line.received_quantity is None else line.received_quantity
    return arrived - (line.damaged_quantity or ZERO)


def allocation_of(line: OrderLine, round_item: RoundItem) -> dict:
    """A co-op's allocation of one item of a closed round: its order line at the round item's fixed prices."""
    charged = charged_quantity(line, round_item)
    amount = line_amount(charged, round_item.unit_price)
    return {"tenant_id": line.tenant_id, "round_item_id": round_item.id, "item_id": round_item.item_id,
            "ordered_quantity": line.quantity, "received_quantity": line.received_quantity,
            "damaged_quantity": line.damaged_quantity, "quantity": charged, "unit_price": round_item.unit_price,
            "single_price": round_item.single_price, "amount": amount,
            "saving": line_amount(charged, round_item.single_price) - amount, "dropped": round_item.dropped}


ALLOCATED_STATUSES = ("closed", "delivered", "recharged")


def due_rounds(session, now: datetime) -> list[PurchaseRound]:
    """Open rounds whose closing time has passed."""
    return list(session.scalars(select(PurchaseRound).where(PurchaseRound.status == "open",
                                                            PurchaseRound.closes_at <= now)
                                .order_by(PurchaseRound.closes_at, PurchaseRound.id)))


def _lock_round(session, round_id: int) -> PurchaseRound:
    locked = session.scalar(select(PurchaseRound).where(PurchaseRound.id == round_id).with_for_update()
                            .execution_options(populate_existing=True))
    if locked is None:
        raise NotFound(_("No purchasing round %(id)s.", id=round_id))
    return locked


def round_totals(session, round_id: int) -> tuple[Decimal, Decimal]:
    """(spend, savings) of a closed round over every co-op's allocations (the consortium scope)."""
    spend, savings = _round_cents(session, round_id, all_tenants=True)
    return _from_cents(spend), _from_cents(savings)


def _round_cents(session, round_id: int, **options) -> tuple[int, int]:
    """(spend, savings) in cents of a round's allocations in the scope in force (`all_tenants`: every co-op's)."""
    return tuple(session.execute(_allocated_lines().add_columns(*_spend_and_saving_cents())
                                 .where(OrderLine.round_id == round_id).execution_options(**options)).one())


def _purchase_order_email(purchase_round: PurchaseRound, rows: list[dict]) -> tuple[str, str]:
    """The purchase order email to a supplier (subject, body), in the language in force: one line per item."""
    lines = "\n".join(
        _("%(code)s  %(name)s: %(quantity)s x %(price)s = %(amount)s", code=r["item"].code, name=r["item"].name,
          quantity=format_number(r["quantity"]), price=format_number(r["unit_price"]),
          amount=format_number(r["amount"], 2))
        for r in rows)
    total = format_number(sum((r["amount"] for r in rows), ZERO), 2)
    return (_("Purchase order PO-%(id)s: %(title)s", id=purchase_round.id, title=purchase_round.title),
            _("Purchase order PO-%(id)s (%(title)s), delivery on %(delivery)s.\n\n%(lines)s\n\nTotal before "
              "VAT: %(total)s\n\nThe purchase order, with the delivery address of each co-op, is attached "
              "(PO-%(id)s.pdf).\n",
              id=purchase_round.id, title=purchase_round.title,
              delivery=format_date(purchase_round.delivery_date), lines=lines, total=total))


def close_round(session, round_id: int, *, now: datetime, commit, user_id: int | None = None) -> PurchaseRound:
    """Close a round: aggregate, fix the reached prices, produce the purchase order PDF and send it; then tell
    the co-ops that ordered an item it dropped (below the supplier's minimum).

    Runs in the consortium scope. The close is written as the consortium reader and committed (`commit`, the
    caller's) before the co-ops are told in a transaction of their own, also committed (`tell_coops`; on Citus
    one transaction writes as one role, docs/scaling.md). Any failure of the close raises before its commit and
    the caller rolls it back (the round stays open). A round already closed is refused (409): never closed twice.
    The close writes no co-op row: each co-op's allocation is its order line, frozen from now on, at the
    prices fixed here (set-based: one aggregate, one UPDATE of the round items, one sum for the totals).
    """
    from shared_services.purchasing import documents  # documents reads this module's figures

    if current_tenant_id(session) is not None:
        raise RuntimeError("close_round runs in the consortium scope")
    purchase_round = _lock_round(session, round_id)
    if purchase_round.status != "open":
        raise Conflict(_("This round is already closed."), {"status": [_("already closed")]})
    purchase_round = get_round(session, round_id)
    on = as_utc(purchase_round.closes_at).date()
    totals = dict(session.execute(select(OrderLine.round_item_id, func.sum(OrderLine.quantity))
                                  .where(OrderLine.round_id == round_id).group_by(OrderLine.round_item_id)
                                  .execution_options(all_tenants=True)).all())
    fixed = []
    for index, round_item in enumerate(purchase_round.items):
        tiers = tiers_on(round_item.item, on)
        if not tiers:
            raise field_error(f"items[{index}]", _("%(item)s has no price valid on the closing date",
                                                    item=round_item.item.name))
        total = Decimal(totals.get(round_item.id) or 0)
        fixed.append({"id": round_item.id, "total_quantity": total, "unit_price": tier_for(tiers, total).unit_price,
                      "single_price": tiers[0].unit_price,
                      "dropped": bool(round_item.min_total_quantity and total < round_item.min_total_quantity)})
    # One UPDATE by primary key for every item (an executemany); the close itself is audited on the round.
    session.execute(update(RoundItem), fixed)
    for round_item, values in zip(purchase_round.items, fixed, strict=True):
        for key, value in values.items():
            set_committed_value(round_item, key, value)  # what the UPDATE wrote, without a reload
    purchase_round.status = "closed"
    purchase_round.closed_at = now
    purchase_round.closed_by = user_id
    purchase_round.spend, purchase_round.savings = round_totals(session, round_id)
    purchase_round.purchase_order_pdf = documents.purchase_order_pdf(session, purchase_round)
    _send_purchase_order(session, purchase_round, documents.purchase_order_pdf)
    purchase_round.coops_to_tell = any(values["dropped"] for values in fixed)
    session.flush()
    commit()
    tell_coops(session, round_id)
    commit()
    return get_round(session, round_id)


def purchase_order_document(session, round_id: int, render) -> bytes:
    """The purchase order PDF of a closed round, as the close produced and sent it (a round closed before the
    close rendered it gets it rendered once from its fixed figures, then kept)."""
    purchase_round = get_round(session, round_id)
    if purchase_round.closed_at is None:
        raise NotFound(_("This round has no purchase order: it was never closed."))
    if purchase_round.purchase_order_pdf is None:
        purchase_round.purchase_order_pdf = render(session, purchase_round)
        session.flush()
    return purchase_round.purchase_order_pdf


def purchase_order_lines(purchase_round: PurchaseRound, supplier_id: int | None = None) -> list[dict]:
    """What the consortium orders (from one supplier, or all): each item kept, its total, price, line amount."""
    return [{"item": ri.item, "quantity": ri.total_quantity, "unit_price": ri.unit_price,
             "amount": line_amount(ri.total_quantity, ri.unit_price)}
            for ri in purchase_round.items if not ri.dropped and ri.total_quantity
            and (supplier_id is None or ri.item.supplier_id == supplier_id)]


def deliveries_by_coop(session, round_id: int) -> list[dict]:
    """Per co-op: its delivery address and how many items it receives (the consortium scope)."""
    rows = session.execute(select(PurchaseOrder.tenant_id, PurchaseOrder.delivery_address, Tenant.name,
                                  Tenant.slug, PurchaseOrder.delivery_confirmed_at, PurchaseOrder.delivery_note)
                           .join(Tenant, Tenant.id == PurchaseOrder.tenant_id)
                           .where(PurchaseOrder.round_id == round_id).order_by(Tenant.name)
                           .execution_options(all_tenants=True)).all()
    counts = dict(session.execute(_allocated_lines().add_columns(OrderLine.tenant_id, func.count()).where(
        OrderLine.round_id == round_id, RoundItem.dropped.is_(False)).group_by(OrderLine.tenant_id)
        .execution_options(all_tenants=True)).all())
    return [{"tenant_id": r.tenant_id, "name": r.name, "slug": r.slug, "delivery_address": r.delivery_address,
             "items": counts.get(r.tenant_id, 0), "confirmed_at": r.delivery_confirmed_at,
             "note": r.delivery_note} for r in rows]


def _send_purchase_order(session, purchase_round: PurchaseRound, render) -> None:
    """Email the purchase order PDF to each supplier of the round, through the outbox (one per supplier).

    A round of one supplier sends the PDF the close stored; a category round sends each supplier a PDF of
    its own lines only (a supplier never sees another's prices).
    """
    lines = purchase_order_lines(purchase_round)
    by_supplier = defaultdict(list)
    for line in lines:
        by_supplier[line["item"].supplier_id].append(line)
    for supplier_id, rows in by_supplier.items():
        supplier = session.get(Supplier, supplier_id)
        if not supplier.email:
            continue
        pdf = purchase_round.purchase_order_pdf if len(by_supplier) == 1 else render(
            session, purchase_round, supplier_id=supplier_id)
        email_in_language(
            session, language=country_language(supplier.country), to=supplier.email, kind=PURCHASE_ORDER_KIND,
            dedupe_key=f"purchasing.po.{purchase_round.id}.{supplier_id}",
            attachments=[(f"PO-{purchase_round.id}.pdf", "application/pdf", pdf)],
            text=lambda rows=rows: _purchase_order_email(purchase_round, rows))


def _dropped_item_notices(session, purchase_round: PurchaseRound) -> list[tuple]:
    """(co-op, kind, dedupe key, text) for each co-op that ordered an item the close dropped."""
    dropped = {ri.id: ri for ri in purchase_round.items if ri.dropped}
    if not dropped:
        return []
    rows = session.execute(select(OrderLine.tenant_id, OrderLine.round_item_id)
                           .where(OrderLine.round_id == purchase_round.id, OrderLine.round_item_id.in_(dropped))
                           .order_by(OrderLine.tenant_id).execution_options(all_tenants=True)).all()
    per_tenant = defaultdict(list)
    for tenant_id, round_item_id in rows:
        per_tenant[tenant_id].append(dropped[round_item_id].item.name)
    notices = []
    for tenant_id, names in per_tenant.items():
        tenant = session.get(Tenant, tenant_id)
        notices.append((tenant, ITEM_DROPPED_KIND, f"purchasing.dropped.{purchase_round.id}",
                        lambda tenant=tenant, names=names: (
            _("Not bought in %(title)s: below the supplier's minimum", title=purchase_round.title),
            _("The consortium's total for these items stayed below the supplier's minimum, so they are not "
              "ordered and %(coop)s is not charged for them:\n%(items)s\n\n%(url)s\n",
              coop=tenant.name, items="\n".join(f"- {name}" for name in sorted(names)),
              url=public_url(f"/t/{tenant.slug}/purchasing/{purchase_round.id}")))))
    return notices


def _cancellation_notices(session, purchase_round: PurchaseRound) -> list[tuple]:
    """(co-op, kind, dedupe key, text) for each co-op that ordered in the cancelled round."""
    tenant_ids = session.scalars(select(PurchaseOrder.tenant_id).where(PurchaseOrder.round_id == purchase_round.id)
                                 .order_by(PurchaseOrder.tenant_id).execution_options(all_tenants=True)).all()
    notices = []
    for tenant_id in tenant_ids:
        tenant = session.get(Tenant, tenant_id)
        notices.append((tenant, ROUND_CANCELLED_KIND, f"purchasing.cancelled.{purchase_round.id}",
                        lambda tenant=tenant: (
            _("Purchasing round cancelled: %(title)s", title=purchase_round.title),
            _("The consortium cancelled the purchasing round %(title)s: nothing is bought and %(coop)s is not "
              "charged for its order.\n\nReason: %(reason)s\n\n%(url)s\n",
              title=purchase_round.title, coop=tenant.name, reason=purchase_round.cancel_reason,
              url=public_url(f"/t/{tenant.slug}/purchasing/{purchase_round.id}")))))
    return notices


def tell_coops(session, round_id: int) -> None:
    """Tell the treasurers of each co-op that ordered what the round's close dropped, or that it is cancelled.

    Called in the consortium scope, in the transaction after the one that closed or cancelled the round and marked
    it (`coops_to_tell`): that one wrote as the consortium reader (the round, the supplier's email), each co-op's
    email is written as the app role in the co-op's scope, and on Citus one transaction writes as one role
    (docs/scaling.md). The orders are read as the reader; the emails and the cleared mark are written as the app
    role, under the round's lock, so two tellers (the request and the closing job) tell each co-op once. A round
    cancelled before its close was told is told of the cancellation only.
    """
    if not session.scalar(select(PurchaseRound.coops_to_tell).where(PurchaseRound.id == round_id)):
        return  # most closes drop nothing: no need to load the round's items again
    purchase_round = get_round(session, round_id)
    notices = (_cancellation_notices(session, purchase_round) if purchase_round.status == "cancelled"
               else _dropped_item_notices(session, purchase_round))
    with app_role_scope(session):
        purchase_round = _lock_round(session, round_id)
        if not purchase_round.coops_to_tell:
            return  # told meanwhile by another run
        for tenant, kind, dedupe_key, text in notices:
            notify_coop(session, tenant, kind=kind, dedupe_key=dedupe_key, text=text)
        purchase_round.coops_to_tell = False


def close_due_rounds(session, now: datetime, *, commit) -> int:
    """Close every open round whose closing time has passed (the scheduler's job), each committed on its own
    (`commit`); returns how many. First tells the co-ops of any round closed or cancelled whose telling did not
    commit (its process died between the two commits)."""
    untold = session.scalars(select(PurchaseRound.id).where(PurchaseRound.coops_to_tell.is_(True))
                             .order_by(PurchaseRound.id)).all()
    for round_id in untold:
        tell_coops(session, round_id)
        commit()
    due = [purchase_round.id for purchase_round in due_rounds(session, now)]
    for round_id in due:
        close_round(session, round_id, now=now, commit=commit)
    return len(due)


def cancel_round(session, round_id: int, *, reason: str | None, user_id: int | None, now: datetime,
                 commit) -> PurchaseRound:
    """Cancel a round open for orders or closed and awaiting delivery; nothing is bought or charged.

    The co-ops that ordered keep their orders on record (shown as cancelled) and their treasurers are
    emailed; a closed round's suppliers are told the purchase order is cancelled. A delivered, recharged
    or cancelled round is refused (409). The round and the suppliers' emails are committed (`commit`, the
    caller's) before the co-ops are told in a transaction of their own (`tell_coops`, as `close_round`).
    """
    purchase_round = _lock_round(session, round_id)
    if purchase_round.status not in ("open", "closed"):
        raise Conflict(_("Only a round open for orders or awaiting delivery can be cancelled."),
                       {"status": [_("already delivered, recharged or cancelled")]})
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("say why: the co-ops (and the supplier, once ordered) are told"))
    was_closed = purchase_round.status == "closed"
    purchase_round = get_round(session, round_id)
    purchase_round.status = "cancelled"
    purchase_round.cancelled_at = now
    purchase_round.cancelled_by = user_id
    purchase_round.cancel_reason = reason[:500]
    purchase_round.coops_to_tell = True
    session.flush()
    if was_closed:
        for supplier_id in sorted({line["item"].supplier_id for line in purchase_order_lines(purchase_round)}):
            supplier = session.get(Supplier, supplier_id)
            if supplier.email:
                email_in_language(
                    session, language=country_language(supplier.country), to=supplier.email,
                    kind=PURCHASE_ORDER_KIND, dedupe_key=f"purchasing.po-cancelled.{purchase_round.id}.{supplier_id}",
                    text=lambda: (
                        _("Purchase order PO-%(id)s cancelled: %(title)s", id=purchase_round.id,
                          title=purchase_round.title),
                        _("The consortium cancels its purchase order PO-%(id)s (%(title)s): please do not deliver "
                          "it.\n\nReason: %(reason)s\n", id=purchase_round.id, title=purchase_round.title,
                          reason=reason)))
    session.flush()
    commit()
    tell_coops(session, round_id)
    commit()
    return get_round(session, round_id)


# --------------------------------------------------------------------------- deliveries


def _set_delivered(line: OrderLine | None, round_item: RoundItem, received, damaged, where: str) -> None:
    """Write what arrived of one line (received, of which damaged); refused naming the field if impossible."""
    if line is None or round_item.dropped:
        raise field_error(f"{where}.item_id", _("this co-op has no allocation of this item"))
    if received is None:
        raise field_error(f"{where}.received", _("how many arrived?"))
    received = Decimal(received)
    damaged = Decimal(damaged) if damaged is not None else None
    _check_quantity_for_item(round_item.item, received, f"{where}.received")
    _check_quantity_for_item(round_item.item, damaged, f"{where}.damaged")
    if received > line.quantity:
        raise field_error(f"{where}.received", _(
            "%(received)s is more than the allocation of %(allocated)s",
            received=plain(received), allocated=plain(line.quantity)))
    if damaged is not None and damaged > received:
        raise field_error(f"{where}.damaged", _("%(damaged)s damaged is more than the %(received)s received",
                                                damaged=plain(damaged), received=plain(received)))
    line.received_quantity = received
    line.damaged_quantity = damaged or None


def _received_in_full(session, round_id: int, round_item_ids: list[int]) -> None:
    """Every line of the current co-op's scope not recorded yet arrived in full (one UPDATE)."""
    session.execute(update(OrderLine).where(OrderLine.round_id == round_id, OrderLine.round_item_id.in_(round_item_ids),
                                            OrderLine.received_quantity.is_(None))
                    .values(received_quantity=OrderLine.quantity))


def record_deliveries(session, round_id: int, rows: list[dict], *, complete: bool, now: datetime) -> PurchaseRound:
    """Staff record what each co-op received per item; a shortage (or damage) lowers what it is charged.

    `rows`: `{tenant_id, item_id, received, damaged}`. With `complete`, every line not recorded (by staff or
    by the co-op itself) is taken as received in full and the round is delivered. Called in the consortium scope:
    the round and the co-ops that ordered are read as the reader, then everything is written as the app role
    (`app_role_scope`), each co-op's lines in its own scope, where its share of the round's totals is summed too:
    on Citus one transaction writes as one role (docs/scaling.md).
    """
    purchase_round = get_round(session, round_id)
    _check_awaiting_delivery(purchase_round)
    by_item = {ri.item_id: ri for ri in purchase_round.items}
    seen = set()
    for index, row in enumerate(rows):
        round_item = by_item.get(row["item_id"])
        if round_item is None:
            raise field_error(f"deliveries[{index}].item_id", _("not an item of this round"))
        key = (row["tenant_id"], round_item.id)
        if key in seen:
            raise field_error(f"deliveries[{index}].item_id", _("listed twice for this co-op"))
        seen.add(key)
    tenant_ids = session.scalars(select(OrderLine.tenant_id).where(OrderLine.round_id == round_id).distinct()
                                 .order_by(OrderLine.tenant_id).execution_options(all_tenants=True)).all()
    kept = [ri.id for ri in purchase_round.items if not ri.dropped]
    with app_role_scope(session):
        purchase_round = _lock_round(session, round_id)
        _check_awaiting_delivery(purchase_round)  # again under the lock: another request may have completed it
        for index, row in enumerate(rows):
            round_item = by_item[row["item_id"]]
            with tenant_scope(session, row["tenant_id"]):
                line = session.scalar(select(OrderLine).where(OrderLine.round_id == round_id,
                                                              OrderLine.round_item_id == round_item.id))
                _set_delivered(line, round_item, row.get("received"), row.get("damaged"), f"deliveries[{index}]")
                session.flush()
        spend = savings = 0
        for tenant_id in tenant_ids:
            with tenant_scope(session, tenant_id):
                if complete:
                    _received_in_full(session, round_id, kept)
                coop_spend, coop_savings = _round_cents(session, round_id)
            spend, savings = spend + coop_spend, savings + coop_savings
        if complete:
            purchase_round.status = "delivered"
            purchase_round.delivered_at = now
        purchase_round.spend, purchase_round.savings = _from_cents(spend), _from_cents(savings)
    return purchase_round


def _check_awaiting_delivery(purchase_round: PurchaseRound) -> None:
    if purchase_round.status != "closed":
        raise Conflict(_("Deliveries are recorded for a closed round that is not yet delivered."),
                       {"status": [_("not awaiting delivery")]})


def confirm_delivery(session, tenant_id: int, purchase_round: PurchaseRound, data: dict, *, user_id: int | None,
                     now: datetime) -> PurchaseOrder:
    """A co-op records what arrived of its own order: per item received and damaged, and a note.

    Lines it does not list arrived in full. Allowed while the round awaits delivery (until staff mark the
    delivery complete); runs in the co-op's own scope and writes only its own lines. The round's spend is
    recomputed when staff complete the delivery.
    """
    _check_awaiting_delivery(purchase_round)
    order = get_order(session, tenant_id, purchase_round.id)
    if order is None:
        raise NotFound(_("No purchasing round %(id)s.", id=purchase_round.id))
    by_item = {ri.item_id: ri for ri in purchase_round.items}
    round_items = {ri.id: ri for ri in purchase_round.items}
    lines = {line.round_item_id: line for line in order.lines}
    seen = set()
    for index, row in enumerate(data.get("lines") or []):
        where = f"lines[{index}]"
        round_item = by_item.get(row.get("item_id"))
        if round_item is None:
            raise field_error(f"{where}.item_id", _("not an item of this round"))
        if round_item.id in seen:
            raise field_error(f"{where}.item_id", _("listed twice"))
        seen.add(round_item.id)
        _set_delivered(lines.get(round_item.id), round_item, row.get("received"), row.get("damaged"), where)
    for round_item_id, line in lines.items():
        if round_item_id not in seen and not round_items[round_item_id].dropped:
            line.received_quantity, line.damaged_quantity = line.quantity, None
    order.delivery_note = (data.get("note") or "").strip()[:1000] or None
    order.delivery_confirmed_at = now
    order.delivery_confirmed_by = user_id
    session.flush()
    return order


# --------------------------------------------------------------------------- recharge


def office_tenant(session) -> Tenant:
    """The consortium office, the tenant whose invoicing raises recharge invoices (CONSORTIUM_OFFICE_SLUG)."""
    slug = current_app.config.get("CONSORTIUM_OFFICE_SLUG") if has_app_context() else None
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
    if tenant is None:
        raise ServiceError(_("The consortium office is not in the directory: set CONSORTIUM_OFFICE_SLUG to its "
                             "co-op record."), {"office": [_("not configured")]})
    return tenant


def _check_delivered(purchase_round: PurchaseRound) -> None:
    if purchase_round.status != "delivered":
        raise Conflict(_("Only a delivered round can be recharged."), {"status": [_("not delivered")]})


def recharge_round(session, round_id: int, *, today: date) -> list[Recharge]:
    """Raise one recharge invoice per co-op for its delivered allocation (plus the round's handling fee).

    Each invoice is created and issued in the office's scope by the invoicing service: numbered in the
    office's series, with its PDF and e-invoice. All or nothing, in the caller's transaction.

    Called in the consortium scope. It reads as the consortium reader (the round, every co-op's allocations, the
    office and the co-ops) and then writes as the app role alone (`app_role_scope`): on Citus one transaction
    writes as one role (docs/scaling.md). Under the round's lock, taken as the app role, it checks the round is
    still delivered (another request may have recharged it meanwhile), then for each co-op issues the invoice in
    the office's scope, writes the recharge record in the co-op's own scope (`purchase_recharges` lets a co-op's
    scope write that co-op's row) and emails its treasurers, and marks the round recharged. A run that stops
    half-way leaves nothing: no invoice, no number of the office's series, no record, no email; the next run
    charges every co-op once.
    """
    from tenants.invoicing import service as invoicing

    purchase_round = get_round(session, round_id)
    _check_delivered(purchase_round)
    office = office_tenant(session)
    items = {ri.id: ri.item for ri in purchase_round.items}
    per_tenant = defaultdict(list)
    for allocation in all_allocations(session, round_id, purchase_round):
        if allocation["quantity"] > 0:
            per_tenant[allocation["tenant_id"]].append(allocation)
    coops = {tenant_id: session.get(Tenant, tenant_id) for tenant_id in per_tenant}
    fee_category = DEFAULT_FEE_VAT_CATEGORY.get(office.country, "ordinaria_22")
    made = []
    with app_role_scope(session):
        purchase_round = _lock_round(session, round_id)
        _check_delivered(purchase_round)  # again under the lock
        for tenant_id, rows in per_tenant.items():
            coop = coops[tenant_id]
            lines = [{"description": f"{items[a['round_item_id']].code} {items[a['round_item_id']].name}",
                      "quantity": a["quantity"], "unit": INVOICE_UNITS[items[a["round_item_id"]].unit],
                      "unit_price": a["unit_price"], "vat_category": items[a["round_item_id"]].vat_category}
                     for a in rows]
            goods = sum((a["amount"] for a in rows), ZERO)
            fee = money(goods * purchase_round.handling_fee_percent / HUNDRED)
            if fee > 0:
                lines.append({"description": _("Consortium handling fee %(percent)s%% on %(goods)s",
                                               percent=plain(purchase_round.handling_fee_percent), goods=goods),
                              "quantity": Decimal("1"), "unit": "C62", "unit_price": fee,
                              "vat_category": fee_category})
            with tenant_scope(session, office.id):
                customer = invoicing.customer_for_tenant(session, office, coop)
                invoice = invoicing.create_draft(session, office, {
                    "customer_id": customer.id, "lines": lines, "order_reference": f"PO-{purchase_round.id}",
                    "notes": _("Recharge of the purchasing round %(title)s", title=purchase_round.title)}, today)
                invoicing.issue_invoice(session, office, invoice, today)
                number, gross, invoice_id = invoice.number, invoice.gross_total, invoice.id
            with tenant_scope(session, coop.id):  # the consortium's record of it, on the co-op's row
                recharge = Recharge(round_id=round_id, tenant_id=tenant_id, office_tenant_id=office.id,
                                    invoice_id=invoice_id, invoice_number=number, net_goods=goods, handling_fee=fee,
                                    gross_total=gross)
                session.add(recharge)
                session.flush()
            made.append(recharge)
            notify_coop(session, coop, kind=RECHARGE_KIND, dedupe_key=f"purchasing.recharged.{round_id}",
                        text=lambda coop=coop, recharge=recharge: (
                _("Recharge invoice %(number)s for %(title)s", number=recharge.invoice_number,
                  title=purchase_round.title),
                _("The consortium invoiced %(coop)s %(total)s for the goods delivered in %(title)s "
                  "(invoice %(number)s).\n\n%(url)s\n", coop=coop.name,
                  total=format_money(recharge.gross_total, coop.currency, format_locale()),
                  title=purchase_round.title, number=recharge.invoice_number,
                  url=public_url(f"/t/{coop.slug}/purchasing/{round_id}"))))
        purchase_round.status = "recharged"
        purchase_round.recharged_at = utcnow()
    return made


def all_allocations(session, round_id: int, purchase_round: PurchaseRound | None = None) -> list[dict]:
    """Every co-op's allocations of a closed round (items kept), by co-op and item (the consortium scope)."""
    purchase_round = purchase_round or get_round(session, round_id)
    round_items = {ri.id: ri for ri in purchase_round.items}
    lines = session.scalars(select(OrderLine).join(RoundItem, RoundItem.id == OrderLine.round_item_id)
                            .where(OrderLine.round_id == round_id, RoundItem.dropped.is_(False))
                            .order_by(OrderLine.tenant_id, OrderLine.round_item_id)
                            .execution_options(all_tenants=True)).all()
    return [allocation_of(line, round_items[line.round_item_id]) for line in lines]


def recharges_of(session, round_id: int) -> list[Recharge]:
    return list(session.scalars(select(Recharge).where(Recharge.round_id == round_id).order_by(Recharge.tenant_id)))


# --------------------------------------------------------------------------- reports


def coop_figures(session, round_id: int) -> list[dict]:
    """Per co-op of a round: spend and saving (the consortium scope)."""
    rows = session.execute(_allocated_lines().add_columns(OrderLine.tenant_id, Tenant.name, *_spend_and_saving_cents())
                           .join(Tenant, Tenant.id == OrderLine.tenant_id)
                           .where(OrderLine.round_id == round_id, RoundItem.unit_price.is_not(None))
                           .group_by(OrderLine.tenant_id, Tenant.name).order_by(Tenant.name)
                           .execution_options(all_tenants=True)).all()
    return [{"tenant_id": r[0], "name": r[1], "spend": _from_cents(r[2]), "savings": _from_cents(r[3])}
            for r in rows]


def purchasing_summary(session, year: int, tenant_id: int | None = None) -> dict:
    """Spend and savings of the rounds delivered in `year` (by delivery date), in total, by co-op and by supplier.

    The interface consortium reporting calls. Without `tenant_id`: every co-op (call it in the consortium
    scope). With it: that co-op only (works in the consortium scope or in that co-op's own scope).
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    options = {"all_tenants": True} if current_tenant_id(session) is None else {}
    where = [PurchaseRound.status.in_(("delivered", "recharged")), PurchaseRound.delivery_date >= start,
             PurchaseRound.delivery_date <= end]
    if tenant_id is not None:
        where.append(OrderLine.tenant_id == tenant_id)
    base = _allocated_lines().join(PurchaseRound, PurchaseRound.id == OrderLine.round_id).where(*where)
    spend, saving = _spend_and_saving_cents()
    total_spend, total_saving, rounds = session.execute(
        base.add_columns(spend, saving, func.count(func.distinct(OrderLine.round_id)))
        .execution_options(**options)).one()
    if not rounds:  # no line of a delivered round in the year: both breakdowns are empty, nothing to ask
        return {"spend": _from_cents(total_spend), "savings": _from_cents(total_saving), "rounds": 0, "by_coop": [],
                "by_supplier": []}
    by_coop = session.execute(base.add_columns(OrderLine.tenant_id, spend, saving).group_by(OrderLine.tenant_id)
                              .order_by(OrderLine.tenant_id).execution_options(**options)).all()
    by_supplier = session.execute(
        base.add_columns(Supplier.name, spend, saving)
        .join(CatalogueItem, CatalogueItem.id == RoundItem.item_id)
        .join(Supplier, Supplier.id == CatalogueItem.supplier_id)
        .group_by(Supplier.name).order_by(Supplier.name).execution_options(**options)).all()
    return {"spend": _from_cents(total_spend), "savings": _from_cents(total_saving), "rounds": int(rounds),
            "by_coop": [{"tenant_id": t, "spend": _from_cents(s), "savings": _from_cents(v)} for t, s, v in by_coop],
            "by_supplier": [{"supplier": n, "spend": _from_cents(s), "savings": _from_cents(v)}
                            for n, s, v in by_supplier]}


def order_view(session, tenant_id: int, purchase_round: PurchaseRound, now: datetime, *,
               others: dict[int, Decimal] | None = None) -> dict:
    """What a co-op sees of a round: its own order, the total so far and tier per item, its allocation.

    The total so far is the other co-ops' (`others`, else read now) plus the co-op's own order. A request that
    has just written the order passes the others' totals it read before writing: on Citus the consortium reader
    may not read the order lines the app role has written in the same transaction (docs/scaling.md).
    """
    order = get_order(session, tenant_id, purchase_round.id)
    own = {line.round_item_id: line.quantity for line in order.lines} if order else {}
    open_now = is_open(purchase_round, now)
    if purchase_round.closed_at is None:  # open, or cancelled before it closed: the orders as they stand
        if others is None:
            others = totals_so_far(session, purchase_round.id, except_tenant_id=tenant_id)
        totals = {item_id: others.get(item_id, ZERO) + own.get(item_id, ZERO) for item_id in others.keys() | own}
    else:
        totals = {ri.id: ri.total_quantity or ZERO for ri in purchase_round.items}
    allocations = {}
    if order is not None and purchase_round.status in ALLOCATED_STATUSES:
        round_items = {ri.id: ri for ri in purchase_round.items}
        allocations = {line.round_item_id: allocation_of(line, round_items[line.round_item_id])
                       for line in order.lines}
    rows = price_view(purchase_round, own, totals)
    for row in rows:
        allocation = allocations.get(row["round_item"].id) or {}
        row.update({"item_id": row["item"].id, "code": row["item"].code, "name": row["item"].name,
                    "allocated": allocation.get("quantity"), "received": allocation.get("received_quantity"),
                    "damaged": allocation.get("damaged_quantity"), "amount": allocation.get("amount"),
                    "saving": allocation.get("saving"), "dropped": row["round_item"].dropped})
    recharge = own_recharge(session, tenant_id, purchase_round.id)
    return {"round": purchase_round, "open": open_now, "order": order,
            "delivery_address": order.delivery_address if order else None, "items": rows,
            "total": sum((r["cost"] for r in rows if r["cost"] is not None), ZERO),
            "total_alone": sum((r["cost_alone"] for r in rows if r["cost_alone"] is not None), ZERO),
            "recharge": recharge, "recharge_invoice": recharge.invoice_number if recharge else None}
