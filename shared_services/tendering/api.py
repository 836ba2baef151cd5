"""Tendering API: notices, imports, sources, the joint bid, awards, contracts and the OCDS export for
consortium staff; each co-op's profile, answers and contract parts."""

from flask import Response, current_app, g, request
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from shared_services.tendering import schemas, service
from shared_services.tendering.notify import invitation_mailer

STAFF = ("consortium_admin", "consortium_staff")
COOP_READERS = ("treasurer", "viewer")
COOP_WRITERS = ("treasurer",)

blp = Blueprint("tendering_api", __name__, url_prefix="/api/v1/consortium",
                description="Joint tendering: notices, the consortium's bids, contracts, OCDS export")
coop_blp = Blueprint("coop_tendering_api", __name__, url_prefix="/api/v1/t/<slug>",
                     description="A co-op's tender profile, answers and contract parts")


def our_names() -> tuple[str, ...]:
    """The names the consortium bids under, to recognise its awards in OCDS releases."""
    return (current_app.config["CONSORTIUM_NAME"],)


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download."""
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


def notice_detail(notice):
    """The notice with its release history, the co-ops matching each lot and every answer (staff only)."""
    matching = service.matching_tenants_by_lot(db.session, notice)
    notice.releases = service.notice_releases(db.session, notice.id)
    notice.matching = {lot.lot_id: [t.slug for t in matching[lot.id]] for lot in notice.lots}
    notice.matching_groups = {key: [t.slug for t in tenants]
                              for key, tenants in service.matching_tenants_by_group(notice, matching).items()}
    lots = {lot.id: lot.lot_id for lot in notice.lots}
    slugs = {t.id: t.slug for t in service.invited_tenants(db.session, notice.id)}
    notice.answers = [{"tenant": slugs.get(a.tenant_id), "lot": lots[a.lot_id], "interested": a.interested,
                       "capacity": None if a.capacity is None else str(a.capacity), "staff": a.staff,
                       "disadvantaged_percent": (None if a.disadvantaged_percent is None
                                                 else str(a.disadvantaged_percent)),
                       "unit_cost": None if a.unit_cost is None else str(a.unit_cost), "notes": a.notes}
                      for a in service.all_answers(db.session, notice.id)]
    return notice


def _resolve_slugs(data: dict) -> dict:
    """Tenant slugs in a bid document → ids, or a validation error naming the field."""
    if data.get("lead"):
        data["lead_tenant_id"] = schemas.tenant_id_for_slug(data["lead"], "lead")
    for i, lot in enumerate(data.get("lots") or []):
        for j, allocation in enumerate(lot.get("allocations") or []):
            allocation["tenant_id"] = schemas.tenant_id_for_slug(allocation["tenant"],
                                                                 f"lots[{i}].allocations[{j}].tenant")
    for i, requirement in enumerate(data.get("requirements") or []):
        for j, evidence in enumerate(requirement.get("evidence") or []):
            evidence["tenant_id"] = schemas.tenant_id_for_slug(evidence["tenant"],
                                                               f"requirements[{i}].evidence[{j}].tenant")
    return data


# --------------------------------------------------------------------------- notices


@blp.route("/tenders")
class NoticesResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.NoticeQuerySchema, location="query")
    @blp.response(200, schemas.NoticeSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """Tender notices, latest deadline first; filter by OCDS `status`, text `q`, or `opened`."""
        return service.notices_query(status=filters.get("status"), search=filters.get("q"),
                                     opened=filters.get("opened"))

    @consortium_role_required(*STAFF)
    @blp.response(201, schemas.ImportSchema)
    def post(self):
        """Import an OCDS 1.1.5 release package or record package (the request body, JSON).

        Refused whole (422, errors by JSON path) if it is not JSON, not a package, or does not validate.
        Releases already stored (same ocid and release id) are skipped, so a re-import creates nothing.
        """
        return service.import_package(db.session, request.get_data(), origin="api", our_names=our_names())


@blp.route("/tenders/<int:notice_id>")
class NoticeResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.NoticeDetailSchema)
    def get(self, notice_id):
        """One notice: lots, documents, release history, matching co-ops per lot and every co-op's answers."""
        return notice_detail(service.get_notice(db.session, notice_id))


@blp.route("/tenders/<int:notice_id>/open")
class OpenResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.OpenSchema)
    @blp.response(200, schemas.NoticeSchema)
    def post(self, data, notice_id):
        """Open the notice to all co-ops or the matching ones; each newly invited co-op's treasurer is emailed."""
        notice = service.get_notice(db.session, notice_id)
        service.open_notice(db.session, notice, to=data["to"], answers_due=data["answers_due"], today=local_today(),
                            notify=invitation_mailer(db.session))
        return notice


@blp.route("/tenders/imports")
class ImportsResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.ImportSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """Every import and fetch, newest first: when, how many releases new or known, errors."""
        return service.imports_query()


@blp.route("/tender-sources")
class SourcesResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.SourceSchema(many=True))
    def get(self):
        """The OCDS endpoints fetched on a schedule."""
        return db.session.scalars(service.sources_query()).all()

    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.SourceSchema)
    @blp.response(201, schemas.SourceSchema)
    def post(self, data):
        """Add an OCDS endpoint (e.g. Find a Tender's /api/1.0/ocdsReleasePackages) to fetch on a schedule."""
        return service.create_source(db.session, data)


