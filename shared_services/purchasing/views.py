"""Bulk-purchasing pages: suppliers, catalogues, rounds, close, deliveries and recharge for consortium staff;
each co-op's open rounds, its order form (with the consortium's total so far and the tier) and its savings."""

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from consortium import i18n, lists
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.fields import query_int
from consortium.forms import load_form, run_service
from consortium.i18n import _, _l
from consortium.models import Tenant

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from shared_services.purchasing import schemas, service
from shared_services.purchasing.api import COOP_READERS, COOP_WRITERS, STAFF, pdf_response
from shared_services.purchasing.models import (
    CATEGORIES,
    CATEGORY_LABELS,
    ROUND_STATUS_LABELS,
    UNIT_LABELS,
    UNITS,
    PurchaseRound,
    Supplier,
)

blp = Blueprint("purchasing", __name__, url_prefix="/consortium/purchasing", template_folder="templates")
coop_blp = Blueprint("coop_purchasing", __name__, url_prefix="/t/<slug>/purchasing", template_folder="templates")

TIER_ROWS = 4
LABELS = {"status": ROUND_STATUS_LABELS, "unit": UNIT_LABELS, "category": CATEGORY_LABELS}
SUPPLIER_LABELS = {"name": _l("Name"), "country": _l("Country"), "vat_number": _l("VAT number"),
                   "category": _l("Category"), "contact_name": _l("Contact person"),
                   "email": _l("Email for purchase orders"), "phone": _l("Phone"),
                   "payment_terms_days": _l("Payment terms (days)")}
ITEM_LABELS = {"code": _l("Supplier code"), "name": _l("Description"), "unit": _l("Unit"),
               "pack_size": _l("Pieces a pack"), "vat_category": _l("VAT category"),
               "min_total_quantity": _l("Supplier's minimum total quantity")}


@blp.context_processor
@coop_blp.context_processor
def _labels():
    return {"labels": LABELS, "supplier_labels": SUPPLIER_LABELS, "item_labels": ITEM_LABELS}


@blp.app_template_filter("unit_price")
def unit_price_filter(value, currency: str = "EUR") -> str:
    """A unit price with two to four decimals (0,085 € a glove), in the reader's language."""
    if value is None:
        return "—"
    return format_currency(Decimal(value), currency, format="#,##0.00## ¤" if i18n.current_language() == "it"
                           else "¤#,##0.00##", locale=i18n.format_locale(), currency_digits=False)


@blp.app_template_filter("quantity")
def quantity_filter(value) -> str:
    """A quantity without trailing zeros (12,5 kg; 300 boxes)."""
    if value is None:
        return "—"
    value = Decimal(value)
    return i18n.format_number(value, 0 if value == value.to_integral_value() else None)


def _plain(value) -> str:
    """A quantity as a form field's value (no grouping, a dot for decimals, no trailing zeros)."""
    return "" if value is None else service.plain(value)


def _decimal(raw: str | None, name: str, errors: dict) -> Decimal | None:
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        errors[name] = [_("not a number")]
        return None


# --------------------------------------------------------------------------- staff: rounds


@blp.route("/")
@consortium_role_required(*STAFF)
def rounds():
    """Every round, latest closing first, with this year's spend and savings."""
    year = query_int("year", local_today().year, minimum=2000, maximum=2100)
    supplier_name = select(Supplier.name).where(Supplier.id == PurchaseRound.supplier_id).scalar_subquery()
    listing = lists.Listing(
        search=[PurchaseRound.title, supplier_name],
        sorts={"title": PurchaseRound.title, "supplier": supplier_name, "closes": PurchaseRound.closes_at,
               "delivery": PurchaseRound.delivery_date, "status": PurchaseRound.status,
               "spend": PurchaseRound.spend, "savings": PurchaseRound.savings},
        default_sort="closes", default_desc=True, descending=("closes", "delivery", "spend", "savings"),
        filters={"status": {code: (label, PurchaseRound.status == code) for code, label in ROUND_STATUS_LABELS.items()},
                 "category": {code: (CATEGORY_LABELS[code], PurchaseRound.category == code) for code in CATEGORIES}},
        date=PurchaseRound.delivery_date)
    rows = listing.apply(db.session, service.rounds_query())
    return render_template("purchasing/rounds.html", rounds=rows, year=year,
                           summary=service.purchasing_summary(db.session, year),
                           tenants={t.id: t for t in db.session.scalars(db.select(Tenant))})


