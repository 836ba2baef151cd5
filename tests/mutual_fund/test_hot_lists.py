"""The API's two contributions lists (the co-op treasurer's and the consortium staff's), read as columns and
dumped by a precompiled plan (issue 16), answer byte for byte what marshmallow answered from Contribution objects:
several years, a part payment, a settled year, a year corrected twice, a small one with nothing due."""

from marshmallow import Schema
from sqlalchemy import event

from consortium.extensions import db
from consortium.tenancy import consortium_scope, is_scope_statement
from shared_services.mutual_fund import schemas, service
from shared_services.mutual_fund.models import Contribution
from tests.mutual_fund.conftest import ACCOUNTS, FUND, YEAR, D

OWN = "/api/v1/t/coop-a/contributions"


def _history(fund):
    """Co-op A: four years (paid, part paid and corrected twice, nothing due, due); co-op B: one year."""
    paid = fund.accepted(D("12345.67"), year=YEAR - 2)
    part = fund.submit(fund.a, D("8000.00"), year=YEAR - 1)
    fund.accept(part, accepted_on=f"{YEAR}-04-29")
    fund.accepted(D("0.00"), year=YEAR - 3)
    fund.accepted(D("54321.09"))
    fund.accepted(D("777.77"), tenant=fund.b)
    for body in ({"contribution_id": paid["id"], "amount": "370.37", "date": f"{YEAR - 1}-05-20"},
                 {"reference": f"MF-{YEAR - 1}-coop-a", "amount": "100.00", "date": f"{YEAR}-05-20"}):
        assert fund.client.post(f"{FUND}/payments", headers=fund.staff, json=body).status_code == 201
    for reason, net_profit, on in (("Staff costs double-counted", "9000.00", f"{YEAR}-09-01"),
                                   ("", "8500.00", f"{YEAR}-10-01")):
        assert fund.client.post(f"{ACCOUNTS}/{part}/reopen", headers=fund.admin,
                                json={"reason": reason or "again"}).status_code == 200
        part = fund.submit(fund.a, D(net_profit), year=YEAR - 1)
        assert fund.accept(part, accepted_on=on).status_code == 200


def _marshmallow_json(fund, query) -> bytes:
    """The JSON the list answered before: marshmallow's own dump of the Contribution objects, corrections loaded."""
    with fund.app.test_request_context(), consortium_scope(db.session):
        contributions = db.session.scalars(service.with_history(query, payments=False)).all()
        return fund.app.json.response(Schema.dump(schemas.ContributionSchema(), contributions, many=True)).get_data()


def test_both_lists_answer_the_bytes_marshmallow_answered_from_the_objects(fund):
    _history(fund)

    own = fund.client.get(f"{OWN}?page_size=50", headers=fund.treasurer_a)
    staff = fund.client.get(f"{FUND}/contributions?page_size=50", headers=fund.staff)
    only_a = fund.client.get(f"{FUND}/contributions?tenant=coop-a", headers=fund.staff)

    assert own.status_code == staff.status_code == only_a.status_code == 200
    rows = own.get_json()
    assert [row["year"] for row in rows] == [YEAR, YEAR - 1, YEAR - 2, YEAR - 3]
    assert {row["status"] for row in rows} == {"due", "part_paid", "paid", "nothing_due"}
    assert rows[1]["paid_amount"] == "100.00" and rows[1]["adjustments_total"] != "0.00"
    assert "corrections" in rows[1]["explanation"]  # two corrections, said so
    a_only = service.contributions_query(tenant_id=fund.a.id).order_by(None).order_by(Contribution.year.desc())
    assert own.get_data() == _marshmallow_json(fund, a_only)
    assert only_a.get_data() == _marshmallow_json(fund, service.contributions_query(tenant_id=fund.a.id))
    assert staff.get_data() == _marshmallow_json(fund, service.contributions_query())
    assert {row["tenant"] for row in staff.get_json()} == {"coop-a", "coop-b"}


def test_a_page_without_corrections_reads_only_the_page_and_its_count(fund):
    fund.accepted(D("12345.67"), year=YEAR - 1)
    fund.accepted(D("54321.09"))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with fund.app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = fund.client.get(OWN, headers=fund.treasurer_a)
    finally:
        with fund.app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)
    assert [row["year"] for row in response.get_json()] == [YEAR, YEAR - 1]
    data = [" ".join(sql.split()) for sql in statements if not is_scope_statement(sql)][1:]  # after the token's
    assert len(data) == 2, data
    assert not any("FROM contribution_adjustments" in sql and "EXISTS" not in sql for sql in data), data
