"""API conventions: RFC 7807 problems naming fields, pagination, Idempotency-Key, OpenAPI."""

from sqlalchemy import func, select

from consortium.extensions import db
from consortium.tenancy import tenant_scope
from tenants.members.models import Member
from tests.conftest import token_for


def _member_count(app, tenant):
    with app.app_context(), tenant_scope(db.session, tenant.id):
        return db.session.scalar(select(func.count()).select_from(Member))


def test_validation_errors_are_problems_naming_each_field(client, two_coops):
    headers = token_for(client, "treasurer.a@example.test")
    response = client.post("/api/v1/t/coop-a/members", headers=headers,
                           json={"name": "X", "category": "pirate", "joined_on": "not a date", "colour": "red"})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and problem["title"]
    assert set(problem["errors"]) == {"category", "joined_on", "colour"}
    assert "Unknown field" in problem["errors"]["colour"][0]
    assert "category" in problem["detail"]


def test_lists_paginate_with_a_header(app, client, factory, two_coops):
    for index in range(5):
        factory.member(two_coops["a"], name=f"Person {index}")
    headers = token_for(client, "treasurer.a@example.test")
    response = client.get("/api/v1/t/coop-a/members?page=2&page_size=2", headers=headers)
    assert response.status_code == 200
    assert [m["name"] for m in response.get_json()] == ["Person 1", "Person 2"]
    assert '"total": 6' in response.headers["X-Pagination"]
    assert client.get("/api/v1/t/coop-a/members?page_size=100000", headers=headers).status_code == 422


def test_idempotency_key_replays_a_post_instead_of_repeating_it(app, client, two_coops):
    headers = {**token_for(client, "treasurer.a@example.test"), "Idempotency-Key": "member-42"}
    body = {"name": "Once Only", "category": "volunteer", "joined_on": "2022-03-01"}
    first = client.post("/api/v1/t/coop-a/members", headers=headers, json=body)
    second = client.post("/api/v1/t/coop-a/members", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _member_count(app, two_coops["a"]) == 2
    reused = client.post("/api/v1/t/coop-a/members", headers=headers, json={**body, "name": "Other"})
    assert reused.status_code == 422 and "Idempotency-Key" in reused.get_json()["errors"]


def test_failed_post_is_not_remembered_under_its_key(app, client, two_coops):
    headers = {**token_for(client, "treasurer.a@example.test"), "Idempotency-Key": "retry-me"}
    bad = client.post("/api/v1/t/coop-a/members", headers=headers, json={"name": "X"})
    assert bad.status_code == 422
    good = client.post("/api/v1/t/coop-a/members", headers=headers,
                       json={"name": "X", "category": "worker", "joined_on": "2022-01-01"})
    assert good.status_code == 201


def test_openapi_and_docs_page_are_served(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/t/{slug}/members" in spec["paths"]
    assert "/api/v1/auth/token" in spec["paths"]
    assert "bearer" in spec["components"]["securitySchemes"]
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/tenants" in page


def test_unknown_api_path_is_a_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.content_type == "application/problem+json"
