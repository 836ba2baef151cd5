"""Tenant isolation, layer 1 (ORM) and the session side of layer 2 (PostgreSQL RLS).

The current tenant lives in `session.info`. Every ORM SELECT, UPDATE and DELETE gets
`tenant_id = current` on every tenant-owned entity; a flush that writes another tenant's
row raises. On PostgreSQL each transaction also runs `SET LOCAL app.tenant_id = '<id>'`,
which the row-level-security policies read (`SET LOCAL`, not `set_config`, because Citus
passes it on to its worker nodes with `citus.propagate_set_commands = 'local'`).

Cross-tenant reads are explicit twice: the session enters the consortium scope
(`consortium_scope`) and the query says `execution_options(all_tenants=True)`. On PostgreSQL
the consortium scope with no tenant set is the consortium reader role, entered with
`SET LOCAL ROLE` and left with `SET LOCAL ROLE NONE`: it reads only what co-ops report to the
consortium (see consortium.rls); the app role alone reads no other co-op's row whatever it sets.
Inside `tenant_scope` (also nested in the consortium scope) the transaction is the app role
again, under that co-op's policy: that is how the consortium writes a co-op's row.
"""

from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy import bindparam, event
from sqlalchemy.orm import Session, scoped_session, with_loader_criteria

from consortium.db import TenantOwned, once_per_statement
from consortium.rls import consortium_reader_role

TENANT_KEY = "tenant_id"
# Execution option of a statement that reads no tenant-owned table (the request's token, user and roles): the
# ORM filter has nothing to add to it, and adding its option costs a third of such a statement (issue 16).
NO_TENANT_TABLES = "no_tenant_tables"
CONSORTIUM_KEY = "consortium_scope"
COMMIT_AT_ROLE_CHANGE_KEY = "commit_at_role_change"
ORM_FILTER_KEY = "orm_tenant_filter"  # tests switch layer 1 off to prove layer 2 alone


class CrossTenantWrite(RuntimeError):
    """A flush tried to write a row that belongs to another tenant than the current one."""


def current_tenant_id(session: Session) -> int | None:
    """The tenant the session is scoped to, or None."""
    return session.info.get(TENANT_KEY)


def set_tenant(session: Session, tenant_id: int | None) -> None:
    """Scope the session to one tenant (None: no tenant), in the ORM and the database."""
    _commit_if_the_role_changes(session, tenant_id, session.info.get(CONSORTIUM_KEY, False))
    session.info[TENANT_KEY] = tenant_id
    _apply_database_scope(session)


def set_consortium_scope(session: Session, enabled: bool) -> None:
    """Allow (or stop allowing) explicit cross-tenant reads for consortium roles."""
    _commit_if_the_role_changes(session, current_tenant_id(session), enabled)
    session.info[CONSORTIUM_KEY] = enabled
    _apply_database_scope(session)


@contextmanager
def tenant_scope(session: Session, tenant_id: int):
    """Run a block scoped to `tenant_id`, restoring the previous scope afterwards."""
    previous = current_tenant_id(session)
    if previous == tenant_id:  # already there (a co-op's own request emitting its event): no statement to send
        yield
        return
    set_tenant(session, tenant_id)
    try:
        yield
    finally:
        set_tenant(session, previous)


@contextmanager
def consortium_scope(session: Session):
    """Run a block in the consortium scope, restoring the previous scope afterwards.

    What the session holds is flushed first, in the scope it was made in, and the block's writes before leaving:
    left to the commit, a change made here would be written by the role of the scope the commit runs in (on
    PostgreSQL the app role, which may not reach the consortium's own messages; on Citus a second role in the
    transaction, whose connection to the worker waits on the reader's lock there: a distributed deadlock).
    """
    previous = session.info.get(CONSORTIUM_KEY, False)
    session.flush()
    set_consortium_scope(session, True)
    try:
        yield
        session.flush()
    finally:
        set_consortium_scope(session, previous)


