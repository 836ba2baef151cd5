"""job locks: a manual "Run now" and the scheduler never run the same job at once

`job_locks` holds one row per job, taken with a conditional UPDATE (consortium.scheduler.take_job_lock).
No tenant_id: a platform table with grants only.

Revision ID: 0017_job_locks
Revises: 0016_outbox_scope
"""
from alembic import op
import sqlalchemy as sa

revision = '0017_job_locks'
down_revision = '0016_outbox_scope'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_locks',
    sa.Column('job_id', sa.String(length=191), nullable=False),
    sa.Column('holder', sa.String(length=36), nullable=True),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_job_locks'))
    )


def downgrade():
    op.drop_table('job_locks')
