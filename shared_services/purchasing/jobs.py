"""Bulk purchasing's scheduled job: close every round whose closing time has passed.

Idempotent: a round closed (by the job or by hand) is no longer open, so a second run closes nothing. Each
round's close is committed, and its co-ops told in the next transaction (service.close_round): if a close fails,
it rolls back, that round stays open and the run is recorded as failed on the jobs page
(consortium.scheduler.run_job). A round whose co-ops were not told (the process died between the two commits,
or the telling failed) is told on the next run, once.
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
    return service.close_due_rounds(session, service.now_utc(), commit=session.commit)
