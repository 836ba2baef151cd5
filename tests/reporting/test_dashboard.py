"""Every consortium dashboard figure against the hand-made network of conftest.py, worked out by hand."""

from sqlalchemy import select, update

from consortium.clock import local_today
from consortium.models import Tenant
from consortium.scheduler import run_job
from shared_services.mutual_fund.models import Contribution
from shared_services.reporting import service
from shared_services.reporting.models import ReportedFigures
from tests.conftest import unrestricted
from tests.invoicing.helpers import ISSUE_DAY, make_customer, make_invoice
from tests.reporting.helpers import YEAR, D

DASH = "/api/v1/consortium/reports/dashboard"


def _dash(client, network, year=YEAR):
    response = client.get(f"{DASH}?year={year}", headers=network.staff)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["figures"]


def test_coops_by_legal_form_and_country(client, network):
    d = _dash(client, network)
    assert d["coops"] == {
        "total": 4,
        "by_legal_form": {"coop_society": 1, "social_coop_a": 2, "social_coop_b": 1},
        "by_country": {"it": 3, "uk": 1},
    }


def test_members_by_category_this_year_and_the_year_before(client, network):
    d = _dash(client, network)
    # YEAR: A 2 workers + B 3 (the fourth left on 30 June) = 5; A's volunteer joined in March of YEAR.
    # YEAR - 1: A 2 + B 4 = 6 workers, no volunteer yet.
    assert d["members"]["by_category"]["worker"] == [5, 6]
    assert d["members"]["by_category"]["volunteer"] == [1, 0]
    assert d["members"]["by_category"]["service_user"] == [0, 0]
    assert d["members"]["total"] == [6, 6]


def test_disadvantaged_share_in_type_b_coops(client, network):
    # only B is Type B: 3 worker members at the end of YEAR, 2 disadvantaged -> 66.7%
    assert _dash(client, network)["type_b"] == {
        "coops": 1, "reported": 1, "workers": 3, "disadvantaged": 2, "percent": "66.7"}


def test_turnover_and_profit_totals_medians_and_distribution_per_currency(client, network):
    d = _dash(client, network)
    eur = d["accounts"]["EUR"]
    # 125,000 + 425,000 + 60,000; median of three is the middle one; profits 28,500 + 10,000 - 5,000
    assert eur["coops"] == 3
    assert eur["turnover_total"] == "610000.00"
    assert eur["turnover_median"] == "125000.00"
    assert eur["net_profit_total"] == "33500.00"
    assert eur["net_profit_median"] == "10000.00"
    assert eur["distribution"] == [1, 2, 0, 0, 0]  # 60,000 under 100k; 125,000 and 425,000 in 100k-500k
    gbp = d["accounts"]["GBP"]
    assert (gbp["coops"], gbp["turnover_total"], gbp["net_profit_median"]) == (1, "200000.00", "8000.00")
    prev = d["accounts_previous"]
    assert list(prev) == ["EUR"] and prev["EUR"]["turnover_total"] == "100000.00"


def test_public_and_private_revenue_shown_apart(client, network):
    revenue = _dash(client, network)["accounts"]["EUR"]
    assert revenue["revenue"] == {
        "turnover_public_contracts": "400000.00",
        "turnover_private_fees": "170000.00",
        "turnover_grants_donations": "15000.00",
        "turnover_other": "25000.00",
    }
    assert revenue["public_percent"] == "65.6"  # 400,000 / 610,000 = 65.57%


def test_turnover_trend_over_five_years(client, network):
    trend = _dash(client, network)["turnover_trend"]
    assert trend["EUR"][str(YEAR)] == "610000.00" and trend["EUR"][str(YEAR - 1)] == "100000.00"
    assert trend["EUR"][str(YEAR - 2)] is None


def test_contributions_due_paid_and_owed(client, network):
    c = _dash(client, network)["contributions"]["EUR"]
    # 3% of the year's profit (the fund's rate): A 28,500 -> 855.00, B 10,000 -> 300.00, C a loss -> nothing;
    # A paid 500.00
    assert (c["due"], c["paid"], c["outstanding"]) == ("1155.00", "500.00", "655.00")


