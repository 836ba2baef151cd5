"""Profiles, matching, opening a notice and co-ops' answers per lot: each co-op sees its own answer only,
staff see all; a bad lot, a negative price or a late answer is refused naming the problem, nothing saved."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from consortium.extensions import db
from consortium.notifications.models import OutboxMessage
from shared_services.tendering.models import TenderInterest, TenderNotice
from tests.conftest import count_rows, unrestricted
from tests.tendering.helpers import answer, count, import_package, offer, open_to_all
from tests.tendering.samples import fts_release, release_package


def test_matching_a_profile_uses_the_cpv_hierarchy_and_areas(client, staff, treasurers, notice):
    put = client.put("/api/v1/t/coop-a/tender-profile", headers=treasurers["a"],
                     json={"cpv_codes": ["85300000"], "areas": ["UKD3"], "qualified_staff": 12})
    assert put.status_code == 200 and put.get_json()["cpv_codes"] == ["85300000"]
    client.put("/api/v1/t/coop-b/tender-profile", headers=treasurers["b"],
               json={"cpv_codes": ["90910000"], "areas": ["UKD3"]})
    listed = client.get("/api/v1/t/coop-a/tenders", headers=treasurers["a"]).get_json()
    assert [n["id"] for n in listed] == [notice]  # 85312000 falls under 853
    assert client.get("/api/v1/t/coop-b/tenders", headers=treasurers["b"]).get_json() == []  # cleaning only
    detail = client.get(f"/api/v1/consortium/tenders/{notice}", headers=staff).get_json()
    assert detail["matching"] == {"1": ["coop-a"], "2": ["coop-a"]}


def test_matching_lists_the_soonest_deadline_first_then_notices_without_one_never_closed_ones(client, staff,
                                                                                               treasurers):
    def moment(days: int) -> str:
        return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    no_deadline = fts_release(4)
    del no_deadline["tender"]["tenderPeriod"]
    releases = [fts_release(1, deadline=moment(60)), fts_release(2, deadline=moment(-1)), no_deadline,
                fts_release(3, deadline=moment(10))]
    import_package(client, staff, release_package(releases))
    client.put("/api/v1/t/coop-a/tender-profile", headers=treasurers["a"],
               json={"cpv_codes": ["85300000"], "areas": ["UKD3"]})
    listed = client.get("/api/v1/t/coop-a/tenders", headers=treasurers["a"]).get_json()
    assert [n["ocid"] for n in listed] == [fts_release(3)["ocid"], fts_release(1)["ocid"], no_deadline["ocid"]]


def test_a_bad_cpv_code_in_a_profile_names_the_item(client, treasurers):
    response = client.put("/api/v1/t/coop-a/tender-profile", headers=treasurers["a"],
                          json={"cpv_codes": ["85300000", "853"]})
    assert response.status_code == 422 and "cpv_codes[1]" in response.get_json()["errors"]


def test_opening_to_matching_coops_invites_only_them_and_emails_their_treasurers(app, client, staff, treasurers,
                                                                                   notice):
    client.put("/api/v1/t/coop-a/tender-profile", headers=treasurers["a"], json={"cpv_codes": ["85312000"]})
    due = (datetime.now(UTC).date() + timedelta(days=20)).isoformat()
    response = client.post(f"/api/v1/consortium/tenders/{notice}/open", headers=staff,
                           json={"to": "matching", "answers_due": due})
    assert response.status_code == 200 and response.get_json()["answers_due"] == due
    assert client.get(f"/api/v1/t/coop-a/tenders/{notice}/interest", headers=treasurers["a"]).status_code == 200
    assert client.get(f"/api/v1/t/coop-b/tenders/{notice}/interest", headers=treasurers["b"]).status_code == 404
    with unrestricted(app) as connection:  # the co-op's message: the consortium reader may not read it
        assert list(connection.execute(select(OutboxMessage.recipient)).scalars()) == ["treasurer.a@example.test"]
    # opening again queues nothing new
    client.post(f"/api/v1/consortium/tenders/{notice}/open", headers=staff, json={"to": "matching", "answers_due": due})
    assert count_rows(app, OutboxMessage) == 1


def test_answers_due_after_the_submission_deadline_are_refused(client, staff, notice):
    response = client.post(f"/api/v1/consortium/tenders/{notice}/open", headers=staff,
                           json={"to": "all",
                                 "answers_due": (datetime.now(UTC).date() + timedelta(days=400)).isoformat()})
    assert response.status_code == 422 and "answers_due" in response.get_json()["errors"]


def test_each_coop_sees_only_its_own_answer_and_staff_see_all(client, staff, treasurers, notice):
    open_to_all(client, staff, notice)
    answer(client, treasurers["a"], "coop-a", notice, [offer("1", "6123", "21.57"), {"lot": "2", "interested": False,
                                                                                     "notes": "No reablement team"}])
    answer(client, treasurers["b"], "coop-b", notice, [offer("1", "5000", "23.00")])
    own = client.get(f"/api/v1/t/coop-b/tenders/{notice}/interest", headers=treasurers["b"]).get_json()
    assert own["answers"] == [{"lot": "1", "interested": True, "capacity": "5000.00", "staff": 5,
                               "disadvantaged_percent": "40.00", "unit_cost": "23.00", "notes": None}]
    body = client.get(f"/api/v1/t/coop-b/tenders/{notice}/interest", headers=treasurers["b"]).get_data(as_text=True)
    assert "21.57" not in body and "6123" not in body  # never another co-op's price or capacity
    answers = client.get(f"/api/v1/consortium/tenders/{notice}", headers=staff).get_json()["answers"]
    assert sorted((a["tenant"], a["lot"], a["unit_cost"]) for a in answers) == [
        ("coop-a", "1", "21.57"), ("coop-a", "2", None), ("coop-b", "1", "23.00")]


def test_an_answer_can_be_changed_while_answers_are_open(app, client, staff, treasurers, notice):
    open_to_all(client, staff, notice)
    answer(client, treasurers["a"], "coop-a", notice, [offer("1", "6000", "21.50")])
    answer(client, treasurers["a"], "coop-a", notice, [offer("1", "4000", "22.00")])
    got = client.get(f"/api/v1/t/coop-a/tenders/{notice}/interest", headers=treasurers["a"]).get_json()
    assert [(a["capacity"], a["unit_cost"]) for a in got["answers"]] == [("4000.00", "22.00")]
    assert count(app, TenderInterest) == 1


def test_a_lot_the_notice_does_not_have_is_refused_and_nothing_is_saved(app, client, staff, treasurers, notice):
    open_to_all(client, staff, notice)
    response = answer(client, treasurers["a"], "coop-a", notice, [offer("1", "6000", "21.50"),
                                                                  offer("9", "10", "1.00")], expect=422)
    assert "no lot 9" in response.get_json()["errors"]["answers[1].lot"][0]
    assert count(app, TenderInterest) == 0


def test_a_price_below_zero_or_a_missing_capacity_is_refused(app, client, staff, treasurers, notice):
    open_to_all(client, staff, notice)
    response = answer(client, treasurers["a"], "coop-a", notice, [offer("1", "6000", "-1.00")], expect=422)
    assert "unit_cost" in str(response.get_json()["errors"])
    response = answer(client, treasurers["a"], "coop-a", notice, [{"lot": "1", "interested": True,
                                                                   "unit_cost": "20"}], expect=422)
    assert response.get_json()["errors"] == {"answers[0].capacity": ["required when interested"]}
    assert count(app, TenderInterest) == 0


def test_an_answer_after_the_notice_closed_is_refused(app, client, staff, treasurers, notice):
    open_to_all(client, staff, notice)
    with app.app_context():
        db.session.get(TenderNotice, notice).answers_due = datetime.now(UTC).date() - timedelta(days=1)
        db.session.commit()
    response = answer(client, treasurers["a"], "coop-a", notice, [offer("1", "6000", "21.50")], expect=409)
    assert "closed" in response.get_json()["detail"]
    assert count(app, TenderInterest) == 0


def test_a_viewer_may_read_but_not_answer(client, factory, staff, notice):
    from tests.conftest import token_for

    factory.user("viewer.a@example.test", {"role": "viewer", "tenant": "coop-a"})
    viewer = token_for(client, "viewer.a@example.test")
    open_to_all(client, staff, notice)
    assert client.get(f"/api/v1/t/coop-a/tenders/{notice}/interest", headers=viewer).status_code == 200
    assert answer(client, viewer, "coop-a", notice, [offer("1", "1", "1")], expect=403)
