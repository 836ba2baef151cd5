"""incubation projects, mentors, milestones

Revision ID: 0007_incubation
Revises: 0006_mutual_fund
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_tenant_rls

revision = '0007_incubation'
down_revision = '0006_mutual_fund'
branch_labels = None
depends_on = None


def upgrade():
    pass  # placeholder: filled by the feature that owns this revision


def downgrade():
    pass
