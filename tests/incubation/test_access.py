"""Who sees which project: consortium staff all, a mentor only their own (others: 404, on every route),
read-only after conversion, nothing once removed."""

import io
import re

import pytest

from consortium.errors import NotFound
from consortium.extensions import db
from consortium.models import User
from shared_services.incubation import service
from shared_services.incubation.service import Forbidden
from tests.conftest import login, token_for
from tests.incubation.conftest import MENTOR_ONE, OUTSIDER, walk_to

API = "/api/v1/incubation/projects"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _user(email):
    from sqlalchemy import select

    return db.session.scalar(select(User).where(User.email == email))


def test_project_for_staff_mentor_outsider(app, factory, incubation):
    factory.user("generic.mentor@example.test", {"role": "mentor"})  # a mentor role on no project
    with app.app_context():
        staff, mentor = _user("staff@example.test"), _user(MENTOR_ONE)
        assert service.project_for(db.session, staff, incubation["two"], write=True).id == incubation["two"]
        assert service.project_for(db.session, mentor, incubation["one"], write=True).id == incubation["one"]
        for who, project_id in ((mentor, incubation["two"]), (mentor, 999), (staff, 999),
                                (_user(OUTSIDER), incubation["one"]),
                                (_user("generic.mentor@example.test"), incubation["one"])):
            with pytest.raises(NotFound):
                service.project_for(db.session, who, project_id)
        assert [p.id for p in db.session.scalars(service.projects_query(db.session, mentor))] == [incubation["one"]]
        assert len(db.session.scalars(service.projects_query(db.session, staff)).all()) == 2


def test_removing_a_mentor_ends_their_access_at_once(client, incubation):
    mentor = incubation["mentor_one"]
    assert client.get(f"{API}/{incubation['one']}", headers=mentor).status_code == 200
    response = client.delete(f"{API}/{incubation['one']}/mentors/{incubation['mentor_one_id']}",
                             headers=incubation["staff"])
    assert response.status_code == 204
    assert client.get(f"{API}/{incubation['one']}", headers=mentor).status_code == 404
    assert client.get(API, headers=mentor).get_json() == []
    assert client.post(f"{API}/{incubation['one']}/notes", headers=mentor,
                       json={"met_on": "2025-02-01", "attendees": "x"}).status_code == 404


def test_mentor_assignment_is_for_staff_and_refuses_duplicates_and_unknown_users(client, incubation):
    url = f"{API}/{incubation['one']}/mentors"
    assert client.post(url, headers=incubation["mentor_one"],
                       json={"user_id": incubation["mentor_two_id"]}).status_code == 403
    duplicate = client.post(url, headers=incubation["staff"], json={"user_id": incubation["mentor_one_id"]})
    assert duplicate.status_code == 409
    response = client.post(url, headers=incubation["staff"], json={"email": "nobody@example.test"})
    assert response.status_code == 422 and "email" in response.get_json()["errors"]
    response = client.post(url, headers=incubation["staff"], json={"email": "mentor.two@example.test"})
    assert response.status_code == 201
    assert client.get(f"{API}/{incubation['one']}", headers=incubation["mentor_two"]).status_code == 200


@pytest.fixture
def objects_of(client, incubation):
    """For each project: the ids every project route may name (a milestone, document, founder...)."""
    found = {}
    for key in ("one", "two"):
        project_id, staff = incubation[key], incubation["staff"]
        milestone = client.post(f"{API}/{project_id}/milestones", headers=staff,
                                json={"title": f"Milestone of project {key}", "due_on": "2025-06-01"}).get_json()
        document = client.post(f"{API}/{project_id}/documents", headers=staff, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(b"%PDF-1.4 secret"), f"plan-{key}.pdf")}).get_json()
        loan = client.post(f"{API}/{project_id}/loan-requests", headers=staff,
                           json={"amount": "100.00", "months": 6, "purpose": f"loan of {key}"}).get_json()
        project = client.get(f"{API}/{project_id}", headers=staff).get_json()
        checklist = client.get(f"{API}/{project_id}/checklist", headers=staff).get_json()
        found[key] = {"project_id": project_id, "milestone_id": milestone["id"], "document_id": document["id"],
                      "request_id": loan["id"], "founder_id": project["founding_group"][0]["id"],
                      "item_id": checklist[0]["id"], "user_id": incubation[f"mentor_{key}_id"]}
    return found


