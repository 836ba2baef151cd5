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
