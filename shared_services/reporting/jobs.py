"""Reporting's scheduled jobs: each co-op reports its yearly aggregates to the consortium;
remind each co-op's treasurers before the social report (30 June) and, for UK
societies, the AR30 annual return (7 months after the year end) fall due.

Idempotent: each reminder carries a dedupe key (co-op, year, deadline, threshold), so a second run queues nothing.
"""

from consortium.clock import local_today
from consortium.i18n import _l
from consortium.jobs import scheduled_job
from shared_services.reporting import notify, service

# Days before a deadline the reminders go out.
REMINDER_DAYS = (30, 7)


def _threshold(today, due) -> int | None:
    """The reminder threshold `today` falls in (30 then 7 days before), or None outside both windows."""
    days = (due - today).days
    if days < 0:
        return None
    return next((t for t in sorted(REMINDER_DAYS) if days <= t), None)


@scheduled_job("reporting.deadline_reminders", trigger="cron", per_tenant=True, hour=7, minute=15,
               label=_l("Social report and annual return reminders"),
               description=_l("Reminds each co-op of its social report (Italy) or its AR30 annual return (UK) as the "
                              "deadline nears."))
def send_deadline_reminders(session, today, tenant):
    """Remind the co-op of its social report (Italy) or AR30 return (UK) as the deadline nears."""
    today = today or local_today()
    year = today.year - 1
    sent = 0
    if tenant.country == "it":
        due = service.social_report_due(year)
        threshold = _threshold(today, due)
        if threshold is not None and service.report_state_in_scope(session, year) != "filed":
            sent += notify.remind_social_report(session, tenant, year, due, threshold)
    elif tenant.country == "uk":
        # a year end stated before 31 December (31 March, say) makes this year's return fall due this year too
        for financial_year in (year, today.year):
            year_end = service.year_end_of(session, financial_year)
            due = service.ar30_due(year_end)
            threshold = _threshold(today, due) if year_end < today else None
            if threshold is not None:
                sent += notify.remind_ar30(session, tenant, financial_year, due, threshold, year_end)
    return sent


@scheduled_job("reporting.report_figures", trigger="cron", per_tenant=True, hour=6, minute=40,
               label=_l("Reported figures"),
               description=_l("Counts each co-op's worker members and its invoicing by customer type, in its own "
                              "scope, for the consortium's reports."))
def report_figures(session, today, tenant):
    """Count the co-op's worker members and its invoicing by customer type, in its own scope, for the consortium."""
    today = today or local_today()
    return service.refresh_reported_figures(session, tenant, service.years_to_report(session, today))
