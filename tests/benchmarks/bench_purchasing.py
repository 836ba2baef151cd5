"""Benchmark: closing a purchasing round in which 200 co-ops each ordered 500 items (100,000 order lines).

Target (issue 13): the close under 1 s (median): the aggregate per item, the tier reached and its price fixed
on 500 round items (each co-op's 500 order lines become its allocation at those prices), the round's spend and
savings summed over the 100,000 lines (each rounded half-up to the cent), the purchase order PDF (500 lines,
200 delivery addresses) rendered, stored and attached to the supplier's email in the outbox, and the commit.
Baseline measured in the same run: the bare aggregate query (sum per item over every co-op's lines in the
consortium scope), the least any close must do.

Data: 500 catalogue items with three volume tiers; 200 co-ops; every co-op orders every item (1 to 40 units).
The orders are bulk-inserted past row-level security (as a DBA's load would); after each timed close the
round is reopened the same way. PostgreSQL when a test server answers (the app role, RLS on), otherwise (or
with BENCH_DATABASE=sqlite) SQLite.

Run: `.venv/bin/python -m pytest tests/benchmarks/bench_purchasing.py -q -s -p no:xdist -o addopts=''`
or `.venv/bin/python tests/benchmarks/bench_purchasing.py`.
"""

import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, delete, func, insert, select, update

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # when run as a plain script
    sys.path.insert(0, str(REPO_ROOT))

from consortium.app import create_app  # noqa: E402
from consortium.extensions import db  # noqa: E402
from consortium.models import Tenant  # noqa: E402
from consortium.notifications.models import OutboxAttachment, OutboxMessage  # noqa: E402
from consortium.tenancy import consortium_scope  # noqa: E402
from shared_services.purchasing import documents, service  # noqa: E402
from shared_services.purchasing.models import (  # noqa: E402
    CatalogueItem,
    OrderLine,
    PriceTier,
    PurchaseOrder,
    PurchaseRound,
    RoundItem,
    Supplier,
)
from tests.benchmarks.common import benchmark_database, median_ms  # noqa: E402
from tests.conftest import TEST_SETTINGS  # noqa: E402

COOPS = 200
ITEMS = 500
RUNS = 5
TARGET_CLOSE_S = 1.0
ROUND_ID = 1


def _load(url: str) -> Decimal:
    """Load the data; returns the round's spend computed here in Python (the close must find the same)."""
    rng = random.Random(381)
    now = datetime.now(UTC)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Tenant.__table__), [
            {"id": n + 1, "slug": f"bench-coop-{n:03d}", "name": f"Bench Co-op {n:03d}", "legal_form": "social_coop_a",
             "country": "it", "currency": "EUR", "status": "active", "address": f"Via Bench {n}", "city": "Bologna",
             "postcode": "40121", "created_at": now} for n in range(COOPS)])
        connection.execute(insert(Supplier.__table__), [{"id": 1, "name": "Bench supplier", "country": "it",
                                                         "vat_number": "04455660581", "category": "care_consumables",
                                                         "email": "po@bench.example", "payment_terms_days": 30,
                                                         "created_at": now}])
        connection.execute(insert(CatalogueItem.__table__), [
            {"id": i + 1, "supplier_id": 1, "code": f"B-{i:04d}", "name": f"Bench item {i}", "unit": "box",
             "sold_by_pack": True, "vat_category": "ordinaria_22", "active": True, "created_at": now}
            for i in range(ITEMS)])
        tiers = []
        for i in range(ITEMS):
            base = Decimal(rng.randint(100, 5000)) / 100
            for step, (low, factor) in enumerate(((1, "1"), (1000, "0.92"), (4000, "0.85"))):
                tiers.append({"id": i * 3 + step + 1, "item_id": i + 1, "min_quantity": low,
                              "max_quantity": (999, 3999, None)[step],
                              "unit_price": (base * Decimal(factor)).quantize(Decimal("0.0001")),
                              "valid_from": date(2024, 1, 1)})
        connection.execute(insert(PriceTier.__table__), tiers)
        connection.execute(insert(PurchaseRound.__table__), [{
            "id": ROUND_ID, "title": "Bench round", "supplier_id": 1, "closes_at": now - timedelta(minutes=1),
            "delivery_date": now.date() + timedelta(days=7), "handling_fee_percent": 0, "status": "open",
            "created_at": now}])
        connection.execute(insert(RoundItem.__table__), [
            {"id": i + 1, "round_id": ROUND_ID, "item_id": i + 1, "dropped": False} for i in range(ITEMS)])
        connection.execute(insert(PurchaseOrder.__table__), [
            {"tenant_id": n + 1, "id": n + 1, "round_id": ROUND_ID, "delivery_address": f"Via Bench {n}, Bologna",
             "updated_at": now} for n in range(COOPS)])
        lines = [{"tenant_id": n + 1, "id": n * ITEMS + i + 1, "order_id": n + 1, "round_id": ROUND_ID,
                  "round_item_id": i + 1, "quantity": rng.randint(1, 40)} for n in range(COOPS) for i in range(ITEMS)]
        for start in range(0, len(lines), 10_000):
            connection.execute(insert(OrderLine.__table__), lines[start:start + 10_000])
    engine.dispose()
    totals = {}
    for line in lines:
        totals[line["round_item_id"]] = totals.get(line["round_item_id"], 0) + line["quantity"]
    price = {}
    for tier in tiers:  # lowest tier first: the last whose minimum the total meets is the one reached
        if totals[tier["item_id"]] >= tier["min_quantity"] or tier["item_id"] not in price:
            price[tier["item_id"]] = tier["unit_price"]
    return sum((service.line_amount(Decimal(line["quantity"]), price[line["round_item_id"]]) for line in lines),
               Decimal("0"))


