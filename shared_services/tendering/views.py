"""Tendering pages: notices, imports, sources, the joint bid and contracts for consortium staff; each co-op's
profile, notices, answers per lot and contract parts."""

import json
import re
from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from consortium import lists
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.forms import flat_messages, load_form, run_service
from consortium.i18n import _, _l
from consortium.models import Tenant

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from shared_services.tendering import schemas, service
from shared_services.tendering.api import COOP_READERS, COOP_WRITERS, STAFF, notice_detail, our_names, pdf_response
from shared_services.tendering.models import (
    BID_STATUS_LABELS,
    DECISION_LABELS,
    LOT_RESULT_LABELS,
    OPENED_TO_LABELS,
    RELEASE_TAG_LABELS,
    REQUIREMENT_KINDS,
    REQUIREMENT_LABELS,
    ROLE_LABELS,
    TENDER_STATUS_LABELS,
    UNIT_LABELS,
    UNITS,
    ContractShare,
    TenderContract,
    TenderNotice,
)
from shared_services.tendering.notify import invitation_mailer

blp = Blueprint("tendering", __name__, url_prefix="/consortium/tenders", template_folder="templates")
coop_blp = Blueprint("coop_tendering", __name__, url_prefix="/t/<slug>/tenders", template_folder="templates")

IMPORT_ORIGINS = {"fetch": _l("fetched"), "upload": _l("uploaded"), "api": _l("API")}
LABELS = {"bid_status": BID_STATUS_LABELS, "decision": DECISION_LABELS, "result": LOT_RESULT_LABELS,
          "opened_to": OPENED_TO_LABELS, "requirement": REQUIREMENT_LABELS, "role": ROLE_LABELS,
          "tender_status": TENDER_STATUS_LABELS, "tag": RELEASE_TAG_LABELS, "unit": UNIT_LABELS}


@blp.context_processor
@coop_blp.context_processor
def _labels():
    return {"labels": LABELS}


def split_list(text: str | None) -> list[str]:
    """A comma- or line-separated field as a list of its non-empty items."""
    return [item.strip() for item in re.split(r"[,\n;]", text or "") if item.strip()]


def _decimal(form, name: str, errors: dict) -> Decimal | None:
    raw = (form.get(name) or "").strip().replace(",", ".") if form.get(name) else ""
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        errors[name] = [_("not a number")]
        return None


# --------------------------------------------------------------------------- staff: notices


@blp.route("/")
@consortium_role_required(*STAFF)
def notices():
    """Every notice, latest deadline first, with search; links to import, sources, a notice by hand."""
    listing = lists.Listing(
        search=[TenderNotice.title, TenderNotice.buyer_name, TenderNotice.ocid],
        sorts={"title": TenderNotice.title, "buyer": TenderNotice.buyer_name, "value": TenderNotice.value,
               "deadline": TenderNotice.submission_deadline},
        default_sort="deadline", default_desc=True, descending=("value", "deadline"),
        filters={"status": {code: (label, TenderNotice.status == code) for code, label in TENDER_STATUS_LABELS.items()},
                 "opened": {"1": (_l("opened to co-ops"), TenderNotice.opened_at.is_not(None)),
                            "0": (_l("not opened yet"), TenderNotice.opened_at.is_(None))},
                 "reserved": {"1": (_l("reserved only"), TenderNotice.reserved.is_(True))}},
        date=TenderNotice.submission_deadline, date_is_timestamp=True)
    rows = listing.apply(db.session, service.notices_query())
    bids = {n.id: service.current_bid(db.session, n.id) for n in rows}
    return render_template("tendering/notices.html", notices=rows, bids=bids,
                           imports=db.session.scalars(service.imports_query().limit(5)).all())


