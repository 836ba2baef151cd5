"""Bulk purchasing's scheduled job: close every round whose closing time has passed.

Idempotent: a round closed (by the job or by hand) is no longer open, so a second run closes nothing. The
job runs in one transaction: if a close fails, everything rolls back, the rounds stay open and the run is
recorded as failed on the jobs page (consortium.scheduler.run_job).
"""

from consortium.i18n import _l
from consortium.jobs import scheduled_job
from shared_services.purchasing import service


@scheduled_job("purchasing.close_rounds", trigger="interval", minutes=5,
               label=_l("Close purchasing rounds"),
               description=_l("Closes the purchasing rounds whose closing time has passed and sends their purchase "
                              "orders."))
def close_due_rounds(session, today):
    """Close the purchasing rounds whose closing time has passed and send their purchase orders."""
    return service.close_due_rounds(session, service.now_utc())
