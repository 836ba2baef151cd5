"""Logging in, tokens, invitations, CSRF and the login rate limit."""

import re

import pytest

from consortium.app import create_app
from consortium.extensions import db
from consortium.models import User
from tests.conftest import PASSWORD, TEST_SETTINGS, login, token_for


@pytest.fixture
def admin(factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    return "admin@example.test"


def test_passwords_are_stored_as_argon2id(app, admin):
    with app.app_context():
        stored = db.session.query(User).filter_by(email=admin).one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_login_page_logs_in_and_out(client, admin):
    assert login(client, admin, "wrong-password").status_code == 200
    assert client.get("/").status_code == 302
    response = login(client, admin)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, admin" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_login_refuses_offsite_next(client, admin):
    response = client.post("/login?next=//evil.example/", data={"email": admin, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_token_wrong_password_is_401_problem(client, admin):
    response = client.post("/api/v1/auth/token", json={"email": admin, "password": "nope"})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


def test_api_without_token_is_401_and_a_session_cookie_is_not_enough(client, admin):
    assert client.get("/api/v1/tenants").status_code == 401
    login(client, admin)
    assert client.get("/api/v1/tenants").status_code == 401


def test_revoked_token_stops_working(client, admin):
    headers = token_for(client, admin)
    assert client.get("/api/v1/tenants", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/tenants", headers=headers).status_code == 401


def test_disabled_user_cannot_use_tokens_or_log_in(client, factory, admin):
    factory.user("leaver@example.test", {"role": "consortium_staff"})
    staff = token_for(client, "leaver@example.test")
    admin_headers = token_for(client, admin)
    users = client.get("/api/v1/users", headers=admin_headers).get_json()
    leaver = next(u for u in users if u["email"] == "leaver@example.test")
    assert client.patch(f"/api/v1/users/{leaver['id']}", headers=admin_headers,
                        json={"is_active": False}).status_code == 200
    assert client.get("/api/v1/tenants", headers=staff).status_code == 401
    assert login(client, "leaver@example.test").status_code == 200  # form shown again, not logged in


def test_invitation_link_sets_the_password(client, admin):
    headers = token_for(client, admin)
    response = client.post("/api/v1/users", headers=headers, json={"email": "new@example.test", "name": "New"})
    assert response.status_code == 201
    url = response.get_json()["invitation_url"]
    path = re.sub(r"^https?://[^/]+", "", url)
    assert "Choose a password" in client.get(path).get_data(as_text=True)
    mismatch = client.post(path, data={"password": "long-enough-1", "password_again": "different-22"})
    assert "the two passwords differ" in mismatch.get_data(as_text=True)
    assert client.post(path, data={"password": "long-enough-1", "password_again": "long-enough-1"}).status_code == 302
    assert client.get(path).status_code == 404  # the link works once
    client.post("/logout")
    assert login(client, "new@example.test", "long-enough-1").status_code == 302


def test_forms_need_a_csrf_token(database, factory, admin):
    app = create_app({**TEST_SETTINGS, **database, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    response = client.post("/login", data={"email": admin, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"email": admin, "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_login_is_rate_limited(database, factory, admin, tmp_path):
    counters = f"sqlitefile://{tmp_path / 'ratelimit.sqlite3'}"  # the default storage kind, in a file of its own
    app = create_app({**TEST_SETTINGS, **database, "LOGIN_RATE_LIMIT": "3 per minute",
                      "RATELIMIT_STORAGE_URI": counters})
    client = app.test_client()
    codes = [client.post("/api/v1/auth/token", json={"email": admin, "password": "bad"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    codes = [client.post("/login", data={"email": admin, "password": "bad"}).status_code for _ in range(4)]
    assert codes[-1] == 429


# One gunicorn worker: a process of its own that counts 25 login attempts from one address.
WORKER = """
import sys
from limits.storage import storage_from_string
import consortium.ratelimit
storage = storage_from_string(sys.argv[1])
for _ in range(25):
    storage.incr("login/127.0.0.1", 60)
"""


def test_the_default_limiter_storage_counts_every_worker_process_together(tmp_path):
    """Gunicorn runs several worker processes: each must see the others' attempts, not count alone."""
    import subprocess
    import sys

    from limits.storage import storage_from_string

    from consortium.config import Config

    assert Config.RATELIMIT_STORAGE_URI.startswith("sqlitefile://")
    uri = f"sqlitefile://{tmp_path / 'ratelimit.sqlite3'}"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, uri]) for _ in range(4)]
    assert [worker.wait(60) for worker in workers] == [0, 0, 0, 0]
    storage = storage_from_string(uri)
    assert storage.get("login/127.0.0.1") == 100  # no hit lost to a concurrent worker
    assert storage.get("login/other") == 0


def test_a_counter_window_closes_after_its_expiry(tmp_path, monkeypatch):
    from limits.storage import storage_from_string

    from consortium import ratelimit

    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    storage = storage_from_string(f"sqlitefile://{tmp_path / 'ratelimit.sqlite3'}")
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get_expiry("k") == 1_000_060.0
    now[0] += 61
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1  # a fresh window
