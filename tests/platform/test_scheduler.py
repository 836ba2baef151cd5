"""The scheduler: job store set-up, per-co-op and consortium runs, failures, misfires, idempotence, jobs page."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consortium.clock import local_today
from consortium.directory import service as directory
from consortium.extensions import db
from consortium.i18n import force_locale
from consortium.jobs import ERROR_TEXT_LIMIT, JOBS, JobRun, apscheduler_jobs, scheduled_job
from consortium.models import Tenant
from consortium.scheduler import RunOutcome, ThreadScheduler, build_scheduler, run_job
from consortium.tenancy import CONSORTIUM_KEY, consortium_scope, current_tenant_id, tenant_scope
from tenants.members import service as members
from tenants.members.models import Member
from tests.conftest import login, unrestricted

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def declare_job():
    """Declare test-only jobs with `@declare_job(id, trigger=..., ...)`; they leave JOBS after the test."""
    declared = []

    def declare(job_id, **options):
        def decorator(func):
            declared.append(job_id)
            return scheduled_job(job_id, **options)(func)

        return decorator

    yield declare
    for job_id in declared:
        JOBS.pop(job_id, None)


def start_and_stop_scheduler(app):
    """What a scheduler process does at start (write the declared jobs to the store), then stop."""
    with app.app_context():
        scheduler = build_scheduler(app, ThreadScheduler)
        scheduler.start(paused=True)
        scheduler.shutdown()


def stored_jobs(app) -> dict[str, float | None]:
    """The job store's rows: id -> next run time (epoch seconds)."""
    with app.app_context():
        return dict(db.session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)).all())


def job_runs(app, job_id) -> list[JobRun]:
    """The recorded runs of one job, oldest first."""
    with app.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)).all()
        db.session.expunge_all()
        return runs


def member_names(app, tenant) -> list[str]:
    """The names in one co-op's members register."""
    with app.app_context(), tenant_scope(db.session, tenant.id):
        return sorted(db.session.scalars(select(Member.name)))


def test_starting_twice_stores_each_declared_job_once_and_drops_retired_ones(app, declare_job):
    @declare_job("test.nightly_check", trigger="cron", hour=3)
    def nightly_check(session, today):
        """Nothing to do."""

    @declare_job("test.retired", trigger="interval", hours=1)
    def retired(session, today):
        """Nothing to do."""

    start_and_stop_scheduler(app)
    first = stored_jobs(app)
    start_and_stop_scheduler(app)
    second = stored_jobs(app)
    assert set(second) == set(JOBS) and len(second) == len(JOBS)
    assert {"test.nightly_check", "test.retired"} <= set(second)
    assert second == first  # a restart keeps the pending run times, it does not reschedule

    JOBS.pop("test.retired")
    start_and_stop_scheduler(app)
    assert set(stored_jobs(app)) == set(JOBS)
    assert "test.retired" not in stored_jobs(app)


def test_declaring_a_misspelt_trigger_field_fails_at_import():
    with pytest.raises(ValueError, match="test.typo: bad cron trigger arguments"):
        scheduled_job("test.typo", trigger="cron", hours=6)(lambda session, today: None)
    assert "test.typo" not in JOBS


def test_per_coop_job_runs_once_for_each_coop_in_its_own_scope(app, factory, two_coops, declare_job):
    factory.member(two_coops["a"], name="Second of A")
    gone = factory.tenant("coop-gone")
    factory.member(gone, name="Left with the co-op")
    with app.app_context(), consortium_scope(db.session):
        directory.update_tenant(db.session, db.session.get(Tenant, gone.id), {"status": "left"})
        db.session.commit()
    seen = {}

    @declare_job("test.count_members", trigger="cron", hour=2, per_tenant=True)
    def count_members(session, today, tenant):
        """Count the co-op's members."""
        seen[tenant.slug] = (current_tenant_id(session), session.scalar(select(func.count(Member.id))), today)

    outcome = run_job(app, "test.count_members")

    with app.app_context():
        today = local_today()
    a, b = two_coops["a"], two_coops["b"]
    assert seen == {"coop-a": (a.id, 2, today), "coop-b": (b.id, 1, today)}
    assert outcome.succeeded == (a.id, b.id) and outcome.failed == ()
    runs = job_runs(app, "test.count_members")
    assert [(r.tenant_id, r.ok, r.error) for r in runs] == [(a.id, True, None), (b.id, True, None)]
    assert all(r.finished_at >= r.started_at for r in runs)


