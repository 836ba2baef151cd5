"""Training hours in the social report's section 4, from the training service.

Worked case from the catalogue's Italian safety courses (Accordo Stato-Regioni, hours as the catalogue cites them:
parte generale 4 h, parte specifica rischio medio 8 h): in YEAR worker one completes both (4 + 8 = 12 h) and
worker two the general part (4 h), 16.0 hours in three completions. A course the catalogue gives no hours is
counted apart, and a course completed the year before is not counted. No worker is named in the figures.
"""

from datetime import date
from decimal import Decimal

from consortium.extensions import db
from consortium.tenancy import tenant_scope
from tenants.training import service as training
from tests.conftest import login
from tests.reporting.helpers import YEAR
from tests.reporting.test_social_reports import BASE, TEXT, _pdf_text
from tests.training.helpers import make_course, make_record


def _plant(factory, network):
    general = make_course(factory, code="IT-SIC-GEN-T", title="Formazione lavoratori: parte generale",
                          validity_months=None, topic="sicurezza_generale", duration_hours="4", country="it")
    medium = make_course(factory, code="IT-SIC-SPM-T", title="Formazione lavoratori: parte specifica rischio medio",
                         validity_months=60, topic="sicurezza_specifica", duration_hours="8", country="it")
    unstated = make_course(factory, code="IT-X-T", title="Corso interno", topic="sicurezza_aggiornamento", country="it")
    one = factory.member(network.a, name="Giulia Bianchi", joined_on=date(YEAR - 1, 6, 1))
    two = factory.member(network.a, name="Marco Verdi", joined_on=date(YEAR - 1, 6, 1))
    make_record(factory, network.a, member_id=one, course_id=general, completed_on=date(YEAR, 2, 10))
    make_record(factory, network.a, member_id=one, course_id=medium, completed_on=date(YEAR, 12, 31))
    make_record(factory, network.a, member_id=two, course_id=general, completed_on=date(YEAR, 1, 1))
    make_record(factory, network.a, member_id=two, course_id=unstated, completed_on=date(YEAR, 5, 5))
    make_record(factory, network.a, member_id=two, course_id=medium, completed_on=date(YEAR - 1, 12, 31))


def test_the_service_sums_catalogue_hours_of_the_years_completions(app, factory, network):
    _plant(factory, network)
    with app.app_context(), tenant_scope(db.session, network.a.id):
        assert training.training_hours(db.session, YEAR) == training.TrainingHours(Decimal("16.0"), 4, 1)
        assert training.training_hours(db.session, YEAR - 1) == training.TrainingHours(Decimal("8.0"), 1, 0)
    with app.app_context(), tenant_scope(db.session, network.b.id):  # another co-op's records are not counted
        assert training.training_hours(db.session, YEAR) == training.TrainingHours(Decimal("0.0"), 0, 0)


def test_the_social_report_shows_the_hours_on_the_page_and_in_the_pdf(client, factory, network, tmp_path):
    _plant(factory, network)
    report = client.post(BASE, headers=network.treasurer_a, json={"year": YEAR, "sections": TEXT}).get_json()
    assert report["figures"]["people"]["training_hours"] == {"hours": "16.0", "completions": 4, "without_hours": 1}
    line = "16.0 hours in 4 completed courses; completions of courses without hours in the catalogue, not counted: 1"
    pdf = _pdf_text(client.get(f"{BASE}/{report['id']}/pdf",
                               headers={**network.treasurer_a, "Accept-Language": "en"}).data, tmp_path)
    assert "Training hours in the year" in pdf and "16.0 hours in 4 completed courses" in pdf
    assert "Giulia Bianchi" not in pdf and "Marco Verdi" not in pdf
    login(client, "treasurer.a@example.test")
    page = client.get(f"/t/coop-a/social-reports/{report['id']}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and line in page.get_data(as_text=True)
