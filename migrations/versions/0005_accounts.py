"""annual accounts submissions

Revision ID: 0005_accounts
Revises: 0004_invoicing
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_tenant_rls

revision = '0005_accounts'
down_revision = '0004_invoicing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accounts_versions',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('turnover_public_contracts', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('turnover_private_fees', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('turnover_grants_donations', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('turnover_other', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('staff_costs', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('other_costs', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('tax', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('net_profit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('share_capital', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reserves_indivisible', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reserves_other', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('loans', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('cash', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('trial_balance_accounts', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('encoding_note', sa.String(length=200), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_format', sa.String(length=4), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('return_comment', sa.Text(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("file_format IN ('xlsx', 'csv')", name=op.f('ck_accounts_versions_file_format')),
    sa.CheckConstraint("status <> 'accepted' OR accepted_on IS NOT NULL", name=op.f('ck_accounts_versions_accepted_has_date')),
    sa.CheckConstraint("status <> 'returned' OR return_comment IS NOT NULL", name=op.f('ck_accounts_versions_returned_has_comment')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'returned', 'accepted', 'reopened')", name=op.f('ck_accounts_versions_status')),
    sa.CheckConstraint('share_capital >= 0', name=op.f('ck_accounts_versions_share_capital_not_negative')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_accounts_versions_version_positive')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_accounts_versions_accepted_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['users.id'], name=op.f('fk_accounts_versions_reopened_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_accounts_versions_returned_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_accounts_versions_submitted_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_accounts_versions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_accounts_versions_uploaded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_accounts_versions')),
    sa.UniqueConstraint('tenant_id', 'year', 'version', name='uq_accounts_versions_tenant_year_version')
    )
    with op.batch_alter_table('accounts_versions', schema=None) as batch_op:
        batch_op.create_index('uq_accounts_versions_one_live_per_year', ['tenant_id', 'year'], unique=True, sqlite_where=sa.text("status IN ('submitted', 'accepted')"), postgresql_where=sa.text("status IN ('submitted', 'accepted')"))
    enable_tenant_rls(op, 'accounts_versions')


def downgrade():
    with op.batch_alter_table('accounts_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_accounts_versions_one_live_per_year')
    op.drop_table('accounts_versions')
