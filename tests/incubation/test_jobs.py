"""Overdue milestones remind the project's mentors through the outbox, once a week at most."""

from datetime import timedelta

from sqlalchemy import select

from consortium.clock import local_today
from consortium.extensions import db
from consortium.jobs import JOBS
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import consortium_scope
from shared_services.incubation.jobs import REMINDER_KIND, send_milestone_reminders
from tests.conftest import unrestricted


def _run(app, today):
    with app.app_context(), consortium_scope(db.session):
        sent = send_milestone_reminders(db.session, today)
        db.session.commit()
        return sent


def _outbox(app):
    with unrestricted(app) as connection:  # co-ops' messages: the consortium reader may not read them
        return [tuple(m) for m in connection.execute(
            select(OutboxMessage.recipient, OutboxMessage.subject).where(OutboxMessage.kind == REMINDER_KIND)
            .order_by(OutboxMessage.id))]


def test_job_is_declared_daily_at_seven():
    spec = JOBS["incubation.milestone_reminders"]
    assert spec.trigger == "cron" and spec.trigger_args == {"hour": 7} and not spec.per_tenant


def test_overdue_milestones_remind_the_mentor_once(app, client, incubation):
    today = local_today()
    api = f"/api/v1/incubation/projects/{incubation['one']}/milestones"
    late = client.post(api, headers=incubation["staff"], json={"title": "Bank account opened",
                                                               "due_on": str(today - timedelta(days=4))}).get_json()
    client.post(api, headers=incubation["staff"], json={"title": "Future", "due_on": str(today + timedelta(days=30))})
    done = client.post(api, headers=incubation["staff"], json={"title": "Done already",
                                                               "due_on": str(today - timedelta(days=9))}).get_json()
    client.patch(f"{api}/{done['id']}", headers=incubation["staff"], json={"done_on": str(today)})
    _run(app, today)
    messages = _outbox(app)
    assert messages == [("mentor.one@example.test", "Overdue milestone: Bank account opened (Project One)")]
    _run(app, today)  # the job runs again the same day: nothing new
    assert len(_outbox(app)) == 1
    _run(app, today + timedelta(days=7))  # a week later it is still overdue: one more reminder
    assert len(_outbox(app)) == 2
    client.patch(f"{api}/{late['id']}", headers=incubation["staff"], json={"done_on": str(today)})
    _run(app, today + timedelta(days=14))
    assert len(_outbox(app)) == 2


def test_closed_projects_and_removed_mentors_get_no_reminders(app, client, incubation):
    today = local_today()
    for key in ("one", "two"):
        client.post(f"/api/v1/incubation/projects/{incubation[key]}/milestones", headers=incubation["staff"],
                    json={"title": "Late", "due_on": str(today - timedelta(days=2))})
    client.post(f"/api/v1/incubation/projects/{incubation['one']}/stage", headers=incubation["staff"],
                json={"to": "closed", "reason": "Group split"})
    client.delete(f"/api/v1/incubation/projects/{incubation['two']}/mentors/{incubation['mentor_two_id']}",
                  headers=incubation["staff"])
    _run(app, today)
    assert _outbox(app) == []
