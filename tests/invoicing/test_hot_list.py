"""The API's invoice list and one invoice, read as columns and dumped by a precompiled plan (issue 16), answer
exactly what marshmallow answered from Invoice objects: every status, a credit note, a split payment, a draft."""

from datetime import date

import pytest
from marshmallow import Schema
from sqlalchemy import select, text

from consortium.extensions import db
from consortium.tenancy import tenant_scope
from tenants.invoicing import schemas
from tenants.invoicing.models import Invoice
from tests.conftest import ON_POSTGRESQL
from tests.invoicing.conftest import add_customer, draft, issue, line


def _marshmallow(schema, objects, many):
    return Schema.dump(schema, objects, many=many)


def test_the_list_and_one_invoice_answer_what_the_objects_dumped(app, client, uk, monkeypatch):
    import tenants.invoicing.schemas as invoicing_schemas

    monkeypatch.setattr(invoicing_schemas, "local_today", lambda: date(2030, 1, 1))  # the issued ones overdue
    council = add_customer(client, uk)
    private = add_customer(client, uk, {"name": "Anna Smith", "customer_type": "household", "street": "2 Row",
                                        "city": "Leeds", "postcode": "LS6 2AB", "email": None})
    paid = issue(client, uk, draft(client, uk, council["id"])["id"])
    assert client.post(f"{uk['api']}/invoices/{paid['id']}/payments", headers=uk["auth"],
                       json={"paid_on": paid["issue_date"], "amount": paid["payable_total"]}).status_code == 201
    part = issue(client, uk, draft(client, uk, private["id"], lines=[line(quantity="2.5", unit_price="10.005")])["id"])
    assert client.post(f"{uk['api']}/invoices/{part['id']}/payments", headers=uk["auth"],
                       json={"paid_on": part["issue_date"], "amount": "1.00"}).status_code == 201
    credited = issue(client, uk, draft(client, uk, council["id"])["id"])
    assert client.post(f"{uk['api']}/invoices/{credited['id']}/credit-notes", headers=uk["auth"],
                       json={"full": True}).status_code == 201
    draft(client, uk, private["id"], notes="not yet")

    listed = client.get(f"{uk['api']}/invoices?page_size=50", headers=uk["auth"])
    assert listed.status_code == 200
    body = listed.get_json()
    assert {row["status"] for row in body} >= {"paid", "overdue", "credited", "draft", "issued"}
    with app.app_context(), tenant_scope(db.session, uk["tenant"].id):
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.issue_date.desc(), Invoice.id.desc())).all()
        assert body == _marshmallow(schemas.InvoiceSummarySchema(), invoices, many=True)
        for invoice in invoices:
            one = client.get(f"{uk['api']}/invoices/{invoice.id}", headers=uk["auth"]).get_json()
            assert one == _marshmallow(schemas.InvoiceSchema(), invoice, many=False)
    assert [row["customer_name"] for row in body].count("Anna Smith") == 2


def test_the_list_still_pages_and_counts(client, uk):
    council = add_customer(client, uk)
    for _ in range(3):
        draft(client, uk, council["id"])
    response = client.get(f"{uk['api']}/invoices?page_size=2&page=2", headers=uk["auth"])
    assert len(response.get_json()) == 1
    assert '"total": 3' in response.headers["X-Pagination"]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the plan is PostgreSQL's")
def test_the_page_count_reads_no_customer(app, uk):
    """The list reads the customer's name by an outer join on its key, which PostgreSQL drops from the
    page's COUNT: the count of a co-op with many invoices reads the invoices' index only, as before."""
    from sqlalchemy import func
    from sqlalchemy.dialects import postgresql

    from tenants.invoicing import service

    def plan(query) -> str:
        sql = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        return "\n".join(db.session.execute(text(f"EXPLAIN (COSTS OFF) {sql}")).scalars())

    # with the co-op's key, as the ORM filter adds it to every query the app sends (on Citus that routes the
    # query to the co-op's shard; Citus 13 refuses the outer join across every shard on PostgreSQL 15)
    rows = service.invoice_rows_query().where(Invoice.tenant_id == uk["tenant"].id)
    with app.app_context(), tenant_scope(db.session, uk["tenant"].id):
        counted = plan(select(func.count()).select_from(rows.order_by(None).subquery()))
        paged = plan(rows.limit(50))
    assert "customers" not in counted, counted
    assert "customers" in paged  # the page itself does join them


def test_one_invoice_reads_only_what_it_shows(app, client, uk):
    """The API's one invoice reads its columns and lines (two statements after the token's), not the whole Invoice
    with its customer, snapshots and e-invoice (issue 16: the ORM objects cost more than the rest of the request)."""
    from sqlalchemy import event

    council = add_customer(client, uk)
    issued = issue(client, uk, draft(client, uk, council["id"], lines=[line(), line(vat_category="exempt")])["id"])
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(f"{uk['api']}/invoices/{issued['id']}", headers=uk["auth"])
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and response.get_json() == issued
    from consortium.tenancy import is_scope_statement

    data = [" ".join(sql.split()) for sql in statements if not is_scope_statement(sql)][1:]  # after the token's
    assert len(data) == 2, data
    assert all("seller_snapshot" not in sql and "customers.street" not in sql for sql in data), data