# --------------------------------------------------------------------------- the bid


@blp.route("/tenders/<int:notice_id>/bid")
class BidResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.BidOutSchema)
    def get(self, notice_id):
        """The current version of the consortium's bid, with costs, suggested prices and what still blocks it."""
        return service.annotate_bid(db.session, service.get_bid(db.session, notice_id))

    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.BidInSchema)
    @blp.response(200, schemas.BidOutSchema)
    def post(self, data, notice_id):
        """Write the draft bid: margin, lead, each lot's go / no-go, allocation and price, requirements.

        A submitted bid is frozen: posting again before the deadline makes a new version, after it is refused.
        """
        bid = service.write_bid(db.session, notice_id, _resolve_slugs(data), now=service.now_utc())
        return service.annotate_bid(db.session, bid)


@blp.route("/tenders/<int:notice_id>/bid/submit")
class SubmitResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.BidOutSchema)
    def post(self, notice_id):
        """Submit the draft: refused after the deadline, or while a lot, share, price or document is missing."""
        bid = service.get_bid(db.session, notice_id)
        service.submit_bid(db.session, bid, user_id=current_user.id, now=service.now_utc())
        return service.annotate_bid(db.session, bid)


@blp.route("/tenders/<int:notice_id>/bid/award")
class AwardResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.AwardSchema)
    @blp.response(200, schemas.BidOutSchema)
    def post(self, data, notice_id):
        """Record the award: lots won become contracts with each member's share; lots lost are closed."""
        bid = service.get_bid(db.session, notice_id)
        service.award_bid(db.session, bid, won=data["won"], lost=data["lost"],
                          awarded_on=data.get("awarded_on") or local_today())
        return service.annotate_bid(db.session, bid)


@blp.route("/tenders/<int:notice_id>/bid/pdf")
class BidPackResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, content_type="application/pdf")
    def get(self, notice_id):
        """The bid pack PDF: lots, members and their shares and parts, prices, requirements, declarations."""
        from shared_services.tendering import documents
        bid = service.get_bid(db.session, notice_id)
        data = documents.bid_pack_pdf(db.session, bid, consortium_name=current_app.config["CONSORTIUM_NAME"])
        return pdf_response(data, f"bid-pack-{notice_id}-v{bid.version}.pdf")


@blp.route("/contracts")
class ContractsResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.ContractSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """Contracts won, newest award first, with each member's share."""
        return service.contracts_query()


@blp.route("/ocds")
class ExportResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200)
    def get(self):
        """The consortium's pipeline (bids and contracts) as an OCDS 1.1.5 release package."""
        return service.export_package(db.session, consortium_name=current_app.config["CONSORTIUM_NAME"],
                                      base_url=current_app.config["PUBLIC_BASE_URL"], published=service.now_utc())


# --------------------------------------------------------------------------- a co-op's side


@coop_blp.route("/tender-profile")
class ProfileResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.ProfileSchema)
    def get(self):
        """The co-op's profile for matching: CPV codes, areas served, capacity, staff."""
        return service.get_profile(db.session, g.tenant.id) or {}

    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.ProfileSchema)
    @coop_blp.response(200, schemas.ProfileSchema)
    def put(self, data):
        """Replace the co-op's profile."""
        return service.save_profile(db.session, g.tenant.id, data)


@coop_blp.route("/tenders")
class CoopNoticesResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.NoticeSchema(many=True))
    def get(self):
        """Notices opened to the co-op, then open notices matching its profile (not yet opened to it)."""
        invited = service.invited_notices(db.session, g.tenant.id)
        known = {n.id for n in invited}
        matching = service.matching_notices(db.session, service.get_profile(db.session, g.tenant.id),
                                            now=service.now_utc())
        return invited + [n for n in matching if n.id not in known]


def _interest(notice_id):
    notice = service.notice_for_tenant(db.session, notice_id, g.tenant.id)
    answers = service.own_answers(db.session, g.tenant.id, notice_id)
    lots = {lot.id: lot.lot_id for lot in notice.lots}
    return {"notice": notice, "closed": service.answers_closed(db.session, notice, local_today()),
            "answers": [{"lot": lots[a.lot_id], "interested": a.interested, "capacity": a.capacity, "staff": a.staff,
                         "disadvantaged_percent": a.disadvantaged_percent, "unit_cost": a.unit_cost,
                         "notes": a.notes} for a in answers.values()]}


@coop_blp.route("/tenders/<int:notice_id>/interest")
class InterestResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.InterestOutSchema)
    def get(self, notice_id):
        """The notice (if opened to the co-op) and the co-op's own answers per lot."""
        return _interest(notice_id)

    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.InterestInSchema)
    @coop_blp.response(200, schemas.InterestOutSchema)
    def put(self, data, notice_id):
        """Answer per lot: interested or not, capacity (in the lot's unit), staff, cost per unit, notes."""
        service.save_answers(db.session, g.tenant.id, notice_id, data["answers"], user_id=current_user.id,
                             today=local_today())
        return _interest(notice_id)


@coop_blp.route("/contracts")
class CoopContractsResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.OwnShareSchema(many=True))
    def get(self):
        """The co-op's own parts of contracts the consortium won."""
        return service.tenant_contract_shares(db.session, g.tenant.id)

