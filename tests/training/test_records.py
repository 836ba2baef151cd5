"""A co-op's training records: expiry from the validity the course had then, external training with its
certificate, refusals that name the field and save nothing, the matrix and the requirements behind it."""

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from consortium.clock import local_today
from consortium.extensions import db
from consortium.models import AuditEntry
from consortium.tenancy import consortium_scope, tenant_scope
from tenants.training import service
from tenants.training.models import TrainingRecord
from tests.a11y import tied_errors
from tests.conftest import login, token_for
from tests.training.helpers import make_course, make_record, require

API = "/api/v1/t/coop-a/training"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _records(app, tenant) -> int:
    with app.app_context(), tenant_scope(db.session, tenant.id):
        return db.session.scalar(select(func.count()).select_from(TrainingRecord))


def test_expiry_adds_calendar_months_as_dateutil_does():
    # python-dateutil's documented example: 31 January + 1 month is the last day of February.
    assert service.expiry_for(date(2003, 1, 31), 1) == date(2003, 2, 28)
    assert service.expiry_for(date(2024, 1, 31), 1) == date(2024, 2, 29)  # a leap year
    assert service.expiry_for(date(2025, 3, 14), 36) == date(2028, 3, 14)  # three-year first aid
    assert service.expiry_for(date(2025, 3, 14), None) is None  # the Care Certificate never expires


def test_cell_states_around_the_90_day_window():
    today = date(2026, 12, 1)
    assert service.cell_state(today, False, today) == "expired"  # on its expiry day it is no longer valid
    assert service.cell_state(today + timedelta(days=1), False, today) == "expiring"
    assert service.cell_state(today + timedelta(days=90), False, today) == "expiring"
    assert service.cell_state(today + timedelta(days=91), False, today) == "valid"
    assert service.cell_state(None, True, today) == "valid"


def test_a_record_keeps_the_validity_its_course_had_when_it_was_made(app, client, factory, two_coops):
    course = make_course(factory, validity_months=12)
    completed = local_today() - timedelta(days=10)
    headers = token_for(client, "treasurer.a@example.test")
    made = client.post(f"{API}/records", headers=headers, json={
        "member_id": two_coops["member_a"], "course_id": course, "completed_on": completed.isoformat(),
        "provider": "St John Ambulance"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["expires_on"] == service.expiry_for(completed, 12).isoformat()

    admin = factory.user("admin@example.test", {"role": "consortium_admin"})
    assert admin
    staff = token_for(client, "admin@example.test")
    assert client.patch(f"/api/v1/consortium/training/courses/{course}", headers=staff,
                        json={"validity_months": 36}).status_code == 200
    again = client.get(f"{API}/records/{made.get_json()['id']}", headers=headers).get_json()
    assert again["validity_months"] == 12
    assert again["expires_on"] == service.expiry_for(completed, 12).isoformat()
    with app.app_context(), tenant_scope(db.session, two_coops["a"].id):
        created = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "TrainingRecord")).all()
        assert [e.action for e in created] == ["create"]
        assert created[0].changes["expires_on"][1] == again["expires_on"]


