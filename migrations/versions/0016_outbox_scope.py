"""outbox delivered per scope: a co-op's messages stay out of the consortium reader's reach

The delivery job now claims each co-op's due messages in that co-op's scope and the consortium's own
(tenant_id IS NULL) in the consortium scope, so it needs an index led by tenant_id. The reader's policy
on outbox_messages becomes `tenant_id IS NULL` (declared on the model, `__consortium_rows__`); it names
the reader role, so `apply_database_roles` makes it after this upgrade, like every reader policy. The old
policy (every row) is dropped here so that nothing between this migration and the grants lets it through.

Revision ID: 0016_outbox_scope
Revises: 0015_tendering
"""
from alembic import op

revision = '0016_outbox_scope'
down_revision = '0015_tendering'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_scope_due', ['tenant_id', 'status', 'next_attempt_at'],
                              unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP POLICY IF EXISTS consortium_reader ON outbox_messages")


def downgrade():
    # The reader's policy is remade by apply_database_roles from the models of the revision running.
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_scope_due')
