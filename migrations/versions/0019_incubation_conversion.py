"""incubation: the reason a consortium officer gave for converting a project with required items open

Revision ID: 0019_incubation_conversion
Revises: 0015_tendering
"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0019_incubation_conversion'
down_revision = '0018_tender_lot_limits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incubation_projects') as batch:
        batch.add_column(sa.Column('conversion_override_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('conversion_overridden_items', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('incubation_projects') as batch:
        batch.drop_column('conversion_overridden_items')
        batch.drop_column('conversion_override_reason')
