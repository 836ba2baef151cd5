"""Projects through the API: opening, stages and checklists, milestones, notes, documents, founders, loans."""

import io
import zipfile

import pytest
from sqlalchemy import func, select

from consortium.extensions import db
from consortium.models import AuditEntry
from consortium.tenancy import consortium_scope
from shared_services.incubation.models import (
    IncubationProject,
    LoanRequest,
    MeetingNote,
    Milestone,
    ProjectDocument,
    StageChange,
)
from tests.conftest import token_for
from tests.incubation.conftest import OUTSIDER, project_body, tick_all, walk_to

API = "/api/v1/incubation/projects"


def count(app, model, **where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def test_staff_open_a_project_with_founders_and_checklist(client, incubation):
    project = client.get(f"{API}/{incubation['one']}", headers=incubation["staff"]).get_json()
    assert project["stage"] == "idea"
    assert project["sponsor"] == "sponsor-coop" and project["sponsor_name"] == "Sponsor Co-op"
    assert project["country"] == "uk"  # the sponsor's jurisdiction
    assert [f["role"] for f in project["founding_group"]] == ["worker", "service_user", "volunteer"]
    assert [m["email"] for m in project["mentors"]] == ["mentor.one@example.test"]
    checklist = client.get(f"{API}/{incubation['one']}/checklist", headers=incubation["staff"]).get_json()
    assert {item["stage"] for item in checklist} == {"idea"} and all(not item["done"] for item in checklist)


@pytest.mark.parametrize(("change", "field"), [
    ({"sponsor": "nobody-coop"}, "sponsor"),
    ({"intended_legal_form": "social_coop_b"}, "intended_legal_form"),  # an Italian form for a UK sponsor
    ({"founding_group": [{"name": "X", "role": "boss"}]}, "founding_group"),
])
def test_bad_new_project_is_refused_naming_the_field(app, client, incubation, change, field):
    before = count(app, IncubationProject)
    response = client.post(API, headers=incubation["staff"], json=project_body(**change))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count(app, IncubationProject) == before


def test_sponsor_must_be_an_active_member(app, client, factory, incubation):
    factory.tenant("gone-coop", status="left")
    response = client.post(API, headers=incubation["staff"], json=project_body(sponsor="gone-coop"))
    assert response.status_code == 422
    assert "not an active member" in response.get_json()["errors"]["sponsor"][0]
    assert count(app, IncubationProject) == 2


def test_mentors_and_treasurers_cannot_open_projects(client, incubation):
    assert client.post(API, headers=incubation["mentor_one"], json=project_body()).status_code == 403
    assert client.post(API, headers=token_for(client, OUTSIDER), json=project_body()).status_code == 403


def test_stage_moves_one_step_at_a_time(app, client, incubation):
    url, mentor = f"{API}/{incubation['one']}/stage", incubation["mentor_one"]
    response = client.post(url, headers=mentor, json={"to": "business_plan"})
    assert response.status_code == 422
    assert "to" in response.get_json()["errors"] and "skipped" in response.get_json()["errors"]["to"][0]
    response = client.post(url, headers=mentor, json={"to": "flying"})
    assert response.status_code == 422 and "to" in response.get_json()["errors"]
    assert count(app, StageChange, project_id=incubation["one"]) == 1
    tick_all(client, mentor, incubation["one"])
    response = client.post(url, headers=mentor, json={"to": "founding_group_formed"})
    assert response.status_code == 200 and response.get_json()["stage"] == "founding_group_formed"
    response = client.post(url, headers=mentor, json={"to": "idea"})
    assert response.status_code == 422 and "to" in response.get_json()["errors"]


def test_open_required_items_block_leaving_a_stage(app, client, incubation):
    url = f"{API}/{incubation['one']}/stage"
    response = client.post(url, headers=incubation["mentor_one"], json={"to": "founding_group_formed"})
    assert response.status_code == 422
    assert "Need described with the sponsor co-op" in response.get_json()["errors"]["to"][0]
    assert client.get(f"{API}/{incubation['one']}", headers=incubation["staff"]).get_json()["stage"] == "idea"


def test_only_officers_override_the_checklist_and_the_reason_is_audited(app, client, incubation):
    url = f"{API}/{incubation['one']}/stage"
    body = {"to": "founding_group_formed", "override_reason": "Board approved the group on 3 March"}
    assert client.post(url, headers=incubation["mentor_one"], json=body).status_code == 403
    assert count(app, StageChange, project_id=incubation["one"]) == 1
    response = client.post(url, headers=incubation["staff"], json=body)
    assert response.status_code == 200, response.get_json()
    history = client.get(f"{API}/{incubation['one']}/stage-history", headers=incubation["staff"]).get_json()
    assert history[-1]["override_reason"] == "Board approved the group on 3 March"
    assert "Need described" in history[-1]["overridden_items"]
    with app.app_context(), consortium_scope(db.session):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "StageChange")).all()
        assert any(e.changes.get("override_reason", [None, None])[1] == "Board approved the group on 3 March"
                   for e in entries)
        project_updates = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "IncubationProject", AuditEntry.action == "update")).all()
        assert any(e.changes.get("stage") == ["idea", "founding_group_formed"] for e in project_updates)


