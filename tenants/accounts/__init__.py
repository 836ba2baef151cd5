"""Annual accounts of a member co-op: the template, uploads as versions, submission to the consortium."""


def register(app, api):
    """Attach the annual accounts' API, pages, nav link and demo data."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.views import add_coop_section, add_home_tasks, add_nav_link
    from tenants.accounts import api as accounts_api
    from tenants.accounts import views
    from tenants.accounts.demo import load_demo_accounts

    api.register_blueprint(accounts_api.blp)
    app.register_blueprint(views.blp)
    add_nav_link(_l("Annual accounts"), "accounts.index", "tenant", ("treasurer", "viewer"))
    add_home_tasks("tenant", ("treasurer",), views.home_tasks)
    add_coop_section("accounts/_coop_section.html", views.coop_section, order=20)
    add_demo_loader(load_demo_accounts)
