"""Pooled sessions: enrolment up to the seats left, each co-op sees its own part, attendance once, a pass becomes
a record in the attendee's co-op, the cost split and its recharge invoices, and the consortium's aggregates."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from consortium.clock import local_today
from consortium.errors import Conflict
from consortium.extensions import db
from consortium.models import AuditEntry, Tenant
from consortium.tenancy import consortium_scope, tenant_scope
from shared_services.training import service as pool
from shared_services.training.models import TrainingEnrolment, TrainingSession
from tenants.invoicing import service as invoicing
from tenants.training import service as records
from tests.a11y import tied_errors
from tests.conftest import login, token_for
from tests.training.helpers import make_course, make_issuer, make_session, require

POOL = "/api/v1/consortium/training"


@pytest.fixture
def pooled(factory, two_coops):
    """Two co-ops with two workers each, an issuer, and a first-aid session with 3 seats held yesterday."""
    issuer = make_issuer(factory)
    course = make_course(factory, code="FA", title="First aid at work", validity_months=36, topic="first_aid")
    second_a = factory.member(two_coops["a"], name="Anna of A")
    second_b = factory.member(two_coops["b"], name="Beppe of B")
    factory.user("staff@example.test", {"role": "consortium_staff"})
    _give_addresses(factory.app, two_coops)
    held = make_session(factory, course, issuer.slug, held_on=local_today() + timedelta(days=7), seats=3,
                        cost="1000.00")
    return {**two_coops, "issuer": issuer, "course": course, "session": held, "second_a": second_a,
            "second_b": second_b}


def _give_addresses(app, coops):
    """The billed co-ops' addresses and VAT numbers: an Italian recharge invoice (FatturaPA) names both."""
    from consortium.directory import service as directory

    with app.app_context(), consortium_scope(db.session):
        for key, street, vat in (("a", "1 Mill Lane", "GB100000034"), ("b", "2 Mill Lane", "GB100000047")):
            tenant = db.session.get(Tenant, coops[key].id)
            directory.update_tenant(db.session, tenant, {"address": street, "city": "Leeds", "postcode": "LS1 4AP",
                                                         "vat_number": vat})
        db.session.commit()


def _enrol(client, slug, email, session_id, member_ids):
    return client.post(f"/api/v1/t/{slug}/training/enrolments", headers=token_for(client, email),
                       json={"session_id": session_id, "member_ids": member_ids})


def _enrolments(app) -> int:
    with app.app_context(), consortium_scope(db.session):
        return db.session.scalar(select(func.count()).select_from(TrainingEnrolment)
                                 .execution_options(all_tenants=True))


def _hold_yesterday(app, session_id):
    """The session took place yesterday (dates are moved through the model: there is no rescheduling service)."""
    with app.app_context(), consortium_scope(db.session):
        db.session.get(TrainingSession, session_id).held_on = local_today() - timedelta(days=1)
        db.session.commit()


def test_enrolment_stops_at_the_seats_left_naming_the_session_and_saves_nothing(app, client, pooled):
    sid = pooled["session"]
    ok = _enrol(client, "coop-a", "treasurer.a@example.test", sid, [pooled["member_a"], pooled["second_a"]])
    assert ok.status_code == 201 and {e["attendee_name"] for e in ok.get_json()} == {"Alice of A", "Anna of A"}
    full = _enrol(client, "coop-b", "treasurer.b@example.test", sid, [pooled["member_b"], pooled["second_b"]])
    assert full.status_code == 422
    assert f"Session {sid}" in full.get_json()["detail"] and "has 1 seats left" in full.get_json()["detail"]
    assert "member_ids" in full.get_json()["errors"]
    assert _enrolments(app) == 2
    foreign = _enrol(client, "coop-b", "treasurer.b@example.test", sid, [pooled["member_a"]])
    assert foreign.status_code == 422 and "member_ids.0" in foreign.get_json()["errors"]
    assert "Alice" not in foreign.get_data(as_text=True)
    twice = _enrol(client, "coop-a", "treasurer.a@example.test", sid, [pooled["member_a"]])
    assert twice.status_code == 422 and "already enrolled" in twice.get_json()["detail"]
    assert _enrolments(app) == 2
    assert _enrol(client, "coop-b", "treasurer.b@example.test", sid, [pooled["member_b"]]).status_code == 201
    seats = client.get(f"{POOL}/sessions", headers=token_for(client, "treasurer.a@example.test")).get_json()
    assert seats[0]["seats_left"] == 0


