"""A co-op's training shapes: records, requirements, the matrix."""

from marshmallow import Schema, fields, validate

from consortium.fields import BoundedInt
from tenants.training.models import SOURCES


class RecordSchema(Schema):
    """A training record as read, and (without a file) as written through the API."""

    id = BoundedInt(dump_only=True)
    member_id = BoundedInt(required=True)
    course_id = BoundedInt(required=True)
    course_title = fields.Str(dump_only=True)
    validity_months = BoundedInt(dump_only=True, allow_none=True)
    completed_on = fields.Date(required=True)
    expires_on = fields.Date(dump_only=True, allow_none=True)
    source = fields.Str(dump_only=True, validate=validate.OneOf(SOURCES))
    session_id = BoundedInt(dump_only=True, allow_none=True)
    provider = fields.Str(allow_none=True, validate=validate.Length(max=200))
    notes = fields.Str(allow_none=True, validate=validate.Length(max=2000))
    verification_code = fields.Str(dump_only=True)
    certificate_filename = fields.Str(dump_only=True, allow_none=True)
    certificate_size = BoundedInt(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class RecordQuerySchema(Schema):
    """Filters for the records list."""

    member_id = BoundedInt()
    course_id = BoundedInt()


class TrainingRoleSchema(Schema):
    """A role, the courses it requires and the workers who hold it."""

    id = BoundedInt(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    all_workers = fields.Bool(load_default=False)
    course_ids = fields.List(BoundedInt(), load_default=list)
    member_ids = fields.List(BoundedInt(), load_default=list)


class RequirementsSchema(Schema):
    """Every role of the co-op at once (PUT replaces them all)."""

    roles = fields.List(fields.Nested(TrainingRoleSchema), required=True)


class MatrixSchema(Schema):
    """The compliance matrix on a date (already JSON-ready: the nested shapes above document it)."""

    on = fields.Str(metadata={"description": "ISO date"})
    courses = fields.List(fields.Raw(), metadata={"description": "MatrixCourse: course_id, title and counts"})
    rows = fields.List(fields.Raw(), metadata={"description": "MatrixRow: member_id, name, roles, cells "
                                                                 "(course_id, state, completed_on, expires_on)"})
    overall = fields.Raw(metadata={"description": "Counts: required, valid, expiring, expired, missing, "
                                                  "percent_compliant"})
