"""The lineage chart on the consortium dashboard and in the annual report PDF, counted by hand from the
network of conftest.py plus two incubation projects."""

from datetime import date

import pytest

from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.incubation.models import IncubationProject
from tests.conftest import login
from tests.reporting.conftest import STAFF
from tests.reporting.helpers import YEAR
from tests.reporting.test_privacy_and_exports import _pdf_text


@pytest.fixture
def lineage(app, network):
    """Coop C (sponsored by A) sponsors a live project; A sponsors one that was closed (not in the lineage)."""
    with app.app_context(), consortium_scope(db.session):
        for name, sponsor, closed in (("Orto di C", network.c, None), ("Chiuso", network.a, "no founders left")):
            db.session.add(IncubationProject(working_name=name, sponsor_id=sponsor.id, country="it",
                                             intended_legal_form="social_coop_a", stage="closed" if closed else
                                             "business_plan", closed_reason=closed, started_on=date(YEAR, 3, 1)))
        db.session.commit()
    return network


def test_dashboard_counts_each_generation(client, lineage):
    d = client.get(f"/api/v1/consortium/reports/dashboard?year={YEAR}", headers=lineage.staff).get_json()["figures"]
    # generation 1: A, B, U (no sponsor); 2: C (sponsored by A); 3: C's live project; the closed one is left out
    assert d["incubation"]["lineage"] == {
        "1": {"members": 3, "left": 0, "projects": 0},
        "2": {"members": 1, "left": 0, "projects": 0},
        "3": {"members": 0, "left": 0, "projects": 1},
    }


def test_the_page_draws_the_chart_with_its_table(client, lineage):
    login(client, STAFF)
    page = client.get(f"/consortium/reports/?year={YEAR}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    title = "Lineage by generation"
    assert f'<svg role="img" aria-label="{title}"' in html
    table = html[html.index(title):]
    for row in ("Generation 1", "Generation 2", "Generation 3", "Projects in incubation"):
        assert row in table


def test_the_annual_report_prints_the_lineage_and_its_rows(client, lineage, tmp_path):
    response = client.get(f"/api/v1/consortium/reports/annual?year={YEAR}", headers=lineage.staff)
    assert response.status_code == 200
    text = _pdf_text(response.data, tmp_path)
    assert text.count("Lineage by generation") >= 2  # the chart's title and the table's heading
    assert "Generation 3" in text and "Projects in incubation" in text
