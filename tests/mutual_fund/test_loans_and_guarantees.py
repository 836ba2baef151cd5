"""Loans and guarantees: schedules, repayments, arrears, calls, and the exposure limit."""

from datetime import date

from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.mutual_fund import service
from tests.mutual_fund.conftest import FUND, YEAR, D

REF_A = f"MF-{YEAR}-coop-a"


def _fund_with_cash(fund, amount: str = "100000.00"):
    """A fund whose balance is `amount`: a contribution of that size, paid."""
    profit = D(amount) / D("0.03")
    fund.accepted(profit.quantize(D("0.01")))
    paid = fund.client.post(f"{FUND}/payments", headers=fund.staff,
                            json={"reference": REF_A, "amount": amount, "date": f"{YEAR + 1}-05-20"})
    assert paid.status_code == 201, paid.get_json()


def _loan(fund, principal: str, **extra):
    body = {"borrower_tenant": "coop-b", "principal": principal, "annual_rate": "6", "months": 12,
            "method": "annuity", "granted_on": "2024-01-02", "first_due": "2024-01-15", **extra}
    return fund.client.post(f"{FUND}/loans", headers=fund.staff, json=body)


def test_a_loan_comes_with_its_schedule_and_moves_cash_out(fund):
    _fund_with_cash(fund)

    response = _loan(fund, "10000.00")

    assert response.status_code == 201, response.get_json()
    loan = response.get_json()
    assert loan["borrower_name"] == "Coop B Sociale" and loan["borrower_tenant"] == "coop-b"
    assert len(loan["instalments"]) == 12
    # payment = 10,000 x 0.005 / (1 - 1.005^-12) = 860.66; month 1 interest 50.00, principal 810.66
    assert loan["instalments"][0] == {"number": 1, "due_date": "2024-01-15", "principal": "810.66",
                                      "interest": "50.00", "payment": "860.66", "balance_after": "9189.34"}
    overview = fund.client.get(FUND, headers=fund.staff).get_json()
    assert overview["balance"] == "90000.00" and overview["outstanding_loans"] == "10000.00"


def test_repayments_cover_interest_first_and_arrears_show_what_is_late(fund):
    _fund_with_cash(fund)
    loan = _loan(fund, "10000.00").get_json()

    first = fund.client.post(f"{FUND}/loans/{loan['id']}/repayments", headers=fund.staff,
                             json={"amount": "860.66", "date": "2024-01-15"})
    partial = fund.client.post(f"{FUND}/loans/{loan['id']}/repayments", headers=fund.staff,
                               json={"amount": "100.00", "date": "2024-02-15"})

    assert first.status_code == partial.status_code == 201
    assert (first.get_json()["principal_part"], first.get_json()["interest_part"]) == ("810.66", "50.00")
    # month 2 interest: 9,189.34 x 0.5% = 45.95, so 100.00 covers it and 54.05 of principal
    assert (partial.get_json()["principal_part"], partial.get_json()["interest_part"]) == ("54.05", "45.95")
    with fund.app.app_context(), consortium_scope(db.session):
        state = service.loan_arrears(service.get_loan(db.session, loan["id"]), date(2024, 3, 20))
        # due by 20 March: 3 x 860.66 = 2,581.98; paid 960.66
        assert state.arrears_amount == D("1621.32")
        assert state.instalments_overdue == 2 and state.oldest_overdue_due_date == date(2024, 2, 15)
        balances = service.account_balances(db.session)
        assert balances["loans_receivable"] == D("10000.00") - D("810.66") - D("54.05")
        assert balances["interest_income"] == D("-95.95")


def test_repaying_more_than_is_left_or_before_the_grant_is_refused(fund):
    _fund_with_cash(fund)
    loan = _loan(fund, "1000.00", annual_rate="0", months=2).get_json()

    too_much = fund.client.post(f"{FUND}/loans/{loan['id']}/repayments", headers=fund.staff,
                                json={"amount": "1000.01", "date": "2024-02-01"})
    too_early = fund.client.post(f"{FUND}/loans/{loan['id']}/repayments", headers=fund.staff,
                                 json={"amount": "10.00", "date": "2023-12-31"})
    missing = fund.client.post(f"{FUND}/loans/999999/repayments", headers=fund.staff,
                               json={"amount": "10.00", "date": "2024-02-01"})

    assert too_much.status_code == 422 and "1,000.00 left to repay" in too_much.get_json()["errors"]["amount"][0]
    assert too_early.status_code == 422 and "paid_on" in too_early.get_json()["errors"]
    assert missing.status_code == 404