def _suppliers_options():
    return [(s.id, s.name) for s in db.session.scalars(service.suppliers_query()) if s.active]


@blp.route("/rounds/new", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def new_round():
    """Open a round for a supplier: title, closing date and time, delivery date, handling fee."""
    errors, values = {}, dict(request.form)
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k not in ("closes_on", "closes_time", "csrf_token")}
        try:
            day = date.fromisoformat(request.form.get("closes_on", ""))
            moment = time.fromisoformat(request.form.get("closes_time") or "12:00")
            zone = ZoneInfo(current_app.config["CONSORTIUM_TIMEZONE"])
            form["closes_at"] = datetime.combine(day, moment, zone).isoformat()
        except ValueError:
            errors["closes_on"] = [_("a date and a time, e.g. 2026-12-15 and 12:00")]
        form["handling_fee_percent"] = (form.get("handling_fee_percent") or "0").replace(",", ".")
        if not errors:
            data, errors = load_form(schemas.RoundInSchema(), form)
            if "closes_at" in errors:
                errors["closes_on"] = errors.pop("closes_at")
            if data is not None:
                made, errors = run_service(lambda: service.open_round(db.session, data, now=service.now_utc()))
                if "closes_at" in errors:
                    errors["closes_on"] = errors.pop("closes_at")
                if made is not None:
                    flash(_("Round opened: member co-ops can order until it closes."))
                    return redirect(url_for("purchasing.round_detail", round_id=made.id))
    return render_template("purchasing/round_form.html", errors=errors, values=values,
                           suppliers=_suppliers_options(), categories=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES])


@blp.route("/rounds/<int:round_id>")
@consortium_role_required(*STAFF)
def round_detail(round_id):
    """A round: items with totals (live while open, fixed once closed), co-ops' figures, deliveries, recharges."""
    purchase_round = service.get_round(db.session, round_id)
    totals = service.totals_so_far(db.session, round_id) if purchase_round.closed_at is None else {}
    rows = service.price_view(purchase_round, {}, totals or {ri.id: ri.total_quantity or 0
                                                           for ri in purchase_round.items})
    return render_template("purchasing/round.html", round=purchase_round, rows=rows,
                           coops=service.coop_figures(db.session, round_id),
                           deliveries=service.deliveries_by_coop(db.session, round_id),
                           recharges=service.recharges_of(db.session, round_id),
                           tenants={t.id: t for t in db.session.scalars(db.select(Tenant))})


@blp.route("/rounds/<int:round_id>/close", methods=["POST"])
@consortium_role_required(*STAFF)
def close(round_id):
    """Close the round now (staff button)."""
    closed, errors = run_service(lambda: service.close_round(
        db.session, round_id, now=service.now_utc(), user_id=current_user.id, commit=db.session.commit))
    if closed is not None:
        flash(_("Round closed: prices fixed, allocations recorded, purchase order sent."))
    return redirect(url_for("purchasing.round_detail", round_id=round_id))


@blp.route("/rounds/<int:round_id>/purchase-order.pdf")
@consortium_role_required(*STAFF)
def purchase_order(round_id):
    from shared_services.purchasing import documents
    pdf = service.purchase_order_document(db.session, round_id, documents.purchase_order_pdf)
    return pdf_response(pdf, f"PO-{round_id}.pdf")


def _delivery_field(key: str, rows: list) -> str:
    """The form field of a service error `deliveries[i].received` (or `.damaged`, `.item_id`)."""
    if not key.startswith("deliveries["):
        return key
    position, field_name = key[len("deliveries["):].split("].")
    return f"{'damaged' if field_name == 'damaged' else 'received'}_{rows[int(position)][0]}"


