"""Incubation fixtures: sponsor co-ops, consortium staff, two mentors each on their own project."""

from datetime import date

import pytest

from tests.conftest import recorded_statements, token_for

STAFF = "staff@example.test"
ADMIN = "admin@example.test"
MENTOR_ONE = "mentor.one@example.test"
MENTOR_TWO = "mentor.two@example.test"
OUTSIDER = "treasurer@example.test"


def project_body(**fields) -> dict:
    """A valid new-project body sponsored by `sponsor-coop`."""
    return {"working_name": "Orto Solidale", "sponsor": "sponsor-coop", "intended_legal_form": "coop_society",
            "need": "Work for people leaving care", "locality": "Manchester", "started_on": "2025-01-10",
            "founding_group": [{"name": "Grace Okafor", "role": "worker"},
                               {"name": "Harry Walker", "role": "service_user", "email": "harry@example.test"},
                               {"name": "Isla Hughes", "role": "volunteer"}], **fields}


@pytest.fixture
def incubation(client, factory):
    """Two projects of `sponsor-coop`, project one mentored by mentor one, project two by mentor two."""
    sponsor = factory.tenant("sponsor-coop", name="Sponsor Co-op", founding_date=date(2015, 4, 1))
    other = factory.tenant("other-coop", name="Other Co-op", founding_date=date(2022, 1, 1))
    factory.user(STAFF, {"role": "consortium_staff"})
    factory.user(ADMIN, {"role": "consortium_admin"})
    factory.user(OUTSIDER, {"role": "treasurer", "tenant": "sponsor-coop"})
    mentor_one = factory.user(MENTOR_ONE)
    mentor_two = factory.user(MENTOR_TWO)
    staff = token_for(client, STAFF)
    ids = []
    for name, mentor in (("Project One", mentor_one), ("Project Two", mentor_two)):
        response = client.post("/api/v1/incubation/projects", headers=staff, json=project_body(working_name=name))
        assert response.status_code == 201, response.get_json()
        project_id = response.get_json()["id"]
        assigned = client.post(f"/api/v1/incubation/projects/{project_id}/mentors", headers=staff,
                               json={"user_id": mentor})
        assert assigned.status_code == 201, assigned.get_json()
        ids.append(project_id)
    return {"sponsor": sponsor, "other": other, "one": ids[0], "two": ids[1], "staff": staff,
            "admin": token_for(client, ADMIN), "mentor_one": token_for(client, MENTOR_ONE),
            "mentor_two": token_for(client, MENTOR_TWO), "mentor_one_id": mentor_one, "mentor_two_id": mentor_two}


def tick_all(client, headers, project_id, stage=None):
    """Tick every checklist item of the project's current stage (or of `stage`)."""
    items = client.get(f"/api/v1/incubation/projects/{project_id}/checklist", headers=headers).get_json()
    current = stage or client.get(f"/api/v1/incubation/projects/{project_id}", headers=headers).get_json()["stage"]
    for item in items:
        if item["stage"] == current and not item["done"]:
            response = client.patch(f"/api/v1/incubation/projects/{project_id}/checklist/{item['id']}",
                                    headers=headers, json={"done": True})
            assert response.status_code == 200, response.get_json()


def walk_to(client, headers, project_id, stage):
    """Tick and move the project along its path up to `stage`."""
    path = ["idea", "founding_group_formed", "business_plan", "registered", "trading", "independent"]
    current = client.get(f"/api/v1/incubation/projects/{project_id}", headers=headers).get_json()["stage"]
    for target in path[path.index(current) + 1: path.index(stage) + 1]:
        tick_all(client, headers, project_id)
        response = client.post(f"/api/v1/incubation/projects/{project_id}/stage", headers=headers, json={"to": target})
        assert response.status_code == 200, response.get_json()


def statements_during(app, action) -> tuple[list[str], object]:
    """The SQL statements `action()` sends to the database (in an app context), and what it returned."""
    with recorded_statements(app) as statements, app.app_context():
        result = action()
    return statements, result


FIRST_TREASURER = "first.treasurer@example.test"


def convert_body(**fields) -> dict:
    """A conversion body naming a new first treasurer (invited by email)."""
    return {"treasurer_email": FIRST_TREASURER, "treasurer_name": "Nadia Ferri", **fields}


def ready_to_convert(client, headers, project_id):
    """Walk the project to `registered` and tick that stage's checklist, as conversion requires."""
    walk_to(client, headers, project_id, "registered")
    tick_all(client, headers, project_id)
