"""Deadlines remind, through the outbox, the invited co-ops that have not answered (answers due within 3 days) and
staff of a draft bid whose submission deadline is within 7 days, once each; every decision, allocation,
submission and award is in the audit log (issue 12, "Rules that must hold")."""

from datetime import UTC, datetime, timedelta

from babel.dates import format_date
from sqlalchemy import select

from consortium.extensions import db
from consortium.models import AuditEntry
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import consortium_scope
from shared_services.tendering.jobs import send_deadline_reminders
from shared_services.tendering.notify import ANSWERS_DUE_KIND, DEADLINE_KIND, INVITATION_KIND
from tests.conftest import unrestricted
from tests.tendering.helpers import READY_BID, answer, answered_notice, import_package, offer, open_to_all, post_bid
from tests.tendering.samples import fts_release, release_package


def _run(app, today) -> int:
    with app.app_context(), consortium_scope(db.session):
        sent = send_deadline_reminders(db.session, today)
        db.session.commit()
        return sent


def _outbox(app, kind):
    with unrestricted(app) as connection:
        return list(connection.execute(select(OutboxMessage.__table__).where(OutboxMessage.kind == kind)
                                       .order_by(OutboxMessage.recipient)))


def test_co_ops_that_have_not_answered_are_reminded_once_as_answers_close(app, client, staff, treasurers, notice):
    today = datetime.now(UTC).date()
    due = today + timedelta(days=2)
    open_to_all(client, staff, notice, answers_due=due.isoformat())
    answer(client, treasurers["a"], "coop-a", notice, [offer("1", "6000", "21.50")])
    assert _run(app, today - timedelta(days=2)) == 0  # four days before: not yet
    assert _run(app, today) == 1  # only B has not answered
    _run(app, today)  # a second run queues nothing new
    messages = _outbox(app, ANSWERS_DUE_KIND)
    assert [m.recipient for m in messages] == ["treasurer.b@example.test"]
    # co-op B is a UK co-op: its notice is in English, with the date as English readers write it
    assert format_date(due, "d MMM yyyy", locale="en_GB") in messages[0].subject
    assert "2 days left" in messages[0].body


def test_staff_are_reminded_of_a_draft_bid_near_its_deadline_once(app, client, factory, staff, treasurers):
    near = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    release = fts_release(7, deadline=near)
    import_package(client, staff, release_package([release]))
    notice = next(n["id"] for n in client.get("/api/v1/consortium/tenders", headers=staff).get_json()
                  if n["ocid"] == release["ocid"])
    post_bid(client, staff, notice, {"lots": [{"lot": "1", "decision": "go"}]})
    today = datetime.now(UTC).date()
    assert _run(app, today) == 1
    _run(app, today)
    messages = _outbox(app, DEADLINE_KIND)
    assert [m.recipient for m in messages] == ["staff@example.test"]
    assert messages[0].tenant_id is None and f"/consortium/tenders/{notice}/bid" in messages[0].body


def test_decisions_allocations_submission_and_award_are_audited(app, client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, READY_BID)
    assert client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff).status_code == 200
    awarded_on = (datetime.now(UTC).date() + timedelta(days=60)).isoformat()
    award = client.post(f"/api/v1/consortium/tenders/{notice}/bid/award", headers=staff,
                        json={"won": [{"lot": "1", "value": "240000", "starts_on": "2027-04-01",
                                       "ends_on": "2030-03-31"}], "awarded_on": awarded_on})
    assert award.status_code == 200, award.get_json()
    with unrestricted(app) as connection:
        entries = list(connection.execute(select(AuditEntry.__table__).order_by(AuditEntry.id)))
    by_type = {}
    for entry in entries:  # the audit names the model; changes are {column: [before, after]}
        by_type.setdefault(entry.object_type, []).append(entry)
    decisions = [e.changes["decision"][1] for e in by_type["BidLot"] if "decision" in e.changes]
    assert "go" in decisions and "no_go" in decisions
    shares = {e.changes["share_percent"][1] for e in by_type["BidAllocation"] if e.action == "create"}
    assert shares == {"55.00", "45.00"}
    statuses = [e.changes["status"][1] for e in by_type["TenderBid"] if "status" in e.changes]
    assert statuses == ["draft", "submitted", "won"]
    submitted = next(e for e in by_type["TenderBid"] if e.changes.get("status", [None, None])[1] == "submitted")
    assert submitted.actor_id is not None  # who submitted
    contract = by_type["TenderContract"][0]
    assert contract.action == "create" and contract.changes["value"][1] == "240000.00"
    assert {e.changes["share_percent"][1] for e in by_type["ContractShare"]} == {"55.00", "45.00"}


def test_each_coop_is_invited_in_its_own_language(app, client, factory, staff, notice):
    # Issue 15: a notice goes to each co-op in the co-op's language, whoever opened it (staff read English here).
    factory.tenant("coop-it", name="Il Girasole", country="it", legal_form="social_coop_a")
    factory.user("treasurer.it@example.test", {"role": "treasurer", "tenant": "coop-it"})
    today = datetime.now(UTC).date()
    open_to_all(client, staff, notice, answers_due=(today + timedelta(days=2)).isoformat())

    invitations = {m.recipient: m for m in _outbox(app, INVITATION_KIND)}
    italian, english = invitations["treasurer.it@example.test"], invitations["treasurer.a@example.test"]
    assert italian.subject.startswith("Bando aperto alla vostra cooperativa: ")
    assert "Il consorzio invita Il Girasole" in italian.body
    assert f"entro il {today + timedelta(days=2):%d/%m/%Y}" in italian.body
    assert english.subject.startswith("Tender opened to you: ") and "The consortium invites" in english.body
    assert italian.body.rstrip().endswith(f"/t/coop-it/tenders/{notice}")  # the link still goes to the notice