def test_a_failing_coop_is_rolled_back_logged_and_recorded_while_others_succeed(app, two_coops, declare_job, caplog):
    failing = {"coop-b"}

    @declare_job("test.add_job_member", trigger="cron", hour=4, per_tenant=True)
    def add_job_member(session, today, tenant):
        """Add one member made by the job (once), then fail for the co-ops in `failing`."""
        if session.scalar(select(Member.id).where(Member.name == "Made by job")) is None:
            members.add_member(session, {"name": "Made by job", "category": "volunteer", "joined_on": today})
            session.flush()
        if tenant.slug in failing:
            raise RuntimeError("bank feed unavailable")

    a, b = two_coops["a"], two_coops["b"]
    outcome = run_job(app, "test.add_job_member")

    assert outcome.succeeded == (a.id,) and outcome.failed == (b.id,)
    assert member_names(app, a) == ["Alice of A", "Made by job"]
    assert member_names(app, b) == ["Bob of B"]  # the failed run left nothing half-saved
    run_a, run_b = job_runs(app, "test.add_job_member")
    assert (run_a.tenant_id, run_a.ok, run_a.error) == (a.id, True, None)
    assert (run_b.tenant_id, run_b.ok) == (b.id, False)
    assert run_b.error.startswith("Traceback") and "RuntimeError: bank feed unavailable" in run_b.error
    logged = [r for r in caplog.records if r.getMessage() == f"job test.add_job_member failed for tenant {b.id}"]
    assert len(logged) == 1 and logged[0].exc_info is not None

    failing.clear()  # the next run retries the co-op that failed
    outcome = run_job(app, "test.add_job_member")
    assert outcome.succeeded == (a.id, b.id)
    assert member_names(app, b) == ["Bob of B", "Made by job"]
    assert member_names(app, a) == ["Alice of A", "Made by job"]


def test_a_long_traceback_is_kept_to_its_bounded_end(app, declare_job):
    @declare_job("test.verbose_failure", trigger="interval", hours=6)
    def verbose_failure(session, today):
        """Fail with a very long message."""
        raise ValueError("x" * 50_000 + " the end")

    assert run_job(app, "test.verbose_failure").failed == (None,)
    (run,) = job_runs(app, "test.verbose_failure")
    assert len(run.error) == ERROR_TEXT_LIMIT and run.error.rstrip().endswith("x the end")


def test_consortium_job_runs_once_in_the_consortium_scope(app, two_coops, declare_job):
    seen = []

    @declare_job("test.consortium_tally", trigger="cron", day=1, hour=5)
    def consortium_tally(session, today):
        """Count members across the consortium."""
        every_member = select(func.count(Member.id)).execution_options(all_tenants=True)
        seen.append((session.info.get(CONSORTIUM_KEY), current_tenant_id(session), session.scalar(every_member)))

    outcome = run_job(app, "test.consortium_tally")

    assert seen == [(True, None, 2)]
    assert outcome.succeeded == (None,) and outcome.failed == ()
    assert [(r.tenant_id, r.ok) for r in job_runs(app, "test.consortium_tally")] == [(None, True)]


def test_running_an_undeclared_job_names_it(app):
    with pytest.raises(LookupError, match="'test.nowhere'"):
        run_job(app, "test.nowhere")


def test_runs_missed_while_the_scheduler_was_down_are_run_once(app, declare_job):
    @declare_job("test.hourly", trigger="interval", hours=1)
    def hourly(session, today):
        """Nothing to do but be counted."""

    with app.app_context():
        scheduler = build_scheduler(app, ThreadScheduler)
        scheduler.start(paused=True)
        # As if the process had been down for five intervals since the job last ran.
        missed_since = datetime.now(scheduler.timezone) - timedelta(hours=5, minutes=1)
        scheduler.modify_job("test.hourly", next_run_time=missed_since)
        scheduler.shutdown()

    with app.app_context():
        scheduler = build_scheduler(app, ThreadScheduler)  # the restart
        scheduler.start()
        deadline = time.monotonic() + 15
        while not job_runs(app, "test.hourly") and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # room for any further (wrong) catch-up runs
        scheduler.shutdown()

    assert [run.ok for run in job_runs(app, "test.hourly")] == [True]
    assert stored_jobs(app)["test.hourly"] > time.time()  # the next run is in the future again


