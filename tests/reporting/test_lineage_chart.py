"""The lineage chart on the consortium dashboard and in the annual report PDF, counted by hand from the
network of conftest.py plus two incubation projects."""

from datetime import UTC, date, datetime

import pytest

from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.incubation.models import IncubationProject, StageChange
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


@pytest.fixture
def history(app, factory, network):
    """Projects that started, converted and closed around YEAR's end, for the lineage as it stood then.

    P1 sponsored by C, started 1 March YEAR, still live.          P2 sponsored by A, started in YEAR + 1.
    P3 sponsored by B, started YEAR - 1, became co-op D at 23:30 UTC on 31 December YEAR: 00:30 on 1 January
       YEAR + 1 in Rome (the consortium's time zone), so after YEAR's end.
    P4 sponsored by A, started YEAR - 1, closed in March YEAR + 1.  P5 sponsored by A, started YEAR - 1, closed in
       June YEAR.                                                   P6 sponsored by U, started YEAR - 1, became
       co-op E on 30 November YEAR.
    """
    d = factory.tenant("coop-d", name="Coop D", country="it", legal_form="social_coop_a", currency="EUR",
                       sponsor="coop-b", founding_date=date(YEAR, 12, 20))
    e = factory.tenant("coop-e", name="Coop E", sponsor="coop-u", founding_date=date(YEAR, 11, 30))
    at = lambda *day_time: datetime(*day_time, tzinfo=UTC)  # noqa: E731
    plan = (  # name, sponsor, started, stage now, co-op, converted at, stage changes (from, to, at)
        ("P1", network.c, date(YEAR, 3, 1), "business_plan", None, None, ()),
        ("P2", network.a, date(YEAR + 1, 1, 10), "idea", None, None, ()),
        ("P3", network.b, date(YEAR - 1, 5, 1), "registered", d, at(YEAR, 12, 31, 23, 30),
         (("idea", "registered", at(YEAR, 9, 1, 9)),)),
        ("P4", network.a, date(YEAR - 1, 5, 1), "closed", None, None, (("idea", "closed", at(YEAR + 1, 3, 1, 9)),)),
        ("P5", network.a, date(YEAR - 1, 5, 1), "closed", None, None, (("idea", "closed", at(YEAR, 6, 1, 9)),)),
        ("P6", network.u, date(YEAR - 1, 4, 1), "registered", e, at(YEAR, 11, 30, 10), ()),
    )
    with app.app_context(), consortium_scope(db.session):
        for name, sponsor, started, stage, coop, converted, changes in plan:
            project = IncubationProject(working_name=name, sponsor_id=sponsor.id, country="it", stage=stage,
                                        intended_legal_form="social_coop_a", started_on=started,
                                        closed_reason="gone" if stage == "closed" else None,
                                        tenant_id=coop.id if coop else None, converted_at=converted)
            db.session.add(project)
            db.session.flush()
            db.session.add_all(StageChange(project_id=project.id, from_stage=f, to_stage=t, at=when,
                                           reason="gone" if t == "closed" else None) for f, t, when in changes)
        db.session.commit()
    return network


def _lineage(client, network, year):
    response = client.get(f"/api/v1/consortium/reports/dashboard?year={YEAR + year}", headers=network.staff)
    return response.get_json()["figures"]["incubation"]["lineage"]


def test_the_lineage_is_the_one_that_stood_at_the_years_end(client, history):
    # YEAR: generation 1 A, B, U; 2: C (founded 1 Feb YEAR) and E (converted 30 Nov YEAR) as co-ops, P3 (converted
    # after the year's end, Rome time) and P4 (closed in YEAR + 1) as projects; P5 closed in June, P2 not started;
    # 3: P1 under C
    assert _lineage(client, history, 0) == {
        "1": {"members": 3, "left": 0, "projects": 0},
        "2": {"members": 2, "left": 0, "projects": 2},
        "3": {"members": 0, "left": 0, "projects": 1},
    }
    # YEAR - 1: C not founded yet (so no P1 under it); P3, P4, P5 and P6 were projects, none converted or closed
    assert _lineage(client, history, -1) == {
        "1": {"members": 3, "left": 0, "projects": 0},
        "2": {"members": 0, "left": 0, "projects": 4},
    }
    # YEAR + 1, by its end: C, D and E are co-ops, P2 is live, P4 and P5 are closed; P1 is still under C
    assert _lineage(client, history, 1) == {
        "1": {"members": 3, "left": 0, "projects": 0},
        "2": {"members": 3, "left": 0, "projects": 1},
        "3": {"members": 0, "left": 0, "projects": 1},
    }


def test_the_annual_report_prints_the_years_lineage(client, history, tmp_path):
    response = client.get(f"/api/v1/consortium/reports/annual?year={YEAR - 1}", headers=history.staff)
    text = _pdf_text(response.data, tmp_path)
    assert f"As the lineage stood on 31 December {YEAR - 1}" in " ".join(text.split())
    assert "Generation 2" in text and "Generation 3" not in text  # C and its project came later


def test_the_incubation_lineage_page_still_shows_today(client, history):
    tree = client.get("/api/v1/incubation/lineage", headers=history.staff)
    assert tree.status_code == 200
    names = {node["name"] for node in _walk(tree.get_json()["roots"])}
    assert {"Coop D", "Coop E", "P1", "P2"} <= names and not names & {"P3", "P4", "P5", "P6"}


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def test_a_co_op_linked_to_its_project_without_a_conversion_time_counts_from_its_founding(app, factory, client,
                                                                                         lineage):
    f = factory.tenant("coop-f", name="Coop F", sponsor="coop-a", founding_date=date(YEAR + 1, 1, 5))
    with app.app_context(), consortium_scope(db.session):
        db.session.add(IncubationProject(working_name="P7", sponsor_id=lineage.a.id, country="uk", tenant_id=f.id,
                                         intended_legal_form="coop_society", stage="registered",
                                         started_on=date(YEAR - 1, 2, 1)))
        db.session.commit()
    # YEAR: C is generation 2's only co-op, F is still its project P7 beside it (and C's project in generation 3)
    assert _lineage(client, lineage, 0)["2"] == {"members": 1, "left": 0, "projects": 1}
    # YEAR + 1: F, founded on 5 January, is a co-op
    assert _lineage(client, lineage, 1)["2"] == {"members": 2, "left": 0, "projects": 0}
