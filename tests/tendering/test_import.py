"""Importing OCDS packages: validated against OCDS 1.1.5 (with the lots extension) before anything is
saved; releases keyed by ocid and release id, so a re-import creates nothing and a newer release updates
the notice while the history keeps every release. Package shapes follow Find a Tender's documented API
(find-tender.service.gov.uk/apidocumentation/1.0/GET-ocdsReleasePackages)."""

import copy
import json

from shared_services.tendering.models import TenderLot, TenderNotice, TenderRelease
from tests.tendering.helpers import count, import_package
from tests.tendering.samples import award_for, fts_release, record_package, release_package


def test_a_release_package_becomes_notices_with_lots_deadlines_cpv_and_documents(app, client, staff):
    counts = import_package(client, staff, release_package([fts_release(1), fts_release(2)]))
    assert (counts["releases_new"], counts["notices_new"], counts["releases_known"]) == (2, 2, 0)
    listed = client.get("/api/v1/consortium/tenders", headers=staff).get_json()
    notice = client.get(f"/api/v1/consortium/tenders/{listed[0]['id']}", headers=staff).get_json()
    assert notice["buyer_name"] == "Greater Manchester Combined Authority"
    assert notice["value"] == "1850000.00" and notice["currency"] == "GBP"
    assert [lot["lot_id"] for lot in notice["lots"]] == ["1", "2"]
    assert notice["lots"][0]["quantity"] == "10400.00" and notice["lots"][0]["unit"] == "hour"
    assert notice["cpv_codes"] == ["85312000", "85311200"]
    assert notice["areas"] == ["UKD33", "Manchester", "UKD34", "Salford"]
    assert notice["award_criteria_details"] == "Quality 60%, social value 10%, price 30%"
    assert notice["submission_deadline"] and notice["enquiry_deadline"]
    assert notice["documents"][0]["url"].startswith("https://www.find-tender.service.gov.uk/Notice/")


def test_importing_the_same_package_twice_creates_nothing(app, client, staff):
    package = release_package([fts_release(n) for n in range(1, 6)])
    import_package(client, staff, package)
    again = import_package(client, staff, package)
    assert (again["releases_new"], again["releases_known"], again["notices_new"]) == (0, 5, 0)
    assert count(app, TenderNotice) == 5 and count(app, TenderRelease) == 5 and count(app, TenderLot) == 10


def test_a_newer_release_updates_the_notice_and_the_history_keeps_both(app, client, staff):
    import_package(client, staff, release_package([fts_release(7)]))
    update = fts_release(7, release_suffix="update", date="2026-11-28T09:00:00Z", tag=["tenderUpdate"],
                         title="Domiciliary care and reablement (amended)")
    counts = import_package(client, staff, release_package([update]))
    assert (counts["notices_new"], counts["notices_updated"]) == (0, 1)
    notice_id = client.get("/api/v1/consortium/tenders", headers=staff).get_json()[0]["id"]
    notice = client.get(f"/api/v1/consortium/tenders/{notice_id}", headers=staff).get_json()
    assert notice["title"] == "Domiciliary care and reablement (amended)"
    assert [r["release_id"] for r in notice["releases"]] == ["000007-2026-tender", "000007-2026-update"]
    # an older release arriving late joins the history without undoing the newer one
    late = fts_release(7, release_suffix="early", date="2026-11-01T09:00:00Z", title="Old title")
    import_package(client, staff, release_package([late]))
    notice = client.get(f"/api/v1/consortium/tenders/{notice_id}", headers=staff).get_json()
    assert notice["title"] == "Domiciliary care and reablement (amended)" and len(notice["releases"]) == 3


def test_a_record_package_is_read_through_its_embedded_releases(app, client, staff):
    counts = import_package(client, staff, record_package([fts_release(3)]))
    assert counts["releases_new"] == 1 and count(app, TenderNotice) == 1


def test_a_file_that_is_not_json_is_refused_and_nothing_is_saved(app, client, staff):
    response = client.post("/api/v1/consortium/tenders", headers={**staff, "Content-Type": "application/json"},
                           data=b"<html>Service unavailable</html>")
    assert response.status_code == 422
    assert "not JSON" in response.get_json()["errors"]["file"][0]
    assert count(app, TenderNotice) == 0


def test_a_package_that_does_not_validate_names_the_json_path_and_saves_nothing(app, client, staff):
    good, bad = fts_release(1), fts_release(2)
    bad["tender"]["status"] = "open"  # not in OCDS's closed tenderStatus codelist
    del bad["initiationType"]  # required by the release schema
    problem = import_package(client, staff, release_package([good, bad]), expect=422)
    assert "$.releases[1].tender.status" in problem["errors"]
    assert any("initiationType" in m for m in problem["errors"]["$.releases[1]"])
    assert count(app, TenderNotice) == 0 and count(app, TenderRelease) == 0


def test_a_single_release_or_another_kind_of_document_is_refused(app, client, staff):
    problem = import_package(client, staff, fts_release(1), expect=422)
    assert "single release" in problem["errors"]["$"][0]
    problem = import_package(client, staff, {"data": []}, expect=422)
    assert "release package" in problem["errors"]["$"][0]


def test_our_vendored_samples_also_pass_the_reference_python_validator():
    """The compiled validator the app uses agrees with the pure-Python jsonschema on the same schemas."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    from shared_services.tendering import ocds

    registry = Registry().with_resource(ocds.RELEASE_SCHEMA_URL, Resource.from_contents(
        ocds.release_schema(), default_specification=DRAFT4))
    schema = json.loads((ocds.SCHEMA_DIR / "release-package-schema.json").read_text())
    validator = Draft4Validator(schema, registry=registry)
    package = release_package([fts_release(1, awards=[award_for("1", "Consorzio Fragola", 900000)])])
    assert list(validator.iter_errors(package)) == []
    broken = copy.deepcopy(package)
    broken["releases"][0]["tender"]["value"]["currency"] = "POUNDS"
    assert [list(e.absolute_path) for e in validator.iter_errors(broken)] == [
        ["releases", 0, "tender", "value", "currency"]]
    assert ocds.schema_errors(broken, "release_package").keys() == {"$.releases[0].tender.value.currency"}


def test_importing_needs_a_consortium_role(client, treasurers):
    response = client.post("/api/v1/consortium/tenders", headers=treasurers["a"],
                           data=json.dumps(release_package([fts_release(1)])))
    assert response.status_code == 403
