"""Payroll at scale: calculating a pay run of 5,000 employees, and rendering 1,000 payslip PDFs.

Figures, each beside a baseline measured in the same run:
- calculate a monthly run of 5,000 employees (service: rule pack for every payslip, capital lines,
  totals, employment allowance, flush of 5,000 payslips, their audit rows and commit) < 2 s;
  baseline: the bare rule-pack arithmetic for the same 5,000 employees, no ORM, no database;
- opening the run, paying it (no PDF is rendered: the email job does that) and calculating month 2 on month 1's
  year to date are printed too;
- 1,000 payslip PDFs < 10 s on one core; baseline: 1,000 one-paragraph PDFs of the same documents
  base (reportlab platypus). Rendering is single-threaded, so "on one core" is the process's CPU
  time; wall time is printed beside it (on a shared machine it also counts other processes' turns).

The 5,000 employees are inserted in bulk (one INSERT of many rows, in the co-op's scope, so row-level
security applies); the run is then opened through the service like a clerk's. PostgreSQL when a test
server answers (unless BENCH_DATABASE=sqlite), else SQLite.

Measured on 1 December 2026 on the shared 2-core build machine (about eight engineers' test runs at once;
wall time there was 5 to 8 times the CPU time), PostgreSQL 15:
  calculate 5,000: 22.2 s wall, 4.06 s CPU; bare arithmetic 1.71 s wall, 0.24 s CPU  -> target NOT met
  1,000 payslip PDFs: 15.5 s CPU (78.8 s wall); 1,000 one-paragraph PDFs 7.5 s CPU  -> target NOT met
The one-paragraph baseline alone took 7.5 ms of CPU a PDF there, several times what reportlab needs on
an idle machine, so both figures need measuring again on a quiet one before drawing conclusions.

After the h9 changes (payslips written in one UPDATE, joins instead of id lists, the PDF base's font-subset
cache and money writer), 1 December 2026 13:57-14:12, load average 19-24 (about ten suites at once):
  calculate 5,000: 75.9 s wall, 5.89 s CPU; bare arithmetic 2.15 s wall, 0.28 s CPU  -> target NOT met here
  1,000 payslip PDFs: 18.4 s CPU (132.7 s wall); 1,000 one-paragraph PDFs 6.7 s CPU
main measured straight after in the same session (load falling): calculate 6.54 s wall, 5.17 s CPU beside
0.20 s arithmetic; PDFs 15.8 s CPU beside 8.98 s.
At load 1.6 midway (first calculation fix, font cache): calculate 4.78 s CPU; PDFs 14.6 s CPU beside 5.1 s.
The one-paragraph baseline went from about 10 ms to 4 ms a PDF (200 PDFs, load 1.6). Measure on a quiet
machine before concluding.

ukpay9 (employees, lines and year to date read by one array parameter instead of joins planned as nested
loops on unanalysed tables; only the columns needed; the tenant write check no longer quadratic; paying
renders no PDF), median of 3 runs, 1 December 2026 17:22-17:31, load average 28 -> 12 (eight engineers):
  calculate 5,000: 9.66 s wall, 1.63 s CPU; bare arithmetic 0.36 s wall, 0.087 s CPU
  (main in the same session at load 17: 14.70 s wall, 2.09 s CPU beside 0.085 s arithmetic)
  open the run 37.0 s wall, 3.29 s CPU; pay it 8.44 s wall, 1.69 s CPU (32.4 s before the email queue fix);
  calculate month 2 on month 1's year to date 9.50 s wall, 1.71 s CPU
  1,000 payslip PDFs 4.79 s CPU (18.1 s wall) beside 1.62 s CPU for 1,000 one-paragraph PDFs
Wall time there is 5 to 7 times CPU time even for the bare arithmetic: the CPU figures are the comparable ones.

Run: .venv/bin/python -m pytest tests/benchmarks/bench_payroll.py -q -s -p no:xdist -o addopts=''
  or: .venv/bin/python -m tests.benchmarks.bench_payroll
"""

import json
import time
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import insert

