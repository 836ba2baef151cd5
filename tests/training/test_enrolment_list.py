"""List tools (consortium/lists.py) on a co-op's enrolments in pooled sessions: search, sort (with aria-sort),
filters, pages, the state in the URL (the enrol form keeps it), 400 on bad arguments, cards on a phone, Italian, and
another co-op's enrolments and courses never shown."""

from datetime import timedelta

import pytest
from lxml import html

from consortium.clock import local_today
from consortium.extensions import db
from consortium.models import Tenant
from consortium.tenancy import consortium_scope, tenant_scope
from shared_services.training import service as pool
from shared_services.training.models import TrainingSession
from tests.conftest import login
from tests.lists.test_list_tools import labelled_cells
from tests.training.helpers import make_course, make_issuer, make_session


@pytest.fixture
def enrolled(app, factory, two_coops):
    """Co-op A's workers on three sessions and co-op B's on two:
    first aid 10 days ago (Alice passed, Anna failed), fire safety yesterday (Anna, no results yet),
    moving and handling in 5 days (Alice and Carlo of A, Bob of B), food hygiene in 9 days (Bob of B only)."""
    issuer = make_issuer(factory)
    factory.user("staff@example.test", {"role": "consortium_staff"})
    carlo = factory.member(two_coops["a"], name="Carlo of A")
    anna = factory.member(two_coops["a"], name="Anna of A")
    alice, bob = two_coops["member_a"], two_coops["member_b"]
    courses = {key: make_course(factory, code=code, title=title, topic=topic) for key, code, title, topic in (
        ("aid", "T-FA", "First aid at work", "first_aid"), ("fire", "T-FIRE", "Fire safety", "fire_safety"),
        ("move", "T-MH", "Moving and handling people", "moving_handling"),
        ("food", "T-FOOD", "Food hygiene", "food_hygiene"))}
    sessions = {key: make_session(factory, courses[key], issuer.slug, held_on=local_today() + timedelta(days=days))
                for key, days in (("aid", 2), ("fire", 3), ("move", 5), ("food", 9))}
    with app.app_context():
        for coop, key, people in (("a", "aid", [alice, anna]), ("a", "fire", [anna]), ("a", "move", [alice, carlo]),
                                  ("b", "move", [bob]), ("b", "food", [bob])):
            tenant = db.session.get(Tenant, two_coops[coop].id)
            with tenant_scope(db.session, tenant.id):
                pool.enrol(db.session, tenant, sessions[key], people, today=local_today())
        # each co-op enrols, the dates change and attendance is recorded in requests of their own (and on Citus
        # one role writes per transaction: docs/scaling.md)
        db.session.commit()
        with consortium_scope(db.session):
            for key, days in (("aid", -10), ("fire", -1)):  # held since (no rescheduling service: set the date)
                db.session.get(TrainingSession, sessions[key]).held_on = local_today() + timedelta(days=days)
        db.session.commit()
        with consortium_scope(db.session):
            aid = pool.get_session(db.session, sessions["aid"])
            results = {"Alice of A": "passed", "Anna of A": "failed"}
            pool.record_attendance(db.session, aid, [
                {"enrolment_id": e.id, "result": results[e.attendee_name]}
                for part in pool.session_parts(db.session, aid) for e in part.enrolments], today=local_today())
        db.session.commit()
    return {**two_coops, "courses": courses, "sessions": sessions}


URL_A = "/t/coop-a/pooled-training"


def _rows(page: str) -> list[tuple[str, str, str]]:
    return list(zip(labelled_cells(page, "enrolments", "Course"), labelled_cells(page, "enrolments", "Worker"),
                    labelled_cells(page, "enrolments", "Result"), strict=True))


