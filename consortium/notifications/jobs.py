"""The delivery job: every minute, send the outbox messages that are due."""

from flask import current_app

from consortium.db import utcnow
from consortium.i18n import _l
from consortium.jobs import scheduled_job
from consortium.notifications import service


@scheduled_job("notifications.deliver_outbox", trigger="interval", per_tenant=False, minutes=1,
               label=_l("Deliver emails and webhooks"),
               description=_l("Sends the emails and webhook deliveries that are due; a failed one is tried again "
                              "later, waiting longer each time."))
def deliver_outbox(session, today):
    """Send due emails and webhook deliveries; failures are retried later with backoff."""
    # Each message's outcome is committed as soon as it is known: a crash re-sends at most the one in flight.
    run = service.deliver_due_messages(session, now=utcnow(), config=current_app.config, after_each=session.commit)
    if run.delivered or run.retrying or run.failed:
        current_app.logger.info("outbox: %s delivered, %s to retry, %s failed", run.delivered, run.retrying,
                                run.failed)
    return run
