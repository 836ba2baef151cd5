"""Benchmark: a co-op's compliance matrix and the consortium's training overview at consortium scale.

Data: 200 co-ops x 60 workers (12,000 members) x 15 required courses (8 refreshed yearly, 7 every three years)
with five years of records (each worker's history of each course: about 648,000 records), one role per co-op
requiring all 15 courses, and each co-op's reported figures computed through the service. Bulk-inserted into
PostgreSQL when a test server answers (the app then reads as the production-like app role, RLS on), otherwise
(or with BENCH_DATABASE=sqlite) SQLite.

Targets (median of the timed requests, through the whole Flask stack with a bearer token): matrix JSON of one
co-op < 100 ms, consortium overview JSON < 300 ms, each printed beside baselines measured in the same run: the
bare grouped SELECT the matrix is built from, and a trivial authenticated API request.

Run: `.venv/bin/python -m pytest tests/benchmarks/bench_training.py -q -s -p no:xdist -o addopts=''`
or `.venv/bin/python tests/benchmarks/bench_training.py`.
"""

import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # when run as a plain script
    sys.path.insert(0, str(REPO_ROOT))

from consortium.app import create_app  # noqa: E402
from consortium.clock import local_today  # noqa: E402
from consortium.extensions import db  # noqa: E402
from consortium.models import Tenant  # noqa: E402
from consortium.tenancy import consortium_scope, tenant_scope  # noqa: E402
from shared_services.training.models import TrainingCourse  # noqa: E402
from tenants.members.models import Member  # noqa: E402
from tenants.training import service as records  # noqa: E402
from tenants.training.models import TrainingRecord, TrainingRequirement, TrainingRole  # noqa: E402
from tests.benchmarks.common import benchmark_database, median_ms  # noqa: E402
from tests.conftest import TEST_SETTINGS, token_for  # noqa: E402

COOPS = 200
WORKERS = 60
YEARLY, THREE_YEARLY = 8, 7
YEARS = 5
RUNS = 15
TARGET_MATRIX_MS = 100.0
TARGET_OVERVIEW_MS = 300.0
STAFF = "bench.staff@example.test"
TREASURER = "bench.treasurer@example.test"
PASSWORD = "bench-password-1"


def _expiry(completed: date, months: int) -> date:
    return records.expiry_for(completed, months)


def bulk_load(url: str, today: date, seed: int = 381) -> dict:
    """Insert co-ops, workers, courses, one role per co-op and five years of records in multi-row INSERTs."""
    rng = random.Random(seed)
    courses = [{"id": i + 1, "code": f"C{i + 1:02d}", "title": f"Course {i + 1:02d}", "topic": "other",
                "delivery": "classroom", "validity_months": 12 if i < YEARLY else 36, "active": True,
                "created_at": datetime(2025, 1, 1, tzinfo=UTC)} for i in range(YEARLY + THREE_YEARLY)]
    tenants, members, roles, requirements = [], [], [], []
    engine = create_engine(url)
    record_id, member_id, loaded_records = 1, 1, 0
    with engine.begin() as connection:
        connection.execute(insert(TrainingCourse.__table__), courses)
    for tenant_id in range(1, COOPS + 1):
        tenants.append({"id": tenant_id, "slug": f"coop-{tenant_id}", "name": f"Cooperativa {tenant_id}",
                        "legal_form": "social_coop_a", "country": "it", "currency": "EUR", "status": "active",
                        "created_at": datetime(2025, 1, 1, tzinfo=UTC)})
    with engine.begin() as connection:
        connection.execute(insert(Tenant.__table__), tenants)
    for tenant in tenants:
        tid = tenant["id"]
        workers = []
        for _ in range(WORKERS):
            members.append({"tenant_id": tid, "id": member_id, "name": f"Worker {member_id}", "category": "worker",
                            "joined_on": date(2018, 1, 1), "left_on": None, "shares_subscribed": Decimal("250.00"),
                            "shares_paid": Decimal("250.00"), "voting_rights": 1, "disadvantaged": False})
            workers.append(member_id)
            member_id += 1
        roles.append({"tenant_id": tid, "id": tid, "name": "Care worker", "all_workers": True})
        requirements += [{"tenant_id": tid, "id": tid * 100 + c["id"], "role_id": tid, "course_id": c["id"]}
                         for c in courses]
        rows = []
        with engine.begin() as connection:
            connection.execute(insert(Member.__table__), members[-WORKERS:])
        for worker in workers:
            for course in courses:
                if rng.random() < 0.03:
                    continue  # never trained
                period = course["validity_months"] * 30
                completed = today - timedelta(days=rng.randint(5, int(period * 1.1)))
                while completed >= today - timedelta(days=365 * YEARS):
                    rows.append({"tenant_id": tid, "id": record_id, "member_id": worker, "course_id": course["id"],
                                 "course_title": course["title"], "validity_months": course["validity_months"],
                                 "completed_on": completed, "expires_on": _expiry(completed,
                                                                                  course["validity_months"]),
                                 "source": "external", "verification_code": f"{tid}-B{record_id:011d}",
                                 "created_at": datetime(2025, 1, 1, tzinfo=UTC)})
                    record_id += 1
                    completed -= timedelta(days=period)
        with engine.begin() as connection:
            connection.execute(insert(TrainingRecord.__table__), rows)
        loaded_records += len(rows)
    with engine.begin() as connection:
        connection.execute(insert(TrainingRole.__table__), roles)
        connection.execute(insert(TrainingRequirement.__table__), requirements)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT setval(pg_get_serial_sequence('tenants', 'id'), "
                                       "(SELECT max(id) FROM tenants))")
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"coops": len(tenants), "workers": len(members), "courses": len(courses), "records": loaded_records}