def test_a_failing_job_never_stops_the_running_scheduler_and_runs_again_on_its_next_run(app, declare_job, caplog):
    calls = []

    @declare_job("test.flaky", trigger="interval", seconds=1)
    def flaky(session, today):
        """Fail on the first run (the bank feed is down), succeed on the next."""
        calls.append(today)
        if len(calls) == 1:
            raise ConnectionError("bank feed unavailable")

    @declare_job("test.steady", trigger="interval", seconds=1)
    def steady(session, today):
        """Nothing to do but be counted."""

    with app.app_context():
        scheduler = build_scheduler(app, ThreadScheduler)
        scheduler.start()
        deadline = time.monotonic() + 20
        while not any(run.ok for run in job_runs(app, "test.flaky")) and time.monotonic() < deadline:
            time.sleep(0.2)
        still_running = scheduler.running
        scheduler.shutdown()

    first, second = job_runs(app, "test.flaky")[:2]
    assert still_running
    assert (first.ok, second.ok) == (False, True)  # retried by its next scheduled run
    assert first.error.startswith("Traceback") and "ConnectionError: bank feed unavailable" in first.error
    logged = [r for r in caplog.records if r.getMessage() == "job test.flaky failed for the consortium"]
    assert logged and logged[0].exc_info is not None  # the log carries the traceback too
    assert any(run.ok for run in job_runs(app, "test.steady"))  # the other job kept its schedule


def table_snapshot(app) -> dict:
    """Row counts of every table (but the run log), and the full rows of any outbox table."""
    snapshot = {}
    with unrestricted(app) as connection:  # every table, private ones too: no app role may read them all
        for table in db.metadata.sorted_tables:
            if table.name == JobRun.__tablename__:
                continue
            snapshot[table.name] = connection.scalar(select(func.count()).select_from(table))
            if "outbox" in table.name:
                rows = connection.execute(select(table)).all()
                snapshot[table.name + " rows"] = sorted(repr(tuple(row)) for row in rows)
    return snapshot


DELIVERY_JOB = "notifications.deliver_outbox"


def _pending_outbox(app) -> int:
    from consortium.notifications.models import OutboxMessage

    with unrestricted(app) as connection:  # every co-op's messages and the consortium's
        return connection.scalar(select(func.count()).select_from(OutboxMessage.__table__).where(
            OutboxMessage.status == "pending"))


def run_each_job(app, job_ids, round_name):
    """Run each job once; every run (every co-op's) must succeed.

    The outbox delivery runs last and until the outbox is empty (it sends 50 messages a run), so whatever the
    reminder jobs queued in this round is delivered in this round, whatever their ids sort like.
    """
    ordered = [job_id for job_id in job_ids if job_id != DELIVERY_JOB]
    for job_id in ordered + ([DELIVERY_JOB] if DELIVERY_JOB in job_ids else []):
        if run_job(app, job_id).failed:
            error = [run.error for run in job_runs(app, job_id) if not run.ok][-1]
            pytest.fail(f"{job_id} failed in the {round_name} round:\n{error}")
    for _ in range(100):
        if DELIVERY_JOB not in job_ids or not _pending_outbox(app):
            break
        run_job(app, DELIVERY_JOB)


def changes_of_second_run(app, job_ids) -> dict:
    """Run the jobs twice; what the second round changed, as {table: (before, after)}."""
    run_each_job(app, job_ids, "first")
    before = table_snapshot(app)
    run_each_job(app, job_ids, "second")
    after = table_snapshot(app)
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def load_demo_data(app):
    """The demo consortium, with every feature's demo records, so jobs have something to act on."""
    from consortium.demo import load_demo

    with app.app_context():
        load_demo(db.session)
        db.session.commit()


def test_every_registered_job_run_twice_changes_nothing_the_second_time(app):
    load_demo_data(app)
    assert changes_of_second_run(app, sorted(JOBS)) == {}


