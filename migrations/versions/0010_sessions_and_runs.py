"""session generation on users, job runs recorded at their start, the scheduler heartbeat

Revision ID: 0010_sessions_and_runs
Revises: 0009_consortium_reader

- `users.session_generation`: raised to end a user's sessions on the server (logout, password
  change, a removed role); a session cookie carries the generation it was issued under.
- `job_runs`: a row is written when a run starts (`status` 'running'), so a run that never
  finished shows as 'interrupted'; `batch_id` groups the per-co-op rows of one run so an
  interrupted run can be resumed without running any co-op twice. `ok` becomes `status`.
- `outbox_messages`: an index for "does an earlier delivery of this subscription still wait?".
- `scheduler_heartbeats`: the scheduler process writes its row every few seconds; /healthz reads it.
  A platform table (no tenant), like `job_runs`.
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_sessions_and_runs'
down_revision = '0009_consortium_reader'
branch_labels = None
depends_on = None

JOB_RUN_STATUSES = "('running', 'ok', 'failed', 'interrupted')"


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='ok', nullable=False))
        batch_op.add_column(sa.Column('batch_id', sa.String(length=36), nullable=True))
        batch_op.alter_column('finished_at', existing_type=sa.DateTime(timezone=True), nullable=True)
    op.execute("UPDATE job_runs SET status = CASE WHEN ok THEN 'ok' ELSE 'failed' END")
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('ok')
        batch_op.create_check_constraint('status', f"status IN {JOB_RUN_STATUSES}")
        batch_op.create_index('ix_job_runs_batch', ['batch_id'], unique=False)

    # Webhooks of one subscription are delivered in order: the delivery asks whether an earlier one waits.
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_subscription_queue', ['subscription_id', 'status', 'id'],
                              unique=False)

    op.create_table('scheduler_heartbeats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_heartbeats'))
    )


def downgrade():
    op.drop_table('scheduler_heartbeats')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_subscription_queue')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ok', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE job_runs SET ok = (status = 'ok')")
    op.execute("UPDATE job_runs SET finished_at = started_at WHERE finished_at IS NULL")
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_batch')
        batch_op.drop_constraint(op.f('ck_job_runs_status'), type_='check')
        batch_op.drop_column('batch_id')
        batch_op.drop_column('status')
        batch_op.alter_column('finished_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
