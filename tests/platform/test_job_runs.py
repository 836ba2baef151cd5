"""Job runs are recorded when they start: a killed run shows as interrupted and the next run resumes it,
redoing the interrupted co-op once and no co-op twice. And the health endpoint with the scheduler heartbeat."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consortium import health
from consortium.db import utcnow
from consortium.extensions import db
from consortium.jobs import SchedulerHeartbeat
from consortium.scheduler import HEARTBEAT_ID, run_job, write_heartbeat
from consortium.tenancy import tenant_scope
from tenants.members import service as members
from tenants.members.models import Member
from tests.conftest import login
from tests.platform.test_scheduler import declare_job, job_runs  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[2]
JOB_ID = "test.resumable"
JOB_NAME = "Added by the job"
# The same job in a process of its own, killed (SIGKILL, no clean-up) in the middle of coop-b's run.
KILLED_RUN = f"""
import os, signal
from datetime import date
from consortium.app import create_app
from consortium.jobs import scheduled_job
from consortium.scheduler import run_job
from tenants.members import service as members

@scheduled_job({JOB_ID!r}, trigger="cron", hour=4, per_tenant=True)
def resumable(session, today, tenant):
    members.add_member(session, {{"name": {JOB_NAME!r}, "category": "worker", "joined_on": date(2020, 1, 1)}})
    session.flush()
    if tenant.slug == "coop-b":
        os.kill(os.getpid(), signal.SIGKILL)

run_job(create_app(), {JOB_ID!r})
"""


def added_by_job(app, tenant) -> int:
    with app.app_context(), tenant_scope(db.session, tenant.id):
        return db.session.scalar(select(func.count()).select_from(Member).where(Member.name == JOB_NAME))


def test_a_killed_run_shows_as_interrupted_and_the_next_run_redoes_only_what_it_had_not_finished(
        app, database, factory, declare_job, client):  # noqa: F811 - pytest fixture
    coops = [factory.tenant(slug) for slug in ("coop-a", "coop-b", "coop-c")]
    factory.user("admin@example.test", {"role": "consortium_admin"})
    environment = {**os.environ, "DATABASE_URL": database["SQLALCHEMY_DATABASE_URI"]}
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN], cwd=ROOT, env=environment, timeout=60,
                            capture_output=True)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    runs = job_runs(app, JOB_ID)
    assert [(r.tenant_id, r.status) for r in runs] == [(coops[0].id, "ok"), (coops[1].id, "running")]
    assert [added_by_job(app, c) for c in coops] == [1, 0, 0]  # coop-b's half-done run was rolled back

    @declare_job(JOB_ID, trigger="cron", hour=4, per_tenant=True)
    def resumable(session, today, tenant):
        members.add_member(session, {"name": JOB_NAME, "category": "worker", "joined_on": date(2020, 1, 1)})

    login(client, "admin@example.test")
    page = client.get("/consortium/jobs").get_data(as_text=True)
    row = page[page.index(JOB_ID):]
    assert "interrupted" in row[:row.index("</tr>")]

    outcome = run_job(app, JOB_ID)
    assert outcome.succeeded == (coops[1].id, coops[2].id) and outcome.failed == ()
    assert [added_by_job(app, c) for c in coops] == [1, 1, 1]  # no co-op twice
    runs = job_runs(app, JOB_ID)
    assert [(r.tenant_id, r.status) for r in runs] == [
        (coops[0].id, "ok"), (coops[1].id, "interrupted"), (coops[1].id, "ok"), (coops[2].id, "ok")]
    assert len({r.batch_id for r in runs}) == 1  # one run, resumed
    assert all(r.finished_at is not None for r in runs)

    # The next run after a finished one is a new run for every co-op.
    assert len(run_job(app, JOB_ID).succeeded) == 3
    assert [added_by_job(app, c) for c in coops] == [2, 2, 2]


def test_a_run_is_recorded_as_running_while_it_runs(app, factory, declare_job):  # noqa: F811
    factory.tenant("coop-a")
    seen = []

    @declare_job("test.observed", trigger="cron", hour=5, per_tenant=True)
    def observed(session, today, tenant):
        seen.extend((r.status, r.finished_at) for r in job_runs(app, "test.observed"))

    run_job(app, "test.observed")
    assert seen == [("running", None)]
    assert [r.status for r in job_runs(app, "test.observed")] == ["ok"]


def test_healthz_reports_database_migrations_and_scheduler(app, client):
    response = client.get("/healthz")
    assert response.status_code == 503  # no scheduler has ever written its heartbeat
    body = response.get_json()
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert body["checks"]["scheduler"] == {"ok": False, "last_heartbeat": None}
    assert client.get("/healthz?scope=web").status_code == 200  # what the load balancer polls

    write_heartbeat(app, utcnow())
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        beat = db.session.get(SchedulerHeartbeat, HEARTBEAT_ID)
        beat.beat_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    assert client.get("/healthz").get_json()["checks"]["scheduler"]["ok"] is False


def test_healthz_fails_when_the_schema_is_behind_the_code(app, client, monkeypatch):
    monkeypatch.setattr(health, "migration_heads", lambda: frozenset({"9999_not_applied"}))
    response = client.get("/healthz?scope=web")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"]["expected"] == ["9999_not_applied"]


@pytest.mark.parametrize("path", ["/healthz", "/healthz?scope=web"])
def test_healthz_needs_no_login_and_is_never_cached(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"
