"""Members register rules. Plain functions on a session already scoped to one co-op."""

import functools
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, literal, select, union_all

from consortium.errors import NotFound, ServiceError, field_error
from consortium.i18n import _
from consortium.models import Tenant
from plugins.jurisdictions.base import RegisterSummary, RuleResult, get_jurisdiction
from tenants.members.models import CATEGORIES, Member
from tenants.members.models import CATEGORY_LABELS as CATEGORY_LABELS  # for other features' pages

FIELDS = ("name", "category", "email", "tax_code", "joined_on", "left_on", "shares_subscribed", "shares_paid",
          "voting_rights", "disadvantaged")

NULLABLE = ("email", "tax_code", "left_on")
NEW_MEMBER_DEFAULTS = {
    "shares_subscribed": Decimal("0.00"), "shares_paid": Decimal("0.00"), "voting_rights": 1, "disadvantaged": False,
}


def members_query(*, category: str | None = None, current_on: date | None = None):
    """SELECT of the co-op's members by name (the tenant filter is applied by the session)."""
    query = select(Member).order_by(Member.name, Member.id)
    if category:
        query = query.where(Member.category == category)
    if current_on is not None:
        query = query.where(Member.joined_on <= current_on,
                            (Member.left_on.is_(None)) | (Member.left_on > current_on))
    return query


# What the members list shows, as columns (no Member objects built): the API's hot list (issue 16).
LIST_COLUMNS = (Member.id, Member.name, Member.category, Member.email, Member.tax_code, Member.joined_on,
                Member.left_on, Member.shares_subscribed, Member.shares_paid, Member.voting_rights,
                Member.disadvantaged)


@functools.lru_cache(maxsize=128)  # built once per set of arguments: see consortium.api._page_statements
def member_rows_query(*, category: str | None = None, current_on: date | None = None):
    """`members_query` as rows of LIST_COLUMNS."""
    return members_query(category=category, current_on=current_on).with_only_columns(*LIST_COLUMNS)


def current_member_counts(session, on: date) -> dict[int, int]:
    """Members on `on` per co-op, across co-ops: for consortium dashboards (call in the consortium scope)."""
    query = (select(Member.tenant_id, func.count())
             .where(Member.joined_on <= on, (Member.left_on.is_(None)) | (Member.left_on > on))
             .group_by(Member.tenant_id).execution_options(all_tenants=True))
    return dict(session.execute(query).all())


def member_count_reached_on(session, threshold: int, on: date) -> dict[int, date]:
    """Per co-op, the first day its count of current members reached `threshold` (up to `on`), in one query.

    For consortium dashboards (call in the consortium scope). A member counts from `joined_on` and no longer
    from `left_on` (as in `current_member_counts`); co-ops that never reached the threshold are absent. Reaching
    it once is enough: later departures that drop the count below it again do not remove the date.
    """
    joins = select(Member.tenant_id, Member.joined_on.label("day"), literal(1).label("change")).where(
        Member.joined_on <= on)
    departures = select(Member.tenant_id, Member.left_on.label("day"), literal(-1).label("change")).where(
        Member.left_on <= on)
    events = union_all(joins, departures).subquery()
    per_day = (select(events.c.tenant_id, events.c.day, func.sum(events.c.change).label("change"))
               .group_by(events.c.tenant_id, events.c.day).subquery())
    # the running sum of the day's net changes is the count of current members at the end of each day
    counts = select(per_day.c.tenant_id, per_day.c.day, func.sum(per_day.c.change).over(
        partition_by=per_day.c.tenant_id, order_by=per_day.c.day).label("members")).subquery()
    query = (select(counts.c.tenant_id, func.min(counts.c.day)).where(counts.c.members >= threshold)
             .group_by(counts.c.tenant_id).execution_options(all_tenants=True))
    return dict(session.execute(query).all())


def get_member(session, member_id: int) -> Member:
    """One member of the current co-op; another co-op's member is simply not found."""
    member = session.scalar(select(Member).where(Member.id == member_id))
    if member is None:
        raise NotFound(_("No member %(id)s in this co-op.", id=member_id))
    return member


def _check(member: Member) -> None:
    problems = {}
    if member.left_on is not None and member.left_on < member.joined_on:
        problems["left_on"] = [_("must not be before the date the member joined")]
    if member.shares_paid > member.shares_subscribed:
        problems["shares_paid"] = [_("must not exceed the share capital subscribed")]
    if member.disadvantaged and member.category != "worker":
        problems["disadvantaged"] = [_("only workers can be flagged disadvantaged")]
    if problems:
        raise ServiceError("; ".join(f"{field}: {m[0]}" for field, m in problems.items()), problems)


def add_member(session, data: dict) -> Member:
    """Enter a person in the register."""
    values = NEW_MEMBER_DEFAULTS | {field: data[field] for field in FIELDS if data.get(field) is not None}
    member = Member(**values)
    _check(member)
    session.add(member)
    session.flush()
    return member


def update_member(session, member: Member, changes: dict) -> Member:
    """Change a member's entry (e.g. record that they left)."""
    for field in FIELDS:
        if field in changes:
            if changes[field] is None and field not in NULLABLE:
                raise field_error(field, _("may not be null"))
            setattr(member, field, changes[field])
    _check(member)
    session.flush()
    return member


def remove_member(session, member: Member) -> None:
    """Delete an entry made by mistake (a member who leaves gets a `left_on` date instead)."""
    session.delete(member)
    session.flush()


