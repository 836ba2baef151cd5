"""Field types every schema and route shares, so no input reaches the database out of a column's range.

- `BoundedInt`: every integer argument (ids, page, page_size, year, counts). PostgreSQL answers
  "integer out of range" (an aborted transaction, a 500) for a 32-bit column given a larger value,
  so every integer is held to the 32-bit signed range on top of its own limits; the OpenAPI spec
  shows the bounds (minimum/maximum), which clients and schemathesis read.
- `DecimalString`: every Decimal (money, rates, quantities) travels as a string ("1472.80"), never a
  JSON number, so no float ever touches an amount; the spec declares `type: string, format: decimal`.
- `UtcDateTime`: a stored timestamp shown with its UTC offset (SQLite hands them back without one).
- `Computed`: `fields.Function` for a function of the object alone, without marshmallow's per-value
  `inspect.signature` (a third of a page of 50 invoices' serialisation time went there): use it on lists.
- `BoundedIntConverter`: the `<int:...>` URL converter with the same upper bound (an id beyond it is
  simply not found, 404), registered as the app's `int` converter.
- `query_int`: a bounded integer from a page's query string (`?page=`) or form, 400 naming the argument.
"""

from decimal import Decimal

from flask import abort, request
from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter

from consortium.db import as_utc
from consortium.i18n import _

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
DECIMAL_PATTERN = r"^[-+]?[0-9]+(\.[0-9]+)?$"


class BoundedInt(fields.Integer):
    """An integer held to the 32-bit signed range (the columns' range) besides its own validators."""

    def __init__(self, *args, **kwargs):
        given = kwargs.pop("validate", None)
        validators = [] if given is None else list(given) if isinstance(given, list | tuple) else [given]
        kwargs["validate"] = [validate.Range(min=INT32_MIN, max=INT32_MAX), *validators]
        super().__init__(*args, **kwargs)


class DecimalString(fields.Decimal):
    """A Decimal sent and received as a decimal string: "1472.80" (a number is accepted on input too)."""

    def __init__(self, places: int | None = None, **kwargs):
        kwargs["as_string"] = True
        metadata = {"pattern": DECIMAL_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(places=places, metadata=metadata, **kwargs)


class UtcDateTime(fields.DateTime):
    """A stored timestamp always shown with its UTC offset (SQLite hands timestamps back without one)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class Computed(fields.Function):
    """A read-only value worked out from the object by `function(obj)` (never given marshmallow's context)."""

    def _call_or_raise(self, func, value, attr):
        return func(value)


# The largest amount a Money column (NUMERIC(14, 2), consortium.db) holds: a bigger one is a 422, never a 500.
MONEY_MAX = Decimal("999999999999.99")


def Money(**kwargs) -> DecimalString:
    """An amount of money: a decimal string with two places ("1472.80")."""
    return DecimalString(places=2, **kwargs)


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` with an upper bound of INT32_MAX: a larger number matches no route (404, never a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)


def query_int(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = INT32_MAX,
              values=None) -> int | None:
    """An integer argument of a page's query string (or of `values`, e.g. the posted form), `default` when
    absent or empty; 400 naming it when it is not a whole number from `minimum` to `maximum`."""
    raw = (request.args if values is None else values).get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        abort(400, _("%(name)s: must be a whole number from %(minimum)s to %(maximum)s.", name=name,
                     minimum=minimum, maximum=maximum))
    return value


def register_fields(app, api) -> None:
    """Make the bounded converter the app's `int` and teach the OpenAPI spec both field types."""
    from flask_smorest.spec.plugins import integerconverter2paramschema

    app.url_map.converters["int"] = BoundedIntConverter
    api.register_converter(BoundedIntConverter, integerconverter2paramschema)
    api.register_field(DecimalString, "string", "decimal")

