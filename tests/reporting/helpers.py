"""Reporting test data: accepted accounts with hand-chosen figures, members, made through the services."""

from datetime import date
from decimal import Decimal

from consortium.clock import local_today
from consortium.extensions import db
from consortium.tenancy import consortium_scope, tenant_scope
from shared_services.mutual_fund import service as fund
from tenants.accounts import service as accounts
from tests.accounts.helpers import filled_csv

D = Decimal
YEAR = local_today().year - 2  # the dashboard's year in these tests; YEAR - 1 is "the year before"


def figures(public, private, grants, other, staff, costs, tax) -> dict:
    """A consistent Summary: net profit = turnover - staff costs - other costs - tax."""
    turnover = D(public) + D(private) + D(grants) + D(other)
    base = {
        "turnover_public_contracts": D(public),
        "turnover_private_fees": D(private),
        "turnover_grants_donations": D(grants),
        "turnover_other": D(other),
        "staff_costs": D(staff),
        "other_costs": D(costs),
        "tax": D(tax),
        "net_profit": turnover - D(staff) - D(costs) - D(tax),
        "prior_losses_covered": D("0.00"),
        "ristorni_from_profit": D("0.00"),
        "share_capital": D("5000"),
        "reserves_indivisible": D("1000"),
        "reserves_other": D("0"),
        "loans": D("0"),
        "cash": D("1000"),
    }
    return {k: v.quantize(D("0.01")) for k, v in base.items()}


def accept(factory, tenant, user_id: int, staff_id: int, year: int, summary: dict, *, through_fund: bool = True):
    """Upload, submit and accept `tenant`'s accounts for `year`; through the fund (which fixes the contribution)
    or, for a co-op outside the fund's jurisdiction, by the accounts service alone."""
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            version = accounts.upload_accounts(
                db.session,
                tenant=tenant,
                year=year,
                filename=f"a-{year}.csv",
                data=filled_csv(year, summary),
                uploaded_by=user_id,
                today=local_today(),
            )
            accounts.submit_version(
                db.session,
                version,
                assembly_approved_on=date(year + 1, 4, 29),
                today=local_today(),
                submitted_by=user_id,
            )
            version_id = version.id
        db.session.commit()  # the treasurer's request ends before the staff's accepts (on Citus one role writes)
        with consortium_scope(db.session):
            if through_fund:
                fund.accept_accounts(db.session, version_id, accepted_by=staff_id, accepted_on=date(year + 1, 5, 2))
            else:
                accounts.mark_accepted(
                    db.session,
                    accounts.get_submission(db.session, version_id),
                    accepted_by=staff_id,
                    accepted_on=date(year + 1, 5, 2),
                )
        db.session.commit()
        return version_id


def make_social_report(factory, tenant) -> int:
    """A draft social report of `tenant` whose methodology names the co-op (for the cross-tenant suite)."""
    from consortium.models import Tenant
    from shared_services.reporting import service

    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            report = service.create_report(
                db.session,
                db.session.get(Tenant, tenant.id),
                {"year": YEAR, "sections": {"methodology": {"text": f"Method of {tenant.slug}"}}},
            )
            db.session.commit()
            return report.id
