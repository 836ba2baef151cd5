"""Each role against each route family: who may read, who may write, who is turned away and how."""

import pytest

from tests.conftest import token_for

ROLES = {
    "consortium_admin": [{"role": "consortium_admin"}],
    "consortium_staff": [{"role": "consortium_staff"}],
    "treasurer": [{"role": "treasurer", "tenant": "coop-a"}],
    "payroll_clerk": [{"role": "payroll_clerk", "tenant": "coop-a"}],
    "viewer": [{"role": "viewer", "tenant": "coop-a"}],
    "mentor": [{"role": "mentor"}],
}

NEW_MEMBER = {"name": "New", "category": "worker", "joined_on": "2021-01-01"}
NEW_TENANT = {"slug": "coop-new", "name": "New Co-op", "country": "uk", "legal_form": "cic"}
NEW_USER = {"email": "someone@example.test", "name": "Someone"}

# (method, path, body) -> {role: expected status}; unlisted roles expect the family's default.
MATRIX = [
    (("GET", "/api/v1/t/coop-a/members", None),
     {"treasurer": 200, "payroll_clerk": 200, "viewer": 200, "default": 404}),
    (("POST", "/api/v1/t/coop-a/members", NEW_MEMBER),
     {"treasurer": 201, "payroll_clerk": 403, "viewer": 403, "default": 404}),
    (("GET", "/api/v1/t/coop-a/audit", None),
     {"treasurer": 200, "payroll_clerk": 403, "viewer": 403, "default": 404}),
    (("GET", "/api/v1/tenants", None), {"default": 200}),
    (("POST", "/api/v1/tenants", NEW_TENANT), {"consortium_admin": 201, "default": 403}),
    (("PATCH", "/api/v1/tenants/coop-a", {"name": "Renamed"}), {"consortium_admin": 200, "default": 403}),
    (("GET", "/api/v1/users", None), {"consortium_admin": 200, "default": 403}),
    (("POST", "/api/v1/users", NEW_USER), {"consortium_admin": 201, "default": 403}),
    (("GET", "/api/v1/consortium/audit", None), {"consortium_admin": 200, "default": 403}),
]


@pytest.fixture
def tokens(client, factory):
    factory.tenant("coop-a")
    result = {}
    for role, grants in ROLES.items():
        email = f"{role}@example.test"
        factory.user(email, *grants)
        result[role] = token_for(client, email)
    return result


@pytest.mark.parametrize(("request_spec", "expected"), MATRIX, ids=[f"{m} {p}" for (m, p, _), _ in MATRIX])
def test_role_matrix(client, tokens, request_spec, expected):
    method, path, body = request_spec
    for role, headers in tokens.items():
        response = client.open(path, method=method, headers=headers, json=body)
        want = expected.get(role, expected["default"])
        assert response.status_code == want, f"{role} {method} {path}: {response.status_code} {response.get_data()}"
        if want in (403, 404):
            assert response.content_type == "application/problem+json"


PAGES = [
    ("/", {"default": 200}),
    ("/t/coop-a/", {"treasurer": 200, "payroll_clerk": 200, "viewer": 200, "default": 404}),
    ("/t/coop-a/members/", {"treasurer": 200, "payroll_clerk": 200, "viewer": 200, "default": 404}),
    ("/t/coop-a/members/new", {"treasurer": 200, "payroll_clerk": 403, "viewer": 403, "default": 404}),
    ("/consortium/tenants", {"consortium_admin": 200, "consortium_staff": 200, "default": 403}),
    ("/consortium/tenants/new", {"consortium_admin": 200, "default": 403}),
    ("/consortium/users", {"consortium_admin": 200, "default": 403}),
]


@pytest.mark.parametrize(("path", "expected"), PAGES, ids=[p for p, _ in PAGES])
def test_page_role_matrix(app, factory, tokens, path, expected):
    from tests.conftest import login

    for role in ROLES:
        client = app.test_client()
        login(client, f"{role}@example.test")
        response = client.get(path)
        want = expected.get(role, expected["default"])
        assert response.status_code == want, f"{role} GET {path}: {response.status_code}"
