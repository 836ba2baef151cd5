"""The consortium scope is checked by the database (PostgreSQL): the app role cannot forge it by setting a
variable, and the consortium reader it runs as reads what co-ops report to the consortium and nothing else.

Every test here talks SQL through the app's own session, as the app role (never owner, never superuser),
with the ORM filter switched off, so only the database stands between the caller and the rows.
"""

from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from consortium.extensions import db
from consortium.rls import consortium_reader_role
from consortium.tenancy import ORM_FILTER_KEY, consortium_scope, set_tenant, tenant_scope
from tests.conftest import ON_POSTGRESQL, TEST_DATABASE
from tests.invoicing.helpers import make_invoice
from tests.mutual_fund.conftest import fund  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRESQL, reason="roles and row-level security are PostgreSQL's"),
]

FORGED_SCOPE = ("SELECT set_config('app.all_tenants', 'on', true)", "SET LOCAL app.all_tenants = 'on'")
PRIVATE_READS = {
    "invoice lines": "SELECT count(*) FROM invoice_lines",
    "invoices": "SELECT count(*) FROM invoices",
    "customers": "SELECT count(*) FROM customers",
    "members' names": "SELECT name FROM members",
    "members' contacts and tax codes": "SELECT email, tax_code FROM members",
    "members' shares": "SELECT shares_paid FROM members",
    "webhook secrets": "SELECT secret FROM webhook_subscriptions",
    "invoice number counters": "SELECT count(*) FROM invoice_number_counters",
    "invoicing settings (IBAN)": "SELECT iban FROM invoicing_settings",
    "payslips": "SELECT count(*) FROM payroll_payslips",
    "payslip lines": "SELECT count(*) FROM payroll_payslip_lines",
    "pay runs": "SELECT count(*) FROM payroll_runs",
    "employees' pay details": "SELECT ni_number FROM payroll_employees",
    "workers' training records": "SELECT count(*) FROM training_records",
}


@pytest.fixture
def two_coops_trading(factory, two_coops):
    """Co-ops A and B, each with a member and an issued invoice (a customer, lines, an audit trail)."""
    for tenant in (two_coops["a"], two_coops["b"]):
        make_invoice(factory, tenant)
    return two_coops


@pytest.fixture
def raw(app):
    """The app's session with the ORM filter off: SQL as the app role, checked by the database alone."""
    with app.app_context():
        db.session.info[ORM_FILTER_KEY] = False
        yield db.session
        db.session.rollback()


def _scalar(session, sql):
    return session.execute(text(sql)).scalar()


@pytest.mark.parametrize("forge", FORGED_SCOPE)
def test_the_app_role_setting_all_tenants_by_hand_sees_no_foreign_row(raw, two_coops_trading, forge):
    a = two_coops_trading["a"].id
    set_tenant(raw, a)
    raw.execute(text(forge))
    for table in ("members", "customers", "invoices", "invoice_lines", "audit_log"):
        tenants = raw.execute(text(f"SELECT DISTINCT tenant_id FROM {table}")).scalars().all()
        assert tenants == [a], table
    assert _scalar(raw, "SELECT count(*) FROM invoice_lines") == 1


@pytest.mark.parametrize("forge", FORGED_SCOPE)
def test_the_app_role_with_no_tenant_and_a_forged_scope_sees_no_co_op_row(raw, two_coops_trading, forge):
    raw.execute(text(forge))
    for table in ("members", "customers", "invoices", "invoice_lines", "accounts_versions", "contributions"):
        assert _scalar(raw, f"SELECT count(*) FROM {table}") == 0, table
    assert _scalar(raw, "SELECT count(*) FROM audit_log WHERE tenant_id IS NOT NULL") == 0


def test_the_consortium_scope_runs_as_the_reader_role_and_leaves_it(raw, two_coops):
    app_role = _scalar(raw, "SELECT current_user")
    with consortium_scope(raw):
        assert _scalar(raw, "SELECT current_user") == consortium_reader_role(current_app.config)
        with tenant_scope(raw, two_coops["a"].id):  # acting for one co-op: the app role, under its policy
            assert _scalar(raw, "SELECT current_user") == app_role
        assert _scalar(raw, "SELECT current_user") == consortium_reader_role(current_app.config)
    assert _scalar(raw, "SELECT current_user") == app_role
    assert _scalar(raw, "SELECT rolcanlogin FROM pg_roles WHERE rolname = current_user") is True
    # On Citus the coordinator reaches the workers as the current role, so the reader logs in there (docs/scaling.md).
    assert _scalar(raw, f"SELECT rolcanlogin FROM pg_roles WHERE rolname = "
                        f"'{consortium_reader_role(current_app.config)}'") is (TEST_DATABASE == "citus")


