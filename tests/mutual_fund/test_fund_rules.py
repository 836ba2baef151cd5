"""Issue 14: the base less prior losses and ristorni, the due date from the assembly's approval, pro rata by days.

Sources are cited beside the rules in shared_services/mutual_fund/calculations.py; each test names its example.
"""

import io
from datetime import date, timedelta

from consortium.clock import local_today
from tests.accounts.helpers import filled_xlsx
from tests.mutual_fund.conftest import ACCOUNTS, FUND, YEAR, D

CONTRIBUTIONS = "/api/v1/t/coop-a/contributions"


def test_profit_of_1000_with_400_covering_prior_losses_owes_18(fund):
    # Issue 14's worked example on the Legacoop Liguria rule ("Coopfond e il 3% dell'utile": the 3% is worked
    # on the net profit less the part covering prior years' losses and less ristorni): 3% x 600 = 18.00, not 30.00.
    version = fund.submit(fund.a, D("1000.00"), prior_losses_covered=D("400.00"))

    response = fund.accept(version)

    assert response.status_code == 200, response.get_json()
    contribution = response.get_json()
    assert (contribution["net_profit"], contribution["prior_losses_covered"], contribution["base"]) == (
        "1000.00", "400.00", "600.00")
    assert contribution["amount"] == "18.00" and contribution["outstanding"] == "18.00"
    assert contribution["legal_reserve"] == "300.00"  # 30% of the whole profit, as before


def test_the_submission_shows_the_allocations_to_the_consortium(fund):
    version = fund.submit(fund.a, D("12000.00"), prior_losses_covered=D("2000.00"), ristorni=D("3000.00"))

    shown = fund.client.get(f"{ACCOUNTS}/{version}", headers=fund.staff).get_json()
    contribution = fund.accept(version).get_json()

    assert shown["figures"]["prior_losses_covered"] == "2000.00"
    assert shown["figures"]["ristorni_from_profit"] == "3000.00"
    # 12,000 - 2,000 - 3,000 = 7,000; 3% = 210.00
    assert (contribution["base"], contribution["ristorni"], contribution["amount"]) == ("7000.00", "3000.00", "210.00")


def test_the_due_date_counts_from_the_assembly_not_from_the_consortiums_acceptance(fund):
    # Law 59/1992 art. 11: within 60 days of the approval of the accounts. The assembly approved them on
    # 10 May; the consortium accepted them only on 20 June: due 9 July (21 days of May + 30 of June + 9).
    version = fund.submit(fund.a, D("20000.00"), assembly_approved_on=date(YEAR + 1, 5, 10))

    contribution = fund.accept(version, accepted_on=f"{YEAR + 1}-06-20").get_json()

    assert contribution["assembly_approved_on"] == f"{YEAR + 1}-05-10"
    assert contribution["approved_on"] == f"{YEAR + 1}-06-20"
    assert contribution["due_date"] == f"{YEAR + 1}-07-09"


def test_a_fund_of_co_ops_in_no_association_counts_300_days_from_the_year_end(fund):
    # Confcooperative Veneto, "Versamento 3% degli utili delle cooperative": co-ops in no association pay
    # within 300 days of the end of the financial year (26 October for a calendar year ending before a leap
    # year, 27 October otherwise: 31 December + 300 days).
    settings = fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={"due_basis": "year_end",
                                                                                "due_days": 300})
    contribution = fund.accepted(D("20000.00"))

    assert settings.status_code == 200 and settings.get_json()["due_basis"] == "year_end"
    assert contribution["due_basis"] == "year_end"
    assert contribution["due_date"] == (date(YEAR, 12, 31) + timedelta(days=300)).isoformat()


def test_an_unknown_due_basis_is_refused_naming_the_field(fund):
    response = fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={"due_basis": "acceptance"})

    assert response.status_code == 422 and "due_basis" in response.get_json()["errors"]


def test_a_co_op_that_joined_the_association_in_the_year_pays_pro_rata_by_days(fund):
    # Pro rata by days (Confcooperative Veneto: "in proporzione ai giorni di competenza"; our own figures, no
    # published example found): joined on 1 July; 1 July - 31 December is 184 days.
    year_days = (date(YEAR, 12, 31) - date(YEAR, 1, 1)).days + 1
    version = fund.submit(fund.a, D("100000.00"))

    response = fund.client.post(f"{ACCOUNTS}/{version}/accept", headers=fund.staff,
                                json={"accepted_on": f"{YEAR + 1}-05-02", "member_from": f"{YEAR}-07-01"})

    assert response.status_code == 200, response.get_json()
    contribution = response.get_json()
    expected = (D("3000.00") * 184 / year_days).quantize(D("0.01"))  # 3% of 100,000 = 3,000 x 184 / 365 (366)
    assert (contribution["days_member"], contribution["days_in_year"]) == (184, year_days)
    assert contribution["full_year_amount"] == "3000.00"
    assert contribution["amount"] == str(expected)
    assert f"184 of the year's {year_days} days" in contribution["explanation"]


