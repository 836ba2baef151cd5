"""Pooled consortium training: the shared course catalogue, sessions open to member co-ops, enrolments,
attendance and results, cost recharges through invoicing, and the consortium's compliance overview."""


def register(app, api):
    """Attach pooled training's API, pages, navigation and demo data; plug the catalogue into co-op records."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.views import add_nav_link
    from shared_services.training import api as pool_api
    from shared_services.training import service, views
    from shared_services.training.demo import load_demo_training
    from tenants.training.service import use_catalogue

    use_catalogue(service.course_lookup)
    api.register_blueprint(pool_api.blp)
    api.register_blueprint(pool_api.coop_blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(views.coop_blp)
    add_nav_link(_l("Pooled training"), "training_enrol.coop_sessions", "tenant", views.COOP_READERS)
    add_nav_link(_l("Training"), "training_pool.overview", "consortium", views.OFFICERS)
    add_demo_loader(load_demo_training)
