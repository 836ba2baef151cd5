"""Tendering input and output shapes: notices, imports, sources, profiles, answers, bids, awards, contracts.

The API is locale-free: amounts and percentages are decimal strings, dates ISO 8601.
"""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from consortium.extensions import db
from consortium.fields import BoundedInt, DecimalString, Money
from consortium.i18n import _l
from consortium.models import Tenant
from shared_services.tendering.models import DECISIONS, OPENED_TO, REQUIREMENT_KINDS, UNITS


def _not_negative_money(**kwargs) -> fields.Decimal:
    return Money(validate=validate.Range(min=0, error=_l("must not be below zero")), **kwargs)


def _percent(**kwargs) -> fields.Decimal:
    return DecimalString(places=2, validate=validate.Range(min=0, max=100), **kwargs)


def _quantity(**kwargs) -> fields.Decimal:
    return DecimalString(places=2, validate=validate.Range(min=0), **kwargs)


def tenant_id_for_slug(slug: str, field_name: str) -> int:
    """The id of the co-op with this slug, or a validation error naming the field."""
    tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise ValidationError({field_name: [f"no co-op '{slug}'"]})
    return tenant_id


def _slug_of(tenant_id):
    if tenant_id is None:
        return None
    tenant = db.session.get(Tenant, tenant_id)
    return tenant.slug if tenant else None


# --------------------------------------------------------------------------- notices


class NoticeQuerySchema(Schema):
    status = fields.String(validate=validate.Length(max=20))
    q = fields.String(validate=validate.Length(max=200))
    opened = fields.Boolean()


class LotSchema(Schema):
    lot_id = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    value = Money(allow_none=True)
    currency = fields.String(allow_none=True)
    cpv_codes = fields.List(fields.String())
    quantity = _quantity(allow_none=True)
    unit = fields.String()
    contract_start = fields.Date(allow_none=True)
    contract_end = fields.Date(allow_none=True)


class LotGroupSchema(Schema):
    id = fields.String()
    related_lots = fields.List(fields.String())
    option_to_combine = fields.Boolean(allow_none=True)
    maximum_value = fields.String(allow_none=True, metadata={"description": "decimal string"})
    currency = fields.String(allow_none=True)


class NoticeSchema(Schema):
    id = BoundedInt()
    ocid = fields.String()
    origin = fields.String()
    buyer_name = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    value = Money(allow_none=True)
    currency = fields.String(allow_none=True)
    procurement_method = fields.String(allow_none=True)
    main_category = fields.String(allow_none=True)
    award_criteria = fields.String(allow_none=True)
    award_criteria_details = fields.String(allow_none=True)
    max_lots_bid = fields.Integer(allow_none=True, metadata={
        "description": "OCDS tender.lotDetails.maximumLotsBidPerSupplier: the joint bid's 'go' lots may not exceed it"})
    max_lots_awarded = fields.Integer(allow_none=True, metadata={
        "description": "OCDS tender.lotDetails.maximumLotsAwardedPerSupplier"})
    lot_groups = fields.List(fields.Nested(LotGroupSchema), metadata={
        "description": "OCDS tender.lotGroups: lots the buyer may combine on award, or whose total is capped; the "
                       "joint bid's prices for a group's lots may not exceed its maximum value"})
    submission_deadline = fields.DateTime(allow_none=True)
    enquiry_deadline = fields.DateTime(allow_none=True)
    cpv_codes = fields.List(fields.String())
    areas = fields.List(fields.String())
    documents = fields.List(fields.Dict())
    reserved = fields.Boolean()
    opened_at = fields.DateTime(allow_none=True)
    opened_to = fields.String(allow_none=True)
    answers_due = fields.Date(allow_none=True)
    latest_release_id = fields.String(allow_none=True)
    latest_release_date = fields.DateTime(allow_none=True)
    lots = fields.List(fields.Nested(LotSchema))


class ReleaseSchema(Schema):
    release_id = fields.String()
    date = fields.DateTime(allow_none=True)
    tags = fields.List(fields.String())


class NoticeDetailSchema(NoticeSchema):
    releases = fields.List(fields.Nested(ReleaseSchema))
    matching = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    matching_groups = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "per lot group id, the co-ops (slugs) matching every lot of the group"})
    answers = fields.List(fields.Dict())


