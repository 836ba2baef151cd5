"""Strawberry-patch incubation: spin-out projects, mentors, stages, milestones, the lineage tree and the
runner obligation every member co-op carries."""


def register(app, api):
    """Attach incubation's API, pages, navigation, demo data and scheduled jobs."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_home_tasks, add_nav_link
    from shared_services.incubation import api as incubation_api
    from shared_services.incubation import jobs, views
    from shared_services.incubation.demo import load_demo_incubation

    api.register_blueprint(incubation_api.blp)
    app.register_blueprint(views.blp)
    add_nav_link(_l("My projects"), "incubation.my_projects", "mentor", ("mentor",))
    officers = ("consortium_admin", "consortium_staff")
    add_nav_link(_l("Incubation"), "incubation.projects", "consortium", officers)
    add_nav_link(_l("Lineage"), "incubation.lineage_page", "consortium", officers)
    add_nav_link(_l("Runner obligation"), "incubation.obligations", "consortium", officers)
    add_home_tasks("consortium", officers, views.staff_home_tasks)
    add_home_tasks("mentor", ("mentor",), views.mentor_home_tasks)
    add_demo_loader(load_demo_incubation)
    register_email_kind(jobs.REMINDER_KIND, _l("An incubation milestone you mentor is overdue"))
