"""Consortium reporting: the membership at a glance with charts, each co-op's dashboard beside the consortium's
medians, the social report (bilancio sociale) per co-op and consolidated, the UK annual-return calendar, exports."""


def register(app, api):
    """Attach reporting's API, pages, navigation, emails, jobs and demo data."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_nav_link
    from shared_services.reporting import api as reporting_api
    from shared_services.reporting import jobs, notify, views  # noqa: F401 - jobs declare themselves on import
    from shared_services.reporting.demo import load_demo_reporting

    api.register_blueprint(reporting_api.blp)
    api.register_blueprint(reporting_api.coop_blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(views.coop_blp)
    add_nav_link(_l("Reports"), "reporting.dashboard", "consortium", ("consortium_admin", "consortium_staff"))
    add_nav_link(_l("Reports"), "coop_reporting.dashboard", "tenant", ("treasurer", "viewer"))
    register_email_kind(notify.SOCIAL_REPORT_KIND, _l("Your co-op's social report is due"))
    register_email_kind(notify.AR30_KIND, _l("Your society's annual return (AR30) is due"))
    add_demo_loader(load_demo_reporting)
    _audit_words()


def _audit_words():
    """Social reports in the audit log, by their year and state."""
    from consortium.audit import audit_words
    from consortium.i18n import _l
    from shared_services.reporting.models import STATE_LABELS, ReportedFigures, SocialReport

    audit_words(SocialReport, _l("social report"), name=lambda report: str(report.year),
                values={"state": STATE_LABELS},
                events={("state", "approved"): _l("%(who)s recorded the assembly's approval of social report %(name)s"),
                        ("state", "filed"): _l("%(who)s filed social report %(name)s")},
                fields={"year": _l("Year"), "state": _l("Status"), "sections": _l("Sections"),
                        "snapshot": _l("Figures"), "approved_on": _l("Approved on"), "filed_on": _l("Filed on"),
                        "created_at": _l("Created"), "updated_at": _l("Updated")})
    audit_words(ReportedFigures, _l("figures reported to the consortium"), name=lambda figures: str(figures.year),
                fields={"year": _l("Year"), "workers": _l("Workers"), "disadvantaged": _l("Disadvantaged workers"),
                        "invoiced_by_type": _l("Invoiced by type of customer"), "refreshed_at": _l("Counted on"),
                        "year_end": _l("Year end"), "total_assets": _l("Total assets"),
                        "training_hours": _l("Training hours"), "training_completions": _l("Courses completed"),
                        "training_without_hours": _l("Courses completed without hours")})
