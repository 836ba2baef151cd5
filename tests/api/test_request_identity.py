"""A bearer request's user, roles and co-op come from one query of that request (issue 16): nothing about who
asks or which co-op they may enter is kept between requests, so a change is obeyed on the very next one, and
two users taking turns on the same worker each get only their own co-op's data."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, text

from consortium.extensions import db
from consortium.tenancy import is_scope_statement
from tests.conftest import token_for, unrestricted


def test_removed_role_stops_working_on_the_next_request(client, factory):
    coop = factory.tenant("coop-a")
    factory.member(coop, name="Alice of A")
    factory.user("admin@example.test", {"role": "consortium_admin"})
    treasurer_id = factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"})
    treasurer, admin = token_for(client, "t@example.test"), token_for(client, "admin@example.test")
    assert client.get("/api/v1/t/coop-a/members", headers=treasurer).status_code == 200

    changed = client.patch(f"/api/v1/users/{treasurer_id}", headers=admin, json={"roles": []})
    assert changed.status_code == 200, changed.get_json()
    assert client.get("/api/v1/t/coop-a/members", headers=treasurer).status_code == 401  # losing a role ends tokens


def _set_role(app, user_id: int, role: str | None) -> None:
    """Change the user's role in the database directly, leaving their tokens alone (as any other path might)."""
    with unrestricted(app) as connection:
        connection.execute(text("DELETE FROM role_assignments WHERE user_id = :u"), {"u": user_id})
        if role:
            connection.execute(text("INSERT INTO role_assignments (user_id, role, tenant_id) "
                                    "SELECT :u, :r, id FROM tenants WHERE slug = 'coop-a'"), {"u": user_id, "r": role})
        connection.commit()


def test_role_removed_or_lowered_in_the_database_is_obeyed_on_the_next_request(app, client, factory):
    factory.tenant("coop-a")
    treasurer_id = factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"})
    headers = token_for(client, "t@example.test")
    member = {"name": "Bruno", "category": "worker", "joined_on": "2024-01-01"}
    assert client.post("/api/v1/t/coop-a/members", headers=headers, json=member).status_code == 201

    _set_role(app, treasurer_id, "viewer")
    assert client.post("/api/v1/t/coop-a/members", headers=headers, json=member).status_code == 403
    assert client.get("/api/v1/t/coop-a/members", headers=headers).status_code == 200
    _set_role(app, treasurer_id, None)
    assert client.get("/api/v1/t/coop-a/members", headers=headers).status_code == 404  # as if it did not exist
    _set_role(app, treasurer_id, "treasurer")
    assert client.get("/api/v1/t/coop-a/members", headers=headers).status_code == 200


def test_revoked_token_is_refused_on_the_next_request_of_a_co_op_route(client, factory):
    coop = factory.tenant("coop-a")
    factory.member(coop)
    factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"})
    headers = token_for(client, "t@example.test")
    assert client.get("/api/v1/t/coop-a/members", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/t/coop-a/members", headers=headers).status_code == 401


def test_users_taking_turns_each_get_only_their_own_co_op(client, factory):
    a, b = factory.tenant("coop-a"), factory.tenant("coop-b")
    factory.member(a, name="Alice of A")
    factory.member(b, name="Bob of B")
    factory.user("ta@example.test", {"role": "treasurer", "tenant": "coop-a"})
    factory.user("tb@example.test", {"role": "treasurer", "tenant": "coop-b"})
    ta, tb = token_for(client, "ta@example.test"), token_for(client, "tb@example.test")
    for _ in range(3):
        assert [m["name"] for m in client.get("/api/v1/t/coop-a/members", headers=ta).get_json()] == ["Alice of A"]
        assert [m["name"] for m in client.get("/api/v1/t/coop-b/members", headers=tb).get_json()] == ["Bob of B"]
        assert client.get("/api/v1/t/coop-b/members", headers=ta).status_code == 404
        assert client.get("/api/v1/t/coop-a/members", headers=tb).status_code == 404


def test_token_roles_and_co_op_are_one_query(app, client, factory):
    coop = factory.tenant("coop-a")
    factory.member(coop)
    factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"}, {"role": "viewer", "tenant": "coop-a"})
    headers = token_for(client, "t@example.test")
    with app.app_context():
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/api/v1/t/coop-a/members", headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    queries = [s for s in statements if not is_scope_statement(s) and s.lstrip().upper().startswith("SELECT")]
    # the token with its user, roles and co-ops; then the page and its count: nothing read twice
    assert len(queries) == 3, "\n".join(queries)
    assert "api_tokens" in queries[0] and "role_assignments" in queries[0] and "tenants" in queries[0]


def test_expired_token_or_user_deactivated_in_the_database_is_refused_on_the_next_request(app, client, factory):
    """The API principal is read as columns every request: expiry and the user's active flag are checked there."""
    coop = factory.tenant("coop-a")
    factory.member(coop)
    factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"})
    factory.user("u@example.test", {"role": "treasurer", "tenant": "coop-a"})
    expiring, leaving = token_for(client, "t@example.test"), token_for(client, "u@example.test")
    assert client.get("/api/v1/t/coop-a/members", headers=expiring).status_code == 200
    assert client.get("/api/v1/t/coop-a/members", headers=leaving).status_code == 200
    with unrestricted(app) as connection:
        connection.execute(text("UPDATE api_tokens SET expires_at = :past WHERE user_id = "
                                "(SELECT id FROM users WHERE email = 't@example.test')"),
                           {"past": datetime.now(UTC) - timedelta(seconds=1)})
        connection.execute(text("UPDATE users SET is_active = :off WHERE email = 'u@example.test'"), {"off": False})
        connection.commit()
    assert client.get("/api/v1/t/coop-a/members", headers=expiring).status_code == 401
    assert client.get("/api/v1/t/coop-a/members", headers=leaving).status_code == 401
    assert client.get("/api/v1/tenants", headers=leaving).status_code == 401


def test_a_role_in_one_co_op_never_opens_another_by_its_slug(client, factory):
    """The co-op comes only with a role the user holds in it: another co-op's slug is not found."""
    a, b = factory.tenant("coop-a"), factory.tenant("coop-b")
    factory.member(a, name="Alice of A")
    factory.member(b, name="Bob of B")
    factory.user("t@example.test", {"role": "viewer", "tenant": "coop-a"})
    headers = token_for(client, "t@example.test")
    assert [m["name"] for m in client.get("/api/v1/t/coop-a/members", headers=headers).get_json()] == ["Alice of A"]
    assert client.get("/api/v1/t/coop-b/members", headers=headers).status_code == 404
    assert client.get("/api/v1/t/no-such-coop/members", headers=headers).status_code == 404
