"""e-invoice standards: electronic addresses, split payment, stamp duty

Revision ID: 0011_einvoice_standards
Revises: 0010_sessions_and_runs
The co-op's Peppol electronic address and stamp-duty choice on its invoicing settings; the
customer's split-payment flag (DPR 633/1972 art. 17-ter); on each invoice the split-payment
snapshot, what the customer pays (payable_total, the gross total unless split) and the stamp
duty paid on it. No new table, so the row-level security of 0004 covers these columns.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011_einvoice_standards'
down_revision = '0010_sessions_and_runs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('split_payment', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('split_payment', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch.add_column(sa.Column('payable_total', sa.Numeric(14, 2), server_default='0', nullable=False))
        batch.add_column(sa.Column('stamp_duty', sa.Numeric(14, 2), nullable=True))
    op.execute("UPDATE invoices SET payable_total = gross_total")
    with op.batch_alter_table('invoicing_settings') as batch:
        batch.add_column(sa.Column('peppol_id', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('stamp_duty_mode', sa.String(length=10), server_default='customer', nullable=False))
        batch.create_check_constraint(op.f('ck_invoicing_settings_stamp_duty_mode'), "stamp_duty_mode IN ('customer', 'coop', 'not_due')")


def downgrade():
    with op.batch_alter_table('invoicing_settings') as batch:
        batch.drop_constraint(op.f('ck_invoicing_settings_stamp_duty_mode'), type_='check')
        batch.drop_column('stamp_duty_mode')
        batch.drop_column('peppol_id')
    with op.batch_alter_table('invoices') as batch:
        batch.drop_column('stamp_duty')
        batch.drop_column('payable_total')
        batch.drop_column('split_payment')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('split_payment')
