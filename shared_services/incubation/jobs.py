"""Incubation's scheduled job: remind mentors of overdue milestones, at most once a week per milestone."""

from collections import defaultdict

from flask import current_app

from consortium.i18n import _, _l, force_locale, format_date, ngettext
from consortium.jobs import scheduled_job
from consortium.notifications.service import notify_users
from shared_services.incubation import service
from shared_services.incubation.models import STAGE_LABELS

REMINDER_KIND = "incubation.milestone_overdue"


@scheduled_job("incubation.milestone_reminders", trigger="cron", hour=7,
               label=_l("Milestone reminders"),
               description=_l("Emails each project's mentors the milestones past their due date, once a week."))
def send_milestone_reminders(session, today):
    """Email each project's mentors the milestones that are past due (idempotent: one reminder per week)."""
    by_project = defaultdict(list)
    projects = {}
    for milestone, project in service.overdue_milestones(session, today):
        by_project[project.id].append(milestone)
        projects[project.id] = project
    year, week, _weekday = today.isocalendar()
    sent = 0
    for project_id, milestones in by_project.items():
        mentors = service.project_mentors(session, project_id)
        if not mentors:
            continue
        project = projects[project_id]
        for milestone in milestones:
            late = (today - milestone.due_on).days
            for mentor in mentors:  # each mentor reads it in their own language, else the consortium's
                with force_locale(mentor.language or current_app.config["CONSORTIUM_LANGUAGE"]):
                    owner = _(", owner %(owner)s", owner=milestone.owner) if milestone.owner else ""
                    notify_users(
                        session, users=[mentor], kind=REMINDER_KIND, tenant_id=None,
                        subject=_("Overdue milestone: %(title)s (%(project)s)", title=milestone.title,
                                  project=project.working_name),
                        body=ngettext(
                            "The milestone “%(title)s” of %(project)s (%(stage)s, sponsored by %(sponsor)s) was due "
                            "on %(date)s, %(num)d day ago%(owner)s.",
                            "The milestone “%(title)s” of %(project)s (%(stage)s, sponsored by %(sponsor)s) was due "
                            "on %(date)s, %(num)d days ago%(owner)s.", late, title=milestone.title,
                            project=project.working_name, stage=str(STAGE_LABELS[project.stage]).lower(),
                            sponsor=project.sponsor.name, date=format_date(milestone.due_on), owner=owner)
                        + "\n" + _("Mark it reached or agree a new date at your next meeting."),
                        dedupe_key=f"incubation.milestone.{milestone.id}.{year}-W{week:02d}",
                    )
            sent += 1
    return sent
