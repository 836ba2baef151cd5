"""outbox attachments: the files an email carries (payslip PDFs), stored with the message

Same kind as outbox_messages: a consortium table with the message's tenant_id, so a co-op's scope
reaches its own messages' files and the consortium reader every one.

Revision ID: 0022_outbox_attachments
Revises: 0015_tendering
"""

import sqlalchemy as sa
from alembic import op

from consortium.rls import enable_consortium_rls

revision = '0022_outbox_attachments'
down_revision = '0021_purchasing'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('outbox_attachments',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('message_id', BIG_ID, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_outbox_attachments_position_positive')),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'],
                            name=op.f('fk_outbox_attachments_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_outbox_attachments_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments'))
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attachments_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_attachments_tenant_id'), ['tenant_id'], unique=False)
    enable_consortium_rls(op, 'outbox_attachments')


def downgrade():
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attachments_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_attachments_message_id'))
    op.drop_table('outbox_attachments')
