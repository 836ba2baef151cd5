"""Web forms validated by the same marshmallow schemas as the API (one set of rules)."""

import marshmallow as ma
from flask import flash

from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.i18n import _


def load_form(schema: ma.Schema, form, *, booleans: tuple[str, ...] = ()) -> tuple[dict | None, dict]:
    """Validate a submitted HTML form with `schema`: returns (data, {}) or (None, errors by field).

    Empty inputs count as absent (or null, for nullable fields); unchecked boxes as False.
    """
    raw = {}
    for key in form:
        if key == "csrf_token":
            continue
        value = form.get(key, "").strip()
        if value == "":
            field = schema.fields.get(key)
            if field is not None and field.allow_none:
                raw[key] = None
            continue
        raw[key] = value
    for key in booleans:
        raw[key] = form.get(key) == "y"
    try:
        return schema.load(raw), {}
    except ma.ValidationError as error:
        return None, error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}


def run_service(action):
    """Call a service from a page: returns (result, {}) or (None, errors) and flashes the reason.

    A refused action is rolled back here: the page that shows the form again answers 200, and a 2xx
    response commits, so whatever the service wrote before refusing must not survive.
    """
    try:
        return action(), {}
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return None, error.errors or {"_schema": [error.message]}
    except ma.ValidationError as error:
        db.session.rollback()
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        flash(_("Please correct the fields marked below."), "error")
        return None, messages
