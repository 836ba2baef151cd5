"""Append-only audit log written from the session itself, so no service can forget it.

Every flushed create, update or delete of a model with `__audited__ = True` gives one row:
who (`session.info["actor_id"]`), when, which tenant, object type and id, and the changed
fields as `{field: [before, after]}`. Columns named in `__audit_exclude__` are never logged.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, event, insert, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import NO_VALUE

from consortium.db import Base, TenantOwned, utcnow
from consortium.i18n import (
    _,
    _l,
    feature_catalogue,
    format_date,
    format_datetime,
    format_locale,
    format_number,
    ngettext,
)
from consortium.models import AuditEntry
from consortium.money import money

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
        if action == "create":  # every value is new: no history to read
            value = getattr(obj, key)
            if value is not None:
                changes[key] = [None, _plain(value)]
            continue
        if action == "update":
            if key not in state.committed_state:
                continue  # not set since it was loaded: its history holds no change (SQLAlchemy keeps none for it)
            # the value loaded (NO_VALUE: none was) and the value set, which the attribute's history holds, read
            # directly: building the history of each changed column was a sixth of an issue's flush (issue 16)
            before, after = state.committed_state[key], state.dict.get(key)
            before = None if before is NO_VALUE else before
            if before != after:
                changes[key] = [_plain(before), _plain(after)]
            continue
        history = state.attrs[key].history  # a delete: the value it had
        before = history.unchanged[0] if history.unchanged else (history.deleted[0] if history.deleted else None)
        changes[key] = [_plain(before), None]
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
        session.connection().execute(_INSERT_AUDIT_ROWS, rows)


# inline: the id is left to the database's default, not fetched first (one `nextval` round trip less per entry;
# the entry's id is never read back, the app role could not read it anyway)
_INSERT_AUDIT_ROWS = insert(AuditEntry.__table__).inline()


def audit_entries_query(tenant_id: int | None):
    """SELECT of audit entries, newest first: one co-op's, or (None) the consortium's own records."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if tenant_id is None:
        return query.where(AuditEntry.tenant_id.is_(None))
    return query.where(AuditEntry.tenant_id == tenant_id)


# How the audit log reads to a person: each feature registers its audited models' words (`audit_words`), so the
# log says "Teresa issued invoice INV-2026-0009" and "Shares paid: 25,00 € → 50,00 €", not "Invoice #9 · state".
@dataclass(frozen=True)
class AuditWords:
    """A model's words in the audit log: what one record is called (`label`, lower case: "invoice"), how a record
    is named (`name(record)`: its number, a person's name), each field's label, the words for coded values
    (`values[field][code]`) and whole sentences for notable changes (`events[(field, new value)]`, with
    `%(who)s` and `%(name)s`: "%(who)s issued invoice %(name)s")."""

    label: Any
    name: Callable[[Any], str | None] | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    events: Mapping[tuple[str, Any], Any] = field(default_factory=dict)
    # technical or derived columns a reader has no use for in the log (a fingerprint, a search index)
    hidden: frozenset[str] = frozenset()


class _FieldSet:
    """An `events` key's value meaning "the field got a value it did not have": `("converted_at", FIELD_SET)`."""

    def __repr__(self):
        return "FIELD_SET"


FIELD_SET = _FieldSet()
AUDIT_WORDS: dict[str, AuditWords] = {}
# Labels of the columns many models share, for a model whose words do not name them.
GENERIC_FIELDS = {"created_at": _l("Created"), "updated_at": _l("Updated"), "currency": _l("Currency"),
                  "description": _l("Description"), "notes": _l("Notes"), "active": _l("Active"),
                  "position": _l("Position")}
# What happened, when no registered sentence says it better; `%(what)s` is a record's label and name.
ACTION_SENTENCES = {"create": _l("%(who)s created %(what)s"), "update": _l("%(who)s changed %(what)s"),
                    "delete": _l("%(who)s deleted %(what)s")}


def audit_words(model: type, label, *, name=None, fields=None, values=None, events=None, hidden=()) -> None:
    """Features call this from `register` for each model they audit (labels marked with `_l`)."""
    AUDIT_WORDS[model.__name__] = AuditWords(label, name, fields or {}, values or {}, events or {},
                                             frozenset(hidden))


def field_label(words: AuditWords, key: str) -> str | None:
    """A field's label in the log: its model's, else the shared one (None: none registered)."""
    label = words.fields.get(key, GENERIC_FIELDS.get(key))
    return str(label) if label is not None else None


def audit_record_label(object_type: str) -> str:
    """What a record of this type is called, in the reader's language ("invoice")."""
    words = AUDIT_WORDS.get(object_type)
    return str(words.label) if words is not None else _readable(object_type)


@dataclass(frozen=True)
class AuditLine:
    """One audit entry as a page shows it: when, who (a name), what happened (a sentence), the changes in words."""

    at: datetime
    who: str
    sentence: str
    changes: list[tuple[str, str, str]]


def _models_by_name() -> dict[str, type]:
    return {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}


def _readable(code: str) -> str:
    """An unregistered class or field name as words ("SocialReport" and "social_report" as "social report")."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", code).replace("_", " ").lower()


def _known_values(changes: dict) -> SimpleNamespace:
    """A deleted record's last values, from its own audit entry, for naming it."""
    return SimpleNamespace(**{key: after if after is not None else before for key, (before, after) in changes.items()})


