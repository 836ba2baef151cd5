"""Every tenant-scoped route, found by walking the URL map, refuses another co-op's slug and objects.

A user of co-op B (its treasurer, every co-op role) asks for co-op A's slug: always 404.
The same user asks through B's own slug for A's object ids: 404 (or a refusal that carries
none of A's data). A consortium admin without a role in A gets 404 too: a co-op's private
records are not shown to the consortium line by line.
"""

import re

import pytest

from tests.conftest import login, token_for
from tests.isolation.route_objects import OBJECT_MAKERS, STATE_REFUSALS

# Objects Citus cannot make yet, so the walk leaves their routes out there (and only there). Each gap has a strict
# xfail in tests/citus/test_citus.py that fails once the gap is closed, so it is taken out of this list. (Closing a
# purchasing round, the last one, writes only consortium rows since the allocations table went.)
CITUS_GAPS: set[str] = set()

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FOREIGN = "coop-alpha"
OWN = "coop-beta"


def tenant_routes(app, api: bool):
    """(rule, method) for every route whose URL names a co-op by slug."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "slug" not in rule.arguments or rule.rule.startswith("/api/") != api or rule.arguments & CITUS_GAPS:
            continue
        for method in sorted(rule.methods & set(METHODS)):
            routes.append((rule, method))
    assert routes, "no tenant routes found: the walk is broken"
    return routes


def build_url(rule, slug: str, objects: dict) -> str:
    url = rule.rule.replace("<slug>", slug)
    for param in rule.arguments - {"slug"}:
        if param not in OBJECT_MAKERS:
            pytest.fail(f"{rule.rule}: add a maker for <{param}> to tests/isolation/route_objects.py")
        url = re.sub(rf"<(?:[a-z]+:)?{param}>", str(objects[param]), url)
    return url


@pytest.fixture
def alpha_and_beta(factory):
    alpha = factory.tenant(FOREIGN, name="Alpha Secret Co-op")
    beta = factory.tenant(OWN, name="Beta Co-op")
    objects = {"alpha": {}, "beta": {}}
    for param, make in OBJECT_MAKERS.items():
        if param in CITUS_GAPS:
            continue
        objects["alpha"][param] = make(factory, alpha)
        objects["beta"][param] = make(factory, beta)
    every_coop_role = [{"role": role, "tenant": OWN} for role in ("treasurer", "payroll_clerk", "viewer")]
    factory.user("beta.all@example.test", *every_coop_role)
    factory.user("admin@example.test", {"role": "consortium_admin"})
    return objects


def _call(client, method, url, headers=None, api=True):
    if api:
        return client.open(url, method=method, headers=headers, json={})
    return client.open(url, method=method, data={})


def _leaks(response) -> bool:
    body = response.get_data(as_text=True)
    return FOREIGN in body or "Alpha Secret" in body


def test_api_routes_refuse_another_coops_slug_and_objects(app, client, alpha_and_beta):
    headers = token_for(client, "beta.all@example.test")
    admin = token_for(client, "admin@example.test")
    failures = []
    for rule, method in tenant_routes(app, api=True):
        foreign = build_url(rule, FOREIGN, alpha_and_beta["alpha"])
        for who, auth in (("beta user", headers), ("consortium admin", admin)):
            response = _call(client, method, foreign, auth)
            if response.status_code != 404 or _leaks(response):
                failures.append(f"{who} {method} {foreign}: {response.status_code}")
        if rule.arguments - {"slug"}:
            mixed = build_url(rule, OWN, alpha_and_beta["alpha"])
            response = _call(client, method, mixed, headers)
            if response.status_code not in (403, 404, 422) or _leaks(response):
                failures.append(f"beta user {method} {mixed}: {response.status_code}")
    assert not failures, "cross-tenant access:\n" + "\n".join(failures)


def test_pages_refuse_another_coops_slug_and_objects(app, client, alpha_and_beta):
    login(client, "beta.all@example.test")
    failures = []
    for rule, method in tenant_routes(app, api=False):
        foreign = build_url(rule, FOREIGN, alpha_and_beta["alpha"])
        response = _call(client, method, foreign, api=False)
        if response.status_code != 404 or _leaks(response):
            failures.append(f"{method} {foreign}: {response.status_code}")
        if rule.arguments - {"slug"}:
            mixed = build_url(rule, OWN, alpha_and_beta["alpha"])
            response = _call(client, method, mixed, api=False)
            if response.status_code not in (403, 404) or _leaks(response):
                failures.append(f"{method} {mixed}: {response.status_code}")
    assert not failures, "cross-tenant access:\n" + "\n".join(failures)


def test_own_routes_answer_so_the_refusals_above_mean_something(app, client, alpha_and_beta):
    """The same user reaches their own co-op's objects: the 404s above are isolation, not broken URLs."""
    headers = token_for(client, "beta.all@example.test")
    reached = 0
    for rule, method in tenant_routes(app, api=True):
        if method != "GET":
            continue
        response = client.get(build_url(rule, OWN, alpha_and_beta["beta"]), headers=headers)
        if rule.rule in STATE_REFUSALS:
            assert response.status_code == 409 and STATE_REFUSALS[rule.rule] in response.get_json()["errors"]
            continue
        assert response.status_code == 200, f"GET {rule.rule}: {response.status_code}"
        reached += 1
    assert reached >= 3
