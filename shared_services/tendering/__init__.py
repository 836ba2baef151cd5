"""Joint tendering: public notices imported as OCDS, members' interest and capacity per lot, the joint bid and
its allocation, the bid pack, award to contract, and the consortium's pipeline exported as OCDS."""


def register(app, api):
    """Attach tendering's API, pages, navigation, emails, jobs and demo data."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind
    from consortium.views import add_coop_section, add_nav_link
    from shared_services.tendering import api as tendering_api
    from shared_services.tendering import jobs, notify, views  # noqa: F401 - jobs declare themselves on import
    from shared_services.tendering.demo import load_demo_tendering

    api.register_blueprint(tendering_api.blp)
    api.register_blueprint(tendering_api.coop_blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(views.coop_blp)
    staff = ("consortium_admin", "consortium_staff")
    add_nav_link(_l("Tenders"), "tendering.notices", "consortium", staff)
    add_nav_link(_l("Contracts won"), "tendering.contracts", "consortium", staff)
    add_coop_section("tendering/_coop_section.html", views.coop_section, order=50)
    add_nav_link(_l("Tenders"), "coop_tendering.notices", "tenant", ("treasurer", "viewer"))
    register_email_kind(notify.INVITATION_KIND, _l("A tender notice was opened to your co-op"))
    register_email_kind(notify.ANSWERS_DUE_KIND, _l("Your co-op's answer to a tender is due"))
    register_email_kind(notify.DEADLINE_KIND, _l("A joint bid's submission deadline is near"))
    add_demo_loader(load_demo_tendering)
    _audit_words()


def _audit_words():
    """Tendering in the audit log: a notice and a bid by the notice's title, a lot's decision and result in words."""
    from consortium.audit import audit_words
    from consortium.i18n import _l, lazy_pgettext
    from shared_services.tendering.models import (
        BID_STATUS_LABELS,
        DECISION_LABELS,
        LOT_RESULT_LABELS,
        OPENED_TO_LABELS,
        REQUIREMENT_LABELS,
        TENDER_STATUS_LABELS,
        UNIT_LABELS,
        BidAllocation,
        BidLot,
        BidRequirement,
        ContractShare,
        RequirementEvidence,
        TenderBid,
        TenderContract,
        TenderInterest,
        TenderInvitation,
        TenderLot,
        TenderNotice,
        TenderProfile,
        TenderSource,
    )

    audit_words(TenderNotice, _l("tender notice"), name=lambda notice: notice.title,
                values={"status": TENDER_STATUS_LABELS, "opened_to": OPENED_TO_LABELS},
                fields={"title": _l("Title"), "status": _l("Status"), "buyer_name": _l("Buyer"),
                        "value": _l("Value"), "reserved": _l("Reserved"), "opened_to": _l("Opened to co-ops"),
                        "answers_due": _l("Answers due by"), "submission_deadline": _l("Submission deadline"),
                        "enquiry_deadline": _l("Questions due by"), "cpv_codes": _l("CPV codes"),
                        "areas": _l("Areas"), "max_lots_bid": _l("Lots a bidder may bid for"),
                        "max_lots_awarded": _l("Lots a bidder may win"), "opened_at": _l("Opened to co-ops on")},
                # the buyer's release data as published (OCDS codes, documents, indexes for the search)
                hidden={"area_index", "cpv_index", "lot_groups", "documents", "latest_release_date", "ocid", "origin",
                        "language", "procurement_method", "main_category", "award_criteria",
                        "award_criteria_details"})
    audit_words(TenderLot, _l("lot"), name=lambda lot: lot.title,
                values={"status": TENDER_STATUS_LABELS, "unit": UNIT_LABELS},
                fields={"title": _l("Title"), "status": _l("Status"), "value": _l("Value"),
                        "quantity": _l("Quantity"), "unit": _l("Unit"), "cpv_codes": _l("CPV codes"),
                        "contract_start": _l("Contract starts on"), "contract_end": _l("Contract ends on")},
                hidden={"description", "position"})
    audit_words(TenderBid, _l("bid"), name=lambda bid: bid.notice.title if hasattr(bid, "notice") else "",
                values={"status": BID_STATUS_LABELS},
                events={("status", "submitted"): _l("%(who)s submitted the bid for %(name)s"),
                        ("status", "won"): _l("%(who)s recorded the bid for %(name)s as won"),
                        ("status", "lost"): _l("%(who)s recorded the bid for %(name)s as lost"),
                        ("status", "withdrawn"): _l("%(who)s withdrew the bid for %(name)s")},
                fields={"status": _l("Status"), "version": _l("Bid version"), "margin_percent": _l("Margin"),
                        "notes": _l("Notes"), "submitted_at": lazy_pgettext("bid", "Submitted"),
                        "closed_at": _l("Closed on")})
    audit_words(BidLot, _l("lot of a bid"),
                values={"decision": DECISION_LABELS, "result": LOT_RESULT_LABELS, "unit": UNIT_LABELS},
                fields={"decision": _l("Decision"), "result": _l("Result"), "price": _l("Bid price"),
                        "unit": _l("Unit"), "quantity": _l("Quantity")})
    audit_words(TenderInterest, _l("answer to a tender notice"),
                fields={"interested": _l("Interested"), "capacity": _l("Capacity"), "staff": _l("Staff"),
                        "unit_cost": _l("Cost per unit"),
                        "disadvantaged_percent": _l("Disadvantaged workers"), "notes": _l("Notes"),
                        "answered_at": _l("Answered on")})
    audit_words(TenderContract, _l("contract won"), name=lambda contract: contract.title,
                fields={"title": _l("Title"), "value": _l("Value"), "awarded_on": _l("Awarded on"),
                        "starts_on": _l("Contract starts on"), "ends_on": _l("Contract ends on")})
    share = {"share_percent": _l("Share"), "part": _l("Part of the service it performs")}
    audit_words(BidAllocation, _l("co-op's share of a bid"),
                fields={**share, "quantity": _l("Quantity"), "unit_cost": _l("Cost per unit"), "cost": _l("Cost"),
                        "staff": _l("Staff"), "disadvantaged_percent": _l("Disadvantaged workers")})
    audit_words(ContractShare, _l("co-op's share of a contract"), fields={**share, "value": _l("Value")})
    audit_words(BidRequirement, _l("bid requirement"), name=lambda requirement: requirement.label,
                values={"kind": REQUIREMENT_LABELS}, fields={"kind": _l("Type"), "label": _l("Requirement")})
    audit_words(RequirementEvidence, _l("evidence of a requirement"),
                fields={"reference": _l("Reference"), "expires_on": _l("Expires on")})
    audit_words(TenderInvitation, _l("invitation to a tender"), fields={"invited_at": _l("Invited on")})
    audit_words(TenderProfile, _l("tender profile"),
                fields={"cpv_codes": _l("CPV codes"), "areas": _l("Areas"), "hours_per_week": _l("Hours a week"),
                        "places": _l("Places"), "qualified_staff": _l("Qualified staff"),
                        "disadvantaged_percent": _l("Disadvantaged workers")})
    audit_words(TenderSource, _l("tender source"), name=lambda source: source.name,
                fields={"name": _l("Name"), "url": _l("Address"), "interval_minutes": _l("Fetched every (minutes)"),
                        "max_pages": _l("Pages at most"), "next_fetch_at": _l("Next fetch"),
                        "failures": _l("Failures in a row"), "last_error": _l("Last error")})
