"""The app on a Citus cluster (TEST_DATABASE=citus, a coordinator and a worker in TEST_CITUS_URL; docs/scaling.md).

Every shard is on the worker, so a query that works only on the coordinator, or a scope that does not reach the
worker's connections, shows up here: each co-op's counts through the API equal the true counts, RLS alone (the ORM
filter off) holds on the shards, and a consortium aggregate read across shards equals the sum of its parts.
"""

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import ProgrammingError

from consortium import citus
from consortium.clock import local_today
from consortium.extensions import db
from consortium.rls import table_declarations
from consortium.tenancy import ORM_FILTER_KEY, consortium_scope, set_tenant
from shared_services.mutual_fund import service as fund
from shared_services.mutual_fund.demo import submit_accounts
from tenants.members.models import Member
from tests.conftest import TEST_DATABASE, token_for, unrestricted
from tests.invoicing.helpers import make_customer, make_invoice

citus_only = pytest.mark.skipif(
    TEST_DATABASE != "citus", reason="the Citus tests run with TEST_DATABASE=citus and a cluster in TEST_CITUS_URL")

# Members, customers and invoices of each co-op: different, so a count from the wrong co-op or shard shows.
HOLDINGS = [(3, 1, 2), (5, 2, 1), (1, 3, 3), (4, 1, 0), (2, 2, 1), (6, 1, 2)]


def shard_of(app, table: str, tenant_id: int) -> tuple[int, int, int]:
    """(shard id, node port, node group) of the shard of `table` holding `tenant_id`'s rows."""
    with unrestricted(app) as connection:
        return tuple(connection.execute(text(
            "SELECT s.shardid, n.nodeport, n.groupid FROM pg_dist_shard s "
            "JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n ON n.groupid = p.groupid "
            "WHERE s.shardid = get_shard_id_for_distribution_column(:table, :tenant)"),
            {"table": table, "tenant": tenant_id}).one())


def true_count(app, table: str, tenant_id: int) -> int:
    with unrestricted(app) as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"), {"t": tenant_id}).scalar()


@pytest.fixture
def coops(app, factory):
    """Six co-ops with their own members, customers and issued invoices, and a treasurer each."""
    made = []
    for number, (members, customers, invoices) in enumerate(HOLDINGS, start=1):
        slug = f"coop-{number}"
        tenant = factory.tenant(slug)
        factory.user(f"treasurer.{number}@example.test", {"role": "treasurer", "tenant": slug})
        for index in range(members):
            factory.member(tenant, name=f"Member {index} of {slug}")
        customer_ids = [make_customer(factory, tenant, name=f"Customer {i} of {slug}") for i in range(customers)]
        for index in range(invoices):
            make_invoice(factory, tenant, customer_id=customer_ids[index % customers])
        made.append((tenant, (members, customers, invoices)))
    return made


