"""mutual fund: contributions, payments, ledger, loans, guarantees

Revision ID: 0006_mutual_fund
Revises: 0005_accounts
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text

from consortium.rls import enable_tenant_rls

revision = '0006_mutual_fund'
down_revision = '0005_accounts'
branch_labels = None
depends_on = None


def upgrade():
    pass  # placeholder: filled by the feature that owns this revision


def downgrade():
    pass
