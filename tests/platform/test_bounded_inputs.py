"""No 500 on any input: integers beyond a column's range in query strings, paths and bodies are refused
with a 4xx naming the argument (before, PostgreSQL answered "integer out of range" and the error page
failed again on the aborted transaction). The inputs are the ones the hardening issue (17) found."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import NotFound

from consortium.extensions import db
from consortium.fields import INT32_MAX
from tests.conftest import TEST_DATABASE, login, token_for

HUGE = "99999999999999999999"  # beyond 64 bits
INT64 = str(2**63 - 1)  # a 64-bit id where the column is 32-bit
JUST_OVER = str(INT32_MAX + 1)


@pytest.fixture
def staff(factory):
    factory.user("staff@example.test", {"role": "consortium_admin"})
    return "staff@example.test"


@pytest.mark.parametrize("path", [
    "/api/v1/t/coop-a/members?page=" + HUGE,
    "/api/v1/t/coop-a/members?page_size=" + HUGE,
    "/api/v1/t/coop-a/invoices?page=" + HUGE,
    "/api/v1/t/coop-a/invoices?customer_id=" + HUGE,
    "/api/v1/t/coop-a/invoices?customer_id=" + JUST_OVER,
    "/api/v1/t/coop-a/accounts?year=" + HUGE,
    "/api/v1/t/coop-a/audit?page=" + HUGE,
])
def test_api_query_integers_out_of_range_are_a_422_naming_the_argument(client, two_coops, path):
    response = client.get(path, headers=token_for(client, "treasurer.a@example.test"))
    assert response.status_code == 422, response.get_data(as_text=True)
    argument = path.split("?")[1].split("=")[0]
    assert argument in response.get_json()["errors"]


@pytest.mark.parametrize("path", [
    "/api/v1/consortium/audit?page=" + HUGE,
    "/api/v1/incubation/projects?page=" + HUGE,
    "/api/v1/tenants?page=" + HUGE,
    "/api/v1/users?page_size=" + HUGE,
])
def test_consortium_api_query_integers_out_of_range_are_a_422(client, two_coops, staff, path):
    response = client.get(path, headers=token_for(client, staff))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert path.split("?")[1].split("=")[0] in response.get_json()["errors"]


@pytest.mark.parametrize("number", [INT64, JUST_OVER, HUGE])
def test_api_ids_beyond_the_column_are_not_found(client, two_coops, staff, number):
    treasurer = token_for(client, "treasurer.a@example.test")
    for path in (f"/api/v1/t/coop-a/members/{number}", f"/api/v1/t/coop-a/invoices/{number}",
                 f"/api/v1/t/coop-a/accounts/{number}"):
        assert client.get(path, headers=treasurer).status_code == 404, path
    assert client.get(f"/api/v1/users/{number}", headers=token_for(client, staff)).status_code == 404
    assert client.get(f"/api/v1/incubation/projects/{number}", headers=token_for(client, staff)).status_code == 404


def test_api_body_integers_beyond_the_column_are_a_422_naming_the_field(client, two_coops):
    treasurer = token_for(client, "treasurer.a@example.test")
    response = client.post("/api/v1/t/coop-a/invoices", headers=treasurer,
                           json={"customer_id": int(INT64), "lines": [{"description": "Care", "quantity": "1",
                                                                       "unit_price": "10.00"}]})
    assert response.status_code == 422
    assert "customer_id" in response.get_json()["errors"]


@pytest.mark.parametrize("path", [
    "/t/coop-a/invoices/?page=" + HUGE,
    "/t/coop-a/audit?page=" + HUGE,
    "/t/coop-a/invoices/?page=abc",
])
def test_pages_with_out_of_range_integers_answer_400_naming_the_argument(client, two_coops, path):
    login(client, "treasurer.a@example.test")
    response = client.get(path)
    assert response.status_code == 400
    assert "page" in response.get_data(as_text=True)
    assert client.get("/t/coop-a/invoices/").status_code == 200  # and the next page still works


@pytest.mark.parametrize("number", [INT64, JUST_OVER])
def test_page_ids_beyond_the_column_are_not_found(client, two_coops, number):
    login(client, "treasurer.a@example.test")
    assert client.get(f"/t/coop-a/members/{number}/edit").status_code == 404
    assert client.get(f"/t/coop-a/invoices/{number}/edit").status_code == 404


def test_the_editor_refuses_a_row_count_beyond_what_an_invoice_holds(client, two_coops):
    login(client, "treasurer.a@example.test")
    response = client.post("/t/coop-a/invoices/new", data={"row_count": HUGE, "customer_id": ""})
    assert response.status_code == 400
    assert "row_count" in response.get_data(as_text=True)


def test_the_spec_declares_the_bounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    item = spec["paths"]["/api/v1/t/{slug}/members/{member_id}"]
    member_id = next(p for p in [*item.get("parameters", []), *item["get"].get("parameters", [])]
                     if p["name"] == "member_id")
    assert member_id["schema"]["maximum"] == INT32_MAX
    listing = spec["paths"]["/api/v1/t/{slug}/members"]["get"]["parameters"]
    page = next(p for p in listing if p["name"] == "page")
    assert page["schema"]["maximum"] == INT32_MAX and page["schema"]["minimum"] == 1


@pytest.mark.skipif(TEST_DATABASE != "postgresql", reason="an aborted transaction is PostgreSQL's")
def test_an_error_page_is_rendered_on_a_rolled_back_session(app):
    with app.test_request_context("/t/coop-a/"):
        with pytest.raises(DBAPIError):
            db.session.execute(text("SELECT 1 / 0"))
        body, status = app.extensions["consortium_api"].handle_http_exception(NotFound())
        assert status == 404
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # the session is usable again
