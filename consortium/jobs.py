"""Scheduled jobs: features declare them in their own `jobs.py` with `@scheduled_job`.

A job is a plain function taking `(session, today)` and, for per-tenant jobs, `tenant`.
The runner (`run_job`) gives it an app context, an explicit scope (the tenant, or the
consortium) and one transaction per tenant; it must be idempotent, so running it twice
changes nothing the second time.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: id, the function, and its APScheduler trigger ('cron' or 'interval')."""

    id: str
    func: Callable
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    per_tenant: bool = False
    description: str = ""


JOBS: dict[str, JobSpec] = {}


def scheduled_job(job_id: str, *, trigger: str, per_tenant: bool = False, **trigger_args):
    """Declare a job: `@scheduled_job("invoicing.reminders", trigger="cron", hour=6, per_tenant=True)`."""
    if trigger not in ("cron", "interval"):
        raise ValueError(f"job {job_id}: trigger must be 'cron' or 'interval', not {trigger!r}")

    def decorator(func):
        JOBS[job_id] = JobSpec(job_id, func, trigger, trigger_args, per_tenant, (func.__doc__ or "").strip())
        return func

    return decorator
