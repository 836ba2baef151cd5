"""consortium reporting: each co-op's social report (bilancio sociale) with its sections, state and frozen
snapshot (tenant-owned, RLS)

Revision ID: 0020_reporting
Revises: 0015_tendering
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

from consortium.rls import enable_tenant_rls

revision = '0020_reporting'
down_revision = '0019_incubation_conversion'
branch_labels = None
depends_on = None

JSONB = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade():
    op.create_table('social_reports',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('sections', JSONB, nullable=False),
    sa.Column('snapshot', JSONB, nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'approved', 'filed')", name=op.f('ck_social_reports_state')),
    sa.CheckConstraint("state = 'draft' OR (approved_on IS NOT NULL AND snapshot IS NOT NULL)",
                       name=op.f('ck_social_reports_approved_has_date_and_snapshot')),
    sa.CheckConstraint("state <> 'filed' OR filed_on IS NOT NULL", name=op.f('ck_social_reports_filed_has_date')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_social_reports_tenant_id_tenants'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_social_reports')),
    sa.UniqueConstraint('tenant_id', 'year', name='uq_social_reports_tenant_year')
    )
    enable_tenant_rls(op, 'social_reports')


def downgrade():
    op.drop_table('social_reports')
