"""Turning a registered project into a member co-op: one step, one transaction, never twice."""

from sqlalchemy import func, select

from consortium.extensions import db
from consortium.models import RoleAssignment, Tenant, User
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import tenant_scope
from shared_services.incubation.models import IncubationProject
from tenants.members.models import Member
from tests.conftest import count_rows, token_for, unrestricted
from tests.incubation.conftest import FIRST_TREASURER, MENTOR_TWO, convert_body, ready_to_convert, walk_to

API = "/api/v1/incubation/projects"


def _tenants(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Tenant.id)))


def test_conversion_creates_the_coop_with_sponsor_and_first_members(app, client, incubation):
    ready_to_convert(client, incubation["staff"], incubation["one"])
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                           json=convert_body(slug="orto-solidale", founding_date="2025-09-01",
                                             registration_number="32999R"))
    assert response.status_code == 201, response.get_json()
    tenant = response.get_json()
    assert tenant["sponsor"] == "sponsor-coop" and tenant["name"] == "Project One"
    assert tenant["founding_date"] == "2025-09-01" and tenant["status"] == "active"
    project = client.get(f"{API}/{incubation['one']}", headers=incubation["staff"]).get_json()
    assert project["tenant"] == "orto-solidale" and project["converted_at"]
    with app.app_context(), tenant_scope(db.session, tenant["id"]):
        members = db.session.scalars(select(Member).order_by(Member.name)).all()
        assert [(m.name, m.category, str(m.joined_on)) for m in members] == [
            ("Grace Okafor", "worker", "2025-09-01"), ("Harry Walker", "service_user", "2025-09-01"),
            ("Isla Hughes", "volunteer", "2025-09-01")]
        assert members[1].email == "harry@example.test"
    # Its stages are over: the co-op's own records carry it on.
    response = client.post(f"{API}/{incubation['one']}/stage", headers=incubation["staff"],
                           json={"to": "trading", "override_reason": "Registered co-op, checklist checked offline"})
    assert response.status_code == 422 and "to" in response.get_json()["errors"]


def test_conversion_is_refused_twice_before_registered_and_for_mentors(app, client, incubation):
    url = f"{API}/{incubation['one']}/convert"
    response = client.post(url, headers=incubation["staff"], json=convert_body(slug="too-early"))
    assert response.status_code == 422 and "stage" in response.get_json()["errors"]
    ready_to_convert(client, incubation["staff"], incubation["one"])
    assert client.post(url, headers=incubation["mentor_one"], json=convert_body(slug="by-mentor")).status_code == 403
    before = _tenants(app)
    assert client.post(url, headers=incubation["staff"], json=convert_body(slug="first-time")).status_code == 201
    response = client.post(url, headers=incubation["staff"], json=convert_body(slug="second-time"))
    assert response.status_code == 409
    assert _tenants(app) == before + 1


def test_a_failed_conversion_saves_nothing(app, client, incubation):
    ready_to_convert(client, incubation["staff"], incubation["one"])
    before = _tenants(app)
    for body, field in (({"slug": "sponsor-coop"}, "slug"), ({"slug": "new-coop", "vat_number": "GB123"}, "vat_number"),
                        ({"slug": "Bad Slug!"}, "slug"), ({"slug": "no-treasurer", "treasurer_email": None},
                                                          "treasurer_email"),
                        ({"slug": "nameless", "treasurer_name": None}, "treasurer_name")):
        response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                               json={k: v for k, v in convert_body(**body).items() if v is not None})
        assert response.status_code in (409, 422), response.get_json()
        assert field in response.get_json()["errors"]
    assert _tenants(app) == before
    assert client.get(f"{API}/{incubation['one']}", headers=incubation["staff"]).get_json()["tenant"] is None
    assert count_rows(app, Member) == 0


