"""PostgreSQL row-level security for tenant-owned tables, called from migrations.

Each tenant-owned table gets `FORCE ROW LEVEL SECURITY` (so even the owner obeys it) and a
policy on `app.tenant_id`, which the app sets per transaction. Reads across tenants are
possible only when the transaction also set `app.all_tenants` (the consortium scope);
writes always need the row's own tenant.
"""

CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::int"
CONSORTIUM_SCOPE = "current_setting('app.all_tenants', true) = 'on'"


def _is_postgresql(op) -> bool:
    return op.get_bind().dialect.name == "postgresql"


def enable_tenant_rls(op, table: str) -> None:
    """Isolate `table` by its `tenant_id` column (no-op off PostgreSQL)."""
    if not _is_postgresql(op):
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant_id = {CURRENT_TENANT} OR {CONSORTIUM_SCOPE}) "
        f"WITH CHECK (tenant_id = {CURRENT_TENANT})"
    )


def enable_audit_rls(op, table: str = "audit_log") -> None:
    """The audit log: a co-op sees its own entries, the consortium scope all; consortium rows need that scope."""
    if not _is_postgresql(op):
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY audit_visibility ON {table} FOR SELECT "
        f"USING (tenant_id = {CURRENT_TENANT} OR {CONSORTIUM_SCOPE})"
    )
    op.execute(
        f"CREATE POLICY audit_append ON {table} FOR INSERT "
        f"WITH CHECK (tenant_id = {CURRENT_TENANT} OR tenant_id IS NULL OR {CONSORTIUM_SCOPE})"
    )


def grant_app_role(connection, role: str) -> None:
    """Give the app's role what it needs and no more: it never owns tables; the audit log is insert-only."""
    quoted = connection.dialect.identifier_preparer.quote(role)
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {quoted}",
        f"REVOKE ALL ON alembic_version FROM {quoted}",
        f"GRANT SELECT ON alembic_version TO {quoted}",
    ):
        connection.exec_driver_sql(statement)
