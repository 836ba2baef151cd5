"""Bulk purchasing: suppliers and volume price tiers, purchasing rounds, members' orders, aggregation, the
reached price and each co-op's saving, purchase orders, deliveries and recharge invoices."""


def register(app, api):
    """Attach purchasing's API, pages, navigation, emails, jobs and demo data."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_nav_link
    from shared_services.purchasing import api as purchasing_api
    from shared_services.purchasing import jobs, service, views  # noqa: F401 - jobs declare themselves on import
    from shared_services.purchasing.demo import load_demo_purchasing

    api.register_blueprint(purchasing_api.blp)
    api.register_blueprint(purchasing_api.coop_blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(views.coop_blp)
    add_nav_link(_l("Purchasing"), "purchasing.rounds", "consortium", purchasing_api.STAFF)
    add_nav_link(_l("Purchasing"), "coop_purchasing.rounds", "tenant", purchasing_api.COOP_READERS)
    register_email_kind(service.PURCHASE_ORDER_KIND, _l("A purchase order sent to a supplier"))
    register_email_kind(service.ITEM_DROPPED_KIND, _l("An item you ordered was not bought (below the minimum)"))
    register_email_kind(service.RECHARGE_KIND, _l("A recharge invoice for a purchasing round"))
    register_email_kind(service.ROUND_CANCELLED_KIND, _l("A purchasing round you ordered in was cancelled"))
    add_demo_loader(load_demo_purchasing)
    _audit_words()


def _audit_words():
    """Purchasing in the audit log: a round by its title, a supplier or item by name, fields by form labels."""
    from consortium.audit import audit_words
    from consortium.i18n import _l
    from shared_services.purchasing.models import (
        CATEGORY_LABELS,
        ROUND_STATUS_LABELS,
        UNIT_LABELS,
        CatalogueItem,
        OrderLine,
        PriceTier,
        PurchaseOrder,
        PurchaseRound,
        Recharge,
        RoundItem,
        Supplier,
    )
    from tenants.invoicing.labels import VAT_CATEGORY_LABELS

    audit_words(PurchaseRound, _l("purchasing round"), name=lambda round_: round_.title,
                values={"status": ROUND_STATUS_LABELS, "category": CATEGORY_LABELS},
                events={("status", "closed"): _l("%(who)s closed purchasing round %(name)s"),
                        ("status", "delivered"): _l("%(who)s recorded purchasing round %(name)s as delivered"),
                        ("status", "recharged"): _l("%(who)s recharged purchasing round %(name)s"),
                        ("status", "cancelled"): _l("%(who)s cancelled purchasing round %(name)s")},
                fields={"title": _l("Title"), "status": _l("Status"), "closes_at": _l("Orders close on"),
                        "delivery_date": _l("Delivery date"), "handling_fee_percent": _l("Handling fee"),
                        "spend": _l("Spend"), "savings": _l("Savings"), "cancel_reason": _l("Reason"),
                        "category": _l("Category"), "closed_at": _l("Closed on"), "delivered_at": _l("Delivered on"),
                        "recharged_at": _l("Recharged on"), "cancelled_at": _l("Cancelled on")},
                hidden={"coops_to_tell"})  # the delivery job's own flag
    audit_words(Supplier, _l("supplier"), name=lambda supplier: supplier.name, values={"category": CATEGORY_LABELS},
                fields={"name": _l("Name"), "category": _l("Category"), "contact_name": _l("Contact"),
                        "email": _l("Email for purchase orders"), "phone": _l("Phone"),
                        "vat_number": _l("VAT number"), "country": _l("Country"),
                        "payment_terms_days": _l("Payment terms (days)")})
    audit_words(CatalogueItem, _l("catalogue item"), name=lambda item: item.name,
                values={"unit": UNIT_LABELS, "vat_category": VAT_CATEGORY_LABELS},
                fields={"name": _l("Name"), "code": _l("Code"), "unit": _l("Unit"),
                        "sold_by_pack": _l("Sold in whole units only"), "pack_size": _l("Pieces a pack"),
                        "vat_category": _l("VAT category"),
                        "min_total_quantity": _l("Supplier's minimum total quantity")})
    audit_words(PurchaseOrder, _l("purchase order"),
                fields={"delivery_address": _l("Delivery address"), "delivery_date": _l("Delivery date"),
                        "delivery_confirmed_at": _l("Delivery confirmed on"), "delivery_note": _l("Delivery note")})
    audit_words(OrderLine, _l("order line"), fields={"quantity": _l("Quantity"), "received_quantity": _l("Received"),
                                                      "damaged_quantity": _l("Damaged")})
    audit_words(Recharge, _l("recharge"), name=lambda recharge: recharge.invoice_number or "",
                fields={"handling_fee": _l("Handling fee"), "invoice_number": _l("Invoice number"),
                        "net_goods": _l("Goods (net)"), "gross_total": _l("Total"), "note": _l("Note")})
    audit_words(PriceTier, _l("price tier"),
                fields={"min_quantity": _l("From quantity"), "max_quantity": _l("Up to quantity"),
                        "unit_price": _l("Unit price"), "valid_from": _l("Valid from"), "valid_to": _l("Valid until")})
    audit_words(RoundItem, _l("item of a round"),
                fields={"min_total_quantity": _l("Supplier's minimum total quantity"),
                        "total_quantity": _l("Total ordered"), "unit_price": _l("Unit price reached"),
                        "single_price": _l("Price for one co-op alone"), "dropped": _l("Dropped (below the minimum)")})
