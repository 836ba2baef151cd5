"""The pages a mentor uses at their weekly check-in, and the staff pages around them."""

import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from consortium.clock import local_today
from consortium.extensions import db
from shared_services.incubation.models import ChecklistTemplateItem, LoanRequest, Milestone, ProjectDocument
from tests.a11y import tied_errors
from tests.conftest import login, unrestricted
from tests.incubation.conftest import MENTOR_ONE, STAFF, project_body, ready_to_convert

PAGES = "/incubation/projects"


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_my_projects_lists_only_mine_with_next_milestone_and_overdue(app, client, incubation):
    today = local_today()
    staff = incubation["staff"]
    for title, days in (("Bank account opened", -3), ("Rules drafted", 5), ("Premises found", 40)):
        client.post(f"/api/v1/incubation/projects/{incubation['one']}/milestones", headers=staff,
                    json={"title": title, "due_on": str(today + timedelta(days=days))})
    login(client, MENTOR_ONE)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/incubation/"' in home and "My projects" in home
    page = client.get("/incubation/").get_data(as_text=True)
    assert "Project One" in page and "Project Two" not in page
    assert "Rules drafted" in page and '<span class="badge fail">1</span>' in page


def test_mentor_checks_in_ticks_adds_and_moves(app, client, incubation):
    login(client, MENTOR_ONE)
    url = f"{PAGES}/{incubation['one']}"
    page = client.get(url).get_data(as_text=True)
    assert "Need described with the sponsor co-op" in page and "Override reason" not in page
    refused = client.post(f"{url}/stage", data={"to": "founding_group_formed"})
    assert refused.status_code == 302 and refused.headers["Location"] == f"{url}#stage"
    shown = client.get(url).get_data(as_text=True)
    assert "required checklist items open" in shown
    items = client.get(f"/api/v1/incubation/projects/{incubation['one']}/checklist",
                       headers=incubation["mentor_one"]).get_json()
    for item in items:
        assert client.post(f"{url}/checklist/{item['id']}", data={"done": "y"}).status_code == 302
    moved = client.post(f"{url}/stage", data={"to": "founding_group_formed"}, follow_redirects=True)
    assert "Project moved to founding group formed" in moved.get_data(as_text=True)
    note = client.post(f"{url}/notes", data={"met_on": str(local_today()), "attendees": "Grace, Harry",
                                              "decisions": "Open the bank account", "next_steps": ""},
                       follow_redirects=True)
    assert "Open the bank account" in note.get_data(as_text=True)


def test_bad_milestone_on_the_page_is_shown_and_not_saved(app, client, incubation):
    login(client, MENTOR_ONE)
    response = client.post(f"{PAGES}/{incubation['one']}/milestones",
                           data={"title": "Too early", "due_on": "2020-01-01"}, follow_redirects=True)
    assert response.request.path == f"{PAGES}/{incubation['one']}"
    shown = response.get_data(as_text=True)
    assert "must not be before the project started" in shown and 'value="Too early"' in shown
    assert _count(app, Milestone) == 0
    ok = client.post(f"{PAGES}/{incubation['one']}/milestones", data={"title": "Fine", "due_on": "2025-05-05"})
    assert ok.status_code == 302
    milestone_id = client.get(f"/api/v1/incubation/projects/{incubation['one']}/milestones",
                              headers=incubation["mentor_one"]).get_json()[0]["id"]
    done = client.post(f"{PAGES}/{incubation['one']}/milestones/{milestone_id}/done", follow_redirects=True)
    assert "reached on " + format_date_en(local_today()) in done.get_data(as_text=True)


