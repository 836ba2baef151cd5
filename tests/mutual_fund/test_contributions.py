"""Accepting accounts creates the year's contribution; re-accepting, reopening and correcting never edit it."""

from sqlalchemy import func, select

from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.mutual_fund import service
from shared_services.mutual_fund.models import Contribution, FundEntry
from tests.mutual_fund.conftest import ACCOUNTS, FUND, YEAR, D


def _count(app, model, **where):
    with app.app_context(), consortium_scope(db.session):
        query = select(func.count()).select_from(model).execution_options(all_tenants=True)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return db.session.scalar(query)


def _entries(app, kind):
    with app.app_context(), consortium_scope(db.session):
        return [entry.amount for entry in db.session.scalars(select(FundEntry).where(FundEntry.kind == kind))]


def test_accepting_fixes_the_rate_and_a_second_accept_changes_nothing(fund):
    version = fund.submit(fund.a, D("12345.67"))

    first = fund.accept(version)

    assert first.status_code == 200, first.get_json()
    contribution = first.get_json()
    # 12,345.67 x 3% = 370.3701 -> 370.37; 30% reserve 3,703.701 -> 3,703.70; 29 April + 60 days = 28 June
    assert contribution["amount"] == "370.37"
    assert contribution["rate"] == "3.0000"
    assert contribution["legal_reserve"] == "3703.70"
    assert contribution["due_date"] == f"{YEAR + 1}-06-28"
    assert contribution["reference"] == f"MF-{YEAR}-coop-a"
    assert contribution["status"] == "due" and contribution["outstanding"] == "370.37"
    assert _entries(fund.app, "contribution_due") == [D("370.37")]

    settings = fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={"rate": "5"})
    assert settings.status_code == 200 and settings.get_json()["rate"] == "5.0000"
    again = fund.accept(version)

    assert again.status_code == 200
    assert again.get_json()["id"] == contribution["id"]
    assert again.get_json()["rate"] == "3.0000" and again.get_json()["amount"] == "370.37"
    assert _count(fund.app, Contribution) == 1
    assert _entries(fund.app, "contribution_due") == [D("370.37")]


def test_new_settings_apply_to_years_accepted_afterwards(fund):
    fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={"rate": "2.5", "due_days": 90})

    contribution = fund.accepted(D("20000.00"))

    # 20,000 x 2.5% = 500.00, due 90 days after 29 April = 28 July
    assert (contribution["amount"], contribution["rate"]) == ("500.00", "2.5000")
    assert contribution["due_date"] == f"{YEAR + 1}-07-28"


def test_a_loss_owes_nothing_and_posts_nothing(fund):
    contribution = fund.accepted(D("-5000.00"))

    assert contribution["amount"] == "0.00" and contribution["base"] == "0.00"
    assert contribution["legal_reserve"] == "0.00"
    assert contribution["status"] == "nothing_due"
    assert "not a profit" in contribution["explanation"]
    assert _count(fund.app, FundEntry) == 0


def test_below_the_minimum_nothing_is_due(fund):
    contribution = fund.accepted(D("344.00"))

    # 344.00 x 3% = 10.32, below the 10.33 minimum of Law 59/1992
    assert contribution["amount"] == "0.00" and contribution["status"] == "nothing_due"
    assert "10.32" in contribution["explanation"] and "10.33" in contribution["explanation"]


def test_two_coops_the_same_year_each_owe_their_own_contribution(fund):
    fund.accepted(D("1000.00"))

    other = fund.accepted(D("1000.00"), tenant=fund.b)

    assert other["reference"] == f"MF-{YEAR}-coop-b"
    assert _count(fund.app, Contribution) == 2


def test_returned_accounts_cannot_be_accepted(fund):
    version = fund.submit(fund.a, D("5000.00"))
    fund.client.post(f"{ACCOUNTS}/{version}/return", headers=fund.staff, json={"comment": "Missing tax"})

    response = fund.accept(version)

    assert response.status_code == 409 and "status" in response.get_json()["errors"]
    assert _count(fund.app, Contribution) == 0