@pytest.mark.parametrize("what", sorted(PRIVATE_READS))
def test_the_consortium_scope_is_refused_private_lines_by_the_database(raw, two_coops_trading, what):
    with consortium_scope(raw):
        with pytest.raises(ProgrammingError, match="permission denied"):
            raw.execute(text(PRIVATE_READS[what]))


def test_the_consortium_scope_cannot_write_a_co_ops_private_rows(raw, two_coops_trading):
    with consortium_scope(raw):
        with pytest.raises(ProgrammingError, match="permission denied"):
            raw.execute(text("UPDATE members SET category = 'volunteer'"))


@pytest.fixture
def two_contributions(fund):  # noqa: F811
    """Co-ops A and B each submitted accounts, accepted by the consortium (so each owes a contribution)."""
    fund.accepted(Decimal("20000.00"), tenant=fund.a)
    fund.accepted(Decimal("35000.00"), tenant=fund.b)
    return sorted([fund.a.id, fund.b.id])


def test_the_consortium_scope_reads_accounts_and_contributions_across_co_ops(two_contributions, raw):
    both = two_contributions
    with consortium_scope(raw):
        for table in ("accounts_versions", "contributions", "members"):
            tenants = raw.execute(text(f"SELECT DISTINCT tenant_id FROM {table} ORDER BY 1")).scalars().all()
            assert tenants == (both if table != "members" else []), table
        amounts = raw.execute(text("SELECT net_profit FROM contributions ORDER BY net_profit")).scalars().all()
        assert amounts == [Decimal("20000.00"), Decimal("35000.00")]
        # the consortium's own audit entries only: a co-op's audit trail stays the co-op's
        assert _scalar(raw, "SELECT count(*) FROM audit_log WHERE tenant_id IS NOT NULL") == 0
        assert _scalar(raw, "SELECT count(*) FROM audit_log WHERE tenant_id IS NULL") > 0


def test_the_consortium_scope_counts_members_without_reading_who_they_are(raw, two_coops):
    with consortium_scope(raw):
        counts = raw.execute(text("SELECT tenant_id, count(*) FROM members GROUP BY tenant_id ORDER BY 1")).all()
    assert [tuple(row) for row in counts] == [(two_coops["a"].id, 1), (two_coops["b"].id, 1)]


def test_in_the_consortium_scope_a_co_ops_outbox_bodies_are_invisible(raw, two_coops):
    from consortium.notifications import service as notifications
    from tests.notifications.helpers import register_test_kind

    kind = register_test_kind()
    a = two_coops["a"].id
    with tenant_scope(raw, a):
        notifications.enqueue_email(raw, to="t@example.test", subject="Invoice 7", body="private lines of A",
                                    kind=kind, tenant_id=a)
    raw.commit()  # a co-op's request, then the consortium's (on Citus one transaction cannot write as both roles)
    with consortium_scope(raw):
        # queued from the consortium scope for co-op B: written as B (the reader may not write it)
        notifications.enqueue_email(raw, to="b@example.test", subject="Reminder", body="B's reminder", kind=kind,
                                    tenant_id=two_coops["b"].id)
        raw.commit()  # B's message as the app role, then the consortium's as the reader: two transactions
        notifications.enqueue_email(raw, to="staff@example.test", subject="Ours", body="the consortium's",
                                    kind=kind, tenant_id=None)
        assert raw.execute(text("SELECT body FROM outbox_messages")).scalars().all() == ["the consortium's"]
        assert _scalar(raw, "SELECT count(*) FROM outbox_messages WHERE tenant_id IS NOT NULL") == 0
        # nor can it change or take over a co-op's message
        assert raw.execute(text("UPDATE outbox_messages SET status = 'failed' WHERE tenant_id IS NOT NULL")
                           ).rowcount == 0
        with pytest.raises(ProgrammingError, match="row-level security"):
            raw.execute(text(f"UPDATE outbox_messages SET tenant_id = {a} WHERE tenant_id IS NULL"))
    raw.rollback()


def test_a_change_made_in_the_consortium_scope_is_written_as_the_reader_even_when_committed_after_it(app):
    """Left to the commit after the block, the change would be written as the app role, which does not see the
    consortium's own messages (and on Citus would be a second role's write, waiting on the reader's lock)."""
    from consortium.notifications import service as notifications
    from consortium.notifications.models import OutboxMessage
    from tests.conftest import unrestricted
    from tests.notifications.helpers import register_test_kind

    kind = register_test_kind()
    with app.app_context():
        with consortium_scope(db.session):
            [message] = notifications.enqueue_email(db.session, to="staff@example.test", subject="Ours",
                                                    body="the consortium's", kind=kind, tenant_id=None)
            message_id = message.id
        db.session.commit()
        with consortium_scope(db.session):
            db.session.get(OutboxMessage, message_id).status = "failed"
        db.session.commit()
    with unrestricted(app) as connection:
        assert connection.execute(text("SELECT status FROM outbox_messages")).scalars().all() == ["failed"]
