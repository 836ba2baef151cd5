"""The scheduler: APScheduler in its own process (`flask --app wsgi scheduler`), and the job runner.

Jobs live in the app's database (`apscheduler_jobs`, APScheduler's SQLAlchemy job store), so a
restart loses nothing. At start every declared job (`consortium.jobs.JOBS`) is written to the
store under its own id with `replace_existing=True` (a restart never duplicates one), and stored
jobs no longer declared are removed. A job missed while the process was down runs once at start
(coalesce, a day's misfire grace), not once per missed slot.

APScheduler stores a reference to `run_scheduled_job` with the job id as its only argument;
that function runs the job through `run_job` with the app of this process (a module global).
"""

import logging
import signal
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.util import utc_timestamp_to_datetime
from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from consortium.clock import local_today
from consortium.db import as_utc, utcnow
from consortium.extensions import db
from consortium.jobs import JOBS, JobRun, JobSpec, apscheduler_jobs, bounded_error_text
from consortium.models import Tenant
from consortium.tenancy import consortium_scope, tenant_scope

MISFIRE_GRACE_SECONDS = 24 * 60 * 60
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1}
# Per-tenant jobs run for every co-op that has not left (spin-outs being incubated keep records too).
RUNNING_TENANT_STATUSES = ("active", "incubating")

log = logging.getLogger(__name__)

class JobStoreMissing(RuntimeError):
    """The database has no `apscheduler_jobs` table yet (the migrations have not run)."""


# The app of the scheduler process; `run_scheduled_job` runs jobs with it.
_app: Flask | None = None


@dataclass(frozen=True)
class RunOutcome:
    """What one run of a job did: the tenants (None: the consortium) it ran for, and which failed."""

    job_id: str
    succeeded: tuple[int | None, ...]
    failed: tuple[int | None, ...]

    def summary(self) -> str:
        """One line for people: how many runs succeeded and failed."""
        total = len(self.succeeded) + len(self.failed)
        if not total:
            return f"{self.job_id}: no co-op to run for."
        return f"{self.job_id}: {len(self.succeeded)} of {total} run(s) succeeded, {len(self.failed)} failed."


def run_job(app: Flask, job_id: str) -> RunOutcome:
    """Run a declared job now: per co-op (each in its own transaction and tenant scope) or once for the consortium.

    A failing run rolls back, is logged with its traceback and recorded in `job_runs`; the
    other co-ops still run.
    """
    spec = JOBS.get(job_id)
    if spec is None:
        raise LookupError(f"no scheduled job is declared with the id {job_id!r}")
    with app.app_context():
        today = local_today()
        if not spec.per_tenant:
            ok = _run_once(app, spec, today, None)
            return RunOutcome(job_id, (None,) if ok else (), () if ok else (None,))
        tenant_ids = db.session.scalars(
            select(Tenant.id).where(Tenant.status.in_(RUNNING_TENANT_STATUSES)).order_by(Tenant.id)
        ).all()
        db.session.rollback()  # each tenant's run starts its own transaction, scoped before it begins
        results = {tenant_id: _run_once(app, spec, today, tenant_id) for tenant_id in tenant_ids}
        return RunOutcome(job_id, tuple(t for t, ok in results.items() if ok),
                          tuple(t for t, ok in results.items() if not ok))


def _run_once(app: Flask, spec: JobSpec, today: date, tenant_id: int | None) -> bool:
    session = db.session
    started_at = utcnow()
    error = None
    scope = consortium_scope(session) if tenant_id is None else tenant_scope(session, tenant_id)
    with scope:
        # Commit or roll back inside the scope: leaving it resets the scope of the open transaction.
        try:
            if tenant_id is None:
                spec.func(session, today)
            else:
                spec.func(session, today, session.get(Tenant, tenant_id))
            session.commit()
        except Exception:
            session.rollback()
            app.logger.exception("job %s failed for %s", spec.id,
                                 "the consortium" if tenant_id is None else f"tenant {tenant_id}")
            error = bounded_error_text(traceback.format_exc())
    # Recorded in a transaction of its own, so a rolled-back run still leaves its trace.
    session.add(JobRun(job_id=spec.id, tenant_id=tenant_id, started_at=started_at, finished_at=utcnow(),
                       ok=error is None, error=error))
    session.commit()
    return error is None


def run_scheduled_job(job_id: str) -> None:
    """What APScheduler calls (by reference, with the job id only): run the job with this process's app."""
    global _app
    if _app is None:
        from consortium.app import create_app

        _app = create_app()
    run_job(_app, job_id)


def consortium_timezone(app: Flask) -> ZoneInfo:
    """The zone cron times are read in (the consortium's)."""
    return ZoneInfo(app.config["CONSORTIUM_TIMEZONE"])


class _NoProcessingOnceStopped:
    """APScheduler 3 wakes its loop once more after `shutdown()` and would take due jobs it can no longer
    run, moving their next run past them (agronholm/apscheduler#285); skip that pass so they stay due."""

    def _process_jobs(self):
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


