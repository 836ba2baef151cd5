"""Webhook subscriptions and the outbox through the API and the pages: validation, isolation, events."""

import json

import pytest

from consortium.extensions import db
from consortium.notifications import service
from consortium.tenancy import consortium_scope
from tests.conftest import login, token_for
from tests.notifications.helpers import make_failed_email, make_webhook


@pytest.fixture
def treasurer(client, two_coops):
    return token_for(client, "treasurer.a@example.test")


@pytest.mark.parametrize("url", [
    "ftp://example.org/hook",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https:///no-host",
    "https://user:secret@example.org/hook",
    "https://example.org/" + "a" * 2000,
    "not a url",
])
def test_bad_webhook_urls_are_refused_naming_the_url_and_nothing_is_saved(client, treasurer, test_event, url):
    response = client.post("/api/v1/t/coop-a/webhooks", headers=treasurer,
                           json={"url": url, "event_types": [test_event]})
    assert response.status_code == 422
    assert "url" in response.get_json()["errors"]
    assert client.get("/api/v1/t/coop-a/webhooks", headers=treasurer).get_json() == []


def test_event_types_must_be_registered_for_the_coop(client, treasurer, test_event):
    for event_types in ([], ["no.such.event"], [service.TENANT_CREATED_EVENT]):
        response = client.post("/api/v1/t/coop-a/webhooks", headers=treasurer,
                               json={"url": "https://hooks.example.org/x", "event_types": event_types})
        assert response.status_code == 422, event_types
        assert "event_types" in response.get_json()["errors"]
    assert client.get("/api/v1/t/coop-a/webhooks", headers=treasurer).get_json() == []


def test_the_secret_is_shown_once_and_co_op_b_cannot_see_or_delete_as_webhooks(client, two_coops, test_event):
    a = token_for(client, "treasurer.a@example.test")
    b = token_for(client, "treasurer.b@example.test")
    created = client.post("/api/v1/t/coop-a/webhooks", headers=a,
                          json={"url": "https://a.example.org/hook", "event_types": [test_event]})
    assert created.status_code == 201
    body = created.get_json()
    assert len(body["secret"]) == 64 and body["url"] == "https://a.example.org/hook"
    [listed] = client.get("/api/v1/t/coop-a/webhooks", headers=a).get_json()
    assert "secret" not in listed and listed["id"] == body["id"]

    assert client.get("/api/v1/t/coop-b/webhooks", headers=b).get_json() == []
    assert client.get("/api/v1/t/coop-a/webhooks", headers=b).status_code == 404
    assert client.delete(f"/api/v1/t/coop-b/webhooks/{body['id']}", headers=b).status_code == 404
    assert client.delete(f"/api/v1/t/coop-a/webhooks/{body['id']}", headers=b).status_code == 404
    assert len(client.get("/api/v1/t/coop-a/webhooks", headers=a).get_json()) == 1
    assert client.delete(f"/api/v1/t/coop-a/webhooks/{body['id']}", headers=a).status_code == 204
    assert client.get("/api/v1/t/coop-a/webhooks", headers=a).get_json() == []


def test_a_coops_page_shows_its_own_webhooks_and_outbox_only(client, factory, two_coops):
    make_webhook(factory, two_coops["a"], "https://a-receiver.example.org/hook")
    make_webhook(factory, two_coops["b"], "https://b-receiver.example.org/hook")
    login(client, "treasurer.a@example.test")
    page = client.get("/t/coop-a/webhooks").get_data(as_text=True)
    assert page.count("a-receiver.example.org") == 2  # the subscription, and its ping in the outbox
    assert "b-receiver" not in page
    assert client.get("/t/coop-b/webhooks").status_code == 404


def test_a_treasurer_adds_a_webhook_on_the_page_and_sees_its_secret_once(client, two_coops, test_event):
    login(client, "treasurer.a@example.test")
    refused = client.post("/t/coop-a/webhooks", data={"url": "file:///etc/passwd", "event_types": [test_event]})
    assert refused.status_code == 200 and "must start with http:// or https://" in refused.get_data(as_text=True)
    page = client.post("/t/coop-a/webhooks", data={"url": "https://a.example.org/hook", "event_types": [test_event]})
    assert page.status_code == 200 and 'id="new-secret"' in page.get_data(as_text=True)
    assert 'id="new-secret"' not in client.get("/t/coop-a/webhooks").get_data(as_text=True)
    headers = token_for(client, "treasurer.a@example.test")
    [webhook] = client.get("/api/v1/t/coop-a/webhooks", headers=headers).get_json()
    assert webhook["url"] == "https://a.example.org/hook"
    assert client.post(f"/t/coop-a/webhooks/{webhook['id']}/delete").status_code == 302
    assert client.get("/api/v1/t/coop-a/webhooks", headers=headers).get_json() == []


