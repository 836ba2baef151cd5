"""Mutual-fund jobs: remind each co-op's treasurers of contributions coming due and overdue."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app

from consortium.i18n import _, _l, format_date, format_number
from consortium.jobs import scheduled_job
from consortium.notifications.service import notify_coop
from shared_services.mutual_fund import service
from shared_services.mutual_fund.models import Contribution

REMINDER_KIND = "mutual_fund.contribution_reminder"


@dataclass(frozen=True)
class Reminder:
    """One reminder to send: before or after the due date, by how many days, under which dedupe key."""

    contribution: Contribution
    when: str  # "before" or "after"
    days: int

    @property
    def dedupe_key(self) -> str:
        """One reminder per contribution and reminder day, whatever the number of runs."""
        return f"mutual_fund.reminder:{self.contribution.id}:{self.when}:{self.days}"


def due_reminder(contribution: Contribution, today: date, days_before: list[int],
                 days_after: list[int]) -> Reminder | None:
    """The latest reminder point reached today for an unpaid contribution, if any.

    Only the latest: a co-op whose job did not run for a week gets one reminder, not a burst.
    Before-the-due-date reminders stop once the date has passed.
    """
    if contribution.status not in ("due", "part_paid") or contribution.outstanding <= 0:
        return None
    due = contribution.due_date
    if today < due:
        reached = [(due - timedelta(days=d), "before", d) for d in days_before if due - timedelta(days=d) <= today]
    else:
        reached = [(due + timedelta(days=d), "after", d) for d in days_after if due + timedelta(days=d) <= today]
    if not reached:
        return None
    _, when, days = max(reached)
    return Reminder(contribution, when, days)


def reminder_text(reminder: Reminder, today: date, explanation: str, pay_to: str | None = None) -> tuple[str, str]:
    """Subject and body of a reminder email sent on `today`, in the language being written; `explanation` is how
    the amount was worked out now, `pay_to` the fund's bank account (`service.pay_to_text`)."""
    c = reminder.contribution
    values = dict(year=c.year, owed=f"{format_number(c.outstanding, 2)} {c.currency}", due=format_date(c.due_date),
                  days=(today - c.due_date).days, account=pay_to, reference=c.reference, explanation=explanation)
    if reminder.when == "before":
        subject = _("Mutual fund contribution %(year)s: %(owed)s due by %(due)s", **values)
        opening = _("Your co-op's %(year)s contribution to the mutual fund is due by %(due)s.", **values)
    else:
        subject = _("Overdue: mutual fund contribution %(year)s, %(owed)s", **values)
        opening = _("Your co-op's %(year)s contribution to the mutual fund was due on %(due)s and is now %(days)s "
                    "days overdue.", **values)
    if pay_to:
        payment = _("Please pay by bank transfer to %(account)s, quoting the reference %(reference)s in the "
                    "description, so the payment is matched to the contribution.", **values)
    else:
        payment = _("Please pay by bank transfer quoting the reference %(reference)s in the description, so the "
                    "payment is matched to the contribution.", **values)
    body = "\n".join([opening, "", _("Still owed: %(owed)s.", **values), payment, "",
                      _("How it was worked out: %(explanation)s", **values), ""])
    return subject, body


@scheduled_job("mutual_fund.contribution_reminders", trigger="cron", per_tenant=True, hour=7,
               label=_l("Mutual fund contribution reminders"),
               description=_l("Emails each co-op's treasurers before and after the due date of every contribution not "
                              "yet paid."))
def send_contribution_reminders(session, today: date, tenant) -> int:
    """Email the co-op's treasurers before and after each unpaid contribution's due date (once per reminder day)."""
    settings = service.get_settings(session, current_app.config["CONSORTIUM_JURISDICTION"])
    contributions = session.scalars(service.own_contributions_query()).all()
    reminders = [r for c in contributions
                 if (r := due_reminder(c, today, settings.reminder_days_before, settings.reminder_days_after))]
    if not reminders:
        return 0
    sent = 0
    for reminder in reminders:
        def text(reminder=reminder):  # written in the co-op's language, the explanation too
            explanation = service.current_terms(reminder.contribution, settings.legal_reserve_share).explanation
            return reminder_text(reminder, today, explanation, service.pay_to_text(settings))

        sent += len(notify_coop(session, tenant, kind=REMINDER_KIND, dedupe_key=reminder.dedupe_key, text=text))
    return sent
