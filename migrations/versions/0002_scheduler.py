"""scheduler job store and job runs

Revision ID: 0002_scheduler
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_tenant_rls

revision = '0002_scheduler'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    pass  # placeholder: filled by the feature that owns this revision


def downgrade():
    pass
