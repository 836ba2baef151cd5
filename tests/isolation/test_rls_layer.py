"""Isolation layer 2 on its own: PostgreSQL row-level security with the ORM filter switched off.

The app connects as a role that neither owns the tables nor is superuser, so RLS applies; with
`orm_tenant_filter` off, only the database stands between a tenant and another's rows.
"""

from datetime import date

import pytest
from sqlalchemy import event, insert, select, text, update
from sqlalchemy.exc import NotSupportedError, ProgrammingError

from consortium.extensions import db
from consortium.tenancy import ORM_FILTER_KEY, consortium_scope, is_scope_statement, set_tenant, tenant_scope
from tenants.members.models import Member
from tests.conftest import ON_POSTGRESQL, TEST_DATABASE

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_POSTGRESQL, reason="row-level security is PostgreSQL's"),
]


@pytest.fixture
def rls_only(app, two_coops):
    with app.app_context():
        db.session.info[ORM_FILTER_KEY] = False
        set_tenant(db.session, two_coops["a"].id)
        yield two_coops
        db.session.rollback()


def test_app_role_is_neither_superuser_nor_owner(app, rls_only):
    row = db.session.execute(text(
        "SELECT r.rolsuper, r.rolbypassrls, t.tableowner = current_user "
        "FROM pg_roles r, pg_tables t WHERE r.rolname = current_user AND t.tablename = 'members'")).one()
    assert tuple(row) == (False, False, False)
    assert db.session.scalar(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'members'")) is True


def test_rls_alone_returns_no_foreign_rows(rls_only):
    names = db.session.scalars(select(Member.name).execution_options(all_tenants=True)).all()
    assert names == ["Alice of A"]
    assert db.session.scalar(select(Member).where(Member.id == rls_only["member_b"])) is None


def test_rls_alone_refuses_foreign_inserts(rls_only):
    with pytest.raises(ProgrammingError, match="row-level security"):
        db.session.execute(insert(Member).values(
            tenant_id=rls_only["b"].id, name="Planted", category="worker", joined_on=date(2022, 1, 1)))


def test_rls_alone_refuses_foreign_updates_and_moves(rls_only):
    changed = db.session.execute(
        update(Member).where(Member.id == rls_only["member_b"]).values(name="Hijacked")
        .execution_options(synchronize_session=False))
    assert changed.rowcount == 0
    # Citus refuses to change a distribution column before row-level security is asked: either refusal holds.
    refused = (ProgrammingError, NotSupportedError) if TEST_DATABASE == "citus" else ProgrammingError
    with pytest.raises(refused, match="row-level security|modifying the partition value"):
        db.session.execute(update(Member).where(Member.id == rls_only["member_a"]).values(
            tenant_id=rls_only["b"].id).execution_options(synchronize_session=False))


def test_without_any_scope_rls_shows_nothing(app, two_coops):
    with app.app_context():
        db.session.info[ORM_FILTER_KEY] = False
        assert db.session.scalars(select(Member)).all() == []


def test_consortium_scope_reads_counts_across_but_cannot_write_a_co_ops_rows(app, two_coops):
    with app.app_context():
        db.session.info[ORM_FILTER_KEY] = False
        with consortium_scope(db.session):
            assert len(db.session.scalars(select(Member.joined_on)).all()) == 2
            with pytest.raises(ProgrammingError, match="permission denied"):
                db.session.execute(insert(Member).values(
                    tenant_id=two_coops["a"].id, name="No tenant set", category="worker", joined_on=date(2022, 1, 1)))


def test_audit_log_is_append_only_for_the_app_role(app, two_coops):
    with app.app_context(), consortium_scope(db.session):
        with pytest.raises(ProgrammingError, match="permission denied"):
            db.session.execute(text("DELETE FROM audit_log"))


def test_a_transaction_begun_in_no_scope_inherits_nothing_from_the_last_one_on_its_connection(app, two_coops):
    """No statement sets the scope of a transaction begun in no scope (one round trip less per request):
    what the previous transaction on the same connection set (a co-op, the consortium reader) ended with it."""
    with app.app_context():
        db.engine.dispose()  # an empty pool: each transaction below checks out the one connection the first opened
        db.session.info[ORM_FILTER_KEY] = False
        set_tenant(db.session, two_coops["a"].id)
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        assert db.session.scalars(select(Member.name)).all() == ["Alice of A"]
        db.session.commit()
        set_tenant(db.session, None)
        with consortium_scope(db.session):
            assert len(db.session.scalars(select(Member.joined_on)).all()) == 2
            db.session.commit()
        statements = []
        listener = lambda conn, cursor, sql, *args: statements.append(sql)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert db.session.scalar(text("SELECT pg_backend_pid()")) == backend  # the same connection again
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert not [sql for sql in statements if is_scope_statement(sql)]
        assert db.session.scalars(select(Member)).all() == []
        assert db.session.scalar(text("SELECT current_user = session_user")) is True
        assert db.session.scalar(text("SELECT current_setting('app.tenant_id', true)")) in (None, "")
        db.session.rollback()


def test_entering_the_co_op_the_session_is_already_in_sends_no_scope_statement(rls_only):
    """Issue 16: issuing an invoice sent two needless `SET LOCAL`s, its webhook lookup re-entering the request's
    own co-op. Entering the same co-op is now free; entering another still sets the database scope, both ways."""
    db.session.scalar(select(Member.name))  # the transaction has begun in co-op A's scope
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with tenant_scope(db.session, rls_only["a"].id):
            assert db.session.scalars(select(Member.name)).all() == ["Alice of A"]
        same = [sql for sql in statements if is_scope_statement(sql)]
        with tenant_scope(db.session, rls_only["b"].id):
            assert db.session.scalars(select(Member.name)).all() == ["Bob of B"]
        assert db.session.scalars(select(Member.name)).all() == ["Alice of A"]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert same == []
    assert len([sql for sql in statements if is_scope_statement(sql)]) == 2
