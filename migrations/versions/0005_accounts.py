"""annual accounts submissions

Revision ID: 0005_accounts
Revises: 0004_invoicing
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_tenant_rls

revision = '0005_accounts'
down_revision = '0004_invoicing'
branch_labels = None
depends_on = None


def upgrade():
    pass  # placeholder: filled by the feature that owns this revision


def downgrade():
    pass
