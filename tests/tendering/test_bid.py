"""The joint bid: go / no-go, allocation (shares of exactly 100, within each co-op's capacity), price from
members' costs plus margin, requirements, submission (frozen; a correction is a new version before the
deadline), award to contracts with members' shares.

Worked example (our own arithmetic; no public example of a consortium allocation exists): lot 1 asks
10,400 hours. Co-op A offers 6,000 h at £21.50, co-op B 5,000 h at £23.00. A 55% = 5,720 h = £122,980.00;
B 45% = 4,680 h = £107,640.00; members' cost £230,620.00; with a 5% margin the price is £242,151.00.
"""

from datetime import UTC, datetime, timedelta

from consortium.extensions import db
from consortium.models import AuditEntry
from consortium.tenancy import consortium_scope
from shared_services.tendering.models import BidAllocation, TenderBid, TenderContract, TenderNotice
from tests.tendering.helpers import READY_BID, answered_notice, count, post_bid


def test_the_suggestion_follows_capacities_and_sums_to_exactly_100(app, client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, {"lots": [{"lot": "1", "decision": "go"}]})
    with app.app_context():
        from shared_services.tendering import service

        bid = service.current_bid(db.session, notice)
        shares, shortfall = service.suggest_allocation(db.session, bid.lots[0])
        assert [str(s) for _, s in shares] == ["54.55", "45.45"] and shortfall is None
        assert sum(s for _, s in shares) == 100


