"""A small hand-made consortium: three Italian co-ops (EUR), one UK society (GBP), members, accounts of two
years, contributions and a payment. Every expected figure in the tests is worked out by hand from this."""

from dataclasses import dataclass
from datetime import date

import pytest

from consortium.extensions import db
from consortium.scheduler import run_job
from consortium.tenancy import consortium_scope
from shared_services.mutual_fund import service as fund
from tests.conftest import token_for
from tests.reporting.helpers import YEAR, D, accept, figures

STAFF = "staff@example.test"


@dataclass
class Network:
    a: object
    b: object
    c: object
    u: object
    staff: dict
    treasurer_a: dict
    treasurer_b: dict


@pytest.fixture
def network(app, client, factory) -> Network:
    a = factory.tenant("coop-a", name="Coop A Sociale", country="it", legal_form="social_coop_a", currency="EUR")
    b = factory.tenant("coop-b", name="Coop B Lavoro", country="it", legal_form="social_coop_b", currency="EUR")
    c = factory.tenant(
        "coop-c",
        name="Coop C Spin-out",
        country="it",
        legal_form="social_coop_a",
        currency="EUR",
        sponsor="coop-a",
        founding_date=date(YEAR, 2, 1),
    )
    u = factory.tenant("coop-u", name="Riverside Society", country="uk", legal_form="coop_society", currency="GBP")
    ids = {
        slug: factory.user(f"treasurer.{slug[-1]}@example.test", {"role": "treasurer", "tenant": slug})
        for slug in ("coop-a", "coop-b", "coop-c", "coop-u")
    }
    staff_id = factory.user(STAFF, {"role": "consortium_staff"})
    joined = date(YEAR - 1, 6, 1)
    factory.member(a, name="Worker One", category="worker", joined_on=joined, disadvantaged=True)
    factory.member(a, name="Worker Two", category="worker", joined_on=joined)
    factory.member(a, name="Volunteer Vi", category="volunteer", joined_on=date(YEAR, 3, 1))
    factory.member(b, name="B Worker 1", category="worker", joined_on=joined, disadvantaged=True)
    factory.member(b, name="B Worker 2", category="worker", joined_on=joined, disadvantaged=True)
    factory.member(b, name="B Worker 3", category="worker", joined_on=joined)
    factory.member(b, name="B Worker 4", category="worker", joined_on=joined, left_on=date(YEAR, 6, 30))
    # YEAR: A 125,000 (net 28,500), B 425,000 (net 10,000), C 60,000 (net -5,000); U £200,000 (net 8,000)
    accept(factory, a, ids["coop-a"], staff_id, YEAR, figures(100000, 20000, 5000, 0, 80000, 15000, 1500))
    accept(factory, b, ids["coop-b"], staff_id, YEAR, figures(300000, 100000, 0, 25000, 350000, 60000, 5000))
    accept(factory, c, ids["coop-c"], staff_id, YEAR, figures(0, 50000, 10000, 0, 55000, 10000, 0))
    accept(factory, u, ids["coop-u"], staff_id, YEAR, figures(200000, 0, 0, 0, 150000, 40000, 2000), through_fund=False)
    # YEAR - 1: A only, 100,000 (net 10,000)
    accept(factory, a, ids["coop-a"], staff_id, YEAR - 1, figures(90000, 10000, 0, 0, 70000, 20000, 0))
    with factory.app.app_context():
        with consortium_scope(db.session):
            contribution = fund.contribution_for_year(db.session, a.id, YEAR)
            fund.record_payment(
                db.session, contribution, amount=D("500.00"), paid_on=date(YEAR + 1, 6, 1), recorded_by=staff_id
            )
        db.session.commit()
    run_job(factory.app, "reporting.report_figures")  # each co-op reports its counts, as the scheduler does daily
    return Network(
        a,
        b,
        c,
        u,
        token_for(client, STAFF),
        token_for(client, "treasurer.a@example.test"),
        token_for(client, "treasurer.b@example.test"),
    )
