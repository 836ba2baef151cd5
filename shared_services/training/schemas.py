"""Pooled training shapes: courses, sessions, enrolments, attendance, recharges, the consortium overview."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from consortium.fields import BoundedInt, DecimalString
from consortium.i18n import _, _l
from shared_services.training.models import COST_BASES, DELIVERIES, RESULTS, SPLITS, TOPICS


class CourseSchema(Schema):
    """A catalogue course."""

    id = BoundedInt(dump_only=True)
    code = fields.Str(required=True, validate=[validate.Length(min=2, max=30),
                                               validate.Regexp(r"^[A-Za-z0-9._-]+$",
                                                               error=_l("letters, digits, dot, dash, underscore"))])
    title = fields.Str(required=True, validate=validate.Length(min=2, max=200))
    topic = fields.Str(required=True, validate=validate.OneOf(list(TOPICS)))
    country = fields.Str(allow_none=True, validate=validate.OneOf(["uk", "it"]))
    duration_hours = DecimalString(places=1, allow_none=True,
                                    validate=validate.Range(min=0, min_inclusive=False, max=2000))
    delivery = fields.Str(required=True, validate=validate.OneOf(list(DELIVERIES)))
    validity_months = BoundedInt(allow_none=True, validate=validate.Range(
        min=1, max=600, error=_l("must be a positive number of months (1 to 600), or empty for no expiry")))
    standard = fields.Str(allow_none=True, validate=validate.Length(max=300))
    source = fields.Str(allow_none=True, validate=validate.Length(max=4000))
    active = fields.Bool(load_default=True)


class CourseUpdateSchema(CourseSchema):
    """Changes to a course: every field optional."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class CourseQuerySchema(Schema):
    """Filters for the catalogue."""

    active = fields.Bool()
    country = fields.Str(validate=validate.OneOf(["uk", "it"]))


class SessionSchema(Schema):
    """A pooled session."""

    id = BoundedInt(dump_only=True)
    course_id = BoundedInt(required=True)
    course_title = fields.Function(lambda s: s.course.title, dump_only=True)
    held_on = fields.Date(required=True)
    place = fields.Str(allow_none=True, validate=validate.Length(max=300))
    link = fields.Url(allow_none=True, schemes={"https", "http"})
    trainer = fields.Str(required=True, validate=validate.Length(min=2, max=200))
    seats = BoundedInt(required=True, validate=validate.Range(min=1, max=1000))
    booked = BoundedInt(dump_only=True)
    seats_left = fields.Function(lambda s: s.seats - s.booked, dump_only=True)
    cost_basis = fields.Str(load_default="per_session", validate=validate.OneOf(list(COST_BASES)))
    cost = DecimalString(required=True, places=2, validate=validate.Range(min=0, max=10_000_000))
    split_by = fields.Str(load_default="attendees", validate=validate.OneOf(list(SPLITS)))
    invoicing_tenant = fields.Str(required=True, load_only=True,
                                  metadata={"description": "slug of the consortium's co-op that raises recharges"})
    vat_category = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    state = fields.Str(dump_only=True)


class SessionQuerySchema(Schema):
    """Filters for the sessions list."""

    upcoming = fields.Bool(metadata={"description": "only sessions from today on"})
    state = fields.Str(validate=validate.OneOf(["open", "attended", "recharged"]))


class ResultSchema(Schema):
    """One enrolled worker's result."""

    enrolment_id = BoundedInt(required=True)
    result = fields.Str(required=True, validate=validate.OneOf(list(RESULTS)))


class AttendanceSchema(Schema):
    """Every enrolled worker's result, once, after the session."""

    results = fields.List(fields.Nested(ResultSchema), required=True, validate=validate.Length(min=1))


class EnrolmentSchema(Schema):
    """A co-op's worker booked on a session."""

    id = BoundedInt(dump_only=True)
    session_id = BoundedInt(required=True)
    member_id = BoundedInt(dump_only=True)
    attendee_name = fields.Str(dump_only=True)
    result = fields.Str(dump_only=True, allow_none=True)
    record_id = BoundedInt(dump_only=True, allow_none=True)
    enrolled_at = fields.DateTime(dump_only=True)


class EnrolSchema(Schema):
    """Book one or more of the co-op's workers on a session."""

    session_id = BoundedInt(required=True)
    member_ids = fields.List(BoundedInt(), required=True)

    @validates_schema
    def _some(self, data, **kwargs):
        if not data.get("member_ids"):
            raise ValidationError(_("choose at least one worker"), "member_ids")


class EnrolmentQuerySchema(Schema):
    """Filters for the co-op's enrolments."""

    session_id = BoundedInt()


class PartSchema(Schema):
    """One co-op's part of a session."""

    tenant = fields.Str(attribute="slug")
    name = fields.Str()
    booked = BoundedInt()
    attended = BoundedInt()
    passed = BoundedInt()
    enrolments = fields.List(fields.Nested(EnrolmentSchema))


class SessionDetailSchema(SessionSchema):
    """A session with each co-op's part."""

    parts = fields.List(fields.Nested(PartSchema), dump_only=True)


class RechargeSchema(Schema):
    """One co-op's recharge invoice."""

    billed_tenant_id = BoundedInt()
    units = BoundedInt()
    amount = DecimalString(places=2)
    currency = fields.Str()
    invoice_id = BoundedInt()
    invoice_number = fields.Str()


class CoopComplianceSchema(Schema):
    """What one co-op reported."""

    tenant = fields.Str(attribute="slug")
    name = fields.Str()
    computed_on = fields.Date(allow_none=True)
    workers = BoundedInt()
    required = BoundedInt()
    expiring = BoundedInt()
    expired = BoundedInt()
    missing = BoundedInt()
    percent_compliant = DecimalString(places=1, allow_none=True)
    booked_seats = BoundedInt()


class OverviewSchema(Schema):
    """The consortium's aggregate view."""

    coops = fields.List(fields.Nested(CoopComplianceSchema))
    totals = fields.Dict()