def test_a_sponsor_that_left_cannot_parent_the_new_coop(app, client, incubation):
    ready_to_convert(client, incubation["staff"], incubation["one"])
    admin = token_for(client, "admin@example.test")
    assert client.patch("/api/v1/tenants/sponsor-coop", headers=admin, json={"status": "left"}).status_code == 200
    before = _tenants(app)
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                           json=convert_body(slug="orphan"))
    assert response.status_code == 422 and "sponsor" in response.get_json()["errors"]
    assert _tenants(app) == before


def test_conversion_and_stage_moves_are_audited_with_who_did_them(app, client, incubation):
    from consortium.models import AuditEntry, User
    from tests.incubation.conftest import MENTOR_ONE, STAFF, tick_all

    tick_all(client, incubation["mentor_one"], incubation["one"])
    moved = client.post(f"{API}/{incubation['one']}/stage", headers=incubation["mentor_one"],
                        json={"to": "founding_group_formed"})
    assert moved.status_code == 200, moved.get_json()
    ready_to_convert(client, incubation["staff"], incubation["one"])
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                           json=convert_body(slug="audited-coop"))
    assert response.status_code == 201, response.get_json()
    tenant_id = response.get_json()["id"]
    with unrestricted(app) as connection:  # the co-op's own entries too, which the consortium scope may not read
        ids = dict(connection.execute(select(User.email, User.id)).all())
        entries = connection.execute(select(AuditEntry.__table__).order_by(AuditEntry.id)).all()
        first_move = next(e for e in entries if e.object_type == "StageChange" and e.action == "create"
                          and e.changes.get("to_stage", [None, None])[1] == "founding_group_formed")
        assert first_move.actor_id == ids[MENTOR_ONE]
        conversion = [e for e in entries if e.object_type == "IncubationProject" and e.action == "update"
                      and e.changes.get("tenant_id") == [None, tenant_id]]
        assert len(conversion) == 1 and conversion[0].actor_id == ids[STAFF]
        created = [e for e in entries if e.object_type == "Tenant" and e.action == "create"
                   and e.object_id == str(tenant_id)]
        assert len(created) == 1 and created[0].actor_id == ids[STAFF]


def test_conversion_waits_for_the_registered_checklist_unless_an_officer_gives_a_reason(app, client, incubation):
    walk_to(client, incubation["staff"], incubation["one"], "registered")  # registered's own items still open
    url = f"{API}/{incubation['one']}/convert"
    before = _tenants(app)
    refused = client.post(url, headers=incubation["staff"], json=convert_body(slug="too-soon"))
    assert refused.status_code == 422, refused.get_json()
    assert "Bank account opened" in refused.get_json()["errors"]["override_reason"][0]
    assert _tenants(app) == before
    with unrestricted(app) as connection:
        assert connection.execute(select(func.count()).select_from(User.__table__)
                                  .where(User.email == FIRST_TREASURER)).scalar() == 0
    allowed = client.post(url, headers=incubation["staff"],
                          json=convert_body(slug="with-reason", override_reason="Bank account opens next week"))
    assert allowed.status_code == 201, allowed.get_json()
    with app.app_context():
        project = db.session.get(IncubationProject, incubation["one"])
        assert project.conversion_override_reason == "Bank account opens next week"
        assert "Bank account opened" in project.conversion_overridden_items


