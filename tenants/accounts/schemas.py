"""Annual-accounts input and output shapes: the upload form, a version with its figures and review outcome."""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from consortium.db import as_utc
from tenants.accounts.models import FIGURE_CODES, STATUSES
from tenants.accounts.parsing import EARLIEST_YEAR

YEAR_RANGE = validate.Range(min=EARLIEST_YEAR, max=9999)


class FilePart(Upload):
    """An uploaded file; a plain text field of the same name is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError("send the file as a multipart file part (with a filename)")
        return value


class AccountsUploadSchema(Schema):
    """The multipart upload: the financial year and the filled template (XLSX or CSV)."""

    year = fields.Int(required=True, strict=False, validate=YEAR_RANGE,
                      metadata={"description": "the financial year the file covers (must be over)"})
    file = FilePart(required=True, metadata={"description": "the filled template, .xlsx or .csv"})


class AccountsYearFormSchema(Schema):
    """The year of the upload form on the web page."""

    year = fields.Int(required=True, strict=False, validate=YEAR_RANGE)


class AccountsSubmitSchema(Schema):
    """What a treasurer gives when submitting a version: the day the members' assembly approved the accounts."""

    assembly_approved_on = fields.Date(
        required=True, metadata={"description": "the date the members' assembly approved these accounts; the "
                                                "mutual-fund contribution falls due a set number of days after it"})


class AccountsListQuerySchema(Schema):
    """Filters for the versions list."""

    year = fields.Int(validate=YEAR_RANGE)


class TemplateQuerySchema(Schema):
    """Options of the template download."""

    year = fields.Int(validate=YEAR_RANGE, metadata={"description": "prefill the financial year"})


class IssueSchema(Schema):
    """A warning found in the upload, located as the user sees it."""

    sheet = fields.Str(allow_none=True)
    row = fields.Int(allow_none=True)
    column = fields.Str(allow_none=True)
    message = fields.Str()


FiguresSchema = Schema.from_dict(
    {code: fields.Decimal(places=2, as_string=True) for code in FIGURE_CODES}, name="AccountsFigures"
)


class UtcDateTime(fields.DateTime):
    """A stored timestamp shown with its UTC offset (SQLite hands timestamps back without one)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class AccountsVersionSchema(Schema):
    """One uploaded version: figures, computed net profit, warnings, file, and the consortium's review."""

    id = fields.Int()
    year = fields.Int()
    version = fields.Int()
    status = fields.Str(metadata={"enum": list(STATUSES)})
    figures = fields.Nested(FiguresSchema)
    total_turnover = fields.Decimal(places=2, as_string=True)
    net_profit = fields.Decimal(places=2, as_string=True,
                                metadata={"description": "turnover - staff costs - other costs - tax"})
    trial_balance_accounts = fields.Int()
    warnings = fields.List(fields.Nested(IssueSchema))
    encoding_note = fields.Str(allow_none=True)
    filename = fields.Str()
    file_format = fields.Str()
    file_size = fields.Int()
    file_sha256 = fields.Str()
    uploaded_by = fields.Function(lambda version: version.uploaded_by.name if version.uploaded_by else None)
    created_at = UtcDateTime()
    submitted_at = UtcDateTime(allow_none=True)
    assembly_approved_on = fields.Date(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    returned_at = UtcDateTime(allow_none=True)
    return_comment = fields.Str(allow_none=True)
    reopened_at = UtcDateTime(allow_none=True)
    reopen_reason = fields.Str(allow_none=True)
