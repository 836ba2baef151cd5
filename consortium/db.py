"""Declarative base and the tenant-owned mixin every co-op's private table uses.

A tenant-owned table has `tenant_id` NOT NULL and the primary key `(tenant_id, id)`;
foreign keys between tenant-owned tables are composite, so the database itself refuses
a row pointing at another co-op's row.
"""

import functools
import weakref
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Engine, ForeignKey, Identity, Integer, MetaData, Numeric, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER is an alias of the rowid).
BigId = BigInteger().with_variant(Integer, "sqlite")
# Every amount of money: Decimal in Python, NUMERIC(14, 2) in the database.
Money = Numeric(14, 2)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of every model; constraint names are stable so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Models that must not produce audit rows (the audit log itself, secrets) set this False.
    __audited__ = True
    # What the table is, for tenancy (see docs/tenancy.md and `consortium.rls`):
    #   "tenant"      a co-op's private rows (the TenantOwned mixin); RLS by `app.tenant_id`
    #   "consortium"  the consortium's own rows; a `tenant_id` there is a reference, read in the consortium scope
    #   "platform"    plumbing every request needs whatever its tenant (roles, job runs); say why in the model
    __tenancy__ = "consortium"
    # Tenant tables only: what the consortium scope may read across co-ops, because co-ops report it to the
    # consortium. () nothing (the default: private), "*" every column, or a tuple of column names.
    __consortium_read__: tuple[str, ...] | str = ()
    # Platform tables with a `tenant_id` only: why every request may see every row.
    __platform_reason__: str | None = None
    # Consortium tables with a `tenant_id` only: an SQL condition limiting the rows the consortium reader
    # reaches (None: every row). The outbox says "tenant_id IS NULL": co-ops' messages stay in their scope.
    __consortium_rows__: str | None = None


class TenantOwned:
    """Mixin for a table private to one member co-op: `(tenant_id, id)` primary key."""

    __tenancy__ = "tenant"

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("tenants.id", ondelete="RESTRICT"), primary_key=True, sort_order=-2)

    id: Mapped[int] = mapped_column(BigId, Identity(), primary_key=True, sort_order=-1)


@event.listens_for(TenantOwned, "before_insert", propagate=True)
def _assign_id_on_sqlite(mapper, connection, target):
    """Give new rows an id on SQLite, which cannot autoincrement one column of a composite key.

    PostgreSQL uses the IDENTITY column instead."""
    if target.id is None and connection.dialect.name == "sqlite":
        target.id = sqlite_ids(connection, mapper.local_table, 1)[0]


def sqlite_ids(connection, table, count: int) -> list[int]:
    """`count` new ids for rows of `table` about to be inserted on SQLite.

    The ids handed out are remembered until the transaction ends, so that rows inserted in one flush or one bulk
    statement each get their own before any of them is written; then the table's own highest id counts again (a
    deleted or rolled-back row's id is given out anew, as on a fresh database: the same data gets the same ids)."""
    allocated = connection.info.setdefault("allocated_ids", {})
    highest = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    first = max(highest, allocated.get(table.name, 0)) + 1
    allocated[table.name] = first + count - 1
    return list(range(first, first + count))


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_allocated_ids(connection):
    connection.info.pop("allocated_ids", None)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored timestamp as aware UTC (SQLite hands timestamps back without a zone)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def sql_list(values) -> str:
    """A tuple of strings as an SQL list for CHECK constraints: ('a', 'b')."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def once_per_statement(derive):
    """`derive(statement)` computed once per statement object, and kept while that statement lives (issue 16).

    SQLAlchemy computes a statement's cache key, a walk of the whole statement, on every execution of a statement
    object it has not seen, and memoises it on the object. A statement derived afresh on each request (a page of
    a list, its filtered copy) pays that walk each time; one derived once per statement built once pays it once.
    What `derive` returns must hold no tenant or other value of a request: it is shared by every request.
    A statement that cannot be weakly referenced is derived afresh each time.
    """
    derived = weakref.WeakKeyDictionary()

    @functools.wraps(derive)
    def once(statement):
        try:
            found = derived.get(statement)
        except TypeError:
            return derive(statement)
        if found is None:
            found = derived[statement] = derive(statement)
        return found

    return once
