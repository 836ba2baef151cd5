"""Annual-accounts input and output shapes: the upload form, a version with its figures and review outcome."""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from consortium.fields import BoundedInt, DecimalString, UtcDateTime
from consortium.i18n import _
from tenants.accounts.models import FIGURE_CODES, STATUSES
from tenants.accounts.parsing import EARLIEST_YEAR

YEAR_RANGE = validate.Range(min=EARLIEST_YEAR, max=9999)


class FilePart(Upload):
    """An uploaded file; a plain text field of the same name is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError(_("send the file as a multipart file part (with a filename)"))
        return value


class AccountsUploadSchema(Schema):
    """The multipart upload: the financial year and the filled template (XLSX or CSV)."""

    year = BoundedInt(required=True, strict=False, validate=YEAR_RANGE,
                      metadata={"description": "the financial year the file covers (must be over)"})
    file = FilePart(required=True, metadata={"description": "the filled template, .xlsx or .csv"})


class AccountsYearFormSchema(Schema):
    """The year of the upload form on the web page."""

    year = BoundedInt(required=True, strict=False, validate=YEAR_RANGE)


class AccountsSubmitSchema(Schema):
    """What a treasurer gives when submitting a version: the day the members' assembly approved the accounts."""

    assembly_approved_on = fields.Date(
        required=True, metadata={"description": "the date the members' assembly approved these accounts; the "
                                                "mutual-fund contribution falls due a set number of days after it"})


class AccountsListQuerySchema(Schema):
    """Filters for the versions list."""

    year = BoundedInt(validate=YEAR_RANGE)


class TemplateQuerySchema(Schema):
    """Options of the template download."""

    year = BoundedInt(validate=YEAR_RANGE, metadata={"description": "prefill the financial year"})


class IssueSchema(Schema):
    """A warning found in the upload, located as the user sees it."""

    sheet = fields.Str(allow_none=True)
    row = BoundedInt(allow_none=True)
    column = fields.Str(allow_none=True)
    message = fields.Str()


FiguresSchema = Schema.from_dict(
    {code: DecimalString(places=2) for code in FIGURE_CODES}, name="AccountsFigures"
)



class AccountsVersionSchema(Schema):
    """One uploaded version: figures, computed net profit, warnings, file, and the consortium's review."""

    id = BoundedInt()
    year = BoundedInt()
    version = BoundedInt()
    status = fields.Str(metadata={"enum": list(STATUSES)})
    figures = fields.Nested(FiguresSchema)
    total_turnover = DecimalString(places=2)
    net_profit = DecimalString(places=2,
                                metadata={"description": "turnover - staff costs - other costs - tax"})
    trial_balance_accounts = BoundedInt()
    warnings = fields.List(fields.Nested(IssueSchema))
    encoding_note = fields.Str(allow_none=True)
    filename = fields.Str()
    file_format = fields.Str()
    file_size = BoundedInt()
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
