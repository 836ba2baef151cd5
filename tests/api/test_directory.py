"""Member co-ops and users through the API: what the consortium admin does, and every bad input."""

import pytest
from sqlalchemy import func, select

from consortium.extensions import db
from consortium.models import Tenant, User
from tests.conftest import token_for

GOOD_TENANT = {"slug": "girasole", "name": "Il Girasole", "country": "it", "legal_form": "social_coop_a",
               "vat_number": "IT00743110157", "founding_date": "2010-05-01"}


@pytest.fixture
def admin(client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    return token_for(client, "admin@example.test")


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("change", "field"), [
    ({"vat_number": "IT00743110158"}, "vat_number"),
    ({"slug": "Not URL safe!"}, "slug"),
    ({"slug": "double--hyphen"}, "slug"),
    ({"legal_form": "coop_society"}, "legal_form"),  # a UK form for an Italian co-op
    ({"founding_date": "2999-01-01"}, "founding_date"),
    ({"country": "fr"}, "country"),
    ({"founding_date": 20100501}, "founding_date"),
    ({"owner": "me"}, "owner"),
    ({"sponsor": "no-such-coop"}, "sponsor"),
])
def test_bad_tenant_input_names_the_field_and_saves_nothing(app, client, admin, change, field):
    response = client.post("/api/v1/tenants", headers=admin, json={**GOOD_TENANT, **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert _count(app, Tenant) == 0


def test_duplicate_slug_is_a_conflict(app, client, admin):
    assert client.post("/api/v1/tenants", headers=admin, json=GOOD_TENANT).status_code == 201
    response = client.post("/api/v1/tenants", headers=admin, json={**GOOD_TENANT, "name": "Copy"})
    assert response.status_code == 409 and "slug" in response.get_json()["errors"]
    assert _count(app, Tenant) == 1


def test_sponsor_lineage_refuses_cycles(client, admin):
    client.post("/api/v1/tenants", headers=admin, json=GOOD_TENANT)
    child = {**GOOD_TENANT, "slug": "runner", "vat_number": None, "sponsor": "girasole"}
    assert client.post("/api/v1/tenants", headers=admin, json=child).status_code == 201
    assert client.get("/api/v1/tenants/runner", headers=admin).get_json()["sponsor"] == "girasole"
    response = client.patch("/api/v1/tenants/girasole", headers=admin, json={"sponsor": "runner"})
    assert response.status_code == 422 and "sponsor" in response.get_json()["errors"]
    response = client.patch("/api/v1/tenants/girasole", headers=admin, json={"sponsor": "girasole"})
    assert response.status_code == 422


def test_patch_tenant_and_slug_is_fixed(client, admin):
    client.post("/api/v1/tenants", headers=admin, json=GOOD_TENANT)
    response = client.patch("/api/v1/tenants/girasole", headers=admin, json={"name": "Il Girasole Nuovo"})
    assert response.status_code == 200 and response.get_json()["name"] == "Il Girasole Nuovo"
    assert client.patch("/api/v1/tenants/girasole", headers=admin, json={"slug": "x"}).status_code == 422


def test_user_with_roles_and_invitation(app, client, admin):
    client.post("/api/v1/tenants", headers=admin, json=GOOD_TENANT)
    response = client.post("/api/v1/users", headers=admin, json={
        "email": "t@example.test", "name": "Teresa",
        "roles": [{"role": "treasurer", "tenant": "girasole"}, {"role": "consortium_staff"}]})
    assert response.status_code == 201
    user = response.get_json()
    assert user["invitation_url"].startswith("http") and "/invitation/" in user["invitation_url"]
    assert {"role": "treasurer", "tenant": "girasole"} in user["roles"]
    assert "password" not in user
    response = client.patch(f"/api/v1/users/{user['id']}", headers=admin, json={"roles": [{"role": "viewer",
                                                                                            "tenant": "girasole"}]})
    assert response.get_json()["roles"] == [{"role": "viewer", "tenant": "girasole"}]


@pytest.mark.parametrize(("body", "field"), [
    ({"email": "not-an-email", "name": "X"}, "email"),
    ({"email": "x@example.test", "name": "X", "roles": [{"role": "treasurer"}]}, "roles[0]"),
    ({"email": "x@example.test", "name": "X", "roles": [{"role": "consortium_staff", "tenant": "girasole"}]},
     "roles[0]"),
    ({"email": "x@example.test", "name": "X", "roles": [{"role": "emperor"}]}, "roles"),
    ({"email": "x@example.test", "name": "X", "password": "short"}, "password"),
])
def test_bad_user_input_names_the_field_and_saves_nothing(app, client, admin, body, field):
    client.post("/api/v1/tenants", headers=admin, json=GOOD_TENANT)
    before = _count(app, User)
    response = client.post("/api/v1/users", headers=admin, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert _count(app, User) == before


def test_duplicate_email_is_a_conflict(client, admin):
    response = client.post("/api/v1/users", headers=admin, json={"email": "ADMIN@example.test", "name": "Again"})
    assert response.status_code == 409


def test_treasurer_sees_only_their_coops(client, admin, factory):
    client.post("/api/v1/tenants", headers=admin, json=GOOD_TENANT)
    client.post("/api/v1/tenants", headers=admin, json={**GOOD_TENANT, "slug": "other", "vat_number": None})
    factory.user("t@example.test", {"role": "treasurer", "tenant": "girasole"})
    treasurer = token_for(client, "t@example.test")
    assert [t["slug"] for t in client.get("/api/v1/tenants", headers=treasurer).get_json()] == ["girasole"]
    assert client.get("/api/v1/tenants/other", headers=treasurer).status_code == 404
