"""What writing an audit entry costs the request that makes it: one INSERT, its id left to the database."""

from sqlalchemy import select

from consortium.models import AuditEntry
from tests.conftest import recorded_statements, token_for, unrestricted


def test_a_new_member_is_two_inserts_and_its_entry_holds_every_value(app, client, factory):
    """Entering a member writes the member and its audit entry, nothing else (no `nextval` fetched for the
    entry's id first), and the entry lists each value the member was given (issue 16)."""
    factory.tenant("riverside")
    factory.user("t@example.test", {"role": "treasurer", "tenant": "riverside"})
    headers = token_for(client, "t@example.test")
    with recorded_statements(app) as statements:
        response = client.post("/api/v1/t/riverside/members", headers=headers,
                               json={"name": "Ada Lovelace", "category": "worker", "joined_on": "2025-03-01"})
    assert response.status_code == 201, response.get_json()
    member = response.get_json()
    writes = [sql.split(" (")[0] for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == ["INSERT INTO members", "INSERT INTO audit_log"], statements
    assert not [sql for sql in statements if "nextval" in sql], statements
    with unrestricted(app) as connection:
        entry = connection.execute(select(AuditEntry).where(AuditEntry.object_type == "Member")).one()
    assert (entry.action, entry.object_id, entry.tenant_id) == ("create", str(member["id"]), member_tenant(app))
    assert entry.changes == {"tenant_id": [None, entry.tenant_id], "id": [None, member["id"]],
                             "name": [None, "Ada Lovelace"], "category": [None, "worker"],
                             "joined_on": [None, "2025-03-01"], "shares_subscribed": [None, "0.00"],
                             "shares_paid": [None, "0.00"], "voting_rights": [None, 1], "disadvantaged": [None, False]}


def member_tenant(app) -> int:
    from consortium.models import Tenant

    with unrestricted(app) as connection:
        return connection.execute(select(Tenant.id).where(Tenant.slug == "riverside")).scalar_one()
