"""Joint tendering: public notices imported as OCDS, members' interest and capacity per lot, the joint bid and
its allocation, the bid pack, award to contract, and the consortium's pipeline exported as OCDS."""


def register(app, api):
    """Attach tendering's API, pages, navigation, emails, jobs and demo data."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_coop_section, add_nav_link
    from shared_services.tendering import api as tendering_api
    from shared_services.tendering import jobs, notify, views  # noqa: F401 - jobs declare themselves on import
    from shared_services.tendering.demo import load_demo_tendering

    api.register_blueprint(tendering_api.blp)
    api.register_blueprint(tendering_api.coop_blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(views.coop_blp)
    staff = ("consortium_admin", "consortium_staff")
    add_nav_link(_l("Tenders"), "tendering.notices", "consortium", staff)
    add_nav_link(_l("Contracts won"), "tendering.contracts", "consortium", staff)
    add_coop_section("tendering/_coop_section.html", views.coop_section, order=50)
    add_nav_link(_l("Tenders"), "coop_tendering.notices", "tenant", ("treasurer", "viewer"))
    register_email_kind(notify.INVITATION_KIND, _l("A tender notice was opened to your co-op"))
    register_email_kind(notify.ANSWERS_DUE_KIND, _l("Your co-op's answer to a tender is due"))
    register_email_kind(notify.DEADLINE_KIND, _l("A joint bid's submission deadline is near"))
    add_demo_loader(load_demo_tendering)