def _record_names(session, entries) -> dict[tuple[str, str], str]:
    """Each audited record's name (by its feature's `name`), read once per model for the page's entries."""
    models, names = _models_by_name(), {}
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        words = AUDIT_WORDS.get(entry.object_type)
        if words is not None and words.name is not None and entry.object_type in models:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    for object_type, ids in wanted.items():
        model, name = models[object_type], AUDIT_WORDS[object_type].name
        key = inspect(model).primary_key[-1]
        for record in session.scalars(select(model).where(key.in_([int(i) for i in ids if i.isdigit()]))):
            names[(object_type, _object_id(record))] = name(record)
    for entry in entries:  # a deleted record is named from the values its last entry recorded
        words = AUDIT_WORDS.get(entry.object_type)
        if (entry.object_type, entry.object_id) not in names and words is not None and words.name is not None:
            try:
                names[(entry.object_type, entry.object_id)] = words.name(_known_values(entry.changes))
            except (AttributeError, TypeError, KeyError, ValueError):
                pass
    return names


def _value_text(value, column, labels: Mapping | None, currency: str | None) -> str:
    if value is None:
        return "∅"
    if isinstance(value, dict | list):  # a snapshot or a list: what it holds is on the record's own page
        return ngettext("%(num)d detail recorded", "%(num)d details recorded", len(value))
    if labels is not None:
        return str(labels.get(value, value))
    kind = column.type if column is not None else None
    try:
        if isinstance(kind, Boolean) or isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(kind, DateTime):
            return format_datetime(datetime.fromisoformat(value))
        if isinstance(kind, Date):
            return format_date(date.fromisoformat(value))
        if isinstance(kind, Numeric):
            amount = Decimal(str(value))
            if (kind.precision, kind.scale) == (14, 2) and currency:  # the Money column type (not a percent)
                return money(amount, currency, format_locale())
            return format_number(amount)
    except (ValueError, ArithmeticError):
        pass
    return str(value)


def _shown_fields(model) -> set[str]:
    """The fields a person reads: not the keys that only link rows (ids, the co-op, foreign keys, a column named
    `..._id` or `..._by` holding another record's id: who acted is the entry's own), nor what the model hides."""
    if model is None:
        return set()
    words = AUDIT_WORDS.get(model.__name__)
    hidden = words.hidden if words is not None else frozenset()
    return {attr.key for attr in inspect(model).column_attrs
            if not any(column.primary_key or column.foreign_keys for column in attr.columns)
            and not attr.key.endswith("_id") and attr.key not in hidden
            and not (attr.key.endswith("_by") and isinstance(attr.columns[0].type, Integer))}


def unworded_fields(model) -> set[str]:
    """The fields of an audited model its log would show without a label (for the test keeping them worded)."""
    words = AUDIT_WORDS.get(model.__name__)
    excluded = set(getattr(model, "__audit_exclude__", ()))
    return {key for key in _shown_fields(model) - excluded if words is None or field_label(words, key) is None}


def audit_lines(session, entries, actors: Mapping[int, Any], currency: str | None = None) -> list[AuditLine]:
    """Audit entries in the reader's language: "Teresa issued invoice INV-2026-0009", then each changed field by
    its label with its values written as pages write them (amounts in `currency`, dates, words for codes)."""
    models, names = _models_by_name(), _record_names(session, entries)
    lines = []
    for entry in entries:
        model = models.get(entry.object_type)
        # each record's words as its feature's pages read them ("Tax code": the register's, or payroll's)
        with feature_catalogue(model.__module__ if model is not None else __name__):
            lines.append(_audit_line(entry, model, names, actors, currency))
    return lines


def _audit_line(entry, model, names, actors, currency) -> AuditLine:
    """One entry in words, read with its feature's catalogue."""
    words = AUDIT_WORDS.get(entry.object_type) or AuditWords(audit_record_label(entry.object_type))
    actor = actors.get(entry.actor_id)
    who = actor.name if actor is not None else _("The system")
    name = str(names.get((entry.object_type, entry.object_id)) or "#" + entry.object_id)
    sentence = next((words.events[(key, after)] for key, (_before, after) in entry.changes.items()
                     if entry.action == "update" and isinstance(after, str) and (key, after) in words.events), None)
    if sentence is None and entry.action == "update":  # a field set for the first time ("converted_at")
        sentence = next((words.events[(key, FIELD_SET)] for key, (before, after) in entry.changes.items()
                         if before is None and after is not None and (key, FIELD_SET) in words.events), None)
    if sentence is not None:
        text = str(sentence) % {"who": who, "name": name}
    else:
        what = _("%(record)s %(name)s", record=str(words.label), name=name)
        text = str(ACTION_SENTENCES.get(entry.action, ACTION_SENTENCES["update"])) % {"who": who, "what": what}
    columns = inspect(model).columns if model is not None else {}
    # a record with its own currency (a fund loan, an invoice) says so; else the co-op's (None: plain numbers)
    amounts_in = next((value for value in entry.changes.get("currency", ())[::-1] if value), currency)
    shown = _shown_fields(model)
    changes = []
    for key, (before, after) in entry.changes.items():
        if model is not None and key not in shown:
            continue
        column, labels = columns.get(key), words.values.get(key)
        label = field_label(words, key) or _readable(key).capitalize()
        changes.append((label, _value_text(before, column, labels, amounts_in),
                        _value_text(after, column, labels, amounts_in)))
    return AuditLine(entry.at, who, text, changes)
