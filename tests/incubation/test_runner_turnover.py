"""The runner rule's turnover threshold, read from each co-op's latest accepted annual accounts."""

from datetime import date
from decimal import Decimal

import pytest

from consortium.clock import local_today
from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.incubation import service
from shared_services.mutual_fund.demo import submit_accounts
from tenants.accounts import service as accounts
from tests.conftest import login, token_for
from tests.incubation.conftest import ADMIN, statements_during

API = "/api/v1/incubation"
YEAR = local_today().year - 2  # an accounts year that is over whatever the date of the run
# The demo accounts' costs and tax add up to 517,000, so turnover = net profit + 517,000.
COSTS = Decimal("517000.00")


@pytest.fixture
def accounts_of(app, incubation):
    """`accounts_of(tenant, year, turnover, accepted_on=None)`: upload and submit accounts, accept them if dated."""
    treasurer = incubation["mentor_one_id"]

    def make(tenant, year: int, turnover: str, accepted_on: date | None = None):
        with app.app_context():
            version = submit_accounts(db.session, tenant, treasurer, year, Decimal(turnover) - COSTS, local_today())
            if accepted_on is not None:
                with consortium_scope(db.session):
                    accounts.mark_accepted(db.session, version, accepted_by=treasurer, accepted_on=accepted_on)
            db.session.commit()

    return make


def _rule(client, **rule):
    response = client.put(f"{API}/obligations/rule", headers=token_for(client, ADMIN), json=rule)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _rows(client, incubation) -> dict:
    data = client.get(f"{API}/obligations", headers=incubation["staff"]).get_json()
    return data, {row["slug"]: row for row in data["obligations"]}


def test_latest_accepted_turnover_over_the_threshold_brings_the_deadline_to_its_acceptance(
        client, factory, incubation, accounts_of):
    accepted_on = date(YEAR + 1, 5, 2)
    accounts_of(incubation["other"], YEAR - 1, "500000.00", date(YEAR, 5, 1))
    accounts_of(incubation["other"], YEAR, "600000.00", accepted_on)
    # the other way round: over the threshold two years ago, under it in the latest accepted accounts
    shrinking = factory.tenant("shrinking-coop", founding_date=date(2023, 3, 1))
    accounts_of(shrinking, YEAR - 1, "900000.00", date(YEAR, 5, 1))
    accounts_of(shrinking, YEAR, "540000.00", date(YEAR + 1, 5, 1))
    # submitted but not accepted: not read
    pending = factory.tenant("pending-coop", founding_date=date(2023, 3, 1))
    accounts_of(pending, YEAR, "2000000.00")

    rule = _rule(client, turnover_threshold="550000", turnover_currency="GBP")
    assert rule["turnover_threshold"] == "550000.00" and rule["turnover_currency"] == "GBP"
    data, rows = _rows(client, incubation)
    assert data["turnover_threshold"] == "550000.00" and data["turnover_currency"] == "GBP"
    other = rows["other-coop"]
    assert other["turnover"] == "600000.00" and other["turnover_year"] == YEAR and other["currency"] == "GBP"
    assert other["triggered_by"] == "turnover" and other["deadline"] == accepted_on.isoformat()
    assert other["status"] == "overdue" and other["days_left"] == (accepted_on - local_today()).days
    assert rows["shrinking-coop"]["turnover"] == "540000.00" and rows["shrinking-coop"]["triggered_by"] == "years"
    assert rows["shrinking-coop"]["deadline"] == "2028-03-01"
    assert rows["pending-coop"]["turnover"] is None and rows["pending-coop"]["triggered_by"] == "years"
    # a co-op that already sponsored a spin-out has met the obligation whatever its turnover
    assert rows["sponsor-coop"]["status"] == "in_progress"


