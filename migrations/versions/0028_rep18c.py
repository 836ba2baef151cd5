"""reported training hours: each co-op reports its training hours of the year to the consortium (the catalogue
hours of the courses completed, the completions, and those of courses with no hours stated); NULL until the job
`reporting.report_figures` counts that year

Revision ID: 0028_rep18c
Revises: 0027_citus19
"""

import sqlalchemy as sa
from alembic import op

revision = '0028_rep18c'
down_revision = '0027_citus19'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reported_figures') as batch:
        batch.add_column(sa.Column('training_hours', sa.Numeric(precision=10, scale=1), nullable=True))
        batch.add_column(sa.Column('training_completions', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('training_without_hours', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('reported_figures') as batch:
        batch.drop_column('training_without_hours')
        batch.drop_column('training_completions')
        batch.drop_column('training_hours')
