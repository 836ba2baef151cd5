"""invoicing: customers, invoices, credit notes, payments

Revision ID: 0004_invoicing
Revises: 0003_notifications
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_tenant_rls

revision = '0004_invoicing'
down_revision = '0003_notifications'
branch_labels = None
depends_on = None


def upgrade():
    pass  # placeholder: filled by the feature that owns this revision


def downgrade():
    pass
