"""Purchasing fixtures: the office, two co-ops and staff; a supplier with gloves (3 tiers) and gel (minimum 50 l)."""

import pytest

from tests.conftest import token_for
from tests.purchasing.helpers import STAFF, add_items, add_supplier, make_world, open_round


@pytest.fixture
def world(factory):
    return make_world(factory)


@pytest.fixture
def staff(client, world):
    return token_for(client, STAFF)


@pytest.fixture
def treasurers(client, world):
    return {"a": token_for(client, "treasurer.a@example.test"), "b": token_for(client, "treasurer.b@example.test")}


@pytest.fixture
def catalogue(client, staff):
    supplier_id = add_supplier(client, staff)
    return {"supplier": supplier_id, **add_items(client, staff, supplier_id)}


@pytest.fixture
def purchase_round(client, staff, catalogue):
    return open_round(client, staff, catalogue["supplier"])
