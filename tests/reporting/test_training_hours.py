"""Training hours in the social report's section 4, from the training service.

Worked case from the catalogue's Italian safety courses (Accordo Stato-Regioni, hours as the catalogue cites them:
parte generale 4 h, parte specifica rischio medio 8 h): in YEAR worker one completes both (4 + 8 = 12 h) and
worker two the general part (4 h), 16.0 hours in three completions. A course the catalogue gives no hours is
counted apart, and a course completed the year before is not counted. No worker is named in the figures.
"""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from consortium.extensions import db
from consortium.models import Tenant
from consortium.tenancy import tenant_scope
from shared_services.reporting.jobs import report_figures
from shared_services.reporting.models import ReportedFigures
from tenants.training import service as training
from tests.conftest import login, unrestricted
from tests.reporting.conftest import STAFF
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


def _report_as_on(app, network, today):
    """The job `reporting.report_figures` as the scheduler runs it on `today`, in each co-op's own scope (it counts
    that year and the one before)."""
    for tenant in (network.a, network.b, network.c, network.u):
        with app.app_context(), tenant_scope(db.session, tenant.id):
            report_figures(db.session, today, db.session.get(Tenant, tenant.id))
            db.session.commit()


@pytest.fixture
def reported(app, factory, network):
    """A's courses as above; in B a worker completes the general part (4 h) in YEAR. C and U train nobody.

    Reported by the job on 31 December YEAR: A 16.0 h (4 completions, 1 without hours) in YEAR and 8.0 h
    (1 completion) in YEAR - 1; B 4.0 h (1) in YEAR, 0.0 in YEAR - 1; C and U 0.0 in both."""
    _plant(factory, network)
    general = make_course(factory, code="IT-SIC-GEN-B", title="Formazione lavoratori: parte generale (B)",
                          validity_months=None, topic="sicurezza_generale", duration_hours="4", country="it")
    worker = factory.member(network.b, name="Anna Neri", joined_on=date(YEAR - 1, 6, 1))
    make_record(factory, network.b, member_id=worker, course_id=general, completed_on=date(YEAR, 9, 15))
    _report_as_on(app, network, date(YEAR, 12, 31))
    return network


def test_the_job_reports_each_co_ops_hours_and_the_consolidated_report_sums_them(client, reported, tmp_path):
    url = f"/api/v1/consortium/social-reports/consolidated?year={YEAR}"
    d = client.get(url, headers=reported.staff).get_json()["figures"]["dashboard"]
    # YEAR: 16.0 + 4.0 + 0.0 + 0.0 = 20.0 h; 4 + 1 = 5 completions, 1 without hours; median of 0, 0, 4, 16 = 2.0
    assert d["training_hours"] == {"coops": 4, "reported": 4, "hours": "20.0", "completions": 5, "without_hours": 1,
                                   "median_hours": "2.0"}
    # YEAR - 1: A's 8.0 h alone; median of 0, 0, 0, 8 = 0.0
    assert d["training_hours_previous"] == {"coops": 4, "reported": 4, "hours": "8.0", "completions": 1,
                                            "without_hours": 0, "median_hours": "0.0"}
    pdf = client.get(f"{url.replace('?', '/pdf?')}", headers={**reported.staff, "Accept-Language": "en"})
    text = " ".join(_pdf_text(pdf.data, tmp_path).split())
    people = text[text.index("4. People who work for the entity"):text.index("5. Objectives and activities")]
    assert "Training hours (as each co-op reports them)" in people
    assert "Training hours in the year 20 8" in people and "Co-ops that reported 4 of 4 4 of 4" in people
    assert "Giulia Bianchi" not in text and "Anna Neri" not in text
    italian = client.get(f"{url.replace('?', '/pdf?')}", headers={**reported.staff, "Accept-Language": "it"})
    assert "Ore di formazione nell'anno 20 8" in " ".join(_pdf_text(italian.data, tmp_path).split())


def test_a_co_op_whose_hours_are_not_counted_yet_is_left_out_and_said_so(app, client, reported):
    with unrestricted(app) as connection:  # U's row as written before the hours were reported
        connection.execute(update(ReportedFigures.__table__)
                           .where(ReportedFigures.tenant_id == reported.u.id, ReportedFigures.year == YEAR)
                           .values(training_hours=None, training_completions=None, training_without_hours=None))
        connection.commit()
    d = client.get(f"/api/v1/consortium/reports/dashboard?year={YEAR}", headers=reported.staff).get_json()["figures"]
    # 3 of 4 reported: 20.0 h as before; median of 0, 4, 16 = 4.0
    assert d["training_hours"] == {"coops": 4, "reported": 3, "hours": "20.0", "completions": 5, "without_hours": 1,
                                   "median_hours": "4.0"}
    login(client, STAFF)
    html = client.get(f"/consortium/reports/?year={YEAR}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    table = html[html.index('id="t-training_hours"'):]
    table = table[:table.index("</section>")]
    assert '<th scope="row">Co-ops that reported</th><td class="num">3 of 4</td><td class="num">4 of 4</td>' in table


def test_the_co_ops_page_shows_its_hours_beside_the_year_before_and_the_median(client, reported):
    login(client, "treasurer.a@example.test")
    html = client.get(f"/t/coop-a/reports/?year={YEAR}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # A: 16.0 in YEAR, 8.0 in YEAR - 1; EUR co-ops A 16.0, B 4.0, C 0.0 -> median 4.0
    # each figure named by its column (a card on a phone)
    assert (f'<th scope="row">Training hours in the year</th><td class="num" data-label="{YEAR}">16.0</td>'
            f'<td class="num" data-label="{YEAR - 1}">8.0</td>'
            '<td class="num" data-label="Consortium median">4.0</td>') in html
    assert "Anna Neri" not in html
