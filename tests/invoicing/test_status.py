"""The status shown in lists (SQL) and on one invoice (Python) is the same rule, for every combination."""

from datetime import date
from decimal import Decimal
from itertools import product

from sqlalchemy import select

from consortium.clock import local_today
from consortium.extensions import db
from consortium.tenancy import is_scope_statement, tenant_scope
from tenants.invoicing import service
from tenants.invoicing.models import Invoice
from tests.invoicing.helpers import ISSUE_DAY, make_customer, make_invoice

D = Decimal


def test_sql_and_python_status_agree(app, factory, uk):
    tenant = uk["tenant"]
    customer_id = make_customer(factory, tenant)
    ids = [make_invoice(factory, tenant, customer_id=customer_id) for _ in range(8)]  # 120.00 each
    pending = make_invoice(factory, tenant, customer_id=customer_id, issue=False)
    combos = list(product(("0.00", "50.00", "120.00"), ("0.00", "70.00", "120.00")))
    with app.app_context(), tenant_scope(db.session, tenant.id):
        for invoice_id, (paid, credited) in zip(ids, combos, strict=False):
            invoice = service.get_invoice(db.session, invoice_id)
            invoice.amount_paid, invoice.amount_credited = D(paid), min(D(credited), D("120.00") - D(paid))
        db.session.commit()
        seen = set()
        for today in (ISSUE_DAY, date(2027, 1, 1)):
            rows = db.session.execute(select(Invoice, service.status_expression(today))).all()
            assert {invoice.id: status for invoice, status in rows} == {
                invoice.id: service.invoice_status(invoice, today) for invoice, _ in rows}
            seen |= {status for _, status in rows}
        assert {"draft", "overdue", "part-paid", "paid", "credited"} <= seen
        assert service.invoice_status(service.get_invoice(db.session, pending), ISSUE_DAY) == "draft"


def test_a_page_of_50_with_status_and_customer_is_one_query(app, factory, uk):
    from sqlalchemy import event

    tenant = uk["tenant"]
    customer_id = make_customer(factory, tenant)
    for _ in range(55):
        make_invoice(factory, tenant, customer_id=customer_id)
    with app.app_context(), tenant_scope(db.session, tenant.id):
        db.session.commit()  # start from a clean transaction: no scope statements counted
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = db.session.scalars(service.invoices_query(status="issued", today=ISSUE_DAY).limit(50)).all()
            shown = [(i.number, i.customer.name, service.invoice_status(i, ISSUE_DAY), service.outstanding(i))
                     for i in page]
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(shown) == 50 and shown[0][0].endswith("-0055")
    queries = [sql for sql in statements if not is_scope_statement(sql)]  # PostgreSQL's per-transaction scope
    assert len(queries) == 1 and "JOIN customers" in queries[0], statements


def test_the_list_page_and_api_read_their_page_of_50_in_one_query(app, factory, client, uk):
    from sqlalchemy import event

    from tests.conftest import login

    tenant = uk["tenant"]
    customer_id = make_customer(factory, tenant)
    for _ in range(55):  # issued today, so none is overdue yet whatever day the suite runs
        make_invoice(factory, tenant, customer_id=customer_id, on=local_today())
    login(client, "t.uk@example.test")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = client.get("/t/riverside/invoices/").get_data(as_text=True)
        page_reads = [sql for sql in statements if "invoice" in sql.lower()]
        statements.clear()
        listing = client.get("/api/v1/t/riverside/invoices?page_size=50", headers=uk["auth"])
        api_reads = [sql for sql in statements if "invoice" in sql.lower()]
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)
    assert page.count('class="badge issued"') == 50  # newest 50, each with its status
    # the page reads its rows in one query and counts them in another (for "page 1 of 2"), like the API
    assert len(page_reads) == 2 and sum("count(" in sql.lower() for sql in page_reads) == 1, page_reads
    assert any("JOIN customers" in sql for sql in page_reads if "count(" not in sql.lower()), page_reads
    assert [item["status"] for item in listing.get_json()] == ["issued"] * 50
    assert listing.get_json()[0]["number"].endswith("-0055")
    # the rows in one query; the API adds the COUNT behind its X-Pagination header
    assert len(api_reads) == 2 and sum("count(" in sql.lower() for sql in api_reads) == 1, api_reads