def project_routes(app, api: bool):
    """(rule, method) for every incubation route naming a project."""
    prefix = "/api/v1/incubation/projects/" if api else "/incubation/projects/"
    routes = [(rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith(prefix)
              and "project_id" in rule.arguments for method in sorted(rule.methods & set(METHODS))]
    assert len(routes) >= (20 if api else 15), "the walk found too few routes"
    return routes


def build(rule, objects):
    url = rule.rule
    for param in rule.arguments:
        url = re.sub(rf"<(?:[a-z]+:)?{param}>", str(objects[param]), url)
    return url


def _call(client, method, url, headers=None):
    if headers is not None:
        return client.open(url, method=method, headers=headers, json={})
    return client.open(url, method=method, data={})


def test_a_mentor_gets_404_on_every_api_route_of_another_project(app, client, incubation, objects_of):
    failures = []
    for rule, method in project_routes(app, api=True):
        url = build(rule, objects_of["two"])
        response = _call(client, method, url, incubation["mentor_one"])
        if response.status_code != 404 or "project two" in response.get_data(as_text=True).lower():
            failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, "mentor one reached project two:\n" + "\n".join(failures)


def test_a_mentor_gets_404_on_every_page_of_another_project(app, client, incubation, objects_of):
    login(client, MENTOR_ONE)
    failures = []
    for rule, method in project_routes(app, api=False):
        url = build(rule, objects_of["two"])
        response = _call(client, method, url)
        if response.status_code != 404 or "project two" in response.get_data(as_text=True).lower():
            failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, "mentor one reached project two:\n" + "\n".join(failures)


def test_the_same_mentor_reaches_their_own_project_so_the_404s_mean_isolation(app, client, incubation, objects_of):
    reached = 0
    for rule, method in project_routes(app, api=True):
        if method == "GET":
            response = client.get(build(rule, objects_of["one"]), headers=incubation["mentor_one"])
            assert response.status_code == 200, f"GET {rule.rule}: {response.status_code}"
            reached += 1
    login(client, MENTOR_ONE)
    for rule, method in project_routes(app, api=False):
        if method == "GET":
            assert client.get(build(rule, objects_of["one"])).status_code == 200, rule.rule
            reached += 1
    assert reached >= 10


def test_treasurers_see_no_projects(client, incubation):
    treasurer = token_for(client, OUTSIDER)
    assert client.get(API, headers=treasurer).get_json() == []
    assert client.get(f"{API}/{incubation['one']}", headers=treasurer).status_code == 404


def test_after_conversion_the_mentor_reads_the_history_but_cannot_change_it(app, client, incubation):
    from tests.incubation.conftest import convert_body, tick_all

    walk_to(client, incubation["mentor_one"], incubation["one"], "registered")
    tick_all(client, incubation["mentor_one"], incubation["one"])
    client.post(f"{API}/{incubation['one']}/notes", headers=incubation["mentor_one"],
                json={"met_on": "2025-02-01", "attendees": "Grace"})
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                           json=convert_body(slug="orto-nuovo"))
    assert response.status_code == 201, response.get_json()
    mentor = incubation["mentor_one"]
    assert client.get(f"{API}/{incubation['one']}", headers=mentor).status_code == 200
    assert len(client.get(f"{API}/{incubation['one']}/notes", headers=mentor).get_json()) == 1
    assert client.post(f"{API}/{incubation['one']}/notes", headers=mentor,
                       json={"met_on": "2025-03-01", "attendees": "Grace"}).status_code == 403
    assert client.post(f"{API}/{incubation['one']}/stage", headers=mentor, json={"to": "trading"}).status_code == 403
    with app.app_context():
        with pytest.raises(Forbidden):
            service.project_for(db.session, _user(MENTOR_ONE), incubation["one"], write=True)
