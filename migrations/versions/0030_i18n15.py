"""Texts kept with the language they were written in: outbox messages, and accounts warnings stored before

`outbox_messages.language` records the language each email was written in when it was queued (none for a
webhook); the outbox pages mark a subject in another language than the page's with `lang`.

Accounts upload warnings carry a `language` since 3c279a5; older ones have none. They were not all English: the
"optional line missing" warning was translated from 58c8069 and every warning from 6edb4cf, so an Italian uploader
got Italian warnings stored without their language. Those Italian texts are the catalogue's translations, unchanged
in `git log -p tenants/accounts/translations/it/LC_MESSAGES/messages.po` since each arrived; a stored warning that
matches one of them is Italian, any other is English (the only other language warnings were ever written in).

Revision ID: 0030_i18n15
Revises: 0029_msgs15
"""

import re

import sqlalchemy as sa
from alembic import op

revision = '0030_i18n15'
down_revision = '0029_msgs15'
branch_labels = None
depends_on = None

# The Italian warnings of tenants/accounts/parsing.py as the catalogue has translated them since 58c8069 / 6edb4cf.
ITALIAN_WARNINGS = (
    "manca la riga '%(code)s' (%(label)s); viene considerata pari a 0",
    "la colonna sconosciuta '%(column)s' viene ignorata",
    "altri %(count)s avvisi non elencati",
)
_ITALIAN = [re.compile(re.sub(r"%\\\(\w+\\\)s", ".*", re.escape(text)), re.DOTALL) for text in ITALIAN_WARNINGS]


def warning_language(message: str) -> str:
    """The language a warning stored without one was written in."""
    return "it" if any(pattern.fullmatch(message or "") for pattern in _ITALIAN) else "en"


def upgrade():
    op.add_column('outbox_messages', sa.Column('language', sa.String(length=5), nullable=True))
    date_accounts_warnings(op.get_bind())


def date_accounts_warnings(bind) -> None:
    """Give every stored accounts warning without a language the one it was written in."""
    versions = sa.table('accounts_versions', sa.column('id', sa.Integer), sa.column('tenant_id', sa.Integer),
                        sa.column('warnings', sa.JSON))
    for tenant_id in bind.execute(sa.text("SELECT id FROM tenants")).scalars().all():
        if bind.dialect.name == 'postgresql':  # row-level security: each co-op's rows in its own scope
            # SET LOCAL, as consortium.tenancy does: Citus passes it on to its workers (set_config it does not).
            bind.execute(sa.text(f"SET LOCAL app.tenant_id = '{int(tenant_id)}'"))
        for row in bind.execute(sa.select(versions.c.id, versions.c.warnings)
                                .where(versions.c.tenant_id == tenant_id)).all():
            warnings = row.warnings or []
            if all("language" in warning for warning in warnings):
                continue
            dated = [warning if "language" in warning
                     else {**warning, "language": warning_language(warning.get("message"))} for warning in warnings]
            bind.execute(versions.update().where(versions.c.id == row.id).values(warnings=dated))
    if bind.dialect.name == 'postgresql':
        bind.execute(sa.text("SET LOCAL app.tenant_id = ''"))


def downgrade():
    op.drop_column('outbox_messages', 'language')