def test_each_coop_sees_only_its_own_enrolments_and_staff_see_each_coops_part(app, client, pooled):
    sid = pooled["session"]
    _enrol(client, "coop-a", "treasurer.a@example.test", sid, [pooled["member_a"]])
    _enrol(client, "coop-b", "treasurer.b@example.test", sid, [pooled["member_b"], pooled["second_b"]])
    own = client.get("/api/v1/t/coop-a/training/enrolments", headers=token_for(client, "treasurer.a@example.test"))
    assert [e["attendee_name"] for e in own.get_json()] == ["Alice of A"]
    staff = token_for(client, "staff@example.test")
    detail = client.get(f"{POOL}/sessions/{sid}", headers=staff).get_json()
    assert [(p["tenant"], p["booked"], [e["attendee_name"] for e in p["enrolments"]]) for p in detail["parts"]] == [
        ("coop-a", 1, ["Alice of A"]), ("coop-b", 2, ["Beppe of B", "Bob of B"])]
    assert client.get(f"{POOL}/sessions/{sid}", headers=token_for(client, "treasurer.a@example.test")
                      ).status_code == 403
    login(client, "treasurer.a@example.test")
    page = client.get("/t/coop-a/pooled-training").get_data(as_text=True)
    assert "Alice of A" in page and "Bob of B" not in page


def test_attendance_once_makes_records_in_each_attendees_coop_with_the_course_expiry(app, client, pooled):
    sid = pooled["session"]
    _enrol(client, "coop-a", "treasurer.a@example.test", sid, [pooled["member_a"], pooled["second_a"]])
    _enrol(client, "coop-b", "treasurer.b@example.test", sid, [pooled["member_b"]])
    staff = token_for(client, "staff@example.test")
    detail = client.get(f"{POOL}/sessions/{sid}", headers=staff).get_json()
    ids = {e["attendee_name"]: e["id"] for p in detail["parts"] for e in p["enrolments"]}
    results = [{"enrolment_id": ids["Alice of A"], "result": "passed"},
               {"enrolment_id": ids["Anna of A"], "result": "failed"},
               {"enrolment_id": ids["Bob of B"], "result": "passed"}]
    early = client.post(f"{POOL}/sessions/{sid}/attendance", headers=staff, json={"results": results})
    assert early.status_code == 422 and "session_id" in early.get_json()["errors"]  # not held yet
    _hold_yesterday(app, sid)
    partial = client.post(f"{POOL}/sessions/{sid}/attendance", headers=staff, json={"results": results[:2]})
    assert partial.status_code == 422 and "Bob of B" in partial.get_json()["detail"]
    done = client.post(f"{POOL}/sessions/{sid}/attendance", headers=staff, json={"results": results})
    assert done.status_code == 200 and done.get_json()["state"] == "attended"
    again = client.post(f"{POOL}/sessions/{sid}/attendance", headers=staff, json={"results": results})
    assert again.status_code == 409 and "already recorded" in again.get_json()["detail"]

    held_on = local_today() - timedelta(days=1)
    for tenant, name in ((pooled["a"], "Alice of A"), (pooled["b"], "Bob of B")):
        with app.app_context(), tenant_scope(db.session, tenant.id):
            made = db.session.scalars(records.records_query()).all()
            assert [(r.course_title, r.completed_on, r.expires_on, r.source) for r in made] == [
                ("First aid at work", held_on, records.expiry_for(held_on, 36), "pooled_session")]
            names = records.member_names(db.session, [made[0].member_id])
            assert names[made[0].member_id] == name
            audited = {e.object_type for e in db.session.scalars(select(AuditEntry).where(
                AuditEntry.tenant_id == tenant.id))}
            assert {"TrainingRecord", "TrainingEnrolment"} <= audited


