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
    _audit_words()


def _audit_words():
    """Accounts in the audit log: a version by its year and number, each figure by the template's line label."""
    from consortium.audit import audit_words
    from consortium.i18n import _, _l
    from tenants.accounts.models import AccountsVersion
    from tenants.accounts.parsing import SUMMARY_LINES
    from tenants.accounts.service import STATUS_LABELS

    figures = {line.code: _l(line.label) for line in SUMMARY_LINES if line.code != "financial_year"}
    audit_words(
        AccountsVersion, _l("accounts"),
        name=lambda version: _("%(year)s, version %(version)s", year=version.year, version=version.version),
        values={"status": STATUS_LABELS},
        events={("status", "submitted"): _l("%(who)s submitted the accounts %(name)s"),
                ("status", "returned"): _l("%(who)s returned the accounts %(name)s"),
                ("status", "accepted"): _l("%(who)s accepted the accounts %(name)s"),
                ("status", "reopened"): _l("%(who)s reopened the accounts %(name)s")},
        fields={**figures, "year": _l("Financial year"), "version": _l("Version"), "status": _l("Status"),
                "trial_balance_accounts": _l("Trial balance"), "warnings": _l("Warnings"),
                "encoding_note": _l("Note"), "filename": _l("File"), "file_format": _l("File format"),
                "file_size": _l("File size (bytes)"), "file_sha256": _l("File fingerprint (SHA-256)"),
                "created_at": _l("Uploaded"), "submitted_at": _l("Submitted"),
                "assembly_approved_on": _l("Approved by the assembly on"), "accepted_on": _l("Accepted on"),
                "returned_at": _l("Returned"), "return_comment": _l("Reason"), "reopened_at": _l("Reopened"),
                "reopen_reason": _l("Reason")})