from consortium.app import create_app
from consortium.extensions import db
from consortium.migrations import upgrade
from consortium.models import Tenant
from consortium.tenancy import consortium_scope, tenant_scope
from plugins.jurisdictions.base import PayrollPeriod, YearToDate, get_jurisdiction
from tenants.payroll import documents, service
from tenants.payroll.models import Employee
from tests.benchmarks.common import benchmark_database
from tests.conftest import TEST_SETTINGS

EMPLOYEES = 5000
PDFS = 1000
TARGET = {"calculate_s": 2.0, "pdf_s": 10.0}
PAY_DATE = date(2026, 4, 28)  # month 1 of 2026-27
SECOND_PAY_DATE = date(2026, 5, 28)  # month 2
CODES = ["1257L", "1257L", "1257L", "S1257L", "C1257L", "K475", "BR", "D0", "1257L", "1100L"]


def _employee_rows(count: int) -> list[dict]:
    """A realistic spread: salaries 18,000 to 78,000, several codes, student loans, NI categories by age."""
    rows = []
    for index in range(count):
        born = date(1960 + index % 45, 1 + index % 12, 1 + index % 28)
        age = 2026 - born.year
        rows.append({
            "name": f"Employee {index:05d}", "date_of_birth": born, "start_date": date(2020, 1, 6),
            "tax_code": CODES[index % len(CODES)], "tax_basis": "cumulative",
            "ni_category": "C" if age >= 67 else ("M" if age < 21 else "A"),
            "student_loan_plans": "2" if index % 7 == 0 else "", "postgraduate_loan": index % 23 == 0,
            "pay_frequency": "monthly", "pay_basis": "salary",
            "annual_salary": Decimal(18000 + (index * 37) % 60000), "pension_opted_out": False,
            "pension_member": index % 3 != 0, "ni_number": f"AB{index:06d}C",
        })
    return rows