@citus_only
def test_tables_are_placed_as_their_models_declare(app):
    with app.app_context():
        models = table_declarations(db.metadata, db.Model.registry)
    with unrestricted(app) as connection:
        tables = list(connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        placed = dict(connection.execute(text(
            "SELECT logicalrelid::regclass::text, CASE WHEN partmethod = 'h' THEN 'distributed' "
            "WHEN repmodel = 't' THEN 'reference' ELSE 'citus local' END FROM pg_dist_partition")).all())
        groups = set(connection.execute(text(
            "SELECT colocationid FROM pg_dist_partition WHERE partmethod = 'h'")).scalars())
        columns = set(connection.execute(text(
            "SELECT column_to_column_name(logicalrelid, partkey) FROM pg_dist_partition WHERE partmethod = 'h'"
        )).scalars())
        coordinator_shards = connection.execute(text(
            "SELECT count(*) FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) "
            "JOIN pg_dist_partition t USING (logicalrelid) WHERE p.groupid = 0 AND t.partmethod = 'h'")).scalar()
    wanted = citus.placements(tables, models)
    assert {table: placed.get(table, "local") for table in tables} == wanted
    assert {"members", "invoices", "invoice_lines", "customers", "contributions", "payroll_runs"} <= {
        table for table, kind in wanted.items() if kind == "distributed"}
    assert {"tenants", "users", "audit_log", "fund_entries", "role_assignments"} <= {
        table for table, kind in wanted.items() if kind == "reference"}
    assert len(groups) == 1 and columns == {"tenant_id"}  # colocated: one co-op's rows of every table together
    assert coordinator_shards == 0


def test_an_undeclared_table_stops_the_upgrade():
    with pytest.raises(citus.UndeclaredTable, match="stray_notes"):
        citus.placements(["members", "stray_notes"], {"members": Member})


@citus_only
def test_each_co_ops_counts_through_the_app_equal_the_true_counts(app, client, coops):
    shards = {shard_of(app, "members", tenant.id) for tenant, _ in coops}
    assert all(group != 0 for _, _, group in shards), "every co-op's shard is on a worker, none on the coordinator"
    assert len({shard for shard, _, _ in shards}) >= 2, "the co-ops spread over several shards"
    for number, (tenant, (members, customers, invoices)) in enumerate(coops, start=1):
        headers = token_for(client, f"treasurer.{number}@example.test")
        for path, table, expected in (("members", "members", members), ("customers", "customers", customers),
                                      ("invoices", "invoices", invoices)):
            response = client.get(f"/api/v1/t/{tenant.slug}/{path}", headers=headers)
            assert response.status_code == 200, response.get_json()
            total = json.loads(response.headers["X-Pagination"])["total"]
            assert total == true_count(app, table, tenant.id) == expected, (tenant.slug, path)
            assert len(response.get_json()) == expected
    # A write through the app lands on the worker's shard under the co-op's policy (it answered 500 before).
    tenant = coops[0][0]
    response = client.post(f"/api/v1/t/{tenant.slug}/members", headers=token_for(client, "treasurer.1@example.test"),
                           json={"name": "Grace Hopper", "category": "worker", "joined_on": "2024-03-01"})
    assert response.status_code == 201, response.get_json()
    assert true_count(app, "members", tenant.id) == HOLDINGS[0][0] + 1


@citus_only
def test_rls_alone_holds_on_the_workers_shards(app, coops):
    (a, (members_a, _, _)), (b, _) = coops[0], coops[1]
    with app.app_context():
        db.session.info[ORM_FILTER_KEY] = False
        set_tenant(db.session, a.id)
        names = db.session.scalars(select(Member.name).execution_options(all_tenants=True)).all()
        assert len(names) == members_a and all(name.endswith(f"of {a.slug}") for name in names)
        assert db.session.scalar(text("SELECT count(*) FROM invoices")) == HOLDINGS[0][2]
        with pytest.raises(ProgrammingError, match="row-level security"):
            db.session.execute(insert(Member).values(
                tenant_id=b.id, name="Planted", category="worker", joined_on=date(2022, 1, 1)))
        db.session.rollback()


@citus_only
def test_the_consortium_reader_reads_only_declared_columns_on_every_shard(app, coops):
    with app.app_context():
        db.session.info[ORM_FILTER_KEY] = False
        with consortium_scope(db.session):
            categories = db.session.scalars(select(Member.category).execution_options(all_tenants=True)).all()
            assert len(categories) == sum(members for members, _, _ in HOLDINGS)
            with pytest.raises(ProgrammingError, match="permission denied"):
                db.session.execute(select(Member.name).execution_options(all_tenants=True)).all()
        db.session.rollback()
        with consortium_scope(db.session):
            with pytest.raises(ProgrammingError, match="permission denied"):
                db.session.execute(text("SELECT count(*) FROM invoices")).all()
        db.session.rollback()


@citus_only
def test_a_consortium_aggregate_across_shards_equals_its_parts(app, client, factory, coops):
    """The contributions by co-op on the fund's page: accepted accounts of four co-ops on different shards.

    No public worked example covers four co-ops at once; each co-op's contribution is the fund's own figure
    (3% of its net profit, docs/mutual-fund-rules.md), and the check is that the consortium's view across the
    shards adds up to what each co-op's row holds."""
    staff_id = factory.user("staff@example.test", {"role": "consortium_staff"})
    staff = token_for(client, "staff@example.test")
    year = local_today().year - 2
    profits = [Decimal("12000.00"), Decimal("8350.50"), Decimal("41000.00"), Decimal("999.99")]
    for (tenant, _), profit in zip(coops, profits, strict=False):
        with app.app_context():
            version_id = submit_accounts(db.session, tenant, staff_id, year, profit, local_today()).id
            db.session.commit()
        response = client.post(f"/api/v1/consortium/accounts/{version_id}/accept", headers=staff,
                               json={"accepted_on": f"{year + 1}-04-29"})
        assert response.status_code == 200, response.get_json()
    with unrestricted(app) as connection:
        truth = dict(connection.execute(text(
            "SELECT tenant_id, amount + adjustments_total FROM contributions")).all())
    assert len(truth) == 4
    with app.app_context(), consortium_scope(db.session):
        rows = {int(row.key): row.due for row in fund.breakdown_by_coop(db.session)}
        by_year = fund.breakdown_by_year(db.session)
    assert rows == truth
    assert [(row.key, row.contributions, row.due) for row in by_year] == [(str(year), 4, sum(truth.values()))]
    listed = client.get(f"/api/v1/consortium/mutual-fund/contributions?year={year}", headers=staff)
    assert json.loads(listed.headers["X-Pagination"])["total"] == 4


@citus_only
def test_closing_a_purchasing_round_in_one_transaction(app, factory):
    """Closing a round writes only consortium rows (the round, its items' prices, the purchase order), so Citus
    commits it in one transaction; the co-op that ordered still reads the closed round and its price."""
    from consortium.tenancy import tenant_scope
    from shared_services.purchasing import service
    from tests.purchasing.helpers import make_round_with_order

    tenant = factory.tenant("coop-round")
    round_id = make_round_with_order(factory, tenant)
    with app.app_context():
        with consortium_scope(db.session):
            assert service.get_round(db.session, round_id).status != "open"
        with tenant_scope(db.session, tenant.id):
            assert service.get_round(db.session, round_id).id == round_id


@citus_only
def test_a_transaction_ending_in_the_consortium_scope_commits_on_the_worker_too(app, factory):
    """The consortium writes a co-op's row in its scope and commits back in the consortium scope (as accepting
    accounts does): the commit is made as the app role, so no half of the two-phase commit is left PREPARED."""
    from consortium.tenancy import tenant_scope
    from tenants.members import service as members

    tenant = factory.tenant("coop-commit")
    with app.app_context():
        with consortium_scope(db.session):
            with tenant_scope(db.session, tenant.id):
                members.add_member(db.session, {"name": "Written for the co-op", "category": "worker",
                                                "joined_on": date(2024, 1, 1)})
            assert db.session.scalar(text("SELECT current_user")).endswith("_consortium_reader")
            db.session.commit()
    with unrestricted(app) as connection:
        pending = connection.execute(text(
            "SELECT result FROM run_command_on_workers("
            "$$SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()$$)")).scalars().all()
    assert pending == ["0"]
    assert true_count(app, "members", tenant.id) == 1


@pytest.mark.skipif(TEST_DATABASE not in ("postgresql", "citus"), reason="database roles are PostgreSQL's")
def test_the_app_role_scope_writes_as_the_app_role_and_reads_no_coops_private_rows(app, factory):
    """What converting a project relies on: inside the consortium scope, `app_role_scope` is the app role with no
    co-op set (so its writes and the co-op's rows written in `tenant_scope` within it are one role's), and that role
    reads no co-op's members; leaving it is the reader again."""
    from consortium.tenancy import app_role_scope

    tenant = factory.tenant("coop-scope")
    factory.member(tenant, name="Private Person")
    with app.app_context():
        with consortium_scope(db.session):
            assert db.session.scalar(text("SELECT current_user")).endswith("_consortium_reader")
            with app_role_scope(db.session):
                assert db.session.scalar(text("SELECT current_user")) == app.config["APP_DB_ROLE"]
                assert db.session.scalar(text("SELECT count(*) FROM members")) == 0
            assert db.session.scalar(text("SELECT current_user")).endswith("_consortium_reader")
        db.session.rollback()
    assert true_count(app, "members", tenant.id) == 1


@citus_only
def test_a_second_upgrade_finishes_and_the_reader_still_reads_only_declared_columns_on_every_shard(app, coops):
    """Every `db upgrade` after the first (and every downgrade) re-applies the grants. The shards' column grants ran
    inside the grants' transaction on connections of their own, which waited on that transaction's revoke of the
    same shards' grants while it waited on them: it hung for ever. Now they run after its commit."""
    import threading

    from consortium.migrations import upgrade

    failures = []

    def again():
        try:
            with app.app_context():
                upgrade()
        except Exception as error:  # reported by the assertion below
            failures.append(error)

    second = threading.Thread(target=again, daemon=True)
    second.start()
    second.join(120)
    assert not second.is_alive(), "the second upgrade still waits on the grants after 120 s"
    assert not failures, failures
    test_the_consortium_reader_reads_only_declared_columns_on_every_shard(app, coops)