def test_reopening_needs_an_admin_and_a_reason_then_reacceptance_corrects_by_an_entry(fund):
    version = fund.submit(fund.a, D("12345.67"))
    original = fund.accept(version).get_json()

    by_staff = fund.client.post(f"{ACCOUNTS}/{version}/reopen", headers=fund.staff, json={"reason": "typo"})
    assert by_staff.status_code == 403
    no_reason = fund.client.post(f"{ACCOUNTS}/{version}/reopen", headers=fund.admin, json={"reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    assert _count(fund.app, Contribution, status="reopened") == 0

    reopened = fund.client.post(f"{ACCOUNTS}/{version}/reopen", headers=fund.admin,
                                json={"reason": "Staff costs double-counted"})
    assert reopened.status_code == 200, reopened.get_json()
    assert reopened.get_json()["status"] == "reopened"
    fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={"rate": "5"})

    corrected = fund.accept(fund.submit(fund.a, D("20000.00")))

    assert corrected.status_code == 200, corrected.get_json()
    body = corrected.get_json()
    # the year keeps its 3%: 20,000 x 3% = 600.00, so the correcting entry is 600.00 - 370.37 = 229.63
    assert body["id"] == original["id"]
    assert (body["amount"], body["rate"]) == ("370.37", "3.0000")
    assert body["adjustments_total"] == "229.63" and body["total_due"] == "600.00"
    assert body["status"] == "due"
    assert _count(fund.app, Contribution) == 1
    assert _entries(fund.app, "contribution_adjustment") == [D("229.63")]
    with fund.app.app_context(), consortium_scope(db.session):
        contribution = service.get_contribution(db.session, contribution_id=body["id"])
        [adjustment] = service.contribution_adjustments(db.session, contribution)
        assert adjustment.reason == "Staff costs double-counted"
        assert (adjustment.previous_net_profit, adjustment.net_profit) == (D("12345.67"), D("20000.00"))
        assert service.ledger_is_balanced(db.session)


def test_a_downward_correction_reverses_part_of_the_receivable(fund):
    version = fund.submit(fund.a, D("12345.67"))
    fund.accept(version)
    fund.client.post(f"{ACCOUNTS}/{version}/reopen", headers=fund.admin, json={"reason": "Profit overstated"})

    body = fund.accept(fund.submit(fund.a, D("10000.00"))).get_json()

    # 10,000 x 3% = 300.00: 70.37 less than the 370.37 first fixed
    assert body["adjustments_total"] == "-70.37" and body["total_due"] == "300.00"
    with fund.app.app_context(), consortium_scope(db.session):
        balances = service.account_balances(db.session)
        assert balances["contributions_receivable"] == D("300.00")
        assert balances["contribution_income"] == D("-300.00")


def test_returning_needs_a_comment_the_treasurer_then_sees(fund):
    version = fund.submit(fund.a, D("5000.00"))

    empty = fund.client.post(f"{ACCOUNTS}/{version}/return", headers=fund.staff, json={})
    assert empty.status_code == 422 and "comment" in empty.get_json()["errors"]
    returned = fund.client.post(f"{ACCOUNTS}/{version}/return", headers=fund.staff,
                                json={"comment": "The tax line is missing."})

    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    seen = fund.client.get(f"/api/v1/t/coop-a/accounts/{version}", headers=fund.treasurer_a).get_json()
    assert seen["return_comment"] == "The tax line is missing."
    assert _count(fund.app, Contribution) == 0


def test_submissions_list_shows_every_coops_accounts_to_staff(fund):
    fund.submit(fund.a, D("5000.00"))
    fund.submit(fund.b, D("7000.00"))

    listing = fund.client.get(ACCOUNTS, headers=fund.staff)

    assert listing.status_code == 200
    rows = {(row["tenant"], row["net_profit"], row["status"]) for row in listing.get_json()}
    assert rows == {("coop-a", "5000.00", "submitted"), ("coop-b", "7000.00", "submitted")}


def test_submissions_waiting_for_review_come_first(fund):
    waiting = fund.submit(fund.a, D("5000.00"))
    fund.accepted(D("7000.00"), tenant=fund.b)  # submitted after A's, already dealt with

    listing = fund.client.get(ACCOUNTS, headers=fund.staff).get_json()

    assert [(row["id"], row["status"]) for row in listing][0] == (waiting, "submitted")
    assert [row["tenant"] for row in listing] == ["coop-a", "coop-b"]


def test_a_treasurer_cannot_reach_consortium_routes(fund):
    version = fund.submit(fund.a, D("5000.00"))

    for method, url in (("GET", ACCOUNTS), ("POST", f"{ACCOUNTS}/{version}/accept"), ("GET", FUND),
                        ("GET", f"{FUND}/contributions"), ("POST", f"{FUND}/payments"), ("GET", f"{FUND}/settings"),
                        ("GET", f"{FUND}/report.pdf")):
        response = fund.client.open(url, method=method, headers=fund.treasurer_a, json={})
        assert response.status_code == 403, (method, url, response.status_code)
    assert _count(fund.app, Contribution) == 0


def test_each_coop_sees_only_its_own_contributions(fund):
    fund.accepted(D("12345.67"))
    fund.accepted(D("40000.00"), tenant=fund.b)

    own = fund.client.get("/api/v1/t/coop-b/contributions", headers=fund.treasurer_b)
    foreign = fund.client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_b)
    foreign_pdf = fund.client.get("/api/v1/t/coop-a/contributions/statement.pdf", headers=fund.treasurer_b)

    assert [c["reference"] for c in own.get_json()] == [f"MF-{YEAR}-coop-b"]
    assert own.get_json()[0]["amount"] == "1200.00"
    assert foreign.status_code == 404 and "coop-a" not in foreign.get_data(as_text=True)
    assert foreign_pdf.status_code == 404


