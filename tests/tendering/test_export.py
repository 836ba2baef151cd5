"""The consortium's pipeline exported as OCDS: validated with the pure-Python jsonschema against the OCDS
1.1.5 release package schema with the lots and bid extensions merged (the vendored copies); the joint bid
lists every member as a tenderer, and the award points back to the bid."""

import json
from datetime import UTC, datetime, timedelta

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from shared_services.tendering import ocds
from tests.tendering.helpers import READY_BID, answered_notice, post_bid


def _validator():
    registry = Registry().with_resource(ocds.RELEASE_SCHEMA_URL, Resource.from_contents(
        ocds.release_schema(), default_specification=DRAFT4))
    return Draft4Validator(json.loads((ocds.SCHEMA_DIR / "release-package-schema.json").read_text()),
                           registry=registry)


def test_the_export_validates_and_names_every_member_of_the_joint_bid(app, client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, READY_BID)
    nothing = client.get("/api/v1/consortium/ocds", headers=staff)  # drafts stay private
    assert nothing.status_code == 409 and "releases" in nothing.get_json()["errors"]
    client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    client.post(f"/api/v1/consortium/tenders/{notice}/bid/award", headers=staff,
                json={"won": [{"lot": "1", "value": "240000", "starts_on": "2027-04-01", "ends_on": "2030-03-31"}],
                      "awarded_on": (datetime.now(UTC).date() + timedelta(days=60)).isoformat()})
    package = client.get("/api/v1/consortium/ocds", headers=staff).get_json()
    assert [e.message for e in _validator().iter_errors(package)] == []
    assert ocds.schema_errors(package, "release_package") == {}
    release = package["releases"][0]
    details = release["bids"]["details"][0]
    assert [t["name"] for t in details["tenderers"]] == [app.config["CONSORTIUM_NAME"], "Coop A Co-op",
                                                         "Coop B Co-op"]
    assert details["relatedLots"] == ["1"] and details["value"] == {"amount": 242151.0, "currency": "GBP"}
    award = release["awards"][0]
    assert award["relatedBid"] == details["id"] and award["value"]["amount"] == 240000.0
    assert release["contracts"][0]["awardID"] == award["id"]


def test_the_export_page_downloads_the_same_package(client, staff, treasurers, notice):
    from tests.conftest import login

    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, READY_BID)
    client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    login(client, "staff@example.test")
    response = client.get("/consortium/tenders/export.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert _validator().is_valid(json.loads(response.data))
