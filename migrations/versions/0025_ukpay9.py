"""payroll: paid payslips waiting to be emailed (the payslip email job's queue)

Paying a run no longer renders every payslip PDF in the request: it writes one row here per payslip
of an employee with an email address, and the `payroll.payslip_emails` job renders and queues them.
Tenant-owned with row-level security; like every payroll table, never granted to the consortium reader.

Revision ID: 0025_ukpay9
Revises: 0024_purch13
"""
import sqlalchemy as sa
from alembic import op

from consortium.rls import enable_tenant_rls

revision = '0025_ukpay9'
down_revision = '0024_purch13'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('payroll_payslip_emails',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', BIG_ID, sa.Identity(always=False), nullable=False),
    sa.Column('run_id', BIG_ID, nullable=False),
    sa.Column('payslip_id', BIG_ID, nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'payslip_id'], ['payroll_payslips.tenant_id', 'payroll_payslips.id'],
                            name=op.f('fk_payroll_payslip_emails_tenant_id_payslip_id_payroll_payslips'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'run_id'], ['payroll_runs.tenant_id', 'payroll_runs.id'],
                            name=op.f('fk_payroll_payslip_emails_tenant_id_run_id_payroll_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payroll_payslip_emails_tenant_id_tenants'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_payroll_payslip_emails')),
    sa.UniqueConstraint('tenant_id', 'payslip_id', name='uq_payroll_payslip_emails_payslip')
    )
    with op.batch_alter_table('payroll_payslip_emails', schema=None) as batch_op:
        batch_op.create_index('ix_payroll_payslip_emails_tenant_sent', ['tenant_id', 'sent_at'], unique=False)
    enable_tenant_rls(op, 'payroll_payslip_emails')


def downgrade():
    with op.batch_alter_table('payroll_payslip_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_payroll_payslip_emails_tenant_sent')
    op.drop_table('payroll_payslip_emails')