def test_consortium_lists_contributions_across_coops_by_year(fund):
    fund.accepted(D("12345.67"))
    fund.accepted(D("40000.00"), tenant=fund.b)
    fund.accepted(D("1000.00"), year=YEAR - 1)

    this_year = fund.client.get(f"{FUND}/contributions?year={YEAR}", headers=fund.staff).get_json()
    one_coop = fund.client.get(f"{FUND}/contributions?tenant=coop-a", headers=fund.staff).get_json()

    assert sorted((c["tenant"], c["amount"]) for c in this_year) == [("coop-a", "370.37"), ("coop-b", "1200.00")]
    assert [c["year"] for c in one_coop] == [YEAR, YEAR - 1]
    unknown = fund.client.get(f"{FUND}/contributions?tenant=nobody", headers=fund.staff)
    assert unknown.status_code == 422 and "tenant" in unknown.get_json()["errors"]


def test_settings_refuse_bad_values_and_staff_cannot_change_them(fund):
    by_staff = fund.client.patch(f"{FUND}/settings", headers=fund.staff, json={"rate": "4"})
    bad = fund.client.patch(f"{FUND}/settings", headers=fund.admin,
                            json={"rate": "120", "associations": 0, "reminder_days_before": [-1]})

    assert by_staff.status_code == 403
    assert bad.status_code == 422
    assert {"rate", "associations", "reminder_days_before"} <= set(bad.get_json()["errors"])
    current = fund.client.get(f"{FUND}/settings", headers=fund.staff).get_json()
    assert current["rate"] == "3.0000" and current["minimum"] == "10.33" and current["due_days"] == 60
    assert "Law 59/1992" in current["source"]


def test_after_a_correction_the_coop_sees_the_current_legal_reserve_and_why(fund, client):
    from tests.conftest import login
    from tests.mutual_fund.test_pages_and_documents import _pdf_text

    version = fund.submit(fund.a, D("12345.67"))
    fund.accept(version)
    fund.client.post(f"{ACCOUNTS}/{version}/reopen", headers=fund.admin, json={"reason": "Staff costs double-counted"})
    fund.accept(fund.submit(fund.a, D("20000.00")), accepted_on=f"{YEAR + 1}-09-01")

    [shown] = fund.client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_a).get_json()
    [listed] = fund.client.get(f"{FUND}/contributions?tenant=coop-a", headers=fund.staff).get_json()
    login(client, "treasurer.a@example.test")
    page = client.get("/t/coop-a/contributions/").get_data(as_text=True)
    statement = _pdf_text(fund.client.get("/api/v1/t/coop-a/contributions/statement.pdf",
                                          headers=fund.treasurer_a).data)

    # 30% of the corrected 20,000.00, not of the 12,345.67 first accepted (3,703.70)
    assert shown["legal_reserve"] == listed["legal_reserve"] == "6000.00"
    assert shown["explanation"] == listed["explanation"]
    explanation = shown["explanation"]
    assert f"Corrected on 1 Sep {YEAR + 1}" in explanation and "Staff costs double-counted" in explanation
    assert "12,345.67 became 20,000.00" in explanation and "370.37" in explanation
    assert "3% of net profit 20,000.00 is 600.00" in explanation
    assert (shown["amount"], shown["adjustments_total"], shown["total_due"]) == ("370.37", "229.63", "600.00")
    assert "Legal reserve (for information) €6,000.00" in page and "3,703.70" not in page
    assert f"Corrected on 1 Sep {YEAR + 1}" in page
    assert "6,000.00" in statement and "3,703.70" not in statement and "Corrected on" in statement
    # the original row is never edited: its figures stay, the correction is a separate entry
    with fund.app.app_context(), consortium_scope(db.session):
        contribution = service.get_contribution(db.session, contribution_id=shown["id"])
        assert (contribution.amount, contribution.net_profit, contribution.legal_reserve) == (
            D("370.37"), D("12345.67"), D("3703.70"))
        assert "Corrected" not in contribution.explanation and "12,345.67" in contribution.explanation
        assert [a.delta for a in service.contribution_adjustments(db.session, contribution)] == [D("229.63")]
