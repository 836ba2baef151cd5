"""Training's daily job per co-op: expiry reminders through the outbox and the figures reported to the consortium.

Idempotent: each reminder carries a dedupe key per record and threshold, so a rerun queues nothing new, and an
unchanged report is not rewritten.
"""

from consortium.i18n import _, _l, force_locale
from consortium.jobs import scheduled_job
from consortium.notifications.service import enqueue_email, notify_users, users_with_tenant_role
from tenants.training import service

REMINDER_KIND = "training.expiry"
WORKER_REMINDER_KIND = "training.expiry_worker"
# The co-op's training lead: its treasurers (the platform has no separate training-lead role yet).
LEAD_ROLES = ("treasurer",)
LANGUAGE_BY_COUNTRY = {"it": "it", "uk": "en"}


def reminder_text(due: service.DueReminder, tenant_name: str) -> tuple[str, str]:
    """Subject and body of one reminder."""
    record = due.record
    names = {"worker": due.worker_name, "course": record.course_title, "expires": record.expires_on.isoformat(),
             "completed": record.completed_on.isoformat(), "days": due.threshold}
    if due.threshold == 0:
        subject = _("Training expired: %(course)s (%(worker)s)", **names)
        opening = _("The %(course)s certificate of %(worker)s expired on %(expires)s.", **names)
    else:
        subject = _("Training expires within %(days)s days: %(course)s (%(worker)s)", **names)
        opening = _("The %(course)s certificate of %(worker)s (completed on %(completed)s) expires on %(expires)s.",
                    **names)
    body = "\n".join([opening, _("Book a refresher: the consortium's pooled sessions are listed on the training "
                                 "pages of %(coop)s. Verification code of the current certificate: %(code)s.",
                                 coop=tenant_name, code=record.verification_code)])
    return subject, body


@scheduled_job("training.expiry_reminders", trigger="cron", per_tenant=True, hour=6, minute=30,
               label=_l("Certificate expiry reminders"),
               description=_l("Reminds the co-op's training lead (and the worker, if they have an email) 90, 30 and 7 "
                              "days before a certificate expires and on the day."))
def send_expiry_reminders(session, today, tenant):
    """Remind the co-op's training lead (and the worker, if they have an email) at 90, 30, 7 days and on expiry."""
    leads = users_with_tenant_role(session, tenant.id, *LEAD_ROLES)
    queued = 0
    for due in service.due_reminders(session, today):
        language = LANGUAGE_BY_COUNTRY.get(tenant.country, "en")  # the co-op's language, not the server's
        with force_locale(language):
            subject, body = reminder_text(due, tenant.name)
        key = f"training.expiry.{due.record.id}.{due.threshold}"
        queued += len(notify_users(session, users=leads, kind=REMINDER_KIND, subject=subject, body=body,
                                   tenant_id=tenant.id, dedupe_key=key, language=language))
        if due.worker_email:
            queued += len(enqueue_email(session, to=due.worker_email, subject=subject, body=body,
                                        kind=WORKER_REMINDER_KIND, tenant_id=tenant.id, dedupe_key=key,
                                        language=language))
    service.refresh_report(session, tenant.id, today)
    return queued