def test_documents_through_the_page(app, client, incubation):
    login(client, MENTOR_ONE)
    url = f"{PAGES}/{incubation['one']}/documents"
    bad = client.post(url, data={"file": (io.BytesIO(b"\x00\x01binary"), "blob.bin")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "is not a PDF, PNG" in bad.get_data(as_text=True)
    assert _count(app, ProjectDocument) == 0
    good = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4 plan"), "business plan.pdf")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "business plan.pdf uploaded" in good.get_data(as_text=True)
    with app.app_context():
        document_id = db.session.scalar(select(ProjectDocument.id))
    download = client.get(f"{url}/{document_id}")
    assert download.data == b"%PDF-1.4 plan" and download.mimetype == "application/pdf"


def test_staff_open_a_project_assign_a_mentor_and_override(app, client, incubation):
    login(client, STAFF)
    body = project_body(working_name="Canal Café")
    body.pop("founding_group")
    bad = client.post(f"{PAGES}/new", data={**body, "sponsor": "nobody"})
    assert bad.status_code == 422 and "no co-op with slug" in bad.get_data(as_text=True)
    created = client.post(f"{PAGES}/new", data=body)
    assert created.status_code == 302
    url = created.headers["Location"]
    assigned = client.post(f"{url}/mentors", data={"user_id": str(incubation["mentor_one_id"])}, follow_redirects=True)
    assert "now mentors this project" in assigned.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Override reason" in page
    moved = client.post(f"{url}/stage", data={"to": "founding_group_formed", "override_reason": "Agreed at board"},
                        follow_redirects=True)
    assert "Agreed at board" in moved.get_data(as_text=True)
    login(client, MENTOR_ONE)
    assert "Canal Café" in client.get("/incubation/").get_data(as_text=True)


def test_mentor_cannot_use_staff_actions_on_their_own_project(app, client, incubation):
    login(client, MENTOR_ONE)
    url = f"{PAGES}/{incubation['one']}"
    response = client.post(f"{url}/stage", data={"to": "founding_group_formed", "override_reason": "please"},
                           follow_redirects=True)
    assert "Only a consortium officer" in response.get_data(as_text=True)
    response = client.post(f"{url}/mentors", data={"user_id": str(incubation["mentor_two_id"])},
                           follow_redirects=True)
    assert "Only consortium staff" in response.get_data(as_text=True)
    assert client.get("/incubation/checklist-template").status_code == 403
    assert client.get("/incubation/projects/new").status_code == 403


def test_checklist_template_is_edited_by_staff(app, client, incubation):
    login(client, STAFF)
    page = client.post("/incubation/checklist-template", data={"stage": "idea", "label": "Sponsor board minute",
                                                               "required": "y"}, follow_redirects=True)
    assert "Sponsor board minute" in page.get_data(as_text=True)
    bad = client.post("/incubation/checklist-template", data={"stage": "closed", "label": "x"})
    assert bad.status_code == 422
    with app.app_context():
        item_id = db.session.scalar(select(ChecklistTemplateItem.id).where(
            ChecklistTemplateItem.label == "Sponsor board minute"))
    retired = client.post(f"/incubation/checklist-template/{item_id}/retire", follow_redirects=True)
    assert "retired" in retired.get_data(as_text=True)
    assert "Sponsor board minute" not in client.get("/incubation/checklist-template").get_data(as_text=True)
    # A new project's idea checklist no longer has it; the API shows the template too.
    response = client.get("/api/v1/incubation/checklist-template", headers=incubation["staff"])
    assert all(item["label"] != "Sponsor board minute" for item in response.get_json())


def test_a_mentor_removed_while_logged_in_loses_the_pages_at_once(app, client, incubation):
    from shared_services.incubation.models import MeetingNote

    mentor = app.test_client()
    login(mentor, MENTOR_ONE)
    url = f"{PAGES}/{incubation['one']}"
    assert mentor.get(url).status_code == 200
    login(client, STAFF)
    removed = client.post(f"{url}/mentors/{incubation['mentor_one_id']}/delete", follow_redirects=True)
    assert removed.status_code == 200 and "Mentor removed." in removed.get_data(as_text=True)
    notes_before = _count(app, MeetingNote)
    assert mentor.get(url).status_code == 404
    assert "Project One" not in mentor.get("/incubation/").get_data(as_text=True)
    response = mentor.post(f"{url}/notes", data={"met_on": str(local_today()), "attendees": "Grace"})
    assert response.status_code == 404 and _count(app, MeetingNote) == notes_before


def format_date_en(day) -> str:
    """A date as English pages write it (1 Dec 2026)."""
    return f"{day.day} {day.strftime('%b')} {day.year}"


def test_a_milestone_is_reached_on_the_date_the_mentor_gives(app, client, incubation):
    login(client, MENTOR_ONE)
    url = f"{PAGES}/{incubation['one']}"
    client.post(f"{url}/milestones", data={"title": "Rules drafted", "due_on": "2025-05-05"})
    with app.app_context():
        milestone_id = db.session.scalar(select(Milestone.id))
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/milestones/{milestone_id}/done"' in page and 'name="done_on"' in page
    done = client.post(f"{url}/milestones/{milestone_id}/done", data={"done_on": "2025-04-28"})
    assert done.status_code == 302
    with app.app_context():
        assert str(db.session.get(Milestone, milestone_id).done_on) == "2025-04-28"
    # Tomorrow is refused, beside the milestone, and nothing changes.
    client.post(f"{url}/milestones/{milestone_id}/done", data={"reopen": "y"})
    tomorrow = local_today() + timedelta(days=1)
    refused = client.post(f"{url}/milestones/{milestone_id}/done", data={"done_on": str(tomorrow)},
                          follow_redirects=True)
    assert "must not be in the future" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Milestone, milestone_id).done_on is None


def test_a_failed_stage_move_brings_the_browser_back_to_the_project_page(app, client, incubation):
    login(client, MENTOR_ONE)
    url = f"{PAGES}/{incubation['one']}"
    refused = client.post(f"{url}/stage", data={"to": "paused", "reason": ""})
    assert refused.status_code == 302 and refused.headers["Location"] == f"{url}#stage"
    page = client.get(url).get_data(as_text=True)
    assert "say why the project is paused" in page
    assert "say why the project is paused" not in client.get(url).get_data(as_text=True)  # shown once


def test_an_italian_mentor_asks_for_a_loan_of_1234_euro_56(app, client, incubation):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it"
    login(client, MENTOR_ONE)
    response = client.post(f"/incubation/projects/{incubation['one']}/loan-requests",
                           data={"amount": "1.234,56", "months": "36", "purpose": "Furgone"})
    assert response.status_code == 302
    with unrestricted(app) as connection:
        assert connection.execute(select(LoanRequest.amount)).scalar_one() == Decimal("1234.56")
    # The API does not read commas.
    api = client.post(f"/api/v1/incubation/projects/{incubation['two']}/loan-requests",
                      headers=incubation["mentor_two"], json={"amount": "1.234,56", "months": 36, "purpose": "x"})
    assert api.status_code == 422


def test_each_refused_form_of_the_project_page_ties_its_errors_to_its_fields(app, client, incubation):
    """Stage, founders, loan request, grant and conversion: after the redirect the refused form's summary
    (an alert) links to its fields, each marked invalid and described by its own message (tests/a11y.py);
    the other forms of the page keep ids of their own."""
    login(client, STAFF)
    url = f"{PAGES}/{incubation['one']}"

    def refused(action, data):
        response = client.post(f"{url}/{action}", data=data)
        assert response.status_code == 302
        return tied_errors(client.get(url).get_data(as_text=True))

    assert refused("stage", {"to": "paused", "reason": ""}) == {"f-stage-reason": "say why the project is paused"}
    founder = refused("founders", {"name": "Lia", "role": "worker", "email": "not-an-email"})
    assert list(founder) == ["f-founders-email"] and founder["f-founders-email"]
    loan = refused("loan-requests", {"amount": "-5", "months": "36", "purpose": "Van"})
    assert list(loan) == ["f-loans-amount"] and loan["f-loans-amount"]

    asked = client.post(f"{url}/loan-requests", data={"amount": "5000", "months": "36", "purpose": "Van"})
    assert asked.status_code == 302
    with app.app_context():
        request_id = db.session.scalar(select(LoanRequest.id))
    grant = refused(f"loan-requests/{request_id}/grant", {"annual_rate": "", "method": "annuity", "first_due": ""})
    assert set(grant) == {f"f-loan-{request_id}-annual_rate", f"f-loan-{request_id}-first_due"}, grant

    ready_to_convert(client, incubation["staff"], incubation["one"])
    convert = refused("convert", {"slug": "Not A Slug!", "name": "Project One", "legal_form": "coop_society",
                                  "treasurer_email": ""})
    assert "f-convert-treasurer_email" in convert and convert["f-convert-treasurer_email"], convert