def measure_calculation(app, tenant_id: int) -> dict:
    """Wall and CPU time of calculating the 5,000-employee run, and the bare arithmetic baseline."""
    with app.app_context(), tenant_scope(db.session, tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        started = time.perf_counter()
        # ids given here: SQLite cannot autoincrement one column of a composite key (PostgreSQL would)
        db.session.execute(insert(Employee), [{"tenant_id": tenant_id, "id": number, **row}
                                              for number, row in enumerate(_employee_rows(EMPLOYEES), start=1)])
        db.session.commit()
        print(f"set-up: {EMPLOYEES} employees inserted in {time.perf_counter() - started:.1f} s")
        start, start_cpu = time.perf_counter(), time.process_time()
        run = service.create_run(db.session, tenant, {"frequency": "monthly", "pay_date": PAY_DATE}, None)
        db.session.commit()
        opened, opened_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        run_id = run.id
        db.session.expunge_all()

        tenant = db.session.get(Tenant, tenant_id)
        run = service.get_run(db.session, run_id)
        start, start_cpu = time.perf_counter(), time.process_time()
        service.calculate_run(db.session, tenant, run, None)
        db.session.commit()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu

        rules = get_jurisdiction("uk").payroll_rules("2026-27")
        scheme = service.pension_scheme(service.get_settings(db.session))
        people = [(service.payroll_employee(Employee(**row), scheme), row["annual_salary"] / 12)
                  for row in _employee_rows(EMPLOYEES)]
        period = PayrollPeriod(tax_year="2026-27", frequency="monthly", period=1, pay_date=PAY_DATE)
        start, start_cpu = time.perf_counter(), time.process_time()
        for person, pay in people:
            rules.calculate(person, period, pay.quantize(Decimal("0.01")), pay.quantize(Decimal("0.01")),
                            YearToDate.zero())
        baseline, baseline_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        calculated = service.get_run(db.session, run_id)
        assert calculated.state == "calculated" and calculated.income_tax > 0
        return {"calculate_s": elapsed, "calculate_cpu_s": cpu, "arithmetic_s": baseline,
                "arithmetic_cpu_s": baseline_cpu, "open_run_s": opened, "open_run_cpu_s": opened_cpu,
                "gross_pay": str(calculated.gross_pay), "run_id": run_id}


def measure_second_month(app, tenant_id: int, run_id: int) -> dict:
    """Paying month 1 (locking 5,000 payslips, queueing no PDF), then calculating month 2 on its year to date."""
    with app.app_context(), tenant_scope(db.session, tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        service.update_settings(db.session, {"allow_self_approval": True})
        service.approve_run(db.session, service.get_run(db.session, run_id), None)
        db.session.commit()
        db.session.expunge_all()
        tenant = db.session.get(Tenant, tenant_id)
        start, start_cpu = time.perf_counter(), time.process_time()
        service.pay_run(db.session, tenant, service.get_run(db.session, run_id), None)
        db.session.commit()
        paid, paid_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        second = service.create_run(db.session, tenant, {"frequency": "monthly", "pay_date": SECOND_PAY_DATE}, None)
        db.session.commit()
        second_id = second.id
        db.session.expunge_all()
        tenant = db.session.get(Tenant, tenant_id)
        start, start_cpu = time.perf_counter(), time.process_time()
        service.calculate_run(db.session, tenant, service.get_run(db.session, second_id), None)
        db.session.commit()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        assert service.get_run(db.session, second_id).state == "calculated"
    return {"pay_s": paid, "pay_cpu_s": paid_cpu, "calculate_month2_s": elapsed, "calculate_month2_cpu_s": cpu}


def measure_pdfs(app, tenant_id: int, run_id: int) -> dict:
    """CPU and wall time of 1,000 payslip PDFs, and of 1,000 one-paragraph PDFs of the same base."""
    from consortium.documents import build_pdf, paragraph

    with app.test_request_context(), tenant_scope(db.session, tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        payslips = service.get_run(db.session, run_id).payslips[:PDFS]
        for payslip in payslips:  # load what the documents read, outside the timing
            _ = payslip.lines, payslip.employee.capital_schedules, payslip.run
        start, start_cpu = time.perf_counter(), time.process_time()
        sizes = [len(documents.payslip_pdf(db.session, tenant, payslip)[0]) for payslip in payslips]
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        letterhead = documents.letterhead_of(tenant)
        created = datetime(2026, 4, 28, tzinfo=UTC)
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(PDFS):
            build_pdf(letterhead, "Baseline", [paragraph("One paragraph.")], created_at=created)
        baseline, baseline_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    assert len(sizes) == PDFS and min(sizes) > 1000
    return {"pdf_s": cpu, "pdf_wall_s": elapsed, "pdf_baseline_s": baseline_cpu, "pdf_baseline_wall_s": baseline}


def run_benchmark() -> dict:
    """Set up a fresh database, measure, and return the figures."""
    with benchmark_database() as (kind, config, _bulk_url):
        app = create_app({**TEST_SETTINGS, **config})
        with app.app_context():
            upgrade()
            with consortium_scope(db.session):
                from consortium.directory import service as directory

                tenant = directory.create_tenant(db.session, {
                    "slug": "bench-payroll", "name": "Bench Payroll Co-op", "country": "uk",
                    "legal_form": "coop_society", "address": "1 Mill Lane", "city": "Leeds", "postcode": "LS6 2AB"})
            db.session.commit()
            tenant_id = tenant.id
            db.engine.dispose()
        figures = {"database": kind, "employees": EMPLOYEES, **measure_calculation(app, tenant_id)}
        run_id = figures.pop("run_id")
        figures.update(measure_pdfs(app, tenant_id, run_id))
        figures.update(measure_second_month(app, tenant_id, run_id))
        with app.app_context():
            db.engine.dispose()
    return figures


def test_payroll_at_scale_meets_its_targets():
    figures = run_benchmark()
    print(json.dumps(figures, indent=2))
    assert figures["calculate_s"] < TARGET["calculate_s"]
    assert figures["calculate_month2_s"] < TARGET["calculate_s"]
    assert figures["pdf_s"] < TARGET["pdf_s"]


if __name__ == "__main__":
    print(json.dumps(run_benchmark(), indent=2))
