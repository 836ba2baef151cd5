"""The lineage tree (JSON and SVG page) and the runner-obligation dashboard."""

from datetime import UTC, date, datetime, timedelta

import pytest

from consortium.extensions import db
from consortium.models import User
from consortium.tenancy import is_scope_statement
from shared_services.incubation import lineage, service
from shared_services.incubation.models import IncubationProject
from tests.conftest import login, token_for
from tests.incubation.conftest import ADMIN, STAFF, statements_during

API = "/api/v1/incubation"


@pytest.fixture
def family(factory, incubation):
    """root-coop -> child-coop -> grandchild-coop, plus the incubation fixture's sponsor and projects."""
    factory.tenant("root-coop", name="Root Co-op", founding_date=date(2000, 1, 1))
    factory.tenant("child-coop", name="Child Co-op", founding_date=date(2010, 1, 1), sponsor="root-coop")
    factory.tenant("grandchild-coop", name="Grandchild Co-op", founding_date=date(2020, 6, 1), sponsor="child-coop")
    return incubation


def _find(nodes, name):
    for node, parent in lineage.walk(nodes):
        if node["name"] == name:
            return node, parent
    raise AssertionError(f"{name} not in the tree")


def test_lineage_json_nests_coops_by_generation_with_projects_as_leaves(client, family):
    tree = client.get(f"{API}/lineage", headers=family["staff"]).get_json()
    assert tree["coops"] == 5 and tree["projects"] == 2 and tree["generations"] == 3
    grandchild, parent = _find(tree["roots"], "Grandchild Co-op")
    assert grandchild["generation"] == 3 and parent["name"] == "Child Co-op"
    project, parent = _find(tree["roots"], "Project One")
    assert project["kind"] == "project" and project["stage"] == "idea" and parent["slug"] == "sponsor-coop"
    assert [r["name"] for r in tree["roots"]] == ["Other Co-op", "Root Co-op", "Sponsor Co-op"]


def test_lineage_is_for_consortium_staff(client, family):
    assert client.get(f"{API}/lineage", headers=family["mentor_one"]).status_code == 403


def test_a_coop_cannot_become_its_own_ancestor(client, family):
    admin = token_for(client, ADMIN)
    response = client.patch("/api/v1/tenants/root-coop", headers=admin, json={"sponsor": "grandchild-coop"})
    assert response.status_code == 422 and "cycle" in response.get_json()["errors"]["sponsor"][0]
    response = client.patch("/api/v1/tenants/root-coop", headers=admin, json={"sponsor": "root-coop"})
    assert response.status_code == 422
    tree = client.get(f"{API}/lineage", headers=family["staff"]).get_json()
    assert _find(tree["roots"], "Root Co-op")[1] is None


def test_converted_project_shows_as_a_coop_with_its_stage(app, client, family):
    from tests.incubation.conftest import convert_body, ready_to_convert

    ready_to_convert(client, family["staff"], family["one"])
    assert client.post(f"{API}/projects/{family['one']}/convert", headers=family["staff"],
                       json=convert_body(slug="project-one")).status_code == 201
    tree = client.get(f"{API}/lineage", headers=family["staff"]).get_json()
    node, parent = _find(tree["roots"], "Project One")
    assert node["kind"] == "coop" and node["slug"] == "project-one" and node["stage"] == "registered"
    assert parent["slug"] == "sponsor-coop" and tree["projects"] == 1


def test_lineage_loads_everything_in_two_queries(app, factory, family):
    for index in range(12):
        factory.tenant(f"extra-{index}", sponsor="root-coop")
    statements, tree = statements_during(app, lambda: lineage.lineage_tree(db.session))
    assert tree["coops"] == 17
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT") and not is_scope_statement(s)]
    assert len(queries) == 2


def test_lineage_page_draws_svg_filters_and_folds(client, family):
    login(client, STAFF)
    page = client.get("/incubation/lineage").get_data(as_text=True)
    assert "<svg" in page and "Grandchild Co-op" in page and "Project One" in page and "Generation 3" in page
    assert page.count("<details") == 3
    found = client.get("/incubation/lineage?q=grandchild").get_data(as_text=True)
    svg = found[found.index("<svg"):found.index("</svg>")]
    assert "Grandchild Co-op" in svg and "Root Co-op" in svg  # the match and its ancestors
    assert "Sponsor Co-op" not in svg and 'stroke="#c0392b"' in svg
    folded = client.get("/incubation/lineage?generations=1").get_data(as_text=True)
    svg = folded[folded.index("<svg"):folded.index("</svg>")]
    assert "Child Co-op" not in svg and "+2" in svg
    standalone = client.get("/incubation/lineage.svg")
    assert standalone.mimetype == "image/svg+xml" and standalone.data.startswith(b"<svg")


