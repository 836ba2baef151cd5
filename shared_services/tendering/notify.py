"""The emails tendering sends through the outbox: a notice opened to a co-op, answers due, a bid deadline.

Each carries a dedupe key, so a repeated call (a job run twice, a notice opened again) queues nothing new.
"""

from flask import current_app, has_app_context

from consortium.i18n import _
from consortium.models import Tenant
from consortium.notifications.service import notify_users, users_with_consortium_role, users_with_tenant_role

INVITATION_KIND = "tendering.notice_opened"
ANSWERS_DUE_KIND = "tendering.answers_due"
DEADLINE_KIND = "tendering.bid_deadline"


def _base_url() -> str:
    return str(current_app.config.get("PUBLIC_BASE_URL", "")).rstrip("/") if has_app_context() else ""


def invitation_mailer(session):
    """A function emailing a co-op's treasurers that a notice was opened to them."""

    def send(tenant_id: int, notice) -> None:
        tenant = session.get(Tenant, tenant_id)
        notify_users(
            session, users=users_with_tenant_role(session, tenant_id, "treasurer"), kind=INVITATION_KIND,
            tenant_id=tenant_id, dedupe_key=f"tendering.opened.{notice.id}",
            subject=_("Tender opened to you: %(title)s", title=notice.title),
            body=_("The consortium invites %(coop)s to say, lot by lot, whether it wants to take part in the joint "
                   "bid for “%(title)s” (%(buyer)s), with the capacity and cost per unit it can offer.\n"
                   "Answers are due by %(due)s.\n\n%(url)s/t/%(slug)s/tenders/%(id)s\n",
                   coop=tenant.name, title=notice.title, buyer=notice.buyer_name or "—",
                   due=notice.answers_due.isoformat(), url=_base_url(), slug=tenant.slug, id=notice.id))

    return send


def remind_unanswered(session, notice, tenant, days_left: int) -> None:
    """Remind a co-op that has not answered; one reminder per notice, co-op and due date."""
    notify_users(
        session, users=users_with_tenant_role(session, tenant.id, "treasurer"), kind=ANSWERS_DUE_KIND,
        tenant_id=tenant.id, dedupe_key=f"tendering.answers_due.{notice.id}.{notice.answers_due.isoformat()}",
        subject=_("Answer due by %(due)s: %(title)s", due=notice.answers_due.isoformat(), title=notice.title),
        body=_("%(coop)s has not yet answered for “%(title)s”. Answers close on %(due)s (%(days)s days left).\n\n"
               "%(url)s/t/%(slug)s/tenders/%(id)s\n", coop=tenant.name, title=notice.title,
               due=notice.answers_due.isoformat(), days=days_left, url=_base_url(), slug=tenant.slug, id=notice.id))


def remind_staff_of_deadline(session, bid, days_left: int) -> None:
    """Tell consortium staff a draft bid's deadline is near; once per bid version and threshold."""
    notice = bid.notice
    threshold = "1d" if days_left <= 1 else "7d"
    notify_users(
        session, users=users_with_consortium_role(session, "consortium_admin", "consortium_staff"),
        kind=DEADLINE_KIND, tenant_id=None, dedupe_key=f"tendering.deadline.{bid.id}.{threshold}",
        subject=_("Bid deadline in %(days)s days: %(title)s", days=days_left, title=notice.title),
        body=_("The bid for “%(title)s” is still a draft and the submission deadline is %(deadline)s.\n\n"
               "%(url)s/consortium/tenders/%(id)s/bid\n", title=notice.title,
               deadline=notice.submission_deadline.isoformat(), url=_base_url(), id=notice.id))
