"""Issue 15: marshmallow's own messages ("Missing data for required field.", "Not a valid date." ...) are written
in the reader's language, on the API (whose problem+json shape is unchanged) and on pages."""

import marshmallow as ma
from marshmallow import fields, validate

from consortium.i18n import force_locale
from consortium.validation_messages import translated
from tests.conftest import login, token_for

ITALIAN = {"Accept-Language": "it"}


def test_an_italian_api_client_reads_marshmallows_messages_in_italian(client, two_coops):
    headers = token_for(client, "treasurer.a@example.test")
    body = {"category": "pirate", "joined_on": "not a date", "colour": "red"}
    italian = client.post("/api/v1/t/coop-a/members", headers={**headers, **ITALIAN}, json=body)
    english = client.post("/api/v1/t/coop-a/members", headers=headers, json=body)

    assert italian.status_code == english.status_code == 422
    assert italian.content_type == "application/problem+json"
    problem = italian.get_json()
    assert set(problem) == set(english.get_json()) == {"type", "title", "status", "detail", "errors"}
    assert set(problem["errors"]) == set(english.get_json()["errors"]) == {"name", "category", "joined_on", "colour"}
    assert problem["errors"]["name"] == ["Campo obbligatorio: manca il dato."]
    assert problem["errors"]["joined_on"] == ["Non è una data valida."]
    assert problem["errors"]["colour"] == ["Campo sconosciuto."]
    assert "Deve essere uno tra: " in problem["errors"]["category"][0]
    assert "joined_on: Non è una data valida." in problem["detail"]
    assert english.get_json()["errors"]["name"] == ["Missing data for required field."]
    assert english.get_json()["errors"]["colour"] == ["Unknown field."]


def test_an_italian_page_shows_marshmallows_messages_in_italian(client, two_coops):
    login(client, "treasurer.a@example.test")
    page = client.post("/t/coop-a/members/new", headers=ITALIAN,
                       data={"name": "Ada", "category": "worker", "joined_on": "31/02/2024"})

    text = page.get_data(as_text=True)
    assert "Non è una data valida." in text and "Not a valid date." not in text


def test_lengths_ranges_and_numbers_are_translated_with_their_figures(app):
    class Sample(ma.Schema):
        code = fields.String(validate=validate.Length(max=3))
        share = fields.Decimal(validate=validate.Range(min=0, max=100, max_inclusive=False))
        count = fields.Integer(required=True)

    with app.test_request_context(), force_locale("it"):
        try:
            Sample().load({"code": "ABCD", "share": "120", "count": "many"})
        except ma.ValidationError as error:
            messages = translated(error.messages)
    assert messages == {"code": ["Più lungo della lunghezza massima di 3."],
                        "share": ["Deve essere maggiore o uguale a 0 e minore di 100."],
                        "count": ["Non è un numero intero valido."]}


def test_the_directory_answers_an_italian_client_in_italian(client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    refused = client.post("/api/v1/auth/token", headers=ITALIAN,
                          json={"email": "admin@example.test", "password": "not the password"})
    assert refused.status_code == 401 and refused.get_json()["detail"] == "Email o password errate."

    headers = {**token_for(client, "admin@example.test"), **ITALIAN}
    response = client.post("/api/v1/tenants", headers=headers,
                           json={"slug": "Bad Slug!", "name": "C", "legal_form": "social_coop_a", "country": "it"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "usa lettere minuscole, cifre e trattini singoli (adatto agli indirizzi)" in errors["slug"]
    assert errors["name"] == ["La lunghezza deve essere tra 2 e 200."]