def test_allocation_costs_and_the_price_with_margin(client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    bid = post_bid(client, staff, notice, READY_BID).get_json()
    lot = bid["lots"][0]
    assert [(a["tenant"], a["quantity"], a["cost"]) for a in lot["allocations"]] == [
        ("coop-a", "5720.00", "122980.00"), ("coop-b", "4680.00", "107640.00")]
    assert (lot["cost"], lot["suggested_price"], lot["price"]) == ("230620.00", "242151.00", "242151.00")
    assert bid["lead"] == "coop-a" and bid["problems"] == []


def test_shares_not_summing_to_100_are_refused_and_nothing_is_saved(app, client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    body = {"lots": [{"lot": "1", "decision": "go", "allocations": [
        {"tenant": "coop-a", "share_percent": "55"}, {"tenant": "coop-b", "share_percent": "44.99"}]}]}
    response = post_bid(client, staff, notice, body, expect=422)
    assert "99.99%" in response.get_json()["errors"]["lots[0].allocations"][0]
    assert count(app, TenderBid) == 0 and count(app, BidAllocation) == 0


def test_a_share_above_the_capacity_offered_names_the_coop_row(app, client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    body = {"lots": [{"lot": "1", "decision": "go", "allocations": [
        {"tenant": "coop-a", "share_percent": "40"}, {"tenant": "coop-b", "share_percent": "60"}]}]}
    errors = post_bid(client, staff, notice, body, expect=422).get_json()["errors"]
    assert "6240.00 hour, above the 5000.00" in errors["lots[0].allocations[1].share_percent"][0]
    assert count(app, BidAllocation) == 0


def test_a_negative_price_and_an_unknown_lot_are_refused(client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    body = {"lots": [{"lot": "1", "decision": "go", "price": "-5"}]}
    assert "lots" in post_bid(client, staff, notice, body, expect=422).get_json()["errors"]
    body = {"lots": [{"lot": "7", "decision": "go"}]}
    assert "no lot 7" in post_bid(client, staff, notice, body, expect=422).get_json()["errors"]["lots[0].lot"][0]


def test_submission_is_refused_while_documents_are_missing_or_expire_before_the_deadline(client, staff, treasurers,
                                                                                          notice):
    answered_notice(client, staff, treasurers, notice)
    body = {**READY_BID, "requirements": [{"kind": "insurance", "label": "Public liability insurance", "evidence": [
        {"tenant": "coop-a", "reference": "PL-1", "expires_on": "2026-01-01"}]}]}
    post_bid(client, staff, notice, body)
    response = client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    assert response.status_code == 422
    messages = " ".join(m for ms in response.get_json()["errors"].values() for m in ms)
    assert "Coop A Co-op: Public liability insurance expires on 2026-01-01" in messages
    assert "Coop B Co-op: Public liability insurance is missing" in messages


def test_a_reserved_lot_needs_30_percent_disadvantaged_in_the_combined_workforce(app, client, staff, treasurers,
                                                                               notice):
    """PA 2023 s.32(4)(c): the combined workforce when more than one organisation performs the contract.
    A: 8 staff at 40%, B: 6 staff at 40% → 40%; with B at 10%: (8×40 + 6×10) / 14 = 27.14% < 30%."""
    answered_notice(client, staff, treasurers, notice)
    with app.app_context():
        db.session.get(TenderNotice, notice).reserved = True
        db.session.commit()
    assert post_bid(client, staff, notice, READY_BID).get_json()["lots"][0]["combined_disadvantaged_percent"] == "40.00"
    client.put(f"/api/v1/t/coop-b/tenders/{notice}/interest", headers=treasurers["b"], json={"answers": [
        {"lot": "1", "interested": True, "capacity": "5000", "unit_cost": "23.00", "staff": 6,
         "disadvantaged_percent": "10"}]})
    bid = post_bid(client, staff, notice, READY_BID).get_json()
    assert bid["lots"][0]["combined_disadvantaged_percent"] == "27.14"
    assert any("at least 30%" in p["message"] for p in bid["problems"])


def test_a_submitted_bid_is_frozen_and_a_correction_is_a_new_version(app, client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, READY_BID)
    submitted = client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    corrected = post_bid(client, staff, notice, {"margin_percent": "4"}).get_json()
    assert (corrected["version"], corrected["status"], corrected["margin_percent"]) == (2, "draft", "4.00")
    with app.app_context():
        first = db.session.query(TenderBid).filter_by(version=1).one()
        assert first.status == "superseded" and first.margin_percent == 5  # the submitted version is unchanged
    with app.app_context(), consortium_scope(db.session):
        entries = db.session.query(AuditEntry).filter(AuditEntry.object_type == "TenderBid").all()
        assert any(e.changes.get("status") == ["draft", "submitted"] for e in entries if e.action == "update")


def test_submitting_or_correcting_after_the_deadline_is_refused(app, client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, READY_BID)
    with app.app_context():
        db.session.get(TenderNotice, notice).submission_deadline = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    response = client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    assert response.status_code == 409 and "submission_deadline" in response.get_json()["errors"]


def test_award_turns_the_lot_into_a_contract_with_each_members_share(app, client, staff, treasurers, notice):
    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, READY_BID)
    client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    not_bid = client.post(f"/api/v1/consortium/tenders/{notice}/bid/award", headers=staff,
                          json={"won": [{"lot": "2", "value": "500000"}]})
    assert not_bid.status_code == 422 and "lot 2 was not bid" in not_bid.get_json()["errors"]["won[0].lot"][0]
    assert count(app, TenderContract) == 0
    won = client.post(f"/api/v1/consortium/tenders/{notice}/bid/award", headers=staff,
                      json={"won": [{"lot": "1", "value": "100000.03"}], "awarded_on": "2027-02-20"})
    assert won.status_code == 200 and won.get_json()["status"] == "won"
    contract = client.get("/api/v1/consortium/contracts", headers=staff).get_json()[0]
    assert contract["value"] == "100000.03"
    assert [(s["tenant"], s["share_percent"], s["value"]) for s in contract["shares"]] == [
        ("coop-a", "55.00", "55000.02"), ("coop-b", "45.00", "45000.01")]
    own = client.get("/api/v1/t/coop-b/contracts", headers=treasurers["b"]).get_json()
    assert [(s["share_percent"], s["value"], s["part"]) for s in own] == [("45.00", "45000.01",
                                                                            "Evening and weekend calls")]
    assert "55000.02" not in client.get("/api/v1/t/coop-b/contracts", headers=treasurers["b"]).get_data(as_text=True)


def test_a_later_ocds_release_with_our_award_creates_the_contract(app, client, staff, treasurers, notice):
    from tests.tendering.helpers import import_package
    from tests.tendering.samples import award_for, fts_release, release_package

    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, {**READY_BID, "lots": [READY_BID["lots"][0], {"lot": "2", "decision": "go",
        "allocations": []}]})
    client.post(f"/api/v1/consortium/tenders/{notice}/bid", headers=staff, json={"lots": [{"lot": "2",
                                                                                           "decision": "no_go"}]})
    client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    award = fts_release(1, release_suffix="award", date="2027-02-20T10:00:00Z", tag=["award"],
                        awards=[award_for("1", app.config["CONSORTIUM_NAME"], 241500)])
    import_package(client, staff, release_package([award]))
    bid = client.get(f"/api/v1/consortium/tenders/{notice}/bid", headers=staff).get_json()
    assert bid["status"] == "won" and bid["lots"][0]["result"] == "won"
    assert client.get("/api/v1/consortium/contracts", headers=staff).get_json()[0]["value"] == "241500.00"


def test_the_bid_pack_pdf_names_every_member_share_and_the_mandate(client, staff, treasurers, notice, tmp_path):
    import subprocess

    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, READY_BID)
    response = client.get(f"/api/v1/consortium/tenders/{notice}/bid/pdf", headers=staff)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    (tmp_path / "pack.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "pack.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    for expected in ("Coop A Co-op", "Coop B Co-op", "55%", "45%", "North rounds", "242,151.00", "mandatario",
                     "art. 68", "PL-2"):
        assert expected in text, expected


def test_a_notice_s_maximum_lots_per_supplier_limits_the_go_lots_and_the_award(app, client, staff, treasurers):
    """OCDS lots extension, tender.lotDetails (shared_services/tendering/ocds_schema/extensions/
    lots-release-schema.json): the consortium bids as one supplier, so its 'go' lots may not exceed
    maximumLotsBidPerSupplier; a later release lowering it stops the submission."""
    from tests.tendering.helpers import import_package
    from tests.tendering.samples import fts_release, release_package

    release = fts_release(5)
    release["tender"]["lotDetails"] = {"maximumLotsBidPerSupplier": 1, "maximumLotsAwardedPerSupplier": 1}
    import_package(client, staff, release_package([release]))
    notice = next(n["id"] for n in client.get("/api/v1/consortium/tenders", headers=staff).get_json()
                  if n["ocid"] == release["ocid"])
    detail = client.get(f"/api/v1/consortium/tenders/{notice}", headers=staff).get_json()
    assert (detail["max_lots_bid"], detail["max_lots_awarded"]) == (1, 1)
    body = {"lots": [{"lot": "1", "decision": "go"}, {"lot": "2", "decision": "go"}]}
    errors = post_bid(client, staff, notice, body, expect=422).get_json()["errors"]
    assert ("maximumLotsBidPerSupplier: one supplier may bid on at most 1 of the notice's lots; 2 are 'go'"
            in errors["lots[1].decision"][0])
    assert count(app, TenderBid) == 0  # nothing half-saved
    post_bid(client, staff, notice, {"lots": [{"lot": "1", "decision": "go"}, {"lot": "2", "decision": "no_go"}]})
    # Swapping: lot 1 no-go first, then lot 2 go, is within the limit.
    post_bid(client, staff, notice, {"lots": [{"lot": "1", "decision": "no_go"}, {"lot": "2", "decision": "go"}]})


def test_a_lowered_limit_in_a_newer_release_is_a_problem_that_stops_submission(app, client, staff, treasurers,
                                                                              notice):
    from tests.tendering.helpers import import_package
    from tests.tendering.samples import fts_release, release_package

    answered_notice(client, staff, treasurers, notice)
    post_bid(client, staff, notice, {**READY_BID, "lots": [READY_BID["lots"][0], {"lot": "2", "decision": "go"}]})
    newer = fts_release(1, release_suffix="amendment", date="2026-11-25T09:00:00Z", tag=["tenderAmendment"])
    newer["tender"]["lotDetails"] = {"maximumLotsBidPerSupplier": 1}
    import_package(client, staff, release_package([newer]))
    problems = client.get(f"/api/v1/consortium/tenders/{notice}/bid", headers=staff).get_json()["problems"]
    assert any("maximumLotsBidPerSupplier" in p["message"] for p in problems), problems
    submit = client.post(f"/api/v1/consortium/tenders/{notice}/bid/submit", headers=staff)
    assert submit.status_code == 422 and "maximumLotsBidPerSupplier" in str(submit.get_json()["errors"]["lots"])
