"""Bulk purchasing end to end through the API: catalogue with tiers, orders, close, deliveries, recharge,
savings; and every refusal the issue names (4xx naming the field, nothing saved)."""

from decimal import Decimal

import pytest
from sqlalchemy import column, select, table

from consortium.extensions import db
from consortium.jobs import JobRun
from consortium.notifications.models import OutboxMessage
from consortium.scheduler import run_job
from consortium.tenancy import consortium_scope
from shared_services.purchasing import service
from shared_services.purchasing.models import (
    CatalogueItem,
    PriceTier,
    PurchaseOrder,
    PurchaseRound,
    Recharge,
    RoundItem,
)
from tenants.invoicing import service as invoicing
from tests.conftest import count_rows, unrestricted
from tests.purchasing.helpers import GLOVES, make_due, order, post

BASE = "/api/v1/consortium/purchasing"


def _errors(response_json) -> dict:
    return response_json.get("errors") or {}


# --------------------------------------------------------------------------- catalogue


def test_supplier_vat_number_is_validated(client, staff):
    answer = post(client, staff, f"{BASE}/suppliers", {"name": "X", "country": "it", "vat_number": "01122330011"},
                  422)
    assert "vat_number" in _errors(answer)


def test_overlapping_tiers_and_a_tier_without_price_are_refused(app, client, staff, catalogue):
    url = f"{BASE}/suppliers/{catalogue['supplier']}/items"
    overlapping = {**GLOVES, "code": "GL-200", "tiers": [
        {"min_quantity": "1", "max_quantity": "100", "unit_price": "10", "valid_from": "2024-01-01"},
        {"min_quantity": "100", "unit_price": "9", "valid_from": "2024-01-01"}]}
    assert "tiers[1].min_quantity" in _errors(post(client, staff, url, overlapping, 422))
    no_price = {**GLOVES, "code": "GL-300", "tiers": [{"min_quantity": "1", "unit_price": None,
                                                       "valid_from": "2024-01-01"}]}
    assert "tiers[0].unit_price" in _errors(post(client, staff, url, no_price, 422))
    assert count_rows(app, CatalogueItem) == 2 and count_rows(app, PriceTier) == 5


def test_tiers_valid_in_different_periods_do_not_overlap(client, staff, catalogue):
    url = f"{BASE}/suppliers/{catalogue['supplier']}/items"
    body = {**GLOVES, "code": "GL-400", "tiers": [
        {"min_quantity": "1", "unit_price": "10", "valid_from": "2024-01-01", "valid_to": "2024-12-31"},
        {"min_quantity": "1", "unit_price": "11", "valid_from": "2025-01-01"}]}
    post(client, staff, url, body, 201)


# --------------------------------------------------------------------------- orders


def test_a_coop_sees_the_total_and_tier_but_never_another_coops_order(client, treasurers, purchase_round,
                                                                     catalogue):
    round_id, gloves = purchase_round["id"], catalogue["gloves"]
    order(client, treasurers["b"], "coop-b", round_id, [(gloves, "70")])
    seen = order(client, treasurers["a"], "coop-a", round_id, [(gloves, "40")])
    row = next(i for i in seen["items"] if i["item_id"] == gloves)
    assert row["quantity"] == "40.000" and row["total_so_far"] == "110.000"
    assert row["unit_price"] == "9.2000" and row["single_price"] == "10.0000"
    assert row["cost"] == "368.00" and row["cost_alone"] == "400.00"
    # B's quantity (70) and its cost at the tier (644.00) appear in no value (a timestamp's digits may hold "70")
    values = [str(value) for value in seen.values() if not isinstance(value, dict | list)]
    values += [str(value) for item in seen["items"] for value in item.values()]
    assert not {"70", "70.000", "644.00"} & set(values)
    assert seen["delivery_address"] == "Via dei Mille 12, 40121, Bologna"