def test_an_enrolment_made_after_the_list_was_read_stops_the_attendance_and_saves_nothing(
        app, client, pooled, monkeypatch):
    """Attendance reads the enrolments before it locks the session (as the consortium reader, then writing as the
    app role: docs/scaling.md); a co-op that enrols on the session day in between is counted under the lock, so the
    results, which name nobody for that worker, are refused whole. The list here is read without Bob's enrolment,
    as it would be had Bob been enrolled just after the read."""
    sid = pooled["session"]
    _enrol(client, "coop-a", "treasurer.a@example.test", sid, [pooled["member_a"], pooled["second_a"]])
    _enrol(client, "coop-b", "treasurer.b@example.test", sid, [pooled["member_b"]])
    _hold_yesterday(app, sid)
    read = pool.session_parts

    def read_before_bob_enrolled(session, training):
        return [part for part in read(session, training) if part.slug != "coop-b"]

    monkeypatch.setattr(pool, "session_parts", read_before_bob_enrolled)
    with app.app_context(), consortium_scope(db.session):
        training = pool.get_session(db.session, sid)
        results = [{"enrolment_id": e.id, "result": "passed"}
                   for part in pool.session_parts(db.session, training) for e in part.enrolments]
        with pytest.raises(Conflict, match="new enrolments since its list was read"):
            pool.record_attendance(db.session, training, results, today=local_today())
        db.session.rollback()
    monkeypatch.undo()
    with app.app_context(), consortium_scope(db.session):
        assert pool.get_session(db.session, sid).state == "open"
        assert {e.result for e in db.session.scalars(select(TrainingEnrolment).execution_options(
            all_tenants=True))} == {None}


def _attend(app, client, pooled, outcome: dict):
    sid = pooled["session"]
    _enrol(client, "coop-a", "treasurer.a@example.test", sid, [pooled["member_a"], pooled["second_a"]])
    _enrol(client, "coop-b", "treasurer.b@example.test", sid, [pooled["member_b"]])
    _hold_yesterday(app, sid)
    staff = token_for(client, "staff@example.test")
    detail = client.get(f"{POOL}/sessions/{sid}", headers=staff).get_json()
    results = [{"enrolment_id": e["id"], "result": outcome[e["attendee_name"]]}
               for p in detail["parts"] for e in p["enrolments"]]
    assert client.post(f"{POOL}/sessions/{sid}/attendance", headers=staff,
                       json={"results": results}).status_code == 200
    return staff


def test_recharge_splits_by_attendees_and_raises_one_numbered_invoice_per_coop(app, client, pooled):
    sid = pooled["session"]
    staff = token_for(client, "staff@example.test")
    early = client.post(f"{POOL}/sessions/{sid}/recharge", headers=staff)
    assert early.status_code == 422 and "record attendance" in early.get_json()["detail"]
    staff = _attend(app, client, pooled, {"Alice of A": "passed", "Anna of A": "failed", "Bob of B": "passed"})
    made = client.post(f"{POOL}/sessions/{sid}/recharge", headers=staff)
    assert made.status_code == 201, made.get_json()
    # 1000.00 over 3 attendees: 666.67 for A's two (rounded half-up, the spare cent to the larger share), 333.33 B.
    shares = {r["billed_tenant_id"]: (r["units"], Decimal(r["amount"])) for r in made.get_json()}
    assert shares == {pooled["a"].id: (2, Decimal("666.67")), pooled["b"].id: (1, Decimal("333.33"))}
    numbers = sorted(r["invoice_number"] for r in made.get_json())
    year = local_today().year
    assert numbers == [f"INV-{year}-0001", f"INV-{year}-0002"]
    with app.app_context(), tenant_scope(db.session, pooled["issuer"].id):
        issued = db.session.scalars(invoicing.invoices_query()).all()
        # Training is VAT-exempt, so each invoice over 77.47 also bears the 2.00 stamp duty (DPR 642/1972, Tariffa
        # art. 13), charged to the customer as the issuer's invoicing settings say by default.
        assert sorted(i.gross_total - (i.stamp_duty or 0) for i in issued) == [Decimal("333.33"), Decimal("666.67")]
        assert {i.stamp_duty for i in issued} == {Decimal("2.00")}
        assert {i.customer.name for i in issued} == {"Coop A Co-op", "Coop B Co-op"}
        assert all(i.state == "issued" and i.buyer_reference == f"TRAINING-{sid}" for i in issued)
    twice = client.post(f"{POOL}/sessions/{sid}/recharge", headers=staff)
    assert twice.status_code == 409


