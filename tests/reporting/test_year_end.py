"""A UK society's treasurer states the financial year's end and the total assets on it: the AR30 falls due 7 months
after that end (FCA "Annual returns and accounts: mutual societies": a 31 March year end gives 31 October), and the
audit may be disapplied when the previous year's turnover is at most £10.2m and its assets at most £5.1m (CCBS Act
2014 s.84 as amended from 6 April 2018). The limits are "at most": exactly £5,100,000.00 passes, a penny more
fails (the boundary is this test's own example; the sources give none)."""

from consortium.tenancy import tenant_scope
from shared_services.reporting.models import ReportedFigures
from tests.conftest import token_for
from tests.reporting.helpers import YEAR

FACTS = "/api/v1/t/coop-u/reports/year-facts"


def _put(client, headers, year, body, expect=200):
    response = client.put(f"{FACTS}?year={year}", headers=headers, json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def _audit(client, headers, year):
    response = client.get(f"/api/v1/t/coop-u/reports/dashboard?year={year}", headers=headers)
    return response.get_json()["figures"]["uk"]


def test_a_stated_year_end_moves_the_ar30_date_and_assets_complete_the_audit_test(client, network):
    u = token_for(client, "treasurer.u@example.test")
    assert client.get(f"{FACTS}?year={YEAR}", headers=u).get_json() == {
        "year": YEAR, "year_end": f"{YEAR}-12-31", "total_assets": None, "ar30_due": f"{YEAR + 1}-07-31"}
    saved = _put(client, u, YEAR, {"year_end": f"{YEAR}-03-31", "total_assets": "5100000.00"})
    assert saved == {"year": YEAR, "year_end": f"{YEAR}-03-31", "total_assets": "5100000.00",
                     "ar30_due": f"{YEAR}-10-31"}  # the FCA's own example: 31 March -> 31 October
    # the next year's test reads YEAR's turnover (accepted: £200,000) and YEAR's assets (£5,100,000.00: at most)
    uk = _audit(client, u, YEAR + 1)
    assert uk["audit"]["turnover_ok"] is True and uk["audit"]["assets"] == "5100000.00"
    assert uk["audit"]["assets_ok"] is True and uk["audit"]["eligible"] is True
    _put(client, u, YEAR, {"year_end": f"{YEAR}-03-31", "total_assets": "5100000.01"})
    uk = _audit(client, u, YEAR + 1)
    assert uk["audit"]["assets_ok"] is False and uk["audit"]["eligible"] is False


def test_a_year_end_outside_the_year_or_negative_assets_are_refused_and_nothing_is_saved(app, client, network):
    u = token_for(client, "treasurer.u@example.test")
    wrong_year = _put(client, u, YEAR, {"year_end": f"{YEAR + 1}-03-31", "total_assets": "1000.00"}, expect=422)
    assert "year_end" in wrong_year["errors"]
    negative = _put(client, u, YEAR, {"year_end": f"{YEAR}-03-31", "total_assets": "-1.00"}, expect=422)
    assert "total_assets" in negative["errors"]
    # more than the NUMERIC(14, 2) column holds: a 422 naming the field, not a database overflow (schemathesis found it)
    too_large = _put(client, u, YEAR, {"year_end": f"{YEAR}-03-31", "total_assets": "12870517005530415.11"}, expect=422)
    assert "total_assets" in too_large["errors"]
    from consortium.extensions import db

    with app.app_context(), tenant_scope(db.session, network.u.id):
        row = db.session.query(ReportedFigures).filter_by(year=YEAR).one()  # the job's row, unchanged
        assert (row.year_end, row.total_assets) == (None, None)


def test_only_the_treasurer_states_them_and_the_page_form_names_a_bad_field(client, factory, network):
    from tests.conftest import login

    factory.user("viewer.u@example.test", {"role": "viewer", "tenant": "coop-u"})
    viewer = token_for(client, "viewer.u@example.test")
    assert client.put(f"{FACTS}?year={YEAR}", headers=viewer, json={"total_assets": "1.00"}).status_code == 403
    login(client, "treasurer.u@example.test")
    page = client.post(f"/t/coop-u/reports/?year={YEAR}", data={"year_end": f"{YEAR - 1}-12-31",
                                                                "total_assets": "100.00"})
    assert page.status_code == 422
    assert f"the financial year {YEAR} must end in {YEAR}" in page.get_data(as_text=True)
    done = client.post(f"/t/coop-u/reports/?year={YEAR}", data={"year_end": f"{YEAR}-03-31",
                                                                "total_assets": "250000.00"})
    assert done.status_code == 302
    text = client.get(f"/t/coop-u/reports/?year={YEAR + 1}").get_data(as_text=True)
    assert "£250,000.00" in text and "may disapply the audit" in text
