"""What payroll hands out: the payslip PDF, the employee's email, the journal, the year-end figures."""

import csv
import io
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consortium.db import utcnow
from consortium.extensions import db
from consortium.notifications import service as notifications
from consortium.notifications.models import OutboxMessage
from consortium.scheduler import run_job
from consortium.tenancy import consortium_scope, tenant_scope
from tenants.payroll import service
from tenants.payroll.models import PayRun
from tests.payroll.conftest import API, add_employee, pay_through, payslips

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


@needs_poppler
def test_the_payslip_pdf_shows_what_a_uk_employee_expects(factory, client, coop, clerk, second_clerk):
    employee = add_employee(client, clerk, name="Eleni Papadopoulou", tax_code="S1257L",
                            member_id=factory.member(coop, name="Eleni Papadopoulou"), student_loan_plans=["2"])
    client.post(f"{API}/employees/{employee['id']}/capital-schedules", headers=clerk, json={
        "kind": "loan_repayment", "total": "3000.00", "per_period": "83.33", "start_on": "2026-04-01",
        "lender": "Unity Co-operative Bank", "loan_reference": "CAP-2026-021"})
    run = pay_through(client, clerk, second_clerk)
    slip = payslips(client, clerk, run["id"])[0]
    pdf = client.get(f"{API}/payslips/{slip['id']}/pdf", headers=clerk)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _text(pdf.data)
    for expected in ("Payslip", "Paga Workers Co-op", "Eleni Papadopoulou", "S1257L", "Month 1 of 2026-27",
                     "A: Standard rate", "Basic salary", "£2,500.00", "Income tax", "National Insurance",
                     "Student loan (plan 2)", "Capital loan repayment to Unity Co-operative Bank", "£83.33",
                     "This tax year to date", "Employer National Insurance", "Capital loan balance left",
                     "£2,916.67", "Net pay", "£" + f"{Decimal(slip['net_pay']):,.2f}"):
        assert expected in text, expected
    # deterministic: the same payslip gives the same bytes
    assert client.get(f"{API}/payslips/{slip['id']}/pdf", headers=clerk).data == pdf.data


def _payslip_messages(app, coop) -> list:
    with app.app_context(), tenant_scope(db.session, coop.id):
        messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "payroll.payslip")
                                      .order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return messages


def test_employees_with_an_email_get_their_payslip_from_the_job_once(app, client, coop, clerk, second_clerk):
    # issue 9: payslips "sent to the employee by email through the outbox if they have an address";
    # the PDFs are rendered by the scheduled job, not inside the request that pays the run
    add_employee(client, clerk, name="Freya Evans", email="freya@example.test")
    add_employee(client, clerk, name="Jacob Walker")
    run = pay_through(client, clerk, second_clerk)
    assert run["state"] == "paid"
    assert _payslip_messages(app, coop) == []  # paying queued the emails, rendered nothing
    assert run_job(app, "payroll.payslip_emails").failed == ()
    messages = _payslip_messages(app, coop)
    assert [m.recipient for m in messages] == ["freya@example.test"]
    assert "Month 1 of 2026-27" in messages[0].subject and "Net pay: £" in messages[0].body
    run_job(app, "payroll.payslip_emails")  # idempotent: the second run sends nothing more
    assert [m.id for m in _payslip_messages(app, coop)] == [messages[0].id]


def test_the_payslip_email_job_works_through_a_big_run_in_batches(app, client, coop, clerk, second_clerk):
    for name in ("Amara Okafor", "Ben Carter", "Chloe Davies"):
        add_employee(client, clerk, name=name, email=f"{name.split()[0].lower()}@example.test")
    run = pay_through(client, clerk, second_clerk)
    with app.app_context(), tenant_scope(db.session, coop.id):
        paid = db.session.get(PayRun, (coop.id, run["id"]))
        assert service.payslip_emails_waiting(db.session, paid) == 3
        assert service.send_payslip_emails(db.session, coop, limit=2) == 2
        assert service.payslip_emails_waiting(db.session, paid) == 1
        assert service.send_payslip_emails(db.session, coop, limit=2) == 1
        assert service.send_payslip_emails(db.session, coop, limit=2) == 0
        db.session.commit()
    assert sorted(m.recipient for m in _payslip_messages(app, coop)) == [
        "amara@example.test", "ben@example.test", "chloe@example.test"]


