"""Serialisation of the API's hot lists without marshmallow's per-value machinery (issue 16).

`PlainDumpSchema` is a marshmallow `Schema` (it documents the API and loads input exactly as before) whose
`dump` runs a plan compiled once per schema instance: for each field, the key it is written under, the
attribute it reads and one small function turning the value into JSON-ready data, chosen by the field's
type with marshmallow's own rules (the same output, value for value, so the same JSON bytes):

- `String`: `str(value)`; `Integer` (not strict): `int(value)`; `Boolean`: `bool(value)` for a bool;
- `Date` in ISO format: `date.isoformat(value)`;
- `Decimal` as a string: `format(Decimal(str(value)).quantize(places, rounding), "f")`;
- `consortium.fields.Computed`: its function of the whole object;
- `List(Nested(<PlainDumpSchema>))`: that schema's plan for each element; `List(Raw())`, `Raw`: as they are;
- a schema with any other field (or a default for missing values) is dumped by marshmallow itself.

Rows of a SELECT of columns (the hot lists read no ORM objects) are read by column position, not by name.
None stays None and a missing attribute leaves the key out, as in marshmallow. A schema with dump hooks
(`pre_dump`, `post_dump`), `only`/`exclude` on a nested field, or a mapping (dict) as the object is dumped
by marshmallow itself. tests/unit/test_plain_dump.py proves both give the same data for every schema
that uses this.
"""

import datetime
import decimal
from collections.abc import Mapping

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from sqlalchemy.engine import Row

from consortium.fields import Computed


def _string(field):
    return lambda value: None if value is None else value if type(value) is str else str(value)


def _integer(field):
    if field.strict or field.as_string:
        return None
    return lambda value: None if value is None else value if type(value) is int else field._serialize(
        value, None, None)


def _boolean(field):
    return lambda value: value if value is None or type(value) is bool else field._serialize(value, None, None)


def _date(field):
    if (field.format or field.DEFAULT_FORMAT) not in ("iso", "iso8601"):
        return None
    isoformat = datetime.date.isoformat  # as marshmallow's to_iso_date: a datetime gives its date alone
    return lambda value: None if value is None else isoformat(value)


def _decimal(field):
    if not field.as_string or field.allow_nan or field.places is None:
        return None
    places, rounding, Decimal = field.places, field.rounding, decimal.Decimal

    def convert(value):
        if value is None:
            return None
        number = value if type(value) is Decimal else Decimal(str(value))
        if not number.is_finite():
            return field._serialize(value, None, None)
        return format(number.quantize(places, rounding=rounding), "f")

    return convert


def _raw(field):
    return lambda value: value


def _nested_list(field):
    inner = field.inner
    if type(inner) is fields.Raw:
        return lambda value: None if value is None else list(value)
    if not (isinstance(inner, fields.Nested) and not inner.only and not inner.exclude and not inner.many):
        return None
    schema = inner.schema
    if not isinstance(schema, PlainDumpSchema) or schema.many or schema._plain_plan() is None:
        return None
    dump_one = schema._dump_one
    return lambda value: None if value is None else [dump_one(each) for each in value]


# By field class; a subclass qualifies only if it serialises as its base does (BoundedInt, DecimalString do;
# consortium.fields.UtcDateTime, say, would not).
_CONVERTERS = {fields.String: _string, fields.Integer: _integer, fields.Boolean: _boolean, fields.Date: _date,
               fields.Decimal: _decimal, fields.List: _nested_list, fields.Raw: _raw}
_SERIALISING = ("_serialize", "_format_num", "_to_string")


def _converter(field):
    for base, make in _CONVERTERS.items():
        if isinstance(field, base) and all(getattr(type(field), name, None) is getattr(base, name, None)
                                           for name in _SERIALISING):
            return make(field)
    return None


class PlainDumpSchema(Schema):
    """A schema whose `dump` builds plain dicts from a plan compiled once (see the module's docstring)."""

    def _plain_plan(self):
        if "_plan" in self.__dict__:
            return self.__dict__["_plan"]
        self.__dict__["_plan"] = plan = self._compile()
        return plan

    def _compile(self):
        """[(key, attribute, convert)]: attribute None means `convert(obj)`; None if marshmallow must dump."""
        if self._hooks[PRE_DUMP] or self._hooks[POST_DUMP]:
            return None
        plan = []
        for name, field in self.dump_fields.items():
            key = field.data_key if field.data_key is not None else name
            if isinstance(field, Computed) and type(field)._serialize is fields.Function._serialize:
                if field.serialize_func is None:
                    return None
                plan.append((key, None, field.serialize_func))
                continue
            attribute = field.attribute if field.attribute is not None else name
            convert = _converter(field) if field.dump_default is missing and "." not in attribute else None
            if convert is None:
                return None  # a field type this does not know: marshmallow dumps the whole schema
            plan.append((key, attribute, convert))
        return plan

    def _dump_one(self, obj):
        out = {}
        for key, attribute, convert in self.__dict__["_plan"]:
            if attribute is None:
                out[key] = convert(obj)
                continue
            value = getattr(obj, attribute, missing)
            if value is not missing:
                out[key] = convert(value)
        return out

    def _dump_rows(self, rows: list):
        """Rows of a SELECT of columns, each value read by its column's position: reading a Row's value by name
        costs about half of dumping it (issue 16). Rows whose columns differ, or a schema reading an attribute
        that is not one of their columns, are dumped row by row as any object is."""
        names = rows[0]._fields
        position = {name: index for index, name in enumerate(names)}
        steps = []
        for key, attribute, convert in self.__dict__["_plan"]:
            index = None if attribute is None else position.get(attribute, missing)
            if index is missing:
                return [self._dump_one(row) for row in rows]
            steps.append((key, index, convert))
        # Rows of one result share its metadata (SQLAlchemy's `Row._parent`, one identity check a row where
        # comparing `_fields` costs a third of the dump); rows of several results are read by name.
        parent = rows[0]._parent
        if len(position) != len(names) or any(row._parent is not parent for row in rows):
            return [self._dump_one(row) for row in rows]
        return [{key: convert(row) if index is None else convert(row[index]) for key, index, convert in steps}
                for row in rows]

    def dump(self, obj, *, many=None):
        many = self.many if many is None else bool(many)
        if self._plain_plan() is None:
            return super().dump(obj, many=many)
        if many:
            if any(isinstance(each, Mapping) for each in obj):
                return super().dump(obj, many=True)
            rows = obj if isinstance(obj, list) else list(obj)
            if rows and all(isinstance(each, Row) for each in rows):
                return self._dump_rows(rows)
            return [self._dump_one(each) for each in rows]
        if isinstance(obj, Mapping):
            return super().dump(obj, many=False)
        return self._dump_one(obj)
