"""The tendering pages through their real forms: staff import, open, allocate, submit and award; a
treasurer answers per lot; bad input re-shows the form naming the field and saves nothing; Italian pages
show labels, not codes."""

import io

from shared_services.tendering.models import TenderContract, TenderInterest, TenderNotice
from tests.a11y import tied_errors
from tests.conftest import login
from tests.tendering.helpers import STAFF, count
from tests.tendering.samples import as_bytes, fts_release, release_package


def _upload(client, package: bytes, name="notices.json"):
    return client.post("/consortium/tenders/import", data={"file": (io.BytesIO(package), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_staff_and_treasurers_do_the_whole_journey_through_the_forms(app, client, staff, treasurers):
    login(client, STAFF)
    page = _upload(client, as_bytes(release_package([fts_release(1)])))
    assert "1 new notices" in page.get_data(as_text=True)
    notice_id = client.get("/api/v1/consortium/tenders", headers=staff).get_json()[0]["id"]
    from tests.tendering.samples import ANSWERS_DUE

    client.post(f"/consortium/tenders/{notice_id}/open", data={"to": "all", "answers_due": ANSWERS_DUE})
    for who, capacity, cost in (("a", "6000", "21,50"), ("b", "5000", "23.00")):
        client.post("/logout")
        login(client, f"treasurer.{who}@example.test")
        lots = {lot["lot_id"]: lot for lot in client.get(f"/api/v1/t/coop-{who}/tenders/{notice_id}/interest",
                                                         headers=treasurers[who]).get_json()["notice"]["lots"]}
        lot_pk = _lot_pk(app, notice_id, "1")
        response = client.post(f"/t/coop-{who}/tenders/{notice_id}", data={
            f"interested_{lot_pk}": "yes", f"capacity_{lot_pk}": capacity, f"unit_cost_{lot_pk}": cost,
            f"staff_{lot_pk}": "6", f"disadvantaged_percent_{lot_pk}": "35"}, follow_redirects=True)
        assert response.status_code == 200 and "Your answer is saved" in response.get_data(as_text=True)
        assert "1" in lots
    client.post("/logout")
    login(client, STAFF)
    client.post(f"/consortium/tenders/{notice_id}/bid/start")
    client.post(f"/consortium/tenders/{notice_id}/bid/lots/1/decision", data={"decision": "go"})
    client.post(f"/consortium/tenders/{notice_id}/bid/lots/2/decision", data={"decision": "no_go"})
    a_id, b_id = _tenant_ids(app)
    page = client.post(f"/consortium/tenders/{notice_id}/bid/lots/1/allocation",
                       data={f"share_{a_id}": "55", f"share_{b_id}": "45", f"part_{a_id}": "North rounds"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Allocation saved." in page and "£242,151.00" in page
    client.post(f"/consortium/tenders/{notice_id}/bid/requirements", data={"kind": "insurance", "label": ""})
    page = client.get(f"/consortium/tenders/{notice_id}/bid").get_data(as_text=True)
    assert "Insurance: missing" not in page and "Coop B Co-op: Insurance is missing" in page
    requirement_id = _requirement_id(app)
    for slug in ("coop-a", "coop-b"):
        client.post(f"/consortium/tenders/{notice_id}/bid/requirements/{requirement_id}/evidence",
                    data={"tenant": slug, "reference": f"PL-{slug}", "expires_on": "2030-01-01"})
    page = client.post(f"/consortium/tenders/{notice_id}/bid/submit", follow_redirects=True).get_data(as_text=True)
    assert "Version 1 submitted" in page
    page = client.post(f"/consortium/tenders/{notice_id}/bid/award",
                       data={"outcome_1": "won", "value_1": "240000"}, follow_redirects=True).get_data(as_text=True)
    assert "Award recorded." in page and count(app, TenderContract) == 1
    assert "£132,000.00" in client.get("/consortium/tenders/contracts").get_data(as_text=True)
    client.post("/logout")
    login(client, "treasurer.b@example.test")
    own = client.get("/t/coop-b/tenders/contracts").get_data(as_text=True)
    assert "£108,000.00" in own and "£132,000.00" not in own


def _lot_pk(app, notice_id, lot_key):
    from consortium.extensions import db

    with app.app_context():
        return next(lot.id for lot in db.session.get(TenderNotice, notice_id).lots if lot.lot_id == lot_key)


def _tenant_ids(app):
    from sqlalchemy import select

    from consortium.extensions import db
    from consortium.models import Tenant

    with app.app_context():
        ids = dict(db.session.execute(select(Tenant.slug, Tenant.id)).all())
        return ids["coop-a"], ids["coop-b"]


def _requirement_id(app):
    from consortium.extensions import db
    from shared_services.tendering.models import BidRequirement

    with app.app_context():
        return db.session.query(BidRequirement).one().id


def test_a_negative_cost_in_the_answer_form_names_the_field_and_saves_nothing(app, client, staff, notice):
    from tests.tendering.helpers import open_to_all

    open_to_all(client, staff, notice)
    login(client, "treasurer.a@example.test")
    lot_pk = _lot_pk(app, notice, "1")
    response = client.post(f"/t/coop-a/tenders/{notice}", data={
        f"interested_{lot_pk}": "yes", f"capacity_{lot_pk}": "100", f"unit_cost_{lot_pk}": "-3"})
    assert response.status_code == 422 and "must not be below zero" in response.get_data(as_text=True)
    # the error is under the cost field, tied to it, and the summary links to it (tests/a11y.py)
    assert tied_errors(response.get_data(as_text=True)) == {f"f-unit_cost_{lot_pk}": "must not be below zero"}
    missing = client.post(f"/t/coop-a/tenders/{notice}", data={f"interested_{lot_pk}": "yes",
                                                               f"capacity_{lot_pk}": "100"})
    assert tied_errors(missing.get_data(as_text=True)) == {f"f-unit_cost_{lot_pk}": "required when interested"}
    assert count(app, TenderInterest) == 0


def test_a_broken_upload_shows_the_json_path_and_imports_nothing(app, client, staff):
    login(client, STAFF)
    bad = fts_release(1)
    bad["tender"]["status"] = "open"
    response = _upload(client, as_bytes(release_package([bad])))
    assert response.status_code == 422 and "$.releases[0].tender.status" in response.get_data(as_text=True)
    # the places in the file are told under the file field, which the summary links to
    assert "$.releases[0].tender.status" in tied_errors(response.get_data(as_text=True))["f-file"]
    assert count(app, TenderNotice) == 0


def test_italian_pages_show_labels_and_italian_formats(app, client, staff, notice):
    login(client, STAFF)
    client.post("/language", data={"language": "it", "next": "/"})
    page = client.get(f"/consortium/tenders/{notice}").get_data(as_text=True)
    assert "Stazione appaltante" in page and "Attivo" in page and "1.850.000,00" in page
    assert ">active<" not in page and "Gara" in page  # the release tag 'tender' is shown by its label
    page = client.get("/consortium/tenders/").get_data(as_text=True)
    assert "Bandi di gara" in page


def test_a_treasurer_cannot_reach_the_consortium_pages(client, treasurers, notice):
    login(client, "treasurer.a@example.test")
    assert client.get("/consortium/tenders/").status_code == 403
    assert client.get(f"/consortium/tenders/{notice}/bid").status_code == 403