class ImportSchema(Schema):
    id = BoundedInt()
    source_id = BoundedInt(allow_none=True)
    origin = fields.String()
    filename = fields.String(allow_none=True)
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    pages = BoundedInt()
    releases_new = BoundedInt()
    releases_known = BoundedInt()
    notices_new = BoundedInt()
    notices_updated = BoundedInt()
    ok = fields.Boolean()
    error = fields.String(allow_none=True)


class UploadSchema(Schema):
    file = Upload(required=True)


class ManualLotSchema(Schema):
    lot_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    title = fields.String(validate=validate.Length(max=500))
    value = _not_negative_money(allow_none=True)
    quantity = DecimalString(places=2, allow_none=True,
                              validate=validate.Range(min=0, min_inclusive=False))
    unit = fields.String(validate=validate.OneOf(UNITS))


class DocumentLinkSchema(Schema):
    title = fields.String(validate=validate.Length(max=300))
    url = fields.URL(required=True, schemes={"http", "https"})


class ManualNoticeSchema(Schema):
    """A notice entered by hand (not published as OCDS, e.g. a convention under L. 381/1991 art. 5)."""

    reference = fields.String(required=True, validate=validate.Length(min=1, max=150))
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    buyer_name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(allow_none=True)
    value = _not_negative_money(allow_none=True)
    currency = fields.String(required=True, validate=validate.OneOf(("EUR", "GBP")))
    submission_deadline = fields.AwareDateTime(required=True, default_timezone=None)
    enquiry_deadline = fields.AwareDateTime(allow_none=True)
    award_criteria_details = fields.String(allow_none=True)
    cpv_codes = fields.List(fields.String(), load_default=list)
    areas = fields.List(fields.String(), load_default=list)
    reserved = fields.Boolean(load_default=False)
    documents = fields.List(fields.Nested(DocumentLinkSchema), load_default=list)
    lots = fields.List(fields.Nested(ManualLotSchema), load_default=list)


class OpenSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(OPENED_TO))
    answers_due = fields.Date(required=True)


class ReservedSchema(Schema):
    reserved = fields.Boolean(required=True)


class SourceSchema(Schema):
    id = BoundedInt(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    active = fields.Boolean(load_default=True)
    interval_minutes = BoundedInt(load_default=360, validate=validate.Range(min=5, max=10080))
    max_pages = BoundedInt(load_default=20, validate=validate.Range(min=1, max=500))
    next_fetch_at = fields.DateTime(dump_only=True, allow_none=True)
    failures = BoundedInt(dump_only=True)
    last_error = fields.String(dump_only=True, allow_none=True)


# --------------------------------------------------------------------------- co-ops


class ProfileSchema(Schema):
    cpv_codes = fields.List(fields.String(), load_default=list)
    areas = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    hours_per_week = _quantity(allow_none=True)
    places = BoundedInt(allow_none=True, validate=validate.Range(min=0))
    qualified_staff = BoundedInt(allow_none=True, validate=validate.Range(min=0))
    disadvantaged_percent = _percent(allow_none=True)
    notes = fields.String(allow_none=True)


class AnswerSchema(Schema):
    lot = fields.String(required=True)
    interested = fields.Boolean(required=True)
    capacity = _quantity(allow_none=True)
    staff = BoundedInt(allow_none=True, validate=validate.Range(min=0))
    disadvantaged_percent = _percent(allow_none=True)
    unit_cost = _not_negative_money(allow_none=True)
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))


class InterestInSchema(Schema):
    answers = fields.List(fields.Nested(AnswerSchema), required=True)


class InterestOutSchema(Schema):
    notice = fields.Nested(NoticeSchema)
    answers = fields.List(fields.Nested(AnswerSchema))
    closed = fields.String(allow_none=True)


# --------------------------------------------------------------------------- bids


class AllocationInSchema(Schema):
    tenant = fields.String(required=True)
    share_percent = DecimalString(places=2, required=True)
    part = fields.String(allow_none=True, validate=validate.Length(max=2000))


class BidLotInSchema(Schema):
    lot = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    quantity = DecimalString(places=2, allow_none=True,
                              validate=validate.Range(min=0, min_inclusive=False))
    unit = fields.String(validate=validate.OneOf(UNITS))
    price = _not_negative_money(allow_none=True)
    allocations = fields.List(fields.Nested(AllocationInSchema), load_default=list)


