"""Tendering fixtures: consortium staff, two co-ops with treasurers and profiles, and a Find-a-Tender-shaped
notice imported through the API."""

import pytest

from tests.conftest import token_for
from tests.tendering.helpers import STAFF, import_package
from tests.tendering.samples import fts_release, release_package


@pytest.fixture
def staff(client, factory, two_coops):
    """Bearer headers of a consortium staff member (the two co-ops exist)."""
    factory.user(STAFF, {"role": "consortium_staff"})
    return token_for(client, STAFF)


@pytest.fixture
def treasurers(client, two_coops):
    """Bearer headers of co-op A's and co-op B's treasurers."""
    return {"a": token_for(client, "treasurer.a@example.test"), "b": token_for(client, "treasurer.b@example.test")}


@pytest.fixture
def notice(client, staff):
    """A two-lot home-care notice (UK4 shape), imported; returns its id."""
    import_package(client, staff, release_package([fts_release(1)]))
    return client.get("/api/v1/consortium/tenders", headers=staff).get_json()[0]["id"]