@dataclass(frozen=True)
class CategoryCount:
    """Members and voting rights of one stakeholder category."""

    category: str
    members: int
    voting_rights: int
    voting_share_percent: Decimal


@dataclass(frozen=True)
class RegisterOverview:
    """The register at a glance on one date."""

    on: date
    total_members: int
    total_voting_rights: int
    workers: int
    disadvantaged_workers: int
    shares_subscribed: Decimal
    shares_paid: Decimal
    categories: list[CategoryCount]
    compliance: list[RuleResult]


def register_overview(session, tenant: Tenant, on: date) -> RegisterOverview:
    """Counts and voting shares per category of the members on `on`, and the legal form's compliance check."""
    members = session.scalars(members_query(current_on=on)).all()
    counts = dict.fromkeys(CATEGORIES, 0)
    votes = dict.fromkeys(CATEGORIES, 0)
    for member in members:
        counts[member.category] += 1
        votes[member.category] += member.voting_rights
    total_votes = sum(votes.values())
    categories = [
        CategoryCount(
            category,
            counts[category],
            votes[category],
            (Decimal(votes[category] * 100) / total_votes).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if total_votes else Decimal("0.0"),
        )
        for category in CATEGORIES
    ]
    workers = [m for m in members if m.category == "worker"]
    rules = get_jurisdiction(tenant.country)
    summary = RegisterSummary(
        members_by_category=counts,
        workers=len(workers),
        disadvantaged_workers=sum(1 for m in workers if m.disadvantaged),
        total_members=len(members),
        # a legal-entity member whose registration number is a registered society's (UK CCBS Act 2014 s.2)
        registered_societies=sum(1 for m in members if m.category == "legal_entity"
                                 and rules.is_registered_society_number(m.tax_code)),
    )
    compliance = rules.check_compliance(tenant.legal_form, summary)
    return RegisterOverview(
        on=on,
        total_members=len(members),
        total_voting_rights=total_votes,
        workers=summary.workers,
        disadvantaged_workers=summary.disadvantaged_workers,
        shares_subscribed=sum((m.shares_subscribed for m in members), Decimal("0.00")),
        shares_paid=sum((m.shares_paid for m in members), Decimal("0.00")),
        categories=categories,
        compliance=compliance,
    )


def current_members_by_category(session, tenant_id: int, on: date) -> dict[str, int]:
    """One co-op's members on `on` per category, for the consortium (call in the consortium scope): only the
    columns the co-op reports to the consortium (`Member.__consortium_read__`), never a name."""
    return category_counts_by_tenant(session, on, tenant_id=tenant_id).get(tenant_id, {})


def category_counts_by_tenant(session, on: date, tenant_id: int | None = None) -> dict[int, dict[str, int]]:
    """Members on `on` per co-op (or of one co-op) and stakeholder category, in one grouped query.

    Reads only the columns co-ops report to the consortium (docs/tenancy.md); call in the consortium scope.
    """
    query = (select(Member.tenant_id, Member.category, func.count())
             .where(Member.joined_on <= on, (Member.left_on.is_(None)) | (Member.left_on > on))
             .group_by(Member.tenant_id, Member.category).execution_options(all_tenants=True))
    if tenant_id is not None:
        query = query.where(Member.tenant_id == tenant_id)
    counts: dict[int, dict[str, int]] = {}
    for coop, category, count in session.execute(query):
        counts.setdefault(coop, {})[category] = count
    return counts


def category_totals(session, on: date) -> dict[str, int]:
    """Members on `on` of every active co-op per stakeholder category, summed by the database (the reported
    columns only, as `category_counts_by_tenant`; call in the consortium scope)."""
    query = (select(Member.category, func.count())
             .join(Tenant, Tenant.id == Member.tenant_id)
             .where(Tenant.status == "active", Member.joined_on <= on,
                    (Member.left_on.is_(None)) | (Member.left_on > on))
             .group_by(Member.category).execution_options(all_tenants=True))
    return dict(session.execute(query).all())


def category_totals_on(session, days) -> dict[date, dict[str, int]]:
    """`category_totals` on each of `days`, in one grouped query (one pass over the reported columns instead of
    one per day; call in the consortium scope). A category with no member on a day is left out of that day."""
    days = list(days)
    counts = [func.count(case((Member.joined_on <= day, case((Member.left_on.is_(None), 1),
                                                              (Member.left_on > day, 1)))))
              for day in days]
    query = (select(Member.category, *counts)
             .join(Tenant, Tenant.id == Member.tenant_id)
             .where(Tenant.status == "active", Member.joined_on <= max(days))
             .group_by(Member.category).execution_options(all_tenants=True))
    totals: dict[date, dict[str, int]] = {day: {} for day in days}
    for category, *per_day in session.execute(query):
        for day, count in zip(days, per_day, strict=True):
            if count:
                totals[day][category] = count
    return totals


def worker_counts(session, on: date) -> tuple[int, int]:
    """(worker members, of whom disadvantaged) of this co-op on `on` (call in the co-op's scope)."""
    rows = session.execute(select(Member.disadvantaged, func.count()).where(
        Member.category == "worker", Member.joined_on <= on,
        (Member.left_on.is_(None)) | (Member.left_on > on)).group_by(Member.disadvantaged)).all()
    counts = {bool(flag): count for flag, count in rows}
    return counts.get(False, 0) + counts.get(True, 0), counts.get(True, 0)
