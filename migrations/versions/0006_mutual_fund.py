"""mutual fund: contributions, payments, ledger, loans, guarantees

Revision ID: 0006_mutual_fund
Revises: 0005_accounts
Contributions, their corrections and payments are tenant-owned (row-level security); the ledger,
loans, guarantees, settings and imported bank lines are the consortium's own tables.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

from consortium.rls import enable_tenant_rls

revision = '0006_mutual_fund'
down_revision = '0005_accounts'
branch_labels = None
depends_on = None

TENANT_TABLES = ("contributions", "contribution_adjustments", "contribution_payments")


def upgrade():
    op.create_table('fund_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rate', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('minimum', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.Column('legal_reserve_share', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('exposure_multiple', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('associations', sa.Integer(), nullable=False),
    sa.Column('reminder_days_before', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('reminder_days_after', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('associations >= 1', name=op.f('ck_fund_settings_associations_positive')),
    sa.CheckConstraint('due_days >= 0', name=op.f('ck_fund_settings_due_days_not_negative')),
    sa.CheckConstraint('exposure_multiple >= 0', name=op.f('ck_fund_settings_exposure_multiple_not_negative')),
    sa.CheckConstraint('legal_reserve_share >= 0 AND legal_reserve_share <= 100', name=op.f('ck_fund_settings_reserve_percent')),
    sa.CheckConstraint('minimum >= 0', name=op.f('ck_fund_settings_minimum_not_negative')),
    sa.CheckConstraint('rate >= 0 AND rate <= 100', name=op.f('ck_fund_settings_rate_percent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_settings'))
    )
    op.create_table('fund_guarantees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('bank_name', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('called_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_fund_guarantees_amount_positive')),
    sa.CheckConstraint('called_amount >= 0 AND called_amount <= amount', name=op.f('ck_fund_guarantees_called_within_amount')),
    sa.CheckConstraint('expires_on > issued_on', name=op.f('ck_fund_guarantees_expires_after_issue')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_fund_guarantees_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_guarantees'))
    )
    with op.batch_alter_table('fund_guarantees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_guarantees_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('fund_loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('borrower_tenant_id', sa.Integer(), nullable=True),
    sa.Column('incubation_project_id', sa.Integer(), nullable=True),
    sa.Column('borrower_name', sa.String(length=200), nullable=False),
    sa.Column('principal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('first_due', sa.Date(), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('granted_by', sa.Integer(), nullable=True),
    sa.Column('principal_repaid', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('interest_paid', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('annuity', 'straight_line')", name=op.f('ck_fund_loans_method')),
    sa.CheckConstraint('annual_rate >= 0', name=op.f('ck_fund_loans_rate_not_negative')),
    sa.CheckConstraint('borrower_tenant_id IS NOT NULL OR incubation_project_id IS NOT NULL', name=op.f('ck_fund_loans_borrower')),
    sa.CheckConstraint('months >= 1', name=op.f('ck_fund_loans_months_positive')),
    sa.CheckConstraint('principal > 0', name=op.f('ck_fund_loans_principal_positive')),
    sa.ForeignKeyConstraint(['borrower_tenant_id'], ['tenants.id'], name=op.f('fk_fund_loans_borrower_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_loans'))
    )
    with op.batch_alter_table('fund_loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_loans_borrower_tenant_id'), ['borrower_tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_loans_incubation_project_id'), ['incubation_project_id'], unique=False)
    op.create_table('contributions',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('accounts_version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('net_profit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('base', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('rate', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('minimum', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('associations', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('legal_reserve', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('adjustments_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('nothing_due', 'due', 'part_paid', 'paid', 'reopened')", name=op.f('ck_contributions_status')),
    sa.CheckConstraint('amount >= 0 AND paid_amount >= 0', name=op.f('ck_contributions_amounts_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'accounts_version_id'], ['accounts_versions.tenant_id', 'accounts_versions.id'], name=op.f('fk_contributions_tenant_id_accounts_version_id_accounts_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contributions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_contributions')),
    sa.UniqueConstraint('tenant_id', 'year', name='uq_contributions_tenant_year')
    )
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.create_index('ix_contributions_reference', ['reference'], unique=False)
        batch_op.create_index('ix_contributions_year_tenant', ['year', 'tenant_id'], unique=False)
    op.create_table('fund_guarantee_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guarantee_id', sa.Integer(), nullable=False),
    sa.Column('called_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_fund_guarantee_calls_amount_positive')),
    sa.ForeignKeyConstraint(['guarantee_id'], ['fund_guarantees.id'], name=op.f('fk_fund_guarantee_calls_guarantee_id_fund_guarantees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_guarantee_calls'))
    )
    with op.batch_alter_table('fund_guarantee_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_guarantee_calls_guarantee_id'), ['guarantee_id'], unique=False)
    op.create_table('fund_loan_instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('principal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('interest', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('payment', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('balance_after', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['fund_loans.id'], name=op.f('fk_fund_loan_instalments_loan_id_fund_loans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_loan_instalments')),
    sa.UniqueConstraint('loan_id', 'number', name='uq_fund_loan_instalments_loan_number')
    )
    op.create_table('fund_loan_repayments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('principal_part', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('interest_part', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0 AND principal_part >= 0 AND interest_part >= 0', name=op.f('ck_fund_loan_repayments_parts_not_negative')),
    sa.ForeignKeyConstraint(['loan_id'], ['fund_loans.id'], name=op.f('fk_fund_loan_repayments_loan_id_fund_loans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_loan_repayments'))
    )
    with op.batch_alter_table('fund_loan_repayments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_loan_repayments_loan_id'), ['loan_id'], unique=False)
    op.create_table('contribution_adjustments',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('contribution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('accounts_version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('previous_net_profit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('net_profit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('delta', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('adjusted_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'accounts_version_id'], ['accounts_versions.tenant_id', 'accounts_versions.id'], name=op.f('fk_contribution_adjustments_tenant_id_accounts_version_id_accounts_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'contribution_id'], ['contributions.tenant_id', 'contributions.id'], name=op.f('fk_contribution_adjustments_tenant_id_contribution_id_contributions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contribution_adjustments_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_contribution_adjustments'))
    )
    with op.batch_alter_table('contribution_adjustments', schema=None) as batch_op:
        batch_op.create_index('ix_contribution_adjustments_contribution', ['tenant_id', 'contribution_id'], unique=False)
    op.create_table('contribution_payments',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('contribution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('manual', 'bank_import')", name=op.f('ck_contribution_payments_source')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_contribution_payments_amount_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'contribution_id'], ['contributions.tenant_id', 'contributions.id'], name=op.f('fk_contribution_payments_tenant_id_contribution_id_contributions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contribution_payments_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_contribution_payments'))
    )
    with op.batch_alter_table('contribution_payments', schema=None) as batch_op:
        batch_op.create_index('ix_contribution_payments_contribution', ['tenant_id', 'contribution_id'], unique=False)
    op.create_table('fund_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('contribution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('guarantee_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('contribution_due', 'contribution_adjustment', 'contribution_received', 'loan_out', 'repayment_principal', 'repayment_interest', 'guarantee_call')", name=op.f('ck_fund_entries_kind')),
    sa.ForeignKeyConstraint(['guarantee_id'], ['fund_guarantees.id'], name=op.f('fk_fund_entries_guarantee_id_fund_guarantees'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['loan_id'], ['fund_loans.id'], name=op.f('fk_fund_entries_loan_id_fund_loans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'contribution_id'], ['contributions.tenant_id', 'contributions.id'], name=op.f('fk_fund_entries_tenant_id_contribution_id_contributions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_fund_entries_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_entries'))
    )
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_entries_entry_date'), ['entry_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_entries_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_entries_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('fund_bank_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_hash', sa.String(length=64), nullable=False),
    sa.Column('line_date', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'payment_id'], ['contribution_payments.tenant_id', 'contribution_payments.id'], name=op.f('fk_fund_bank_lines_tenant_id_payment_id_contribution_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_fund_bank_lines_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_bank_lines')),
    sa.UniqueConstraint('line_hash', name=op.f('uq_fund_bank_lines_line_hash'))
    )
    op.create_table('fund_postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('debit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('credit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint("account IN ('fund_cash', 'contributions_receivable', 'contribution_income', 'loans_receivable', 'interest_income', 'guarantee_calls_expense')", name=op.f('ck_fund_postings_account')),
    sa.CheckConstraint('debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0)', name=op.f('ck_fund_postings_one_side')),
    sa.ForeignKeyConstraint(['entry_id'], ['fund_entries.id'], name=op.f('fk_fund_postings_entry_id_fund_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_postings'))
    )
    with op.batch_alter_table('fund_postings', schema=None) as batch_op:
        batch_op.create_index('ix_fund_postings_account', ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_postings_entry_id'), ['entry_id'], unique=False)

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    op.drop_table('fund_postings')
    op.drop_table('fund_bank_lines')
    op.drop_table('fund_entries')
    op.drop_table('contribution_payments')
    op.drop_table('contribution_adjustments')
    op.drop_table('fund_loan_repayments')
    op.drop_table('fund_loan_instalments')
    op.drop_table('fund_guarantee_calls')
    op.drop_table('contributions')
    op.drop_table('fund_loans')
    op.drop_table('fund_guarantees')
    op.drop_table('fund_settings')