def test_an_overpaid_contribution_owes_nothing_and_a_co_op_that_left_is_not_counted(app, client, network):
    # B's 300.00 shows 400.00 paid (a correction lowered it after payment): B owes nothing, not -100.00
    with unrestricted(app) as connection:
        connection.execute(update(Contribution.__table__).where(Contribution.__table__.c.tenant_id == network.b.id,
                                                                Contribution.__table__.c.year == YEAR)
                           .values(paid_amount=D("400.00")))
        connection.commit()
    c = _dash(client, network)["contributions"]["EUR"]
    assert (c["count"], c["due"], c["paid"], c["outstanding"]) == (3, "1155.00", "900.00", "355.00")
    # once B has left the consortium its contribution is no longer the membership's: A's 855.00 and C's nothing
    with unrestricted(app) as connection:
        connection.execute(update(Tenant.__table__).where(Tenant.__table__.c.id == network.b.id)
                           .values(status="left"))
        connection.commit()
    c = _dash(client, network)["contributions"]["EUR"]
    assert (c["count"], c["due"], c["paid"], c["outstanding"]) == (2, "855.00", "500.00", "355.00")


def test_sources_not_built_or_empty_say_so(client, network):
    d = _dash(client, network)
    assert d["purchasing"]["rounds"] == 0 and d["purchasing"]["spend"] == "0.00"  # no round in the data set
    assert d["tenders"] is None  # no bid decided in the year
    assert d["training"] == {"coops": [], "median_percent": None}
    assert d["incubation"]["spin_outs"] == 1 and d["incubation"]["spin_outs_in_year"] == 1


def test_a_year_without_accepted_accounts_says_so_not_zero(client, network):
    d = _dash(client, network, YEAR - 3)
    assert d["accounts"] is None and d["accounts_previous"] is None
    page = client.get(f"/consortium/reports/?year={YEAR - 3}")
    assert page.status_code in (302, 401)  # pages need a login session, the API token is not one


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    from decimal import Decimal as D

    assert service.median([D("1"), D("4"), D("2"), D("10")]) == D("3.00")
    assert service.median([]) is None


def test_invoicing_by_customer_type_is_what_co_ops_reported(app, client, factory, network):
    """Net invoicing by customer type on the consortium dashboard: aggregates each co-op reports through the job
    `reporting.report_figures` (run in its own scope), never read from the invoices by the consortium."""

    line = {"quantity": D("2"), "unit": "C62", "unit_price": D("10.00"), "vat_category": "standard"}
    council = make_customer(factory, network.u, name="Leeds City Council")
    family = make_customer(factory, network.u, name="The Smiths", customer_type="household", peppol_id=None,
                           vat_number=None)
    make_invoice(factory, network.u, customer_id=council, lines=[{**line, "description": "Day care"}])
    make_invoice(factory, network.u, customer_id=family,
                 lines=[{**line, "description": "Respite", "quantity": D("1"), "unit_price": D("55.50")}])
    year = ISSUE_DAY.year
    # not reported yet: the dashboard says nothing rather than reading the invoices
    assert _dash(client, network, year)["invoicing"] is None
    run_job(app, "reporting.report_figures")
    # U (GBP): 2 x 10.00 to a local authority, 55.50 to a household; 20.00 of 75.50 public = 26.49...% -> 26.5
    assert _dash(client, network, year)["invoicing"] == {"GBP": {
        "coops": 1, "by_type": {"household": "55.50", "local_authority": "20.00"}, "public": "20.00",
        "private": "55.50", "total": "75.50", "public_percent": "26.5"}}
    assert _dash(client, network, year - 1)["invoicing"] is None  # nothing invoiced the year before


def test_the_reporting_job_writes_one_row_per_co_op_and_year_and_a_rerun_changes_nothing(app, factory, network):

    def rows():
        with unrestricted(app) as connection:
            return sorted((r.tenant_id, r.year, r.workers, r.disadvantaged) for r in connection.execute(
                select(ReportedFigures.__table__)))

    today = local_today()
    first = rows()  # the fixture ran the job once: ten years for each of the four co-ops
    assert len(first) == 4 * 10 and {y for _t, y, _w, _d in first} == set(range(today.year - 9, today.year + 1))
    assert (network.b.id, YEAR, 3, 2) in first and (network.b.id, YEAR - 1, 4, 2) in first
    run_job(app, "reporting.report_figures")
    assert rows() == first
    # a new disadvantaged worker in B is counted on the next run (this year and the one before are refreshed)
    factory.member(network.b, name="B Worker 5", category="worker", joined_on=today, disadvantaged=True)
    run_job(app, "reporting.report_figures")
    assert (network.b.id, today.year, 4, 3) in rows()
