"""Every route, found by walking the URL map, turns strangers away; every form that posts carries a CSRF token.

New routes are covered automatically: an anonymous request to anything but the public allow-list
must get 401 (API) or a redirect to the login page (pages).
"""

import re
from pathlib import Path

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Endpoints anyone may reach without logging in, and why.
PUBLIC_ENDPOINTS = {
    "shell.login",  # the login form
    "shell.logout",  # logging out when not logged in just shows the login page
    "shell.choose_language",  # the login page itself offers the choice of language
    "static",
    "shell.favicon",  # the app's icon, asked for by browsers before anyone logs in
    "api-docs.openapi_json",  # the API's description holds no data
    "shell.api_docs",  # the API reference page and its Swagger UI files (no data)
    "shell.api_docs_asset",
    "directory.accept_invitation",  # the invitation link is its own secret
    "auth.TokenResource",  # POST: email and password in, token out; DELETE revokes the token it carries
    "health.healthz",  # what a load balancer polls: up or not, no data
    "training_public.verify_form",  # anyone checks a training certificate's code: name, course, date, validity
    "training_public.verify",
}


def sample_url(rule) -> str:
    """The rule's URL with every parameter filled in (ids 1, slugs and paths 'x')."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def protected_routes(app):
    routes = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS
              for method in sorted(rule.methods & set(METHODS))]
    assert len(routes) > 50, "the URL-map walk found too few routes"
    return routes


def test_anonymous_requests_to_every_non_public_route_are_refused(app, client):
    failures = []
    for rule, method in protected_routes(app):
        url = sample_url(rule)
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            ok = response.status_code == 401 and response.content_type == "application/problem+json"
        else:
            ok = response.status_code == 302 and response.headers["Location"].startswith("/login")
        if not ok:
            failures.append(f"{method} {rule.rule} ({rule.endpoint}): {response.status_code}")
    assert not failures, "reachable without logging in:\n" + "\n".join(failures)


def test_a_page_session_never_opens_the_api_and_a_token_never_opens_a_page(app, client, factory):
    """The API is exempt from CSRF, so a browser's cookie must not authorise it; a token is not a page login."""
    factory.user("admin@example.test", {"role": "consortium_admin"})
    login(client, "admin@example.test")
    api_rules = [rule for rule, method in protected_routes(app) if rule.rule.startswith("/api/") and method == "GET"]
    refused = {rule.rule: client.get(sample_url(rule)).status_code for rule in api_rules}
    assert set(refused.values()) == {401}, refused

    token = app.test_client().post("/api/v1/auth/token", json={"email": "admin@example.test",
                                                                 "password": "correct-horse-battery"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    response = app.test_client().get("/consortium/users", headers=headers)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def template_files():
    for package in ("consortium", "tenants", "shared_services", "plugins"):
        yield from (ROOT / package).rglob("templates/**/*.html")


def test_every_form_that_posts_carries_a_csrf_token():
    missing = []
    forms = 0
    for path in template_files():
        for form in re.findall(r"<form\b.*?</form>", path.read_text(), flags=re.S | re.I):
            if not re.search(r"method=[\"']?post", form, flags=re.I):
                continue
            forms += 1
            if not re.search(r"csrf\(\)|csrf_token\b|hidden_tag\(\)", form):
                missing.append(f"{path.relative_to(ROOT)}: {form[:80]!r}")
    assert forms > 20, "the template scan found too few forms"
    assert not missing, "forms posting without a CSRF token:\n" + "\n".join(missing)


# Endpoints any logged-in user may open whatever their roles: their own home, settings and lists
# that show only what they hold a role for.
ANY_USER_ROUTES = {
    "GET shell.home",
    "GET shell.switch_tenant",  # redirects to a co-op's home, which checks the role
    "GET notifications.email_preferences",
    "POST notifications.email_preferences",
    "GET shell.change_password",  # their own password
    "POST shell.change_password",
    "GET incubation.projects",  # lists only the projects the user mentors (none here)
    "GET incubation.my_projects",
    "GET incubation_api.ProjectsResource",
    "GET tenants.TenantsResource",  # lists only the co-ops the user holds a role in (none here)
}


def test_a_user_without_any_role_is_refused_everywhere_but_their_own_pages(app, factory):
    factory.tenant("coop-a")
    factory.user("nobody@example.test")
    page_client, api_client = app.test_client(), app.test_client()
    login(page_client, "nobody@example.test")
    token = api_client.post("/api/v1/auth/token", json={"email": "nobody@example.test",
                                                         "password": "correct-horse-battery"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    failures = []
    for rule, method in protected_routes(app):
        if f"{method} {rule.endpoint}" in ANY_USER_ROUTES:
            continue
        url = sample_url(rule).replace("/t/x/", "/t/coop-a/")
        if url.startswith("/api/"):
            response = api_client.open(url, method=method, headers=headers, json={})
        else:
            response = page_client.open(url, method=method, data={})
        if response.status_code not in (403, 404):
            failures.append(f"{method} {rule.rule} ({rule.endpoint}): {response.status_code}")
    assert not failures, "open to a user holding no role:\n" + "\n".join(failures)
    assert api_client.get("/api/v1/tenants", headers=headers).get_json() == []
    assert "Coop A" not in page_client.get("/incubation/projects").get_data(as_text=True)
