"""PostgreSQL row-level security and the two database roles the app runs as.

The app connects as its own role (`APP_DB_ROLE`): it neither owns the tables nor is superuser, and
each transaction says which co-op it works for with `SET LOCAL app.tenant_id = '<id>'`. Every policy
on a tenant table is `tenant_id = app.tenant_id`: nothing the app role can set opens other co-ops'
rows (the old `app.all_tenants` switch is gone).

The consortium scope runs as a second role, the consortium reader (`CONSORTIUM_DB_ROLE`, by default
`<APP_DB_ROLE>_consortium_reader`), which cannot log in; the app role is a member of it without
inheriting its rights (NOINHERIT) and enters it with `SET LOCAL ROLE` (consortium.tenancy). What that
role may do is declared on each model and applied here after every `db upgrade` (`apply_database_roles`):

- tenant tables (`__tenancy__ = "tenant"`): nothing, unless the model lists what co-ops report to the
  consortium in `__consortium_read__` ("*" or column names): then SELECT on those columns of every
  co-op's rows, never INSERT, UPDATE or DELETE (the consortium writes a co-op's row only inside
  `tenant_scope`, i.e. as the app role under that co-op's policy);
- consortium tables (`__tenancy__ = "consortium"`): everything, on every row, or on the rows the model's
  `__consortium_rows__` condition names (the outbox: only the consortium's own messages, tenant_id IS NULL);
- platform tables: everything (they hold no co-op's private data; `__platform_reason__` says why);
- the audit log: append anything, read only the consortium's own entries (tenant_id IS NULL).

Migrations call `enable_tenant_rls`, `enable_consortium_rls`, `enable_platform_rls` and
`enable_audit_rls` for the policies every role obeys; the reader's own policies name the reader role,
so they are made by `apply_database_roles`, which knows the configured names. All no-ops off PostgreSQL.
"""

from consortium import citus

CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::int"
POLICY_NAMES = ("tenant_isolation", "consortium_rows", "platform_rows", "audit_visibility", "audit_append")
READER_POLICY = "consortium_reader"
READER_AUDIT_POLICY = "consortium_reader_audit"


def _is_postgresql(op) -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _force_rls(op, table: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for name in POLICY_NAMES:  # idempotent, so a later migration can restate a table's policy
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")


def enable_tenant_rls(op, table: str) -> None:
    """A co-op's private table: each co-op reads and writes only its own rows."""
    if not _is_postgresql(op):
        return
    _force_rls(op, table)
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT})"
    )


def enable_consortium_rls(op, table: str) -> None:
    """A consortium table with a co-op reference: the app role reaches a co-op's rows in that co-op's scope;
    the consortium reader (apply_database_roles) reaches every row."""
    if not _is_postgresql(op):
        return
    _force_rls(op, table)
    op.execute(
        f"CREATE POLICY consortium_rows ON {table} "
        f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT} OR tenant_id IS NULL)"
    )


def enable_platform_rls(op, table: str) -> None:
    """A platform table with a co-op reference that every request needs whatever its scope (the model's
    `__platform_reason__` says why): RLS is on, so the choice is stated in the database too."""
    if not _is_postgresql(op):
        return
    _force_rls(op, table)
    op.execute(f"CREATE POLICY platform_rows ON {table} USING (true) WITH CHECK (true)")


def enable_audit_rls(op, table: str = "audit_log") -> None:
    """The audit log: a co-op reads its own entries; anyone appends entries of its co-op or the consortium's."""
    if not _is_postgresql(op):
        return
    _force_rls(op, table)
    op.execute(f"CREATE POLICY audit_visibility ON {table} FOR SELECT USING (tenant_id = {CURRENT_TENANT})")
    op.execute(
        f"CREATE POLICY audit_append ON {table} FOR INSERT "
        f"WITH CHECK (tenant_id = {CURRENT_TENANT} OR tenant_id IS NULL)"
    )


def consortium_reader_role(config) -> str | None:
    """The consortium reader's role name from the app config (None: no app role configured)."""
    if config.get("CONSORTIUM_DB_ROLE"):
        return config["CONSORTIUM_DB_ROLE"]
    app_role = config.get("APP_DB_ROLE")
    return f"{app_role}_consortium_reader" if app_role else None


