"""bulk purchasing: suppliers, catalogue items and volume price tiers, rounds and their items (consortium),
co-ops' orders, order lines and allocations (tenant-owned, RLS, reported to the consortium), recharge invoices

Revision ID: 0021_purchasing
Revises: 0015_tendering
Create Date: 2026-12-01 13:08:44.625855

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_consortium_rls, enable_tenant_rls


# revision identifiers, used by Alembic.
revision = '0021_purchasing'
down_revision = '0020_reporting'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purchase_suppliers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('vat_number', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('care_consumables', 'protective_equipment', 'food', 'cleaning', 'energy', 'vehicles', 'other')", name=op.f('ck_purchase_suppliers_category')),
    sa.CheckConstraint("country IN ('it', 'uk')", name=op.f('ck_purchase_suppliers_country')),
    sa.CheckConstraint('payment_terms_days >= 0 AND payment_terms_days <= 365', name=op.f('ck_purchase_suppliers_payment_terms_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_suppliers')),
    sa.UniqueConstraint('country', 'vat_number', name='uq_purchase_suppliers_vat')
    )
    op.create_table('purchase_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('pack_size', sa.Integer(), nullable=True),
    sa.Column('sold_by_pack', sa.Boolean(), nullable=False),
    sa.Column('vat_category', sa.String(length=40), nullable=False),
    sa.Column('min_total_quantity', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("unit IN ('piece', 'pack', 'box', 'kg', 'litre', 'pair')", name=op.f('ck_purchase_items_unit')),
    sa.CheckConstraint('min_total_quantity IS NULL OR min_total_quantity > 0', name=op.f('ck_purchase_items_min_total_positive')),
    sa.CheckConstraint('pack_size IS NULL OR pack_size > 0', name=op.f('ck_purchase_items_pack_size_positive')),
    sa.ForeignKeyConstraint(['supplier_id'], ['purchase_suppliers.id'], name=op.f('fk_purchase_items_supplier_id_purchase_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_items')),
    sa.UniqueConstraint('supplier_id', 'code', name='uq_purchase_items_supplier_code')
    )
    op.create_table('purchase_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=30), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery_date', sa.Date(), nullable=False),
    sa.Column('handling_fee_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recharged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('spend', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('savings', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('purchase_order_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed', 'delivered', 'recharged')", name=op.f('ck_purchase_rounds_status')),
    sa.CheckConstraint('handling_fee_percent >= 0 AND handling_fee_percent <= 100', name=op.f('ck_purchase_rounds_fee_range')),
    sa.CheckConstraint('supplier_id IS NOT NULL OR category IS NOT NULL', name=op.f('ck_purchase_rounds_supplier_or_category')),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_purchase_rounds_closed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['purchase_suppliers.id'], name=op.f('fk_purchase_rounds_supplier_id_purchase_suppliers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_rounds'))
    )
    with op.batch_alter_table('purchase_rounds', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_rounds_status_closes', ['status', 'closes_at'], unique=False)

    op.create_table('purchase_orders',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('delivery_address', sa.String(length=500), nullable=False),
    sa.Column('placed_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['placed_by'], ['users.id'], name=op.f('fk_purchase_orders_placed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['purchase_rounds.id'], name=op.f('fk_purchase_orders_round_id_purchase_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_purchase_orders_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('tenant_id', 'round_id', name='uq_purchase_orders_tenant_round')
    )
    op.create_table('purchase_price_tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('min_quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('max_quantity', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.CheckConstraint('max_quantity IS NULL OR max_quantity >= min_quantity', name=op.f('ck_purchase_price_tiers_max_above_min')),
    sa.CheckConstraint('min_quantity >= 0', name=op.f('ck_purchase_price_tiers_min_not_negative')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_purchase_price_tiers_price_not_negative')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_purchase_price_tiers_valid_range')),
    sa.ForeignKeyConstraint(['item_id'], ['purchase_items.id'], name=op.f('fk_purchase_price_tiers_item_id_purchase_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_price_tiers'))
    )
    with op.batch_alter_table('purchase_price_tiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_price_tiers_item_id'), ['item_id'], unique=False)

    op.create_table('purchase_recharges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('office_tenant_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('net_goods', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('handling_fee', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('gross_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['office_tenant_id'], ['tenants.id'], name=op.f('fk_purchase_recharges_office_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['purchase_rounds.id'], name=op.f('fk_purchase_recharges_round_id_purchase_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_purchase_recharges_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_recharges')),
    sa.UniqueConstraint('round_id', 'tenant_id', name='uq_purchase_recharges_round_tenant')
    )
    with op.batch_alter_table('purchase_recharges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_recharges_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('purchase_round_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('min_total_quantity', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('total_quantity', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('single_price', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('dropped', sa.Boolean(), nullable=False),
    sa.CheckConstraint('min_total_quantity IS NULL OR min_total_quantity > 0', name=op.f('ck_purchase_round_items_min_total_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['purchase_items.id'], name=op.f('fk_purchase_round_items_item_id_purchase_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['purchase_rounds.id'], name=op.f('fk_purchase_round_items_round_id_purchase_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_round_items')),
    sa.UniqueConstraint('round_id', 'item_id', name='uq_purchase_round_items_round_item')
    )
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
    sa.CheckConstraint('quantity >= 0 AND quantity <= ordered_quantity', name=op.f('ck_purchase_allocations_quantity_within_order')),
    sa.CheckConstraint('received_quantity IS NULL OR received_quantity >= 0', name=op.f('ck_purchase_allocations_received_not_negative')),
    sa.ForeignKeyConstraint(['round_id'], ['purchase_rounds.id'], name=op.f('fk_purchase_allocations_round_id_purchase_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_item_id'], ['purchase_round_items.id'], name=op.f('fk_purchase_allocations_round_item_id_purchase_round_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_purchase_allocations_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_purchase_allocations')),
    sa.UniqueConstraint('tenant_id', 'round_id', 'round_item_id', name='uq_purchase_allocations_item')
    )
    with op.batch_alter_table('purchase_allocations', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_allocations_round', ['round_id'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('round_item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_order_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['round_id'], ['purchase_rounds.id'], name=op.f('fk_purchase_order_lines_round_id_purchase_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_item_id'], ['purchase_round_items.id'], name=op.f('fk_purchase_order_lines_round_item_id_purchase_round_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'order_id'], ['purchase_orders.tenant_id', 'purchase_orders.id'], name=op.f('fk_purchase_order_lines_tenant_id_order_id_purchase_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_purchase_order_lines_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_purchase_order_lines')),
    sa.UniqueConstraint('tenant_id', 'order_id', 'round_item_id', name='uq_purchase_order_lines_item')
    )
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_order_lines_round', ['round_id', 'tenant_id'], unique=False)

    # A co-op's order, its lines and its allocations are its own rows (row-level security); the consortium
    # scope reads them as what co-ops report to the consortium.
    for table in ('purchase_orders', 'purchase_order_lines', 'purchase_allocations'):
        enable_tenant_rls(op, table)
    # The recharge record names one co-op: that co-op reaches its own, the consortium reader all.
    enable_consortium_rls(op, 'purchase_recharges')


def downgrade():
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_order_lines_round')

    op.drop_table('purchase_order_lines')
    with op.batch_alter_table('purchase_allocations', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_allocations_round')

    op.drop_table('purchase_allocations')
    op.drop_table('purchase_round_items')
    with op.batch_alter_table('purchase_recharges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_recharges_tenant_id'))

    op.drop_table('purchase_recharges')
    with op.batch_alter_table('purchase_price_tiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_price_tiers_item_id'))

    op.drop_table('purchase_price_tiers')
    op.drop_table('purchase_orders')
    with op.batch_alter_table('purchase_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_rounds_status_closes')

    op.drop_table('purchase_rounds')
    op.drop_table('purchase_items')
    op.drop_table('purchase_suppliers')
