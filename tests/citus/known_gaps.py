"""Tests of the Citus pass that hit the one limit left (docs/scaling.md, "One role per transaction once it has
written"): a single transaction writes as the app role in a co-op's scope and then as the consortium reader (or the
other way round), which Citus refuses or, for a new co-op's row, does not show to the other role's connection.

They run on Citus marked as expected failures (not strict: one that starts passing shows as XPASS), so the pass
stays green while the list says what is left; on SQLite and PostgreSQL they run as always. Each entry is a test
file or test id prefix and the flow that does both in one transaction. Shorten this list, never lengthen it.
"""

GAPS = {
    # converting a project: the new co-op is created as the reader, its founders entered as the app role
    # converting a project (shared_services/incubation/service.py convert_project): the new co-op is created as the
    # reader, its founders entered as the app role, whose connection to the worker does not see the new co-op yet
    "tests/incubation/test_conversion.py": "project conversion: new tenant as the reader, founders as the app role",
    "tests/incubation/test_access.py::test_after_conversion_the_mentor_reads_the_history_but_cannot_change_it":
        "project conversion in its set-up",
    "tests/incubation/test_lineage_obligations.py::test_converted_project_shows_as_a_coop_with_its_stage":
        "project conversion in its set-up",
}
