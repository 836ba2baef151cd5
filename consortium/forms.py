"""Web forms validated by the same marshmallow schemas as the API (one set of rules)."""

import re
from collections.abc import Callable

import marshmallow as ma
from babel.numbers import NumberFormatError, parse_decimal
from flask import flash

from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.i18n import _, current_language, format_locale
from consortium.validation_messages import translated

# "1.234" or "1.234.567" on a page in a decimal-comma language: a thousands point or a decimal point?
_ONLY_GROUPED_POINTS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")


class AmbiguousNumber(ValueError):
    """A number typed so that it could mean two different amounts."""


def page_decimal(text: str) -> str:
    """A number typed on a page, in the reader's language, as the locale-free text the schemas read.

    In a decimal-comma language (Italian) `1.234,56` and `12,5` are read with babel; a point without a comma
    is a decimal point (browsers' number inputs send `12.5` whatever the language), except when it can only
    be a thousands separator (`1.234`), which is refused as ambiguous. Pages only: the API stays locale-free.
    """
    locale = format_locale()
    if current_language() != "it" or not text:
        return text
    if "," not in text:
        if _ONLY_GROUPED_POINTS.match(text):
            raise AmbiguousNumber(_("“%(text)s” is ambiguous: write %(plain)s or %(decimal)s", text=text,
                                    plain=text.replace(".", ""), decimal=text.replace(".", ",", 1)))
        return text
    try:
        return str(parse_decimal(text, locale=locale, strict=True))
    except NumberFormatError as error:
        raise AmbiguousNumber(_("“%(text)s” is not a number written as 1.234,56", text=text)) from error


def _is_decimal_field(field) -> bool:
    return isinstance(field, ma.fields.Decimal | ma.fields.Float)


def load_form(schema: ma.Schema, form, *, booleans: tuple[str, ...] = ()) -> tuple[dict | None, dict]:
    """Validate a submitted HTML form with `schema`: returns (data, {}) or (None, errors by field).

    Empty inputs count as absent (or null, for nullable fields); unchecked boxes as False.
    """
    raw, number_errors = {}, {}
    for key in form:
        if key == "csrf_token":
            continue
        value = form.get(key, "").strip()
        if value == "":
            field = schema.fields.get(key)
            if field is not None and field.allow_none:
                raw[key] = None
            continue
        field = schema.fields.get(key)
        if field is not None and _is_decimal_field(field):
            try:
                value = page_decimal(value)
            except AmbiguousNumber as error:
                number_errors[key] = [str(error)]
        raw[key] = value
    for key in booleans:
        raw[key] = form.get(key) == "y"
    try:
        data = schema.load(raw)
    except ma.ValidationError as error:
        messages = translated(error.messages if isinstance(error.messages, dict) else {"_schema": error.messages})
        return None, {**messages, **number_errors}
    if number_errors:
        return None, number_errors
    return data, {}


def run_service(action, *, field_labels: Callable[[str], str | None] | None = None):
    """Call a service from a page: returns (result, {}) or (None, errors) and flashes the reason.

    A refused action is rolled back here: the page that shows the form again answers 200, and a 2xx
    response commits, so whatever the service wrote before refusing must not survive.
    `field_labels` names, for a person, the field of each error the service names as the API does
    (`lines[0].damaged` becomes "Nitrile gloves, damaged"); without it the service's message is flashed.
    """
    try:
        return action(), {}
    except ServiceError as error:
        db.session.rollback()
        flash(page_message(error, field_labels), "error")
        return None, error.errors or {"_schema": [error.message]}
    except ma.ValidationError as error:
        db.session.rollback()
        messages = translated(error.messages if isinstance(error.messages, dict) else {"_schema": error.messages})
        flash(_("Please correct the fields marked below."), "error")
        return None, messages


def page_message(error: ServiceError, field_labels: Callable[[str], str | None] | None = None) -> str:
    """What a page says of a refused action: each field's label (as `field_labels` names it) and its messages."""
    if field_labels is None or not error.errors:
        return error.message
    parts = []
    for key, messages in error.errors.items():
        label = field_labels(key)
        text = "; ".join(str(message) for message in flat_messages(messages))
        parts.append(_("%(field)s: %(message)s", field=label, message=text) if label else text)
    return "; ".join(parts)


def flat_messages(messages) -> list[str]:
    """Every message of one field's errors, however marshmallow nested them (lists of rows, dicts by index)."""
    if isinstance(messages, dict):
        messages = messages.values()
    elif not isinstance(messages, list | tuple):
        return [messages]  # one message (text or a lazy translation)
    return [text for value in messages for text in flat_messages(value)]