def test_nobody_attending_leaves_no_cost_to_recharge(app, client, pooled):
    staff = _attend(app, client, pooled, {"Alice of A": "absent", "Anna of A": "absent", "Bob of B": "absent"})
    refused = client.post(f"{POOL}/sessions/{pooled['session']}/recharge", headers=staff)
    assert refused.status_code == 422 and "nobody attended" in refused.get_json()["detail"]


def test_per_seat_cost_by_seats_booked(app, factory, pooled):
    seat = make_session(factory, pooled["course"], pooled["issuer"].slug, seats=5, cost="45.00",
                        cost_basis="per_seat", split_by="seats")
    with app.app_context():
        with tenant_scope(db.session, pooled["a"].id):
            pool.enrol(db.session, pooled["a"], seat, [pooled["member_a"], pooled["second_a"]], today=local_today())
        with tenant_scope(db.session, pooled["b"].id):
            pool.enrol(db.session, pooled["b"], seat, [pooled["member_b"]], today=local_today())
        db.session.commit()  # the co-ops' requests end before the consortium reads the split, as on Citus it must
        with consortium_scope(db.session):
            total, shares = pool.cost_split(db.session, pool.get_session(db.session, seat))
    assert total == Decimal("135.00")
    assert {s.tenant_id: (s.units, s.amount) for s in shares} == {
        pooled["a"].id: (2, Decimal("90.00")), pooled["b"].id: (1, Decimal("45.00"))}


def test_the_consortium_overview_shows_counts_and_percentages_never_a_name(app, client, factory, pooled):
    require(factory, pooled["a"], [{"name": "Care worker", "all_workers": True, "course_ids": [pooled["course"]]}])
    _enrol(client, "coop-a", "treasurer.a@example.test", pooled["session"], [pooled["member_a"]])
    staff = token_for(client, "staff@example.test")
    overview = client.get(f"{POOL}/overview", headers=staff)
    body = overview.get_data(as_text=True)
    assert overview.status_code == 200
    coop_a = next(c for c in overview.get_json()["coops"] if c["tenant"] == "coop-a")
    assert (coop_a["workers"], coop_a["required"], coop_a["missing"], coop_a["booked_seats"]) == (2, 2, 2, 1)
    assert coop_a["percent_compliant"] == "0.0"
    assert "Alice" not in body and "Anna" not in body
    login(client, "staff@example.test")
    page = client.get("/consortium/training/").get_data(as_text=True)
    assert "Coop A Co-op" in page and "Alice" not in page
    assert client.get(f"{POOL}/overview", headers=token_for(client, "treasurer.a@example.test")).status_code == 403


def test_a_session_needs_an_active_course_a_place_and_a_known_vat_category(client, pooled):
    staff = token_for(client, "staff@example.test")
    base = {"course_id": pooled["course"], "held_on": (local_today() + timedelta(days=3)).isoformat(),
            "place": "Sala", "trainer": "Laura", "seats": 5, "cost": "100.00",
            "invoicing_tenant": pooled["issuer"].slug, "vat_category": "esente_art10"}
    for changes, field in (({"seats": 0}, "seats"), ({"place": None}, "place"), ({"vat_category": "standard"},
                                                                                  "vat_category"),
                           ({"invoicing_tenant": "nowhere"}, "invoicing_tenant"), ({"cost": "-1"}, "cost")):
        refused = client.post(f"{POOL}/sessions", headers=staff, json={**base, **changes})
        assert refused.status_code == 422 and field in refused.get_json()["errors"], (field, refused.get_json())
    assert client.post(f"{POOL}/sessions", headers=staff, json=base).status_code == 201


