"""The interface language: the user's choice, else the browser's, else the consortium's default."""

from datetime import date
from decimal import Decimal

from flask import render_template_string

from consortium.extensions import db
from consortium.models import User
from tests.conftest import login


def test_browser_language_is_used_before_login(client):
    page = client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"})
    assert '<html lang="it">' in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_consortium_default_when_the_browser_names_no_known_language(app):
    app.config["CONSORTIUM_LANGUAGE"] = "it"
    try:
        page = app.test_client().get("/login", headers={"Accept-Language": "de-DE"})
    finally:
        app.config["CONSORTIUM_LANGUAGE"] = "en"
    assert '<html lang="it">' in page.get_data(as_text=True)


def test_a_user_choice_wins_over_the_browser_and_is_kept_on_the_user(client, factory, app):
    user_id = factory.user("ada@example.test", {"role": "consortium_staff"})
    login(client, "ada@example.test")
    answer = client.post("/language", data={"language": "it", "next": "/"}, headers={"Accept-Language": "en"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="it">' in page
    assert ">Esci<" in page  # "Log out", translated from the shell's catalogue
    with app.app_context():
        assert db.session.get(User, user_id).language == "it"


def test_an_unknown_language_is_refused_and_an_outside_next_is_ignored(client):
    assert client.post("/language", data={"language": "xx"}).status_code == 400
    answer = client.post("/language", data={"language": "en", "next": "//evil.example/"})
    assert answer.headers["Location"] == "/"


def test_numbers_money_and_dates_follow_the_language(app):
    template = "{{ d|date }} | {{ x|money('EUR') }} | {{ y|money('GBP') }} | {{ x|number(2) }}"
    values = {"d": date(2026, 12, 1), "x": Decimal("1472.80"), "y": Decimal("1472.8")}
    with app.test_request_context(headers={"Accept-Language": "it"}):
        italian = render_template_string(template, **values).replace("\xa0", " ")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = render_template_string(template, **values).replace("\xa0", " ")
    assert italian == "01/12/2026 | 1.472,80 € | 1.472,80 £ | 1.472,80"
    assert english == "1 Dec 2026 | €1,472.80 | £1,472.80 | 1,472.80"


def test_the_language_buttons_say_which_language_they_are_written_in(client):
    """WCAG 3.1.2: "Italiano" on an English page is Italian, "English" on an Italian page English."""
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'value="it" lang="it">Italiano</button>' in english
    italian = client.get("/login", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert 'value="en" lang="en">English</button>' in italian
