"""The bid pack PDF: the notice, each lot bid with its members, shares, parts and price, the documents each
member provides, and the declarations every member signs.

The declarations follow D.Lgs. 36/2023 art. 68 for a temporary grouping (the offer names the part each
member performs, is signed by all, and commits to a collective mandate to the lead, the mandatario;
gazzettaufficiale.it, via shared/research/wave2-facts.md section 3.3) and, for reserved lots, state the
combined workforce share of disabled or disadvantaged people (PA 2023 s.32(4); D.Lgs. 36/2023 art. 61).
Roles are ESPD's (lead entity / group member; OP-TED/ESPD-EDM wiki "5. EO roles").
"""

from decimal import Decimal

from sqlalchemy import select

from consortium.db import as_utc
from consortium.documents import Letterhead, build_pdf, data_table, heading, key_value_table, money, paragraph
from consortium.i18n import _, pgettext
from consortium.models import Tenant
from shared_services.tendering import service
from shared_services.tendering.models import BID_STATUS_LABELS, DECISION_LABELS, ROLE_LABELS, UNIT_LABELS


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.normalize():f}%"


def _locale_for(notice) -> str:
    return "it_IT" if (notice.language or "").lower().startswith("it") or notice.currency == "EUR" else "en_GB"


def bid_pack_pdf(session, bid, *, consortium_name: str, locale: str | None = None) -> bytes:
    """The bid pack of one bid version, ready to sign and submit."""
    notice = bid.notice
    service.annotate_bid(session, bid)
    currency = notice.currency or next((bl.lot.currency for bl in bid.lots if bl.lot.currency), None) or "EUR"
    letterhead = Letterhead(name=consortium_name, currency=currency, locale=locale or _locale_for(notice))
    members = service.bid_members(bid)
    tenants = {t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_(members or [0])))}
    lead = tenants.get(bid.lead_tenant_id)
    deadline = as_utc(notice.submission_deadline)
    content = [key_value_table([
        (_("Contracting authority"), notice.buyer_name or "—"),
        (_("Notice"), notice.title),
        (_("Reference (ocid)"), notice.ocid),
        (_("Submission deadline (UTC)"), deadline.strftime("%Y-%m-%d %H:%M") if deadline else "—"),
        (_("Bidder"), _("%(consortium)s on behalf of its members", consortium=consortium_name)),
        (_("Lead member (mandatario)"), lead.name if lead else "—"),
        (_("Bid version"), f"{bid.version} ({BID_STATUS_LABELS[bid.status]})"),
    ], locale=letterhead.locale)]
    go = [bl for bl in bid.lots if bl.decision == "go"]
    content.append(heading(_("Lots and prices")))
    content.append(data_table(
        [_("Lot"), _("Decision"), _("Work"), _("Members' cost"), _("Margin"), _("Bid price")],
        [[f"{bl.lot.lot_id}. {bl.lot.title}", str(DECISION_LABELS[bl.decision]),
          f"{bl.quantity.normalize():f} {UNIT_LABELS[bl.unit]}" if bl.quantity is not None else "—",
          money(bl.cost_total, letterhead) if bl.decision == "go" else "—",
          _percent(bid.margin_percent) if bl.decision == "go" else "—",
          money(bl.price, letterhead) if bl.price is not None else "—"] for bl in bid.lots],
        numeric_columns={3, 5}, wrap_columns={0},
        totals_row=[_("Total"), "", "", money(sum((bl.cost_total for bl in go), Decimal("0")), letterhead), "",
                    money(sum((bl.price or Decimal("0") for bl in go), Decimal("0")), letterhead)],
        locale=letterhead.locale))
    if notice.lot_groups:
        prices = {bl.lot.lot_id: bl.price for bl in go if bl.price is not None}
        content.append(heading(_("Lot groups")))
        content.append(data_table(
            [_("Group"), _("Lots"), _("May be combined on award"), _("Maximum value"), _("Our prices")],
            [[g["id"], ", ".join(g["related_lots"]),
              _("yes") if g.get("option_to_combine") else _("no") if g.get("option_to_combine") is False else "—",
              money(Decimal(g["maximum_value"]), letterhead) if g.get("maximum_value") is not None else "—",
              money(sum((prices[k] for k in g["related_lots"] if k in prices), Decimal("0")), letterhead)]
             for g in notice.lot_groups],
            numeric_columns={3, 4}, locale=letterhead.locale))
    for bl in go:
        content.append(heading(_("Lot %(lot)s: members and their parts", lot=bl.lot.lot_id)))
        content.append(data_table(
            [pgettext("co-op", "Member"), _("Role"), _("Share"), _("Work"), _("Part of the service performed")],
            [[a.tenant.name, str(ROLE_LABELS["lead" if a.tenant_id == bid.lead_tenant_id else "member"]),
              _percent(a.share_percent),
              f"{a.quantity.normalize():f} {UNIT_LABELS[bl.unit]}" if a.quantity is not None else "—",
              a.part or "—"] for a in bl.allocations],
            numeric_columns={2}, wrap_columns={4}, locale=letterhead.locale))
        if notice.reserved:
            content.append(paragraph(_(
                "Reserved lot: the combined workforce performing it is %(share)s disabled or disadvantaged "
                "(at least %(minimum)s%% required: Procurement Act 2023 s.32(4); D.Lgs. 36/2023 art. 61).",
                share=_percent(bl.combined), minimum=service.RESERVED_MIN_DISADVANTAGED_PERCENT)))
    if bid.requirements:
        content.append(heading(_("Documents provided by each member")))
        rows = []
        for requirement in bid.requirements:
            evidence = {e.tenant_id: e for e in requirement.evidence}
            for tenant_id in members:
                row = evidence.get(tenant_id)
                rows.append([requirement.label, tenants[tenant_id].name, row.reference if row else _("missing"),
                             row.expires_on.isoformat() if row and row.expires_on else "—"])
        content.append(data_table([_("Document"), pgettext("co-op", "Member"), _("Reference"), _("Valid until")], rows,
                                  wrap_columns={0}, locale=letterhead.locale))
    content.append(heading(_("Declarations")))
    content.append(paragraph(_(
        "The members named above submit this offer jointly through %(consortium)s. Each performs the part of the "
        "service stated beside its name. If the contract is awarded, the members undertake to give a collective "
        "special mandate with representation to %(lead)s, named here as lead (mandatario), who will sign the "
        "contract in the name and on behalf of all members (D.Lgs. 36/2023 art. 68).",
        consortium=consortium_name, lead=lead.name if lead else "—")))
    content.append(paragraph(_("The offer is signed by every member:")))
    content.append(data_table([pgettext("co-op", "Member"), _("Name and role of signatory"), _("Signature"), _("Date")],
                              [[tenants[tid].name, "", "", ""] for tid in members] or [["—", "", "", ""]],
                              locale=letterhead.locale))
    return build_pdf(letterhead, _("Joint bid pack"), content,
                     subject=_("Joint bid for %(title)s", title=notice.title))
