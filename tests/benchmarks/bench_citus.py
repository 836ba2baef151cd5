"""Citus beside plain PostgreSQL, in the same run: what sharding by co-op costs a co-op's requests, and what a
consortium-wide aggregate across the shards costs (issue 19, docs/scaling.md).

Figures (medians, in-process through the Flask test client, the same data on both databases):
- a co-op's invoice list (API page of 50) and issuing an invoice (API: number, totals, audit, outbox), with
  100 co-ops x 200 invoices loaded; each beside its bare-SQL baseline (bench_invoicing's measure_requests),
  and the Citus/PostgreSQL ratio;
- the consortium's contributions list (page of 100 with its count) and the fund's totals by year (a SUM over
  every co-op's contributions), with 1,000 co-ops x 10 years loaded (bench_mutual_fund's data); the ratio.

There is no target: the figures say what a second node costs on this machine (a coordinator and a worker
on one host, 4 shards a table as in the tests). Needs both servers: PostgreSQL (TEST_PG_ADMIN_URL) and a
Citus coordinator (TEST_CITUS_URL, `../shared/citus/setup-citus.sh`); skipped with a message otherwise.

Run: .venv/bin/python -m pytest tests/benchmarks/bench_citus.py -q -s -p no:xdist -o addopts=''
"""

import os
import random
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine

from consortium.app import create_app
from consortium.directory import service as directory
from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.mutual_fund import service as fund
from tests.benchmarks import bench_invoicing as invoicing
from tests.benchmarks import bench_mutual_fund as mutual_fund
from tests.benchmarks.common import median_ms
from tests.conftest import TEST_SETTINGS, PostgresTestDatabase, citus_database, postgres_available, token_for

COOPS = 100
RUNS = 25
CITUS_URL = os.environ.get("TEST_CITUS_URL")


@contextmanager
def migrated(kind: str):
    """(app, superuser URL of its database) on a fresh migrated database of `kind`, dropped afterwards."""
    from consortium.migrations import upgrade

    database = citus_database() if kind == "citus" else PostgresTestDatabase()
    database.create()
    try:
        app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database.url(database.app_role),
                          "MIGRATION_DATABASE_URL": database.url(database.owner), "APP_DB_ROLE": database.app_role})
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield app, database.base.set(database=database.name).render_as_string(hide_password=False)
        with app.app_context():
            db.engine.dispose()
    finally:
        database.drop()


def measure_invoicing(kind: str) -> dict:
    with migrated(kind) as (app, admin_url):
        admin = create_engine(admin_url)
        invoicing.bulk_load(admin, range(1, COOPS + 1), random.Random(4))
        admin.dispose()
        invoicing._make_treasurer(app)
        return invoicing.measure_requests(app, f"{kind}, {COOPS} co-ops x {invoicing.INVOICES_PER_COOP} invoices")


def measure_aggregate(kind: str) -> dict:
    with migrated(kind) as (app, admin_url):
        with app.app_context():
            with consortium_scope(db.session):
                user, _ = directory.create_user(db.session, {"email": mutual_fund.STAFF, "name": "Bench Staff",
                                                             "password": "bench-password-1",
                                                             "roles": [{"role": "consortium_staff"}]})
            db.session.commit()
            user_id = user.id
            db.engine.dispose()
        # The load writes the tenants (a reference table, executed locally on the coordinator) and then the
        # contributions (shards on the worker) in one transaction: Citus wants that without local execution.
        mutual_fund.bulk_load(admin_url + ("?options=-c%20citus.enable_local_execution%3Doff" if kind == "citus"
                                           else ""), user_id)
        client = app.test_client()
        headers = token_for(client, mutual_fund.STAFF, "bench-password-1")

        def list_page():
            response = client.get(f"{mutual_fund.LIST_URL}?page_size=100", headers=headers)
            assert response.status_code == 200 and len(response.get_json()) == 100

        def totals_by_year():
            with app.app_context(), consortium_scope(db.session):
                rows = fund.breakdown_by_year(db.session)
                assert sum(row.contributions for row in rows) == mutual_fund.COOPS * mutual_fund.YEARS
                db.session.rollback()

        return {"contributions_list_ms": median_ms(list_page, RUNS),
                "totals_by_year_ms": median_ms(totals_by_year, RUNS)}


def run_benchmark() -> dict:
    figures = {kind: {**measure_invoicing(kind), **measure_aggregate(kind)} for kind in ("postgresql", "citus")}
    pg, citus = figures["postgresql"], figures["citus"]
    print(f"\nCitus (coordinator + 1 worker) beside PostgreSQL, medians; load: {os.getloadavg()}")
    for name, label in (("list_ms", "invoice list, page of 50"), ("issue_ms", "issue an invoice"),
                        ("contributions_list_ms", "consortium contributions list, 100 + count of 10,000"),
                        ("totals_by_year_ms", "fund totals by year (SUM over every co-op's shard)")):
        print(f"  {label:55s} PostgreSQL {pg[name]:7.2f} ms   Citus {citus[name]:7.2f} ms   "
              f"x{citus[name] / pg[name]:.2f}")
    print(f"  baselines: bare list SELECT PostgreSQL {pg['list_baseline_ms']:.2f} ms, Citus "
          f"{citus['list_baseline_ms']:.2f} ms; bare UPDATE+commit PostgreSQL {pg['issue_baseline_ms']:.2f} ms, "
          f"Citus {citus['issue_baseline_ms']:.2f} ms")
    return figures


@pytest.mark.skipif(not CITUS_URL or not postgres_available(),
                    reason="the Citus benchmark needs PostgreSQL and a Citus coordinator (TEST_CITUS_URL)")
def test_citus_beside_postgresql():
    figures = run_benchmark()
    for kind in ("postgresql", "citus"):
        assert all(value > 0 for value in figures[kind].values())
