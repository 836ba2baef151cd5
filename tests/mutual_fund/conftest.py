"""Mutual-fund fixtures: two co-ops with treasurers, consortium staff and admin, and helpers that
submit a co-op's accounts through the accounts service, as its treasurer would."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from consortium.clock import local_today
from consortium.extensions import db
from shared_services.mutual_fund.demo import submit_accounts
from tests.conftest import token_for

D = Decimal
ACCOUNTS = "/api/v1/consortium/accounts"
FUND = "/api/v1/consortium/mutual-fund"
YEAR = local_today().year - 2  # an accounts year that is over whatever the date of the run


@dataclass
class Fund:
    """The people and co-ops of a mutual-fund test, and helpers to act as them."""

    app: object
    client: object
    factory: object
    a: object
    b: object
    staff: dict
    admin: dict
    treasurer_a: dict
    treasurer_b: dict
    treasurer_a_id: int

    def submit(self, tenant, net_profit: Decimal, year: int = YEAR, *, assembly_approved_on=None,
               prior_losses_covered: Decimal = D("0.00"), ristorni: Decimal = D("0.00")) -> int:
        """Upload and submit `tenant`'s accounts for `year` with this net profit; returns the version id.

        The members' assembly approved them on 29 April of the next year (or today, if sooner) unless told.
        """
        with self.app.app_context():
            version_id = submit_accounts(db.session, tenant, self.treasurer_a_id, year, net_profit, local_today(),
                                         assembly_approved_on=assembly_approved_on,
                                         prior_losses_covered=prior_losses_covered, ristorni=ristorni).id
            db.session.commit()
            return version_id

    def accept(self, version_id: int, accepted_on: str = f"{YEAR + 1}-04-29", who=None):
        """Accept a version through the API; returns the response."""
        return self.client.post(f"{ACCOUNTS}/{version_id}/accept", headers=who or self.staff,
                                json={"accepted_on": accepted_on})

    def accepted(self, net_profit: Decimal, tenant=None, year: int = YEAR) -> dict:
        """Submit and accept accounts in one go; returns the contribution as the API shows it."""
        response = self.accept(self.submit(tenant or self.a, net_profit, year))
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def fund(app, client, factory) -> Fund:
    """Co-ops A and B (Italian, EUR) with treasurers; a consortium staff member and an admin."""
    a = factory.tenant("coop-a", name="Coop A Sociale", country="it", legal_form="social_coop_a")
    b = factory.tenant("coop-b", name="Coop B Sociale", country="it", legal_form="social_coop_b")
    treasurer_a_id = factory.user("treasurer.a@example.test", {"role": "treasurer", "tenant": "coop-a"})
    factory.user("treasurer.b@example.test", {"role": "treasurer", "tenant": "coop-b"})
    factory.user("staff@example.test", {"role": "consortium_staff"})
    factory.user("admin@example.test", {"role": "consortium_admin"})
    return Fund(app, client, factory, a, b, token_for(client, "staff@example.test"),
                token_for(client, "admin@example.test"), token_for(client, "treasurer.a@example.test"),
                token_for(client, "treasurer.b@example.test"), treasurer_a_id)
