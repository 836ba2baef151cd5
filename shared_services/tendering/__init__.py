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
        TENDER_STATUS_LABELS,
        UNIT_LABELS,
        BidLot,
        TenderBid,
        TenderContract,
        TenderInterest,
        TenderLot,
        TenderNotice,
    )

    audit_words(TenderNotice, _l("tender notice"), name=lambda notice: notice.title,
                values={"status": TENDER_STATUS_LABELS, "opened_to": OPENED_TO_LABELS},
                fields={"title": _l("Title"), "status": _l("Status"), "buyer_name": _l("Buyer"),
                        "value": _l("Value"), "reserved": _l("Reserved"), "opened_to": _l("Opened to co-ops"),
                        "answers_due": _l("Answers due by"), "submission_deadline": _l("Submission deadline")})
    audit_words(TenderLot, _l("lot"), name=lambda lot: lot.title, values={"status": TENDER_STATUS_LABELS},
                fields={"title": _l("Title"), "status": _l("Status"), "value": _l("Value")})
    audit_words(TenderBid, _l("bid"), name=lambda bid: bid.notice.title if hasattr(bid, "notice") else "",
                values={"status": BID_STATUS_LABELS},
                events={("status", "submitted"): _l("%(who)s submitted the bid for %(name)s"),
                        ("status", "won"): _l("%(who)s recorded the bid for %(name)s as won"),
                        ("status", "lost"): _l("%(who)s recorded the bid for %(name)s as lost"),
                        ("status", "withdrawn"): _l("%(who)s withdrew the bid for %(name)s")},
                fields={"status": _l("Status"), "version": _l("Bid version"), "margin_percent": _l("Margin"),
                        "notes": _l("Notes"), "submitted_at": lazy_pgettext("bid", "Submitted")})
    audit_words(BidLot, _l("lot of a bid"),
                values={"decision": DECISION_LABELS, "result": LOT_RESULT_LABELS, "unit": UNIT_LABELS},
                fields={"decision": _l("Decision"), "result": _l("Result"), "price": _l("Bid price"),
                        "unit": _l("Unit")})
    audit_words(TenderInterest, _l("answer to a tender notice"),
                fields={"interested": _l("Interested"), "capacity": _l("Capacity"), "staff": _l("Staff"),
                        "unit_cost": _l("Cost per unit"),
                        "disadvantaged_percent": _l("Disadvantaged workers"), "notes": _l("Notes")})
    audit_words(TenderContract, _l("contract won"), name=lambda contract: contract.title,
                fields={"title": _l("Title"), "value": _l("Value"), "awarded_on": _l("Awarded on")})
