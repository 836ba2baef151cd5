"""Tests of the Citus pass that hit the one limit left (docs/scaling.md, "One role per transaction once it has
written"): a single transaction writes as the app role in a co-op's scope and then as the consortium reader (or the
other way round), which Citus refuses or, for a new co-op's row, does not show to the other role's connection.

They run on Citus marked as expected failures (not strict: one that starts passing shows as XPASS), so the pass
stays green while the list says what is left; on SQLite and PostgreSQL they run as always. Each entry is a test
file or test id prefix and the flow that does both in one transaction. Shorten this list; lengthen it only with
what a first Citus run of a suite finds (as below, from running the suites outside CITUS_TESTS once on Citus 13.0.5,
each failure read from its traceback), never to hide a regression of a suite already in the pass.
"""

CLOSE_WITH_DROPPED_ITEM = (
    "closing a round with an item dropped below the supplier's minimum: the round, its items and the "
    "supplier's email written as the reader, then each co-op that ordered the item told in its own scope as the "
    "app role (service.close_round -> _tell_about_dropped_items: the outbox INSERT is refused)")

GAPS: dict[str, str] = {
    # Converting an incubation project was the first entry: it now writes as the app role alone
    # (shared_services/incubation/service.py convert_project, consortium.tenancy.app_role_scope). The demo loader
    # (tests/lists/test_list_tools.py) commits at each change of role (consortium.tenancy.commit_at_each_role_change).
    #
    # Training attendance, opening a tender notice, the reporting set-up and the payroll email test were entries
    # too: each now writes as one role per transaction (docs/scaling.md). So was tests/training/test_enrolment_list.py:
    # its set-up changed two sessions' dates in the consortium scope and committed after leaving it, so the second
    # UPDATE was flushed as the app role and waited on the reader's lock of the same transaction on the worker (a
    # distributed deadlock); consortium_scope now flushes its block's writes before it leaves.
    #
    # Suites not in the pass yet (each file named had failures; the rest of the file may pass, shown as XPASS):
    # Ordering and reading the round's totals no longer mixes roles (service.order_view takes the other co-ops'
    # totals read before the order is written); what is left in purchasing:
    "tests/purchasing/test_rounds.py::test_close_fixes_the_reached_price_allocates_and_sends_the_purchase_order":
        CLOSE_WITH_DROPPED_ITEM,
    "tests/purchasing/test_rounds.py::test_deliveries_shortages_and_the_recharge_invoices":
        CLOSE_WITH_DROPPED_ITEM,
    "tests/purchasing/test_rounds.py::test_purchasing_summary_interface":
        CLOSE_WITH_DROPPED_ITEM,
    "tests/purchasing/test_changes.py::test_the_purchase_order_pdf_is_made_at_close_and_attached_to_the_suppliers_email":
        CLOSE_WITH_DROPPED_ITEM,
    "tests/purchasing/test_changes.py::test_cancelling_a_closed_round_cancels_the_purchase_order_with_the_supplier":
        CLOSE_WITH_DROPPED_ITEM,
    "tests/purchasing/test_changes.py::test_a_coop_records_what_arrived_and_is_charged_for_the_good_goods_only":
        CLOSE_WITH_DROPPED_ITEM,
    "tests/purchasing/test_changes.py::test_staff_record_damaged_goods_too":
        CLOSE_WITH_DROPPED_ITEM,
    "tests/purchasing/test_changes.py::test_cancelling_an_open_round_needs_a_reason_tells_the_coops_and_freezes_the_orders":
        "cancelling a round: the round written as the reader, then each co-op that ordered told in its own scope as "
        "the app role (service.cancel_round)",
    "tests/purchasing/test_changes.py::test_a_retired_supplier_keeps_its_past_rounds":
        CLOSE_WITH_DROPPED_ITEM,
}