def test_refused_pooled_training_forms_tie_each_error_to_its_field(app, client, pooled):
    """Scheduling, enrolling and recording results: a failed submit lists the errors in an alert summary and
    marks each field invalid, described by its own message (tests/a11y.py)."""
    login(client, "staff@example.test")
    refused = client.post("/consortium/training/sessions", data={
        "course_id": str(pooled["course"]), "held_on": (local_today() + timedelta(days=3)).isoformat(),
        "trainer": "R. Rossi", "seats": "4", "cost": "100", "cost_basis": "per_session", "split_by": "attendees",
        "invoicing_tenant": pooled["issuer"].slug, "vat_category": "esente_art10"})
    assert refused.status_code == 422
    assert tied_errors(refused.get_data(as_text=True)) == {"f-place": "give a place or an online link"}

    login(client, "treasurer.a@example.test")
    sid = pooled["session"]
    empty = client.post("/t/coop-a/pooled-training", data={"session_id": str(sid)})
    assert empty.status_code == 422
    assert tied_errors(empty.get_data(as_text=True)) == {f"f-{sid}-member_ids": "choose at least one worker"}
    _enrol(client, "coop-a", "treasurer.a@example.test", sid, [pooled["member_a"], pooled["second_a"]])
    twice = client.post("/t/coop-a/pooled-training", data={"session_id": str(sid),
                                                           "member_ids": [str(pooled["member_a"])]})
    page = twice.get_data(as_text=True)
    assert tied_errors(page) == {f"f-{sid}-member_ids": "Alice of A is already enrolled on this session"}
    assert f'value="{pooled["member_a"]}" checked' in page  # what was ticked stays ticked

    _hold_yesterday(app, sid)
    alice, anna = _enrolment_ids(app)
    login(client, "staff@example.test")
    partial = client.post(f"/consortium/training/sessions/{sid}/attendance", data={f"result-{anna}": "passed"})
    page = partial.get_data(as_text=True)
    assert partial.status_code == 422
    assert tied_errors(page) == {"f-results": "give a result for every enrolled worker; missing: Alice of A"}
    # the result not given is marked; the one given is kept, not marked
    assert re.search(rf'id="f-result-{alice}"[^>]*aria-invalid="true" aria-describedby="f-results-error"', page)
    given = re.search(rf'<select id="f-result-{anna}"[^>]*>.*?</select>', page, re.S).group(0)
    assert "aria-invalid" not in given and '<option value="passed" selected>' in given


def _enrolment_ids(app) -> list[int]:
    with app.app_context(), consortium_scope(db.session):
        return list(db.session.scalars(select(TrainingEnrolment.id).order_by(TrainingEnrolment.id)
                                       .execution_options(all_tenants=True)))


def test_course_titles_in_another_language_than_the_page_are_marked(client, pooled, factory):
    """WCAG 3.1.2: the catalogue holds each country's statutory courses under their own titles; an Italian
    title on an English page (and an English one on an Italian page) carries its language."""
    make_course(factory, code="IT-81-G", title="Formazione lavoratori: parte generale", country="it",
                topic="sicurezza_generale")
    make_course(factory, code="UK-MH", title="Moving and positioning people", country="uk")
    login(client, "staff@example.test")
    english = client.get("/consortium/training/courses", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'<a href="[^"]+" lang="it">Formazione lavoratori: parte generale</a>', english)
    assert re.search(r'<a href="[^"]+">First aid at work</a>', english)  # a course of any country: not marked
    italian = client.get("/consortium/training/courses", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert re.search(r'<a href="[^"]+">Formazione lavoratori: parte generale</a>', italian)
    assert re.search(r'<a href="[^"]+" lang="en">Moving and positioning people</a>', italian)
    assert re.search(r'<a href="[^"]+">Moving and positioning people</a>', english)
