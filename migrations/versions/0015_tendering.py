"""joint tendering: notice sources and imports, notices with releases and lots, invitations, co-ops' profiles
and answers (tenant-owned, RLS), bids, allocations, requirements, contracts and their shares

Revision ID: 0015_tendering
Revises: 0014_training
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_consortium_rls, enable_tenant_rls
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0015_tendering'
down_revision = '0014_training'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tender_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('max_pages', sa.Integer(), nullable=False),
    sa.Column('next_fetch_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('interval_minutes >= 5', name=op.f('ck_tender_sources_interval_at_least_5')),
    sa.CheckConstraint('max_pages >= 1 AND max_pages <= 500', name=op.f('ck_tender_sources_max_pages_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_sources'))
    )
    op.create_table('tender_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('releases_new', sa.Integer(), nullable=False),
    sa.Column('releases_known', sa.Integer(), nullable=False),
    sa.Column('notices_new', sa.Integer(), nullable=False),
    sa.Column('notices_updated', sa.Integer(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("origin IN ('fetch', 'upload', 'api')", name=op.f('ck_tender_imports_origin')),
    sa.ForeignKeyConstraint(['source_id'], ['tender_sources.id'], name=op.f('fk_tender_imports_source_id_tender_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_imports'))
    )
    with op.batch_alter_table('tender_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_imports_source_id'), ['source_id'], unique=False)

    op.create_table('tender_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ocid', sa.String(length=200), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('buyer_name', sa.String(length=300), nullable=True),
    sa.Column('buyer_id', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('procurement_method', sa.String(length=20), nullable=True),
    sa.Column('main_category', sa.String(length=20), nullable=True),
    sa.Column('award_criteria', sa.String(length=50), nullable=True),
    sa.Column('award_criteria_details', sa.Text(), nullable=True),
    sa.Column('submission_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('enquiry_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cpv_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('cpv_index', sa.Text(), nullable=False),
    sa.Column('areas', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('area_index', sa.Text(), nullable=False),
    sa.Column('documents', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('reserved', sa.Boolean(), nullable=False),
    sa.Column('latest_release_id', sa.String(length=300), nullable=True),
    sa.Column('latest_release_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_to', sa.String(length=10), nullable=True),
    sa.Column('answers_due', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("opened_to IS NULL OR opened_to IN ('all', 'matching')", name=op.f('ck_tender_notices_opened_to')),
    sa.CheckConstraint("origin IN ('ocds', 'manual')", name=op.f('ck_tender_notices_origin')),
    sa.CheckConstraint('value IS NULL OR value >= 0', name=op.f('ck_tender_notices_value_not_negative')),
    sa.ForeignKeyConstraint(['source_id'], ['tender_sources.id'], name=op.f('fk_tender_notices_source_id_tender_sources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_notices')),
    sa.UniqueConstraint('ocid', name=op.f('uq_tender_notices_ocid'))
    )
    with op.batch_alter_table('tender_notices', schema=None) as batch_op:
        batch_op.create_index('ix_tender_notices_deadline', ['submission_deadline'], unique=False)
        batch_op.create_index('ix_tender_notices_opened', ['opened_at'], unique=False)

    op.create_table('tender_profiles',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('cpv_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('areas', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('hours_per_week', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('places', sa.Integer(), nullable=True),
    sa.Column('qualified_staff', sa.Integer(), nullable=True),
    sa.Column('disadvantaged_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('disadvantaged_percent IS NULL OR (disadvantaged_percent >= 0 AND disadvantaged_percent <= 100)', name=op.f('ck_tender_profiles_disadvantaged_percent_range')),
    sa.CheckConstraint('hours_per_week IS NULL OR hours_per_week >= 0', name=op.f('ck_tender_profiles_hours_not_negative')),
    sa.CheckConstraint('places IS NULL OR places >= 0', name=op.f('ck_tender_profiles_places_not_negative')),
    sa.CheckConstraint('qualified_staff IS NULL OR qualified_staff >= 0', name=op.f('ck_tender_profiles_staff_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tender_profiles_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_tender_profiles')),
    sa.UniqueConstraint('tenant_id', name='uq_tender_profiles_tenant')
    )
    op.create_table('tender_bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('margin_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('lead_tenant_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'won', 'lost', 'withdrawn', 'superseded')", name=op.f('ck_tender_bids_status')),
    sa.CheckConstraint('margin_percent >= 0 AND margin_percent < 100', name=op.f('ck_tender_bids_margin_range')),
    sa.ForeignKeyConstraint(['lead_tenant_id'], ['tenants.id'], name=op.f('fk_tender_bids_lead_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['notice_id'], ['tender_notices.id'], name=op.f('fk_tender_bids_notice_id_tender_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_tender_bids_submitted_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_bids')),
    sa.UniqueConstraint('notice_id', 'version', name='uq_tender_bids_notice_version')
    )
    op.create_table('tender_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['tender_notices.id'], name=op.f('fk_tender_invitations_notice_id_tender_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tender_invitations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_invitations')),
    sa.UniqueConstraint('notice_id', 'tenant_id', name='uq_tender_invitations_notice_tenant')
    )
    with op.batch_alter_table('tender_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_invitations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tender_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('cpv_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('contract_end', sa.Date(), nullable=True),
    sa.CheckConstraint("unit IN ('hour', 'place', 'visit', 'meal', 'unit')", name=op.f('ck_tender_lots_unit')),
    sa.CheckConstraint('quantity IS NULL OR quantity > 0', name=op.f('ck_tender_lots_quantity_positive')),
    sa.ForeignKeyConstraint(['notice_id'], ['tender_notices.id'], name=op.f('fk_tender_lots_notice_id_tender_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_lots')),
    sa.UniqueConstraint('notice_id', 'lot_id', name='uq_tender_lots_notice_lot')
    )
    op.create_table('tender_releases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('ocid', sa.String(length=200), nullable=False),
    sa.Column('release_id', sa.String(length=300), nullable=False),
    sa.Column('date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['tender_imports.id'], name=op.f('fk_tender_releases_import_id_tender_imports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notice_id'], ['tender_notices.id'], name=op.f('fk_tender_releases_notice_id_tender_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_releases')),
    sa.UniqueConstraint('ocid', 'release_id', name='uq_tender_releases_ocid_release')
    )
    with op.batch_alter_table('tender_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_releases_notice_id'), ['notice_id'], unique=False)

    op.create_table('tender_bid_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('result', sa.String(length=6), nullable=False),
    sa.CheckConstraint("decision IN ('pending', 'go', 'no_go')", name=op.f('ck_tender_bid_lots_decision')),
    sa.CheckConstraint("result IN ('open', 'won', 'lost')", name=op.f('ck_tender_bid_lots_result')),
    sa.CheckConstraint("unit IN ('hour', 'place', 'visit', 'meal', 'unit')", name=op.f('ck_tender_bid_lots_unit')),
    sa.CheckConstraint('price IS NULL OR price >= 0', name=op.f('ck_tender_bid_lots_price_not_negative')),
    sa.CheckConstraint('quantity IS NULL OR quantity > 0', name=op.f('ck_tender_bid_lots_quantity_positive')),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_bid_lots_bid_id_tender_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lot_id'], ['tender_lots.id'], name=op.f('fk_tender_bid_lots_lot_id_tender_lots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_bid_lots')),
    sa.UniqueConstraint('bid_id', 'lot_id', name='uq_tender_bid_lots_bid_lot')
    )
    op.create_table('tender_bid_requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.CheckConstraint("kind IN ('insurance', 'accreditation', 'durc', 'regional_register', 'other')", name=op.f('ck_tender_bid_requirements_kind')),
    sa.ForeignKeyConstraint(['bid_id'], ['tender_bids.id'], name=op.f('fk_tender_bid_requirements_bid_id_tender_bids'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_bid_requirements'))
    )
    op.create_table('tender_interests',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('interested', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('staff', sa.Integer(), nullable=True),
    sa.Column('disadvantaged_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('unit_cost', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT interested OR (capacity IS NOT NULL AND unit_cost IS NOT NULL)', name=op.f('ck_tender_interests_interested_has_capacity_and_cost')),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_tender_interests_capacity_not_negative')),
    sa.CheckConstraint('disadvantaged_percent IS NULL OR (disadvantaged_percent >= 0 AND disadvantaged_percent <= 100)', name=op.f('ck_tender_interests_disadvantaged_percent_range')),
    sa.CheckConstraint('staff IS NULL OR staff >= 0', name=op.f('ck_tender_interests_staff_not_negative')),
    sa.CheckConstraint('unit_cost IS NULL OR unit_cost >= 0', name=op.f('ck_tender_interests_unit_cost_not_negative')),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], name=op.f('fk_tender_interests_answered_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lot_id'], ['tender_lots.id'], name=op.f('fk_tender_interests_lot_id_tender_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['tender_notices.id'], name=op.f('fk_tender_interests_notice_id_tender_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tender_interests_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_tender_interests')),
    sa.UniqueConstraint('tenant_id', 'lot_id', name='uq_tender_interests_tenant_lot')
    )
    with op.batch_alter_table('tender_interests', schema=None) as batch_op:
        batch_op.create_index('ix_tender_interests_notice', ['notice_id'], unique=False)

    op.create_table('tender_bid_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_lot_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('share_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('unit_cost', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('cost', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('staff', sa.Integer(), nullable=True),
    sa.Column('disadvantaged_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('part', sa.Text(), nullable=True),
    sa.CheckConstraint('share_percent > 0 AND share_percent <= 100', name=op.f('ck_tender_bid_allocations_share_range')),
    sa.ForeignKeyConstraint(['bid_lot_id'], ['tender_bid_lots.id'], name=op.f('fk_tender_bid_allocations_bid_lot_id_tender_bid_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tender_bid_allocations_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_bid_allocations')),
    sa.UniqueConstraint('bid_lot_id', 'tenant_id', name='uq_tender_bid_allocations_lot_tenant')
    )
    with op.batch_alter_table('tender_bid_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_bid_allocations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tender_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('bid_lot_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_tender_contracts_value_not_negative')),
    sa.ForeignKeyConstraint(['bid_lot_id'], ['tender_bid_lots.id'], name=op.f('fk_tender_contracts_bid_lot_id_tender_bid_lots'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['notice_id'], ['tender_notices.id'], name=op.f('fk_tender_contracts_notice_id_tender_notices'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_contracts')),
    sa.UniqueConstraint('bid_lot_id', name=op.f('uq_tender_contracts_bid_lot_id'))
    )
    with op.batch_alter_table('tender_contracts', schema=None) as batch_op:
        batch_op.create_index('ix_tender_contracts_awarded', ['awarded_on'], unique=False)

    op.create_table('tender_requirement_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['requirement_id'], ['tender_bid_requirements.id'], name=op.f('fk_tender_requirement_evidence_requirement_id_tender_bid_requirements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tender_requirement_evidence_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_requirement_evidence')),
    sa.UniqueConstraint('requirement_id', 'tenant_id', name='uq_tender_requirement_evidence')
    )
    with op.batch_alter_table('tender_requirement_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_requirement_evidence_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tender_contract_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('share_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('part', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['tender_contracts.id'], name=op.f('fk_tender_contract_shares_contract_id_tender_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tender_contract_shares_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_contract_shares')),
    sa.UniqueConstraint('contract_id', 'tenant_id', name='uq_tender_contract_shares')
    )
    with op.batch_alter_table('tender_contract_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_contract_shares_tenant_id'), ['tenant_id'], unique=False)

    # A co-op's profile and its answers are its own rows (row-level security); the consortium scope reads
    # them as what co-ops report to the consortium.
    for table in ('tender_profiles', 'tender_interests'):
        enable_tenant_rls(op, table)
    # Consortium rows about one co-op: that co-op reaches its own, the consortium reader all (docs/tenancy.md).
    for table in ('tender_invitations', 'tender_bid_allocations', 'tender_requirement_evidence',
                  'tender_contract_shares'):
        enable_consortium_rls(op, table)


def downgrade():
    with op.batch_alter_table('tender_contract_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_contract_shares_tenant_id'))

    op.drop_table('tender_contract_shares')
    with op.batch_alter_table('tender_requirement_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_requirement_evidence_tenant_id'))

    op.drop_table('tender_requirement_evidence')
    with op.batch_alter_table('tender_contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_tender_contracts_awarded')

    op.drop_table('tender_contracts')
    with op.batch_alter_table('tender_bid_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_bid_allocations_tenant_id'))

    op.drop_table('tender_bid_allocations')
    with op.batch_alter_table('tender_interests', schema=None) as batch_op:
        batch_op.drop_index('ix_tender_interests_notice')

    op.drop_table('tender_interests')
    op.drop_table('tender_bid_requirements')
    op.drop_table('tender_bid_lots')
    with op.batch_alter_table('tender_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_releases_notice_id'))

    op.drop_table('tender_releases')
    op.drop_table('tender_lots')
    with op.batch_alter_table('tender_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_invitations_tenant_id'))

    op.drop_table('tender_invitations')
    op.drop_table('tender_bids')
    op.drop_table('tender_profiles')
    with op.batch_alter_table('tender_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_tender_notices_opened')
        batch_op.drop_index('ix_tender_notices_deadline')

    op.drop_table('tender_notices')
    with op.batch_alter_table('tender_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_imports_source_id'))

    op.drop_table('tender_imports')
    op.drop_table('tender_sources')