@blp.route("/import", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def import_file():
    """Upload an OCDS release or record package."""
    errors = {}
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors = {"file": [_("choose an OCDS JSON file")]}
        else:
            row, errors = run_service(lambda: service.import_package(
                db.session, upload.read(), origin="upload", filename=upload.filename[:300], our_names=our_names()))
            # the places in the file (JSON paths) are told under the file field, which the summary links to
            if errors:
                errors = {"file": [m if where in ("file", "_schema") else f"{where}: {m}"
                                   for where, messages in errors.items() for m in flat_messages(messages)]}
            if row is not None:
                flash(_("Imported %(file)s: %(new)s new releases (%(known)s already known), %(notices)s new notices, "
                        "%(updated)s updated.", file=row.filename, new=row.releases_new, known=row.releases_known,
                        notices=row.notices_new, updated=row.notices_updated))
                return redirect(url_for("tendering.notices"))
    imports = lists.Listing(
        search=[service.TenderImport.filename, service.TenderImport.error],
        sorts={"started": service.TenderImport.started_at, "pages": service.TenderImport.pages,
               "new_releases": service.TenderImport.releases_new, "new_notices": service.TenderImport.notices_new,
               "updated": service.TenderImport.notices_updated},
        default_sort="started", default_desc=True,
        descending=("started", "pages", "new_releases", "new_notices", "updated"),
        filters={"origin": {code: (label, service.TenderImport.origin == code)
                            for code, label in IMPORT_ORIGINS.items()},
                 "result": {"ok": (_l("ok"), service.TenderImport.ok.is_(True)),
                            "failed": (_l("failed"), service.TenderImport.ok.is_(False))}},
        date=service.TenderImport.started_at, date_is_timestamp=True,
    ).apply(db.session, service.imports_query())
    return render_template("tendering/import.html", errors=errors, imports=imports), 422 if errors else 200


@blp.route("/sources", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def sources():
    """The OCDS endpoints fetched on a schedule, their last fetches, and a form to add one."""
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.SourceSchema(), request.form, booleans=("active",))
        if data is not None:
            source, errors = run_service(lambda: service.create_source(db.session, data))
            if source is not None:
                flash(_("Source added: the scheduler fetches it within 15 minutes."))
                return redirect(url_for("tendering.sources"))
    rows = db.session.scalars(service.sources_query()).all()
    fetches = db.session.scalars(service.imports_query().where(service.TenderImport.origin == "fetch").limit(30)).all()
    return render_template("tendering/sources.html", sources=rows, fetches=fetches, errors=errors,
                           values=values), 422 if errors else 200


@blp.route("/sources/<int:source_id>/fetch", methods=["POST"])
@consortium_role_required(*STAFF)
def fetch_source_now(source_id):
    """Make a source due now; the scheduler's next run (every 15 minutes) fetches it."""
    service.fetch_now(db.session, service.get_source(db.session, source_id))
    flash(_("The source will be fetched on the scheduler's next run."))
    return redirect(url_for("tendering.sources"))


@blp.route("/new", methods=["GET", "POST"])
@consortium_role_required(*STAFF)
def new_notice():
    """Enter a notice by hand (one not published as OCDS, e.g. a convention under L. 381/1991 art. 5)."""
    errors, values = {}, request.form if request.method == "POST" else {}
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if not k.startswith("lot_")}
        raw = {**form, "cpv_codes": split_list(form.get("cpv_codes")), "areas": split_list(form.get("areas"))}
        lots = []
        for i in range(1, 4):
            if request.form.get(f"lot_{i}_title", "").strip():
                lot = {"lot_id": str(i), "title": request.form[f"lot_{i}_title"].strip(),
                       "unit": request.form.get(f"lot_{i}_unit") or "hour"}
                for name in ("value", "quantity"):
                    if request.form.get(f"lot_{i}_{name}", "").strip():
                        lot[name] = request.form[f"lot_{i}_{name}"].strip()
                lots.append(lot)
        try:
            data = schemas.ManualNoticeSchema().load({**{k: v for k, v in raw.items() if v not in ("", None)},
                                                       "reserved": request.form.get("reserved") == "y", "lots": lots})
        except schemas.ValidationError as error:
            errors = error.messages
        else:
            notice, errors = run_service(lambda: service.create_manual_notice(db.session, data))
            if notice is not None:
                flash(_("Notice saved."))
                return redirect(url_for("tendering.notice", notice_id=notice.id))
    return render_template("tendering/notice_form.html", errors=errors, values=values, units=_unit_options(),
                           today=local_today()), 422 if errors else 200


