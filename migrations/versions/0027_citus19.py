"""Citus-ready keys: the fund's links into co-ops' tables without foreign keys, certificate codes unique per co-op

The fund's books are consortium tables, which on Citus are reference tables (on every node), and a reference table
cannot hold a foreign key into a distributed (co-op's) table. The two links stay as columns; the mutual fund's
service checks them when it writes (shared_services/mutual_fund/service.py, `_check_link`), on every database,
so there is one behaviour whatever the database is (docs/scaling.md).

A distributed table's unique keys must include tenant_id: a training certificate's verification code is unique
per co-op (it starts with the co-op's id and is looked up in that co-op's scope).

Revision ID: 0027_citus19
Revises: 0026_itpay10
"""

from alembic import op

revision = '0027_citus19'
down_revision = '0026_itpay10'
branch_labels = None
depends_on = None

LINKS = (
    ('fund_entries', 'fk_fund_entries_tenant_id_contribution_id_contributions',
     ['tenant_id', 'contribution_id'], 'contributions'),
    ('fund_bank_lines', 'fk_fund_bank_lines_tenant_id_payment_id_contribution_payments',
     ['tenant_id', 'payment_id'], 'contribution_payments'),
)


def upgrade():
    for table, name, _columns, _target in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_='foreignkey')
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_constraint('uq_training_records_verification_code', type_='unique')
        batch_op.create_unique_constraint('uq_training_records_tenant_id_verification_code',
                                          ['tenant_id', 'verification_code'])


def downgrade():
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_constraint('uq_training_records_tenant_id_verification_code', type_='unique')
        batch_op.create_unique_constraint('uq_training_records_verification_code', ['verification_code'])
    for table, name, columns, target in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(name, target, columns, ['tenant_id', 'id'], ondelete='RESTRICT')
