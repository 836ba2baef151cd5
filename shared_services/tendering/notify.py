"""The emails tendering sends through the outbox: a notice opened to a co-op, answers due, a bid deadline.

Each carries a dedupe key, so a repeated call (a job run twice, a notice opened again) queues nothing new.
A co-op's email is written in the co-op's language, a staff member's in their own
(`consortium.notifications.service.notify_coop` and `notify_staff`).
"""

from consortium.i18n import _, format_date, format_datetime
from consortium.models import Tenant
from consortium.notifications.service import notify_coop, notify_staff, public_url

INVITATION_KIND = "tendering.notice_opened"
ANSWERS_DUE_KIND = "tendering.answers_due"
DEADLINE_KIND = "tendering.bid_deadline"


def invitation_mailer(session):
    """A function emailing a co-op's treasurers that a notice was opened to them."""

    def send(tenant_id: int, notice) -> None:
        tenant = session.get(Tenant, tenant_id)
        notify_coop(session, tenant, kind=INVITATION_KIND, dedupe_key=f"tendering.opened.{notice.id}", text=lambda: (
            _("Tender opened to you: %(title)s", title=notice.title),
            _("The consortium invites %(coop)s to say, lot by lot, whether it wants to take part in the joint "
              "bid for “%(title)s” (%(buyer)s), with the capacity and cost per unit it can offer.\n"
              "Answers are due by %(due)s.\n\n%(url)s\n",
              coop=tenant.name, title=notice.title, buyer=notice.buyer_name or "—",
              due=format_date(notice.answers_due), url=public_url(f"/t/{tenant.slug}/tenders/{notice.id}"))))

    return send


def remind_unanswered(session, notice, tenant, days_left: int) -> None:
    """Remind a co-op that has not answered; one reminder per notice, co-op and due date."""
    notify_coop(
        session, tenant, kind=ANSWERS_DUE_KIND,
        dedupe_key=f"tendering.answers_due.{notice.id}.{notice.answers_due.isoformat()}", text=lambda: (
            _("Answer due by %(due)s: %(title)s", due=format_date(notice.answers_due), title=notice.title),
            _("%(coop)s has not yet answered for “%(title)s”. Answers close on %(due)s (%(days)s days left).\n\n"
              "%(url)s\n", coop=tenant.name, title=notice.title, due=format_date(notice.answers_due),
              days=days_left, url=public_url(f"/t/{tenant.slug}/tenders/{notice.id}"))))


def remind_staff_of_deadline(session, bid, days_left: int) -> None:
    """Tell consortium staff a draft bid's deadline is near; once per bid version and threshold."""
    notice = bid.notice
    threshold = "1d" if days_left <= 1 else "7d"
    notify_staff(session, kind=DEADLINE_KIND, dedupe_key=f"tendering.deadline.{bid.id}.{threshold}", text=lambda: (
        _("Bid deadline in %(days)s days: %(title)s", days=days_left, title=notice.title),
        _("The bid for “%(title)s” is still a draft and the submission deadline is %(deadline)s.\n\n%(url)s\n",
          title=notice.title, deadline=format_datetime(notice.submission_deadline),
          url=public_url(f"/consortium/tenders/{notice.id}/bid"))))