def _unit_options():
    return [(unit, str(UNIT_LABELS[unit])) for unit in UNITS]


@blp.route("/<int:notice_id>")
@consortium_role_required(*STAFF)
def notice(notice_id):
    """One notice: lots, matching co-ops, answers, release history; open it, mark it reserved, go to the bid."""
    item = notice_detail(service.get_notice(db.session, notice_id))
    matching = service.matching_tenants_by_lot(db.session, item)
    answers = service.all_answers(db.session, notice_id)
    tenants = {t.id: t for t in db.session.scalars(select(Tenant))}
    return render_template("tendering/notice.html", notice=item, matching=matching, answers=answers,
                           group_matching=service.matching_tenants_by_group(item, matching),
                           tenants=tenants, invited=service.invited_tenants(db.session, notice_id),
                           unanswered=service.unanswered_tenants(db.session, notice_id),
                           bid=service.current_bid(db.session, notice_id), today=local_today(), errors={})


@blp.route("/<int:notice_id>/open", methods=["POST"])
@consortium_role_required(*STAFF)
def open_notice(notice_id):
    """Open the notice to all co-ops or the matching ones."""
    item = service.get_notice(db.session, notice_id)
    data, errors = load_form(schemas.OpenSchema(), request.form)
    if data is None:
        flash(_("Not opened: %(problems)s", problems="; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())),
              "error")
    else:
        new, errors = run_service(lambda: service.open_notice(
            db.session, item, to=data["to"], answers_due=data["answers_due"], today=local_today(),
            notify=invitation_mailer(db.session)))
        if new is not None:
            flash(_("Opened to %(count)s more co-ops; their treasurers are emailed.", count=len(new)))
    return redirect(url_for("tendering.notice", notice_id=notice_id))


@blp.route("/<int:notice_id>/reserved", methods=["POST"])
@consortium_role_required(*STAFF)
def set_reserved(notice_id):
    """Mark the notice reserved for supported employment providers / social co-ops, or not."""
    service.set_reserved(db.session, service.get_notice(db.session, notice_id), request.form.get("reserved") == "y")
    flash(_("Saved."))
    return redirect(url_for("tendering.notice", notice_id=notice_id))


# --------------------------------------------------------------------------- staff: the bid


def _bid_page(notice_id, status=200, typed=None):
    item = service.get_notice(db.session, notice_id)
    bid = service.current_bid(db.session, notice_id)
    offers, suggestions = {}, {}
    if bid is not None:
        service.annotate_bid(db.session, bid)
        for bl in bid.lots:
            offers[bl.id] = service.interested_offers(db.session, bl)
            suggestions[bl.id] = service.suggest_allocation(db.session, bl)
    tenants = {t.id: t for t in db.session.scalars(select(Tenant))}
    return render_template("tendering/bid.html", notice=item, bid=bid, offers=offers, suggestions=suggestions,
                           tenants=tenants, versions=service.bid_versions(db.session, notice_id),
                           kinds=[(k, str(REQUIREMENT_LABELS[k])) for k in REQUIREMENT_KINDS], units=_unit_options(),
                           members=service.bid_members(bid) if bid else [], today=local_today(),
                           deadline_passed=service.deadline_passed(item, service.now_utc()),
                           typed=typed or {}), status


@blp.route("/<int:notice_id>/bid")
@consortium_role_required(*STAFF)
def bid(notice_id):
    """The joint bid: decisions, allocations, prices, requirements, submission, award."""
    return _bid_page(notice_id)


def _bid_action(notice_id, action, done: str):
    """Run a change to the draft; on refusal show why; then back to the bid page."""
    def change():
        return action(service.draft_bid(db.session, notice_id, now=service.now_utc()))

    result, errors = run_service(change)
    if result is not None:
        flash(done)
    return redirect(url_for("tendering.bid", notice_id=notice_id))


@blp.route("/<int:notice_id>/bid/start", methods=["POST"])
@consortium_role_required(*STAFF)
def start_bid(notice_id):
    """Start the bid (or a new version of a submitted bid, before the deadline)."""
    return _bid_action(notice_id, lambda b: b, _("Draft bid ready."))


@blp.route("/<int:notice_id>/bid/terms", methods=["POST"])
@consortium_role_required(*STAFF)
def bid_terms(notice_id):
    """The margin, the lead member and notes."""
    errors = {}
    margin = _decimal(request.form, "margin_percent", errors)
    if errors or (margin is not None and not 0 <= margin < 100):
        flash(_("The margin must be a percentage from 0 to below 100."), "error")
        return redirect(url_for("tendering.bid", notice_id=notice_id))
    lead = request.form.get("lead") or None
    lead_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == lead)) if lead else None
    return _bid_action(notice_id, lambda b: service.set_bid_terms(
        db.session, b, margin_percent=margin, lead_tenant_id=lead_id, notes=request.form.get("notes")), _("Saved."))


