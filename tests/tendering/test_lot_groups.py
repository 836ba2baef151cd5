"""OCDS lots extension, `tender.lotGroups[]` (shared_services/tendering/ocds_schema/extensions/lots-release-schema.json,
definition LotGroup: `id`, `relatedLots`, `optionToCombine`, `maximumValue`, "the maximum estimated value of the
lots in this group; this can be lower than the sum total of lot values"): kept on the notice from the latest
release that states them, shown to staff with the co-ops matching every lot of a group, checked against the joint
bid's prices, printed in the bid pack and exported.

No public worked example of a lot group applied to a joint bid exists; the figures are this test's own: lot 1's
price is 242,151.00 (READY_BID: A 5,720 h at £21.50 and B 4,680 h at £23.00 = 230,620.00, plus 5% margin)."""

import subprocess

from shared_services.tendering.models import TenderBid
from tests.conftest import login
from tests.tendering.helpers import READY_BID, answered_notice, count, import_package, post_bid
from tests.tendering.samples import fts_release, release_package

GROUP = {"id": "G1", "relatedLots": ["1", "2"], "optionToCombine": True,
         "maximumValue": {"amount": 240000, "currency": "GBP"}}


def _amend(client, staff, groups, *, date="2026-11-25T09:00:00Z", suffix="amendment"):
    """A newer release of notice 1 stating `groups` (or no lotGroups at all when None)."""
    release = fts_release(1, release_suffix=suffix, date=date, tag=["tenderAmendment"])
    if groups is not None:
        release["tender"]["lotGroups"] = groups
    import_package(client, staff, release_package([release]))


def _detail(client, staff, notice):
    return client.get(f"/api/v1/consortium/tenders/{notice}", headers=staff).get_json()


def test_lot_groups_are_kept_from_the_latest_release_that_states_them(client, staff, notice):
    assert _detail(client, staff, notice)["lot_groups"] == []
    _amend(client, staff, [GROUP])
    assert _detail(client, staff, notice)["lot_groups"] == [
        {"id": "G1", "related_lots": ["1", "2"], "option_to_combine": True, "maximum_value": "240000.00",
         "currency": "GBP"}]
    # a newer release that says nothing of lot groups leaves them; one that lists them replaces the list
    _amend(client, staff, None, date="2026-11-26T09:00:00Z", suffix="update")
    assert [g["id"] for g in _detail(client, staff, notice)["lot_groups"]] == ["G1"]
    _amend(client, staff, [{"id": "G2", "relatedLots": ["2"]}], date="2026-11-27T09:00:00Z", suffix="update-2")
    assert _detail(client, staff, notice)["lot_groups"] == [
        {"id": "G2", "related_lots": ["2"], "option_to_combine": None, "maximum_value": None, "currency": "GBP"}]


def test_staff_see_the_co_ops_matching_every_lot_of_a_group(client, staff, treasurers, notice):
    # A does social work and welfare (85300000 covers lot 1's 85312000 and lot 2's 85311200); B only lot 1's
    for key, codes in (("a", ["85300000"]), ("b", ["85312000"])):
        response = client.put(f"/api/v1/t/coop-{key}/tender-profile", headers=treasurers[key],
                              json={"cpv_codes": codes, "areas": ["UKD3"]})
        assert response.status_code == 200, response.get_json()
    _amend(client, staff, [GROUP])
    detail = _detail(client, staff, notice)
    assert detail["matching"] == {"1": ["coop-a", "coop-b"], "2": ["coop-a"]}
    assert detail["matching_groups"] == {"G1": ["coop-a"]}
    login(client, "staff@example.test")
    page = client.get(f"/consortium/tenders/{notice}").get_data(as_text=True)
    assert "Lot groups" in page and "£240,000.00" in page


def test_a_bid_above_a_group_s_maximum_value_cannot_be_submitted(app, client, staff, treasurers, notice):
    _amend(client, staff, [GROUP])
    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, READY_BID)
    problems = client.get(f"/api/v1/consortium/tenders/{notice}/bid", headers=staff).get_json()["problems"]
    expected = ("lot group G1 (lots 1): our prices add up to 242151.00, above the group's maximum value 240000.00")
    assert {"field": "lot_groups.G1", "message": expected} in problems, problems
    submit = client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    assert submit.status_code == 422 and submit.get_json()["errors"]["lot_groups.G1"] == [expected]
    assert count(app, TenderBid) == 1  # still the one draft, not submitted
    # a price within the group's maximum clears the problem and the bid goes in
    priced = {**READY_BID, "lots": [{**READY_BID["lots"][0], "price": "239500.00"}, READY_BID["lots"][1]]}
    post_bid(client, staff, notice, priced)
    assert client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff).status_code == 200


def test_the_bid_pack_and_the_export_carry_the_lot_groups(client, staff, treasurers, notice, tmp_path):
    _amend(client, staff, [GROUP])
    answered_notice(client, staff, treasurers, notice)
    priced = {**READY_BID, "lots": [{**READY_BID["lots"][0], "price": "239500.00"}, READY_BID["lots"][1]]}
    post_bid(client, staff, notice, priced)
    pdf = client.get(f"/api/v1/consortium/tenders/{notice}/bid/pdf", headers=staff)
    assert pdf.status_code == 200
    (tmp_path / "pack.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "pack.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Lot groups" in text and "240,000.00" in text and "239,500.00" in text
    assert client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff).status_code == 200
    package = client.get("/api/v1/consortium/ocds", headers=staff).get_json()
    from shared_services.tendering import ocds

    assert ocds.schema_errors(package, "release_package") == {}
    assert package["releases"][0]["tender"]["lotGroups"] == [GROUP]
