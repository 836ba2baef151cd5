"""The social report: sections, the reason an empty section is omitted, approval dates, freezing, filing, PDF."""

import shutil
import subprocess
from datetime import date

import pytest

from tests.reporting.helpers import YEAR

BASE = "/api/v1/t/coop-a/social-reports"
TEXT = {
    "methodology": {"text": "Written by the board."},
    "activities": {"text": "Home care."},
    "other": {"text": "Nothing else."},
    "monitoring": {"omission_reason": "No control body (not required)."},
}


def _create(client, network, sections=None, year=YEAR):
    response = client.post(BASE, headers=network.treasurer_a, json={"year": year, "sections": sections or TEXT})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_draft_is_filled_from_the_platforms_data(client, network):
    report = _create(client, network)
    f = report["figures"]
    assert report["state"] == "draft" and report["due_on"] == f"{YEAR + 1}-06-30"
    assert f["governance"]["by_category"]["worker"] == 2 and f["governance"]["by_category"]["volunteer"] == 1
    assert f["people"]["workers"] == 2 and f["people"]["disadvantaged"] == 1
    assert f["people"]["volunteers_within_limit"] is True  # 1 volunteer, 2 workers
    assert f["people"]["pay_ratio"] is None  # no payroll run here: said, not zero
    assert f["economics"]["accounts"]["turnover"] == "125000.00"
    assert f["economics"]["accounts"]["public_percent"] == "80.0"  # 100,000 of 125,000
    assert f["economics"]["contribution"] == {"due": "855.00", "paid": "500.00", "outstanding": "355.00"}


def test_a_second_report_for_the_same_year_is_refused(client, network):
    _create(client, network)
    response = client.post(BASE, headers=network.treasurer_a, json={"year": YEAR})
    assert response.status_code == 409 and "year" in response.get_json()["errors"]


