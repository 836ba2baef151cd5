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
import os
import signal
import socket
import traceback
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.util import utc_timestamp_to_datetime
from flask import Flask
from sqlalchemy import inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consortium.clock import local_today
from consortium.db import as_utc, utcnow
from consortium.extensions import db
from consortium.i18n import _, feature_catalogue, ngettext
from consortium.jobs import (
    JOBS,
    JobLock,
    JobRun,
    JobSpec,
    SchedulerHeartbeat,
    apscheduler_jobs,
    bounded_error_text,
    schedule_label,
)
from consortium.models import Tenant
from consortium.tenancy import consortium_scope, tenant_scope

MISFIRE_GRACE_SECONDS = 24 * 60 * 60
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1}
# Per-tenant jobs run for every co-op that has not left (spin-outs being incubated keep records too).
RUNNING_TENANT_STATUSES = ("active", "incubating")

# The scheduler writes its heartbeat this often; /healthz and the jobs page call it gone after HEARTBEAT_STALE.
HEARTBEAT_SECONDS = 15
HEARTBEAT_STALE = timedelta(seconds=120)
HEARTBEAT_ID = 1

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
            return _("%(job)s: no co-op to run for.", job=self.job_id)
        succeeded = ngettext("%(done)d of %(num)d run succeeded", "%(done)d of %(num)d runs succeeded", total,
                             done=len(self.succeeded))
        failed = ngettext("%(num)d failed", "%(num)d failed", len(self.failed))
        return _("%(job)s: %(succeeded)s, %(failed)s.", job=self.job_id, succeeded=succeeded, failed=failed)


def run_job(app: Flask, job_id: str) -> RunOutcome:
    """Run a declared job now: per co-op (each in its own transaction and tenant scope) or once for the consortium.

    Each run is recorded in `job_runs` when it starts and again when it ends. A failing run rolls
    back, is logged with its traceback and recorded; the other co-ops still run. If the previous
    run of this job was interrupted (its process died), this run resumes it: the co-op that was
    running is done again once, the co-ops it had finished are not done twice, the rest follow.
    """
    spec = JOBS.get(job_id)
    if spec is None:
        raise LookupError(f"no scheduled job is declared with the id {job_id!r}")
    with app.app_context():
        lock = take_job_lock(db.session, spec.id, seconds=int(app.config["JOB_LOCK_SECONDS"]))
        try:
            return _run_locked(app, spec, lock)
        finally:
            release_job_lock(db.session, spec.id, lock)


def _run_locked(app: Flask, spec: JobSpec, lock: str) -> RunOutcome:
    today = local_today()
    batch_id, finished = _resume_or_start_batch(db.session, spec.id)
    if not spec.per_tenant:
        ok = _run_once(app, spec, today, None, batch_id, lock)
        return RunOutcome(spec.id, (None,) if ok else (), () if ok else (None,))
    tenant_ids = db.session.scalars(
        select(Tenant.id).where(Tenant.status.in_(RUNNING_TENANT_STATUSES)).order_by(Tenant.id)
    ).all()
    db.session.rollback()  # each tenant's run starts its own transaction, scoped before it begins
    results = {tenant_id: _run_once(app, spec, today, tenant_id, batch_id, lock)
               for tenant_id in tenant_ids if tenant_id not in finished}
    return RunOutcome(spec.id, tuple(t for t, ok in results.items() if ok),
                      tuple(t for t, ok in results.items() if not ok))


class JobAlreadyRunning(RuntimeError):
    """Another run of the same job holds its lock (the scheduler, another "Run now", another worker)."""

    def __init__(self, job_id: str, since: datetime | None):
        super().__init__(f"job {job_id} is already running (since {since:%Y-%m-%d %H:%M:%S} UTC)" if since
                         else f"job {job_id} is already running")
        self.job_id = job_id
        self.since = since


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True


