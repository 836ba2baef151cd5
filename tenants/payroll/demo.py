"""Demo payroll for the UK demo co-ops: employees (mostly worker members), capital instalments, paid runs
from April 2026 and November's run calculated and waiting for a second person to approve it.

A demo payroll clerk (payroll.uk@example.coop, the demo password) holds `payroll_clerk` in the three UK
co-ops: the clerk calculates every run and the UK treasurer approves it, so the second-person rule shows.
"""

from datetime import date
from decimal import Decimal

from consortium.demo import DEMO_PASSWORD
from consortium.directory import service as directory
from consortium.tenancy import tenant_scope
from tenants.members import service as members
from tenants.payroll import service

CLERK = {"email": "payroll.uk@example.coop", "name": "Priya Payroll"}
# Pay day the 28th: April is month 1 of 2026-27 (6 April to 5 May), November month 8.
PAID_MONTHS = [date(2026, month, 28) for month in range(4, 11)]
AWAITING_APPROVAL = date(2026, 11, 28)
# Salaries around the 2026-27 National Living Wage (12.71 an hour from 1 April 2026, GOV.UK) and above.
SALARIES = ["23400", "24800", "26250", "27900", "29500", "31200", "34000", "38500", "52000"]
NI_PREFIXES = {"riverside-care": "JT", "green-futures": "KP", "northfield-cic": "LR"}


def _ni_number(slug: str, index: int) -> str:
    return f"{NI_PREFIXES[slug]}{(index + 1) * 104729 % 1000000:06d}{'ABCD'[index % 4]}"


def _employees(session, tenant, workers, rng) -> list:
    """The co-op's employees: its worker members first, one non-member care worker, a mid-year starter."""
    slug = tenant.slug
    people = []
    for index, member in enumerate(workers[:8]):
        salary = Decimal(SALARIES[index % len(SALARIES)])
        data = {
            "member_id": member.id, "date_of_birth": date(1962 + (index * 7) % 40, 1 + index % 12, 3 + index),
            "start_date": max(member.joined_on, date(2016, 4, 6)), "ni_number": _ni_number(slug, index),
            "tax_code": "1257L", "pay_frequency": "monthly", "pay_basis": "salary", "annual_salary": salary,
            "street": f"{10 + index} Canal Side", "city": tenant.city, "postcode": tenant.postcode,
        }
        if index == 7:
            data["student_loan_plans"] = ("2",)  # on 38,500: above the 2026-27 Plan 2 threshold of 29,385
        if index == 2:
            data["tax_code"] = "S1257L"  # lives in Scotland, works over the border
        if index == 3:
            data["tax_code"] = "K120"  # owes HMRC from an earlier year: a K code
        if index == 5 and data["date_of_birth"] < date(1960, 4, 6):
            data["ni_category"] = "C"
        people.append(service.add_employee(session, tenant, data, PAID_MONTHS[0]))
    people.append(service.add_employee(session, tenant, {
        "name": "Dawn Ellis" if slug != "green-futures" else "Callum Reid", "date_of_birth": date(2006, 9, 14),
        "start_date": date(2025, 9, 1), "ni_number": _ni_number(slug, 20), "tax_code": "1257L", "ni_category": "M",
        "pay_frequency": "monthly", "pay_basis": "hourly", "hourly_rate": Decimal("12.71"),
        "standard_hours": Decimal("86.67"), "street": "4 Bridge Street", "city": tenant.city,
        "postcode": tenant.postcode}, PAID_MONTHS[0]))
    # a mid-year starter who brought a P45 from a job left in June
    people.append(service.add_employee(session, tenant, {
        "name": "Ravi Menon" if slug != "northfield-cic" else "Aisha Bello", "date_of_birth": date(1991, 3, 22),
        "start_date": date(2026, 7, 6), "ni_number": _ni_number(slug, 21), "pay_frequency": "monthly",
        "pay_basis": "salary", "annual_salary": Decimal("28600"), "p45_leaving_date": date(2026, 6, 26),
        "p45_tax_code": "1257L", "p45_pay": Decimal("6650.00"), "p45_tax": Decimal("700.40"),
        "street": "21 Chapel Row", "city": tenant.city, "postcode": tenant.postcode}, PAID_MONTHS[0]))
    # a care worker who leaves on September's pay day: paid to month 6, then given a P45
    people.append(service.add_employee(session, tenant, {
        "name": "Sam Fletcher" if slug != "riverside-care" else "Megan Lloyd", "date_of_birth": date(1984, 11, 2),
        "start_date": date(2023, 2, 13), "ni_number": _ni_number(slug, 22), "tax_code": "1257L",
        "pay_frequency": "monthly", "pay_basis": "salary", "annual_salary": Decimal("25400"),
        "student_loan_plans": ("1",), "street": "7 Mill Yard", "city": tenant.city, "postcode": tenant.postcode},
        PAID_MONTHS[0]))
    return people


