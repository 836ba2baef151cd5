"""Append-only audit log written from the session itself, so no service can forget it.

Every flushed create, update or delete of a model with `__audited__ = True` gives one row:
who (`session.info["actor_id"]`), when, which tenant, object type and id, and the changed
fields as `{field: [before, after]}`. Columns named in `__audit_exclude__` are never logged.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from consortium.db import TenantOwned, utcnow
from consortium.models import AuditEntry

ACTOR_KEY = "actor_id"


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an audit row."""


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _audited(obj) -> bool:
    return getattr(type(obj), "__audited__", False)


def _tenant_of(obj) -> int | None:
    """A co-op's private rows carry its tenant; consortium records (co-ops, users, roles) none."""
    return obj.tenant_id if isinstance(obj, TenantOwned) else None


def _object_id(obj) -> str:
    # The last primary-key column is the object's own id (tenant-owned keys are (tenant_id, id)).
    return str(inspect(obj).mapper.primary_key_from_instance(obj)[-1])


def _changes(obj, action: str) -> dict:
    excluded = set(getattr(type(obj), "__audit_exclude__", ()))
    state = inspect(obj)
    changes = {}
    for column_attr in state.mapper.column_attrs:
        key = column_attr.key
        if key in excluded:
            continue
        history = state.attrs[key].history
        if action == "create":
            if getattr(obj, key) is not None:
                changes[key] = [None, _plain(getattr(obj, key))]
        elif action == "delete":
            before = history.unchanged[0] if history.unchanged else (history.deleted[0] if history.deleted else None)
            changes[key] = [_plain(before), None]
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before != after:
                changes[key] = [_plain(before), _plain(after)]
    return changes


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session, flush_context):
    now = utcnow()
    rows = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not _audited(obj):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            rows.append(
                {
                    "at": now,
                    "actor_id": session.info.get(ACTOR_KEY),
                    "tenant_id": _tenant_of(obj),
                    "action": action,
                    "object_type": type(obj).__name__,
                    "object_id": _object_id(obj),
                    "changes": changes,
                }
            )
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def audit_entries_query(tenant_id: int | None):
    """SELECT of audit entries, newest first: one co-op's, or (None) the consortium's own records."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if tenant_id is None:
        return query.where(AuditEntry.tenant_id.is_(None))
    return query.where(AuditEntry.tenant_id == tenant_id)
