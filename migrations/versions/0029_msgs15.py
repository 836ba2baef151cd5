"""The mutual fund's contribution explanation kept as data, written out in each reader's language

`contributions.explanation_steps` holds the calculation's steps (a step key and its values); pages, the API,
the statement PDF and reminders write the explanation from it in the reader's language. Rows fixed before
keep only their English sentence in `explanation`, which is still written for every new row.

Revision ID: 0029_msgs15
Revises: 0028_rep18c
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0029_msgs15'
down_revision = '0028_rep18c'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('contributions', sa.Column(
        'explanation_steps', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True))


def downgrade():
    op.drop_column('contributions', 'explanation_steps')