def test_a_new_coop_is_announced_to_consortium_webhooks(app, client, factory, deliver, receiver):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    admin = token_for(client, "admin@example.test")
    created = client.post("/api/v1/consortium/webhooks", headers=admin,
                          json={"url": receiver.url, "event_types": [service.TENANT_CREATED_EVENT]})
    assert created.status_code == 201, created.get_json()
    secret = created.get_json()["secret"]
    refused = client.post("/api/v1/tenants", headers=admin, json={
        "slug": "girasole", "name": "Il Girasole", "country": "it", "legal_form": "no-such-form"})
    assert refused.status_code == 422
    response = client.post("/api/v1/tenants", headers=admin, json={
        "slug": "girasole", "name": "Il Girasole", "country": "it", "legal_form": "social_coop_a"})
    assert response.status_code == 201
    assert deliver().delivered == 2  # the ping, and the one co-op that was really created
    event = next(c for c in receiver.accepted if c["headers"]["X-Consortium-Event"] == service.TENANT_CREATED_EVENT)
    payload = json.loads(event["body"])
    assert payload["tenant"] is None and payload["data"]["slug"] == "girasole"
    assert event["headers"]["X-Consortium-Signature"].startswith("sha256=")
    from plugins.notifiers.webhook import signature

    assert event["headers"]["X-Consortium-Signature"] == signature(secret, event["body"])

    listing = client.get("/api/v1/consortium/outbox?status=delivered&page_size=1", headers=admin)
    assert listing.status_code == 200 and len(listing.get_json()) == 1
    assert json.loads(listing.headers["X-Pagination"])["total"] == 2
    assert client.get("/api/v1/consortium/outbox?status=lost", headers=admin).status_code == 422
    [webhook] = client.get("/api/v1/consortium/webhooks", headers=admin).get_json()
    assert webhook["event_types"] == [service.TENANT_CREATED_EVENT] and "secret" not in webhook


def test_only_consortium_admins_reach_the_outbox_and_consortium_webhooks(client, factory, two_coops):
    factory.user("staff@example.test", {"role": "consortium_staff"})
    for email in ("treasurer.a@example.test", "staff@example.test"):
        headers = token_for(client, email)
        assert client.get("/api/v1/consortium/outbox", headers=headers).status_code == 403
        assert client.get("/api/v1/consortium/webhooks", headers=headers).status_code == 403
    login(client, "treasurer.a@example.test")
    assert client.get("/consortium/outbox").status_code == 403


def test_consortium_admin_manages_consortium_webhooks_on_the_page(app, client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    login(client, "admin@example.test")
    page = client.post("/consortium/webhooks", data={"url": "https://crm.example.org/in",
                                                      "event_types": [service.TENANT_CREATED_EVENT]})
    assert page.status_code == 200 and 'id="new-secret"' in page.get_data(as_text=True)
    with app.app_context():
        with consortium_scope(db.session):
            [webhook] = db.session.scalars(service.webhooks_query(None)).all()
            webhook_id = webhook.id
    assert client.post(f"/consortium/webhooks/{webhook_id}/delete").status_code == 302
    page = client.get("/consortium/webhooks").get_data(as_text=True)
    assert "removed" in page and "No webhooks yet." in page


def test_a_treasurer_retries_the_coops_failed_message_from_the_coops_page(client, factory, two_coops, outbox):
    failed_a = make_failed_email(factory, two_coops["a"])
    failed_b = make_failed_email(factory, two_coops["b"])
    factory.user("viewer.a@example.test", {"role": "viewer", "tenant": "coop-a"})
    login(client, "treasurer.a@example.test")
    page = client.get("/t/coop-a/webhooks?status=failed").get_data(as_text=True)
    assert "treasurer@coop-a.example.test" in page and f"/t/coop-a/outbox/{failed_a}/retry" in page
    assert "coop-b.example.test" not in page

    # Another co-op's message, even through one's own co-op URL, does not exist.
    assert client.post(f"/t/coop-a/outbox/{failed_b}/retry").status_code == 404
    assert client.post(f"/t/coop-b/outbox/{failed_b}/retry").status_code == 404

    response = client.post(f"/t/coop-a/outbox/{failed_a}/retry?status=failed", follow_redirects=True)
    assert response.status_code == 200 and "is queued again" in response.get_data(as_text=True)
    rows = {row["id"]: row for row in outbox(channel="email")}
    assert (rows[failed_a]["status"], rows[failed_a]["attempts"]) == ("pending", 0)
    assert rows[failed_a]["next_attempt_at"] is not None
    assert rows[failed_b]["status"] == "failed"

    again = client.post(f"/t/coop-a/outbox/{failed_a}/retry", follow_redirects=True)
    assert "only failed messages can be retried" in again.get_data(as_text=True)

    client.post("/logout")
    login(client, "viewer.a@example.test")
    assert client.post(f"/t/coop-a/outbox/{failed_a}/retry").status_code == 403


def test_an_unknown_outbox_filter_is_refused_naming_it(client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    headers = token_for(client, "admin@example.test")
    response = client.get("/api/v1/consortium/outbox?status=sent", headers=headers)
    assert response.status_code == 422 and "status" in response.get_json()["errors"]
    login(client, "admin@example.test")
    page = client.get("/consortium/outbox?channel=fax")
    assert page.status_code == 400 and "channel: must be one of email, webhook" in page.get_data(as_text=True)
