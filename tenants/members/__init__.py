"""Each co-op's members register: members by stakeholder category, share capital, voting rights."""


def register(app, api):
    """Attach the members register's API and pages."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.views import add_coop_section, add_nav_link, add_tenant_home_panel
    from tenants.members import api as members_api
    from tenants.members import views
    from tenants.members.demo import load_demo_members

    api.register_blueprint(members_api.blp)
    app.register_blueprint(views.blp)
    add_nav_link(_l("Members register"), "members.register", "tenant", ("treasurer", "payroll_clerk", "viewer"))
    add_tenant_home_panel("members/_compliance_summary.html", views.compliance_summary, views.READERS)
    add_coop_section("members/_coop_section.html", views.coop_section, order=10)
    add_demo_loader(load_demo_members)