def test_bad_records_are_refused_naming_the_field_and_nothing_is_saved(app, client, factory, two_coops):
    course = make_course(factory)
    headers = token_for(client, "treasurer.a@example.test")
    base = {"member_id": two_coops["member_a"], "course_id": course,
            "completed_on": (local_today() - timedelta(days=3)).isoformat()}
    future = client.post(f"{API}/records", headers=headers,
                         json={**base, "completed_on": (local_today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "completed_on" in future.get_json()["errors"]
    foreign = client.post(f"{API}/records", headers=headers, json={**base, "member_id": two_coops["member_b"]})
    assert foreign.status_code == 422 and "member_id" in foreign.get_json()["errors"]
    assert "Bob" not in foreign.get_data(as_text=True)
    unknown = client.post(f"{API}/records", headers=headers, json={**base, "course_id": 999999})
    assert unknown.status_code == 422 and "course_id" in unknown.get_json()["errors"]

    too_big = PDF + b"0" * 2048
    app.config["TRAINING_MAX_CERTIFICATE_BYTES"] = 1024
    try:
        big = client.post(f"{API}/records", headers=headers, content_type="multipart/form-data",
                          data={**base, "certificate": (io.BytesIO(too_big), "first-aid.pdf")})
    finally:
        del app.config["TRAINING_MAX_CERTIFICATE_BYTES"]
    assert big.status_code == 422 and "limit" in big.get_json()["errors"]["certificate"][0]
    exe = client.post(f"{API}/records", headers=headers, content_type="multipart/form-data",
                      data={**base, "certificate": (io.BytesIO(b"MZ\x90\x00binary"), "certificate.pdf")})
    assert exe.status_code == 422 and "PDF, PNG or JPEG" in exe.get_json()["errors"]["certificate"][0]
    renamed = client.post(f"{API}/records", headers=headers, content_type="multipart/form-data",
                          data={**base, "certificate": (io.BytesIO(PDF), "scan.png")})
    assert renamed.status_code == 422 and "certificate" in renamed.get_json()["errors"]
    assert _records(app, two_coops["a"]) == 0

    kept = client.post(f"{API}/records", headers=headers, content_type="multipart/form-data",
                       data={**base, "certificate": (io.BytesIO(PDF), "first-aid.pdf")})
    assert kept.status_code == 201 and kept.get_json()["certificate_filename"] == "first-aid.pdf"
    login(client, "treasurer.a@example.test")
    download = client.get(f"/t/coop-a/training/records/{kept.get_json()['id']}/file")
    assert download.data == PDF and download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_course_validity_of_zero_or_less_is_refused(client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    staff = token_for(client, "admin@example.test")
    for months in (0, -12):
        response = client.post("/api/v1/consortium/training/courses", headers=staff, json={
            "code": "BAD", "title": "Never valid", "topic": "fire_safety", "delivery": "online",
            "validity_months": months})
        assert response.status_code == 422 and "validity_months" in response.get_json()["errors"]
    assert client.get("/api/v1/consortium/training/courses", headers=staff).get_json() == []


def _matrix_fixture(app, factory, two_coops):
    """Coop A: care workers need moving and handling (12 months) and safeguarding (12 months); one leaver."""
    handling = make_course(factory, code="MH", title="Moving and handling", validity_months=12)
    safeguarding = make_course(factory, code="SGA", title="Safeguarding adults", validity_months=12,
                               topic="safeguarding_adults")
    tenant = two_coops["a"]
    alice = two_coops["member_a"]
    carlo = factory.member(tenant, name="Carlo of A")
    leaver = factory.member(tenant, name="Dora who left", joined_on=date(2020, 1, 1),
                            left_on=local_today() - timedelta(days=5))
    today = local_today()
    make_record(factory, tenant, member_id=alice, course_id=handling, completed_on=today - timedelta(days=100))
    make_record(factory, tenant, member_id=alice, course_id=safeguarding, completed_on=today - timedelta(days=300))
    make_record(factory, tenant, member_id=carlo, course_id=handling, completed_on=today - timedelta(days=400))
    require(factory, tenant, [{"name": "Care worker", "all_workers": True, "course_ids": [handling, safeguarding],
                               "member_ids": []}])
    return handling, safeguarding, alice, carlo, leaver


def test_the_matrix_counts_valid_expiring_expired_and_missing_for_current_workers_only(app, client, factory,
                                                                                        two_coops):
    handling, safeguarding, alice, carlo, leaver = _matrix_fixture(app, factory, two_coops)
    headers = token_for(client, "treasurer.a@example.test")
    matrix = client.get(f"{API}/matrix", headers=headers).get_json()
    cells = {(row["name"], c["course_id"]): c["state"] for row in matrix["rows"] for c in row["cells"]}
    assert cells == {("Alice of A", handling): "valid", ("Alice of A", safeguarding): "expiring",
                     ("Carlo of A", handling): "expired", ("Carlo of A", safeguarding): "missing"}
    assert "Dora who left" not in {row["name"] for row in matrix["rows"]}  # a leaver stops counting
    by_course = {c["course_id"]: c for c in matrix["courses"]}
    assert by_course[handling]["percent_compliant"] == "50.0"
    assert by_course[safeguarding]["percent_compliant"] == "50.0"
    assert matrix["overall"] == {"required": 4, "valid": 1, "expiring": 1, "expired": 1, "missing": 1,
                                 "percent_compliant": "50.0"}
    with app.app_context(), tenant_scope(db.session, two_coops["a"].id):
        report = service.compliance_report(db.session)
        assert (report.workers, report.required, report.expiring, report.percent_compliant) == (2, 4, 1, 50)

    login(client, "treasurer.a@example.test")
    page = client.get("/t/coop-a/training/").get_data(as_text=True)
    assert "50.0% compliant overall" in page and "Dora who left" not in page
    home = client.get("/t/coop-a/").get_data(as_text=True)
    assert "50.0% compliant" in home and "1 required course expires within 90 days" in home
    workbook = load_workbook(io.BytesIO(client.get("/t/coop-a/training/matrix.xlsx").data))
    sheet = workbook.active
    assert [c.value for c in sheet[1]][:4] == ["Worker", "Roles", "Moving and handling", "Safeguarding adults"]
    assert sheet["A2"].value == "Alice of A" and sheet["D2"].value.startswith("expiring")


def test_the_matrix_page_in_italian(client, factory, two_coops):
    _matrix_fixture(None, factory, two_coops)
    login(client, "treasurer.a@example.test")
    client.post("/language", data={"language": "it", "next": "/t/coop-a/training/"})
    page = client.get("/t/coop-a/training/").get_data(as_text=True)
    assert "Conformità formativa" in page and "50,0% in regola nel complesso" in page


def test_requirements_are_replaced_whole_and_bad_rows_are_refused_whole(app, client, factory, two_coops):
    course = make_course(factory)
    headers = token_for(client, "treasurer.a@example.test")
    good = {"roles": [{"name": "Care worker", "all_workers": True, "course_ids": [course]},
                      {"name": "Kitchen", "course_ids": [course], "member_ids": [two_coops["member_a"]]}]}
    saved = client.put(f"{API}/requirements", headers=headers, json=good)
    assert saved.status_code == 200
    assert [(r["name"], r["member_ids"]) for r in saved.get_json()["roles"]] == [
        ("Care worker", []), ("Kitchen", [two_coops["member_a"]])]
    for bad, field in (
            ({"roles": [{"name": "Care worker", "course_ids": [424242]}]}, "roles.0.course_ids"),
            ({"roles": [{"name": "A", "course_ids": [course]},
                        {"name": "Night", "member_ids": [two_coops["member_b"]]}]}, "roles.1.member_ids"),
            ({"roles": [{"name": "Same"}, {"name": "same"}]}, "roles.1.name")):
        refused = client.put(f"{API}/requirements", headers=headers, json=bad)
        assert refused.status_code == 422 and field in refused.get_json()["errors"], refused.get_json()
    assert client.get(f"{API}/requirements", headers=headers).get_json() == saved.get_json()
    viewer = factory.user("viewer.a@example.test", {"role": "viewer", "tenant": "coop-a"})
    assert viewer
    assert client.put(f"{API}/requirements", headers=token_for(client, "viewer.a@example.test"),
                      json=good).status_code == 403


def test_certificate_pdf_and_the_public_check_show_name_course_date_and_validity_only(app, client, factory,
                                                                                      two_coops):
    record_id = make_record(factory, two_coops["a"], member_id=two_coops["member_a"], title="Fire safety")
    headers = token_for(client, "treasurer.a@example.test")
    record = client.get(f"{API}/records/{record_id}", headers=headers).get_json()
    pdf = client.get(f"{API}/records/{record_id}/certificate", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert record["verification_code"].startswith(f"{two_coops['a'].id}-")

    anonymous = app.test_client()
    shown = anonymous.get(f"/training/verify/{record['verification_code']}")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Alice of A" in text and "Fire safety" in text and "Valid" in text
    assert "Test provider" not in text and "Coop A" not in text  # nothing beyond name, course, date, validity
    forged = f"{two_coops['a'].id}-AAAAAAAAAAAA"
    assert anonymous.get(f"/training/verify/{forged}").status_code == 404
    wrong_coop = record["verification_code"].replace(f"{two_coops['a'].id}-", f"{two_coops['b'].id}-", 1)
    assert anonymous.get(f"/training/verify/{wrong_coop}").status_code == 404


def test_the_consortium_never_reads_a_coops_records_line_by_line(app, factory, two_coops):
    make_record(factory, two_coops["a"], member_id=two_coops["member_a"])
    with app.app_context(), consortium_scope(db.session):
        reports = service.compliance_reports(db.session)
        assert [r.tenant_id for r in reports] == [two_coops["a"].id]
        assert not hasattr(reports[0], "member_id")


def test_refused_requirements_and_record_forms_tie_each_error_to_its_field(app, client, factory, two_coops):
    """A failed submit lists the errors in an alert summary and marks each field invalid, described by its
    own message (tests/a11y.py): a role named twice, a worker who is not this co-op's, a record without a
    course or a date."""
    course = make_course(factory)
    login(client, "treasurer.a@example.test")
    refused = client.post("/t/coop-a/training/requirements", data={
        "roles-0-name": "Kitchen", "roles-0-course": str(course),
        "roles-1-name": "kitchen", "roles-2-name": ""})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert tied_errors(page) == {"f-roles-1-name": "duplicate role name"}
    assert '<a href="#f-roles-1-name">Name of role 2</a>' in page
    stranger = client.post("/t/coop-a/training/requirements", data={
        "roles-0-name": "Night", "roles-0-member": str(two_coops["member_b"])})
    assert tied_errors(stranger.get_data(as_text=True)) == {
        "f-roles-0-member": f"no worker {two_coops['member_b']} in this co-op"}

    record = client.post("/t/coop-a/training/records", data={"member_id": str(two_coops["member_a"])})
    assert record.status_code == 422
    tied = tied_errors(record.get_data(as_text=True))
    assert set(tied) == {"f-course_id", "f-completed_on"} and all(tied.values()), tied
    assert _records(app, two_coops["a"]) == 0
