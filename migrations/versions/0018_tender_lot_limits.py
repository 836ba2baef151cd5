"""tender notices keep the OCDS lots extension's limits: tender.lotDetails.maximumLotsBidPerSupplier and
maximumLotsAwardedPerSupplier (enforced on the joint bid and its award)

Revision ID: 0018_tender_lot_limits
Revises: 0017_job_locks
"""
from alembic import op
import sqlalchemy as sa

revision = '0018_tender_lot_limits'
down_revision = '0017_job_locks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tender_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_lots_bid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_lots_awarded', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('tender_notices', schema=None) as batch_op:
        batch_op.drop_column('max_lots_awarded')
        batch_op.drop_column('max_lots_bid')