@blp.route("/<int:notice_id>/bid/lots/<lot_key>/decision", methods=["POST"])
@consortium_role_required(*STAFF)
def decide(notice_id, lot_key):
    """Go or no-go on a lot."""
    decision = request.form.get("decision")
    if decision not in DECISION_LABELS:
        flash(_("Choose go or no go."), "error")
        return redirect(url_for("tendering.bid", notice_id=notice_id))
    return _bid_action(notice_id, lambda b: service.decide_lot(db.session, b, lot_key, decision), _("Decision saved."))


@blp.route("/<int:notice_id>/bid/lots/<lot_key>/allocation", methods=["POST"])
@consortium_role_required(*STAFF)
def allocate(notice_id, lot_key):
    """Split a lot between co-ops (shares typed, or the suggestion from capacities), with its price."""
    errors = {}
    allocations = []
    for key in request.form:
        if key.startswith("share_"):
            share = _decimal(request.form, key, errors)
            if share is not None and share != 0:
                tenant_id = int(key.removeprefix("share_"))
                allocations.append({"tenant_id": tenant_id, "share_percent": share,
                                    "part": request.form.get(f"part_{tenant_id}") or None})
    quantity = _decimal(request.form, "quantity", errors)
    price = _decimal(request.form, "price", errors)
    unit = request.form.get("unit") or None
    if not errors:
        result, errors = run_service(lambda: service.allocate_lot(
            db.session, service.draft_bid(db.session, notice_id, now=service.now_utc()), lot_key, allocations,
            quantity=quantity, unit=unit, price=price))
        if result is not None:
            flash(_("Allocation saved."))
            return redirect(url_for("tendering.bid", notice_id=notice_id) + f"#lot-{lot_key}")
    else:
        flash(_("Allocation not saved: %(problems)s", problems="; ".join(
            f"{k}: {' '.join(v)}" for k, v in errors.items())), "error")
    # Refused: the page again with what was typed, so nothing has to be typed twice.
    return _bid_page(notice_id, 422, typed={"lot": lot_key, "form": request.form})


@blp.route("/<int:notice_id>/bid/requirements", methods=["POST"])
@consortium_role_required(*STAFF)
def add_requirement(notice_id):
    """Add a document every member must provide."""
    kind = request.form.get("kind")
    label = (request.form.get("label") or "").strip() or (str(REQUIREMENT_LABELS[kind]) if kind in
                                                           REQUIREMENT_LABELS else "")
    if kind not in REQUIREMENT_LABELS:
        flash(_("Choose the kind of document."), "error")
        return redirect(url_for("tendering.bid", notice_id=notice_id))
    return _bid_action(notice_id, lambda b: service.add_requirement(db.session, b, kind=kind, label=label[:200]),
                       _("Requirement added."))


@blp.route("/<int:notice_id>/bid/requirements/<int:requirement_id>/evidence", methods=["POST"])
@consortium_role_required(*STAFF)
def add_evidence(notice_id, requirement_id):
    """Record a member's document (reference and expiry) for a requirement."""
    data, errors = load_form(schemas.EvidenceInSchema(), request.form)
    if data is None:
        flash(_("Document not recorded: %(problems)s", problems="; ".join(
            f"{k}: {' '.join(v)}" for k, v in errors.items())), "error")
        return redirect(url_for("tendering.bid", notice_id=notice_id))
    tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == data["tenant"]))
    if tenant_id is None:
        flash(_("No such co-op."), "error")
        return redirect(url_for("tendering.bid", notice_id=notice_id))
    return _bid_action(notice_id, lambda b: service.record_evidence(
        db.session, b, requirement_id, tenant_id=tenant_id, reference=data["reference"],
        expires_on=data.get("expires_on")), _("Document recorded."))