def test_the_idempotence_check_catches_a_job_that_adds_rows_every_time(app, two_coops, declare_job):
    @declare_job("test.not_idempotent", trigger="cron", hour=1, per_tenant=True)
    def add_member_every_time(session, today, tenant):
        """Wrongly adds a member on every run."""
        members.add_member(session, {"name": "Yet another", "category": "volunteer", "joined_on": today})

    changes = changes_of_second_run(app, ["test.not_idempotent"])
    assert changes["members"] == (4, 6)
    assert changes["audit_log"][1] - changes["audit_log"][0] == 2


def test_jobs_page_shows_schedule_runs_and_errors_to_consortium_admins(app, client, factory, declare_job):
    @declare_job("test.exchange_rates", trigger="cron", hour=5, minute=30)
    def fetch_exchange_rates(session, today):
        """Fetch the day's exchange rates."""
        raise ValueError("no exchange rate for GBP")

    @declare_job("test.page_per_coop", trigger="interval", minutes=15, per_tenant=True)
    def page_per_coop(session, today, tenant):
        """Tidy each co-op."""

    factory.tenant("coop-a")
    factory.user("admin@example.test", {"role": "consortium_admin"})
    start_and_stop_scheduler(app)
    login(client, "admin@example.test")

    page = client.get("/consortium/jobs").get_data(as_text=True)
    assert "test.exchange_rates" in page and "Fetch the day&#39;s exchange rates." in page
    assert '<td data-label="Schedule">every day at 05:30</td>' in page  # the schedule in words
    assert " 05:30</td>" in page  # the next run, read from the job store
    assert '<td data-label="Schedule">every 15 minutes</td>' in page and "per co-op" in page
    assert ">Scheduled jobs</a>" in client.get("/").get_data(as_text=True)  # linked from the admin's home page

    response = client.post("/consortium/jobs", data={"job_id": "test.exchange_rates"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "test.exchange_rates: 0 of 1 run succeeded, 1 failed." in page
    assert "<details>" in page and "ValueError: no exchange rate for GBP" in page

    response = client.post("/consortium/jobs", data={"job_id": "test.page_per_coop"}, follow_redirects=True)
    assert "test.page_per_coop: 1 of 1 run succeeded, 0 failed." in response.get_data(as_text=True)
    assert client.post("/consortium/jobs", data={"job_id": "test.nowhere"}).status_code == 404


def test_a_run_summary_reads_in_the_admins_language_with_its_plurals(app):
    with app.test_request_context():
        with force_locale("it"):
            assert RunOutcome("fund.dues", (1, 2), (3,)).summary() == (
                "fund.dues: 2 di 3 esecuzioni riuscite, 1 non riuscita.")
            assert RunOutcome("fund.dues", (None,), ()).summary() == (
                "fund.dues: 1 di 1 esecuzione riuscita, 0 non riuscite.")
            assert RunOutcome("fund.dues", (), ()).summary() == "fund.dues: nessuna cooperativa per cui eseguirlo."
        with force_locale("en"):
            assert RunOutcome("fund.dues", (1, 2), (3, 4)).summary() == "fund.dues: 2 of 4 runs succeeded, 2 failed."


def test_jobs_page_refuses_a_treasurer(app, client, factory, declare_job):
    @declare_job("test.refused", trigger="cron", hour=5)
    def refused(session, today):
        """Must not run for a treasurer."""

    factory.tenant("coop-a")
    factory.user("treasurer@example.test", {"role": "treasurer", "tenant": "coop-a"})
    login(client, "treasurer@example.test")
    assert client.get("/consortium/jobs").status_code == 403
    assert client.post("/consortium/jobs", data={"job_id": "test.refused"}).status_code == 403
    assert job_runs(app, "test.refused") == []
    assert ">Scheduled jobs</a>" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_scheduler_command_stops_cleanly_on_a_signal(app, database, stop_signal):
    environment = {**os.environ, "DATABASE_URL": database["SQLALCHEMY_DATABASE_URI"], "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT,
                               env=environment, stderr=subprocess.PIPE, text=True)
    try:
        started = False
        for line in process.stderr:
            if "scheduler started" in line:
                started = True
                break
        assert started, "the scheduler did not start"
        process.send_signal(stop_signal)
        _, rest = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "scheduler stopped" in rest
    assert set(stored_jobs(app)) == set(JOBS)