def _reopen(engine) -> None:
    with engine.begin() as connection:
        connection.execute(delete(OutboxAttachment.__table__))
        connection.execute(delete(OutboxMessage.__table__))
        connection.execute(update(RoundItem.__table__).values(total_quantity=None, unit_price=None,
                                                             single_price=None, dropped=False))
        connection.execute(update(PurchaseRound.__table__).values(status="open", closed_at=None, spend=None,
                                                                 savings=None, purchase_order_pdf=None))


def run_benchmark() -> dict:
    """Build the data, time the close and the baseline; returns the figures."""
    from consortium.migrations import upgrade

    with benchmark_database() as (kind, config, bulk_url):
        app = create_app({**TEST_SETTINGS, **config})
        with app.app_context():
            upgrade()
        expected_spend = _load(bulk_url)
        bulk = create_engine(bulk_url)
        timings = []

        def close_once() -> None:
            with app.app_context(), consortium_scope(db.session):
                started = time.perf_counter()
                service.close_round(db.session, ROUND_ID, now=datetime.now(UTC), commit=db.session.commit)
                timings.append(time.perf_counter() - started)
            _reopen(bulk)

        close_once()  # warm-up
        timings.clear()
        for _ in range(RUNS):
            close_once()
        timings.sort()

        def aggregate() -> None:
            with app.app_context(), consortium_scope(db.session):
                db.session.execute(select(OrderLine.round_item_id, func.sum(OrderLine.quantity))
                                   .where(OrderLine.round_id == ROUND_ID).group_by(OrderLine.round_item_id)
                                   .execution_options(all_tenants=True)).all()
                db.session.rollback()

        baseline_ms = median_ms(aggregate, RUNS)
        # One last close kept, to check what it wrote; and the PDF alone, to show its share of the close.
        with app.app_context(), consortium_scope(db.session):
            service.close_round(db.session, ROUND_ID, now=datetime.now(UTC), commit=db.session.commit)
            started = time.perf_counter()
            documents.purchase_order_pdf(db.session, service.get_round(db.session, ROUND_ID))
            pdf_s = time.perf_counter() - started
            db.session.rollback()
        with bulk.connect() as connection:
            spend = connection.scalar(select(PurchaseRound.__table__.c.spend))
            attachments = connection.scalar(select(func.count()).select_from(OutboxAttachment.__table__))
            priced = connection.scalar(select(func.count()).select_from(RoundItem.__table__)
                                       .where(RoundItem.__table__.c.unit_price.is_not(None)))
        bulk.dispose()
        figures = {"database": kind, "coops": COOPS, "items": ITEMS, "order_lines": COOPS * ITEMS,
                   "round_items_priced": priced, "purchase_order_attached": attachments, "spend": str(spend),
                   "spend_computed_in_python": str(expected_spend),
                   "close_median_s": round(timings[len(timings) // 2], 3),
                   "close_min_s": round(timings[0], 3), "close_max_s": round(timings[-1], 3),
                   "baseline_aggregate_median_ms": round(baseline_ms, 1),
                   "purchase_order_pdf_render_s": round(pdf_s, 3)}
        print(json.dumps(figures))
        return figures


def test_closing_a_round_of_200_coops_by_500_items_takes_under_a_second():
    figures = run_benchmark()
    assert figures["round_items_priced"] == ITEMS and figures["purchase_order_attached"] == 1
    assert figures["spend"] == figures["spend_computed_in_python"]
    assert figures["close_median_s"] < TARGET_CLOSE_S


if __name__ == "__main__":
    run_benchmark()
