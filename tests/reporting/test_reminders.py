"""The reporting reminders (job `reporting.deadline_reminders`, one helper for both): the social report before
30 June of the next year (Italian co-ops; D.Lgs. 112/2017 art. 9, date from the research notes) and the AR30
7 months after the year end (UK societies; FCA). Sent once per threshold (30, then 7 days before), to the
co-op's treasurers only, each in the language they chose, else the co-op's (Italian for an Italian co-op)."""

from datetime import date

import pytest
from sqlalchemy import select

from consortium.extensions import db
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import tenant_scope
from shared_services.reporting.jobs import send_deadline_reminders
from shared_services.reporting.notify import AR30_KIND, SOCIAL_REPORT_KIND
from tests.conftest import login, unrestricted


def _run(app, tenant, today: date) -> int:
    with app.app_context(), tenant_scope(db.session, tenant.id):
        sent = send_deadline_reminders(db.session, today, tenant)
        db.session.commit()
        return sent


def _outbox(app, kind: str) -> list:
    # a co-op's messages are read in its scope only: read them unrestricted
    with unrestricted(app) as connection:
        return list(connection.execute(select(OutboxMessage.__table__).where(OutboxMessage.kind == kind)
                                       .order_by(OutboxMessage.recipient)))


@pytest.fixture
def more_people(client, factory, network):
    """A second treasurer of co-op A who reads English, and a viewer of A (who gets no reminder)."""
    factory.user("treasurer.en@example.test", {"role": "treasurer", "tenant": "coop-a"})
    factory.user("viewer.a@example.test", {"role": "viewer", "tenant": "coop-a"})
    login(client, "treasurer.en@example.test")
    assert client.post("/language", data={"language": "en"}).status_code == 302
    return network


def test_the_social_report_reminder_goes_once_per_threshold_to_treasurers_in_their_language(app, more_people):
    a = more_people.a
    # the report of 2026 is due on 30 June 2027
    assert _run(app, a, date(2027, 5, 30)) == 0  # 31 days before: outside both windows
    assert _run(app, a, date(2027, 5, 31)) == 2  # 30 days before: both treasurers
    assert _run(app, a, date(2027, 5, 31)) == 0  # the same day again: nothing
    assert _run(app, a, date(2027, 6, 10)) == 0  # still the 30-day threshold
    assert _run(app, a, date(2027, 6, 23)) == 2  # 7 days before
    assert _run(app, a, date(2027, 7, 1)) == 0  # past the deadline
    messages = _outbox(app, SOCIAL_REPORT_KIND)
    assert [m.recipient for m in messages] == ["treasurer.a@example.test", "treasurer.a@example.test",
                                               "treasurer.en@example.test", "treasurer.en@example.test"]
    italian, english = messages[0], messages[2]
    assert italian.subject == "Bilancio sociale 2026 da depositare entro il 30/06/2027"
    assert "Coop A Sociale" in italian.body and "/t/coop-a/social-reports" in italian.body
    assert english.subject == "Social report 2026 due by 30 Jun 2027"
    assert "viewer.a@example.test" not in {m.recipient for m in messages}
    assert {m.tenant_id for m in messages} == {a.id}


def test_a_filed_social_report_gets_no_reminder(app, client, network):
    from tests.reporting.helpers import YEAR

    # file A's report of YEAR, then the reminder for YEAR (sent in YEAR + 1) has nothing to say
    created = client.post("/api/v1/t/coop-a/social-reports", headers=network.treasurer_a, json={
        "year": YEAR, "sections": {k: {"text": "Scritto."} for k in ("methodology", "activities", "other",
                                                                       "monitoring")}})
    report = created.get_json()["id"]
    assert client.post(f"/api/v1/t/coop-a/social-reports/{report}/approve", headers=network.treasurer_a,
                       json={"approved_on": f"{YEAR + 1}-05-20"}).status_code == 200
    assert client.post(f"/api/v1/t/coop-a/social-reports/{report}/file", headers=network.treasurer_a,
                       json={"filed_on": f"{YEAR + 1}-06-01"}).status_code == 200
    assert _run(app, network.a, date(YEAR + 1, 6, 23)) == 0
    assert _run(app, network.b, date(YEAR + 1, 6, 23)) == 1  # B has not filed
    assert _outbox(app, SOCIAL_REPORT_KIND)[0].recipient == "treasurer.b@example.test"


def test_the_ar30_reminder_goes_to_a_uk_society_in_english_once(app, network):
    u = network.u
    # the year ended 31 December 2026: AR30 due 31 July 2027 (7 months, month-end to month-end)
    assert _run(app, u, date(2027, 7, 1)) == 1  # 30 days before
    assert _run(app, u, date(2027, 7, 1)) == 0
    assert _run(app, u, date(2027, 7, 24)) == 1  # 7 days before
    (first, second) = _outbox(app, AR30_KIND)
    assert first.recipient == second.recipient == "treasurer.u@example.test"
    assert first.subject == "Annual return (AR30) for 2026 due by 31 Jul 2027"
    assert "Riverside Society" in first.body and "Mutuals Society Portal" in first.body
    # an Italian co-op has no AR30, a UK society no social report
    assert _outbox(app, SOCIAL_REPORT_KIND) == []
    assert _run(app, network.a, date(2027, 7, 24)) == 0


def test_the_ar30_reminder_follows_a_stated_year_end(app, client, network):
    from tests.conftest import token_for

    u = token_for(client, "treasurer.u@example.test")
    response = client.put("/api/v1/t/coop-u/reports/year-facts?year=2027", headers=u,
                          json={"year_end": "2027-03-31", "total_assets": "90000.00"})
    assert response.status_code == 200 and response.get_json()["ar30_due"] == "2027-10-31"
    assert _run(app, network.u, date(2027, 7, 24)) == 1  # 2026's return, year end 31 December 2026
    assert _run(app, network.u, date(2027, 10, 1)) == 1  # 2027's: the year ended 31 March, due 31 October
    assert _run(app, network.u, date(2027, 10, 1)) == 0
    latest = [m for m in _outbox(app, AR30_KIND) if "31 Oct 2027" in m.subject]
    assert len(latest) == 1 and "for the year ended 31 Mar 2027" in latest[0].body
