"""Incubation input and output shapes for the API and the pages."""

from decimal import ROUND_HALF_UP, Decimal

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from consortium.directory.schemas import SLUG_PATTERN
from consortium.dumping import PlainDumpSchema
from consortium.fields import BoundedInt, DecimalString, UtcDateTime
from consortium.i18n import _, _l
from shared_services.incubation.models import FOUNDER_ROLES, LOAN_REQUEST_STATUSES, PATH, STAGES

LOAN_METHODS = ("annuity", "straight_line")



class FounderSchema(Schema):
    """A person of the founding group and the role they will join the co-op with."""

    id = BoundedInt(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    role = fields.Str(required=True, validate=validate.OneOf(FOUNDER_ROLES))
    email = fields.Email(allow_none=True)


class MentorSchema(Schema):
    """A mentor of the project."""

    id = BoundedInt()
    name = fields.Str()
    email = fields.Str()


class ProjectSchema(Schema):
    """An incubation project as read and written through the API."""

    id = BoundedInt(dump_only=True)
    working_name = fields.Str(required=True, validate=validate.Length(min=2, max=200))
    sponsor = fields.Function(lambda project: project.sponsor.slug, required=True,
                              deserialize=fields.Str(validate=validate.Length(min=1, max=63)).deserialize,
                              metadata={"type": "string", "description": "slug of the sponsoring member co-op"})
    sponsor_name = fields.Function(lambda project: project.sponsor.name, dump_only=True)
    need = fields.Str(allow_none=True, validate=validate.Length(max=5000))
    locality = fields.Str(allow_none=True, validate=validate.Length(max=200))
    country = fields.Str(validate=validate.OneOf(["uk", "it"]),
                         metadata={"description": "jurisdiction of the intended legal form; the sponsor's if absent"})
    intended_legal_form = fields.Str(required=True, validate=validate.Length(max=40))
    intended_type = fields.Str(allow_none=True, validate=validate.Length(max=100),
                               metadata={"description": "e.g. worker co-op, multi-stakeholder, Type B"})
    started_on = fields.Date(metadata={"description": "today if absent; no milestone may fall due before it"})
    stage = fields.Str(dump_only=True)
    paused_from = fields.Str(dump_only=True, allow_none=True)
    closed_reason = fields.Str(dump_only=True, allow_none=True)
    tenant = fields.Function(lambda project: project.tenant.slug if project.tenant else None, dump_only=True,
                             metadata={"type": "string", "nullable": True,
                                       "description": "slug of the member co-op it became"})
    converted_at = UtcDateTime(dump_only=True, allow_none=True)
    founders = fields.List(fields.Nested(FounderSchema), load_default=list, data_key="founding_group")
    mentors = fields.List(fields.Nested(MentorSchema), attribute="mentor_users", dump_only=True)


class ProjectUpdateSchema(ProjectSchema):
    """Changes to a project: every field optional; the founding group has its own endpoints."""

    class Meta:
        exclude = ("founders",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ProjectQuerySchema(Schema):
    """Filters for the projects list."""

    stage = fields.Str(validate=validate.OneOf(STAGES))


class StageMoveSchema(Schema):
    """A stage move: where to, and why (pausing, closing) or why the checklist is overridden (officers)."""

    to = fields.Str(required=True)
    reason = fields.Str(allow_none=True, validate=validate.Length(max=2000))
    override_reason = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class StageChangeSchema(Schema):
    """One stage move in the project's history."""

    id = BoundedInt()
    from_stage = fields.Str(allow_none=True)
    to_stage = fields.Str()
    at = UtcDateTime()
    by_user_id = BoundedInt(allow_none=True)
    reason = fields.Str(allow_none=True)
    override_reason = fields.Str(allow_none=True)
    overridden_items = fields.Str(allow_none=True)


class ChecklistItemSchema(Schema):
    """A checklist item of the project and whether it is done."""

    id = BoundedInt(dump_only=True)
    stage = fields.Str(dump_only=True)
    label = fields.Str(dump_only=True)
    required = fields.Bool(dump_only=True)
    done = fields.Function(lambda item: item.done_at is not None)
    done_at = UtcDateTime(dump_only=True)


class ChecklistTickSchema(Schema):
    """Tick (or untick) a checklist item."""

    done = fields.Bool(required=True)


class TemplateItemSchema(Schema):
    """An item of the consortium's checklist template."""

    id = BoundedInt(dump_only=True)
    stage = fields.Str(required=True, validate=validate.OneOf(PATH))
    label = fields.Str(required=True, validate=validate.Length(min=2, max=200))
    required = fields.Bool(load_default=True)


class MilestoneSchema(Schema):
    """A milestone with its due date and owner."""

    id = BoundedInt(dump_only=True)
    title = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    due_on = fields.Date(required=True)
    owner = fields.Str(allow_none=True, validate=validate.Length(max=200))
    done_on = fields.Date(dump_only=True)


class MilestoneDoneSchema(Schema):
    """The date a milestone was reached (null to open it again)."""

    done_on = fields.Date(required=True, allow_none=True)


class NoteSchema(Schema):
    """A meeting: date, attendees, decisions, next steps."""

    id = BoundedInt(dump_only=True)
    met_on = fields.Date(required=True)
    attendees = fields.Str(required=True, validate=validate.Length(min=1, max=2000))
    decisions = fields.Str(allow_none=True, validate=validate.Length(max=10000))
    next_steps = fields.Str(allow_none=True, validate=validate.Length(max=10000))
    author_id = BoundedInt(dump_only=True)


class DocumentUploadSchema(Schema):
    """A file to keep with the project."""

    file = Upload(required=True)


class DocumentSchema(Schema):
    """A kept file (download it from its `id`)."""

    id = BoundedInt()
    filename = fields.Str()
    content_type = fields.Str()
    size = BoundedInt()
    uploaded_at = UtcDateTime()


class MentorAssignSchema(Schema):
    """The user to make a mentor of the project, by id or email."""

    user_id = BoundedInt()
    email = fields.Email()

    @validates_schema
    def _one(self, data, **kwargs):
        if not data.get("user_id") and not data.get("email"):
            raise ValidationError(_("choose the mentor (a user or an email)"), "user_id")


class LoanRequestSchema(Schema):
    """A project's request for a start-up loan."""

    id = BoundedInt(dump_only=True)
    amount = DecimalString(required=True, places=2,
                            validate=validate.Range(min=0, min_inclusive=False, max=10_000_000))
    months = BoundedInt(required=True, validate=validate.Range(min=1, max=180))
    purpose = fields.Str(required=True, validate=validate.Length(min=3, max=5000))
    status = fields.Str(dump_only=True, validate=validate.OneOf(LOAN_REQUEST_STATUSES))
    requested_at = UtcDateTime(dump_only=True)
    decided_at = UtcDateTime(dump_only=True)
    decision_note = fields.Str(dump_only=True)
    loan_id = BoundedInt(dump_only=True)


class LoanGrantSchema(Schema):
    """The terms consortium staff grant a requested loan on."""

    annual_rate = DecimalString(required=True, places=4, validate=validate.Range(min=0, max=100))
    method = fields.Str(load_default="annuity", validate=validate.OneOf(LOAN_METHODS))
    first_due = fields.Date(required=True)
    note = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class LoanRefuseSchema(Schema):
    """Why a loan request is refused."""

    note = fields.Str(required=True, validate=validate.Length(min=3, max=2000))


class ConvertSchema(Schema):
    """The new member co-op's record; name, legal form and country default to the project's."""

    slug = fields.Str(required=True, validate=[
        validate.Length(min=2, max=63),
        validate.Regexp(SLUG_PATTERN, error=_l("use lower-case letters, digits and single hyphens (URL-safe)")),
    ])
    name = fields.Str(validate=validate.Length(min=2, max=200))
    treasurer_email = fields.Email(required=True, metadata={
        "description": "The new co-op's first treasurer: an existing user gets the role, anyone else an invitation"})
    treasurer_name = fields.Str(allow_none=True, validate=validate.Length(max=200),
                                metadata={"description": "Needed when the treasurer has no account yet"})
    override_reason = fields.Str(allow_none=True, validate=validate.Length(max=2000), metadata={
        "description": "Why the project converts although required items of the registered checklist are open"})
    legal_form = fields.Str()
    country = fields.Str(validate=validate.OneOf(["uk", "it"]))
    currency = fields.Str(validate=validate.OneOf(["GBP", "EUR"]))
    registration_number = fields.Str(allow_none=True, validate=validate.Length(max=40))
    vat_number = fields.Str(allow_none=True, validate=validate.Length(max=20))
    founding_date = fields.Date(allow_none=True)
    address = fields.Str(allow_none=True, validate=validate.Length(max=200))
    city = fields.Str(allow_none=True, validate=validate.Length(max=100))
    postcode = fields.Str(allow_none=True, validate=validate.Length(max=20))


class TenantRefSchema(Schema):
    """The member co-op a project became."""

    id = BoundedInt()
    slug = fields.Str()
    name = fields.Str()
    sponsor = fields.Function(lambda tenant: tenant.sponsor.slug if tenant.sponsor else None)
    founding_date = fields.Date()
    status = fields.Str()


LINEAGE_NODE = ("a node: kind ('coop' or 'project'), id, slug, name, status, stage, founding_date, project_id, "
                "generation (1 for co-ops without a sponsor) and children (nodes of the next generation)")


class LineageSchema(PlainDumpSchema):
    """Every co-op under its sponsor, as generations."""

    generations = BoundedInt()
    coops = BoundedInt()
    projects = BoundedInt()
    # Raw: the tree is JSON-ready already; a nested schema pass per node doubled the response time.
    roots = fields.List(fields.Raw(), metadata={"description": LINEAGE_NODE})


class ObligationSchema(Schema):
    """One member co-op's runner obligation."""

    slug = fields.Str()
    name = fields.Str()
    founding_date = fields.Date(allow_none=True)
    members = BoundedInt()
    spin_outs = fields.List(fields.Str())
    open_projects = fields.List(fields.Str())
    status = fields.Str(metadata={"description": "overdue, due, in_progress or met"})
    deadline = fields.Date(allow_none=True)
    days_left = BoundedInt(allow_none=True)
    triggered_by = fields.Str(allow_none=True, metadata={"description": "years (from founding), members or turnover"})
    currency = fields.Str()
    turnover = DecimalString(allow_none=True,
                              metadata={"description": "total turnover of the latest accepted accounts"})
    turnover_year = BoundedInt(allow_none=True, metadata={"description": "the year of those accounts"})


class ObligationRuleSchema(Schema):
    """The consortium's runner rule."""

    years_from_founding = BoundedInt(validate=validate.Range(min=1, max=50))
    member_threshold = BoundedInt(allow_none=True, validate=validate.Range(min=1))
    turnover_threshold = DecimalString(
        allow_none=True, places=2, rounding=ROUND_HALF_UP,
        validate=validate.Range(min=0, min_inclusive=False, max=Decimal("999999999999.99")),
        metadata={"description": "total turnover of a co-op's latest accepted accounts that triggers the obligation"})
    turnover_currency = fields.Str(allow_none=True, validate=validate.OneOf(["GBP", "EUR"]),
                                   metadata={"description": "currency of the turnover threshold; co-ops keeping "
                                                            "accounts in another currency are not compared"})


class NotObligedSchema(Schema):
    """An active co-op whose legal form does not put out a runner (a consortium of co-ops)."""

    slug = fields.Str()
    name = fields.Str()
    legal_form = fields.Str()


class ObligationsSchema(Schema):
    """The runner-obligation dashboard."""

    on = fields.Date()
    years_from_founding = BoundedInt()
    member_threshold = BoundedInt(allow_none=True)
    turnover_threshold = DecimalString(allow_none=True)
    turnover_currency = fields.Str(allow_none=True)
    obligations = fields.List(fields.Nested(ObligationSchema))
    pipeline = fields.Dict(keys=fields.Str(), values=BoundedInt())
    median_days = fields.Dict(keys=fields.Str(), values=fields.Float(allow_none=True))
    not_obliged = fields.List(fields.Nested(NotObligedSchema), metadata={
        "description": "active co-ops not bound by the obligation because of their legal form (consortia of co-ops)"})


class ObligationsOutSchema(ObligationsSchema):
    """The dashboard as the API sends it: rows already JSON-ready (see `obligation_rows`)."""

    obligations = fields.List(fields.Raw(), metadata={"description": "rows shaped like ObligationSchema, most "
                                                                     "urgent first"})


def obligation_rows(obligations) -> list[dict]:
    """Obligation rows as plain JSON values; a schema pass per row cost more than computing them."""
    return [{"slug": o.slug, "name": o.name, "founding_date": o.founding_date.isoformat() if o.founding_date else None,
             "members": o.members, "spin_outs": o.spin_outs, "open_projects": o.open_projects, "status": o.status,
             "deadline": o.deadline.isoformat() if o.deadline else None, "days_left": o.days_left,
             "triggered_by": o.triggered_by, "currency": o.currency,
             "turnover": None if o.turnover is None else str(o.turnover), "turnover_year": o.turnover_year}
            for o in obligations]