@pytest.mark.parametrize(("quantity", "message_field"), [("1.5", "lines[0].quantity"), ("-3", "lines[0].quantity")])
def test_fractional_or_negative_quantities_of_a_pack_item_are_refused(app, client, treasurers, purchase_round,
                                                                      catalogue, quantity, message_field):
    answer = order(client, treasurers["a"], "coop-a", purchase_round["id"], [(catalogue["gloves"], quantity)], 422)
    assert message_field in _errors(answer)
    assert count_rows(app, PurchaseOrder) == 0


def test_a_fractional_quantity_of_a_loose_item_is_accepted(client, treasurers, purchase_round, catalogue):
    seen = order(client, treasurers["a"], "coop-a", purchase_round["id"], [(catalogue["gel"], "12.5")])
    assert next(i for i in seen["items"] if i["item_id"] == catalogue["gel"])["quantity"] == "12.500"


def test_an_item_not_in_the_round_is_refused(client, treasurers, purchase_round):
    answer = order(client, treasurers["a"], "coop-a", purchase_round["id"], [(999999, "1")], 422)
    assert "lines[0].item_id" in _errors(answer)


def test_an_order_is_changed_and_withdrawn_while_open(app, client, treasurers, purchase_round, catalogue):
    round_id = purchase_round["id"]
    order(client, treasurers["a"], "coop-a", round_id, [(catalogue["gloves"], "10"), (catalogue["gel"], "5")])
    seen = order(client, treasurers["a"], "coop-a", round_id, [(catalogue["gloves"], "12"), (catalogue["gel"], "0")])
    assert {i["item_id"]: i["quantity"] for i in seen["items"]}[catalogue["gloves"]] == "12.000"
    order(client, treasurers["a"], "coop-a", round_id, [(catalogue["gloves"], "0")])
    assert count_rows(app, PurchaseOrder) == 0


# --------------------------------------------------------------------------- close


def _closed(client, staff, treasurers, purchase_round, catalogue):
    round_id = purchase_round["id"]
    order(client, treasurers["a"], "coop-a", round_id, [(catalogue["gloves"], "300"), (catalogue["gel"], "12.5")])
    order(client, treasurers["b"], "coop-b", round_id, [(catalogue["gloves"], "250"), (catalogue["gel"], "20")])
    return post(client, staff, f"{BASE}/rounds/{round_id}/close", None, 200)


def test_close_fixes_the_reached_price_allocates_and_sends_the_purchase_order(app, client, staff, treasurers,
                                                                              purchase_round, catalogue):
    closed = _closed(client, staff, treasurers, purchase_round, catalogue)
    items = {i["item_id"]: i for i in closed["items"]}
    gloves, gel = items[catalogue["gloves"]], items[catalogue["gel"]]
    assert closed["status"] == "closed"
    assert gloves["total_quantity"] == "550.000" and gloves["unit_price"] == "8.5000" and not gloves["dropped"]
    assert gel["total_quantity"] == "32.500" and gel["dropped"]  # below the 50 l minimum
    # 550 boxes at 8.50 = 4,675.00; at the first tier's 10.00 it would be 5,500.00.
    assert closed["spend"] == "4675.00" and closed["savings"] == "825.00"
    a = client.get(f"/api/v1/t/coop-a/purchasing/rounds/{purchase_round['id']}/order",
                   headers=treasurers["a"]).get_json()
    rows = {i["item_id"]: i for i in a["items"]}
    assert rows[catalogue["gloves"]]["amount"] == "2550.00" and rows[catalogue["gloves"]]["saving"] == "450.00"
    assert rows[catalogue["gel"]]["dropped"] and rows[catalogue["gel"]]["amount"] == "0.00"
    pdf = client.get(f"{BASE}/rounds/{purchase_round['id']}/purchase-order", headers=staff)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # The co-ops' "not bought" emails are theirs (the consortium reader may not read them): read unrestricted.
    with unrestricted(app) as connection:
        kinds = connection.scalars(select(OutboxMessage.kind)).all()
    assert kinds.count(service.PURCHASE_ORDER_KIND) == 1
    assert kinds.count(service.ITEM_DROPPED_KIND) == 2  # both co-ops ordered gel
    # Closed: no second close, no order change, prices never change.
    post(client, staff, f"{BASE}/rounds/{purchase_round['id']}/close", None, 409)
    order(client, treasurers["a"], "coop-a", purchase_round["id"], [(catalogue["gloves"], "1")], 409)


