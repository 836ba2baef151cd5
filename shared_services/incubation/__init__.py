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
    from consortium.audit import audit_words
    from consortium.i18n import _l, lazy_pgettext
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
        StageChange,
    )

    audit_words(IncubationProject, _l("incubation project"), name=lambda project: project.working_name,
                values={"stage": STAGE_LABELS, "paused_from": STAGE_LABELS},
                events={("stage", "paused"): _l("%(who)s paused project %(name)s"),
                        ("stage", "closed"): _l("%(who)s closed project %(name)s")},
                fields={"working_name": _l("Working name"), "locality": _l("Locality"), "country": _l("Country"),
                        "intended_legal_form": _l("Intended legal form"), "intended_type": _l("Intended type"),
                        "stage": _l("Stage"), "paused_from": _l("Previous stage"), "started_on": _l("Started on"),
                        "closed_reason": _l("Reason"), "converted_at": _l("Converted into a co-op on")})
    audit_words(StageChange, _l("stage change"), values={"from_stage": STAGE_LABELS, "to_stage": STAGE_LABELS},
                fields={"from_stage": _l("Previous stage"), "to_stage": _l("Stage"), "reason": _l("Reason"),
                        "at": _l("Date")})
    audit_words(FoundingPerson, _l("founder"), name=lambda person: person.name, values={"role": FOUNDER_ROLE_LABELS},
                fields={"name": _l("Name"), "role": _l("Role")})
    audit_words(ChecklistItem, _l("checklist item"), name=lambda item: item.label, values={"stage": STAGE_LABELS},
                fields={"label": lazy_pgettext("checklist", "Item"), "stage": _l("Stage"),
                        "required": _l("Required"), "done_at": _l("Done")})
    audit_words(ChecklistTemplateItem, _l("checklist template item"), name=lambda item: item.label,
                values={"stage": STAGE_LABELS},
                fields={"label": lazy_pgettext("checklist", "Item"), "stage": _l("Stage"), "required": _l("Required")})
    audit_words(Milestone, _l("milestone"), name=lambda milestone: milestone.title,
                fields={"title": _l("Milestone"), "due_on": _l("Due on"), "owner": _l("Owner")})
    audit_words(MeetingNote, _l("meeting note"),
                fields={"met_on": _l("Met on"), "attendees": _l("Attendees"), "decisions": _l("Decisions"),
                        "next_steps": _l("Next steps")})
    audit_words(LoanRequest, _l("loan request"), values={"status": LOAN_REQUEST_STATUS_LABELS},
                events={("status", "granted"): _l("%(who)s granted a loan request"),
                        ("status", "refused"): _l("%(who)s refused a loan request")},
                fields={"amount": _l("Amount"), "months": _l("Months"), "purpose": _l("Purpose"),
                        "status": _l("Status")})