def take_job_lock(session: Session, job_id: str, *, seconds: int) -> str:
    """Take the job's lock for this run and return its holder id, or raise JobAlreadyRunning.

    One conditional UPDATE, the same on SQLite and PostgreSQL: it takes the row only if nobody holds it,
    or its hold expired, or (same host) its process is gone. Two runs racing for the row: PostgreSQL
    re-checks the condition on the row the first one wrote and the second updates nothing; SQLite writes
    one at a time. The row is made on the job's first run (a second maker hits the primary key).
    """
    holder, now, host, pid = str(uuid.uuid4()), utcnow(), socket.gethostname(), os.getpid()
    held = session.scalar(select(JobLock).where(JobLock.job_id == job_id))
    if held is None:
        try:
            session.add(JobLock(job_id=job_id, holder=holder, host=host, pid=pid, locked_at=now,
                                expires_at=now + timedelta(seconds=seconds)))
            session.commit()
            return holder
        except IntegrityError:
            session.rollback()  # made by a run starting at the same moment: take it below, if it is free
            held = session.scalar(select(JobLock).where(JobLock.job_id == job_id))
    free = or_(JobLock.holder.is_(None), JobLock.expires_at < now)
    if held.holder is not None and held.host == host and held.pid is not None and held.pid != pid \
            and not _process_alive(held.pid):
        free = or_(free, JobLock.holder == held.holder)  # its process died here: free, unless retaken meanwhile
    taken = session.execute(
        update(JobLock).where(JobLock.job_id == job_id, free)
        .values(holder=holder, host=host, pid=pid, locked_at=now, expires_at=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)).rowcount
    since = held.locked_at
    session.commit()
    if taken != 1:
        raise JobAlreadyRunning(job_id, as_utc(since) if since else None)
    return holder


def renew_job_lock(session: Session, job_id: str, holder: str, *, seconds: int) -> None:
    """Push the lock's expiry on (each co-op's run of a long per-co-op job starts with it)."""
    session.execute(update(JobLock).where(JobLock.job_id == job_id, JobLock.holder == holder)
                    .values(expires_at=utcnow() + timedelta(seconds=seconds))
                    .execution_options(synchronize_session=False))
    session.commit()


def release_job_lock(session: Session, job_id: str, holder: str) -> None:
    """Free the lock if this run still holds it."""
    session.rollback()
    session.execute(update(JobLock).where(JobLock.job_id == job_id, JobLock.holder == holder)
                    .values(holder=None, host=None, pid=None, expires_at=None)
                    .execution_options(synchronize_session=False))
    session.commit()


def _resume_or_start_batch(session: Session, job_id: str) -> tuple[str, set[int | None]]:
    """The batch this run belongs to and the co-ops (None: the consortium) already finished in it.

    Rows still 'running' belong to a run whose process died (the caller holds the job's lock, so no
    other run of this job is alive): they are marked 'interrupted' and their batch is resumed.
    """
    stale = session.scalars(select(JobRun).where(JobRun.job_id == job_id, JobRun.status == "running")
                            .order_by(JobRun.started_at.desc(), JobRun.id.desc())).all()
    if not stale:
        session.rollback()
        return str(uuid.uuid4()), set()
    now = utcnow()
    for run in stale:
        run.status = "interrupted"
        run.finished_at = now
        run.error = "Interrupted: the process running this job stopped before it finished; resumed by the next run."
    batch_id = stale[0].batch_id or str(uuid.uuid4())
    finished = set(session.scalars(select(JobRun.tenant_id).where(
        JobRun.batch_id == batch_id, JobRun.status.in_(("ok", "failed")))))
    session.commit()
    log.warning("job %s: resuming interrupted run %s (%d co-op(s) already done)", job_id, batch_id, len(finished))
    return batch_id, finished


def _run_once(app: Flask, spec: JobSpec, today: date, tenant_id: int | None, batch_id: str, lock: str) -> bool:
    session = db.session
    renew_job_lock(session, spec.id, lock, seconds=int(app.config["JOB_LOCK_SECONDS"]))
    # Recorded before the job starts, in a transaction of its own, so a killed process leaves a trace.
    run = JobRun(job_id=spec.id, tenant_id=tenant_id, batch_id=batch_id, started_at=utcnow(), status="running")
    session.add(run)
    session.commit()
    run_id = run.id
    error = None
    scope = consortium_scope(session) if tenant_id is None else tenant_scope(session, tenant_id)
    # The job's emails and PDFs read its own feature's words first, as that feature's pages do.
    with scope, feature_catalogue(spec.func.__module__):
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
    # Finished in a transaction of its own, so a rolled-back run still leaves its trace.
    run = session.get(JobRun, run_id)
    run.status = "ok" if error is None else "failed"
    run.finished_at = utcnow()
    run.error = error
    session.commit()
    return error is None