def test_the_job_closes_due_rounds_once_and_a_failure_leaves_the_round_open(app, client, staff, treasurers,
                                                                            purchase_round, catalogue, monkeypatch):
    order(client, treasurers["a"], "coop-a", purchase_round["id"], [(catalogue["gloves"], "5")])
    make_due(app, purchase_round["id"])

    def broken(session, purchase_round):
        raise RuntimeError("the outbox table is locked")

    monkeypatch.setattr(service, "_send_purchase_order", broken)
    assert run_job(app, "purchasing.close_rounds").failed
    assert client.get(f"{BASE}/rounds/{purchase_round['id']}", headers=staff).get_json()["status"] == "open"
    # Nothing of the close stayed: no price fixed, no purchase order kept, no email queued.
    with unrestricted(app) as connection:
        assert connection.scalars(select(RoundItem.unit_price)).all() == [None, None]
        assert connection.scalar(select(PurchaseRound.purchase_order_pdf)) is None
        assert connection.scalars(select(OutboxMessage.kind)).all() == []
    with app.app_context():
        assert db.session.scalars(select(JobRun.status).where(JobRun.job_id == "purchasing.close_rounds")).all() == [
            "failed"]
    monkeypatch.undo()
    assert not run_job(app, "purchasing.close_rounds").failed
    assert not run_job(app, "purchasing.close_rounds").failed  # twice: nothing more
    assert client.get(f"{BASE}/rounds/{purchase_round['id']}", headers=staff).get_json()["status"] == "closed"
    with unrestricted(app) as connection:
        assert connection.scalars(select(OutboxMessage.kind)).all() == [service.PURCHASE_ORDER_KIND]


class ProcessKilled(BaseException):
    """The scheduler process dying (not an error the job runner catches and records)."""


def test_a_close_whose_process_died_before_telling_the_coops_is_told_by_the_next_run_once(
        app, client, staff, treasurers, purchase_round, catalogue, monkeypatch):
    """The close commits before the co-ops are told (on Citus one transaction writes as one role): if the process
    dies in between, the round stays closed and marked, and the job's next run tells each co-op once."""
    round_id = purchase_round["id"]
    order(client, treasurers["a"], "coop-a", round_id, [(catalogue["gloves"], "300"), (catalogue["gel"], "12.5")])
    order(client, treasurers["b"], "coop-b", round_id, [(catalogue["gloves"], "250"), (catalogue["gel"], "20")])
    make_due(app, round_id)

    def killed(session, round_id):
        raise ProcessKilled

    monkeypatch.setattr(service, "tell_coops", killed)
    with pytest.raises(ProcessKilled):
        run_job(app, "purchasing.close_rounds")
    monkeypatch.undo()
    assert client.get(f"{BASE}/rounds/{round_id}", headers=staff).get_json()["status"] == "closed"
    with unrestricted(app) as connection:
        assert connection.scalars(select(OutboxMessage.kind)).all() == [service.PURCHASE_ORDER_KIND]
        assert connection.scalar(select(PurchaseRound.coops_to_tell)) is True
    assert not run_job(app, "purchasing.close_rounds").failed  # resumes the interrupted run and tells
    assert not run_job(app, "purchasing.close_rounds").failed  # nothing more
    with unrestricted(app) as connection:
        told = connection.execute(select(OutboxMessage.kind, OutboxMessage.recipient)
                                  .order_by(OutboxMessage.recipient)).all()
        assert connection.scalar(select(PurchaseRound.coops_to_tell)) is False
    assert sorted(tuple(row) for row in told) == [
        (service.ITEM_DROPPED_KIND, "treasurer.a@example.test"),
        (service.ITEM_DROPPED_KIND, "treasurer.b@example.test"),
        (service.PURCHASE_ORDER_KIND, "ordini@sanitaria.example")]
    with app.app_context():
        assert db.session.scalars(select(JobRun.status).where(JobRun.job_id == "purchasing.close_rounds")
                                  .order_by(JobRun.id)).all() == ["interrupted", "ok", "ok"]