def test_approving_with_an_empty_section_and_no_reason_names_the_section(client, network):
    report = _create(client, network, {"methodology": {"text": "By the board."}})
    response = client.post(
        f"{BASE}/{report['id']}/approve", headers=network.treasurer_a, json={"approved_on": f"{YEAR + 1}-05-20"}
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {
        "sections.activities.omission_reason",
        "sections.other.omission_reason",
        "sections.monitoring.omission_reason",
    }
    assert client.get(f"{BASE}/{report['id']}", headers=network.treasurer_a).get_json()["state"] == "draft"


@pytest.mark.parametrize("day, message", [(f"{YEAR}-12-31", "after the end"), ("2999-01-01", "future")])
def test_an_approval_date_before_the_years_end_or_in_the_future_is_refused(client, network, day, message):
    report = _create(client, network)
    response = client.post(f"{BASE}/{report['id']}/approve", headers=network.treasurer_a, json={"approved_on": day})
    assert response.status_code == 422
    assert message in " ".join(response.get_json()["errors"]["approved_on"])


def test_an_approved_report_is_frozen_and_cannot_be_edited(client, network, factory):
    report = _create(client, network)
    approved = client.post(
        f"{BASE}/{report['id']}/approve", headers=network.treasurer_a, json={"approved_on": f"{YEAR + 1}-05-20"}
    )
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
    # a new worker joins afterwards, dated inside the year: the live figures change, the approved report does not
    factory.member(network.a, name="Late Entry", category="worker", joined_on=date(YEAR, 12, 1))
    shown = client.get(f"{BASE}/{report['id']}", headers=network.treasurer_a).get_json()
    assert shown["figures"]["people"]["workers"] == 2
    edit = client.patch(
        f"{BASE}/{report['id']}", headers=network.treasurer_a, json={"sections": {"other": {"text": "changed"}}}
    )
    assert edit.status_code == 409 and "state" in edit.get_json()["errors"]
    assert (
        client.get(f"{BASE}/{report['id']}", headers=network.treasurer_a).get_json()["sections"]["other"]["text"]
        == "Nothing else."
    )
    # a regenerated draft of another year reads live
    draft = _create(client, network, year=YEAR - 1)
    assert draft["figures"]["people"]["workers"] == 2


def test_filing_needs_approval_and_a_date_not_before_it(client, network):
    report = _create(client, network)
    early = client.post(
        f"{BASE}/{report['id']}/file", headers=network.treasurer_a, json={"filed_on": f"{YEAR + 1}-06-01"}
    )
    assert early.status_code == 409
    client.post(
        f"{BASE}/{report['id']}/approve", headers=network.treasurer_a, json={"approved_on": f"{YEAR + 1}-05-20"}
    )
    before = client.post(
        f"{BASE}/{report['id']}/file", headers=network.treasurer_a, json={"filed_on": f"{YEAR + 1}-05-01"}
    )
    assert before.status_code == 422 and "filed_on" in before.get_json()["errors"]
    filed = client.post(
        f"{BASE}/{report['id']}/file", headers=network.treasurer_a, json={"filed_on": f"{YEAR + 1}-06-10"}
    )
    assert filed.status_code == 200 and filed.get_json()["state"] == "filed"


def test_unknown_sections_are_refused(client, network):
    response = client.post(BASE, headers=network.treasurer_a, json={"year": YEAR, "sections": {"bogus": {"text": "x"}}})
    assert response.status_code == 422


def test_another_coops_report_is_not_found(client, network):
    report = _create(client, network)
    response = client.get(f"/api/v1/t/coop-b/social-reports/{report['id']}", headers=network.treasurer_b)
    assert response.status_code == 404


def _pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_the_pdf_has_the_eight_sections_in_italian_and_english(client, network, tmp_path):
    report = _create(client, network)
    italian = client.get(f"{BASE}/{report['id']}/pdf", headers={**network.treasurer_a, "Accept-Language": "it"})
    assert italian.status_code == 200 and italian.mimetype == "application/pdf"
    text = _pdf_text(italian.data, tmp_path)
    for title in ("1. Metodologia adottata", "4. Persone che operano per l'ente", "8. Monitoraggio svolto"):
        assert title in text
    english = _pdf_text(
        client.get(f"{BASE}/{report['id']}/pdf", headers={**network.treasurer_a, "Accept-Language": "en"}).data,
        tmp_path,
    )
    assert "6. Economic and financial situation" in english and "No control body (not required)." in english


def test_a_report_approved_in_italian_is_frozen_as_keys_and_values_and_reads_in_english(client, network, app):
    """Issue 15: the frozen snapshot keeps codes and numbers, never a text in the approver's language, so every
    reader reads the approved report in their own (the legal form too, from the snapshot, not the live record)."""
    from babel.messages.pofile import read_po
    from sqlalchemy import select

    from consortium.app import FEATURES
    from consortium.i18n import catalogue_path
    from shared_services.reporting.models import SocialReport
    from tests.conftest import login, unrestricted

    report = _create(client, network)
    approved = client.post(f"{BASE}/{report['id']}/approve", json={"approved_on": f"{YEAR + 1}-05-20"},
                           headers={**network.treasurer_a, "Accept-Language": "it"})
    assert approved.status_code == 200
    with unrestricted(app) as connection:
        snapshot = connection.scalar(select(SocialReport.snapshot).where(SocialReport.id == report["id"]))

    def texts(value):
        if isinstance(value, dict):
            return {t for item in (*value.keys(), *value.values()) for t in texts(item)}
        if isinstance(value, list):
            return {t for item in value for t in texts(item)}
        return {value} if isinstance(value, str) else set()

    italian = set()
    for package in ["consortium", *FEATURES, "plugins"]:
        with catalogue_path(package).open("rb") as po_file:
            italian |= {m.string for m in read_po(po_file, locale="it")
                        if isinstance(m.string, str) and m.string and m.string != m.id}
    assert texts(snapshot) and texts(snapshot) & italian == set()

    login(client, "treasurer.a@example.test")
    english = client.get(f"/t/coop-a/social-reports/{report['id']}", headers={"Accept-Language": "en"})
    assert "Type A social co-operative (social, health and educational services)" in english.get_data(as_text=True)
    client.post("/language", data={"language": "it"})
    italian_page = client.get(f"/t/coop-a/social-reports/{report['id']}").get_data(as_text=True)
    assert "Cooperativa sociale di tipo A (servizi socio-sanitari ed educativi)" in italian_page
