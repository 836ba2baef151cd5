"""mutual fund rules: the base less prior losses and ristorni, the assembly's approval date, pro rata by days

Revision ID: 0012_fund_rules
Revises: 0011_einvoice_standards

Adds to accounts versions the two allocations of profit the fund's base leaves out and the date the members'
assembly approved the accounts; to contributions the same figures, the due-date rule and the days of
membership; to the fund's settings the due-date rule and the fund's bank account. No new table, so no new
row-level-security policy: the tables keep theirs.
"""
from alembic import op
import sqlalchemy as sa

revision = '0012_fund_rules'
down_revision = '0011_einvoice_standards'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)


def upgrade():
    with op.batch_alter_table('accounts_versions') as batch:
        batch.add_column(sa.Column('prior_losses_covered', MONEY, server_default=sa.text('0'), nullable=False))
        batch.add_column(sa.Column('ristorni_from_profit', MONEY, server_default=sa.text('0'), nullable=False))
        batch.add_column(sa.Column('assembly_approved_on', sa.Date(), nullable=True))
        batch.create_check_constraint(op.f('ck_accounts_versions_allocations_not_negative'),
                                      'prior_losses_covered >= 0 AND ristorni_from_profit >= 0')
    with op.batch_alter_table('contributions') as batch:
        batch.add_column(sa.Column('prior_losses_covered', MONEY, server_default='0', nullable=False))
        batch.add_column(sa.Column('ristorni', MONEY, server_default='0', nullable=False))
        batch.add_column(sa.Column('assembly_approved_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('due_basis', sa.String(length=10), server_default='approval', nullable=False))
        batch.add_column(sa.Column('member_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('member_until', sa.Date(), nullable=True))
        batch.add_column(sa.Column('days_member', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('days_in_year', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('full_year_amount', MONEY, nullable=True))
        batch.create_check_constraint(op.f('ck_contributions_deductions_not_negative'), 'prior_losses_covered >= 0 AND ristorni >= 0')
        batch.create_check_constraint(op.f('ck_contributions_due_basis'), "due_basis IN ('approval', 'year_end')")
        batch.create_check_constraint(op.f('ck_contributions_days_member_within_year'),
                                      'days_member IS NULL OR (days_member >= 0 AND days_member <= days_in_year)')
    with op.batch_alter_table('contribution_adjustments') as batch:
        batch.add_column(sa.Column('prior_losses_covered', MONEY, server_default='0', nullable=False))
        batch.add_column(sa.Column('ristorni', MONEY, server_default='0', nullable=False))
    with op.batch_alter_table('fund_settings') as batch:
        batch.add_column(sa.Column('due_basis', sa.String(length=10), server_default='approval', nullable=False))
        batch.add_column(sa.Column('bank_account_name', sa.String(length=140), nullable=True))
        batch.add_column(sa.Column('bank_iban', sa.String(length=34), nullable=True))
        batch.create_check_constraint(op.f('ck_fund_settings_due_basis'), "due_basis IN ('approval', 'year_end')")


def downgrade():
    with op.batch_alter_table('fund_settings') as batch:
        batch.drop_constraint(op.f('ck_fund_settings_due_basis'), type_='check')
        for column in ('bank_iban', 'bank_account_name', 'due_basis'):
            batch.drop_column(column)
    with op.batch_alter_table('contribution_adjustments') as batch:
        for column in ('ristorni', 'prior_losses_covered'):
            batch.drop_column(column)
    with op.batch_alter_table('contributions') as batch:
        for name in ('days_member_within_year', 'due_basis', 'deductions_not_negative'):
            batch.drop_constraint(op.f(f'ck_contributions_{name}'), type_='check')
        for column in ('full_year_amount', 'days_in_year', 'days_member', 'member_until', 'member_from',
                       'due_basis', 'assembly_approved_on', 'ristorni', 'prior_losses_covered'):
            batch.drop_column(column)
    with op.batch_alter_table('accounts_versions') as batch:
        batch.drop_constraint(op.f('ck_accounts_versions_allocations_not_negative'), type_='check')
        for column in ('assembly_approved_on', 'ristorni_from_profit', 'prior_losses_covered'):
            batch.drop_column(column)
