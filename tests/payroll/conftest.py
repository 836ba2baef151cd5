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
