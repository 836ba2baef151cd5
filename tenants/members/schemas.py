"""Members register input and output shapes."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from consortium.dumping import PlainDumpSchema
from consortium.fields import BoundedInt, DecimalString
from consortium.i18n import _
from tenants.members.models import CATEGORIES


class MemberSchema(PlainDumpSchema):
    """A member as read and written through the API and the pages (a Member, or a row of
    `service.member_rows_query`)."""

    id = BoundedInt(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    category = fields.Str(required=True, validate=validate.OneOf(CATEGORIES))
    email = fields.Email(allow_none=True)
    tax_code = fields.Str(allow_none=True, validate=validate.Length(max=20))
    joined_on = fields.Date(required=True)
    left_on = fields.Date(allow_none=True)
    shares_subscribed = DecimalString(places=2, validate=validate.Range(min=0), load_default=None)
    shares_paid = DecimalString(places=2, validate=validate.Range(min=0), load_default=None)
    voting_rights = BoundedInt(validate=validate.Range(min=0, max=1000))
    disadvantaged = fields.Bool()

    @validates_schema
    def _consistent(self, data, partial=None, **kwargs):
        problems = {}
        if data.get("left_on") and data.get("joined_on") and data["left_on"] < data["joined_on"]:
            problems["left_on"] = [_("must not be before the date the member joined")]
        subscribed, paid = data.get("shares_subscribed"), data.get("shares_paid")
        if subscribed is not None and paid is not None and paid > subscribed:
            problems["shares_paid"] = [_("must not exceed the share capital subscribed")]
        if data.get("disadvantaged") and data.get("category") not in (None, "worker"):
            problems["disadvantaged"] = [_("only workers can be flagged disadvantaged")]
        if problems:
            raise ValidationError(problems)  # every problem at once, each on its field


class MemberUpdateSchema(MemberSchema):
    """Changes to a member: every field optional."""

    shares_subscribed = DecimalString(places=2, validate=validate.Range(min=0))
    shares_paid = DecimalString(places=2, validate=validate.Range(min=0))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class MemberQuerySchema(Schema):
    """Filters for the members list."""

    category = fields.Str(validate=validate.OneOf(CATEGORIES))
    current = fields.Bool(metadata={"description": "only people who are members today"})


class CategoryCountSchema(Schema):
    """Members and voting rights of one stakeholder category."""

    category = fields.Str()
    members = BoundedInt()
    voting_rights = BoundedInt()
    voting_share_percent = DecimalString(places=1)


class RuleResultSchema(Schema):
    """One compliance rule's outcome."""

    rule_code = fields.Str()
    title = fields.Str()
    status = fields.Str()
    detail = fields.Str()
    source = fields.Str()


class RegisterSummarySchema(Schema):
    """The register at a glance: counts and voting shares per category, capital, compliance."""

    on = fields.Date()
    total_members = BoundedInt()
    total_voting_rights = BoundedInt()
    workers = BoundedInt()
    disadvantaged_workers = BoundedInt()
    shares_subscribed = DecimalString(places=2)
    shares_paid = DecimalString(places=2)
    categories = fields.List(fields.Nested(CategoryCountSchema))
    compliance = fields.List(fields.Nested(RuleResultSchema))