LEAVING_DAY = date(2026, 9, 28)


def _capital(session, people, slug) -> None:
    """A new worker member subscribing shares in instalments; another repaying the bank's capital loan."""
    subscriber, borrower = people[0], people[4] if len(people) > 5 else people[1]
    member = members.get_member(session, subscriber.member_id)
    service.add_capital_schedule(session, subscriber, {
        "kind": "share_subscription", "total": Decimal("300.00"), "per_period": Decimal("25.00"),
        "start_on": PAID_MONTHS[0]})
    # the seed case: a co-op bank lends a new worker member about 3,000 to inject as capital, over 3 years
    service.add_capital_schedule(session, borrower, {
        "kind": "loan_repayment", "total": Decimal("3000.00"), "per_period": Decimal("83.33"),
        "start_on": PAID_MONTHS[0], "lender": "Unity Trust Bank (co-operative capital loans)",
        "loan_reference": f"CCL-{slug[:3].upper()}-2026-{member.id:03d}"})


def _give_emails(session, tenant, people) -> None:
    for index, employee in enumerate(people[:8]):
        if index % 2 == 0:
            address = f"{employee.name.split()[0].lower()}.{index}@{tenant.slug}.example.coop"
            service.update_employee(session, tenant, employee, {"email": address}, PAID_MONTHS[-1])


