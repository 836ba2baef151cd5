"""Benchmark: accepting accounts (and creating the contribution), and the consortium's contributions list
for 1,000 co-ops over 10 years.

Targets (median of timed requests through the whole Flask stack with a bearer token):
`POST /api/v1/consortium/accounts/<id>/accept` < 50 ms; `GET /api/v1/consortium/mutual-fund/contributions`
(first page of 100 of the 10,000, with its total count; and one year's) < 100 ms. Baselines measured in the
same run: the bare SQL of the list page (the same SELECT ... LIMIT 100 and COUNT on a raw connection) and
a trivial authenticated API request (the fixed cost of any request), so a slow machine shows as slow
baselines rather than a slow feature.

Data: 1,000 co-ops, 10 accepted years of accounts each with their contributions (10,000), and 40 more
co-ops' accounts submitted for review; bulk-inserted into PostgreSQL when a test server answers (the app
itself connects as the non-owner app role, RLS on), otherwise (or with BENCH_DATABASE=sqlite) SQLite.

Run: `.venv/bin/python -m pytest tests/benchmarks/bench_mutual_fund.py -q -s -p no:xdist -o addopts=''`
or `.venv/bin/python tests/benchmarks/bench_mutual_fund.py`.
"""

import random
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # when run as a plain script
    sys.path.insert(0, str(REPO_ROOT))

from consortium.app import create_app  # noqa: E402
from consortium.extensions import db  # noqa: E402
from consortium.models import Tenant  # noqa: E402
from shared_services.mutual_fund.calculations import compute_contribution  # noqa: E402
from shared_services.mutual_fund.models import Contribution  # noqa: E402
from tenants.accounts.models import FIGURE_CODES, AccountsVersion  # noqa: E402
from tests.benchmarks.common import benchmark_database  # noqa: E402
from tests.benchmarks.common import median_ms as common_median_ms  # noqa: E402
from tests.conftest import TEST_SETTINGS, token_for  # noqa: E402

COOPS = 1_000
YEARS = 10
FIRST_YEAR = 2014
SUBMITTED = 40
RUNS = 25
TARGET_ACCEPT_MS = 50.0
TARGET_LIST_MS = 100.0
STAFF = "bench.staff@example.test"
LIST_URL = "/api/v1/consortium/mutual-fund/contributions"
median_ms = partial(common_median_ms, runs=RUNS)


def _version(version_id: int, tenant_id: int, year: int, status: str, profit: Decimal, user_id: int) -> dict:
    figures = dict.fromkeys(FIGURE_CODES, Decimal("0.00"))
    figures.update(turnover_private_fees=profit + Decimal("100000.00"), staff_costs=Decimal("100000.00"),
                   net_profit=profit)
    now = datetime(year + 1, 3, 1, tzinfo=UTC)
    return {"tenant_id": tenant_id, "id": version_id, "year": year, "version": 1, "status": status, **figures,
            "trial_balance_accounts": 0, "warnings": [], "encoding_note": None, "filename": "accounts.csv",
            "file_format": "csv", "file_size": 10, "file_sha256": "0" * 64, "file_data": b"bench",
            "uploaded_by_id": user_id, "created_at": now, "submitted_at": now, "submitted_by_id": user_id,
            "accepted_on": date(year + 1, 4, 30) if status == "accepted" else None,
            "accepted_by_id": user_id if status == "accepted" else None}


def bulk_load(url: str, user_id: int, seed: int = 381) -> list[int]:
    """Insert the co-ops, their accepted accounts and contributions; returns the submitted versions' ids."""
    rng = random.Random(seed)
    tenants, versions, contributions, submitted = [], [], [], []
    next_id = 1
    for tenant_id in range(1, COOPS + SUBMITTED + 1):
        slug = f"coop-{tenant_id}"
        tenants.append({"id": tenant_id, "slug": slug, "name": f"Cooperativa {tenant_id}", "legal_form":
                        "social_coop_a", "country": "it", "currency": "EUR", "status": "active",
                        "created_at": datetime(2010, 1, 1, tzinfo=UTC)})
        if tenant_id > COOPS:
            versions.append(_version(next_id, tenant_id, FIRST_YEAR + YEARS, "submitted", Decimal("50000.00"),
                                     user_id))
            submitted.append(next_id)
            next_id += 1
            continue
        for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
            profit = Decimal(rng.randint(-2_000_000, 30_000_000)) / 100
            versions.append(_version(next_id, tenant_id, year, "accepted", profit, user_id))
            result = compute_contribution(profit, rate=Decimal("3"), minimum=Decimal("10.33"),
                                          approval_date=date(year + 1, 4, 30), due_days=60)
            paid = result.amount if rng.random() < 0.7 else Decimal("0.00")
            contributions.append({
                "tenant_id": tenant_id, "id": next_id, "year": year, "accounts_version_id": next_id,
                "net_profit": profit, "base": result.base, "rate": result.rate, "minimum": Decimal("10.33"),
                "associations": 1, "amount": result.amount, "legal_reserve": result.legal_reserve,
                "approved_on": date(year + 1, 4, 30), "due_date": result.due_date, "explanation": result.explanation,
                "currency": "EUR", "reference": f"MF-{year}-{slug}", "adjustments_total": Decimal("0.00"),
                "paid_amount": paid, "status": "nothing_due" if result.amount == 0 else ("paid" if paid else "due"),
                "accepted_by": user_id, "created_at": datetime(year + 1, 4, 30, tzinfo=UTC),
            })
            next_id += 1
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Tenant.__table__), tenants)
        connection.execute(insert(AccountsVersion.__table__), versions)
        connection.execute(insert(Contribution.__table__), contributions)
        if connection.dialect.name == "postgresql":
            for table in ("tenants", "accounts_versions", "contributions"):
                connection.exec_driver_sql(f"ANALYZE {table}")
                if table != "tenants":
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('tenants', 'id'), (SELECT max(id) FROM tenants))")
    engine.dispose()
    return submitted


