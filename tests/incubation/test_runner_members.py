"""The runner rule's member threshold (dated from members' joining and leaving) and co-ops not obliged."""

from datetime import date

import pytest

from consortium.clock import local_today
from consortium.extensions import db
from consortium.models import Tenant
from consortium.tenancy import consortium_scope
from shared_services.incubation import service
from tenants.members.service import member_count_reached_on
from tests.conftest import login, token_for
from tests.incubation.conftest import ADMIN, statements_during

API = "/api/v1/incubation"
ON = date(2025, 6, 30)


def _members(factory, tenant, *spans):
    """Enter one member per (joined_on, left_on or None)."""
    for index, (joined_on, left_on) in enumerate(spans):
        factory.member(tenant, name=f"Member {index}", joined_on=joined_on, left_on=left_on)


def _reached(app, threshold, on=ON) -> dict[str, date]:
    with app.app_context(), consortium_scope(db.session):
        slugs = dict(db.session.execute(db.select(Tenant.id, Tenant.slug)).all())
        return {slugs[tenant_id]: day for tenant_id, day in member_count_reached_on(db.session, threshold, on).items()}


def test_the_day_the_count_of_current_members_first_reached_the_threshold(app, factory):
    steady = factory.tenant("steady-coop")
    _members(factory, steady, (date(2021, 1, 1), None), (date(2021, 3, 1), None), (date(2022, 7, 1), None),
             (date(2023, 1, 1), None))
    # the first member leaves before the third joins: two at a time until the fourth joins on 2023-05-01
    turnover = factory.tenant("turnover-coop")
    _members(factory, turnover, (date(2021, 1, 1), date(2022, 1, 1)), (date(2021, 2, 1), None),
             (date(2022, 6, 1), None), (date(2023, 5, 1), None))
    # reached three, then one left: crossing once is enough, the date stays
    shrunk = factory.tenant("shrunk-coop")
    _members(factory, shrunk, (date(2020, 1, 1), date(2024, 1, 1)), (date(2020, 2, 1), None),
             (date(2020, 3, 1), date(2020, 9, 1)))
    # a departure and an arrival on the same day: never three at once; a member who left the day they joined
    swap = factory.tenant("swap-coop")
    _members(factory, swap, (date(2021, 1, 1), None), (date(2021, 2, 1), date(2021, 6, 1)),
             (date(2021, 6, 1), None), (date(2021, 8, 1), date(2021, 8, 1)))
    # the third member joins after the day asked about
    later = factory.tenant("later-coop")
    _members(factory, later, (date(2024, 1, 1), None), (date(2024, 2, 1), None), (date(2025, 9, 1), None))
    factory.tenant("empty-coop")

    reached = _reached(app, 3)
    assert reached == {"steady-coop": date(2022, 7, 1), "turnover-coop": date(2023, 5, 1),
                       "shrunk-coop": date(2020, 3, 1)}
    assert _reached(app, 3, on=date(2025, 9, 1))["later-coop"] == date(2025, 9, 1)
    assert _reached(app, 1)["swap-coop"] == date(2021, 1, 1)
    assert "swap-coop" not in _reached(app, 3) and "empty-coop" not in _reached(app, 1)


@pytest.fixture
def threshold_three(client, incubation):
    response = client.put(f"{API}/obligations/rule", headers=token_for(client, ADMIN),
                          json={"member_threshold": 3, "years_from_founding": 30})
    assert response.status_code == 200, response.get_json()
    return incubation


def _rows(client, incubation) -> tuple[dict, dict]:
    data = client.get(f"{API}/obligations", headers=incubation["staff"]).get_json()
    return data, {row["slug"]: row for row in data["obligations"]}


def test_a_coop_that_reached_the_threshold_last_year_and_sponsored_nothing_is_overdue(
        client, factory, threshold_three):
    last_year = date(local_today().year - 1, 1, 15)
    grown = factory.tenant("grown-coop", name="Grown Co-op", founding_date=date(2019, 1, 1))
    _members(factory, grown, (date(2019, 1, 1), None), (date(2019, 6, 1), None), (last_year, None))
    # it reached three members and has two now: still obliged from the day it reached them
    shrunk = factory.tenant("shrunk-coop", name="Shrunk Co-op", founding_date=date(2019, 1, 1))
    _members(factory, shrunk, (date(2019, 1, 1), None), (date(2019, 6, 1), None),
             (last_year, last_year.replace(month=3)))
    small = factory.tenant("small-coop", name="Small Co-op", founding_date=date(2019, 1, 1))
    _members(factory, small, (date(2019, 1, 1), None), (date(2019, 6, 1), None))

    _, rows = _rows(client, threshold_three)
    grown_row = rows["grown-coop"]
    assert grown_row["status"] == "overdue" and grown_row["triggered_by"] == "members"
    assert grown_row["deadline"] == last_year.isoformat() and grown_row["days_left"] < -300
    assert rows["shrunk-coop"]["members"] == 2 and rows["shrunk-coop"]["status"] == "overdue"
    assert rows["shrunk-coop"]["deadline"] == last_year.isoformat()
    assert rows["small-coop"]["status"] == "due" and rows["small-coop"]["triggered_by"] == "years"
    assert rows["small-coop"]["deadline"] == "2049-01-01"
    # a co-op sponsoring a live project is in progress, with the same date as its deadline
    _members(factory, threshold_three["sponsor"], (date(2024, 1, 1), None), (date(2024, 1, 2), None),
             (date(2024, 1, 3), None))
    _, rows = _rows(client, threshold_three)
    assert rows["sponsor-coop"]["status"] == "in_progress" and rows["sponsor-coop"]["deadline"] == "2024-01-03"


def test_the_dashboard_reads_members_in_a_fixed_number_of_queries(app, factory, threshold_three):
    def statements_for_dashboard() -> int:
        def dashboard():
            with consortium_scope(db.session):
                return service.obligations(db.session, local_today())

        return len(statements_during(app, dashboard)[0])

    few = statements_for_dashboard()
    for index in range(8):
        coop = factory.tenant(f"extra-{index}", founding_date=date(2018, 1, 1))
        _members(factory, coop, (date(2019, 1, 1), None), (date(2019, 2, 1), None), (date(2019, 3, 1), None))
    assert statements_for_dashboard() == few


def test_a_consortium_of_coops_is_not_obliged_and_is_named_on_the_page(client, factory, threshold_three):
    factory.tenant("consorzio", name="Consorzio Sol.Co. Test", country="it", legal_form="social_coop_consortium",
                   founding_date=date(1999, 5, 20))
    factory.tenant("tipo-a", name="Cooperativa Tipo A", country="it", legal_form="social_coop_a",
                   founding_date=date(2001, 1, 1))
    data, rows = _rows(client, threshold_three)
    assert "consorzio" not in rows and rows["tipo-a"]["deadline"] == "2031-01-01"
    assert data["not_obliged"] == [{"slug": "consorzio", "name": "Consorzio Sol.Co. Test",
                                    "legal_form": "social_coop_consortium"}]
    login(client, ADMIN)
    page = client.get("/incubation/obligations").get_data(as_text=True)
    table = page[page.index('<table id="obligations"'):page.index('<table id="pipeline"')]
    assert "Cooperativa Tipo A" in table and "Consorzio Sol.Co. Test" not in table
    note = page[page.index('id="not-obliged"'):]
    assert "Not obliged" in page and note.index("Consorzio Sol.Co. Test") < note.index("</span>")