def test_a_coops_enrolments_are_searched_sorted_filtered_and_paged(client, enrolled):
    login(client, "treasurer.a@example.test")
    page = client.get(URL_A).get_data(as_text=True)
    # newest session first
    assert _rows(page) == [("Moving and handling people", "Alice of A", "to come"),
                           ("Moving and handling people", "Carlo of A", "to come"),
                           ("Fire safety", "Anna of A", "awaiting results"),
                           ("First aid at work", "Alice of A", "Passed"),
                           ("First aid at work", "Anna of A", "Failed")]
    assert 'aria-sort="descending"><a class="sort"' in page
    by_worker = client.get(f"{URL_A}?sort=worker&dir=asc").get_data(as_text=True)
    assert [w for _c, w, _r in _rows(by_worker)] == ["Alice of A", "Alice of A", "Anna of A", "Anna of A",
                                                      "Carlo of A"]
    assert 'aria-sort="ascending"><a class="sort" href="/t/coop-a/pooled-training?sort=worker&amp;dir=desc"' in (
        by_worker)
    by_course = _rows(client.get(f"{URL_A}?sort=course&dir=desc").get_data(as_text=True))
    assert [c for c, _w, _r in by_course] == ["Moving and handling people"] * 2 + ["First aid at work"] * 2 + [
        "Fire safety"]

    def shown(query):
        return _rows(client.get(f"{URL_A}?{query}").get_data(as_text=True))

    assert shown("q=moving") == [("Moving and handling people", "Alice of A", "to come"),
                                 ("Moving and handling people", "Carlo of A", "to come")]
    assert shown("q=T-FIRE") == [("Fire safety", "Anna of A", "awaiting results")]  # the course code too
    assert shown("q=anna") == [("Fire safety", "Anna of A", "awaiting results"),
                               ("First aid at work", "Anna of A", "Failed")]
    assert shown("result=passed") == [("First aid at work", "Alice of A", "Passed")]
    assert shown("result=failed") == [("First aid at work", "Anna of A", "Failed")]
    assert [w for _c, w, _r in shown("result=coming")] == ["Alice of A", "Carlo of A"]
    assert shown("result=awaiting") == [("Fire safety", "Anna of A", "awaiting results")]
    assert shown(f"course={enrolled['courses']['aid']}") == [("First aid at work", "Alice of A", "Passed"),
                                                            ("First aid at work", "Anna of A", "Failed")]
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    assert shown(f"from={yesterday}&to={yesterday}") == [("Fire safety", "Anna of A", "awaiting results")]
    nothing = client.get(f"{URL_A}?q=zz-nobody").get_data(as_text=True)
    assert _rows(nothing) == [] and "No enrolment matches." in nothing

    second = client.get(f"{URL_A}?sort=worker&dir=asc&per=10&page=1&result=coming").get_data(as_text=True)
    assert "1–2 of 2" in second
    assert "1–5 of 5" in page


def test_enrolment_list_arguments_are_refused_by_name(client, enrolled):
    login(client, "treasurer.a@example.test")
    food = enrolled["courses"]["food"]  # only co-op B's workers are on it: not a choice of A's list
    for bad in ("result=maybe", f"course={food}", "course=x", "from=31/12/2025", "page=x", "per=1000"):
        refused = client.get(f"{URL_A}?{bad}")
        assert refused.status_code == 400, bad
        assert bad.split("=")[0] in refused.get_data(as_text=True)
    assert _rows(client.get(f"{URL_A}?sort=password&dir=sideways").get_data(as_text=True))[0][1] == "Alice of A"


def test_a_coop_sees_only_its_own_enrolments_and_courses(client, enrolled):
    login(client, "treasurer.b@example.test")
    page = client.get("/t/coop-b/pooled-training").get_data(as_text=True)
    assert _rows(page) == [("Food hygiene", "Bob of B", "to come"), ("Moving and handling people", "Bob of B",
                                                                     "to come")]

    tree = html.fromstring(page)
    assert tree.xpath("//select[@name='course']/option/text()") == ["all", "Food hygiene",
                                                                    "Moving and handling people"]
    assert _rows(client.get("/t/coop-b/pooled-training?q=Alice").get_data(as_text=True)) == []
    assert client.get(f"/t/coop-b/pooled-training?course={enrolled['courses']['aid']}").status_code == 400
    assert client.get(URL_A).status_code == 404
    assert client.get(f"{URL_A}?q=Alice&sort=worker").status_code == 404


def test_a_refused_enrolment_keeps_the_list_as_it_was_shown(client, enrolled):
    """The enrol form posts the list's state along: a refusal redisplays the same search and sort, and an
    enrolment made returns to them."""
    login(client, "treasurer.a@example.test")
    shown = client.get(f"{URL_A}?q=moving&sort=worker&dir=desc").get_data(as_text=True)

    form = html.fromstring(shown).xpath("//form[.//input[@name='session_id']]")[0]
    action = form.get("action")
    assert "q=moving" in action and "sort=worker" in action
    token = form.xpath(".//input[@name='csrf_token']/@value")
    data = {"session_id": form.xpath(".//input[@name='session_id']/@value")[0],
            **({"csrf_token": token[0]} if token else {})}
    refused = client.post(action, data=data)  # nobody ticked
    assert refused.status_code == 422
    assert [w for _c, w, _r in _rows(refused.get_data(as_text=True))] == ["Carlo of A", "Alice of A"]
    member = form.xpath(".//label[span='Anna of A']/input[@name='member_ids']/@value")[0]  # not on it yet
    made = client.post(action, data={**data, "member_ids": member})
    assert made.status_code == 302 and "q=moving" in made.headers["Location"]


def test_a_coops_enrolments_are_cards_on_a_phone_and_read_in_italian(client, enrolled):
    login(client, "treasurer.a@example.test")
    page = client.get(URL_A, headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert 'id="enrolments" class="cards-narrow"' in page
    assert labelled_cells(page, "enrolments", "Lavoratore")[:2] == ["Alice of A", "Carlo of A"]
    assert "Cerca lavoratore o corso" in page and "Svolta dal" in page
    assert {"Superato", "Non superato"} <= set(labelled_cells(page, "enrolments", "Esito"))
