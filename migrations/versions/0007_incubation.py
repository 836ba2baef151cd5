"""incubation projects, mentors, stages, checklists, milestones, notes, documents, loan requests, runner rule

Revision ID: 0007_incubation
Revises: 0006_mutual_fund
"""
from alembic import op
import sqlalchemy as sa

revision = '0007_incubation'
down_revision = '0006_mutual_fund'
branch_labels = None
depends_on = None


def upgrade():
    # Consortium-level tables (no tenant owns a project), so no row-level security here.
    op.create_table('incubation_checklist_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("stage IN ('idea', 'founding_group_formed', 'business_plan', 'registered', 'trading', 'independent')", name=op.f('ck_incubation_checklist_template_stage')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_checklist_template'))
    )
    op.create_table('incubation_obligation_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('years_from_founding', sa.Integer(), nullable=False),
    sa.Column('member_threshold', sa.Integer(), nullable=True),
    sa.Column('turnover_threshold', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('turnover_currency', sa.String(length=3), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('member_threshold IS NULL OR member_threshold > 0', name=op.f('ck_incubation_obligation_rule_member_threshold_positive')),
    sa.CheckConstraint('turnover_threshold IS NULL OR turnover_currency IS NOT NULL', name=op.f('ck_incubation_obligation_rule_turnover_has_currency')),
    sa.CheckConstraint('turnover_threshold IS NULL OR turnover_threshold > 0', name=op.f('ck_incubation_obligation_rule_turnover_threshold_positive')),
    sa.CheckConstraint('years_from_founding > 0', name=op.f('ck_incubation_obligation_rule_years_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_obligation_rule'))
    )
    op.create_table('incubation_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('working_name', sa.String(length=200), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('need', sa.Text(), nullable=True),
    sa.Column('locality', sa.String(length=200), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('intended_legal_form', sa.String(length=40), nullable=False),
    sa.Column('intended_type', sa.String(length=100), nullable=True),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('paused_from', sa.String(length=30), nullable=True),
    sa.Column('closed_reason', sa.Text(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('converted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stage <> 'closed' OR closed_reason IS NOT NULL", name=op.f('ck_incubation_projects_closed_has_reason')),
    sa.CheckConstraint("stage IN ('idea', 'founding_group_formed', 'business_plan', 'registered', 'trading', 'independent', 'paused', 'closed')", name=op.f('ck_incubation_projects_stage')),
    sa.ForeignKeyConstraint(['sponsor_id'], ['tenants.id'], name=op.f('fk_incubation_projects_sponsor_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_incubation_projects_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_projects')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_incubation_projects_tenant_id'))
    )
    with op.batch_alter_table('incubation_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incubation_projects_sponsor_id'), ['sponsor_id'], unique=False)
    op.create_table('incubation_checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('template_item_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_user_id'], ['users.id'], name=op.f('fk_incubation_checklist_items_done_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['incubation_projects.id'], name=op.f('fk_incubation_checklist_items_project_id_incubation_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_item_id'], ['incubation_checklist_template.id'], name=op.f('fk_incubation_checklist_items_template_item_id_incubation_checklist_template'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_checklist_items')),
    sa.UniqueConstraint('project_id', 'template_item_id', name='uq_incubation_checklist_items_project_template')
    )
    with op.batch_alter_table('incubation_checklist_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incubation_checklist_items_project_id'), ['project_id'], unique=False)
    op.create_table('incubation_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['incubation_projects.id'], name=op.f('fk_incubation_documents_project_id_incubation_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_incubation_documents_uploaded_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_documents'))
    )
    with op.batch_alter_table('incubation_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incubation_documents_project_id'), ['project_id'], unique=False)
    op.create_table('incubation_founders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.CheckConstraint("role IN ('worker', 'service_user', 'volunteer', 'family_member', 'financing_member', 'legal_entity')", name=op.f('ck_incubation_founders_role')),
    sa.ForeignKeyConstraint(['project_id'], ['incubation_projects.id'], name=op.f('fk_incubation_founders_project_id_incubation_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_founders'))
    )
    with op.batch_alter_table('incubation_founders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incubation_founders_project_id'), ['project_id'], unique=False)
    op.create_table('incubation_loan_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by_user_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status <> 'granted' OR loan_id IS NOT NULL", name=op.f('ck_incubation_loan_requests_granted_has_loan')),
    sa.CheckConstraint("status IN ('requested', 'granted', 'refused')", name=op.f('ck_incubation_loan_requests_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_incubation_loan_requests_amount_positive')),
    sa.CheckConstraint('months > 0', name=op.f('ck_incubation_loan_requests_months_positive')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_incubation_loan_requests_decided_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['incubation_projects.id'], name=op.f('fk_incubation_loan_requests_project_id_incubation_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_user_id'], ['users.id'], name=op.f('fk_incubation_loan_requests_requested_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_loan_requests'))
    )
    with op.batch_alter_table('incubation_loan_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incubation_loan_requests_project_id'), ['project_id'], unique=False)
    op.create_table('incubation_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['incubation_projects.id'], name=op.f('fk_incubation_milestones_project_id_incubation_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_milestones'))
    )
    with op.batch_alter_table('incubation_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incubation_milestones_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_incubation_milestones_project_id'), ['project_id'], unique=False)
    op.create_table('incubation_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=True),
    sa.Column('next_steps', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_incubation_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['incubation_projects.id'], name=op.f('fk_incubation_notes_project_id_incubation_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_notes'))
    )
    with op.batch_alter_table('incubation_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incubation_notes_project_id'), ['project_id'], unique=False)
    op.create_table('incubation_stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sa.String(length=30), nullable=True),
    sa.Column('to_stage', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('overridden_items', sa.Text(), nullable=True),
    sa.CheckConstraint("to_stage IN ('idea', 'founding_group_formed', 'business_plan', 'registered', 'trading', 'independent', 'paused', 'closed')", name=op.f('ck_incubation_stage_changes_to_stage')),
    sa.CheckConstraint('overridden_items IS NULL OR override_reason IS NOT NULL', name=op.f('ck_incubation_stage_changes_override_has_reason')),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_incubation_stage_changes_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['incubation_projects.id'], name=op.f('fk_incubation_stage_changes_project_id_incubation_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incubation_stage_changes'))
    )
    with op.batch_alter_table('incubation_stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incubation_stage_changes_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('incubation_stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incubation_stage_changes_project_id'))
    op.drop_table('incubation_stage_changes')
    with op.batch_alter_table('incubation_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incubation_notes_project_id'))
    op.drop_table('incubation_notes')
    with op.batch_alter_table('incubation_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incubation_milestones_project_id'))
        batch_op.drop_index(batch_op.f('ix_incubation_milestones_due_on'))
    op.drop_table('incubation_milestones')
    with op.batch_alter_table('incubation_loan_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incubation_loan_requests_project_id'))
    op.drop_table('incubation_loan_requests')
    with op.batch_alter_table('incubation_founders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incubation_founders_project_id'))
    op.drop_table('incubation_founders')
    with op.batch_alter_table('incubation_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incubation_documents_project_id'))
    op.drop_table('incubation_documents')
    with op.batch_alter_table('incubation_checklist_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incubation_checklist_items_project_id'))
    op.drop_table('incubation_checklist_items')
    with op.batch_alter_table('incubation_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incubation_projects_sponsor_id'))
    op.drop_table('incubation_projects')
    op.drop_table('incubation_obligation_rule')
    op.drop_table('incubation_checklist_template')
