"""Payments against contributions: entered by hand, or imported from a bank statement CSV."""

import io

from sqlalchemy import func, select

from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.mutual_fund.models import ContributionPayment
from tests.mutual_fund.conftest import FUND, YEAR, D

REF_A = f"MF-{YEAR}-coop-a"
REF_B = f"MF-{YEAR}-coop-b"
PAID_ON = f"{YEAR + 1}-05-20"


def _payments(app) -> int:
    with app.app_context(), consortium_scope(db.session):
        return db.session.scalar(select(func.count()).select_from(ContributionPayment)
                                 .execution_options(all_tenants=True))


def _import(fund, content: str, encoding: str = "utf-8"):
    data = {"file": (io.BytesIO(content.encode(encoding)), "statement.csv")}
    return fund.client.post(f"{FUND}/payments/import", headers=fund.staff, data=data,
                            content_type="multipart/form-data")


def test_manual_payment_by_reference_then_by_id_settles_the_contribution(fund):
    contribution = fund.accepted(D("12345.67"))

    part = fund.client.post(f"{FUND}/payments", headers=fund.staff,
                            json={"reference": REF_A.upper(), "amount": "300.00", "date": PAID_ON})
    rest = fund.client.post(f"{FUND}/payments", headers=fund.staff,
                            json={"contribution_id": contribution["id"], "amount": "70.37", "date": PAID_ON})

    assert part.status_code == 201 and rest.status_code == 201, (part.get_json(), rest.get_json())
    [after] = fund.client.get("/api/v1/t/coop-a/contributions", headers=fund.treasurer_a).get_json()
    assert (after["paid_amount"], after["outstanding"], after["status"]) == ("370.37", "0.00", "paid")
    overview = fund.client.get(FUND, headers=fund.staff).get_json()
    assert overview["balance"] == "370.37" and overview["contributions_received"] == "370.37"
    assert overview["contributions_outstanding"] == "0.00" and overview["ledger_balanced"] is True


def test_bad_payments_are_refused_naming_the_field_and_nothing_is_saved(fund):
    fund.accepted(D("12345.67"))
    fund.accepted(D("-100.00"), tenant=fund.b)

    cases = [
        ({"reference": REF_A, "amount": "370.38", "date": PAID_ON}, 422, "amount"),  # more than owed
        ({"reference": REF_B, "amount": "1.00", "date": PAID_ON}, 422, "amount"),  # nothing due
        ({"reference": "MF-1999-nobody", "amount": "1.00", "date": PAID_ON}, 404, "reference"),
        ({"reference": REF_A, "contribution_id": 1, "amount": "1.00", "date": PAID_ON}, 422, "reference"),
        ({"reference": REF_A, "amount": "-5.00", "date": PAID_ON}, 422, "amount"),
        ({"reference": REF_A, "amount": "1.00", "date": "2999-01-01"}, 422, "date"),
        ({"reference": REF_A, "amount": "1.00"}, 422, "date"),
    ]
    for body, status, field in cases:
        response = fund.client.post(f"{FUND}/payments", headers=fund.staff, json=body)
        assert response.status_code == status, (body, response.get_json())
        assert field in response.get_json()["errors"], (body, response.get_json())
    assert _payments(fund.app) == 0


STATEMENT = f"""date,description,amount
{YEAR + 1}-05-20,Bonifico da Coop A Sociale {REF_A.upper()} saldo,370.37
{YEAR + 1}-05-21,Bonifico {REF_B}-contributo,500.00
{YEAR + 1}-05-21,Payment for services rendered,120.00
{YEAR + 1}-05-22,Bonifico MF-1999-nobody,10.00
{YEAR + 1}-05-22,Storno {REF_B},-50.00
{YEAR + 1}-05-23,Bonifico {REF_B} again,9999.00
"""


def test_bank_import_records_matched_lines_lists_the_rest_and_is_idempotent(fund):
    fund.accepted(D("12345.67"))
    fund.accepted(D("40000.00"), tenant=fund.b)

    first = _import(fund, STATEMENT)

    assert first.status_code == 200, first.get_json()
    result = first.get_json()
    assert [(line["row"], line["reference"]) for line in result["recorded"]] == [(2, REF_A), (3, REF_B)]
    reasons = {line["row"]: line["reason"] for line in result["unmatched"]}
    assert set(reasons) == {4, 5, 6, 7}
    assert "no contribution reference" in reasons[4]
    assert "MF-1999-NOBODY matches no contribution" == reasons[5]
    assert reasons[6] == "not a credit to the fund"
    assert "9,999.00 is more than the 700.00 outstanding" in reasons[7]

    second = _import(fund, STATEMENT).get_json()

    assert second["recorded"] == []
    assert [line["row"] for line in second["already_imported"]] == [2, 3]
    assert [line["row"] for line in second["unmatched"]] == [4, 5, 6, 7]
    assert _payments(fund.app) == 2
    overview = fund.client.get(FUND, headers=fund.staff).get_json()
    assert overview["balance"] == "870.37"


def test_two_identical_lines_in_one_statement_are_two_payments(fund):
    fund.accepted(D("40000.00"), tenant=fund.b)
    line = f"{YEAR + 1}-05-21,Rata {REF_B},100.00\n"
    statement = "date,description,amount\n" + line + line

    first = _import(fund, statement).get_json()
    again = _import(fund, statement).get_json()

    assert len(first["recorded"]) == 2
    assert again["recorded"] == [] and len(again["already_imported"]) == 2
    assert _payments(fund.app) == 2


def test_italian_export_with_semicolons_decimal_commas_and_windows_1252(fund):
    fund.accepted(D("12345.67"))
    statement = f"Date;Description;Amount;Saldo\n20/05/{YEAR + 1};Versamento {REF_A} – società;1.000,00;5\n" \
                f"21/05/{YEAR + 1};Versamento {REF_A};300,37;5\n"

    result = _import(fund, statement, encoding="cp1252").get_json()

    assert [line["amount"] for line in result["recorded"]] == ["300.37"]
    assert "1,000.00 is more than the 370.37 outstanding" in result["unmatched"][0]["reason"]


def test_a_statement_with_a_bad_row_is_refused_whole(fund):
    fund.accepted(D("12345.67"))
    statement = f"date,description,amount\n{YEAR + 1}-05-20,{REF_A},100.00\nyesterday,{REF_A},abc\n"

    response = _import(fund, statement)

    assert response.status_code == 422
    errors = response.get_json()["errors"]["row 3"]
    assert any(message.startswith("date:") for message in errors)
    assert any(message.startswith("amount:") for message in errors)
    assert _payments(fund.app) == 0


def test_a_statement_without_the_needed_columns_or_lines_is_refused(fund):
    missing = _import(fund, "when,text,value\n2025-01-01,x,1\n")
    empty = _import(fund, "")
    header_only = _import(fund, "date,description,amount\n")

    assert missing.status_code == 422 and "date, description, amount" in missing.get_json()["errors"]["file"][0]
    assert empty.status_code == 422 and "empty" in empty.get_json()["errors"]["file"][0]
    assert header_only.status_code == 422 and "no lines" in header_only.get_json()["errors"]["file"][0]

