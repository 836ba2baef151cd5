"""notification outbox, webhook subscriptions, email preferences

Revision ID: 0003_notifications
Revises: 0002_scheduler
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_tenant_rls

revision = '0003_notifications'
down_revision = '0002_scheduler'
branch_labels = None
depends_on = None


def upgrade():
    pass  # placeholder: filled by the feature that owns this revision


def downgrade():
    pass
