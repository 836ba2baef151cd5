"""A job's lock: "Run now" and the scheduler (or two clicks) never run the same job at once; the second
attempt is told the job is already running. A holder that died frees the lock (same host: its process
is gone; elsewhere: once its hold expires)."""

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from consortium.db import utcnow
from consortium.extensions import db
from consortium.jobs import JobLock
from consortium.scheduler import JobAlreadyRunning, release_job_lock, run_job, run_scheduled_job, take_job_lock
from tests.conftest import login
from tests.platform.test_scheduler import declare_job, job_runs  # noqa: F401 - the fixture

JOB_ID = "test.locked"


@pytest.fixture
def slow_job(declare_job):  # noqa: F811 - pytest fixture
    """A consortium job that takes 0.6 s and counts its runs; `started` is set while it runs."""
    state = {"runs": 0, "started": threading.Event()}

    @declare_job(JOB_ID, trigger="interval", minutes=5)
    def locked(session, today):
        state["runs"] += 1
        state["started"].set()
        time.sleep(0.6)

    return state


def held_by(app, holder: str, *, host: str, pid: int, expires_in: timedelta) -> None:
    """Write the job's lock as another run would hold it."""
    with app.app_context():
        now = utcnow()
        db.session.merge(JobLock(job_id=JOB_ID, holder=holder, host=host, pid=pid, locked_at=now,
                                 expires_at=now + expires_in))
        db.session.commit()


def lock_row(app) -> JobLock | None:
    with app.app_context():
        row = db.session.scalar(select(JobLock).where(JobLock.job_id == JOB_ID))
        db.session.expunge_all()
        return row


def test_a_second_take_is_refused_until_the_first_releases(app):
    with app.app_context():
        first = take_job_lock(db.session, JOB_ID, seconds=60)
        with pytest.raises(JobAlreadyRunning, match="already running"):
            take_job_lock(db.session, JOB_ID, seconds=60)
        release_job_lock(db.session, JOB_ID, first)
        second = take_job_lock(db.session, JOB_ID, seconds=60)
        assert second != first
        release_job_lock(db.session, JOB_ID, first)  # a stale holder's release frees nothing
        with pytest.raises(JobAlreadyRunning):
            take_job_lock(db.session, JOB_ID, seconds=60)


def test_two_runs_at_once_one_runs_and_the_other_is_told_it_is_already_running(app, slow_job):
    refused = []

    def run():
        try:
            run_job(app, JOB_ID)
        except JobAlreadyRunning as error:
            refused.append(error)

    first = threading.Thread(target=run)
    first.start()
    assert slow_job["started"].wait(10)
    run()  # while the first is still in the job
    first.join(10)
    assert slow_job["runs"] == 1 and len(refused) == 1
    assert [r.status for r in job_runs(app, JOB_ID)] == ["ok"]  # the refused one did not mark it interrupted
    assert lock_row(app).holder is None  # released when the run ended
    run_job(app, JOB_ID)
    assert slow_job["runs"] == 2


def test_run_now_on_the_jobs_page_while_the_scheduler_runs_it_says_already_running(app, client, factory, slow_job):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    held_by(app, "scheduler-run", host=socket.gethostname(), pid=os.getppid(),
            expires_in=timedelta(minutes=30))
    login(client, "admin@example.test")
    answer = client.post("/consortium/jobs", data={"job_id": JOB_ID}, follow_redirects=True)
    assert answer.status_code == 200
    assert "is already running" in answer.get_data(as_text=True)
    assert slow_job["runs"] == 0 and job_runs(app, JOB_ID) == []
    run_scheduled_job.__globals__["_app"] = app  # the scheduler's own entry point skips the slot quietly
    try:
        run_scheduled_job(JOB_ID)
    finally:
        run_scheduled_job.__globals__["_app"] = None
    assert slow_job["runs"] == 0 and lock_row(app).holder == "scheduler-run"


def test_a_holder_whose_process_died_on_this_host_frees_the_lock(app, slow_job):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    held_by(app, "dead-run", host=socket.gethostname(), pid=int(dead.stdout),
            expires_in=timedelta(minutes=30))
    run_job(app, JOB_ID)
    assert slow_job["runs"] == 1


def test_a_holder_on_another_host_holds_it_until_its_hold_expires(app, slow_job):
    held_by(app, "elsewhere", host="other-host.invalid", pid=1, expires_in=timedelta(minutes=30))
    with pytest.raises(JobAlreadyRunning):
        run_job(app, JOB_ID)
    held_by(app, "elsewhere", host="other-host.invalid", pid=1, expires_in=timedelta(seconds=-1))
    run_job(app, JOB_ID)
    assert slow_job["runs"] == 1
