"""reported figures and lot groups: each co-op's yearly aggregates reported to the consortium (worker members,
disadvantaged, net invoicing by customer type, the year end and total assets the treasurer states; tenant-owned,
RLS, readable by the consortium reader), and the
OCDS lots extension's lot groups kept on tender notices

Revision ID: 0023_tendrep
Revises: 0022_outbox_attachments
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

from consortium.rls import enable_tenant_rls

revision = '0023_tendrep'
down_revision = '0022_outbox_attachments'
branch_labels = None
depends_on = None

JSONB = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade():
    op.create_table('reported_figures',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('disadvantaged', sa.Integer(), nullable=False),
    sa.Column('invoiced_by_type', JSONB, nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('year_end', sa.Date(), nullable=True),
    sa.Column('total_assets', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.CheckConstraint('workers >= 0 AND disadvantaged >= 0 AND disadvantaged <= workers',
                       name=op.f('ck_reported_figures_counts')),
    sa.CheckConstraint('total_assets IS NULL OR total_assets >= 0', name=op.f('ck_reported_figures_assets_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_reported_figures_tenant_id_tenants'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_reported_figures')),
    sa.UniqueConstraint('tenant_id', 'year', name='uq_reported_figures_tenant_year')
    )
    enable_tenant_rls(op, 'reported_figures')
    # OCDS lots extension tender.lotGroups[]: [{"id", "related_lots", "option_to_combine", "maximum_value", "currency"}]
    with op.batch_alter_table('tender_notices') as batch:
        batch.add_column(sa.Column('lot_groups', JSONB, nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('tender_notices') as batch:
        batch.drop_column('lot_groups')
    op.drop_table('reported_figures')
