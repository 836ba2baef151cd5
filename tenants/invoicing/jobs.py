"""Invoicing's scheduled job: overdue reminders through the outbox, every morning, per co-op."""

from consortium.i18n import _l
from consortium.jobs import scheduled_job
from tenants.invoicing import service


@scheduled_job("invoicing.overdue_reminders", trigger="cron", per_tenant=True, hour=6, minute=0,
               label=_l("Overdue invoice reminders"),
               description=_l("Reminds treasurers (and customers who agreed to it) of invoices overdue by the co-op's "
                              "reminder days."))
def send_overdue_reminders(session, today, tenant):
    """Remind treasurers (and customers who agreed) of invoices overdue by the co-op's reminder days."""
    return service.send_overdue_reminders(session, tenant, today)
