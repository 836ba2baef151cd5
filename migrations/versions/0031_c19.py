"""purchasing: a round whose co-ops are still to be told of its close (an item dropped) or its cancellation

Closing a round that drops an item, and cancelling a round, commit the round and the supplier's email first (as the
consortium reader) and tell each co-op in a transaction of its own (as the app role, in the co-op's scope): on Citus
one transaction writes as one role (docs/scaling.md). The first commit sets `coops_to_tell`; the second clears it as
it queues the co-ops' emails, and the closing job tells any round still marked, so a process that dies between the
two leaves the telling to the job's next run. Rounds already closed or cancelled told their co-ops in the same
transaction: they start unmarked.

Revision ID: 0031_c19
Revises: 0030_i18n15
"""
import sqlalchemy as sa
from alembic import op

revision = '0031_c19'
down_revision = '0030_i18n15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('purchase_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coops_to_tell', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('purchase_rounds', schema=None) as batch_op:
        batch_op.drop_column('coops_to_tell')