def table_declarations(metadata, registry) -> dict[str, type]:
    """Each mapped table's model class, by table name (the declarations live on the models)."""
    models = {}
    for mapper in registry.mappers:
        table = mapper.local_table
        if table is not None and table.name in metadata.tables:
            models.setdefault(table.name, mapper.class_)
    return models


def consortium_read_columns(model) -> tuple[str, ...] | None:
    """The columns of a tenant table the consortium reader may SELECT (None: the whole table)."""
    declared = model.__consortium_read__
    return None if declared == "*" else tuple(declared)


def apply_database_roles(connection, app_role: str, reader_role: str | None, models: dict[str, type]) -> None:
    """Grant the app role and the consortium reader exactly what the models declare (run after migrations).

    Idempotent: everything granted to the reader is revoked first, then granted again from the declarations.
    """
    quote = connection.dialect.identifier_preparer.quote
    app, existing = quote(app_role), set(connection.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").scalars())
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {app}",
        f"REVOKE ALL ON alembic_version FROM {app}",
        f"GRANT SELECT ON alembic_version TO {app}",
    ):
        connection.exec_driver_sql(statement)
    if reader_role is None:
        return
    reader = quote(reader_role)
    if not connection.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (reader_role,)).scalar():
        raise RuntimeError(
            f"The consortium reader role {reader_role} does not exist: create it (NOLOGIN) and make the app role "
            f"a member of it (see docs/tenancy.md): CREATE ROLE {reader} NOLOGIN; GRANT {reader} TO {app};")
    if connection.exec_driver_sql("SELECT pg_has_role(%s, %s, 'USAGE')", (app_role, reader_role)).scalar():
        raise RuntimeError(
            f"The app role {app_role} inherits the rights of {reader_role}, so the reader's policies would apply "
            f"to every request: make it ALTER ROLE {app} NOINHERIT (it still enters the reader with SET ROLE).")
    if not connection.exec_driver_sql("SELECT pg_has_role(%s, %s, 'MEMBER')", (app_role, reader_role)).scalar():
        raise RuntimeError(f"The app role {app_role} cannot enter {reader_role}: GRANT {reader} TO {app};")
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {reader}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {reader}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {reader}",
    ):
        connection.exec_driver_sql(statement)
    for table, model in sorted(models.items()):
        if table not in existing:
            continue  # an upgrade to an older revision: the table comes later
        for name in (READER_POLICY, READER_AUDIT_POLICY):
            connection.exec_driver_sql(f"DROP POLICY IF EXISTS {name} ON {table}")
        for statement in _reader_statements(table, model, reader):
            citus.execute_grant(connection, table, statement)  # a column grant needs each shard on Citus
    # Tables no model maps (the scheduler's job store) are platform plumbing; one with a tenant_id never is
    # granted this way (the table-declarations test fails on it instead).
    with_tenant = set(connection.exec_driver_sql(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND column_name = 'tenant_id'").scalars())
    for table in sorted(existing - set(models) - with_tenant - {"alembic_version"}):
        connection.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {reader}")


def _reader_statements(table: str, model, reader: str) -> list[str]:
    tenancy = model.__tenancy__
    if tenancy == "audit":
        return [f"GRANT SELECT, INSERT ON {table} TO {reader}",
                f"CREATE POLICY {READER_AUDIT_POLICY} ON {table} TO {reader} "
                f"USING (tenant_id IS NULL) WITH CHECK (true)"]
    if tenancy == "tenant":
        if not model.__consortium_read__:
            return []  # private to the co-op: the reader gets no privilege at all, so the database refuses
        columns = consortium_read_columns(model)
        what = "SELECT" if columns is None else f"SELECT ({', '.join(columns)})"
        return [f"GRANT {what} ON {table} TO {reader}",
                f"CREATE POLICY {READER_POLICY} ON {table} FOR SELECT TO {reader} USING (true)"]
    statements = [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {reader}"]
    if "tenant_id" in model.__table__.c:
        rows = model.__consortium_rows__ or "true"
        statements.append(f"CREATE POLICY {READER_POLICY} ON {table} TO {reader} USING ({rows}) WITH CHECK ({rows})")
    return statements