def test_membership_dates_outside_the_year_are_refused_and_nothing_is_accepted(fund):
    version = fund.submit(fund.a, D("100000.00"))

    response = fund.client.post(f"{ACCOUNTS}/{version}/accept", headers=fund.staff,
                                json={"member_from": f"{YEAR + 1}-02-01"})

    assert response.status_code == 422 and "member_from" in response.get_json()["errors"]
    assert fund.client.get(f"{ACCOUNTS}/{version}", headers=fund.staff).get_json()["status"] == "submitted"
    assert fund.client.get(CONTRIBUTIONS, headers=fund.treasurer_a).get_json() == []


def test_submitting_needs_the_assembly_date_after_the_year_end_and_not_in_the_future(fund):
    url = "/api/v1/t/coop-a/accounts"
    upload = fund.client.post(url, headers=fund.treasurer_a, content_type="multipart/form-data",
                              data={"year": str(YEAR), "file": (io.BytesIO(filled_xlsx(YEAR)), "a.xlsx")})
    assert upload.status_code == 201, upload.get_json()
    version = upload.get_json()["id"]

    def submit(body):
        return fund.client.post(f"{url}/{version}/submit", headers=fund.treasurer_a, json=body)

    missing, in_the_year = submit({}), submit({"assembly_approved_on": f"{YEAR}-12-31"})
    future = submit({"assembly_approved_on": (local_today() + timedelta(days=1)).isoformat()})
    good = submit({"assembly_approved_on": f"{YEAR + 1}-04-29"})

    for refused in (missing, in_the_year, future):
        assert refused.status_code == 422 and "assembly_approved_on" in refused.get_json()["errors"], refused.get_json()
    assert "after the end of" in in_the_year.get_json()["errors"]["assembly_approved_on"][0]
    assert "in the future" in future.get_json()["errors"]["assembly_approved_on"][0]
    assert good.status_code == 200 and good.get_json()["assembly_approved_on"] == f"{YEAR + 1}-04-29"


def test_the_statement_shows_the_base_step_by_step_and_the_account_to_pay(fund):
    from tests.mutual_fund.test_pages_and_documents import _pdf_text

    fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={
        "bank_account_name": "Consorzio Fragola fondo mutualistico", "bank_iban": "it60 x054 2811 1010 0000 0123 456"})
    version = fund.submit(fund.a, D("1000.00"), prior_losses_covered=D("400.00"))
    fund.accept(version)

    text = _pdf_text(fund.client.get(f"{CONTRIBUTIONS}/statement.pdf", headers=fund.treasurer_a).data)
    lines = [" ".join(line.split()) for line in text.splitlines()]

    assert "Net profit of the year €1,000.00" in lines
    assert "less: used to cover losses of prior years -€400.00" in lines
    assert "= base of the contribution €600.00" in lines
    assert "x 3% = the year's contribution €18.00" in lines
    assert "amount due €18.00" in lines
    assert "IBAN IT60 X054 2811 1010 0000 0123 456" in " ".join(lines)


def test_a_bad_iban_for_the_fund_is_refused_naming_the_field(fund):
    bad_check_digits = "IT60X0542811101000000123457"
    response = fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={"bank_iban": bad_check_digits})

    assert response.status_code == 422 and "bank_iban" in response.get_json()["errors"]


def test_staff_download_a_co_ops_statement_and_an_unknown_co_op_is_not_found(fund, client):
    # Issue 15: "Staff cannot download a co-op's contribution statement (404)".
    from tests.conftest import login
    from tests.mutual_fund.test_pages_and_documents import _pdf_text

    fund.accepted(D("12345.67"))

    api = fund.client.get(f"{FUND}/coops/coop-a/statement.pdf", headers=fund.staff)
    unknown = fund.client.get(f"{FUND}/coops/no-such-coop/statement.pdf", headers=fund.staff)
    treasurer = fund.client.get(f"{FUND}/coops/coop-a/statement.pdf", headers=fund.treasurer_a)
    login(client, "staff@example.test")
    page = client.get("/consortium/mutual-fund/coops/coop-a/statement.pdf")

    assert api.status_code == 200 and api.mimetype == "application/pdf"
    assert "Coop A Sociale" in _pdf_text(api.data) and "370.37" in _pdf_text(api.data)
    assert page.status_code == 200 and page.mimetype == "application/pdf"
    assert unknown.status_code == 404
    assert treasurer.status_code == 403


def test_the_staff_contributions_list_says_overdue_where_the_treasurer_does(fund, client):
    # Issue 15: "The staff contributions list says 'due' where the treasurer sees 'overdue'".
    from tests.conftest import login

    fund.accepted(D("12345.67"))  # due 28 June of last year, never paid
    login(client, "staff@example.test")

    page = client.get("/consortium/mutual-fund/contributions").get_data(as_text=True)

    row = page[page.index(f"MF-{YEAR}-coop-a"):]
    row = row[:row.index("</tr>")]
    assert '<span class="badge fail">overdue</span>' in row
    assert "/consortium/mutual-fund/coops/coop-a/statement.pdf" in row
