"""Readable labels for payroll's codes (frequencies, states, line kinds, NI categories...): pages show these."""

from consortium.i18n import _l

FREQUENCY_LABELS = {"weekly": _l("Weekly"), "fortnightly": _l("Fortnightly"), "four_weekly": _l("Four-weekly"),
                    "monthly": _l("Monthly")}
RUN_STATE_LABELS = {"draft": _l("draft"), "calculated": _l("calculated, awaiting approval"),
                    "approved": _l("approved"), "paid": _l("paid")}
TAX_BASIS_LABELS = {"cumulative": _l("Cumulative"), "week1_month1": _l("Week 1 / Month 1 (non-cumulative)")}
PAY_BASIS_LABELS = {"salary": _l("Annual salary"), "hourly": _l("Hourly rate")}
LINE_KIND_LABELS = {
    "basic": _l("Basic salary"), "hourly": _l("Hours x rate"), "overtime": _l("Overtime"), "bonus": _l("Bonus"),
    "holiday_pay": _l("Holiday pay"), "statutory_pay": _l("Statutory pay (SSP, SMP...)"),
    "deduction": _l("Other deduction"), "share_subscription": _l("Share capital instalment"),
    "loan_repayment": _l("Capital loan repayment"),
}
CAPITAL_KIND_LABELS = {"share_subscription": _l("Share capital subscription in instalments"),
                       "loan_repayment": _l("Capital-injection loan repayment")}
# NI category labels come from the jurisdiction's rule pack: service.ni_category_labels().
STARTER_LABELS = {
    "A": _l("A: first job since 6 April, no benefits or pensions"),
    "B": _l("B: now my only job, but had another job or benefits since 6 April"),
    "C": _l("C: I have another job or a pension"),
}
AUTO_ENROLMENT_LABELS = {"eligible_jobholder": _l("eligible jobholder"),
                         "non_eligible_jobholder": _l("non-eligible jobholder"),
                         "entitled_worker": _l("entitled worker"),
                         "outside_age_range": _l("outside the auto-enrolment age range")}
ARRANGEMENT_LABELS = {"relief_at_source": _l("Relief at source"), "net_pay": _l("Net pay arrangement")}
SHORTFALL_LABELS = {"refuse": _l("Refuse the calculation, naming the employee and amount"),
                    "cap": _l("Cap the deductions so net pay stays at zero")}
STUDENT_LOAN_LABELS = {"1": _l("Plan 1"), "2": _l("Plan 2"), "4": _l("Plan 4 (Scotland)"), "5": _l("Plan 5")}


def label(table: dict, code) -> str:
    """The label of `code` in `table`, or the code itself when it has none."""
    return str(table[code]) if code in table else (code or "")