def test_turnover_exactly_at_the_threshold_triggers_and_no_threshold_changes_nothing(
        client, incubation, accounts_of):
    accounts_of(incubation["other"], YEAR, "550000.00", date(YEAR + 1, 5, 2))
    _data, rows = _rows(client, incubation)
    assert rows["other-coop"]["triggered_by"] == "years" and rows["other-coop"]["turnover"] == "550000.00"
    _rule(client, turnover_threshold="550000.00", turnover_currency="GBP")
    assert _rows(client, incubation)[1]["other-coop"]["triggered_by"] == "turnover"
    _rule(client, turnover_threshold=None)
    assert _rows(client, incubation)[1]["other-coop"]["triggered_by"] == "years"


def test_a_coop_keeping_accounts_in_another_currency_is_not_compared(client, factory, incubation, accounts_of):
    italian = factory.tenant("coop-euro", name="Coop Euro", country="it", legal_form="social_coop_a",
                             founding_date=date(2024, 1, 1))
    accounts_of(italian, YEAR, "5000000.00", date(YEAR + 1, 5, 2))
    _rule(client, turnover_threshold="550000", turnover_currency="GBP")
    row = _rows(client, incubation)[1]["coop-euro"]
    assert row["currency"] == "EUR" and row["turnover"] == "5000000.00" and row["triggered_by"] == "years"
    login(client, ADMIN)
    page = client.get("/incubation/obligations").get_data(as_text=True)
    assert "Not compared with the turnover threshold" in page and "Coop Euro" in page
    _rule(client, turnover_currency="EUR")
    assert _rows(client, incubation)[1]["coop-euro"]["triggered_by"] == "turnover"


def test_accepted_accounts_are_read_in_one_query_without_the_files(app, factory, incubation, accounts_of):
    for index in range(4):
        accounts_of(factory.tenant(f"filed-{index}"), YEAR, "600000.00", date(YEAR + 1, 5, 2))
    def dashboard():
        with consortium_scope(db.session):
            return service.obligations(db.session, local_today())

    statements, overview = statements_during(app, dashboard)
    assert sum(1 for row in overview.obligations if row.turnover == Decimal("600000.00")) == 4
    reads = [s for s in statements if "accounts_versions" in s]
    assert len(reads) == 1 and "file_data" not in reads[0]


@pytest.mark.parametrize(("rule", "field"), [
    ({"turnover_threshold": "0"}, "turnover_threshold"),
    ({"turnover_threshold": "-10"}, "turnover_threshold"),
    ({"turnover_threshold": "lots"}, "turnover_threshold"),
    ({"turnover_threshold": "1000"}, "turnover_currency"),
    ({"turnover_threshold": "1000", "turnover_currency": "USD"}, "turnover_currency"),
])
def test_bad_turnover_rules_are_refused_naming_the_field_and_nothing_is_saved(client, incubation, rule, field):
    admin = token_for(client, ADMIN)
    response = client.put(f"{API}/obligations/rule", headers=admin, json=rule)
    assert response.status_code == 422 and field in response.get_json()["errors"]
    saved = client.get(f"{API}/obligations/rule", headers=admin).get_json()
    assert saved["turnover_threshold"] is None and saved["turnover_currency"] is None


def test_only_an_admin_sets_the_turnover_threshold(client, incubation):
    response = client.put(f"{API}/obligations/rule", headers=incubation["staff"],
                          json={"turnover_threshold": "1000", "turnover_currency": "GBP"})
    assert response.status_code == 403


def test_the_rule_form_sets_the_turnover_threshold_and_the_page_shows_turnover(
        client, incubation, accounts_of):
    accounts_of(incubation["other"], YEAR, "600000.00", date(YEAR + 1, 5, 2))
    login(client, ADMIN)
    response = client.post("/incubation/obligations/rule", data={
        "years_from_founding": "5", "member_threshold": "", "turnover_threshold": "550000",
        "turnover_currency": "GBP"})
    assert response.status_code == 302
    page = client.get("/incubation/obligations").get_data(as_text=True)
    assert "turnover of <strong>£550,000.00</strong> or more" in page
    assert "£600,000.00" in page and "(turnover threshold)" in page
    response = client.post("/incubation/obligations/rule", data={
        "years_from_founding": "5", "turnover_threshold": "0", "turnover_currency": "GBP"})
    assert response.status_code == 422 and "turnover_threshold" in response.get_data(as_text=True)
