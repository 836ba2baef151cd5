"""payroll: a jurisdiction's own fields on employees, payslips and settings (the Italian pack's)

The Italian rule pack needs per employee the codice fiscale, CCNL level, contract, part-time share,
region and comune, dependants and disadvantage category; per co-op its INPS and INAIL rates; per payslip
the cedolino's own figures (detrazioni, TFR, relief...). Each is a JSON object whose keys the
jurisdiction's pack declares (`PayrollRules.employee_fields()`, `settings_fields()`,
`payslip_sections()`), so the tables name no country. The tables keep their row-level security.

Revision ID: 0026_itpay10
Revises: 0025_ukpay9
"""

import sqlalchemy as sa
from alembic import op

revision = '0026_itpay10'
down_revision = '0025_ukpay9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payroll_employees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jurisdiction_fields', sa.JSON(), nullable=True))
    with op.batch_alter_table('payroll_payslips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
    with op.batch_alter_table('payroll_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jurisdiction_settings', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('payroll_settings', schema=None) as batch_op:
        batch_op.drop_column('jurisdiction_settings')
    with op.batch_alter_table('payroll_payslips', schema=None) as batch_op:
        batch_op.drop_column('details')
    with op.batch_alter_table('payroll_employees', schema=None) as batch_op:
        batch_op.drop_column('jurisdiction_fields')
