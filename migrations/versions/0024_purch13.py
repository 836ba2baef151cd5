"""purchasing: the allocation is the order line at the round's fixed prices; deliveries, retiring, cancelling

- `purchase_allocations` goes: it copied each order line (one line, one allocation, same id) with the round
  item's fixed prices. The close now writes only the round items' prices; what a co-op is charged follows
  from its frozen order line and those prices by the one rounding rule. What arrived is recorded on the
  order line itself (`received_quantity`, `damaged_quantity`), a co-op's own row.
- `purchase_orders.delivery_confirmed_at/by`: the co-op confirmed its delivery.
- `purchase_suppliers.active`: a retired supplier is offered in no new round.
- `purchase_rounds`: status `cancelled`, with when, by whom and why.

Revision ID: 0024_purch13
Revises: 0023_tendrep
"""

import sqlalchemy as sa
from alembic import op

from consortium.rls import enable_tenant_rls

revision = '0024_purch13'
down_revision = '0023_tendrep'
branch_labels = None
depends_on = None

STATUSES = "('open', 'closed', 'delivered', 'recharged', 'cancelled')"
OLD_STATUSES = "('open', 'closed', 'delivered', 'recharged')"


def upgrade():
    with op.batch_alter_table('purchase_allocations', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_allocations_round')
    op.drop_table('purchase_allocations')
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_quantity', sa.Numeric(precision=12, scale=3), nullable=True))
        batch_op.add_column(sa.Column('damaged_quantity', sa.Numeric(precision=12, scale=3), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_purchase_order_lines_received_within_order'),
            'received_quantity IS NULL OR (received_quantity >= 0 AND received_quantity <= quantity)')
        batch_op.create_check_constraint(
            op.f('ck_purchase_order_lines_damaged_within_received'),
            'damaged_quantity IS NULL OR (damaged_quantity >= 0 AND received_quantity IS NOT NULL '
            'AND damaged_quantity <= received_quantity)')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('delivery_confirmed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delivery_note', sa.String(length=1000), nullable=True))
        batch_op.create_foreign_key(op.f('fk_purchase_orders_delivery_confirmed_by_users'), 'users',
                                    ['delivery_confirmed_by'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('purchase_suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('purchase_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(op.f('fk_purchase_rounds_cancelled_by_users'), 'users', ['cancelled_by'], ['id'],
                                    ondelete='SET NULL')
        batch_op.drop_constraint(op.f('ck_purchase_rounds_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_purchase_rounds_status'), f"status IN {STATUSES}")


def downgrade():
    with op.batch_alter_table('purchase_rounds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_purchase_rounds_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_purchase_rounds_status'), f"status IN {OLD_STATUSES}")
        batch_op.drop_constraint(op.f('fk_purchase_rounds_cancelled_by_users'), type_='foreignkey')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('cancelled_at')
    with op.batch_alter_table('purchase_suppliers', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_purchase_orders_delivery_confirmed_by_users'), type_='foreignkey')
        batch_op.drop_column('delivery_note')
        batch_op.drop_column('delivery_confirmed_by')
        batch_op.drop_column('delivery_confirmed_at')
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_purchase_order_lines_damaged_within_received'), type_='check')
        batch_op.drop_constraint(op.f('ck_purchase_order_lines_received_within_order'), type_='check')
        batch_op.drop_column('damaged_quantity')
        batch_op.drop_column('received_quantity')
    op.create_table('purchase_allocations',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('round_item_id', sa.Integer(), nullable=False),
    sa.Column('ordered_quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('single_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('saving', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('dropped', sa.Boolean(), nullable=False),
    sa.Column('received_quantity', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.CheckConstraint('quantity >= 0 AND quantity <= ordered_quantity',
                       name=op.f('ck_purchase_allocations_quantity_within_order')),
    sa.CheckConstraint('received_quantity IS NULL OR received_quantity >= 0',
                       name=op.f('ck_purchase_allocations_received_not_negative')),
    sa.ForeignKeyConstraint(['round_id'], ['purchase_rounds.id'],
                            name=op.f('fk_purchase_allocations_round_id_purchase_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_item_id'], ['purchase_round_items.id'],
                            name=op.f('fk_purchase_allocations_round_item_id_purchase_round_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_purchase_allocations_tenant_id_tenants'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_purchase_allocations')),
    sa.UniqueConstraint('tenant_id', 'round_id', 'round_item_id', name='uq_purchase_allocations_item')
    )
    with op.batch_alter_table('purchase_allocations', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_allocations_round', ['round_id'], unique=False)
    enable_tenant_rls(op, 'purchase_allocations')