@needs_poppler
def test_the_email_that_leaves_carries_the_payslip_pdf(app, client, coop, clerk, second_clerk, tmp_path):
    # issue 9: "payslip PDFs ... sent to the employee by email through the outbox if they have an address"
    add_employee(client, clerk, name="Freya Evans", email="freya@example.test")
    run = pay_through(client, clerk, second_clerk)
    [slip] = payslips(client, clerk, run["id"])
    run_job(app, "payroll.payslip_emails")
    config = {**app.config, "SMTP_HOST": None, "MAIL_DEBUG_DIR": str(tmp_path), "OUTBOX_MAX_ATTEMPTS": 3,
              "OUTBOX_BACKOFF_SECONDS": 60}
    with app.app_context():
        with consortium_scope(db.session):
            # Committing after each scope's claim, as the delivery job does (on Citus two roles' outbox locks in one
            # transaction deadlock: docs/scaling.md).
            sent = notifications.deliver_due_messages(db.session, now=utcnow() + timedelta(seconds=1), config=config,
                                                      after_each=db.session.commit)
        db.session.commit()
    assert sent.delivered == 1
    [eml] = tmp_path.glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "freya@example.test"
    assert "Your full payslip is attached (PDF)." in message.get_body(preferencelist=("plain",)).get_content()
    [part] = message.iter_attachments()
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == f"payslip-2026-27-monthly-01-{slip['employee_id']}.pdf"
    pdf = part.get_payload(decode=True)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "Freya Evans" in text and "Month 1 of 2026-27" in text
    assert "£" + f"{Decimal(slip['net_pay']):,.2f}" in text


@needs_poppler
def test_the_payslip_pdf_reads_in_the_readers_language_and_number_format(client, coop, clerk, second_clerk):
    add_employee(client, clerk, name="Giulia Rossi", annual_salary="31000.00")
    run = pay_through(client, clerk, second_clerk)
    [slip] = payslips(client, clerk, run["id"])
    italian = _text(client.get(f"{API}/payslips/{slip['id']}/pdf",
                               headers={**clerk, "Accept-Language": "it"}).data)
    english = _text(client.get(f"{API}/payslips/{slip['id']}/pdf", headers={**clerk, "Accept-Language": "en"}).data)
    gross = Decimal(slip["gross_pay"])
    assert f"£{gross:,.2f}" in english and "30 April 2026" in english and "Net pay" in english
    italian_gross = f"{gross:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"{italian_gross} £" in italian and "30 aprile 2026" in italian
    assert "Busta paga" in italian and "Netto" in italian and "Pagina 1 di 1" in italian
    assert "Net pay" not in italian


def test_the_journal_has_a_row_per_payslip_totals_and_what_is_due_to_hmrc(client, clerk, second_clerk):
    add_employee(client, clerk, name="=HYPERLINK(\"http://evil\")")
    add_employee(client, clerk, name="Noah Jones", annual_salary="45000.00")
    run = pay_through(client, clerk, second_clerk)
    body = client.get(f"{API}/pay-runs/{run['id']}/journal?format=csv", headers=clerk).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    header = rows[0]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil\")" in by_name  # formula injection neutralised
    assert by_name["Total"]["Gross pay"] == "6250.00"
    assert by_name["Due to HMRC for the period"]["Employer cost"] == run["due_to_hmrc"]
    # For an Italian reader: ";" between fields and a decimal comma (consortium.exports)
    italian = client.get(f"{API}/pay-runs/{run['id']}/journal?format=csv",
                         headers={**clerk, "Accept-Language": "it"}).get_data(as_text=True)
    italian_rows = list(csv.reader(io.StringIO(italian.lstrip("\ufeff")), delimiter=";"))
    total_at = [row[1] for row in rows].index("Total")
    assert italian_rows[total_at][header.index("Gross pay")] == "6250,00"
    assert len(italian_rows[0]) == len(header)
    workbook = load_workbook(io.BytesIO(client.get(f"{API}/pay-runs/{run['id']}/journal?format=xlsx",
                                                   headers=clerk).data))
    sheet = workbook.active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Noah Jones" in names and "Total" in names
    assert client.get(f"{API}/pay-runs/{run['id']}/journal?format=pdf", headers=clerk).status_code == 422


def test_year_end_gives_p60_figures_and_the_coops_totals(client, clerk, second_clerk):
    add_employee(client, clerk, name="Amelia Davies", tax_code=None, start_date="2026-05-20",
                 p45_leaving_date="2026-05-10", p45_tax_code="1257L", p45_pay="2500.00", p45_tax="290.20")
    add_employee(client, clerk, name="Oliver Taylor")
    client.patch(f"{API}/payroll-settings", json={"allow_self_approval": True}, headers=clerk)
    runs = [pay_through(client, clerk, clerk, day) for day in ("2026-04-30", "2026-05-29")]
    year = client.get(f"{API}/payroll/year-end?tax_year=2026-27", headers=clerk).get_json()
    amelia = next(e for e in year["employees"] if e["name"] == "Amelia Davies")
    oliver = next(e for e in year["employees"] if e["name"] == "Oliver Taylor")
    assert (amelia["pay_previous"], amelia["tax_previous"]) == ("2500.00", "290.20")
    assert (amelia["pay_this_employment"], amelia["tax_this_employment"]) == ("2500.00", "290.40")
    assert (oliver["pay_this_employment"], oliver["tax_this_employment"]) == ("5000.00", "580.60")
    assert year["totals"]["gross_pay"] == "7500.00"
    assert year["totals"]["due_to_hmrc"] == str(sum(Decimal(r["due_to_hmrc"]) for r in runs))