def test_a_loan_beyond_the_exposure_limit_is_refused_saying_by_how_much(fund):
    _fund_with_cash(fund, "10000.00")
    fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={"exposure_multiple": "1"})
    # checked after the payout: 1 x (10,000 - 5,000) = 5,000 against 5,000 lent; 5,000.01 would be too much
    assert _loan(fund, "5000.01").status_code == 422
    assert _loan(fund, "5000.00").status_code == 201

    refused = _loan(fund, "1000.00")

    # after it: balance 4,000, limit 4,000; committed 6,000; 2,000 too much
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["detail"] == ("This loan of 1,000.00 would exceed the fund's exposure limit by 2,000.00 "
                                 "(after it: limit 1 x balance 4,000.00 = 4,000.00; committed 6,000.00 in loans and "
                                 "live guarantees).")
    assert "principal" in problem["errors"]
    assert len(fund.client.get(f"{FUND}/loans", headers=fund.staff).get_json()) == 1


def test_the_fund_never_lends_more_cash_than_it_holds(fund):
    _fund_with_cash(fund, "10000.00")  # exposure alone (3 x 10,000) would allow 30,000

    refused = _loan(fund, "10000.01")

    assert refused.status_code == 422
    assert refused.get_json()["errors"]["principal"] == ["the fund holds only 10,000.00; it cannot pay out 10,000.01"]


def test_exposure_counts_live_guarantees_and_refuses_the_one_too_many(fund):
    _fund_with_cash(fund, "10000.00")  # limit 3 x 10,000 = 30,000; were every guarantee called, 3 x what is left
    body = {"tenant": "coop-b", "bank_name": "Banca Etica", "amount": "8000.00", "issued_on": "2024-01-01",
            "expires_on": "2026-12-31"}
    assert fund.client.post(f"{FUND}/guarantees", headers=fund.staff, json=body).status_code == 201

    refused = fund.client.post(f"{FUND}/guarantees", headers=fund.staff, json={**body, "amount": "2000.01"})

    assert refused.status_code == 422
    assert refused.get_json()["errors"]["amount"] == [
        "this guarantee of 2,000.01 would exceed the fund's exposure limit by 0.03 "
        "(were every live guarantee called, the fund would hold -0.01: limit 3 x -0.01 = -0.03; loans 0.00)"]
    # an expired guarantee no longer counts
    later = {**body, "amount": "2000.01", "issued_on": "2027-01-02", "expires_on": "2028-01-01"}
    assert fund.client.post(f"{FUND}/guarantees", headers=fund.staff, json=later).status_code == 201


def test_a_guarantee_call_pays_out_within_what_is_left_while_it_lives(fund):
    _fund_with_cash(fund, "10000.00")
    guarantee = fund.client.post(f"{FUND}/guarantees", headers=fund.staff, json={
        "tenant": "coop-b", "bank_name": "Banca Etica", "amount": "4000.00", "issued_on": "2024-01-01",
        "expires_on": "2025-12-31", "description": "Overdraft"}).get_json()
    calls = f"{FUND}/guarantees/{guarantee['id']}/calls"

    call = fund.client.post(calls, headers=fund.staff, json={"amount": "1500.00", "date": "2025-03-01"})
    over = fund.client.post(calls, headers=fund.staff, json={"amount": "2500.01", "date": "2025-03-02"})
    expired = fund.client.post(calls, headers=fund.staff, json={"amount": "1.00", "date": "2026-01-01"})

    assert call.status_code == 201
    assert over.status_code == 422 and "2,500.00 left" in over.get_json()["errors"]["amount"][0]
    assert expired.status_code == 422 and "expired on 2025-12-31" in expired.get_json()["errors"]["called_on"][0]
    overview = fund.client.get(FUND, headers=fund.staff).get_json()
    assert overview["balance"] == "8500.00" and overview["guarantee_calls"] == "1500.00"
    [listed] = fund.client.get(f"{FUND}/guarantees", headers=fund.staff).get_json()
    assert listed["called_amount"] == "1500.00"


