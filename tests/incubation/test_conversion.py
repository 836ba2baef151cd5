"""Turning a registered project into a member co-op: one step, one transaction, never twice."""

from sqlalchemy import func, select

from consortium.extensions import db
from consortium.models import Tenant
from consortium.tenancy import tenant_scope
from tenants.members.models import Member
from tests.conftest import count_rows, token_for, unrestricted
from tests.incubation.conftest import walk_to

API = "/api/v1/incubation/projects"


def _tenants(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Tenant.id)))


def test_conversion_creates_the_coop_with_sponsor_and_first_members(app, client, incubation):
    walk_to(client, incubation["staff"], incubation["one"], "registered")
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                           json={"slug": "orto-solidale", "founding_date": "2025-09-01",
                                 "registration_number": "32999R"})
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
    # Now the project can move on to trading.
    response = client.post(f"{API}/{incubation['one']}/stage", headers=incubation["staff"],
                           json={"to": "trading", "override_reason": "Registered co-op, checklist checked offline"})
    assert response.status_code == 200, response.get_json()


def test_conversion_is_refused_twice_before_registered_and_for_mentors(app, client, incubation):
    url = f"{API}/{incubation['one']}/convert"
    response = client.post(url, headers=incubation["staff"], json={"slug": "too-early"})
    assert response.status_code == 422 and "stage" in response.get_json()["errors"]
    walk_to(client, incubation["staff"], incubation["one"], "registered")
    assert client.post(url, headers=incubation["mentor_one"], json={"slug": "by-mentor"}).status_code == 403
    before = _tenants(app)
    assert client.post(url, headers=incubation["staff"], json={"slug": "first-time"}).status_code == 201
    response = client.post(url, headers=incubation["staff"], json={"slug": "second-time"})
    assert response.status_code == 409
    assert _tenants(app) == before + 1


def test_a_failed_conversion_saves_nothing(app, client, incubation):
    walk_to(client, incubation["staff"], incubation["one"], "registered")
    before = _tenants(app)
    for body, field in (({"slug": "sponsor-coop"}, "slug"), ({"slug": "new-coop", "vat_number": "GB123"}, "vat_number"),
                        ({"slug": "Bad Slug!"}, "slug")):
        response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"], json=body)
        assert response.status_code in (409, 422), response.get_json()
        assert field in response.get_json()["errors"]
    assert _tenants(app) == before
    assert client.get(f"{API}/{incubation['one']}", headers=incubation["staff"]).get_json()["tenant"] is None
    assert count_rows(app, Member) == 0


def test_a_sponsor_that_left_cannot_parent_the_new_coop(app, client, incubation):
    walk_to(client, incubation["staff"], incubation["one"], "registered")
    admin = token_for(client, "admin@example.test")
    assert client.patch("/api/v1/tenants/sponsor-coop", headers=admin, json={"status": "left"}).status_code == 200
    before = _tenants(app)
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"], json={"slug": "orphan"})
    assert response.status_code == 422 and "sponsor" in response.get_json()["errors"]
    assert _tenants(app) == before


def test_conversion_and_stage_moves_are_audited_with_who_did_them(app, client, incubation):
    from consortium.models import AuditEntry, User
    from tests.incubation.conftest import MENTOR_ONE, STAFF, tick_all

    tick_all(client, incubation["mentor_one"], incubation["one"])
    moved = client.post(f"{API}/{incubation['one']}/stage", headers=incubation["mentor_one"],
                        json={"to": "founding_group_formed"})
    assert moved.status_code == 200, moved.get_json()
    walk_to(client, incubation["staff"], incubation["one"], "registered")
    response = client.post(f"{API}/{incubation['one']}/convert", headers=incubation["staff"],
                           json={"slug": "audited-coop"})
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