@contextmanager
def app_role_scope(session: Session):
    """Run a block as the app role with no co-op set, leaving the consortium scope (and its reader) meanwhile.

    For a consortium flow whose writes must all be made by one role: on Citus a transaction may not write
    reference tables (tenants, users, role assignments) as the reader and then as the app role, nor write a
    co-op's rows that point at a tenant the other role's connection wrote (docs/scaling.md). The app role with no
    co-op reaches no co-op's private rows; a co-op's rows are written inside `tenant_scope` within the block.
    What the session holds is flushed first in the scope it was made in, and the block's writes before leaving.
    """
    previous_tenant, previous_scope = current_tenant_id(session), session.info.get(CONSORTIUM_KEY, False)
    session.flush()
    session.info[TENANT_KEY] = None
    set_consortium_scope(session, False)
    try:
        yield
        session.flush()
    finally:
        session.info[TENANT_KEY] = previous_tenant
        set_consortium_scope(session, previous_scope)


@contextmanager
def commit_at_each_role_change(session: Session):
    """Commit the open transaction whenever the scope passes between the consortium reader and the app role.

    For a script that writes as both in turn, such as the demo loader (a co-op made in the consortium scope, then
    its members in the co-op's): on Citus one transaction may not write as one role and then as the other, nor
    see the other role's uncommitted rows on the worker (docs/scaling.md). A request never does this; it commits
    once. The pending writes are flushed in the scope they were made in, before it changes; the objects are not
    expired by these commits (the script is their only writer), so one made in a co-op's scope and read again in
    the consortium's is not reloaded there, where the reader may not read it.
    """
    session = session() if isinstance(session, scoped_session) else session
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    session.info[COMMIT_AT_ROLE_CHANGE_KEY] = True
    try:
        yield
    finally:
        session.info.pop(COMMIT_AT_ROLE_CHANGE_KEY, None)
        session.expire_on_commit = expire_on_commit


def _as_reader(tenant_id: int | None, consortium: bool) -> bool:
    """True for the scope PostgreSQL runs as the consortium reader: the consortium's, with no co-op set."""
    return bool(consortium) and tenant_id is None


def _commit_if_the_role_changes(session: Session, tenant_id: int | None, consortium: bool) -> None:
    session = session() if isinstance(session, scoped_session) else session
    if not session.info.get(COMMIT_AT_ROLE_CHANGE_KEY) or not session.in_transaction():
        return
    if _as_reader(tenant_id, consortium) != _as_reader(current_tenant_id(session),
                                                       session.info.get(CONSORTIUM_KEY, False)):
        session.commit()


class ConsortiumScopeUnavailable(RuntimeError):
    """The consortium scope was entered on PostgreSQL without a consortium reader role configured."""


def _scope_statements(session: Session, dialect) -> tuple[str, str]:
    """The two SET LOCAL statements that put the open transaction in the session's scope.

    SET takes no bind parameters, so the tenant id goes in as a validated integer literal.
    """
    tenant_id = current_tenant_id(session)
    tenant = "" if tenant_id is None else str(int(tenant_id))
    if _as_reader(tenant_id, session.info.get(CONSORTIUM_KEY)):
        reader = consortium_reader_role(current_app.config) if has_app_context() else None
        if reader is None:
            raise ConsortiumScopeUnavailable(
                "the consortium scope on PostgreSQL needs a consortium reader role: set APP_DB_ROLE "
                "(or CONSORTIUM_DB_ROLE) and run `db upgrade` (docs/tenancy.md)")
        role = dialect.identifier_preparer.quote(reader)
    else:
        role = "NONE"
    return f"SET LOCAL app.tenant_id = '{tenant}'", f"SET LOCAL ROLE {role}"


def is_scope_statement(sql: str) -> bool:
    """True for the statements that set a transaction's scope (query-count tests leave them out)."""
    return sql.startswith(("SET LOCAL app.tenant_id", "SET LOCAL ROLE"))


