"""Tendering's scheduled jobs: fetch due notice sources; remind co-ops and staff of answer and bid deadlines.

Both are idempotent: a source fetched is not due again until its interval (or backoff) has passed, and
releases already stored are skipped; reminders carry dedupe keys, so a second run queues nothing.
"""

from flask import current_app

from consortium.clock import local_today
from consortium.db import as_utc
from consortium.i18n import _l
from consortium.jobs import scheduled_job
from shared_services.tendering import notify, service

ANSWER_REMINDER_DAYS = 3
DEADLINE_REMINDER_DAYS = 7


@scheduled_job("tendering.fetch_notices", trigger="interval", minutes=15,
               label=_l("Fetch tender notices"),
               description=_l("Fetches the new notices of every tender source that is due; a source that fails is "
                              "tried again later."))
def fetch_notices(session, today):
    """Fetch every OCDS notice source that is due; failures are recorded and retried with backoff."""
    runs = service.fetch_due_sources(session, now=service.now_utc(),
                                     our_names=(current_app.config["CONSORTIUM_NAME"],))
    return len(runs)


@scheduled_job("tendering.deadline_reminders", trigger="cron", hour=7, minute=30,
               label=_l("Tender deadline reminders"),
               description=_l("Reminds co-ops that have not answered a notice as answers close, and staff of draft "
                              "bids near their deadline."))
def send_deadline_reminders(session, today):
    """Remind co-ops that have not answered as answers close, and staff of draft bids near the deadline."""
    today = today or local_today()
    sent = 0
    for notice in service.notices_needing_answers(session, today, within_days=ANSWER_REMINDER_DAYS):
        for tenant in service.unanswered_tenants(session, notice.id):
            notify.remind_unanswered(session, notice, tenant, (notice.answers_due - today).days)
            sent += 1
    now = service.now_utc()
    for bid in service.drafts_near_deadline(session, now, within_days=DEADLINE_REMINDER_DAYS):
        days_left = max((as_utc(bid.notice.submission_deadline) - now).days, 0)
        notify.remind_staff_of_deadline(session, bid, days_left)
        sent += 1
    return sent
