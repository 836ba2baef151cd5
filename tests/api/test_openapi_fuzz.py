"""schemathesis over /api/v1/openapi.json: generated requests to every operation, as a co-op treasurer
(co-op routes, slug fixed to the treasurer's co-op) and as consortium staff (every other route).

Fails on any 5xx and on any response that does not match the spec (status code, content type, headers,
body schema). Bounded: EXAMPLES per operation, no shrinking, so the run stays within a few minutes on
two cores; it runs in the PostgreSQL pass (the database the guarantees are about), or anywhere with
API_FUZZ=1.
"""

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import UndefinedStatusCode  # noqa: F401 - named in failure messages
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import TEST_DATABASE, token_for

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", 25))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
SLUG = "coop-a"

pytestmark = pytest.mark.skipif(TEST_DATABASE != "postgresql" and not os.environ.get("API_FUZZ"),
                                reason="the generated API run goes with the PostgreSQL pass (API_FUZZ=1 elsewhere)")


@pytest.fixture
def callers(client, factory, two_coops):
    factory.user("staff@example.test", {"role": "consortium_staff"})
    return {"treasurer": token_for(client, "treasurer.a@example.test"),
            "staff": token_for(client, "staff@example.test")}


def _run_operation(app, operation, headers, tally):
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        if "slug" in (case.path_parameters or {}):
            case.path_parameters["slug"] = SLUG
        response = case.call(app=app, headers=headers)
        tally[operation.label] += 1
        case.validate_response(response, checks=CHECKS)

    run()


def test_every_operation_answers_within_its_spec(app, callers):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tally, failures = Counter(), {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 100, "the spec lists too few operations"
    for operation in operations:
        if operation.path == "/api/v1/auth/token":
            continue  # logging in and out with generated passwords would revoke the callers' own tokens
        caller = "treasurer" if "{slug}" in operation.path else "staff"
        try:
            _run_operation(app, operation, callers[caller], tally)
        except (Exception, BaseExceptionGroup) as error:  # every operation's failures are collected, then reported
            failures[f"{operation.label} as {caller}"] = str(error)[:1500]
    report = "\n\n".join(f"{label}:\n{text}" for label, text in sorted(failures.items()))
    print(f"schemathesis: {len(operations)} operations, {sum(tally.values())} cases, {len(failures)} failing")
    print(report)
    assert not failures, report
