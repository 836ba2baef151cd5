"""Member capital through payroll: a share subscription in instalments posting to the register, and a
capital-injection loan repaid to a lender with a remittance list and a falling balance."""

from tests.payroll.conftest import API, act, add_employee, open_run, pay_through, payslips


def _member(client, headers, member_id):
    return client.get(f"/api/v1/t/coop-paga/members/{member_id}", headers=headers).get_json()


def test_share_instalments_post_to_the_members_register_and_stop_when_paid(factory, client, coop, clerk,
                                                                            second_clerk):
    from tests.conftest import token_for
    from tests.payroll.conftest import TREASURER

    treasurer = token_for(client, TREASURER)
    member_id = factory.member(coop, name="Isla Brown")
    employee = add_employee(client, clerk, member_id=member_id, name=None)
    schedule = client.post(f"{API}/employees/{employee['id']}/capital-schedules", headers=clerk, json={
        "kind": "share_subscription", "total": "250.00", "per_period": "100.00", "start_on": "2026-04-01"})
    assert schedule.status_code == 201, schedule.get_json()
    assert (_member(client, treasurer, member_id)["shares_subscribed"],
            _member(client, treasurer, member_id)["shares_paid"]) == ("250.00", "0.00")
    paid = []
    for pay_date in ("2026-04-30", "2026-05-29", "2026-06-30", "2026-07-31"):
        run = pay_through(client, clerk, second_clerk, pay_date)
        slip = payslips(client, clerk, run["id"])[0]
        paid.append((slip["capital_share"], slip["capital_share_balance"],
                     _member(client, treasurer, member_id)["shares_paid"]))
    # 100 + 100 + the 50 left; nothing once the subscription is fully paid, and the register agrees each time
    assert paid == [("100.00", "150.00", "100.00"), ("100.00", "50.00", "200.00"), ("50.00", "0.00", "250.00"),
                    ("0.00", None, "250.00")]


def test_a_share_subscription_needs_a_member_and_an_unfinished_one_blocks_another(factory, client, coop, clerk):
    outsider = add_employee(client, clerk)
    response = client.post(f"{API}/employees/{outsider['id']}/capital-schedules", headers=clerk, json={
        "kind": "share_subscription", "total": "250.00", "per_period": "100.00", "start_on": "2026-04-01"})
    assert response.status_code == 422 and "kind" in response.get_json()["errors"]
    member = add_employee(client, clerk, member_id=factory.member(coop, name="Harry Patel"), name=None)
    url = f"{API}/employees/{member['id']}/capital-schedules"
    body = {"kind": "share_subscription", "total": "250.00", "per_period": "100.00", "start_on": "2026-04-01"}
    assert client.post(url, headers=clerk, json=body).status_code == 201
    assert client.post(url, headers=clerk, json=body).status_code == 409
    assert client.post(url, headers=clerk, json={**body, "kind": "loan_repayment", "total": "10",
                                                 "per_period": "20"}).status_code == 422


def test_a_capital_loan_is_repaid_to_its_lender_with_a_falling_balance(client, clerk, second_clerk):
    # The seed case of issue 9: a co-op bank lends a new worker member about 3,000 to inject as capital,
    # repaid by payroll over three years: 36 instalments of 83.33 (the last one takes what is left).
    employee = add_employee(client, clerk, name="Zofia Kowalska")
    response = client.post(f"{API}/employees/{employee['id']}/capital-schedules", headers=clerk, json={
        "kind": "loan_repayment", "total": "3000.00", "per_period": "83.33", "start_on": "2026-04-01",
        "lender": "Unity Co-operative Bank", "loan_reference": "CAP-2026-017"})
    assert response.status_code == 201
    balances = []
    for pay_date in ("2026-04-30", "2026-05-29"):
        run = pay_through(client, clerk, second_clerk, pay_date)
        remittances = client.get(f"{API}/pay-runs/{run['id']}/remittances", headers=clerk).get_json()
        assert [(r["lender"], r["loan_reference"], r["employee"], r["amount"]) for r in remittances] == [
            ("Unity Co-operative Bank", "CAP-2026-017", "Zofia Kowalska", "83.33")]
        balances.append(remittances[0]["balance_after"])
    assert balances == ["2916.67", "2833.34"]
    schedules = client.get(f"{API}/employees/{employee['id']}/capital-schedules", headers=clerk).get_json()
    assert (schedules[0]["deducted"], schedules[0]["balance"]) == ("166.66", "2833.34")


def test_a_loan_repayment_needs_its_lender_and_reference(client, clerk):
    employee = add_employee(client, clerk)
    response = client.post(f"{API}/employees/{employee['id']}/capital-schedules", headers=clerk, json={
        "kind": "loan_repayment", "total": "3000.00", "per_period": "83.33", "start_on": "2026-04-01"})
    assert response.status_code == 422 and "lender" in response.get_json()["errors"]


def test_capital_deductions_come_after_tax_and_reduce_net_pay(client, clerk):
    employee = add_employee(client, clerk)
    client.post(f"{API}/employees/{employee['id']}/capital-schedules", headers=clerk, json={
        "kind": "loan_repayment", "total": "3000.00", "per_period": "83.33", "start_on": "2026-04-01",
        "lender": "Unity Co-operative Bank", "loan_reference": "CAP-2026-018"})
    run = open_run(client, clerk)
    act(client, clerk, run["id"], "calculate")
    slip = payslips(client, clerk, run["id"])[0]
    # same tax and NI as without the loan (290.20, 116.16, pension 79.20): 2,014.44 - 83.33
    assert (slip["income_tax"], slip["capital_loan"], slip["net_pay"]) == ("290.20", "83.33", "1931.11")
