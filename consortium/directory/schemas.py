"""Input and output shapes for co-ops, users and tokens."""

import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from consortium.clock import local_today
from consortium.fields import BoundedInt, UtcDateTime
from consortium.i18n import _, _l
from consortium.models import ALL_ROLES

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _not_in_future(value: date) -> None:
    if value > local_today():
        raise ValidationError(_("must not be in the future"))


class TenantSchema(Schema):
    """A member co-op as read and written through the API."""

    id = BoundedInt(dump_only=True)
    slug = fields.Str(
        required=True,
        validate=[
            validate.Length(min=2, max=63),
            validate.Regexp(SLUG_PATTERN, error=_l("use lower-case letters, digits and single hyphens (URL-safe)")),
        ],
    )
    name = fields.Str(required=True, validate=validate.Length(min=2, max=200))
    legal_form = fields.Str(required=True)
    country = fields.Str(required=True, validate=validate.OneOf(["uk", "it"]))
    currency = fields.Str(validate=validate.OneOf(["GBP", "EUR"]))
    registration_number = fields.Str(allow_none=True, validate=validate.Length(max=40))
    vat_number = fields.Str(allow_none=True, validate=validate.Length(max=20))
    founding_date = fields.Date(allow_none=True, validate=_not_in_future)
    sponsor = fields.Str(allow_none=True, metadata={"description": "slug of the co-op that incubated this one"})
    status = fields.Str(validate=validate.OneOf(["active", "incubating", "left"]))
    address = fields.Str(allow_none=True, validate=validate.Length(max=200))
    city = fields.Str(allow_none=True, validate=validate.Length(max=100))
    postcode = fields.Str(allow_none=True, validate=validate.Length(max=20))


class TenantUpdateSchema(TenantSchema):
    """Changes to a co-op: every field optional, the slug fixed."""

    class Meta:
        exclude = ("slug",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class RoleSchema(Schema):
    """One role: consortium-wide (no tenant) or in one co-op."""

    role = fields.Str(required=True, validate=validate.OneOf(ALL_ROLES))
    tenant = fields.Str(allow_none=True, metadata={"description": "co-op slug, for co-op roles"})
    project = BoundedInt(allow_none=True, metadata={"description": "incubation project id, for mentors"})


class UserSchema(Schema):
    """A user with their roles; `password` is write-only and optional (omit it to get an invitation link)."""

    id = BoundedInt(dump_only=True)
    email = fields.Email(required=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    password = fields.Str(load_only=True, validate=validate.Length(min=10, max=200))
    is_active = fields.Bool()
    roles = fields.List(fields.Nested(RoleSchema), load_default=list)
    invitation_url = fields.Str(dump_only=True)

    @validates("email")
    def _lower_case(self, value, **kwargs):
        if value != value.strip():
            raise ValidationError(_("must not have surrounding spaces"))


class UserUpdateSchema(UserSchema):
    """Changes to a user: every field optional; `roles`, when given, replaces all roles."""

    class Meta:
        exclude = ("email",)

    roles = fields.List(fields.Nested(RoleSchema))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class TokenRequestSchema(Schema):
    """Credentials exchanged for a bearer token."""

    email = fields.Str(required=True)
    password = fields.Str(required=True)


class TokenSchema(Schema):
    """A bearer token: send it as `Authorization: Bearer <token>`."""

    token = fields.Str()
    expires_at = UtcDateTime()


class InvitationAcceptSchema(Schema):
    """The password chosen when accepting an invitation."""

    password = fields.Str(required=True, validate=validate.Length(min=10, max=200))
    password_again = fields.Str(required=True)

    @validates_schema
    def _same(self, data, **kwargs):
        if data.get("password") != data.get("password_again"):
            raise ValidationError(_("the two passwords differ"), "password_again")


class AuditEntrySchema(Schema):
    """One audit entry: who, when, which object, and each changed field as [before, after]."""

    id = BoundedInt()
    at = UtcDateTime()
    actor_id = BoundedInt(allow_none=True)
    tenant_id = BoundedInt(allow_none=True)
    action = fields.Str()
    object_type = fields.Str()
    object_id = fields.Str()
    changes = fields.Dict()