def test_pause_and_close_need_a_reason_and_a_closed_project_stays_closed(app, client, incubation):
    url, mentor = f"{API}/{incubation['one']}/stage", incubation["mentor_one"]
    response = client.post(url, headers=mentor, json={"to": "paused"})
    assert response.status_code == 422 and "reason" in response.get_json()["errors"]
    assert client.post(url, headers=mentor, json={"to": "paused", "reason": "summer"}).status_code == 200
    response = client.post(url, headers=mentor, json={"to": "founding_group_formed"})
    assert response.status_code == 422  # resuming goes back to where it paused
    assert client.post(url, headers=mentor, json={"to": "idea"}).get_json()["stage"] == "idea"
    assert client.post(url, headers=mentor, json={"to": "closed", "reason": "Group split up"}).status_code == 200
    for target in ("idea", "founding_group_formed", "paused"):
        response = client.post(url, headers=mentor, json={"to": target, "reason": "try"})
        assert response.status_code == 422
        assert "closed" in response.get_json()["errors"]["to"][0]
    assert count(app, StageChange, project_id=incubation["one"]) == 4


def test_milestones_due_dates_and_completion(app, client, incubation):
    url, mentor = f"{API}/{incubation['one']}/milestones", incubation["mentor_one"]
    response = client.post(url, headers=mentor, json={"title": "Rules drafted", "due_on": "2024-12-31"})
    assert response.status_code == 422 and "due_on" in response.get_json()["errors"]
    assert count(app, Milestone) == 0
    response = client.post(url, headers=mentor, json={"title": "Rules drafted", "due_on": "2025-03-01",
                                                      "owner": "Grace"})
    assert response.status_code == 201
    milestone = response.get_json()["id"]
    done = client.patch(f"{url}/{milestone}", headers=mentor, json={"done_on": "2025-02-20"})
    assert done.status_code == 200 and done.get_json()["done_on"] == "2025-02-20"
    assert [m["title"] for m in client.get(url, headers=mentor).get_json()] == ["Rules drafted"]


