"""Citus: where each table lives when the database is a Citus cluster (docs/scaling.md).

Placement follows the models' `__tenancy__` declarations (consortium.db), the same ones row-level security and
the consortium reader's grants follow (consortium.rls):

- a co-op's table ("tenant") is distributed by `tenant_id`, all of them colocated, so everything one co-op's
  request touches sits on one shard group of one node and its joins and foreign keys stay on that node;
- every other mapped table ("consortium", "platform", "audit") is a reference table, copied to every node,
  because tenant tables point at it (tenants, users) or the consortium reads it whole;
- the tables no model maps (`LOCAL_TABLES`) stay on the coordinator, which alone uses them.

`db upgrade` runs `prepare_migrations` before the revisions and `place_tables` after them (migrations/env.py).
Both do nothing unless the `citus` extension is installed in the database, so the same revisions run unchanged
on plain PostgreSQL and SQLite. A table that is neither mapped nor listed here stops the upgrade.
"""

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

# Unmapped plumbing, kept on the coordinator: Alembic's revision and the scheduler's job store (one process).
LOCAL_TABLES = frozenset({"alembic_version", "apscheduler_jobs"})

# What the app's sessions need on Citus, set on the database by `place_tables` so every connection has them:
# SET LOCAL app.tenant_id reaches the workers' connections (the shards' policies read it), and a transaction
# that writes a distributed table and a table with a foreign key to a reference table runs on one connection
# per node (Citus refuses it in parallel mode).
DATABASE_SETTINGS = {
    "citus.propagate_set_commands": "local",
    "citus.multi_shard_modify_mode": "sequential",
}


class UndeclaredTable(RuntimeError):
    """A table in the database that no model declares and that is not known plumbing: its placement is unknown."""


