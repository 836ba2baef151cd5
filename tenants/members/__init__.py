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
    _audit_words()


def _audit_words():
    """The register in the audit log: a member by name, each field by its form label."""
    from consortium.audit import audit_words
    from consortium.i18n import _l
    from tenants.members.models import CATEGORY_LABELS, Member

    audit_words(Member, _l("member"), name=lambda member: member.name, values={"category": CATEGORY_LABELS}, fields={
        "name": _l("Name"), "email": _l("Email"), "tax_code": _l("Tax code"), "category": _l("Stakeholder category"),
        "joined_on": _l("Joined on"), "left_on": _l("Left on"), "shares_subscribed": _l("Share capital subscribed"),
        "shares_paid": _l("Share capital paid"), "voting_rights": _l("Voting rights"),
        "disadvantaged": _l("Disadvantaged worker (Type B co-ops, Law 381/1991 art. 4)")})