def _run_scope_statements(session: Session, connection) -> None:
    # One round trip for both: psycopg accepts several statements in one execute that has no parameters.
    connection.exec_driver_sql("; ".join(_scope_statements(session, connection.dialect)))


def _apply_database_scope(session: Session) -> None:
    session = session() if isinstance(session, scoped_session) else session
    if not session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    if not session.is_active:
        return  # a flush failed: the transaction awaits its rollback, and the error being raised is the one to see
    connection = session.connection()
    if _transaction_failed(connection):
        return  # it can only be rolled back now; the next transaction sets its scope on begin
    _run_scope_statements(session, connection)


def _transaction_failed(connection) -> bool:
    from psycopg.pq import TransactionStatus

    if connection.invalidated:
        return True  # the connection was lost (database restart, terminated backend): only a rollback helps
    return connection.connection.dbapi_connection.info.transaction_status == TransactionStatus.INERROR


def _default_scope(session: Session) -> bool:
    """True if the session is in no scope at all: no tenant, not the consortium scope."""
    return current_tenant_id(session) is None and not session.info.get(CONSORTIUM_KEY)


@event.listens_for(Session, "after_begin")
def _scope_new_transaction(session, transaction, connection):
    # A transaction in no scope needs no statement (issue 16: one round trip less per request, whose
    # transaction begins before the co-op is known): the app sets its scope only with SET LOCAL, which
    # ends with the transaction, so a new one starts with no app.tenant_id (RLS: no co-op's row) and as
    # the app role itself. tests/isolation/test_rls_layer.py checks it on a reused connection.
    if connection.dialect.name == "postgresql" and not _default_scope(session):
        _run_scope_statements(session, connection)


@event.listens_for(Session, "do_orm_execute")
def _filter_to_current_tenant(state):
    if not (state.is_select or state.is_update or state.is_delete):
        return
    options = state.execution_options
    if options.get("all_tenants") or options.get(NO_TENANT_TABLES) or not state.session.info.get(ORM_FILTER_KEY, True):
        return
    state.statement = _filtered(state.statement)
    tenant_id = current_tenant_id(state.session)
    parameters = state.parameters
    if isinstance(parameters, list):  # executemany: every parameter set gets the tenant
        state.parameters = [{**p, _TENANT_PARAMETER: tenant_id} for p in parameters]
    else:
        state.parameters = {**(parameters or {}), _TENANT_PARAMETER: tenant_id}


# The ORM filter's option, one for every tenant: the tenant is a bind parameter that the listener above gives each
# statement, not a lambda's closure value, whose extraction on every execution cost a tenth of a millisecond per
# statement (issue 16). A statement carrying the option without the parameter fails ("a value is required").
# None (no tenant) compares `tenant_id = NULL`: no row. (The lambda names it literally: a global would be tracked.)
_TENANT_PARAMETER = "orm_tenant_filter_id"
_TENANT_CRITERIA = with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == bindparam("orm_tenant_filter_id"),
                                        include_aliases=True)


# A statement built once (a module-level SELECT with bind parameters) gets its filtered copy once too. The copy
# holds no tenant (the option's tenant is a bind parameter), so sharing it shares no data.
@once_per_statement
def _filtered(statement):
    return statement.options(_TENANT_CRITERIA)


@event.listens_for(Session, "before_flush")
def _refuse_foreign_writes(session, flush_context, instances):
    if not session.info.get(ORM_FILTER_KEY, True):
        return
    tenant_id = current_tenant_id(session)
    new = session.new  # built once: `session.new` makes a fresh set on every read (10,000 new rows, 10,000 sets)
    for obj in (*new, *session.dirty, *session.deleted):
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None and obj in new and tenant_id is not None:
            obj.tenant_id = tenant_id
        if obj.tenant_id is None or obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"refusing to write {type(obj).__name__} of tenant {obj.tenant_id} "
                f"while scoped to tenant {tenant_id}"
            )
