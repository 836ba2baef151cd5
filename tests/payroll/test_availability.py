"""Payroll is offered only to co-ops whose jurisdiction has a payroll rule pack; NI labels come from the pack."""

import dataclasses

import pytest

from plugins.jurisdictions.base import get_jurisdiction
from tenants.payroll import service
from tests.conftest import login, token_for
from tests.payroll.conftest import CLERK, SLUG

IT_SLUG = "coop-lavoro"
IT_CLERK = "clerk@lavoro.test"


@pytest.fixture
def italian(factory):
    tenant = factory.tenant(IT_SLUG, name="Lavoro Insieme", country="it", legal_form="social_coop_a")
    factory.user(IT_CLERK, {"role": "payroll_clerk", "tenant": IT_SLUG})
    return tenant


@pytest.fixture
def without_pack(monkeypatch):
    """Italy as it was before its rule pack: a jurisdiction with no payroll (every shipped one has one now)."""
    bare = dataclasses.replace(get_jurisdiction("it"), payroll=None)
    real = service.get_jurisdiction
    monkeypatch.setattr(service, "get_jurisdiction", lambda code: bare if code == "it" else real(code))


def test_a_coop_without_payroll_rules_sees_no_payroll_link_and_the_page_says_why(client, italian, without_pack):
    # issue 9 follow-up: Italian co-ops saw the Payroll link and got 422 (no Italian rule pack then)
    login(client, IT_CLERK)
    home = client.get(f"/t/{IT_SLUG}/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"/t/{IT_SLUG}/payroll/" not in home and "payroll-summary" not in home
    for url in (f"/t/{IT_SLUG}/payroll/", f"/t/{IT_SLUG}/payroll/employees", f"/t/{IT_SLUG}/payroll/runs/new"):
        page = client.get(url, headers={"Accept-Language": "en"}, follow_redirects=True)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Payroll is not available for Lavoro Insieme yet" in text and "Italy" in text, url
    italian_page = client.get(f"/t/{IT_SLUG}/payroll/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Italia" in italian_page and "non sono ancora disponibili" in italian_page


def test_the_api_answers_409_with_the_reason_and_saves_nothing(client, italian, without_pack):
    headers = token_for(client, IT_CLERK)
    response = client.post(f"/api/v1/t/{IT_SLUG}/employees", headers=headers,
                           json={"name": "Giulia", "start_date": "2026-05-01", "date_of_birth": "1990-01-01"})
    assert response.status_code == 409
    assert "no payroll rules" in response.get_json()["errors"]["country"][0]
    assert client.get(f"/api/v1/t/{IT_SLUG}/pay-runs", headers=headers).status_code == 409


def test_an_italian_coop_has_payroll_now_that_the_it_plugin_has_its_rule_pack(client, italian):
    login(client, IT_CLERK)
    home = client.get(f"/t/{IT_SLUG}/").get_data(as_text=True)
    assert f"/t/{IT_SLUG}/payroll/" in home
    assert client.get(f"/t/{IT_SLUG}/payroll/").status_code == 200
    assert "not available" not in client.get(f"/t/{IT_SLUG}/payroll/").get_data(as_text=True)


def test_a_uk_coop_keeps_its_payroll_link(client, coop):
    login(client, CLERK)
    assert f"/t/{SLUG}/payroll/" in client.get(f"/t/{SLUG}/").get_data(as_text=True)


def test_ni_category_choices_and_labels_come_from_the_rule_pack_in_the_readers_language(client, coop):
    login(client, CLERK)
    english = client.get(f"/t/{SLUG}/payroll/employees/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    labels = get_jurisdiction("uk").payroll_rules("2026-27").ni_categories()
    for letter, label in labels.items():
        assert f"{letter}: {label}" in english
    italian = client.get(f"/t/{SLUG}/payroll/employees/new", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "A: Aliquota ordinaria" in italian and "H: Apprendista sotto i 25 anni" in italian