def measure() -> dict:
    """Load the data, time the requests and the baselines; returns the figures."""
    from consortium.directory import service as directory
    from consortium.migrations import upgrade
    from consortium.tenancy import consortium_scope

    with benchmark_database() as (kind, config, bulk_url):
        app = create_app({**TEST_SETTINGS, **config})
        with app.app_context():
            upgrade()
            with consortium_scope(db.session):
                user, _ = directory.create_user(db.session, {"email": STAFF, "name": "Bench Staff",
                                                             "password": "bench-password-1",
                                                             "roles": [{"role": "consortium_staff"}]})
            db.session.commit()
            user_id = user.id
            db.engine.dispose()
        submitted = bulk_load(bulk_url, user_id)
        client = app.test_client()
        headers = token_for(client, STAFF, "bench-password-1")

        queue = list(submitted)

        def accept_one():
            response = client.post(f"/api/v1/consortium/accounts/{queue.pop()}/accept", headers=headers,
                                   json={"accepted_on": f"{FIRST_YEAR + YEARS + 1}-04-30"})
            assert response.status_code == 200, response.get_json()

        def list_page(url: str):
            def call():
                response = client.get(url, headers=headers)
                assert response.status_code == 200 and len(response.get_json()) == 100
            return call

        year_url = f"{LIST_URL}?year={FIRST_YEAR + 5}&page_size=100"
        all_url = f"{LIST_URL}?page_size=100"
        figures = {"database": kind, "contributions": COOPS * YEARS}
        figures["accept_ms"] = median_ms(accept_one, runs=min(RUNS, SUBMITTED - 1))
        figures["list_all_ms"] = median_ms(list_page(all_url))
        figures["list_year_ms"] = median_ms(list_page(year_url))
        figures["trivial_request_ms"] = median_ms(lambda: client.get("/api/v1/consortium/mutual-fund/settings",
                                                                      headers=headers))
        raw = create_engine(config["SQLALCHEMY_DATABASE_URI"])
        with raw.connect() as connection:
            if kind == "postgresql":
                # the consortium reader, as the consortium scope runs (contributions are granted to it)
                connection.execute(text(f'SET ROLE "{config["APP_DB_ROLE"]}_consortium_reader"'))
            page = (select(Contribution.__table__, Tenant.slug).join(Tenant, Tenant.id == Contribution.tenant_id)
                    .order_by(Contribution.year.desc(), Contribution.tenant_id).limit(100))
            count = select(func.count()).select_from(Contribution.__table__)

            def bare_sql(where=None):
                def call():
                    rows = connection.execute(page if where is None else page.where(where)).all()
                    connection.execute(count if where is None else count.where(where)).scalar_one()
                    assert len(rows) == 100
                return call

            figures["bare_sql_all_ms"] = median_ms(bare_sql())
            figures["bare_sql_year_ms"] = median_ms(bare_sql(Contribution.year == FIRST_YEAR + 5))
        raw.dispose()
        with app.app_context():
            db.engine.dispose()
    return figures


def report(figures: dict) -> str:
    """The figures as the lines printed by the benchmark."""
    return "\n".join([
        f"mutual fund benchmark on {figures['database']}, {figures['contributions']:,} contributions "
        f"({COOPS:,} co-ops x {YEARS} years), median of {RUNS} requests:",
        f"  accept accounts + create contribution  {figures['accept_ms']:7.1f} ms  (target < {TARGET_ACCEPT_MS:.0f}; "
        f"trivial authenticated request {figures['trivial_request_ms']:.1f} ms, "
        f"ratio {figures['accept_ms'] / figures['trivial_request_ms']:.1f}x)",
        f"  contributions list, page of 100 + count {figures['list_all_ms']:6.1f} ms  (target < {TARGET_LIST_MS:.0f}; "
        f"bare SQL {figures['bare_sql_all_ms']:.1f} ms, "
        f"ratio {figures['list_all_ms'] / figures['bare_sql_all_ms']:.1f}x)",
        f"  contributions list of one year        {figures['list_year_ms']:7.1f} ms  (target < {TARGET_LIST_MS:.0f}; "
        f"bare SQL {figures['bare_sql_year_ms']:.1f} ms, "
        f"ratio {figures['list_year_ms'] / figures['bare_sql_year_ms']:.1f}x)",
    ])


def test_mutual_fund_targets():
    figures = measure()
    print("\n" + report(figures))
    assert figures["accept_ms"] < TARGET_ACCEPT_MS
    assert figures["list_all_ms"] < TARGET_LIST_MS
    assert figures["list_year_ms"] < TARGET_LIST_MS


if __name__ == "__main__":
    print(report(measure()))
