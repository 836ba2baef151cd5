"""Benchmark: the lineage tree and the runner-obligation dashboard with 2,000 co-ops over 6 generations.

Targets (median of the timed requests, through the whole Flask stack with a bearer token or session):
lineage JSON < 100 ms, lineage SVG page < 500 ms, obligations JSON < 100 ms. Each figure is printed beside
baselines measured in the same run: the bare SELECT of every co-op and project (what the tree is built from)
and a trivial authenticated API request (the fixed cost of any request), so a slow machine shows as slow
baselines rather than a slow feature.

Data: 2,000 co-ops (20 founders, then 60, 150, 320, 600, 850 per generation, each sponsored by a co-op of
the generation before), 20,000 members, three years of accepted accounts per co-op (each version keeping a
2 KiB stored file, which the dashboard must not read), a runner rule with member and turnover thresholds,
200 live projects with up to 4 stage moves each; bulk-inserted into
PostgreSQL when a test server answers (as the production-like app role, RLS on), otherwise (or with
BENCH_DATABASE=sqlite) SQLite.

Run: `.venv/bin/python -m pytest tests/benchmarks/bench_incubation.py -q -s -p no:xdist -o addopts=''`
or `.venv/bin/python tests/benchmarks/bench_incubation.py`.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, select

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # when run as a plain script
    sys.path.insert(0, str(REPO_ROOT))

from consortium.app import create_app  # noqa: E402
from consortium.extensions import db  # noqa: E402
from consortium.models import Tenant  # noqa: E402
from shared_services.incubation.models import PATH, IncubationProject, ObligationRule, StageChange  # noqa: E402
from tenants.accounts.models import FIGURE_CODES, AccountsVersion  # noqa: E402
from tenants.members.models import Member  # noqa: E402
from tests.conftest import TEST_SETTINGS, PostgresTestDatabase, login, postgres_available, token_for  # noqa: E402

GENERATIONS = (20, 60, 150, 320, 600, 850)
MEMBERS_PER_COOP = 10
PROJECTS = 200
ACCOUNTS_YEARS = (2022, 2023, 2024)
STORED_FILE = b"x" * 2048
RUNS = 15
TARGET_LINEAGE_MS = 100.0
TARGET_SVG_PAGE_MS = 500.0
TARGET_OBLIGATIONS_MS = 100.0
STAFF = "bench.staff@example.test"


@contextmanager
def benchmark_database():
    """(kind, app config, URL that may bulk-insert past RLS) for a fresh migrated database."""
    if os.environ.get("BENCH_DATABASE") != "sqlite" and postgres_available():
        database = PostgresTestDatabase()
        database.create()
        try:
            config = {"SQLALCHEMY_DATABASE_URI": database.url(database.app_role),
                      "MIGRATION_DATABASE_URL": database.url(database.owner), "APP_DB_ROLE": database.app_role}
            # the server's superuser bypasses row-level security, as a bulk load by a DBA would
            yield "postgresql", config, database.base.set(database=database.name).render_as_string(False)
        finally:
            database.drop()
    else:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            yield "sqlite", {"SQLALCHEMY_DATABASE_URI": url}, url


def accounts_rows(tenant_id: int, first_id: int, uploader_id: int, rng) -> list[dict]:
    """Accepted accounts of ACCOUNTS_YEARS for one co-op, turnover between 200,000 and 1,000,000."""
    rows = []
    for offset, year in enumerate(ACCOUNTS_YEARS):
        figures = dict.fromkeys(FIGURE_CODES, Decimal("0.00"))
        figures["turnover_public_contracts"] = Decimal(rng.randint(200_000, 1_000_000))
        figures["net_profit"] = figures["turnover_public_contracts"]
        rows.append({"tenant_id": tenant_id, "id": first_id + offset, "year": year, "version": 1,
                     "status": "accepted", **figures, "trial_balance_accounts": 0, "warnings": [],
                     "filename": f"accounts-{year}.xlsx", "file_format": "xlsx", "file_size": len(STORED_FILE),
                     "file_sha256": "0" * 64, "file_data": STORED_FILE, "uploaded_by_id": uploader_id,
                     "created_at": datetime(year + 1, 3, 1, tzinfo=UTC), "accepted_on": date(year + 1, 5, 1)})
    return rows


def bulk_load(url: str, uploader_id: int, seed: int = 381) -> dict:
    """Insert the co-ops, members, accounts, rule, projects and stage history in a few multi-row INSERTs."""
    rng = random.Random(seed)
    tenants, members, projects, changes, versions = [], [], [], [], []
    previous, next_id = [], 1
    for generation, size in enumerate(GENERATIONS, start=1):
        current = []
        for _ in range(size):
            founded = date(1980 + generation * 7, 1, 1) + timedelta(days=rng.randint(0, 6 * 365))
            tenants.append({"id": next_id, "slug": f"coop-{next_id}", "name": f"Cooperativa {next_id} Gen {generation}",
                            "legal_form": "social_coop_a", "country": "it", "currency": "EUR",
                            "founding_date": founded, "sponsor_id": rng.choice(previous) if previous else None,
                            "status": "active" if rng.random() > 0.03 else "left",
                            "created_at": datetime(2025, 1, 1, tzinfo=UTC)})
            current.append(next_id)
            next_id += 1
        previous = current
    member_id = 1
    for tenant in tenants:
        for _ in range(rng.randint(MEMBERS_PER_COOP - 5, MEMBERS_PER_COOP + 5)):
            members.append({"tenant_id": tenant["id"], "id": member_id, "name": f"Member {member_id}",
                            "category": "worker", "joined_on": date(2020, 1, 1), "left_on": None,
                            "shares_subscribed": Decimal("250.00"), "shares_paid": Decimal("250.00"),
                            "voting_rights": 1, "disadvantaged": False})
            member_id += 1
        versions.extend(accounts_rows(tenant["id"], len(versions) + 1, uploader_id, rng))
    change_id = 1
    for project_id in range(1, PROJECTS + 1):
        stage_index = rng.randint(0, 3)
        start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 300))
        projects.append({"id": project_id, "working_name": f"Progetto {project_id}",
                         "sponsor_id": rng.randint(1, sum(GENERATIONS[:-1])), "country": "it",
                         "intended_legal_form": "social_coop_b", "stage": PATH[stage_index],
                         "started_on": start.date(), "created_at": start})
        for step in range(stage_index + 1):
            changes.append({"id": change_id, "project_id": project_id, "from_stage": PATH[step - 1] if step else None,
                            "to_stage": PATH[step], "at": start + timedelta(days=40 * step)})
            change_id += 1
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Tenant.__table__), tenants)
        connection.execute(insert(Member.__table__), members)
        connection.execute(insert(AccountsVersion.__table__), versions)
        connection.execute(insert(ObligationRule.__table__), [{
            "years_from_founding": 5, "member_threshold": 15, "turnover_threshold": Decimal("900000.00"),
            "turnover_currency": "EUR", "updated_at": datetime(2025, 1, 1, tzinfo=UTC)}])
        connection.execute(insert(IncubationProject.__table__), projects)
        connection.execute(insert(StageChange.__table__), changes)
        if connection.dialect.name == "postgresql":
            for table in ("tenants", "incubation_projects", "incubation_stage_changes"):
                connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                           f"(SELECT max(id) FROM {table}))")
    engine.dispose()
    return {"coops": len(tenants), "members": len(members), "accounts_versions": len(versions),
            "projects": len(projects)}


def median_ms(action, runs: int = RUNS) -> float:
    """Median wall time of `action()` in milliseconds, after one warm-up call."""
    action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def measure() -> dict:
    """Build the data, then time the three targets and the baselines."""
    from consortium.directory import service as directory
    from consortium.migrations import upgrade
    from consortium.tenancy import consortium_scope

    with benchmark_database() as (kind, config, loader_url):
        app = create_app({**TEST_SETTINGS, **config})
        with app.app_context():
            upgrade()
            with consortium_scope(db.session):
                staff, _ = directory.create_user(db.session, {
                    "email": STAFF, "name": "Bench", "password": "bench-password-1",
                    "roles": [{"role": "consortium_staff"}]})
                staff_id = staff.id
            db.session.commit()
            db.engine.dispose()
        loaded = bulk_load(loader_url, staff_id)
        app = create_app({**TEST_SETTINGS, **config})
        api = app.test_client()
        headers = token_for(api, STAFF, "bench-password-1")
        page = app.test_client()
        login(page, STAFF, "bench-password-1")
        tree = _ok(api.get("/api/v1/incubation/lineage", headers=headers)).get_json()
        svg_page = _ok(page.get("/incubation/lineage")).get_data(as_text=True)
        dashboard = _ok(api.get("/api/v1/incubation/obligations", headers=headers)).get_json()

        def bare_query():
            with app.app_context():
                db.session.execute(select(Tenant.id, Tenant.slug, Tenant.name, Tenant.status, Tenant.founding_date,
                                          Tenant.sponsor_id)).all()
                db.session.execute(select(IncubationProject.id, IncubationProject.working_name,
                                          IncubationProject.stage, IncubationProject.sponsor_id,
                                          IncubationProject.tenant_id)).all()
                db.session.remove()

        figures = {
            "database": kind, **loaded, "generations": tree["generations"], "svg_bytes": len(svg_page),
            "by_turnover": sum(1 for row in dashboard["obligations"] if row["triggered_by"] == "turnover"),
            "with_turnover": sum(1 for row in dashboard["obligations"] if row["turnover"] is not None),
            "baseline_bare_query_ms": median_ms(bare_query),
            "baseline_trivial_request_ms": median_ms(lambda: _ok(api.get(
                "/api/v1/incubation/projects?page_size=1", headers=headers))),
            "lineage_json_ms": median_ms(lambda: _ok(api.get("/api/v1/incubation/lineage", headers=headers))),
            "lineage_svg_page_ms": median_ms(lambda: _ok(page.get("/incubation/lineage"))),
            "obligations_ms": median_ms(lambda: _ok(api.get("/api/v1/incubation/obligations", headers=headers))),
        }
        with app.app_context():
            db.engine.dispose()
        return figures


def report(figures: dict) -> str:
    """The figures as lines, each target with its ratio to the baselines."""
    request = figures["baseline_trivial_request_ms"]
    query = figures["baseline_bare_query_ms"]
    lines = [
        f"database {figures['database']}: {figures['coops']} co-ops over {figures['generations']} generations, "
        f"{figures['members']} members, {figures['accounts_versions']} accepted accounts, {figures['projects']} "
        f"projects; median of {RUNS} runs",
        f"  baseline bare SELECT of co-ops + projects : {query:7.1f} ms",
        f"  baseline trivial authenticated request   : {request:7.1f} ms",
    ]
    for key, label, target in (("lineage_json_ms", "lineage JSON", TARGET_LINEAGE_MS),
                               ("lineage_svg_page_ms", "lineage SVG page", TARGET_SVG_PAGE_MS),
                               ("obligations_ms", "obligations JSON", TARGET_OBLIGATIONS_MS)):
        value = figures[key]
        lines.append(f"  {label:<41}: {value:7.1f} ms (target < {target:.0f} ms; {value / query:5.1f}x bare query, "
                     f"{value / request:5.1f}x trivial request)")
    lines.append(f"  SVG page size: {figures['svg_bytes'] / 1024:.0f} KiB; obligations: {figures['with_turnover']} "
                 f"co-ops with accepted accounts, {figures['by_turnover']} brought forward by the turnover threshold")
    return "\n".join(lines)


def test_lineage_and_obligations_meet_their_targets():
    figures = measure()
    print("\n" + report(figures))
    assert figures["coops"] == 2000 and figures["generations"] == 6
    assert figures["with_turnover"] > 1800 and figures["by_turnover"] > 0
    assert figures["lineage_json_ms"] < TARGET_LINEAGE_MS
    assert figures["lineage_svg_page_ms"] < TARGET_SVG_PAGE_MS
    assert figures["obligations_ms"] < TARGET_OBLIGATIONS_MS


if __name__ == "__main__":
    print(report(measure()))