def _ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def measure() -> dict:
    """Build the data, compute each co-op's report through the service, then time the targets and baselines."""
    from consortium.directory import service as directory
    from consortium.migrations import upgrade

    with benchmark_database() as (kind, config, loader_url):
        app = create_app({**TEST_SETTINGS, **config})
        with app.app_context():
            upgrade()
            today = local_today()
            db.engine.dispose()
        loaded = bulk_load(loader_url, today)
        app = create_app({**TEST_SETTINGS, **config})
        with app.app_context():
            with consortium_scope(db.session):
                directory.create_user(db.session, {"email": STAFF, "name": "Staff", "password": PASSWORD,
                                                   "roles": [{"role": "consortium_staff"}]})
                directory.create_user(db.session, {"email": TREASURER, "name": "Treasurer", "password": PASSWORD,
                                                   "roles": [{"role": "treasurer", "tenant": "coop-100"}]})
            db.session.commit()
            tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
            started = time.perf_counter()
            for tenant_id in tenant_ids:
                with tenant_scope(db.session, tenant_id):
                    records.refresh_report(db.session, tenant_id, today)
                db.session.commit()
            reports_s = time.perf_counter() - started
            target = db.session.scalar(select(Tenant.id).where(Tenant.slug == "coop-100"))
            db.session.remove()
        api = app.test_client()
        coop = token_for(api, TREASURER, PASSWORD)
        staff = token_for(api, STAFF, PASSWORD)
        matrix = _ok(api.get("/api/v1/t/coop-100/training/matrix", headers=coop)).get_json()
        overview = _ok(api.get("/api/v1/consortium/training/overview", headers=staff)).get_json()

        def bare_query():
            with app.app_context(), tenant_scope(db.session, target):
                db.session.execute(select(TrainingRecord.member_id, TrainingRecord.course_id,
                                          func.max(TrainingRecord.expires_on))
                                   .group_by(TrainingRecord.member_id, TrainingRecord.course_id)).all()
                db.session.remove()

        figures = {
            "database": kind, **loaded, "reports_s": reports_s,
            "matrix_rows": len(matrix["rows"]), "matrix_courses": len(matrix["courses"]),
            "overview_coops": len(overview["coops"]),
            "baseline_bare_query_ms": median_ms(bare_query, RUNS),
            "baseline_trivial_request_ms": median_ms(lambda: _ok(api.get(
                "/api/v1/consortium/training/courses?page_size=1", headers=coop)), RUNS),
            "matrix_ms": median_ms(lambda: _ok(api.get("/api/v1/t/coop-100/training/matrix", headers=coop)), RUNS),
            "overview_ms": median_ms(lambda: _ok(api.get("/api/v1/consortium/training/overview", headers=staff)),
                                     RUNS),
        }
        with app.app_context():
            db.engine.dispose()
        return figures


def report(figures: dict) -> str:
    """The figures as lines, each target with its ratio to the baselines."""
    request = figures["baseline_trivial_request_ms"]
    query = figures["baseline_bare_query_ms"]
    lines = [
        f"database {figures['database']}: {figures['coops']} co-ops, {figures['workers']} workers, "
        f"{figures['courses']} required courses, {figures['records']} records over {YEARS} years; "
        f"median of {RUNS} runs",
        f"  every co-op's report computed through the service: {figures['reports_s']:.1f} s in all",
        f"  baseline bare grouped SELECT of one co-op : {query:7.1f} ms",
        f"  baseline trivial authenticated request    : {request:7.1f} ms",
    ]
    for key, label, target in (("matrix_ms", "co-op compliance matrix JSON", TARGET_MATRIX_MS),
                               ("overview_ms", "consortium overview JSON", TARGET_OVERVIEW_MS)):
        value = figures[key]
        lines.append(f"  {label:<42}: {value:7.1f} ms (target < {target:.0f} ms; {value / query:5.1f}x bare query, "
                     f"{value / request:5.1f}x trivial request)")
    return "\n".join(lines)


def test_matrix_and_overview_meet_their_targets():
    figures = measure()
    print("\n" + report(figures))
    assert figures["coops"] == COOPS and figures["workers"] == COOPS * WORKERS
    assert figures["matrix_rows"] == WORKERS and figures["matrix_courses"] == YEARLY + THREE_YEARLY
    assert figures["overview_coops"] == COOPS
    assert figures["matrix_ms"] < TARGET_MATRIX_MS
    assert figures["overview_ms"] < TARGET_OVERVIEW_MS


if __name__ == "__main__":
    print(report(measure()))
