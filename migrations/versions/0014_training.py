"""training records, requirements, compliance reports, catalogue, pooled sessions, enrolments, recharges

Revision ID: 0014_training
Revises: 0013_payroll
Create Date: 2026-12-01 10:02:09.679175

"""
from alembic import op
import sqlalchemy as sa

from consortium.rls import enable_tenant_rls


# revision identifiers, used by Alembic.
revision = '0014_training'
down_revision = '0013_payroll'
branch_labels = None
depends_on = None

# A co-op's own rows: isolated by row-level security on tenant_id. training_courses, training_sessions and
# training_recharges are consortium records (no tenant_id).
TENANT_TABLES = ("training_records", "training_roles", "training_requirements", "training_role_holders",
                 "training_compliance_reports", "training_enrolments")


def upgrade():
    op.create_table('training_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('duration_hours', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('delivery', sa.String(length=20), nullable=False),
    sa.Column('validity_months', sa.Integer(), nullable=True),
    sa.Column('standard', sa.String(length=300), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("delivery IN ('classroom', 'online', 'on_the_job')", name=op.f('ck_training_courses_delivery')),
    sa.CheckConstraint("topic IN ('care_certificate', 'moving_handling', 'safeguarding_adults', 'safeguarding_children', 'basic_life_support', 'first_aid', 'infection_prevention', 'fire_safety', 'medication', 'food_hygiene', 'health_safety', 'equality_diversity', 'mental_capacity', 'information_governance', 'learning_disability_autism', 'sicurezza_generale', 'sicurezza_specifica', 'sicurezza_aggiornamento', 'primo_soccorso', 'antincendio', 'haccp', 'other')", name=op.f('ck_training_courses_topic')),
    sa.CheckConstraint('duration_hours IS NULL OR duration_hours > 0', name=op.f('ck_training_courses_duration_positive')),
    sa.CheckConstraint('validity_months IS NULL OR validity_months > 0', name=op.f('ck_training_courses_validity_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses')),
    sa.UniqueConstraint('code', name=op.f('uq_training_courses_code'))
    )
    op.create_table('training_compliance_reports',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('required', sa.Integer(), nullable=False),
    sa.Column('valid', sa.Integer(), nullable=False),
    sa.Column('expiring', sa.Integer(), nullable=False),
    sa.Column('expired', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('percent_compliant', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.CheckConstraint('required = valid + expiring + expired + missing', name=op.f('ck_training_compliance_reports_cells_add_up')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_compliance_reports_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_training_compliance_reports')),
    sa.UniqueConstraint('tenant_id', name='uq_training_compliance_reports_tenant')
    )
    op.create_table('training_roles',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('all_workers', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_roles_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_training_roles')),
    sa.UniqueConstraint('tenant_id', 'name', name='uq_training_roles_name')
    )
    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('trainer', sa.String(length=200), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('cost_basis', sa.String(length=20), nullable=False),
    sa.Column('cost', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('split_by', sa.String(length=20), nullable=False),
    sa.Column('invoicing_tenant_id', sa.Integer(), nullable=False),
    sa.Column('vat_category', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attendance_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recharged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("cost_basis IN ('per_session', 'per_seat')", name=op.f('ck_training_sessions_cost_basis')),
    sa.CheckConstraint("split_by IN ('attendees', 'seats')", name=op.f('ck_training_sessions_split_by')),
    sa.CheckConstraint("state IN ('open', 'attended', 'recharged')", name=op.f('ck_training_sessions_state')),
    sa.CheckConstraint('booked >= 0 AND booked <= seats', name=op.f('ck_training_sessions_booked_within_seats')),
    sa.CheckConstraint('cost >= 0', name=op.f('ck_training_sessions_cost_not_negative')),
    sa.CheckConstraint('place IS NOT NULL OR link IS NOT NULL', name=op.f('ck_training_sessions_place_or_link')),
    sa.CheckConstraint('seats > 0', name=op.f('ck_training_sessions_seats_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_sessions_course_id_training_courses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoicing_tenant_id'], ['tenants.id'], name=op.f('fk_training_sessions_invoicing_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_training_sessions_held_on', ['held_on'], unique=False)

    op.create_table('training_enrolments',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('attendee_name', sa.String(length=200), nullable=False),
    sa.Column('enrolled_by_user_id', sa.Integer(), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=True),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint("result IS NULL OR result IN ('passed', 'failed', 'absent')", name=op.f('ck_training_enrolments_result')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_enrolments_session_id_training_sessions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'member_id'], ['members.tenant_id', 'members.id'], name=op.f('fk_training_enrolments_tenant_id_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_enrolments_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_training_enrolments')),
    sa.UniqueConstraint('tenant_id', 'session_id', 'member_id', name='uq_training_enrolments_session_member')
    )
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_training_enrolments_session', ['session_id'], unique=False)

    op.create_table('training_recharges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('billed_tenant_id', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_number', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_training_recharges_amount_not_negative')),
    sa.CheckConstraint('units > 0', name=op.f('ck_training_recharges_units_positive')),
    sa.ForeignKeyConstraint(['billed_tenant_id'], ['tenants.id'], name=op.f('fk_training_recharges_billed_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_recharges_session_id_training_sessions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_recharges')),
    sa.UniqueConstraint('session_id', 'billed_tenant_id', name='uq_training_recharges_session_tenant')
    )
    with op.batch_alter_table('training_recharges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_recharges_session_id'), ['session_id'], unique=False)

    op.create_table('training_records',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_title', sa.String(length=200), nullable=False),
    sa.Column('validity_months', sa.Integer(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('provider', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('verification_code', sa.String(length=40), nullable=False),
    sa.Column('certificate_filename', sa.String(length=255), nullable=True),
    sa.Column('certificate_type', sa.String(length=100), nullable=True),
    sa.Column('certificate_size', sa.Integer(), nullable=True),
    sa.Column('certificate_content', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('pooled_session', 'external')", name=op.f('ck_training_records_source')),
    sa.CheckConstraint('(validity_months IS NULL) = (expires_on IS NULL)', name=op.f('ck_training_records_expiry_follows_validity')),
    sa.CheckConstraint('certificate_size IS NULL OR certificate_size > 0', name=op.f('ck_training_records_certificate_size_positive')),
    sa.CheckConstraint('expires_on IS NULL OR expires_on > completed_on', name=op.f('ck_training_records_expires_after_completion')),
    sa.CheckConstraint('validity_months IS NULL OR validity_months > 0', name=op.f('ck_training_records_validity_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'member_id'], ['members.tenant_id', 'members.id'], name=op.f('fk_training_records_tenant_id_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_records_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_training_records')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_training_records_verification_code'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index('ix_training_records_tenant_expiry', ['tenant_id', 'expires_on'], unique=False)
        batch_op.create_index('ix_training_records_worker_course', ['tenant_id', 'member_id', 'course_id', 'completed_on'], unique=False)

    op.create_table('training_requirements',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'role_id'], ['training_roles.tenant_id', 'training_roles.id'], name=op.f('fk_training_requirements_tenant_id_role_id_training_roles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_requirements_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_training_requirements')),
    sa.UniqueConstraint('tenant_id', 'role_id', 'course_id', name='uq_training_requirements_role_course')
    )
    op.create_table('training_role_holders',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('role_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'member_id'], ['members.tenant_id', 'members.id'], name=op.f('fk_training_role_holders_tenant_id_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'role_id'], ['training_roles.tenant_id', 'training_roles.id'], name=op.f('fk_training_role_holders_tenant_id_role_id_training_roles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_role_holders_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_training_role_holders')),
    sa.UniqueConstraint('tenant_id', 'role_id', 'member_id', name='uq_training_role_holders_role_member')
    )

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    op.drop_table('training_role_holders')
    op.drop_table('training_requirements')
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index('ix_training_records_worker_course')
        batch_op.drop_index('ix_training_records_tenant_expiry')

    op.drop_table('training_records')
    with op.batch_alter_table('training_recharges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_recharges_session_id'))

    op.drop_table('training_recharges')
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_training_enrolments_session')

    op.drop_table('training_enrolments')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_training_sessions_held_on')
        batch_op.drop_index(batch_op.f('ix_training_sessions_course_id'))

    op.drop_table('training_sessions')
    op.drop_table('training_roles')
    op.drop_table('training_compliance_reports')
    op.drop_table('training_courses')
