"""Payroll's scheduled job: the payslip emails of paid runs, rendered and queued outside the paying request."""

from consortium.i18n import _l
from consortium.jobs import scheduled_job
from tenants.payroll import service


@scheduled_job("payroll.payslip_emails", trigger="interval", per_tenant=True, minutes=1,
               label=_l("Payslip emails"),
               description=_l("Emails each employee of a paid pay run their payslip PDF, in batches per co-op."))
def send_payslip_emails(session, today, tenant):
    """Email each employee of a paid pay run their payslip PDF (a batch per co-op and minute)."""
    return service.send_payslip_emails(session, tenant)