def test_bad_loan_terms_are_refused_naming_the_field(fund):
    _fund_with_cash(fund)
    cases = [
        ({"principal": "0"}, "principal"),
        ({"months": 0}, "months"),
        ({"method": "balloon"}, "method"),
        ({"annual_rate": "-1"}, "annual_rate"),
        ({"first_due": "2023-12-01"}, "first_due"),
        ({"borrower_tenant": "nobody"}, "borrower_tenant"),
    ]
    for change, field in cases:
        response = _loan(fund, "1000.00", **change) if "principal" not in change else _loan(fund, change["principal"])
        assert response.status_code == 422, (change, response.get_json())
        assert field in response.get_json()["errors"], (change, response.get_json())
    no_borrower = fund.client.post(f"{FUND}/loans", headers=fund.staff, json={
        "principal": "1000.00", "annual_rate": "1", "months": 3, "method": "annuity", "first_due": "2024-02-01"})
    assert no_borrower.status_code == 422 and "borrower_tenant" in no_borrower.get_json()["errors"]
    assert fund.client.get(f"{FUND}/loans", headers=fund.staff).get_json() == []


def test_incubation_projects_borrow_through_the_service(fund):
    _fund_with_cash(fund)
    project_id = _incubation_project(fund)
    with fund.app.app_context(), consortium_scope(db.session):
        loan = service.grant_loan(db.session, incubation_project_id=project_id, borrower_name="Orto Fragola (spin-out)",
                                  principal=D("5000.00"), annual_rate=D("0"), months=10, method="straight_line",
                                  first_due=date(2024, 3, 1), granted_on=date(2024, 2, 1), granted_by=None)
        db.session.commit()
        assert [i.principal for i in loan.instalments] == [D("500.00")] * 10
        assert loan.borrower_tenant_id is None and loan.incubation_project_id == project_id


def _incubation_project(fund) -> int:
    """A spin-out project sponsored by Coop A, opened by consortium staff through the incubation API."""
    response = fund.client.post("/api/v1/incubation/projects", headers=fund.staff, json={
        "working_name": "Orto Fragola", "sponsor": "coop-a", "intended_legal_form": "social_coop_b",
        "need": "Work for young people leaving care", "locality": "Bologna", "started_on": "2024-01-10",
        "founding_group": [{"name": "Anna Rossi", "role": "worker"}, {"name": "Luca Bianchi", "role": "worker"},
                           {"name": "Sara Verdi", "role": "volunteer"}]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_loan_to_an_incubation_project_that_does_not_exist_is_refused(fund, client):
    from tests.conftest import login

    _fund_with_cash(fund)
    project_id = _incubation_project(fund)
    body = {"incubation_project_id": project_id + 100, "borrower_name": "Nobody", "principal": "1000.00",
            "annual_rate": "1", "months": 3, "method": "annuity", "granted_on": "2024-01-02", "first_due": "2024-02-01"}

    by_api = fund.client.post(f"{FUND}/loans", headers=fund.staff, json=body)
    login(client, "staff@example.test")
    by_form = client.post("/consortium/mutual-fund/loans/new", data={**body, "borrower_tenant": ""})

    assert by_api.status_code == 422, by_api.get_json()
    assert by_api.get_json()["errors"]["incubation_project_id"] == [f"no incubation project {project_id + 100}"]
    assert by_form.status_code == 200 and f"no incubation project {project_id + 100}" in by_form.get_data(as_text=True)
    assert fund.client.get(f"{FUND}/loans", headers=fund.staff).get_json() == []
    assert fund.client.get(f"{FUND}", headers=fund.staff).get_json()["loans_out"] == "0.00"
    granted = fund.client.post(f"{FUND}/loans", headers=fund.staff, json={**body, "incubation_project_id": project_id})
    assert granted.status_code == 201 and granted.get_json()["incubation_project_id"] == project_id