def test_names_are_escaped_in_the_svg(client, factory, family):
    factory.tenant("odd-name", name='<script>alert("x")</script> & Co')
    login(client, STAFF)
    svg = client.get("/incubation/lineage.svg").get_data(as_text=True)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_obligations_sorted_by_urgency(client, factory, family):
    factory.tenant("late-coop", name="Late Co-op", founding_date=date(2001, 1, 1))
    data = client.get(f"{API}/obligations", headers=family["staff"]).get_json()
    rows = {o["slug"]: o for o in data["obligations"]}
    assert rows["root-coop"]["status"] == "met" and rows["root-coop"]["spin_outs"] == ["Child Co-op"]
    assert rows["sponsor-coop"]["status"] == "in_progress" and len(rows["sponsor-coop"]["open_projects"]) == 2
    assert rows["late-coop"]["status"] == "overdue" and rows["late-coop"]["deadline"] == "2006-01-01"
    assert rows["other-coop"]["deadline"] == "2027-01-01" and rows["other-coop"]["triggered_by"] == "years"
    statuses = [o["status"] for o in data["obligations"]]
    assert statuses == sorted(statuses, key=["overdue", "due", "in_progress", "met"].index)
    assert [o["slug"] for o in data["obligations"][:2]] == ["late-coop", "grandchild-coop"]  # latest first
    assert data["pipeline"]["idea"] == 2 and data["years_from_founding"] == 5


def test_member_threshold_brings_the_deadline_forward(client, factory, family):
    for index in range(3):
        factory.member(family["other"], name=f"Member {index}")
    admin = token_for(client, ADMIN)
    assert client.put(f"{API}/obligations/rule", headers=family["staff"],
                      json={"member_threshold": 3}).status_code == 403
    response = client.put(f"{API}/obligations/rule", headers=admin, json={"member_threshold": 3,
                                                                          "years_from_founding": 10})
    assert response.status_code == 200
    rows = {o["slug"]: o for o in client.get(f"{API}/obligations", headers=family["staff"]).get_json()["obligations"]}
    assert rows["other-coop"]["members"] == 3 and rows["other-coop"]["triggered_by"] == "members"
    # the three joined on 2020-01-01 (the factory's default): the threshold was reached then, so it is long overdue
    assert rows["other-coop"]["deadline"] == "2020-01-01" and rows["other-coop"]["status"] == "overdue"
    assert rows["grandchild-coop"]["deadline"] == "2030-06-01"
    response = client.put(f"{API}/obligations/rule", headers=admin, json={"years_from_founding": 0})
    assert response.status_code == 422 and "years_from_founding" in response.get_json()["errors"]


def test_median_days_per_stage_from_the_history(app, family):
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    with app.app_context():
        staff = db.session.get(User, db.session.scalar(db.select(User.id).where(User.email == STAFF)))
        for project_id, days in ((family["one"], 10), (family["two"], 30)):
            project = db.session.get(IncubationProject, project_id)
            db.session.execute(db.update(service.StageChange).where(service.StageChange.project_id == project_id)
                               .values(at=start))
            service.move_stage(db.session, project, "founding_group_formed", user=staff, override_reason="test",
                               now=start + timedelta(days=days))
        db.session.commit()
        medians = service.median_days_per_stage(db.session)
    assert medians["idea"] == 20.0 and medians["founding_group_formed"] is None


def test_obligations_page_and_rule_form(client, family):
    login(client, ADMIN)
    page = client.get("/incubation/obligations")
    assert page.status_code == 200 and "Sponsor Co-op" in page.get_data(as_text=True)
    response = client.post("/incubation/obligations/rule", data={"years_from_founding": "7", "member_threshold": ""})
    assert response.status_code == 302
    assert "within <strong>7 years</strong>" in client.get("/incubation/obligations").get_data(as_text=True)
    response = client.post("/incubation/obligations/rule", data={"years_from_founding": "-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<a href="#f-years_from_founding">Years from founding</a>' in page
    assert "within <strong>7 years</strong>" in client.get("/incubation/obligations").get_data(as_text=True)


def test_a_coop_with_a_project_under_way_is_in_progress_not_days_late(client, family):
    # Sponsor Co-op was founded in 2015: its 5 years ran out in 2020, but it sponsors live projects.
    rows = {o["slug"]: o for o in client.get(f"{API}/obligations", headers=family["staff"]).get_json()["obligations"]}
    assert rows["sponsor-coop"]["status"] == "in_progress" and rows["sponsor-coop"]["deadline"] == "2020-04-01"
    assert rows["sponsor-coop"]["days_left"] is None
    login(client, STAFF)
    page = client.get("/incubation/obligations").get_data(as_text=True)
    row = page[page.index("<td>Sponsor Co-op</td>"):]
    row = row[:row.index("</tr>")]
    assert "in progress" in row and "late" not in row
