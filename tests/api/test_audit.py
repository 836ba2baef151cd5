"""The audit log: one append-only row per create/update/delete, who, when, tenant, before/after."""

import pytest
from sqlalchemy import select

from consortium.audit import AuditLogIsAppendOnly
from consortium.extensions import db
from consortium.models import AuditEntry
from consortium.tenancy import consortium_scope
from tests.conftest import login, token_for


def test_member_changes_are_audited_with_who_and_before_after(client, two_coops):
    headers = token_for(client, "treasurer.a@example.test")
    created = client.post("/api/v1/t/coop-a/members", headers=headers, json={
        "name": "Giulia", "category": "worker", "joined_on": "2020-01-01"}).get_json()
    client.patch(f"/api/v1/t/coop-a/members/{created['id']}", headers=headers, json={"name": "Giulia Rossi"})
    client.delete(f"/api/v1/t/coop-a/members/{created['id']}", headers=headers)
    entries = client.get("/api/v1/t/coop-a/audit", headers=headers).get_json()
    mine = [e for e in entries if e["object_type"] == "Member" and e["object_id"] == str(created["id"])]
    assert [e["action"] for e in mine] == ["delete", "update", "create"]
    update = mine[1]
    assert update["changes"] == {"name": ["Giulia", "Giulia Rossi"]}
    assert update["actor_id"] is not None and update["tenant_id"] == two_coops["a"].id
    assert mine[2]["changes"]["joined_on"] == [None, "2020-01-01"]


def test_a_coop_audit_shows_only_its_own_rows(client, two_coops):
    headers = token_for(client, "treasurer.b@example.test")
    entries = client.get("/api/v1/t/coop-b/audit", headers=headers).get_json()
    assert entries and all(e["tenant_id"] == two_coops["b"].id for e in entries)
    assert not any("Alice" in str(e["changes"]) for e in entries)


def test_consortium_audit_records_users_without_secrets(client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    headers = token_for(client, "admin@example.test")
    entries = client.get("/api/v1/consortium/audit", headers=headers).get_json()
    user_rows = [e for e in entries if e["object_type"] == "User"]
    assert user_rows and "password_hash" not in user_rows[0]["changes"]
    assert user_rows[0]["changes"]["email"] == [None, "admin@example.test"]


def test_audit_rows_cannot_be_changed(app, client, two_coops):
    with app.app_context(), consortium_scope(db.session):
        entry = db.session.scalars(select(AuditEntry).execution_options(all_tenants=True)).first()
        entry.action = "delete"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.expunge(entry)  # the refused change is dropped; leaving the scope flushes what is left


@pytest.mark.parametrize(("email", "path", "status"), [
    ("treasurer.a@example.test", "/t/coop-a/audit", 200),
    ("treasurer.a@example.test", "/consortium/audit", 403),
    ("admin@example.test", "/consortium/audit", 200),
])
def test_audit_pages(client, factory, two_coops, email, path, status):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    login(client, email)
    response = client.get(path)
    assert response.status_code == status
    if status == 200:
        assert "Audit log" in response.get_data(as_text=True)


def test_every_cell_of_the_audit_table_names_its_column_on_a_phone(client, two_coops):
    """At 390 px the table reads as cards (`cards-narrow`): each cell shows its column's name from `data-label`,
    the first (when it happened) too, in the reader's language."""
    import re

    login(client, "treasurer.a@example.test")
    for language, when in (("en", "When"), ("it", "Quando")):
        client.post("/language", data={"language": language})
        html = client.get("/t/coop-a/audit").get_data(as_text=True)
        body = html.split('<table id="audit"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
        assert rows
        for row in rows:
            cells = re.findall(r"<td([^>]*)>", row)
            assert len(cells) == 3 and all("data-label=" in cell for cell in cells), cells
            assert f'data-label="{when} (' in cells[0]