def test_notes_are_written_and_listed_newest_first(client, incubation):
    url, mentor = f"{API}/{incubation['one']}/notes", incubation["mentor_one"]
    for met_on in ("2025-02-01", "2025-03-01"):
        response = client.post(url, headers=mentor, json={"met_on": met_on, "attendees": "Grace, Harry",
                                                          "decisions": "Go", "next_steps": "Bank"})
        assert response.status_code == 201
    assert [n["met_on"] for n in client.get(url, headers=mentor).get_json()] == ["2025-03-01", "2025-02-01"]
    response = client.post(url, headers=mentor, json={"met_on": "2020-01-01", "attendees": "X"})
    assert response.status_code == 422 and "met_on" in response.get_json()["errors"]


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "mimetype"), [
    ("plan.pdf", b"%PDF-1.7\n1 0 obj\n", "application/pdf"),
    ("site.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
    ("rules.docx", _docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("minutes.txt", "Verbale: approvato all'unanimità.".encode(), "text/plain; charset=utf-8"),
])
def test_documents_upload_and_download(client, incubation, name, content, mimetype):
    url, mentor = f"{API}/{incubation['one']}/documents", incubation["mentor_one"]
    response = client.post(url, headers=mentor, data={"file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == mimetype and response.get_json()["size"] == len(content)
    download = client.get(f"{url}/{response.get_json()['id']}", headers=mentor)
    assert download.status_code == 200 and download.data == content
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", "is not a"),
    ("archive.zip", b"PK\x03\x04" + b"\x00" * 30, "is not a"),
    ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "PNG data"),
    ("empty.txt", b"", "empty"),
])
def test_documents_of_a_disallowed_type_are_refused(app, client, incubation, name, content, message):
    response = client.post(f"{API}/{incubation['one']}/documents", headers=incubation["mentor_one"],
                           data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_json()["errors"]["file"][0]
    assert count(app, ProjectDocument) == 0


def test_documents_over_the_size_limit_are_refused(app, client, incubation):
    app.config["INCUBATION_MAX_DOCUMENT_BYTES"] = 1000
    try:
        response = client.post(f"{API}/{incubation['one']}/documents", headers=incubation["mentor_one"],
                               data={"file": (io.BytesIO(b"%PDF-" + b"x" * 1000), "big.pdf")},
                               content_type="multipart/form-data")
    finally:
        del app.config["INCUBATION_MAX_DOCUMENT_BYTES"]
    assert response.status_code == 422
    assert "the limit is 1,000 bytes" in response.get_json()["errors"]["file"][0]
    assert count(app, ProjectDocument) == 0


def test_founders_added_and_removed(client, incubation):
    url, mentor = f"{API}/{incubation['one']}/founders", incubation["mentor_one"]
    response = client.post(url, headers=mentor, json={"name": "Kwame Khan", "role": "family_member"})
    assert response.status_code == 201
    assert client.delete(f"{url}/{response.get_json()['id']}", headers=mentor).status_code == 204
    assert [f["name"] for f in client.get(url, headers=mentor).get_json()] == [
        "Grace Okafor", "Harry Walker", "Isla Hughes"]


def test_only_staff_change_the_sponsor(client, incubation):
    url = f"{API}/{incubation['one']}"
    assert client.patch(url, headers=incubation["mentor_one"], json={"sponsor": "other-coop"}).status_code == 403
    response = client.patch(url, headers=incubation["mentor_one"], json={"locality": "Salford"})
    assert response.status_code == 200 and response.get_json()["locality"] == "Salford"
    response = client.patch(url, headers=incubation["staff"], json={"sponsor": "other-coop"})
    assert response.status_code == 200 and response.get_json()["sponsor"] == "other-coop"


def test_started_on_cannot_move_after_a_milestone(client, incubation):
    url = f"{API}/{incubation['one']}"
    client.post(f"{url}/milestones", headers=incubation["staff"], json={"title": "A", "due_on": "2025-02-01"})
    response = client.patch(url, headers=incubation["staff"], json={"started_on": "2025-03-01"})
    assert response.status_code == 422 and "started_on" in response.get_json()["errors"]
    assert client.get(url, headers=incubation["staff"]).get_json()["started_on"] == "2025-01-10"


def test_loan_request_goes_to_staff_and_refusal_is_recorded(app, client, incubation):
    url = f"{API}/{incubation['one']}/loan-requests"
    response = client.post(url, headers=incubation["mentor_one"],
                           json={"amount": "15000.00", "months": 36, "purpose": "Kitchen equipment"})
    assert response.status_code == 201 and response.get_json()["status"] == "requested"
    request_id = response.get_json()["id"]
    again = client.post(url, headers=incubation["mentor_one"], json={"amount": "1.00", "months": 3, "purpose": "xyz"})
    assert again.status_code == 409
    assert client.post(f"{url}/{request_id}/refuse", headers=incubation["mentor_one"],
                       json={"note": "no money"}).status_code == 403
    response = client.post(f"{url}/{request_id}/refuse", headers=incubation["staff"],
                           json={"note": "Fund exposure too high this year"})
    assert response.status_code == 200 and response.get_json()["status"] == "refused"
    response = client.post(url, headers=incubation["mentor_one"],
                           json={"amount": "-5", "months": 36, "purpose": "Kitchen"})
    assert response.status_code == 422 and "amount" in response.get_json()["errors"]
    assert count(app, LoanRequest) == 1


def test_loan_grant_goes_through_the_fund_exposure_check(app, client, incubation):
    url = f"{API}/{incubation['one']}/loan-requests"
    request_id = client.post(url, headers=incubation["mentor_one"], json={
        "amount": "15000.00", "months": 36, "purpose": "Kitchen equipment"}).get_json()["id"]
    response = client.post(f"{url}/{request_id}/grant", headers=incubation["staff"],
                           json={"annual_rate": "2.5000", "method": "annuity", "first_due": "2099-01-31"})
    # The fund holds nothing in a fresh database, so its exposure limit refuses any loan.
    assert response.status_code == 422, response.get_json()
    assert "principal" in response.get_json()["errors"]
    assert count(app, LoanRequest, status="requested") == 1


def test_meeting_notes_do_not_save_for_closed_ids(app, client, incubation):
    response = client.post(f"{API}/999/notes", headers=incubation["staff"], json={"met_on": "2025-02-01",
                                                                                  "attendees": "x"})
    assert response.status_code == 404
    assert count(app, MeetingNote) == 0


def test_conversion_path_is_walked_to_registered(client, incubation):
    walk_to(client, incubation["mentor_one"], incubation["one"], "registered")
    response = client.post(f"{API}/{incubation['one']}/stage", headers=incubation["mentor_one"],
                           json={"to": "trading"})
    assert response.status_code == 422
    assert "convert" in response.get_json()["errors"]["to"][0]


def test_granted_loan_is_linked_to_the_fund_loan(app, client, incubation):
    from datetime import date
    from decimal import Decimal

    from shared_services.mutual_fund import calculations
    from shared_services.mutual_fund import service as fund
    from shared_services.mutual_fund.models import Loan

    # Money in the fund (as if contributions had come in), so its exposure limit leaves room for the loan.
    with app.app_context(), consortium_scope(db.session):
        fund._post(db.session, "contribution_received", "Contributions received", calculations.FUND_CASH,
                   calculations.CONTRIBUTION_INCOME, Decimal("200000.00"), date(2025, 1, 1))
        db.session.commit()
    url = f"{API}/{incubation['one']}/loan-requests"
    request_id = client.post(url, headers=incubation["mentor_one"], json={
        "amount": "12000.00", "months": 24, "purpose": "Kitchen equipment"}).get_json()["id"]
    assert client.post(f"{url}/{request_id}/grant", headers=incubation["mentor_one"], json={
        "annual_rate": "2.5", "first_due": "2099-01-31"}).status_code == 403
    response = client.post(f"{url}/{request_id}/grant", headers=incubation["staff"],
                           json={"annual_rate": "2.5000", "method": "annuity", "first_due": "2099-01-31"})
    assert response.status_code == 200, response.get_json()
    granted = response.get_json()
    assert granted["status"] == "granted" and granted["loan_id"]
    with app.app_context(), consortium_scope(db.session):
        loan = db.session.get(Loan, granted["loan_id"])
        assert loan.incubation_project_id == incubation["one"] and loan.borrower_name == "Project One"
        assert str(loan.principal) == "12000.00" and loan.months == 24
    again = client.post(f"{url}/{request_id}/grant", headers=incubation["staff"],
                        json={"annual_rate": "2.5000", "first_due": "2099-01-31"})
    assert again.status_code == 409
