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
    _audit_words()


def _audit_words():
    """Incubation in the audit log: a project by its working name, its stage and a loan request's status in words."""
    from consortium.audit import FIELD_SET, audit_words
    from consortium.i18n import _l, lazy_pgettext
    from consortium.views import LEGAL_FORM_LABELS
    from shared_services.incubation.models import (
        FOUNDER_ROLE_LABELS,
        LOAN_REQUEST_STATUS_LABELS,
        STAGE_LABELS,
        ChecklistItem,
        ChecklistTemplateItem,
        FoundingPerson,
        IncubationProject,
        LoanRequest,
        MeetingNote,
        Milestone,
        ObligationRule,
        ProjectDocument,
        StageChange,
    )

    audit_words(IncubationProject, _l("incubation project"), name=lambda project: project.working_name,
                values={"stage": STAGE_LABELS, "paused_from": STAGE_LABELS, "intended_legal_form": LEGAL_FORM_LABELS},
                events={("stage", "paused"): _l("%(who)s paused project %(name)s"),
                        ("stage", "closed"): _l("%(who)s closed project %(name)s"),
                        ("converted_at", FIELD_SET): _l("%(who)s made project %(name)s a member co-op")},
                fields={"working_name": _l("Working name"), "locality": _l("Locality"), "country": _l("Country"),
                        "intended_legal_form": _l("Intended legal form"), "intended_type": _l("Intended type"),
                        "stage": _l("Stage"), "paused_from": _l("Previous stage"), "started_on": _l("Started on"),
                        "closed_reason": _l("Reason"), "converted_at": _l("Converted into a co-op on"),
                        "need": _l("Need it answers"),
                        "conversion_override_reason": _l("Reason to convert although required items are open"),
                        "conversion_overridden_items": _l("Required items still open at the conversion")})
    audit_words(StageChange, _l("stage change"), values={"from_stage": STAGE_LABELS, "to_stage": STAGE_LABELS},
                fields={"from_stage": _l("Previous stage"), "to_stage": _l("Stage"), "reason": _l("Reason"),
                        "at": _l("Date"), "override_reason": _l("Reason to move on although required items are open"),
                        "overridden_items": _l("Required items still open at the move")})
    audit_words(FoundingPerson, _l("founder"), name=lambda person: person.name, values={"role": FOUNDER_ROLE_LABELS},
                fields={"name": _l("Name"), "role": _l("Role"), "email": _l("Email")})
    audit_words(ChecklistItem, _l("checklist item"), name=lambda item: item.label, values={"stage": STAGE_LABELS},
                fields={"label": lazy_pgettext("checklist", "Item"), "stage": _l("Stage"),
                        "required": _l("Required"), "done_at": _l("Done")})
    audit_words(ChecklistTemplateItem, _l("checklist template item"), name=lambda item: item.label,
                values={"stage": STAGE_LABELS},
                fields={"label": lazy_pgettext("checklist", "Item"), "stage": _l("Stage"), "required": _l("Required")})
    audit_words(Milestone, _l("milestone"), name=lambda milestone: milestone.title,
                fields={"title": _l("Milestone"), "due_on": _l("Due on"), "owner": _l("Owner"),
                        "done_on": _l("Reached on")})
    audit_words(MeetingNote, _l("meeting note"),
                fields={"met_on": _l("Met on"), "attendees": _l("Attendees"), "decisions": _l("Decisions"),
                        "next_steps": _l("Next steps")})
    audit_words(LoanRequest, _l("loan request"), values={"status": LOAN_REQUEST_STATUS_LABELS},
                events={("status", "granted"): _l("%(who)s granted a loan request"),
                        ("status", "refused"): _l("%(who)s refused a loan request")},
                fields={"amount": _l("Amount"), "months": _l("Months"), "purpose": _l("Purpose"),
                        "status": _l("Status"), "requested_at": _l("Requested on"), "decided_at": _l("Decided on"),
                        "decision_note": _l("Note on the decision")})
    audit_words(ProjectDocument, _l("project document"), name=lambda document: document.filename,
                fields={"filename": _l("File"), "content_type": _l("File type"), "size": _l("Size (bytes)"),
                        "uploaded_at": _l("Uploaded on")})
    audit_words(ObligationRule, _l("runner obligation rule"),
                fields={"years_from_founding": _l("Years from founding"),
                        "member_threshold": _l("Members at least"), "turnover_threshold": _l("Turnover at least"),
                        "turnover_currency": _l("Currency of the turnover")})
