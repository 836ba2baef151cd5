"""Helpers for tendering tests: imports, opening notices, answers and a ready bid, through the API."""

from sqlalchemy import func, select

from consortium.extensions import db
from tests.tendering.samples import ANSWERS_DUE, as_bytes

STAFF = "staff@example.test"


def import_package(client, headers, package: dict, expect: int = 201) -> dict:
    """POST an OCDS package; returns the JSON answer (the import's counts, or the problem)."""
    response = client.post("/api/v1/consortium/tenders", headers={**headers, "Content-Type": "application/json"},
                           data=as_bytes(package))
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def count(app, model) -> int:
    """Rows of a model across every co-op (in the consortium scope, so row-level security shows them all)."""
    from consortium.tenancy import consortium_scope

    with app.app_context(), consortium_scope(db.session):
        return db.session.scalar(select(func.count()).select_from(model).execution_options(all_tenants=True))


def open_to_all(client, staff, notice_id: int, answers_due: str = ANSWERS_DUE) -> dict:
    """Open a notice to every co-op."""
    response = client.post(f"/api/v1/consortium/tenders/{notice_id}/open", headers=staff,
                           json={"to": "all", "answers_due": answers_due})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def answer(client, headers, slug: str, notice_id: int, answers: list, expect: int = 200):
    """PUT a co-op's answers; returns the response."""
    response = client.put(f"/api/v1/t/{slug}/tenders/{notice_id}/interest", headers=headers, json={"answers": answers})
    assert response.status_code == expect, response.get_json()
    return response


def offer(lot: str, capacity: str, unit_cost: str, staff: int = 5, disadvantaged: str = "40") -> dict:
    """An 'interested' answer for one lot."""
    return {"lot": lot, "interested": True, "capacity": capacity, "unit_cost": unit_cost, "staff": staff,
            "disadvantaged_percent": disadvantaged}


def answered_notice(client, staff, treasurers, notice_id: int) -> None:
    """Both co-ops answer lot 1 (A 6,000 h at £21.50, B 5,000 h at £23.00); nobody wants lot 2."""
    open_to_all(client, staff, notice_id)
    answer(client, treasurers["a"], "coop-a", notice_id, [offer("1", "6000", "21.50", 8), {"lot": "2",
                                                                                              "interested": False}])
    answer(client, treasurers["b"], "coop-b", notice_id, [offer("1", "5000", "23.00", 6)])


def post_bid(client, staff, notice_id: int, body: dict, expect: int = 200):
    """POST the bid document; returns the response."""
    response = client.post(f"/api/v1/consortium/tenders/{notice_id}/bid", headers=staff, json=body)
    assert response.status_code == expect, response.get_json()
    return response


READY_BID = {
    "margin_percent": "5",
    "lots": [
        {"lot": "1", "decision": "go", "allocations": [
            {"tenant": "coop-a", "share_percent": "55", "part": "North rounds"},
            {"tenant": "coop-b", "share_percent": "45", "part": "Evening and weekend calls"}]},
        {"lot": "2", "decision": "no_go"},
    ],
    "requirements": [{"kind": "insurance", "label": "Public liability insurance", "evidence": [
        {"tenant": "coop-a", "reference": "PL-1", "expires_on": "2027-12-31"},
        {"tenant": "coop-b", "reference": "PL-2", "expires_on": "2027-12-31"}]}],
}


def make_opened_notice(factory, tenant) -> int:
    """A notice named after the co-op and opened to it (by its matching profile); returns the notice id."""
    from datetime import UTC, datetime, timedelta

    from consortium.tenancy import consortium_scope, tenant_scope
    from shared_services.tendering import service

    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            service.save_profile(db.session, tenant.id, {"cpv_codes": ["85312000"], "areas": []})
        db.session.commit()  # the co-op's answer and the consortium's notice are two requests (and on Citus must be)
        with consortium_scope(db.session):
            notice = service.create_manual_notice(db.session, {
                "reference": f"REF-{tenant.slug}", "title": f"Home care notice for {tenant.slug}",
                "buyer_name": "Example Council", "currency": "GBP", "cpv_codes": ["85312000"],
                "submission_deadline": datetime.now(UTC) + timedelta(days=40)})
        db.session.commit()  # entering a notice and opening it are two requests (and on Citus must be)
        with consortium_scope(db.session):
            service.open_notice(db.session, notice, to="matching",
                                answers_due=datetime.now(UTC).date() + timedelta(days=20),
                                today=datetime.now(UTC).date())
        db.session.commit()
        return notice.id