def test_the_first_treasurer_is_invited_or_given_the_role(app, client, incubation, monkeypatch, tmp_path):
    from consortium.scheduler import run_job

    ready_to_convert(client, incubation["staff"], incubation["one"])
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                           json=convert_body(slug="new-treasurer"))
    assert response.status_code == 201, response.get_json()
    tenant_id = response.get_json()["id"]
    with unrestricted(app) as connection:
        user_id = connection.execute(select(User.id).where(User.email == FIRST_TREASURER)).scalar_one()
        roles = connection.execute(select(RoleAssignment.role, RoleAssignment.tenant_id)
                                   .where(RoleAssignment.user_id == user_id)).all()
        assert roles == [("treasurer", tenant_id)]
        invitations = connection.execute(select(OutboxMessage.body, OutboxMessage.tenant_id).where(
            OutboxMessage.recipient == FIRST_TREASURER, OutboxMessage.kind == "directory.invitation")).all()
        assert len(invitations) == 1 and "/invitation/" in invitations[0].body
        # The new co-op's own message (written with the rest of the conversion as the app role, in its scope)...
        assert invitations[0].tenant_id == tenant_id
    # ...which the delivery job sends like any other.
    monkeypatch.setitem(app.config, "MAIL_DEBUG_DIR", str(tmp_path))
    run_job(app, "notifications.deliver_outbox")
    with unrestricted(app) as connection:
        assert connection.execute(select(OutboxMessage.status).where(
            OutboxMessage.recipient == FIRST_TREASURER)).scalar_one() == "delivered"
    assert any("/invitation/" in path.read_text(errors="replace") for path in tmp_path.iterdir())
    # Someone who already has an account gets the role and no invitation.
    ready_to_convert(client, incubation["staff"], incubation["two"])
    response = client.post(f"{API}/{incubation['two']}/convert", headers=incubation["staff"],
                           json=convert_body(slug="known-treasurer", treasurer_email=MENTOR_TWO, treasurer_name=None))
    assert response.status_code == 201, response.get_json()
    with unrestricted(app) as connection:
        mentor_id = connection.execute(select(User.id).where(User.email == MENTOR_TWO)).scalar_one()
        assert connection.execute(select(RoleAssignment.id).where(
            RoleAssignment.user_id == mentor_id, RoleAssignment.role == "treasurer",
            RoleAssignment.tenant_id == response.get_json()["id"])).first() is not None
        assert connection.execute(select(OutboxMessage.id).where(OutboxMessage.recipient == MENTOR_TWO,
                                                                 OutboxMessage.kind == "directory.invitation")
                                  ).first() is None


def test_the_conversion_page_asks_for_confirmation_and_offers_no_stage_move_afterwards(app, client, incubation):
    from tests.conftest import login
    from tests.incubation.conftest import STAFF

    ready_to_convert(client, incubation["staff"], incubation["one"])
    page_client = app.test_client()
    login(page_client, STAFF)
    page = page_client.get(f"/incubation/projects/{incubation['one']}").get_data(as_text=True)
    form = page[page.index("form class=\"stack card\" method=\"post\" action=\"/incubation/projects/"
                           f"{incubation['one']}/convert"):]
    assert "data-confirm=" in form[:form.index(">")] and 'name="treasurer_email"' in form
    assert f"/incubation/projects/{incubation['one']}/stage" in page
    done = page_client.post(f"/incubation/projects/{incubation['one']}/convert",
                            data=convert_body(slug="page-coop"))
    assert done.status_code == 302, done.get_data(as_text=True)
    after = page_client.get(f"/incubation/projects/{incubation['one']}").get_data(as_text=True)
    assert f"/incubation/projects/{incubation['one']}/stage" not in after
    assert "/convert" not in after and "Nadia Ferri" in after


def test_the_audit_log_says_in_words_that_the_project_became_a_member_coop(app, client, incubation):
    """The conversion reads as a sentence in the consortium's log, in Italian and English, with the new co-op's
    legal form by its label: not a field set to a timestamp, nor a legal-form code."""
    from tests.conftest import login
    from tests.incubation.conftest import ADMIN

    ready_to_convert(client, incubation["staff"], incubation["one"])
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                           json=convert_body(slug="orto-solidale"))
    assert response.status_code == 201, response.get_json()
    browser = app.test_client()
    assert login(browser, ADMIN).status_code == 302
    pages = {}
    for language in ("it", "en"):
        browser.post("/language", data={"language": language})
        pages[language] = browser.get("/consortium/audit", query_string={"object": "IncubationProject"}) \
            .get_data(as_text=True)
    assert "ha trasformato il progetto Project One in una cooperativa associata" in pages["it"]
    assert "made project Project One a member co-op" in pages["en"]
    co_ops = browser.get("/consortium/audit", query_string={"object": "Tenant"}).get_data(as_text=True)
    assert "Co-operative society" in co_ops and "coop_society" not in co_ops