# --------------------------------------------------------------------------- deliveries and recharge


def test_deliveries_shortages_and_the_recharge_invoices(app, client, staff, treasurers, purchase_round, catalogue):
    _closed(client, staff, treasurers, purchase_round, catalogue)
    round_id = purchase_round["id"]
    url = f"{BASE}/rounds/{round_id}/deliveries"
    post(client, staff, f"{BASE}/rounds/{round_id}/recharge", None, 409)  # not delivered yet
    too_many = post(client, staff, url, {"deliveries": [
        {"tenant": "coop-a", "item_id": catalogue["gloves"], "received": "301"}]}, 422)
    assert "deliveries[0].received" in _errors(too_many)
    delivered = post(client, staff, url, {"complete": True, "deliveries": [
        {"tenant": "coop-a", "item_id": catalogue["gloves"], "received": "290"}]}, 200)
    # A got 290 of 300 (2,465.00), B all 250 (2,125.00).
    assert delivered["status"] == "delivered" and delivered["spend"] == "4590.00"
    recharges = post(client, staff, f"{BASE}/rounds/{round_id}/recharge", None, 201)
    assert len(recharges) == 2
    a = next(r for r in recharges if r["tenant_id"] != recharges[1]["tenant_id"])
    assert {r["net_goods"] for r in recharges} == {"2465.00", "2125.00"}
    # The handling fee of 2.50%: 61.63 on 2,465.00 (61.625, half-up) and 53.13 on 2,125.00 (53.125).
    assert {r["handling_fee"] for r in recharges} == {"61.63", "53.13"}
    assert all(r["invoice_number"].startswith("INV-") for r in recharges) and a["gross_total"]
    post(client, staff, f"{BASE}/rounds/{round_id}/recharge", None, 409)  # never twice
    savings = client.get("/api/v1/t/coop-a/purchasing/savings", query_string={
        "year": delivered["delivery_date"][:4]}, headers=treasurers["a"]).get_json()
    # 290 boxes at 8.50 = 2,465.00 against 2,900.00 at the first tier.
    assert savings["spend"] == "2465.00" and savings["savings"] == "435.00" and savings["rounds"] == 1
    assert len(savings["by_coop"]) == 1
    summary = client.get(f"{BASE}/summary", query_string={"year": delivered["delivery_date"][:4]},
                         headers=staff).get_json()
    assert summary["spend"] == "4590.00" and summary["savings"] == "810.00" and len(summary["by_coop"]) == 2
    assert summary["by_supplier"] == [{"supplier": "Sanitaria Emiliana srl", "spend": "4590.00",
                                       "savings": "810.00"}]


