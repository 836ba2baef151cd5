"""the interface language each user chose

Revision ID: 0008_languages
Revises: 0007_incubation
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_languages'
down_revision = '0007_incubation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('language', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('language')
