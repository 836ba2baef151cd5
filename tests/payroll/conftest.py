"""Payroll fixtures: a UK co-op with two payroll clerks, a treasurer and a viewer, and their tokens."""

import pytest

from tests.conftest import token_for

SLUG = "coop-paga"
API = f"/api/v1/t/{SLUG}"
CLERK = "clerk@paga.test"
SECOND_CLERK = "clerk2@paga.test"
TREASURER = "treasurer@paga.test"
VIEWER = "viewer@paga.test"


@pytest.fixture
def coop(factory):
    """A UK co-op with its payroll people."""
    tenant = factory.tenant(SLUG, name="Paga Workers Co-op", address="3 Loom Street", city="Leeds",
                            postcode="LS2 7HY")
    factory.user(CLERK, {"role": "payroll_clerk", "tenant": SLUG})
    factory.user(SECOND_CLERK, {"role": "payroll_clerk", "tenant": SLUG})
    factory.user(TREASURER, {"role": "treasurer", "tenant": SLUG})
    factory.user(VIEWER, {"role": "viewer", "tenant": SLUG})
    return tenant


@pytest.fixture
def clerk(client, coop):
    """Headers of the first payroll clerk."""
    return token_for(client, CLERK)


@pytest.fixture
def second_clerk(client, coop):
    """Headers of the second payroll clerk (the approver)."""
    return token_for(client, SECOND_CLERK)


def as_json(data: dict) -> dict:
    """Service-shaped test data as the API takes it (dates and Decimals as strings, None left out)."""
    return {key: value if isinstance(value, bool | int | list) else str(value)
            for key, value in data.items() if value is not None}


def add_employee(client, headers, **fields) -> dict:
    """POST an employee (a monthly 1257L one on 30,000 unless `fields` say otherwise); returns its JSON."""
    from tests.payroll.helpers import employee_data

    response = client.post(f"{API}/employees", json=as_json(employee_data(**fields)), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def open_run(client, headers, pay_date: str = "2026-04-30", frequency: str = "monthly") -> dict:
    """POST a pay run; returns its JSON."""
    response = client.post(f"{API}/pay-runs", json={"frequency": frequency, "pay_date": pay_date}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, headers, run_id: int, action: str, status: int = 200) -> dict:
    """POST calculate / approve / pay on a run and check the status."""
    response = client.post(f"{API}/pay-runs/{run_id}/{action}", headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def pay_through(client, clerk, approver, pay_date: str = "2026-04-30") -> dict:
    """Open, calculate (clerk), approve and pay (approver) a monthly run; returns the paid run."""
    run = open_run(client, clerk, pay_date)
    act(client, clerk, run["id"], "calculate")
    act(client, approver, run["id"], "approve")
    return act(client, approver, run["id"], "pay")


def payslips(client, headers, run_id: int) -> list[dict]:
    """The run's payslips as JSON."""
    response = client.get(f"{API}/pay-runs/{run_id}/payslips", headers=headers)
    assert response.status_code == 200
    return response.get_json()