def test_a_recharge_stopped_half_way_charges_nobody_and_the_retry_charges_each_coop_once(
        app, client, staff, treasurers, purchase_round, catalogue, world, monkeypatch):
    """The recharge writes every co-op's invoice, record and email as one role in one transaction (on Citus one
    transaction writes as one role): if the process dies once the first co-op's invoice is issued, nothing of it
    is left (no invoice, no record, no email, the round still delivered) and the retry charges each co-op once,
    the office's numbers without a gap."""
    _closed(client, staff, treasurers, purchase_round, catalogue)
    round_id = purchase_round["id"]
    post(client, staff, f"{BASE}/rounds/{round_id}/deliveries", {"complete": True}, 200)
    issue, issued = invoicing.issue_invoice, []

    def dies_after_the_first(session, tenant, invoice, today):
        if issued:
            raise ProcessKilled
        issued.append(issue(session, tenant, invoice, today).number)
        return invoice

    monkeypatch.setattr(invoicing, "issue_invoice", dies_after_the_first)
    with pytest.raises(ProcessKilled):
        client.post(f"{BASE}/rounds/{round_id}/recharge", headers=staff)
    monkeypatch.undo()
    assert len(issued) == 1  # one co-op's invoice was issued before the process died
    assert client.get(f"{BASE}/rounds/{round_id}", headers=staff).get_json()["status"] == "delivered"
    invoices = table("invoices", column("number"))
    with unrestricted(app) as connection:
        assert connection.scalars(select(invoices.c.number)).all() == []
        assert connection.scalars(select(OutboxMessage.kind).where(OutboxMessage.kind == service.RECHARGE_KIND)
                                  ).all() == []
    assert count_rows(app, Recharge) == 0
    recharges = post(client, staff, f"{BASE}/rounds/{round_id}/recharge", None, 201)
    post(client, staff, f"{BASE}/rounds/{round_id}/recharge", None, 409)  # and never again
    numbers = sorted(r["invoice_number"] for r in recharges)
    year = issued[0].split("-")[1]
    assert issued == [f"INV-{year}-0001"] and numbers == [f"INV-{year}-0001", f"INV-{year}-0002"]  # no gap
    assert sorted((r["tenant_id"], r["net_goods"]) for r in recharges) == [
        (world["a"].id, "2550.00"), (world["b"].id, "2125.00")]  # each co-op once (the gel was dropped)
    with unrestricted(app) as connection:
        assert sorted(connection.scalars(select(invoices.c.number)).all()) == numbers
        told = connection.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == service.RECHARGE_KIND)
                                  .order_by(OutboxMessage.recipient)).all()
    assert told == ["treasurer.a@example.test", "treasurer.b@example.test"]
    assert count_rows(app, Recharge) == 2


def test_purchasing_summary_interface(app, client, staff, treasurers, purchase_round, catalogue, world):
    _closed(client, staff, treasurers, purchase_round, catalogue)
    post(client, staff, f"{BASE}/rounds/{purchase_round['id']}/deliveries", {"complete": True}, 200)
    year = int(purchase_round["delivery_date"][:4])
    with app.app_context(), consortium_scope(db.session):
        every = service.purchasing_summary(db.session, year)
        one = service.purchasing_summary(db.session, year, tenant_id=world["b"].id)
        other_year = service.purchasing_summary(db.session, year + 1)
    assert every["spend"] == Decimal("4675.00") and every["rounds"] == 1
    assert one == {"spend": Decimal("2125.00"), "savings": Decimal("375.00"), "rounds": 1,
                   "by_coop": [{"tenant_id": world["b"].id, "spend": Decimal("2125.00"),
                                "savings": Decimal("375.00")}],
                   "by_supplier": [{"supplier": "Sanitaria Emiliana srl", "spend": Decimal("2125.00"),
                                    "savings": Decimal("375.00")}]}
    assert other_year["rounds"] == 0 and other_year["spend"] == Decimal("0.00")


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(("quantity", "price", "expected"), [
    ("3", "0.8350", "2.51"), ("1.5", "3.3350", "5.00"), ("12.5", "3.3350", "41.69"), ("7", "0.0850", "0.60"),
    ("1000000", "99999.9999", "99999999900.00"),
])
def test_line_amounts_round_half_up_per_line_in_python_and_in_sql(app, quantity, price, expected):
    from sqlalchemy import literal
    from sqlalchemy import select as sql_select
    from sqlalchemy.types import Numeric

    assert service.line_amount(Decimal(quantity), Decimal(price)) == Decimal(expected)
    with app.app_context():
        cents = db.session.scalar(sql_select(service._cents_expression(
            literal(Decimal(quantity), Numeric(12, 3)), literal(Decimal(price), Numeric(12, 4)))))
    assert Decimal(cents) / 100 == Decimal(expected)


def test_a_round_row_is_a_consortium_table(app):
    assert PurchaseRound.__tenancy__ == "consortium"