def load_demo_payroll(session, tenants, users, rng) -> None:
    """Payroll for each UK demo co-op: employees, seven paid months and November awaiting approval."""
    uk = [tenant for tenant in tenants.values() if tenant.country == "uk"]
    if not uk:
        return
    clerk, _ = directory.create_user(session, {**CLERK, "password": DEMO_PASSWORD, "roles": [
        {"role": "payroll_clerk", "tenant": tenant.slug} for tenant in uk]})
    approver = users["uk_treasurer"]
    for tenant in uk:
        with tenant_scope(session, tenant.id):
            workers = session.scalars(members.members_query(category="worker", current_on=PAID_MONTHS[0])).all()
            reference = f"120/{tenant.slug[:2].upper()}{tenant.id:05d}"
            service.update_settings(session, {"pension_provider": "NEST", "paye_reference": reference})
            people = _employees(session, tenant, list(workers), rng)
            _capital(session, people, tenant.slug)
            for pay_date in PAID_MONTHS:
                if pay_date == PAID_MONTHS[-1]:
                    # addresses arrive with October: the months before are history, their notices long sent
                    _give_emails(session, tenant, people)
                    service.update_employee(session, tenant, people[-1], {"leave_date": LEAVING_DAY}, pay_date)
                run = service.create_run(session, tenant, {"frequency": "monthly", "pay_date": pay_date}, clerk.id)
                if pay_date.month == 8:
                    overtime_for = run.payslips[len(run.payslips) // 2]
                    service.add_line(session, overtime_for, {"kind": "overtime", "hours": Decimal("12"),
                                                             "rate": Decimal("19.07"),
                                                             "description": "Overtime: summer cover"})
                service.calculate_run(session, tenant, run, clerk.id)
                service.approve_run(session, run, approver.id)
                service.pay_run(session, tenant, run, approver.id)
            run = service.create_run(session, tenant, {"frequency": "monthly", "pay_date": AWAITING_APPROVAL},
                                     clerk.id)
            service.add_line(session, run.payslips[0], {"kind": "bonus", "amount": Decimal("250.00"),
                                                        "description": "Winter bonus"})
            service.calculate_run(session, tenant, run, clerk.id)


# --- the Italian demo co-ops -------------------------------------------------------------------------------

IT_CLERK = {"email": "payroll.it@example.coop", "name": "Paola Paghe"}
# Pay day the last day of the month: January to October 2026 paid, November calculated, waiting for approval.
IT_PAID = [date(2026, month, 27) for month in range(1, 11)]
IT_AWAITING = date(2026, 11, 27)
# The co-op's own INPS and INAIL rates depend on its INPS classification and INAIL tariff: demo figures, not
# statutory ones (the rule pack has no such rates; the co-op sets them in Payroll -> Settings).
IT_RATES = {"employer_inps_percent": "28.98", "inail_percent": "1.10"}
IT_COMUNI = {"fragola-lavoro": "modena", "girasole": "bologna"}
# (CCNL level, share of full time, dependants) of each worker member in turn
IT_CONTRACTS = [("B1", "100", {}), ("A2", "60", {}), ("C1", "100", {"spouse_dependent": "1"}),
                ("C2", "75", {"children_dependent": "1"}), ("D1", "100", {}), ("A1", "50", {}),
                ("C3", "100", {"spouse_dependent": "1", "children_dependent": "2"}), ("E1", "100", {})]
DISADVANTAGES = ["physical_mental_sensory_disability", "addiction", "psychiatric_treatment", "alternative_measures"]


def _codice_fiscale(index: int, born: date) -> str:
    """A codice fiscale of the right shape with a valid check character (demo people, not real ones)."""
    from stdnum.it import codicefiscale

    months = "ABCDEHLMPRST"
    surname, name = ("BNC", "RSS", "VRD", "FRR", "GLL", "CST", "MRN", "RCC")[index % 8], \
        ("LRA", "MRC", "GLI", "PLA", "STF", "CHR", "DVD", "ANN")[index % 8]
    body = f"{surname}{name}{born.year % 100:02d}{months[born.month - 1]}{born.day:02d}F257"
    return body + codicefiscale.calc_check_digit(body)


def load_demo_italian_payroll(session, tenants, users, rng) -> None:
    """Payroll of Fragola Lavoro (Type B, Modena) and Il Girasole (Type A, Bologna): ten paid months of 2026 and
    November calculated, waiting for the treasurer's approval; Fragola's disadvantaged members pay no INPS."""
    italian = [tenants[slug] for slug in IT_COMUNI if slug in tenants]
    if not italian:
        return
    clerk, _ = directory.create_user(session, {**IT_CLERK, "password": DEMO_PASSWORD, "roles": [
        {"role": "payroll_clerk", "tenant": tenant.slug} for tenant in italian]})
    approver = users["treasurer"]
    for tenant in italian:
        with tenant_scope(session, tenant.id):
            service.update_settings(session, {"jurisdiction_settings": IT_RATES}, tenant, IT_PAID[0])
            workers = session.scalars(members.members_query(category="worker", current_on=IT_PAID[0])).all()
            for index, member in enumerate(workers[:8]):
                level, share, family = IT_CONTRACTS[index % len(IT_CONTRACTS)]
                born = date(1968 + (index * 5) % 30, 1 + (index * 3) % 12, 4 + index)
                own = {"codice_fiscale": _codice_fiscale(index + 8 * (tenant.slug == "girasole"), born),
                       "ccnl_level": level, "contract": "determinato" if index == 5 else "indeterminato",
                       "part_time_percent": share, "region": "emilia-romagna", "comune": IT_COMUNI[tenant.slug],
                       **family}
                if member.disadvantaged:
                    own["disadvantage_category"] = DISADVANTAGES[index % len(DISADVANTAGES)]
                service.add_employee(session, tenant, {
                    "member_id": member.id, "date_of_birth": born,
                    "start_date": max(member.joined_on, date(2018, 1, 1)), "pay_frequency": "monthly",
                    "street": f"Via Roma {10 + index}", "city": tenant.city, "postcode": tenant.postcode,
                    "jurisdiction_fields": own}, IT_PAID[0])
            for pay_date in IT_PAID:
                run = service.create_run(session, tenant, {"frequency": "monthly", "pay_date": pay_date}, clerk.id)
                if pay_date.month == 7:
                    service.add_line(session, run.payslips[0], {
                        "kind": "overtime", "hours": Decimal("10"), "rate": Decimal("11.20"), "pensionable": False,
                        "description": "Straordinario: sostituzioni estive"})
                service.calculate_run(session, tenant, run, clerk.id)
                service.approve_run(session, run, approver.id)
                service.pay_run(session, tenant, run, approver.id)
            run = service.create_run(session, tenant, {"frequency": "monthly", "pay_date": IT_AWAITING}, clerk.id)
            service.calculate_run(session, tenant, run, clerk.id)
