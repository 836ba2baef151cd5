"""marshmallow's own messages ("Missing data for required field.", "Not a valid number." ...) in the reader's language.

marshmallow writes its messages in English, in class attributes that every field and validator copies when it is
made (mostly at import). `install()` replaces each with a `Message`: the same English text (the msgid in the
shell's catalogue), which marshmallow formats when it reports an error, so the reader's language is chosen then,
not at import. Two messages marshmallow hands back without formatting them (a schema's "Unknown field." and
"Invalid input type.") are written out by `translated`, which the API's problem responses and the pages' forms
call on every error dictionary. The API keeps its problem+json shape; only the texts change.

`install()` runs when the `consortium` package is imported, before any feature's schema is built.
"""

from flask_babel import gettext
from markupsafe import escape
from marshmallow import Schema, fields, validate


def N_(text: str) -> str:
    """Marks a msgid for the catalogue without translating it (translated when marshmallow formats it)."""
    return text


# Every default message of marshmallow 3 (fields, validators, schema), as marshmallow writes it.
FIELD_MESSAGES = {
    fields.Field: {"required": N_("Missing data for required field."), "null": N_("Field may not be null."),
                   "validator_failed": N_("Invalid value.")},
    fields.Boolean: {"invalid": N_("Not a valid boolean.")},
    fields.Date: {"invalid": N_("Not a valid date."), "format": N_('"{input}" cannot be formatted as a date.')},
    fields.DateTime: {"invalid": N_("Not a valid {obj_type}."),
                      "invalid_awareness": N_("Not a valid {awareness} {obj_type}."),
                      "format": N_('"{input}" cannot be formatted as a {obj_type}.')},
    fields.Number: {"invalid": N_("Not a valid number."), "too_large": N_("Number too large.")},
    fields.Integer: {"invalid": N_("Not a valid integer.")},
    fields.Decimal: {"special": N_("Special numeric values (nan or infinity) are not permitted.")},
    fields.Float: {"special": N_("Special numeric values (nan or infinity) are not permitted.")},
    fields.String: {"invalid": N_("Not a valid string."), "invalid_utf8": N_("Not a valid utf-8 string.")},
    fields.Email: {"invalid": N_("Not a valid email address.")},
    fields.Url: {"invalid": N_("Not a valid URL.")},
    fields.UUID: {"invalid_uuid": N_("Not a valid UUID.")},
    fields.List: {"invalid": N_("Not a valid list.")},
    fields.Tuple: {"invalid": N_("Not a valid tuple.")},
    fields.Mapping: {"invalid": N_("Not a valid mapping type.")},
    fields.Nested: {"type": N_("Invalid type.")},
    fields.TimeDelta: {"invalid": N_("Not a valid period of time."),
                       "format": N_("{input!r} cannot be formatted as a timedelta.")},
    fields.Enum: {"unknown": N_("Must be one of: {choices}.")},
    fields.IP: {"invalid_ip": N_("Not a valid IP address.")},
    fields.IPv4: {"invalid_ip": N_("Not a valid IPv4 address.")},
    fields.IPv6: {"invalid_ip": N_("Not a valid IPv6 address.")},
    fields.IPInterface: {"invalid_ip_interface": N_("Not a valid IP interface.")},
    fields.IPv4Interface: {"invalid_ip_interface": N_("Not a valid IPv4 interface.")},
    fields.IPv6Interface: {"invalid_ip_interface": N_("Not a valid IPv6 interface.")},
}
VALIDATOR_MESSAGES = {
    validate.Email: {"default_message": N_("Not a valid email address.")},
    validate.URL: {"default_message": N_("Not a valid URL.")},
    validate.OneOf: {"default_message": N_("Must be one of: {choices}.")},
    validate.ContainsOnly: {"default_message": N_("One or more of the choices you made was not in: {choices}.")},
    validate.ContainsNoneOf: {"default_message": N_("One or more of the choices you made was in: {values}.")},
    validate.NoneOf: {"default_message": N_("Invalid input.")},
    validate.Predicate: {"default_message": N_("Invalid input.")},
    validate.Equal: {"default_message": N_("Must be equal to {other}.")},
    validate.Regexp: {"default_message": N_("String does not match expected pattern.")},
    validate.Length: {"message_min": N_("Shorter than minimum length {min}."),
                      "message_max": N_("Longer than maximum length {max}."),
                      "message_all": N_("Length must be between {min} and {max}."),
                      "message_equal": N_("Length must be {equal}.")},
    # Range completes these templates with its comparison words when it is made; the results are the msgids.
    validate.Range: {"message_min": "Must be {min_op} {{min}}.", "message_max": "Must be {max_op} {{max}}.",
                     "message_all": "Must be {min_op} {{min}} and {max_op} {{max}}."},
}
RANGE_MESSAGES = (
    N_("Must be greater than or equal to {min}."), N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."), N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
)
SCHEMA_MESSAGES = {"type": N_("Invalid input type."), "unknown": N_("Unknown field.")}


class Message(str):
    """One of marshmallow's English messages, written in the reader's language when marshmallow formats it."""

    def format(self, *args, **kwargs) -> str:
        if "{{" in self:  # a Range template being completed with its comparison words: still a template after
            return Message(str.format(self, *args, **kwargs))
        return gettext(str(self)).format(*args, **kwargs)

    def __html__(self) -> str:
        return str(escape(self.format()))


def _message(text):
    return text if isinstance(text, Message) else Message(text)


def install() -> None:
    """Put the translatable messages in marshmallow's classes (idempotent)."""
    for cls, messages in FIELD_MESSAGES.items():
        own = cls.__dict__.get("default_error_messages")
        if own is None:
            continue
        for key, text in messages.items():
            if key in own:
                own[key] = _message(text)
    for cls, messages in VALIDATOR_MESSAGES.items():
        for attribute, text in messages.items():
            setattr(cls, attribute, _message(text))
    for key, text in SCHEMA_MESSAGES.items():
        Schema._default_error_messages[key] = _message(text)


_KNOWN = frozenset(text for group in (*FIELD_MESSAGES.values(), *VALIDATOR_MESSAGES.values(), SCHEMA_MESSAGES)
                   for text in group.values() if "{" not in text)


def translated(messages):
    """An error dictionary (or list) with marshmallow's unformatted messages written in the reader's language.

    Plain English texts marshmallow itself wrote (a field made before `install`, such as a library's) are
    translated too when they are one of its messages without placeholders.
    """
    if isinstance(messages, dict):
        return {key: translated(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translated(value) for value in messages]
    if isinstance(messages, Message):
        return messages.format()
    if isinstance(messages, str) and messages in _KNOWN:
        return gettext(messages)
    return messages