@blp.route("/rounds/<int:round_id>/deliveries", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def deliveries(round_id):
    """What each co-op received per item: a row per co-op and item, prefilled with the allocation."""
    purchase_round = service.get_round(db.session, round_id)
    allocations = service.all_allocations(db.session, round_id, purchase_round)
    errors, values = {}, {}
    if request.method == "GET":
        for allocation in allocations:
            suffix = f"{allocation['tenant_id']}_{allocation['round_item_id']}"
            received = allocation["received_quantity"]
            values[f"received_{suffix}"] = _plain(allocation["ordered_quantity"] if received is None else received)
            values[f"damaged_{suffix}"] = _plain(allocation["damaged_quantity"])
    if request.method == "POST":
        rows = []
        for allocation in allocations:
            suffix = f"{allocation['tenant_id']}_{allocation['round_item_id']}"
            for kind in ("received", "damaged"):
                values[f"{kind}_{suffix}"] = request.form.get(f"{kind}_{suffix}", "")
            received = _decimal(request.form.get(f"received_{suffix}"), f"received_{suffix}", errors)
            damaged = _decimal(request.form.get(f"damaged_{suffix}"), f"damaged_{suffix}", errors)
            if received is not None and (received, damaged) != (allocation["received_quantity"],
                                                                 allocation["damaged_quantity"]):
                rows.append((suffix, {"tenant_id": allocation["tenant_id"], "item_id": allocation["item_id"],
                                      "received": received, "damaged": damaged}))
        if not errors:
            names = {"coops": {t.id: t.name for t in db.session.scalars(db.select(Tenant))},
                     "items": {ri.item_id: ri.item.name for ri in purchase_round.items}}
            done, errors = run_service(lambda: service.record_deliveries(
                db.session, round_id, [row for _suffix, row in rows],
                complete=request.form.get("complete") == "y", now=service.now_utc()),
                field_labels=lambda key: _staff_delivery_label(key, rows, names))
            errors = {_delivery_field(key, rows): m for key, m in errors.items()}
            if done is not None:
                flash(_("Deliveries recorded."))
                return redirect(url_for("purchasing.round_detail", round_id=round_id))
    return render_template("purchasing/deliveries.html", round=purchase_round, allocations=allocations,
                           errors=errors, values=values,
                           confirmed={d["tenant_id"]: d for d in service.deliveries_by_coop(db.session, round_id)},
                           tenants={t.id: t for t in db.session.scalars(db.select(Tenant))})


@blp.route("/rounds/<int:round_id>/recharge", methods=["POST"])
@consortium_role_required(*STAFF)
def recharge(round_id):
    made, _errors = run_service(lambda: service.recharge_round(db.session, round_id, today=local_today()))
    if made is not None:
        flash(_("%(count)s recharge invoices issued.", count=len(made)))
    return redirect(url_for("purchasing.round_detail", round_id=round_id))


@blp.route("/rounds/<int:round_id>/cancel", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def cancel(round_id):
    """Cancel a round (open, or closed and awaiting delivery) with the reason the co-ops are told."""
    purchase_round = service.get_round(db.session, round_id)
    errors, values = {}, dict(request.form)
    if request.method == "POST":
        done, errors = run_service(lambda: service.cancel_round(
            db.session, round_id, reason=request.form.get("reason"), user_id=current_user.id, now=service.now_utc(),
            commit=db.session.commit))
        if done is not None:
            flash(_("Round cancelled: the co-ops that ordered are told; nothing is bought or charged."))
            return redirect(url_for("purchasing.round_detail", round_id=round_id))
    return render_template("purchasing/cancel.html", round=purchase_round, errors=errors, values=values)


# --------------------------------------------------------------------------- staff: suppliers and catalogue


@blp.route("/suppliers", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def suppliers():
    """Suppliers, and the form to add one (its VAT number is validated)."""
    errors, values = {}, dict(request.form)
    if request.method == "POST":
        data, errors = load_form(schemas.SupplierSchema(), request.form)
        if data is not None:
            made, errors = run_service(lambda: service.add_supplier(db.session, data))
            if made is not None:
                flash(_("Supplier added."))
                return redirect(url_for("purchasing.supplier", supplier_id=made.id))
    listing = lists.Listing(
        search=[Supplier.name, Supplier.vat_number, Supplier.contact_name, Supplier.email],
        sorts={"name": Supplier.name, "category": Supplier.category, "terms": Supplier.payment_terms_days},
        default_sort="name",
        filters={"category": {code: (CATEGORY_LABELS[code], Supplier.category == code) for code in CATEGORIES},
                 "country": {"it": (_("Italy"), Supplier.country == "it"),
                             "uk": (_("United Kingdom"), Supplier.country == "uk")}})
    return render_template("purchasing/suppliers.html", suppliers=listing.apply(db.session, service.suppliers_query()),
                           errors=errors, values=values, categories=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES])


def _item_from_form(action) -> tuple[object | None, dict]:
    """Read the item form (fields and up to TIER_ROWS tier rows) and run `action(data)`; errors by form field."""
    form = {k: v for k, v in request.form.items() if not k.startswith("tier_")}
    data, errors = load_form(schemas.ItemSchema(partial=("tiers",)), form, booleans=("sold_by_pack",))
    tiers = []
    for index in range(TIER_ROWS):
        row = {key: request.form.get(f"tier_{key}_{index}", "").strip().replace(",", ".")
               for key in ("min_quantity", "max_quantity", "unit_price", "valid_from", "valid_to")}
        if not any(row.values()):
            continue
        tier, tier_errors = load_form(schemas.TierSchema(), row)
        for key, messages in tier_errors.items():
            errors[f"tier_{key}_{index}"] = messages
        if tier is not None:
            tiers.append((index, tier))
    if data is None or errors:
        return None, errors
    data["tiers"] = [tier for _index, tier in tiers]
    made, errors = run_service(lambda: action(data))
    for key in list(errors):
        if key.startswith("tiers["):
            position, field_name = key[6:].split("].")
            errors[f"tier_{field_name}_{tiers[int(position)][0]}"] = errors.pop(key)
        elif key == "tiers":
            errors["tier_unit_price_0"] = errors.pop(key)
    return made, errors


def _item_values(item) -> dict:
    """The edit form's values from an item and its tiers."""
    values = {"code": item.code, "name": item.name, "unit": item.unit, "pack_size": item.pack_size or "",
              "sold_by_pack": "y" if item.sold_by_pack else "", "vat_category": item.vat_category,
              "min_total_quantity": _plain(item.min_total_quantity)}
    for index, tier in enumerate(item.tiers[:TIER_ROWS]):
        values.update({f"tier_min_quantity_{index}": _plain(tier.min_quantity),
                       f"tier_max_quantity_{index}": _plain(tier.max_quantity),
                       f"tier_unit_price_{index}": _plain(tier.unit_price),
                       f"tier_valid_from_{index}": tier.valid_from.isoformat(),
                       f"tier_valid_to_{index}": tier.valid_to.isoformat() if tier.valid_to else ""})
    return values


@blp.route("/suppliers/<int:supplier_id>", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def supplier(supplier_id):
    """A supplier's catalogue with price tiers, and the form to add an item with up to four tiers."""
    found = service.get_supplier(db.session, supplier_id)
    errors, values = {}, dict(request.form)
    if request.method == "POST":
        made, errors = _item_from_form(lambda data: service.add_item(db.session, found, data))
        if made is not None:
            flash(_("Item added to the catalogue."))
            return redirect(url_for("purchasing.supplier", supplier_id=supplier_id))
    return render_template("purchasing/supplier.html", supplier=found,
                           items=db.session.scalars(service.items_query(supplier_id)).all(), errors=errors,
                           values=values, units=[(u, UNIT_LABELS[u]) for u in UNITS], tier_rows=range(TIER_ROWS),
                           today=local_today())


@blp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def edit_supplier(supplier_id):
    """Change a supplier's details (its VAT number is checked again)."""
    found = service.get_supplier(db.session, supplier_id)
    errors = {}
    values = dict(request.form) if request.method == "POST" else {
        key: getattr(found, key) if getattr(found, key) is not None else "" for key in service.SUPPLIER_FIELDS}
    if request.method == "POST":
        data, errors = load_form(schemas.SupplierChangeSchema(partial=True), request.form)
        if data is not None:
            done, errors = run_service(lambda: service.update_supplier(db.session, found, data))
            if done is not None:
                flash(_("Supplier changed."))
                return redirect(url_for("purchasing.supplier", supplier_id=supplier_id))
    return render_template("purchasing/supplier_edit.html", supplier=found, errors=errors, values=values,
                           categories=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES])


@blp.route("/suppliers/<int:supplier_id>/active", methods=["POST"])
@consortium_role_required(*STAFF)
def supplier_active(supplier_id):
    """Retire a supplier (no new round for it) or bring it back."""
    found = service.get_supplier(db.session, supplier_id)
    active = request.form.get("active") == "y"
    service.update_supplier(db.session, found, {"active": active})
    flash(_("Supplier brought back: rounds can be opened for it.") if active
          else _("Supplier retired: no new round for it; its past rounds stay as they are."))
    return redirect(url_for("purchasing.supplier", supplier_id=supplier_id))


@blp.route("/suppliers/<int:supplier_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def edit_item(supplier_id, item_id):
    """Change an item and its price list (not while an open round offers it)."""
    found = service.get_supplier(db.session, supplier_id)
    item = service.get_item(db.session, supplier_id, item_id)
    errors, values = {}, dict(request.form) if request.method == "POST" else _item_values(item)
    if request.method == "POST":
        done, errors = _item_from_form(lambda data: service.update_item(db.session, item, data))
        if done is not None:
            flash(_("Item changed."))
            return redirect(url_for("purchasing.supplier", supplier_id=supplier_id))
    return render_template("purchasing/item_edit.html", supplier=found, item=item, errors=errors, values=values,
                           units=[(u, UNIT_LABELS[u]) for u in UNITS], tier_rows=range(TIER_ROWS),
                           today=local_today(), running=service.open_round_offering(db.session, item.id))


@blp.route("/suppliers/<int:supplier_id>/items/<int:item_id>/active", methods=["POST"])
@consortium_role_required(*STAFF)
def item_active(supplier_id, item_id):
    """Retire an item (offered in no new round) or bring it back."""
    item = service.get_item(db.session, supplier_id, item_id)
    active = request.form.get("active") == "y"
    service.update_item(db.session, item, {"active": active})
    flash(_("%(item)s brought back to the catalogue.", item=item.name) if active
          else _("%(item)s retired: new rounds do not offer it.", item=item.name))
    return redirect(url_for("purchasing.supplier", supplier_id=supplier_id))


# --------------------------------------------------------------------------- a co-op's pages


@coop_blp.route("/", endpoint="rounds")
@tenant_role_required(*COOP_READERS)
def coop_rounds():
    """Rounds open for orders, the co-op's past rounds, and its savings this year."""
    open_now, past = service.coop_rounds(db.session, g.tenant.id, service.now_utc())
    own = {r.id: service.get_order(db.session, g.tenant.id, r.id) for r in open_now}
    year = local_today().year
    listing = lists.Listing(  # the past rounds grow every month: searched, sorted and paged
        search=lambda r: f"{r.title} {r.supplier.name if r.supplier else ''} {CATEGORY_LABELS.get(r.category, '')}",
        sorts={"title": lambda r: r.title, "delivery": lambda r: r.delivery_date,
               "status": lambda r: str(ROUND_STATUS_LABELS[r.status])},
        default_sort="delivery", default_desc=True, descending=("delivery",),
        filters={"status": {code: (label, lambda r, code=code: r.status == code)
                            for code, label in ROUND_STATUS_LABELS.items()},
                 "category": {code: (CATEGORY_LABELS[code], lambda r, code=code: r.category == code)
                              for code in CATEGORIES}},
        date=lambda r: r.delivery_date)
    past = listing.apply(db.session, past)
    return render_template("purchasing/coop_rounds.html", open_rounds=open_now, past=past, own=own, year=year,
                           savings=service.purchasing_summary(db.session, year, tenant_id=g.tenant.id))


@coop_blp.route("/<int:round_id>", methods=["GET", "POST"], endpoint="order")
@tenant_role_required(*COOP_READERS)
def coop_order(round_id):
    """The co-op's order in a round: quantity per item, the consortium's total so far, the tier, the cost."""
    purchase_round = service.visible_round(db.session, round_id, g.tenant.id)
    can_edit = bool(current_user.tenant_roles(g.tenant.id) & set(COOP_WRITERS))
    errors, values = {}, dict(request.form)
    if request.method == "POST":
        if not can_edit:
            return render_template("error.html", message=_("Only the co-op's treasurer can order.")), 403
        withdraw = request.form.get("action") == "withdraw"
        lines = []
        for round_item in purchase_round.items:
            name = f"qty_{round_item.item_id}"
            quantity = None if withdraw else _decimal(request.form.get(name), name, errors)
            lines.append({"item_id": round_item.item_id, "quantity": quantity or Decimal("0")})
        if not errors:
            data = {"lines": lines, "delivery_address": request.form.get("delivery_address")}
            items = {ri.item_id: ri.item for ri in purchase_round.items}
            saved, errors = run_service(lambda: service.save_order(
                db.session, g.tenant.id, purchase_round, data, user_id=current_user.id, now=service.now_utc()) or True,
                field_labels=lambda key: _line_label(key, lines, items))
            errors = {f"qty_{lines[int(k.split('[')[1].split(']')[0])]['item_id']}" if k.startswith("lines[") else k: m
                      for k, m in errors.items()}
            if saved is not None:
                flash(_("Order withdrawn.") if withdraw or not any(line["quantity"] for line in lines)
                      else _("Order saved. The consortium sees it; other co-ops see only the total."))
                return redirect(url_for("coop_purchasing.order", round_id=round_id))
    view = service.order_view(db.session, g.tenant.id, purchase_round, service.now_utc())
    if not values:
        values = {f"qty_{row['item_id']}": _plain(row["quantity"]) if row["quantity"] else ""
                  for row in view["items"]}
        values["delivery_address"] = view["delivery_address"] or ", ".join(
            part for part in (g.tenant.address, g.tenant.postcode, g.tenant.city) if part)
    return render_template("purchasing/order.html", round=purchase_round, view=view, errors=errors, values=values,
                           can_edit=can_edit and view["open"], can_record=can_edit)


@coop_blp.route("/<int:round_id>/delivery", methods=["GET", "POST"], endpoint="delivery")
@tenant_role_required(*COOP_WRITERS)
def coop_delivery(round_id):
    """The co-op records what arrived of its order: per item received and damaged, and a note."""
    purchase_round = service.visible_round(db.session, round_id, g.tenant.id)
    view = service.order_view(db.session, g.tenant.id, purchase_round, service.now_utc())
    rows = [row for row in view["items"] if row["quantity"] and not row["dropped"]]
    errors, values = {}, dict(request.form)
    if request.method == "POST":
        lines = []
        for row in rows:
            received = _decimal(request.form.get(f"received_{row['item_id']}"), f"received_{row['item_id']}", errors)
            damaged = _decimal(request.form.get(f"damaged_{row['item_id']}"), f"damaged_{row['item_id']}", errors)
            lines.append({"item_id": row["item_id"], "received": row["quantity"] if received is None else received,
                          "damaged": damaged})
        if not errors:
            items = {row["item_id"]: row["item"] for row in rows}
            done, errors = run_service(lambda: service.confirm_delivery(
                db.session, g.tenant.id, purchase_round, {"lines": lines, "note": request.form.get("note")},
                user_id=current_user.id, now=service.now_utc()),
                field_labels=lambda key: _line_label(key, lines, items))
            errors = {_own_delivery_field(key, lines): m for key, m in errors.items()}
            if done is not None:
                flash(_("Delivery recorded: you are charged for what arrived in good order."))
                return redirect(url_for("coop_purchasing.order", round_id=round_id))
    elif not values:
        for row in rows:
            values[f"received_{row['item_id']}"] = _plain(
                row["received"] if row["received"] is not None else row["quantity"])
            values[f"damaged_{row['item_id']}"] = _plain(row["damaged"])
        values["note"] = view["order"].delivery_note or "" if view["order"] else ""
    return render_template("purchasing/coop_delivery.html", round=purchase_round, rows=rows, errors=errors,
                           values=values, can_record=purchase_round.status == "closed")


# What a person calls the fields a purchasing service names as the API does (`lines[0].damaged`).
FIELD_WORDS = {"quantity": None, "item_id": None, "received": _l("received"), "damaged": _l("damaged")}
FORM_LABELS = {"delivery_address": _l("Delivery address"), "note": _l("Note for the consortium")}


def _line_label(key: str, lines: list, items: dict) -> str | None:
    """`lines[i].field` as "<item name>" or "<item name>, damaged"; other fields by their label on the form."""
    if not key.startswith("lines["):
        return str(FORM_LABELS[key]) if key in FORM_LABELS else None
    position, _dot, field_name = key[len("lines["):].partition("].")
    item = items.get(lines[int(position)]["item_id"]) if position.isdigit() and int(position) < len(lines) else None
    if item is None:
        return None
    word = FIELD_WORDS.get(field_name)
    return _("%(item)s, %(field)s", item=item.name, field=word) if word else item.name


def _staff_delivery_label(key: str, rows: list, names: dict) -> str | None:
    """`deliveries[i].field` as "<co-op>, <item name>, received" (the staff's deliveries form)."""
    if not key.startswith("deliveries["):
        return None
    position, _dot, field_name = key[len("deliveries["):].partition("].")
    if not position.isdigit() or int(position) >= len(rows):
        return None
    row = rows[int(position)][1]
    what = _("%(coop)s, %(item)s", coop=names["coops"].get(row["tenant_id"], ""),
             item=names["items"].get(row["item_id"], ""))
    word = FIELD_WORDS.get(field_name)
    return _("%(item)s, %(field)s", item=what, field=word) if word else what


def _own_delivery_field(key: str, lines: list) -> str:
    """The form field of a service error `lines[i].received` (or `.damaged`, `.item_id`)."""
    if not key.startswith("lines["):
        return key
    position, field_name = key[len("lines["):].split("].")
    return f"{'damaged' if field_name == 'damaged' else 'received'}_{lines[int(position)]['item_id']}"
