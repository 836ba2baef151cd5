"""Scheduled jobs: features declare them in their own `jobs.py` with `@scheduled_job`.

A job is a plain function taking `(session, today)` and, for per-tenant jobs, `tenant`.
The runner (`consortium.scheduler.run_job`) gives it an app context, an explicit scope (the
tenant, or the consortium) and one transaction per tenant; it must be idempotent, so running
it twice changes nothing the second time. Cron fields are read in the consortium's time zone
(CONSORTIUM_TIMEZONE).

This module also holds the two tables of the jobs room: `job_runs` (one row per run, per
tenant) and `apscheduler_jobs` (APScheduler's own job store, declared here with exactly the
columns its `SQLAlchemyJobStore` expects so the migration, not APScheduler, creates it).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
)
from sqlalchemy.orm import Mapped, mapped_column

from consortium.db import Base, sql_list, utcnow

TRIGGERS = {"cron": CronTrigger, "interval": IntervalTrigger}


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: id, the function, and its APScheduler trigger ('cron' or 'interval')."""

    id: str
    func: Callable
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    per_tenant: bool = False
    description: str = ""  # what the jobs page says it does: a lazy translatable text (else the docstring)
    label: str = ""  # its name on the jobs page, translatable (else its id)

    def build_trigger(self, timezone: tzinfo) -> BaseTrigger:
        """The APScheduler trigger for this job; times without a zone are in `timezone`."""
        return TRIGGERS[self.trigger](**{"timezone": timezone, **self.trigger_args})


JOBS: dict[str, JobSpec] = {}


def schedule_label(spec: JobSpec) -> str:
    """A job's schedule in words: "every day at 07:00", "every 15 minutes" (else the trigger's own text)."""
    from consortium.i18n import _

    args = spec.trigger_args
    if spec.trigger == "interval" and set(args) <= {"minutes", "hours"} and len(args) == 1:
        if "minutes" in args:
            return _("every minute") if args["minutes"] == 1 else _("every %(num)s minutes", num=args["minutes"])
        return _("every hour") if args["hours"] == 1 else _("every %(num)s hours", num=args["hours"])
    if spec.trigger == "cron" and set(args) <= {"hour", "minute"} and isinstance(args.get("hour"), int):
        time = f"{args['hour']:02d}:{int(args.get('minute', 0)):02d}"
        return _("every day at %(time)s", time=time)
    return str(spec.build_trigger(UTC))


def scheduled_job(job_id: str, *, trigger: str, per_tenant: bool = False, label=None, description=None,
                  **trigger_args):
    """Declare a job: `@scheduled_job("invoicing.reminders", trigger="cron", hour=6, per_tenant=True,
    label=_l("Overdue invoice reminders"), description=_l("Remind ..."))`; the page shows `label` and
    `description` in the reader's language (mark them with `_l` in the feature's own package)."""
    if trigger not in TRIGGERS:
        raise ValueError(f"job {job_id}: trigger must be 'cron' or 'interval', not {trigger!r}")

    def decorator(func):
        spec = JobSpec(job_id, func, trigger, trigger_args, per_tenant,
                       description if description is not None else (func.__doc__ or "").strip(), label or job_id)
        try:
            spec.build_trigger(UTC)  # a misspelt field fails at import, not in the scheduler at 6 a.m.
        except (TypeError, ValueError) as error:
            raise ValueError(f"job {job_id}: bad {trigger} trigger arguments {trigger_args}: {error}") from error
        JOBS[job_id] = spec
        return func

    return decorator


# Tracebacks are kept up to this many characters (the end, where the error is named).
ERROR_TEXT_LIMIT = 10_000


# 'running' is written (and committed) when a run starts; a process killed mid-run leaves it so,
# and the next run of the job marks it 'interrupted'.
JOB_RUN_STATUSES = ("running", "ok", "failed", "interrupted")


class JobRun(Base):
    """One run of a job: for a per-tenant job, one row per co-op; a failed run keeps the traceback.

    A platform table (the scheduler's own log, not a co-op record). The rows of one run of a job
    share `batch_id`, so an interrupted run can be resumed for the co-ops it had not finished.
    """

    __tablename__ = "job_runs"
    __tenancy__ = "platform"
    __platform_reason__ = ("the scheduler records each co-op's run after leaving that co-op's scope; it holds a job"
                           " id, times and an error text, no co-op record")
    __audited__ = False  # technical log of the scheduler, not a business record

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(191))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(36))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="running", server_default="ok")
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_job_runs_job_started", "job_id", "started_at"),
        Index("ix_job_runs_batch", "batch_id"),
        CheckConstraint(f"status IN {sql_list(JOB_RUN_STATUSES)}", name="status"),
    )

    @property
    def ok(self) -> bool:
        """True if the run finished without error."""
        return self.status == "ok"


class SchedulerHeartbeat(Base):
    """The scheduler process's sign of life, written every HEARTBEAT_SECONDS; /healthz reads it. Platform table."""

    __tablename__ = "scheduler_heartbeats"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1: there is one scheduler
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobLock(Base):
    """Who is running a job right now: one row per job, taken with a conditional UPDATE (platform table).

    A manual "Run now" and the scheduler (or two clicks) never run the same job at once: the second is
    told it is already running. The holder clears it when the run ends; a holder that died leaves it,
    and it is free again once its process is gone (same host) or `expires_at` has passed.
    """

    __tablename__ = "job_locks"
    __audited__ = False

    job_id: Mapped[str] = mapped_column(String(191), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(36))  # a random id per run; NULL: free
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def bounded_error_text(text: str) -> str:
    """`text` cut to ERROR_TEXT_LIMIT characters, keeping its end (the exception's own line)."""
    if len(text) <= ERROR_TEXT_LIMIT:
        return text
    return "…" + text[-(ERROR_TEXT_LIMIT - 1):]


# APScheduler's job store table, column for column as `SQLAlchemyJobStore` defines it
# (191 = the longest indexable key on MySQL; Float(25) = an 8-byte float of epoch seconds).
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