def run_scheduled_job(job_id: str) -> None:
    """What APScheduler calls (by reference, with the job id only): run the job with this process's app."""
    global _app
    if _app is None:
        from consortium.app import create_app

        _app = create_app()
    try:
        run_job(_app, job_id)
    except JobAlreadyRunning as running:  # someone pressed "Run now" just before: this slot is skipped
        log.info("%s; the scheduled run is skipped", running)


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
    # The heartbeat belongs to this process only: kept in memory, never in the shared job store.
    started_at = utcnow()
    scheduler.add_jobstore(MemoryJobStore(), "process")
    scheduler.add_job(write_heartbeat, "interval", seconds=HEARTBEAT_SECONDS, args=(app, started_at),
                      id="scheduler.heartbeat", jobstore="process")
    write_heartbeat(app, started_at)
    return scheduler


def write_heartbeat(app: Flask, started_at: datetime) -> None:
    """Record that this scheduler process is alive (one row; the newest process overwrites it)."""
    with app.app_context():
        try:
            db.session.merge(SchedulerHeartbeat(id=HEARTBEAT_ID, host=socket.gethostname()[:255], pid=os.getpid(),
                                                started_at=started_at, beat_at=utcnow()))
            db.session.commit()
        except Exception as error:  # the database may be down: the next beat tries again
            db.session.rollback()
            log.warning("scheduler heartbeat not written: %s", error.__class__.__name__)
        finally:
            db.session.remove()


def scheduler_heartbeat(session: Session) -> SchedulerHeartbeat | None:
    """The last heartbeat of the scheduler process, or None if none ever ran."""
    return session.get(SchedulerHeartbeat, HEARTBEAT_ID)


def scheduler_alive(heartbeat: SchedulerHeartbeat | None, now: datetime | None = None) -> bool:
    """True if the scheduler wrote its heartbeat within HEARTBEAT_STALE."""
    return heartbeat is not None and (now or utcnow()) - as_utc(heartbeat.beat_at) <= HEARTBEAT_STALE


def run_status(run: JobRun | None, heartbeat: SchedulerHeartbeat | None) -> str | None:
    """How a run looks now: a 'running' row whose scheduler died (or was restarted since) is 'interrupted'.

    Runs started from the jobs page run in a web worker and are shown only once they finish.
    """
    if run is None or run.status != "running":
        return run.status if run else None
    if not scheduler_alive(heartbeat) or as_utc(heartbeat.started_at) > as_utc(run.started_at):
        return "interrupted"
    return "running"


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


@dataclass(frozen=True)
class JobOverview:
    """A declared job as the jobs page shows it (times in the consortium's zone)."""

    spec: JobSpec
    trigger: str
    schedule: str
    next_run_at: datetime | None
    last_run: JobRun | None
    last_run_status: str | None
    last_run_at: datetime | None
    last_error: JobRun | None
    last_error_at: datetime | None
    last_error_tenant: str | None


def job_overview(session: Session, timezone: ZoneInfo) -> list[JobOverview]:
    """Every declared job with its trigger, next run (from the job store), last run and last failed run."""
    next_runs = dict(session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)).all())
    heartbeat = scheduler_heartbeat(session)
    overview = []
    for spec in sorted(JOBS.values(), key=lambda s: s.id):
        latest = select(JobRun).where(JobRun.job_id == spec.id).order_by(JobRun.started_at.desc(),
                                                                          JobRun.id.desc()).limit(1)
        last_run = session.scalar(latest)
        last_error = session.scalar(latest.where(JobRun.status.in_(("failed", "interrupted"))))
        error_tenant = session.get(Tenant, last_error.tenant_id) if last_error and last_error.tenant_id else None
        next_run_at = utc_timestamp_to_datetime(next_runs.get(spec.id))
        overview.append(JobOverview(
            spec=spec,
            trigger=str(spec.build_trigger(timezone)),
            schedule=schedule_label(spec),
            next_run_at=next_run_at.astimezone(timezone) if next_run_at else None,
            last_run=last_run,
            last_run_status=run_status(last_run, heartbeat),
            last_run_at=as_utc(last_run.started_at).astimezone(timezone) if last_run else None,
            last_error=last_error,
            last_error_at=as_utc(last_error.started_at).astimezone(timezone) if last_error else None,
            last_error_tenant=error_tenant.name if error_tenant else None,
        ))
    return overview
