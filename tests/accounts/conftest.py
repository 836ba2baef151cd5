"""Accounts fixtures: a co-op with a treasurer and a viewer, their tokens, and upload/count helpers."""

import io

import pytest
from sqlalchemy import func, select

from consortium.clock import local_today
from consortium.extensions import db
from consortium.tenancy import consortium_scope
from tenants.accounts import service
from tenants.accounts.models import AccountsVersion
from tests.accounts.helpers import LAST_YEAR
from tests.conftest import token_for

SLUG = "coop-conti"
URL = f"/api/v1/t/{SLUG}/accounts"
TREASURER = "treasurer@conti.test"
VIEWER = "viewer@conti.test"


@pytest.fixture
def coop(factory):
    """A co-op with a treasurer and a viewer."""
    tenant = factory.tenant(SLUG, name="Conti Sociale")
    factory.user(TREASURER, {"role": "treasurer", "tenant": SLUG})
    factory.user(VIEWER, {"role": "viewer", "tenant": SLUG})
    return tenant


@pytest.fixture
def treasurer(client, coop):
    """Bearer headers of the co-op's treasurer."""
    return token_for(client, TREASURER)


@pytest.fixture
def viewer(client, coop):
    """Bearer headers of the co-op's viewer."""
    return token_for(client, VIEWER)


@pytest.fixture
def consortium_officer(factory):
    """A consortium admin's user id, for reviews done through the service functions."""
    return factory.user("officer@consortium.test", {"role": "consortium_admin"})


@pytest.fixture
def review(app, consortium_officer):
    """Run a consortium review function on a submission, as the fund's code will: consortium scope, no tenant."""

    def run(version_id: int, action: str, **kwargs):
        with app.app_context(), consortium_scope(db.session):
            version = service.get_submission(db.session, version_id)
            if action == "accept":
                kwargs = {"accepted_by": consortium_officer, "accepted_on": local_today(), **kwargs}
                service.mark_accepted(db.session, version, **kwargs)
            elif action == "return":
                service.mark_returned(db.session, version, returned_by=consortium_officer, **kwargs)
            else:
                service.reopen(db.session, version, by=consortium_officer, **kwargs)
            db.session.commit()

    return run


@pytest.fixture
def accept(review):
    """Accept a submitted version as the consortium."""
    return lambda version_id: review(version_id, "accept")


def post_accounts(client, headers, data: bytes, filename: str, year=LAST_YEAR, extra_headers=None):
    """POST a multipart upload of `data` as `filename` for `year`."""
    return client.post(URL, headers={**headers, **(extra_headers or {})},
                       data={"year": str(year), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def saved_versions(app) -> int:
    """How many accounts versions exist in the whole database."""
    with app.app_context(), consortium_scope(db.session):
        query = select(func.count()).select_from(AccountsVersion).execution_options(all_tenants=True)
        count = db.session.scalar(query)
        db.session.rollback()
        return count