class EvidenceInSchema(Schema):
    tenant = fields.String(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=200))
    expires_on = fields.Date(allow_none=True)


class RequirementInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(REQUIREMENT_KINDS))
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    evidence = fields.List(fields.Nested(EvidenceInSchema), load_default=list)


class BidInSchema(Schema):
    """The whole draft: terms, each lot's decision, allocation and price, and the requirements."""

    margin_percent = DecimalString(places=2,
                                    validate=validate.Range(min=0, max=100, max_inclusive=False))
    lead = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    lots = fields.List(fields.Nested(BidLotInSchema), load_default=list)
    requirements = fields.List(fields.Nested(RequirementInSchema))


class AllocationOutSchema(Schema):
    tenant = fields.Function(lambda a: _slug_of(a.tenant_id))
    share_percent = _percent()
    quantity = _quantity(allow_none=True)
    unit_cost = Money(allow_none=True)
    cost = Money(allow_none=True)
    staff = BoundedInt(allow_none=True)
    disadvantaged_percent = _percent(allow_none=True)
    part = fields.String(allow_none=True)


class BidLotOutSchema(Schema):
    lot = fields.Function(lambda bl: bl.lot.lot_id)
    title = fields.Function(lambda bl: bl.lot.title)
    decision = fields.String()
    quantity = _quantity(allow_none=True)
    unit = fields.String()
    cost = fields.Function(lambda bl: str(bl.cost_total))
    suggested_price = fields.Function(lambda bl: str(bl.suggested))
    price = Money(allow_none=True)
    result = fields.String()
    combined_disadvantaged_percent = fields.Function(
        lambda bl: None if bl.combined is None else str(bl.combined))
    allocations = fields.List(fields.Nested(AllocationOutSchema))


class EvidenceOutSchema(Schema):
    tenant = fields.Function(lambda e: _slug_of(e.tenant_id))
    reference = fields.String()
    expires_on = fields.Date(allow_none=True)


class RequirementOutSchema(Schema):
    id = BoundedInt()
    kind = fields.String()
    label = fields.String()
    evidence = fields.List(fields.Nested(EvidenceOutSchema))


class BidOutSchema(Schema):
    id = BoundedInt()
    notice_id = BoundedInt()
    version = BoundedInt()
    status = fields.String()
    margin_percent = _percent()
    lead = fields.Function(lambda b: _slug_of(b.lead_tenant_id))
    notes = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    lots = fields.List(fields.Nested(BidLotOutSchema))
    requirements = fields.List(fields.Nested(RequirementOutSchema))
    problems = fields.Function(lambda b: [{"field": f, "message": m} for f, m in b.problems])


class SubmitSchema(Schema):
    pass


class WonLotSchema(Schema):
    lot = fields.String(required=True)
    value = DecimalString(places=2, required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    award_id = fields.String(allow_none=True, validate=validate.Length(max=200))


class AwardSchema(Schema):
    won = fields.List(fields.Nested(WonLotSchema), load_default=list)
    lost = fields.List(fields.String(), load_default=list)
    awarded_on = fields.Date(allow_none=True)


class ShareOutSchema(Schema):
    tenant = fields.Function(lambda s: _slug_of(s.tenant_id))
    share_percent = _percent()
    value = Money()
    part = fields.String(allow_none=True)


class ContractSchema(Schema):
    id = BoundedInt()
    notice_id = BoundedInt()
    award_id = fields.String(allow_none=True)
    title = fields.String()
    value = Money()
    currency = fields.String()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    awarded_on = fields.Date()
    shares = fields.List(fields.Nested(ShareOutSchema))


class OwnShareSchema(Schema):
    """A co-op's own part of a contract: never the other members' parts."""

    contract_id = BoundedInt()
    title = fields.Function(lambda s: s.contract.title)
    contract_value = fields.Function(lambda s: str(s.contract.value))
    currency = fields.Function(lambda s: s.contract.currency)
    starts_on = fields.Function(lambda s: s.contract.starts_on.isoformat() if s.contract.starts_on else None)
    ends_on = fields.Function(lambda s: s.contract.ends_on.isoformat() if s.contract.ends_on else None)
    awarded_on = fields.Function(lambda s: s.contract.awarded_on.isoformat())
    share_percent = _percent()
    value = Money()
    part = fields.String(allow_none=True)
