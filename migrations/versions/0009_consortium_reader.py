"""consortium scope checked by the database: strict tenant policies, RLS on the seven remaining tenant_id tables

The `app.all_tenants` escape goes from every policy: the app role now reads only the co-op named by
`app.tenant_id`. Reads across co-ops run as the consortium reader role, whose grants and policies are
made from the models' declarations after every upgrade (consortium.rls.apply_database_roles).

Revision ID: 0009_consortium_reader
Revises: 0008_languages
"""
from alembic import op

from consortium.rls import (
    CURRENT_TENANT,
    enable_audit_rls,
    enable_consortium_rls,
    enable_platform_rls,
    enable_tenant_rls,
)

revision = '0009_consortium_reader'
down_revision = '0008_languages'
branch_labels = None
depends_on = None

TENANT_TABLES = (
    'members', 'webhook_subscriptions', 'customers', 'invoices', 'invoice_lines', 'invoice_payments',
    'invoice_number_counters', 'invoicing_settings', 'accounts_versions', 'contributions',
    'contribution_adjustments', 'contribution_payments',
)
CONSORTIUM_TABLES = ('outbox_messages', 'fund_entries', 'fund_guarantees', 'fund_bank_lines')
PLATFORM_TABLES = ('incubation_projects', 'role_assignments', 'job_runs')
OLD_SCOPE = "current_setting('app.all_tenants', true) = 'on'"


def upgrade():
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)
    for table in CONSORTIUM_TABLES:
        enable_consortium_rls(op, table)
    for table in PLATFORM_TABLES:
        enable_platform_rls(op, table)
    enable_audit_rls(op)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in CONSORTIUM_TABLES + PLATFORM_TABLES:
        op.execute(f"DROP POLICY IF EXISTS consortium_rows ON {table}")
        op.execute(f"DROP POLICY IF EXISTS platform_rows ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING (tenant_id = {CURRENT_TENANT} OR {OLD_SCOPE}) "
                   f"WITH CHECK (tenant_id = {CURRENT_TENANT})")
    op.execute("DROP POLICY IF EXISTS audit_visibility ON audit_log")
    op.execute("DROP POLICY IF EXISTS audit_append ON audit_log")
    op.execute(f"CREATE POLICY audit_visibility ON audit_log FOR SELECT USING (tenant_id = {CURRENT_TENANT} OR {OLD_SCOPE})")
    op.execute(f"CREATE POLICY audit_append ON audit_log FOR INSERT "
               f"WITH CHECK (tenant_id = {CURRENT_TENANT} OR tenant_id IS NULL OR {OLD_SCOPE})")