class ProcessScheduler(_NoProcessingOnceStopped, BlockingScheduler):
    """The scheduler of the `flask scheduler` process: runs in the main thread until shut down."""


class ThreadScheduler(_NoProcessingOnceStopped, BackgroundScheduler):
    """The same scheduler in a background thread (tests, tools)."""


def build_scheduler(app: Flask, scheduler_class: type[BaseScheduler] = ProcessScheduler) -> BaseScheduler:
    """A scheduler of `scheduler_class` whose job store is the app's database, holding every declared job.

    Call inside an app context; jobs are written to the store when the scheduler starts.
    """
    global _app
    _app = app
    engine = db.engine
    if not inspect(engine).has_table(apscheduler_jobs.name):
        raise JobStoreMissing("the job store table is missing: run `flask --app wsgi db upgrade` first")
    store = SQLAlchemyJobStore(engine=engine, tablename=apscheduler_jobs.name)
    scheduler = scheduler_class(timezone=consortium_timezone(app), job_defaults=JOB_DEFAULTS)
    scheduler.add_jobstore(store)
    sync_declared_jobs(scheduler, store)
    return scheduler


def sync_declared_jobs(scheduler: BaseScheduler, store: SQLAlchemyJobStore) -> None:
    """Make the store hold exactly the declared jobs, each under its own id, keeping pending run times."""
    stored = {job.id: job for job in store.get_all_jobs()}
    for job_id in stored.keys() - JOBS.keys():
        store.remove_job(job_id)
        log.info("removed job %s: no longer declared", job_id)
    for spec in JOBS.values():
        trigger = spec.build_trigger(scheduler.timezone)
        previous = stored.get(spec.id)
        keep = {}
        if previous is not None and previous.next_run_time is not None and str(previous.trigger) == str(trigger):
            # Same schedule: keep the stored next run, which may lie in the past if the process was down.
            keep["next_run_time"] = previous.next_run_time
        scheduler.add_job(run_scheduled_job, trigger, args=(spec.id,), id=spec.id, name=spec.id,
                          replace_existing=True, **keep)


def run_scheduler(app: Flask) -> None:
    """Run the scheduler in this process until SIGINT or SIGTERM; then stop cleanly (running jobs finish)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheduler = build_scheduler(app)
    stop_requested = []

    def stop(signum=None, frame=None):
        if signum is not None:
            log.info("scheduler stopping (signal %s)", signum)
            stop_requested.append(signum)
        if stop_requested and scheduler.running:
            scheduler.shutdown(wait=False)

    def on_started(event):
        log.info("scheduler started with %d job(s): %s", len(JOBS), ", ".join(sorted(JOBS)) or "none")
        stop()  # a signal that came while starting stops it now

    scheduler.add_listener(on_started, EVENT_SCHEDULER_STARTED)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not stop_requested:
        scheduler.start()  # blocks until `stop` shuts it down
    log.info("scheduler stopped")


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduled jobs in this process (next to the web server) until Ctrl+C or SIGTERM."""
    try:
        run_scheduler(current_app._get_current_object())
    except JobStoreMissing as error:
        raise click.ClickException(str(error)) from error


@dataclass(frozen=True)
class JobOverview:
    """A declared job as the jobs page shows it (times in the consortium's zone)."""

    spec: JobSpec
    trigger: str
    next_run_at: datetime | None
    last_run: JobRun | None
    last_run_at: datetime | None
    last_error: JobRun | None
    last_error_at: datetime | None
    last_error_tenant: str | None


def job_overview(session: Session, timezone: ZoneInfo) -> list[JobOverview]:
    """Every declared job with its trigger, next run (from the job store), last run and last failed run."""
    next_runs = dict(session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)).all())
    overview = []
    for spec in sorted(JOBS.values(), key=lambda s: s.id):
        latest = select(JobRun).where(JobRun.job_id == spec.id).order_by(JobRun.started_at.desc(),
                                                                          JobRun.id.desc()).limit(1)
        last_run = session.scalar(latest)
        last_error = session.scalar(latest.where(JobRun.ok.is_(False)))
        error_tenant = session.get(Tenant, last_error.tenant_id) if last_error and last_error.tenant_id else None
        next_run_at = utc_timestamp_to_datetime(next_runs.get(spec.id))
        overview.append(JobOverview(
            spec=spec,
            trigger=str(spec.build_trigger(timezone)),
            next_run_at=next_run_at.astimezone(timezone) if next_run_at else None,
            last_run=last_run,
            last_run_at=as_utc(last_run.started_at).astimezone(timezone) if last_run else None,
            last_error=last_error,
            last_error_at=as_utc(last_error.started_at).astimezone(timezone) if last_error else None,
            last_error_tenant=error_tenant.name if error_tenant else None,
        ))
    return overview
