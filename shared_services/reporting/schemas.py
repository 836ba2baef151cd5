"""Reporting input and output shapes. The API is locale-free: amounts are decimal strings, dates ISO 8601."""

from marshmallow import Schema, fields, validate

from consortium.clock import local_today
from consortium.fields import MONEY_MAX, BoundedInt, Money, UtcDateTime
from shared_services.reporting.models import STATES
from shared_services.reporting.service import SECTION_KEYS

YEAR = {"validate": validate.Range(min=2000, max=2100)}


class YearQuerySchema(Schema):
    year = BoundedInt(
        load_default=lambda: local_today().year - 1,
        metadata={"description": "The financial year (2000-2100); last year if not given."},
        **YEAR,
    )


class ExportQuerySchema(YearQuerySchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")))
    table = fields.String(load_default=None, metadata={"description": "For CSV: the table's key."})


class SectionSchema(Schema):
    text = fields.String(load_default="", validate=validate.Length(max=20000))
    omission_reason = fields.String(load_default="", validate=validate.Length(max=2000))


def _sections_field(**kwargs):
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(SECTION_KEYS)), values=fields.Nested(SectionSchema), **kwargs
    )


class SocialReportCreateSchema(Schema):
    year = BoundedInt(required=True, **YEAR)
    sections = _sections_field(load_default=dict)


class SocialReportUpdateSchema(Schema):
    sections = _sections_field(required=True)


class ApproveSchema(Schema):
    approved_on = fields.Date(required=True, metadata={"description": "The day the members' assembly approved it."})


class FileSchema(Schema):
    filed_on = fields.Date(required=True, metadata={"description": "The day it was deposited at the register."})


class SocialReportSchema(Schema):
    id = BoundedInt(dump_only=True)
    year = BoundedInt(dump_only=True)
    state = fields.String(dump_only=True, validate=validate.OneOf(STATES))
    approved_on = fields.Date(dump_only=True, allow_none=True)
    filed_on = fields.Date(dump_only=True, allow_none=True)
    due_on = fields.Date(dump_only=True)
    sections = fields.Dict(dump_only=True)
    figures = fields.Dict(dump_only=True, metadata={"description": "Frozen at approval; live while a draft."})
    updated_at = UtcDateTime(dump_only=True)


class DashboardSchema(Schema):
    year = BoundedInt(dump_only=True)
    previous_year = BoundedInt(dump_only=True)
    figures = fields.Dict(dump_only=True, metadata={"description": "Decimals as strings, grouped by currency."})


class YearFactsSchema(Schema):
    """What the treasurer states for a financial year: its end and the total assets on that day."""

    year = BoundedInt(dump_only=True)
    year_end = fields.Date(allow_none=True, load_default=None, metadata={
        "description": "The day the financial year ends, within the year; none: 31 December."})
    total_assets = Money(allow_none=True, load_default=None, validate=validate.Range(min=0, max=MONEY_MAX),
                                 metadata={"description": "Total assets on the year end (the UK audit test)."})
    ar30_due = fields.Date(dump_only=True, metadata={"description": "UK societies: AR30 due 7 months after."})
