"""Incubation's scheduled job: remind mentors of overdue milestones, at most once a week per milestone."""

from collections import defaultdict

from consortium.jobs import scheduled_job
from consortium.notifications.service import notify_users
from shared_services.incubation import service
from shared_services.incubation.models import STAGE_LABELS

REMINDER_KIND = "incubation.milestone_overdue"


@scheduled_job("incubation.milestone_reminders", trigger="cron", hour=7)
def send_milestone_reminders(session, today):
    """Email each project's mentors the milestones that are past due (idempotent: one reminder per week)."""
    by_project = defaultdict(list)
    projects = {}
    for milestone, project in service.overdue_milestones(session, today):
        by_project[project.id].append(milestone)
        projects[project.id] = project
    year, week, _ = today.isocalendar()
    sent = 0
    for project_id, milestones in by_project.items():
        mentors = service.project_mentors(session, project_id)
        if not mentors:
            continue
        project = projects[project_id]
        for milestone in milestones:
            late = (today - milestone.due_on).days
            notify_users(
                session, users=mentors, kind=REMINDER_KIND, tenant_id=None,
                subject=f"Overdue milestone: {milestone.title} ({project.working_name})",
                body=(f"The milestone “{milestone.title}” of {project.working_name} "
                      f"({STAGE_LABELS[project.stage].lower()}, sponsored by {project.sponsor.name}) was due on "
                      f"{milestone.due_on}, {late} day{'s' if late != 1 else ''} ago"
                      f"{', owner ' + milestone.owner if milestone.owner else ''}.\n"
                      "Mark it reached or agree a new date at your next meeting."),
                dedupe_key=f"incubation.milestone.{milestone.id}.{year}-W{week:02d}",
            )
            sent += 1
    return sent