@blp.route("/<int:notice_id>/bid/submit", methods=["POST"])
@consortium_role_required(*STAFF)
def submit(notice_id):
    """Submit the draft (frozen from then on)."""
    bid_ = service.get_bid(db.session, notice_id)
    result, errors = run_service(lambda: service.submit_bid(db.session, bid_, user_id=current_user.id,
                                                            now=service.now_utc()))
    if result is not None:
        flash(_("Version %(version)s submitted. It is frozen now: a correction is a new version before the "
                "deadline.", version=bid_.version))
    return redirect(url_for("tendering.bid", notice_id=notice_id))


@blp.route("/<int:notice_id>/bid/withdraw", methods=["POST"])
@consortium_role_required(*STAFF)
def withdraw(notice_id):
    """Withdraw the bid."""
    bid_ = service.get_bid(db.session, notice_id)
    result, errors = run_service(lambda: service.withdraw_bid(db.session, bid_, now=service.now_utc()))
    if result is not None:
        flash(_("The bid is withdrawn."))
    return redirect(url_for("tendering.bid", notice_id=notice_id))


@blp.route("/<int:notice_id>/bid/award", methods=["POST"])
@consortium_role_required(*STAFF)
def award(notice_id):
    """Enter the buyer's award: per lot, won (with the contract value) or lost."""
    bid_ = service.get_bid(db.session, notice_id)
    won, lost, errors = [], [], {}
    for bl in bid_.lots:
        outcome = request.form.get(f"outcome_{bl.lot.lot_id}")
        if outcome == "won":
            value = _decimal(request.form, f"value_{bl.lot.lot_id}", errors)
            if value is None and f"value_{bl.lot.lot_id}" not in errors:
                errors[f"value_{bl.lot.lot_id}"] = [_("give the contract value")]
            won.append({"lot": bl.lot.lot_id, "value": value})
        elif outcome == "lost":
            lost.append(bl.lot.lot_id)
    awarded_on = local_today()
    if request.form.get("awarded_on"):
        try:
            awarded_on = schemas.fields.Date().deserialize(request.form["awarded_on"])
        except schemas.ValidationError:
            errors["awarded_on"] = [_("not a date")]
    if errors:
        flash(_("Award not recorded: %(problems)s", problems="; ".join(
            f"{k}: {' '.join(v)}" for k, v in errors.items())), "error")
        return redirect(url_for("tendering.bid", notice_id=notice_id))
    result, errors = run_service(lambda: service.award_bid(db.session, bid_, won=won, lost=lost,
                                                           awarded_on=awarded_on))
    if result is not None:
        flash(_("Award recorded."))
    return redirect(url_for("tendering.bid", notice_id=notice_id))


@blp.route("/<int:notice_id>/bid/pdf")
@consortium_role_required(*STAFF)
def bid_pdf(notice_id):
    """The bid pack PDF."""
    from shared_services.tendering import documents
    bid_ = service.get_bid(db.session, notice_id)
    data = documents.bid_pack_pdf(db.session, bid_, consortium_name=current_app.config["CONSORTIUM_NAME"])
    return pdf_response(data, f"bid-pack-{notice_id}-v{bid_.version}.pdf")


