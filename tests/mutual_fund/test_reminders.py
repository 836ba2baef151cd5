"""Contribution reminders go to the co-op's treasurers before and after the due date, once per reminder day."""

from datetime import date, timedelta

from sqlalchemy import select

from consortium.extensions import db
from consortium.notifications.models import OutboxMessage
from consortium.tenancy import tenant_scope
from shared_services.mutual_fund.jobs import REMINDER_KIND, send_contribution_reminders
from tests.conftest import unrestricted
from tests.mutual_fund.conftest import FUND, YEAR, D

DUE = date(YEAR + 1, 6, 28)  # accepted 29 April, 60 days


def _run(fund, today: date) -> int:
    with fund.app.app_context(), tenant_scope(db.session, fund.a.id):
        sent = send_contribution_reminders(db.session, today, fund.a)
        db.session.commit()
        return sent


def _outbox(fund) -> list:
    # A co-op's messages are read in its scope only (the consortium reader may not): read them unrestricted.
    with unrestricted(fund.app) as connection:
        return list(connection.execute(select(OutboxMessage.__table__).where(OutboxMessage.kind == REMINDER_KIND)
                                       .order_by(OutboxMessage.id)))


def test_reminders_before_and_after_the_due_date_are_sent_once(fund):
    fund.accepted(D("12345.67"))

    assert _run(fund, DUE - timedelta(days=15)) == 0  # defaults remind 14 and 3 days before
    assert _run(fund, DUE - timedelta(days=14)) == 1
    assert _run(fund, DUE - timedelta(days=14)) == 0
    assert _run(fund, DUE - timedelta(days=10)) == 0
    assert _run(fund, DUE + timedelta(days=8)) == 1  # 7 days after, caught up a day late
    assert _run(fund, DUE + timedelta(days=9)) == 0

    before, after = _outbox(fund)
    assert before.recipient == after.recipient == "treasurer.a@example.test"
    assert before.tenant_id == fund.a.id
    # an Italian co-op's treasurers read it in Italian, with Italian dates and amounts (issue 15)
    assert f"entro il {DUE:%d/%m/%Y}" in before.subject and "370,37 EUR" in before.subject
    assert f"MF-{YEAR}-coop-a" in before.body
    assert after.subject.startswith("Scaduto") and "in ritardo di 8 giorni" in after.body
    assert "Come è stato calcolato: Il 3% dell'utile netto di 12.345,67 è 370,37" in after.body


def test_a_paid_contribution_and_nothing_due_get_no_reminder(fund):
    fund.accepted(D("12345.67"))
    fund.accepted(D("-10.00"), tenant=fund.b)
    fund.client.post(f"{FUND}/payments", headers=fund.staff,
                     json={"reference": f"MF-{YEAR}-coop-a", "amount": "370.37", "date": f"{YEAR + 1}-05-01"})

    assert _run(fund, DUE + timedelta(days=30)) == 0
    with fund.app.app_context(), tenant_scope(db.session, fund.b.id):
        assert send_contribution_reminders(db.session, DUE + timedelta(days=30), fund.b) == 0
    assert _outbox(fund) == []


def test_reminder_days_follow_the_settings(fund):
    fund.client.patch(f"{FUND}/settings", headers=fund.admin,
                      json={"reminder_days_before": [1], "reminder_days_after": [2]})
    fund.accepted(D("12345.67"))

    assert _run(fund, DUE - timedelta(days=3)) == 0
    assert _run(fund, DUE - timedelta(days=1)) == 1
    assert _run(fund, DUE + timedelta(days=2)) == 1
    assert len(_outbox(fund)) == 2


def test_the_scheduled_job_runs_per_coop_and_twice_sends_once(fund):
    from consortium.scheduler import run_job

    fund.accepted(D("12345.67"))  # due last June: today it is long overdue

    first = run_job(fund.app, "mutual_fund.contribution_reminders")
    run_job(fund.app, "mutual_fund.contribution_reminders")

    assert fund.a.id in first.succeeded and not first.failed
    [reminder] = _outbox(fund)
    assert reminder.subject.startswith("Scaduto") and "giorni" in reminder.body


def test_a_reminder_for_a_corrected_year_explains_the_correction(fund):
    version = fund.submit(fund.a, D("12345.67"))
    fund.accept(version)
    fund.client.post(f"/api/v1/consortium/accounts/{version}/reopen", headers=fund.admin,
                     json={"reason": "Staff costs double-counted"})
    fund.accept(fund.submit(fund.a, D("20000.00")), accepted_on=f"{YEAR + 1}-05-02")

    assert _run(fund, DUE + timedelta(days=7)) == 1

    [reminder] = _outbox(fund)
    assert "600,00" in reminder.subject  # 370,37 first fixed, corrected by 229,63
    assert "Corretto il" in reminder.body and "Staff costs double-counted" in reminder.body
    assert "6.000,00 (30%) va alla riserva legale" in reminder.body


def test_the_reminder_names_the_funds_bank_account_to_pay_to(fund):
    # Issue 15: "the statement names no IBAN to pay to (the fund's bank account is a setting, printed on the
    # statement and the reminder)".
    fund.client.patch(f"{FUND}/settings", headers=fund.admin, json={
        "bank_account_name": "Consorzio Fragola fondo mutualistico", "bank_iban": "IT60X0542811101000000123456"})
    fund.accepted(D("12345.67"))

    assert _run(fund, DUE - timedelta(days=14)) == 1

    (reminder,) = _outbox(fund)
    assert ("Si prega di pagare con bonifico bancario a Consorzio Fragola fondo mutualistico, IBAN IT60 X054 2811 "
            "1010 0000 0123 456, indicando il riferimento") in reminder.body


def test_a_uk_coops_treasurers_read_the_reminder_in_english_whatever_the_consortiums_language(fund):
    # Issue 15: each co-op's notice is written in the co-op's language, not the consortium's (Italian here).
    fund.accepted(D("12345.67"))
    with fund.app.app_context(), tenant_scope(db.session, fund.a.id):
        tenant = db.session.get(type(fund.a), fund.a.id)
        tenant.country = "uk"
        assert send_contribution_reminders(db.session, DUE + timedelta(days=8), tenant) == 1
        db.session.commit()

    (reminder,) = _outbox(fund)
    assert reminder.subject == f"Overdue: mutual fund contribution {YEAR}, 370.37 EUR"
    assert f"was due on {DUE:%-d %b %Y} and is now 8 days overdue" in reminder.body
    assert "How it was worked out: 3% of net profit 12,345.67 is 370.37" in reminder.body
