"""The purchase order PDF the consortium sends the supplier when a round closes: each item with the total
ordered, the reached tier's unit price and the line amount (half-up to the cent per line), the items dropped
below the supplier's minimum, and where each co-op's goods are delivered."""

from decimal import Decimal

from babel.dates import format_date
from flask import current_app, has_app_context

from consortium.documents import Letterhead, build_pdf, data_table, heading, key_value_table, money, paragraph
from consortium.i18n import _
from shared_services.purchasing import service
from shared_services.purchasing.models import UNIT_LABELS


def _letterhead(session) -> Letterhead:
    name = current_app.config["CONSORTIUM_NAME"] if has_app_context() else "Consorzio Fragola"
    try:
        office = service.office_tenant(session)
    except service.ServiceError:
        return Letterhead(name=name, currency="EUR", locale="it_IT")
    address = [", ".join(p for p in (office.address, office.postcode, office.city) if p)]
    return Letterhead(name=name, address_lines=[line for line in address if line], vat_number=office.vat_number,
                      registration_number=office.registration_number, currency=office.currency,
                      locale="it_IT" if office.country == "it" else "en_GB")


def purchase_order_pdf(session, purchase_round, supplier_id: int | None = None) -> bytes:
    """The purchase order of a closed round (its prices are fixed at close, so this never changes); with
    `supplier_id`, that supplier's lines only (a category round sends each supplier its own)."""
    letterhead = _letterhead(session)
    lines = service.purchase_order_lines(purchase_round, supplier_id)
    suppliers = sorted({line["item"].supplier.name for line in lines}) or (
        [purchase_round.supplier.name] if purchase_round.supplier else [])
    content = [key_value_table([
        (_("Purchase order"), f"PO-{purchase_round.id}"),
        (_("Round"), purchase_round.title),
        (_("Supplier"), ", ".join(suppliers) or "—"),
        (_("Delivery date"), format_date(purchase_round.delivery_date, format="long", locale=letterhead.locale)),
        (_("Closed on (UTC)"), purchase_round.closed_at.strftime("%Y-%m-%d %H:%M") if purchase_round.closed_at
         else "—"),
    ], locale=letterhead.locale)]
    content.append(heading(_("Items ordered")))
    content.append(data_table(
        [_("Code"), _("Item"), _("Quantity"), _("Unit price"), _("Amount")],
        [[line["item"].code, line["item"].name,
          f"{service.plain(line['quantity'])} {UNIT_LABELS[line['item'].unit]}",
          money(line["unit_price"], letterhead.currency, letterhead.locale) if line["unit_price"] is not None
          else "—", money(line["amount"], letterhead)] for line in lines] or [["—", "", "", "", ""]],
        numeric_columns={2, 3, 4}, wrap_columns={1}, locale=letterhead.locale,
        totals_row=[_("Total before VAT"), "", "", "",
                    money(sum((line["amount"] for line in lines), Decimal("0")), letterhead)]))
    content.append(paragraph(_("Each line is the quantity times the unit price of the volume tier the consortium's "
                               "total reached, rounded half-up to the cent per line.")))
    dropped = [ri for ri in purchase_round.items
               if ri.dropped and (supplier_id is None or ri.item.supplier_id == supplier_id)]
    if dropped:
        content.append(heading(_("Not ordered: below the supplier's minimum")))
        content.append(data_table(
            [_("Code"), _("Item"), _("Total ordered"), _("Minimum")],
            [[ri.item.code, ri.item.name, service.plain(ri.total_quantity), service.plain(ri.min_total_quantity)]
             for ri in dropped], numeric_columns={2, 3}, wrap_columns={1}, locale=letterhead.locale))
    content.append(heading(_("Deliveries")))
    content.append(data_table(
        [_("Co-op"), _("Delivery address"), _("Items")],
        [[row["name"], row["delivery_address"], row["items"]]
         for row in service.deliveries_by_coop(session, purchase_round.id)] or [["—", "", ""]],
        numeric_columns={2}, wrap_columns={1}, locale=letterhead.locale))
    return build_pdf(letterhead, _("Purchase order"), content,
                     subject=_("Purchase order PO-%(id)s", id=purchase_round.id))