@blp.route("/contracts")
@consortium_role_required(*STAFF)
def contracts():
    """Contracts won with each member's share, and the win rate and value won per year."""
    buyer = select(TenderNotice.buyer_name).where(TenderNotice.id == TenderContract.notice_id).scalar_subquery()
    members = db.session.scalars(select(Tenant).where(Tenant.id.in_(select(ContractShare.tenant_id)))
                                 .order_by(Tenant.name)).all()
    listing = lists.Listing(
        search=[TenderContract.title, buyer, TenderContract.award_id],
        sorts={"title": TenderContract.title, "buyer": buyer, "awarded": TenderContract.awarded_on,
               "value": TenderContract.value, "starts": TenderContract.starts_on},
        default_sort="awarded", default_desc=True, descending=("awarded", "value", "starts"),
        filters={"member": {t.slug: (t.name, TenderContract.shares.any(ContractShare.tenant_id == t.id))
                            for t in members}},
        date=TenderContract.awarded_on)
    rows = listing.apply(db.session, service.contracts_query())
    return render_template("tendering/contracts.html", contracts=rows, results=service.results_by_year(db.session))


@blp.route("/export.json")
@consortium_role_required(*STAFF)
def export():
    """The consortium's pipeline as an OCDS release package (download)."""
    package, errors = run_service(lambda: service.export_package(
        db.session, consortium_name=current_app.config["CONSORTIUM_NAME"],
        base_url=current_app.config["PUBLIC_BASE_URL"], published=service.now_utc()))
    if package is None:
        return redirect(url_for("tendering.notices"))
    return Response(json.dumps(package, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="consortium-pipeline-ocds.json"'})


# --------------------------------------------------------------------------- a co-op's pages


@coop_blp.route("/", endpoint="notices")
@tenant_role_required(*COOP_READERS)
def coop_notices():
    """Notices opened to the co-op, open notices matching its profile, and its contract parts."""
    invited = service.invited_notices(db.session, g.tenant.id)
    known = {n.id for n in invited}
    profile = service.get_profile(db.session, g.tenant.id)
    matching = [n for n in service.matching_notices(db.session, profile, now=service.now_utc()) if n.id not in known]
    answered = {n.id: bool(service.own_answers(db.session, g.tenant.id, n.id)) for n in invited}
    today = local_today()
    listing = lists.Listing(
        search=lambda n: f"{n.title} {n.buyer_name or ''} {n.ocid}",
        sorts={"title": lambda n: n.title, "buyer": lambda n: n.buyer_name, "answers_due": lambda n: n.answers_due},
        default_sort="answers_due", default_desc=True, descending=("answers_due",),
        filters={"answer": {"todo": (_l("to answer"), lambda n: not answered[n.id]),
                            "done": (_l("answered"), lambda n: answered[n.id])}},
        date=lambda n: n.answers_due)
    invited = listing.apply(db.session, invited)
    return render_template("tendering/coop_notices.html", invited=invited, matching=matching, answered=answered,
                           profile=profile, shares=service.tenant_contract_shares(db.session, g.tenant.id),
                           today=today)


@coop_blp.route("/profile", methods=["GET", "POST"])
@tenant_role_required(*COOP_READERS)
def profile():
    """The co-op's profile for matching."""
    current = service.get_profile(db.session, g.tenant.id)
    errors, values = {}, {}
    if current is not None:
        values = {"cpv_codes": ", ".join(current.cpv_codes), "areas": ", ".join(current.areas),
                  "hours_per_week": current.hours_per_week, "places": current.places,
                  "qualified_staff": current.qualified_staff, "disadvantaged_percent": current.disadvantaged_percent,
                  "notes": current.notes}
    can_edit = bool(current_user.tenant_roles(g.tenant.id) & set(COOP_WRITERS))
    if request.method == "POST":
        if not can_edit:
            return render_template("error.html", message=_("Only the co-op's treasurer can change this.")), 403
        values = request.form
        raw = {k: v for k, v in request.form.items() if k not in ("cpv_codes", "areas")}
        form = {**raw}
        data, errors = load_form(schemas.ProfileSchema(), form)
        if data is not None:
            data["cpv_codes"] = split_list(request.form.get("cpv_codes"))
            data["areas"] = split_list(request.form.get("areas"))
            saved, errors = run_service(lambda: service.save_profile(db.session, g.tenant.id, data))
            if saved is not None:
                flash(_("Profile saved."))
                return redirect(url_for("coop_tendering.notices"))
    return render_template("tendering/profile.html", values=values, errors=errors,
                           can_edit=can_edit), 422 if errors else 200


def _answer_rows(form, notice_):
    """The interest form's rows → (answers for the service, errors by form field)."""
    answers, errors = [], {}
    for lot in notice_.lots:
        choice = form.get(f"interested_{lot.id}")
        if choice not in ("yes", "no"):
            continue
        raw = {"lot": lot.lot_id, "interested": choice == "yes"}
        for name in ("capacity", "staff", "disadvantaged_percent", "unit_cost", "notes"):
            value = (form.get(f"{name}_{lot.id}") or "").strip()
            if value:
                raw[name] = value.replace(",", ".") if name != "notes" else value
        try:
            answers.append(schemas.AnswerSchema().load(raw))
        except schemas.ValidationError as error:
            for field_name, messages in error.messages.items():
                errors[f"{field_name}_{lot.id}"] = messages
    return answers, errors


@coop_blp.route("/<int:notice_id>", methods=["GET", "POST"])
@tenant_role_required(*COOP_READERS)
def interest(notice_id):
    """The notice opened to the co-op and its answer per lot (its own answer only)."""
    item = service.notice_for_tenant(db.session, notice_id, g.tenant.id)
    can_edit = bool(current_user.tenant_roles(g.tenant.id) & set(COOP_WRITERS))
    errors, status = {}, 200
    if request.method == "POST":
        if not can_edit:
            return render_template("error.html", message=_("Only the co-op's treasurer can answer.")), 403
        answers, errors = _answer_rows(request.form, item)
        if not errors:
            try:
                service.save_answers(db.session, g.tenant.id, notice_id, answers, user_id=current_user.id,
                                     today=local_today())
            except ServiceError as error:
                db.session.rollback()
                flash(error.message, "error")
                lots = {lot.lot_id: lot.id for lot in item.lots}
                for key, messages in (error.errors or {}).items():
                    match = re.match(r"answers\[(\d+)\]\.(\w+)", key)
                    # "answers" (no lot answered) is about the whole form: the summary says it, unlinked
                    errors[f"{match.group(2)}_{lots.get(answers[int(match.group(1))]['lot'])}" if match else
                           "_schema" if key == "answers" else key] = messages
            else:
                flash(_("Your answer is saved. The consortium sees it; other co-ops do not."))
                return redirect(url_for("coop_tendering.interest", notice_id=notice_id))
        status = 422
        item = service.notice_for_tenant(db.session, notice_id, g.tenant.id)
    answers = service.own_answers(db.session, g.tenant.id, notice_id)
    return render_template("tendering/interest.html", notice=item, answers=answers, errors=errors,
                           form=request.form if request.method == "POST" else {}, can_edit=can_edit,
                           closed=service.answers_closed(db.session, item, local_today())), status


@coop_blp.route("/contracts", endpoint="contracts")
@tenant_role_required(*COOP_READERS)
def coop_contracts():
    """The co-op's parts of contracts the consortium won."""
    shares = lists.Listing(
        search=lambda s: f"{s.contract.title} {s.contract.notice.buyer_name or ''} {s.part or ''}",
        sorts={"contract": lambda s: s.contract.title, "starts": lambda s: s.contract.starts_on,
               "value": lambda s: s.contract.value, "share": lambda s: s.share_percent,
               "share_value": lambda s: s.value, "awarded": lambda s: s.contract.awarded_on},
        default_sort="awarded", default_desc=True, descending=("awarded", "starts", "value", "share", "share_value"),
        filters={"running": {"1": (_l("running now"), lambda s: _running(s.contract, local_today())),
                             "0": (_l("not running"), lambda s: not _running(s.contract, local_today()))}},
        date=lambda s: s.contract.awarded_on,
    ).apply(db.session, service.tenant_contract_shares(db.session, g.tenant.id))
    return render_template("tendering/coop_contracts.html", shares=shares)


def _running(contract, today) -> bool:
    """The contract's period holds today (an open end runs on)."""
    return (contract.starts_on is None or contract.starts_on <= today) and (contract.ends_on is None
                                                                           or contract.ends_on >= today)


def coop_section(tenant) -> dict:
    """The staff page of a co-op: its answers to the consortium's tender notices."""
    return {"answers": service.answers_of_tenant(db.session, tenant.id)}