def is_citus(connection) -> bool:
    """True when the connection's database has the citus extension."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'citus'").scalar())


def prepare_migrations(connection) -> None:
    """Before the revisions run: new tables stay plain local tables until `place_tables` places them.

    By default Citus turns a local table that gets a foreign key to a reference table (every tenant table's key
    to `tenants`) into a "Citus local table", and such a table cannot then be distributed when it has an identity
    column. With the conversion off, a new table keeps its identity column and its keys and is distributed whole.
    A revision that works co-op by co-op under row-level security (0030's backfill) sets `SET LOCAL
    app.tenant_id`, which reaches the workers' shards only with `citus.propagate_set_commands = 'local'`: set here
    for the migrations' transaction, as the connection may predate the database setting `place_tables` makes.
    """
    if is_citus(connection):
        connection.exec_driver_sql("SET LOCAL citus.propagate_set_commands = 'local'")
        connection.exec_driver_sql("SET LOCAL citus.enable_local_reference_table_foreign_keys = off")
        connection.exec_driver_sql("SET LOCAL citus.multi_shard_modify_mode = 'sequential'")


def placements(tables: list[str], models: dict[str, type]) -> dict[str, str]:
    """Each table's placement: "distributed", "reference" or "local"; raises on a table nothing declares."""
    undeclared = sorted(set(tables) - set(models) - LOCAL_TABLES)
    if undeclared:
        raise UndeclaredTable(
            f"no model declares the table(s) {', '.join(undeclared)}, so their place on the Citus cluster is "
            "unknown: map them with a model and its __tenancy__, or add them to consortium.citus.LOCAL_TABLES")
    placed = {}
    for table in tables:
        if table in LOCAL_TABLES:
            placed[table] = "local"
        else:
            placed[table] = "distributed" if models[table].__tenancy__ == "tenant" else "reference"
    return placed


def place_tables(connection, metadata, models: dict[str, type]) -> dict[str, str]:
    """After the revisions: make every table that is not placed yet a reference or a distributed table.

    Reference tables first (a distributed table's foreign keys may point only at reference or colocated
    distributed tables), each kind in foreign-key order. Tables already placed are left alone, so this runs
    after every upgrade and places only what the new revisions created. Returns what it placed.
    """
    if not is_citus(connection):
        return {}
    quote = connection.dialect.identifier_preparer.quote
    database = quote(connection.exec_driver_sql("SELECT current_database()").scalar())
    for name, value in DATABASE_SETTINGS.items():
        connection.exec_driver_sql(f"ALTER DATABASE {database} SET {name} = '{value}'")
    existing = list(connection.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").scalars())
    wanted = placements(existing, models)
    current = dict(connection.exec_driver_sql(
        "SELECT logicalrelid::regclass::text, CASE WHEN partmethod = 'h' THEN 'distributed' "
        "WHEN repmodel = 't' THEN 'reference' ELSE 'citus local' END "
        "FROM pg_dist_partition").all())
    for table, kind in current.items():
        if table in wanted and wanted[table] != kind:
            raise RuntimeError(f"{table} is a {kind} table on this Citus cluster but its model says {wanted[table]}: "
                               "change it by hand (undistribute_table) before upgrading")
    order = [table.name for table in metadata.sorted_tables]
    anchor = next((table for table in order if current.get(table) == "distributed"), None)
    placed = {}
    for kind in ("reference", "distributed"):
        for table in sorted((t for t, k in wanted.items() if k == kind and t not in current),
                            key=lambda t: order.index(t) if t in order else len(order)):
            _distribute(connection, table, kind, anchor)
            if kind == "distributed" and anchor is None:
                anchor = table
            placed[table] = kind
            logger.info("Citus: %s is now a %s table", table, kind)
    return placed


def _distribute(connection, table: str, kind: str, anchor: str | None) -> None:
    forced = connection.exec_driver_sql(
        "SELECT relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", (table,)).scalar()
    # The owner obeys a forced policy, and Citus copies existing rows as the current role: without lifting FORCE
    # for the copy, the rows the policy hides would be left behind (and keys pointing at them would fail).
    if forced:
        connection.exec_driver_sql(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    if kind == "reference":
        connection.exec_driver_sql("SELECT create_reference_table(%s)", (table,))
    else:
        connection.exec_driver_sql("SELECT create_distributed_table(%s, 'tenant_id', colocate_with => %s)",
                                   (table, anchor or "default"))
    if forced:
        connection.exec_driver_sql(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


PLACEMENT_GRANTS_KEY = "citus_placement_grants"


def execute_grant(connection, table: str, statement: str) -> None:
    """Run one of consortium.rls's per-table statements (a GRANT or a policy) on `table`.

    Citus propagates table-level GRANTs and policies to the shards, but refuses a column-list GRANT
    (`GRANT SELECT (tenant_id, category) ON members`: "grant/revoke on column list is currently unsupported").
    Such a grant is made on the coordinator's table without propagation here, and on every shard placement by
    `grant_on_placements` once this transaction has committed (migrations/env.py), so the workers refuse the
    other columns too. `run_command_on_placements` uses connections of its own, in transactions of their own:
    run inside the grants' transaction, whose `REVOKE ALL ... FROM <reader>` had already revoked the shards'
    column grants of the previous upgrade over the transaction's connection to the worker (changing the same
    catalog rows, uncommitted), each of them waited on that transaction, which waited on them, and every upgrade
    after the first (and every downgrade) hung there for ever: a wait no deadlock detector sees.
    """
    if not (statement.startswith("GRANT SELECT (") and is_citus(connection)):
        connection.exec_driver_sql(statement)
        return
    marker = f" ON {table} "
    if marker not in statement:
        raise ValueError(f"expected {marker!r} in {statement!r}")
    connection.exec_driver_sql("SET LOCAL citus.enable_ddl_propagation = off")
    connection.exec_driver_sql(statement)
    connection.exec_driver_sql("SET LOCAL citus.enable_ddl_propagation = on")
    connection.info.setdefault(PLACEMENT_GRANTS_KEY, []).append((table, statement.replace(marker, " ON %s ", 1)))


def grant_on_placements(connection) -> None:
    """The column grants `execute_grant` made on the coordinator's tables, made on every shard placement; called
    after the transaction that made them has committed (`run_command_on_placements` sees committed shards only)."""
    for table, command in connection.info.pop(PLACEMENT_GRANTS_KEY, []):
        failed = connection.exec_driver_sql(
            "SELECT nodename, nodeport, result FROM run_command_on_placements(%s, %s) WHERE NOT success",
            (table, command)).all()
        if failed:
            raise RuntimeError(f"{command % table} failed on shards of {table}: {failed[:3]}")


def on_citus(connection) -> bool:
    """is_citus, remembered on the pooled DBAPI connection (asked once per connection, not per commit)."""
    info = connection.connection.info
    if "citus" not in info:
        info["citus"] = is_citus(connection)
    return info["citus"]


@event.listens_for(Session, "before_commit")
def _commit_as_the_app_role(session):
    """Commit as the role the transaction began with, never as the consortium reader.

    A transaction that wrote as the app role (a co-op's scope) and ends in the consortium scope would commit
    while the session is the reader; Citus then left the worker's half of its two-phase commit PREPARED. So the
    pending writes are flushed in their own scope, and the role is reset before COMMIT.
    """
    if not session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    if not connection.invalidated and on_citus(connection):
        session.flush()
        connection.exec_driver_sql("SET LOCAL ROLE NONE")
