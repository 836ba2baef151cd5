"""Each co-op's training records, role requirements, compliance matrix, certificates and expiry reminders."""


def register(app, api):
    """Attach the co-op's training API, pages, home panel, reminders and public certificate check."""
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_coop_section, add_home_tasks, add_nav_link, add_tenant_home_panel
    from tenants.training import api as training_api
    from tenants.training import jobs, views

    api.register_blueprint(training_api.blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(views.public)
    add_nav_link(_l("Training"), "training.matrix", "tenant", views.READERS)
    add_tenant_home_panel("training/_home_panel.html", views.home_panel, views.READERS)
    add_home_tasks("tenant", ("treasurer", "payroll_clerk"), views.home_tasks)
    add_coop_section("training/_coop_section.html", views.coop_section, order=40)
    register_email_kind(jobs.REMINDER_KIND, _l("A worker's training certificate expires soon or has expired"))
    register_email_kind(jobs.WORKER_REMINDER_KIND, _l("Your own training certificate expires soon (to the worker)"))
    _audit_words()


def _audit_words():
    """Training records in the audit log: a record by its course, its source in words, the compliance figures."""
    from consortium.audit import audit_words
    from consortium.i18n import _l
    from tenants.training.models import (
        ComplianceReport,
        TrainingRecord,
        TrainingRequirement,
        TrainingRole,
        TrainingRoleHolder,
    )
    from tenants.training.views import SOURCE_LABELS

    audit_words(TrainingRecord, _l("training record"), name=lambda record: record.course_title,
                values={"source": SOURCE_LABELS},
                fields={"course_title": _l("Course"), "completed_on": _l("Completed on"),
                        "expires_on": _l("Valid until"), "validity_months": _l("Validity when recorded"),
                        "source": _l("Source"), "provider": _l("Provider"), "notes": _l("Notes"),
                        "verification_code": _l("Verification code"), "created_at": _l("Recorded on"),
                        "certificate_filename": _l("Certificate"), "certificate_type": _l("Certificate file type"),
                        "certificate_size": _l("Certificate size (bytes)")})
    audit_words(TrainingRole, _l("training role"), name=lambda role: role.name,
                fields={"name": _l("Name"), "all_workers": _l("Every worker holds it")})
    # which courses a role needs and who holds it: links between records, read on the roles page
    audit_words(TrainingRequirement, _l("course a training role requires"))
    audit_words(TrainingRoleHolder, _l("holder of a training role"))
    audit_words(ComplianceReport, _l("training compliance"),
                fields={"workers": _l("Workers"), "valid": _l("Valid"), "expiring": _l("Expiring within 90 days"),
                        "expired": _l("Expired"), "missing": _l("Missing"), "percent_compliant": _l("Compliant"),
                        "required": _l("Required courses"), "computed_on": _l("Recorded on")})
