"""The consortium's mutual fund: members' yearly contributions in, loans and guarantees out."""


def register(app, api):
    """Attach the accounts review, the fund's API and pages, its reminders job and demo data."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_coop_section, add_home_tasks, add_nav_link
    from shared_services.mutual_fund import api as fund_api
    from shared_services.mutual_fund import jobs, views
    from shared_services.mutual_fund.demo import load_demo_fund

    for blueprint in (fund_api.review_blp, fund_api.fund_blp, fund_api.coop_blp):
        api.register_blueprint(blueprint)
    for blueprint in (views.review_blp, views.fund_blp, views.coop_blp):
        app.register_blueprint(blueprint)
    staff = ("consortium_admin", "consortium_staff")
    add_nav_link(_l("Accounts review"), "accounts_review.submissions", "consortium", staff)
    add_nav_link(_l("Mutual fund"), "mutual_fund.overview", "consortium", staff)
    add_nav_link(_l("Contributions"), "contributions.history", "tenant", ("treasurer", "viewer"))
    add_home_tasks("tenant", ("treasurer",), views.coop_home_tasks)
    add_home_tasks("consortium", staff, views.staff_home_tasks)
    add_coop_section("mutual_fund/_coop_section.html", views.coop_section, order=30)
    register_email_kind(jobs.REMINDER_KIND, _l("Reminders of mutual-fund contributions due and overdue"))
    add_demo_loader(load_demo_fund)
