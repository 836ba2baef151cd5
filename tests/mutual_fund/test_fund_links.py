"""The fund's links into a co-op's tables without a database foreign key (migration 0023: on Citus the fund's books
are reference tables, which cannot point into the co-ops' distributed tables): the service checks them."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.mutual_fund import service
from shared_services.mutual_fund.calculations import CONTRIBUTION_INCOME, CONTRIBUTIONS_RECEIVABLE
from shared_services.mutual_fund.models import FundEntry
from tests.conftest import count_rows


def test_an_entry_pointing_at_another_co_ops_contribution_is_refused(app, fund):
    contribution = fund.accepted(Decimal("10000.00"))  # co-op A's, with its "contribution due" entry
    entries = count_rows(app, FundEntry)
    with app.app_context(), consortium_scope(db.session):
        linked = db.session.scalars(select(FundEntry).where(FundEntry.contribution_id == contribution["id"])).all()
        assert [(entry.tenant_id, entry.kind) for entry in linked] == [(fund.a.id, "contribution_due")]
        for tenant_id, contribution_id in ((fund.b.id, contribution["id"]), (fund.a.id, contribution["id"] + 1000)):
            with pytest.raises(service.BrokenLink, match="contributions"):
                service._post(db.session, "contribution_due", "A contribution that is not there",
                              CONTRIBUTIONS_RECEIVABLE, CONTRIBUTION_INCOME, Decimal("300.00"), date(2026, 5, 1),
                              tenant_id=tenant_id, contribution_id=contribution_id)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(FundEntry)) == entries
