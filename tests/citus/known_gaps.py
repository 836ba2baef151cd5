"""Tests of the Citus pass that hit the one limit left (docs/scaling.md, "One role per transaction once it has
written"): a single transaction writes as the app role in a co-op's scope and then as the consortium reader (or the
other way round), which Citus refuses or, for a new co-op's row, does not show to the other role's connection.

They run on Citus marked as expected failures (not strict: one that starts passing shows as XPASS), so the pass
stays green while the list says what is left; on SQLite and PostgreSQL they run as always. Each entry is a test
file or test id prefix and the flow that does both in one transaction. Shorten this list; lengthen it only with
what a first Citus run of a suite finds (as below, from running the suites outside CITUS_TESTS once on Citus 13.0.5,
each failure read from its traceback), never to hide a regression of a suite already in the pass.
"""

GAPS: dict[str, str] = {
    # Converting an incubation project was the first entry: it now writes as the app role alone
    # (shared_services/incubation/service.py convert_project, consortium.tenancy.app_role_scope). The demo loader
    # (tests/lists/test_list_tools.py) commits at each change of role (consortium.tenancy.commit_at_each_role_change).
    #
    # In the Citus pass (CITUS_TESTS):
    "tests/training/test_sessions.py::test_attendance_once_makes_records_in_each_attendees_coop":
        "recording attendance: each attendee's training record as the app role in its co-op, then the session "
        "(a reference table) updated as the reader",
    "tests/training/test_sessions.py::test_recharge_splits_by_attendees": "recording attendance in its set-up",
    "tests/training/test_sessions.py::test_nobody_attending_leaves_no_cost_to_recharge":
        "recording attendance in its set-up",
    "tests/training/test_sessions.py::test_per_seat_cost_by_seats_booked": "recording attendance in its set-up",
    "tests/payroll/test_outputs.py::test_the_email_that_leaves_carries_the_payslip_pdf":
        "the test delivers the outbox of several scopes in one transaction (no after_each): the reader's and the "
        "app role's outbox locks on the worker meet, which Citus cancels as a distributed deadlock; the delivery "
        "job commits after each scope's claim and delivers on Citus (tests/incubation/test_conversion.py)",
    # Suites not in the pass yet (each file named had failures; the rest of the file may pass, shown as XPASS):
    "tests/tendering/": "answering a notice writes as both roles in one request: helpers.answered_notice fails "
        "at the first co-op's answer, and the statement Citus refuses there is an outbox INSERT",
    "tests/purchasing/test_rounds.py": "a co-op's order written as the app role, then the round's totals over "
        "every co-op read as the reader in the same request (service.order_view -> totals_so_far)",
    "tests/purchasing/test_changes.py": "ordering in the set-up, as test_rounds.py",
    "tests/purchasing/test_pages.py": "ordering in the set-up, as test_rounds.py",
    "tests/reporting/": "set-up submits a co-op's accounts as the app role and accepts them as the reader in one "
        "transaction (helpers.accept; a commit in between, as two requests would, should fix the set-up)",
}
