"""Pure money calculations of the mutual fund: contributions, loan schedules, arrears, exposure, postings.

No Flask, no database: plain values in, frozen dataclasses (or exceptions) out, Decimal throughout,
rounded half-up to the cent.

Sources for the Italian defaults (a UK consortium passes its own settings):
- Law 59/1992 art. 11: a co-op pays 3% of its annual net profit to the mutual fund of its
  association, within 60 days of the approval of the accounts; nothing is due when the amount is
  below EUR 10.33; a co-op belonging to two associations splits the payment equally.
- Civil code art. 2545-quater: at least 30% of annual net profit goes to the legal reserve.

Postings (double entry) for each fund movement, using the account constants below:

- contribution due (accounts approved):   Dr CONTRIBUTIONS_RECEIVABLE  Cr CONTRIBUTION_INCOME
- contribution received:                  Dr FUND_CASH                 Cr CONTRIBUTIONS_RECEIVABLE
- loan paid out to a co-op:               Dr LOANS_RECEIVABLE          Cr FUND_CASH
- loan repayment, principal part:         Dr FUND_CASH                 Cr LOANS_RECEIVABLE
- loan repayment, interest part:          Dr FUND_CASH                 Cr INTEREST_INCOME
- guarantee called by the lender:         Dr GUARANTEE_CALLS_EXPENSE   Cr FUND_CASH

A repayment is therefore two balanced pairs (skip the interest pair when the interest is zero:
`balanced_pair` refuses a zero amount).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal

from dateutil.relativedelta import relativedelta

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")

FUND_CASH = "fund_cash"
CONTRIBUTIONS_RECEIVABLE = "contributions_receivable"
CONTRIBUTION_INCOME = "contribution_income"
LOANS_RECEIVABLE = "loans_receivable"
INTEREST_INCOME = "interest_income"
GUARANTEE_CALLS_EXPENSE = "guarantee_calls_expense"

LoanMethod = Literal["annuity", "straight_line"]
LOAN_METHODS: tuple[str, ...] = ("annuity", "straight_line")


def round_cents(value: Decimal) -> Decimal:
    """Round a Decimal to the cent, half-up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    """Format an amount with thousands separators and two decimals, e.g. 12,345.67."""
    return f"{round_cents(value):,.2f}"


def _format_number(value: Decimal) -> str:
    """Format a rate or multiple without trailing zeros, e.g. 3, 2.5."""
    return f"{value.normalize():f}"


def _require_decimal(field: str, value: object) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{field} must be a Decimal, got {type(value).__name__} {value!r}")
    if not value.is_finite():
        raise ValueError(f"{field} must be a finite number, got {value}")
    return value


def _require_non_negative(field: str, value: object) -> Decimal:
    amount = _require_decimal(field, value)
    if amount < 0:
        raise ValueError(f"{field} must not be negative, got {amount}")
    return amount


def _require_percent(field: str, value: object) -> Decimal:
    percent = _require_non_negative(field, value)
    if percent > HUNDRED:
        raise ValueError(f"{field} is a percentage and must be at most 100, got {percent}")
    return percent


def _require_int(field: str, value: object, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{field} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{field} must be at least {minimum}, got {value}")
    return value


def _require_date(field: str, value: object) -> date:
    # datetime is a subclass of date; a timestamp here would be a caller's mistake
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{field} must be a date, got {type(value).__name__} {value!r}")
    return value


# --------------------------------------------------------------------------- contributions


@dataclass(frozen=True)
class Contribution:
    """The yearly contribution a co-op owes the mutual fund, and why."""

    base: Decimal
    rate: Decimal
    amount: Decimal
    per_association: list[Decimal]
    below_minimum: bool
    due_date: date
    legal_reserve: Decimal
    explanation: str
    # What the base was worked out from, and the pro-rata share: the statement shows each step.
    net_profit: Decimal = ZERO
    prior_losses_covered: Decimal = ZERO
    ristorni: Decimal = ZERO
    full_year_amount: Decimal = ZERO
    days_member: int | None = None
    days_in_year: int | None = None
    # The explanation as data, one dict per step ("step" names it, the rest are its values as strings, dates
    # ISO): stored with the contribution and written out in the reader's language (`explanation.render`).
    steps: tuple[dict, ...] = ()


def split_equally(amount: Decimal, parts: int) -> list[Decimal]:
    """Split an amount into equal cent shares; the remainder cent(s) go to the first share."""
    _require_int("parts", parts, 1)
    share = (amount / parts).quantize(CENT, rounding=ROUND_DOWN)
    shares = [share] * parts
    shares[0] = amount - share * (parts - 1)
    return shares


def contribution_base(net_profit: Decimal, prior_losses_covered: Decimal = ZERO, ristorni: Decimal = ZERO) -> Decimal:
    """The profit the 3% is worked on: net profit less what covers prior years' losses, less ristorni from profit.

    Law 59/1992 art. 11 c.4 ("una quota degli utili annuali pari al 3 per cento"), as the associations
    apply it: Legacoop Liguria, "Coopfond e il 3% dell'utile" (infolega.coop, article 1839, July 2020):
    "L'importo da versare e' pari al 3% dell'utile netto di esercizio [...] al netto della quota parte
    dell'utile destinato al ripianamento delle perdite di esercizi precedenti e a ristorno ai soci";
    Ministry of Labour circulars 12/1995 and 96/1998 (quoted by ratio.it, "Il versamento del 3% in
    presenza di perdite pregresse"): not due on the part of profit covering prior years' losses, and
    ristorni are left out of the base. Never below zero.
    """
    _require_decimal("net_profit", net_profit)
    _require_non_negative("prior_losses_covered", prior_losses_covered)
    _require_non_negative("ristorni", ristorni)
    if net_profit <= 0:
        return ZERO
    return max(net_profit - prior_losses_covered - ristorni, ZERO)


# When the contribution falls due (a fund setting):
# - "approval": `due_days` after the members' assembly approved the accounts; for co-ops belonging to an
#   association, 60 days (Law 59/1992 art. 11; Legacoop Liguria, "Coopfond e il 3% dell'utile": "entro 60
#   giorni dall'approvazione del bilancio"; Confcooperative Veneto newsletter, "Versamento 3% degli utili
#   delle cooperative": "Per le cooperative aderenti [...] 60 giorni dall'approvazione del bilancio").
# - "year_end": `due_days` after the end of the financial year; for co-ops not belonging to an association,
#   which pay the State by F24, 300 days (Confcooperative Veneto, same article: "le cooperative non aderenti
#   devono completare il pagamento entro 300 giorni dalla chiusura dell'esercizio sociale"; also
#   cooperativeonline.it, "Versamento del 3% degli utili delle cooperative").
DUE_BASES: tuple[str, ...] = ("approval", "year_end")


def contribution_due_date(basis: str, *, year: int, approval_date: date, due_days: int) -> date:
    """The due date: `due_days` after the assembly's approval, or after 31 December of `year` (see DUE_BASES)."""
    if basis not in DUE_BASES:
        raise ValueError(f"due_basis must be one of {', '.join(DUE_BASES)}, got {basis!r}")
    _require_int("due_days", due_days, 0)
    start = approval_date if basis == "approval" else date(year, 12, 31)
    return start + timedelta(days=due_days)


def membership_days(year: int, member_from: date | None, member_until: date | None) -> tuple[int, int]:
    """(days the co-op belonged to the association in `year`, days in `year`), both ends counted.

    A co-op that joins or leaves the association in the year pays pro rata by days: Confcooperative
    Veneto, "Versamento 3% degli utili delle cooperative" ("Se durante l'anno ci sono stati cambi di
    adesione o revoche dall'associazione, il versamento deve essere ripartito tra i diversi enti in
    proporzione ai giorni di competenza"); Legacoop Liguria, "Coopfond e il 3% dell'utile" (changes in
    the year, "nuova adesione ad associazione"). No date means a member all year on that side.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    start = max(member_from or first, first)
    end = min(member_until or last, last)
    days_in_year = (last - first).days + 1
    if end < start:
        return 0, days_in_year
    return (end - start).days + 1, days_in_year


def compute_contribution(
    net_profit: Decimal,
    *,
    rate: Decimal,
    minimum: Decimal,
    approval_date: date,
    due_days: int,
    associations: int = 1,
    legal_reserve_share: Decimal = Decimal("30"),
    prior_losses_covered: Decimal = ZERO,
    ristorni: Decimal = ZERO,
    days_member: int | None = None,
    days_in_year: int | None = None,
    due_date: date | None = None,
) -> Contribution:
    """Compute the mutual-fund contribution on a year's net profit.

    The steps: base = net profit - prior years' losses covered - ristorni from profit (`contribution_base`);
    the year's amount = base x rate, rounded half-up to the cent; for a co-op that belonged to the
    association only `days_member` of the year's `days_in_year` days, the amount due here is that
    amount x days_member / days_in_year, rounded half-up (`membership_days`).

    `rate` and `legal_reserve_share` are percentages (Decimal("3") means 3%). The minimum applies to the
    year's amount, before it is split by days or between associations (Law 59/1992 art. 11 speaks of
    "the amount due"): 3% of 344.00 = 10.32 < 10.33, so nothing is due; 3% of 400.00 = 12.00 is due and
    split 6.00 + 6.00 between two associations even though each half is below 10.33. The legal reserve
    stays 30% of the whole net profit (civil code art. 2545-quater). A loss (or a zero result) owes
    nothing and sets no reserve; `below_minimum` is then False, since it was the loss, not the minimum,
    that cancelled the amount. `due_date`, when given, overrides approval_date + due_days (a fund whose
    rule counts from the year end, see `contribution_due_date`).
    """
    _require_decimal("net_profit", net_profit)
    _require_percent("rate", rate)
    _require_non_negative("minimum", minimum)
    _require_date("approval_date", approval_date)
    _require_int("due_days", due_days, 0)
    _require_int("associations", associations, 1)
    _require_percent("legal_reserve_share", legal_reserve_share)
    base = contribution_base(net_profit, prior_losses_covered, ristorni)
    if (days_member is None) != (days_in_year is None):
        raise ValueError("days_member and days_in_year go together")
    if days_in_year is not None:
        _require_int("days_in_year", days_in_year, 1)
        _require_int("days_member", days_member, 0)
        if days_member > days_in_year:
            raise ValueError(f"days_member must be at most days_in_year ({days_in_year}), got {days_member}")
        if days_member == days_in_year:
            days_member = days_in_year = None
    if due_date is None:
        due_date = approval_date + timedelta(days=due_days)
    else:
        _require_date("due_date", due_date)
    rate_text = f"{_format_number(rate)}%"
    figures = dict(net_profit=net_profit, prior_losses_covered=prior_losses_covered, ristorni=ristorni,
                 days_member=days_member, days_in_year=days_in_year)

    if net_profit <= 0:
        return Contribution(
            base=ZERO, rate=rate, amount=ZERO, per_association=[ZERO] * associations, below_minimum=False,
            due_date=due_date, legal_reserve=ZERO, full_year_amount=ZERO, **figures,
            steps=({"step": "loss", "net_result": str(net_profit)},),
            explanation=(
                f"The year closed with a net result of {format_money(net_profit)}, not a profit, "
                "so no contribution is due and nothing goes to the legal reserve."
            ),
        )

    legal_reserve = round_cents(net_profit * legal_reserve_share / HUNDRED)
    full_year = round_cents(base * rate / HUNDRED)
    reserve_text = (
        f"; at least {format_money(legal_reserve)} ({_format_number(legal_reserve_share)}%) "
        "goes to the legal reserve"
    )
    deductions = ""
    if prior_losses_covered or ristorni:
        parts = [f"net profit {format_money(net_profit)}"]
        if prior_losses_covered:
            parts.append(f"less {format_money(prior_losses_covered)} covering prior years' losses")
        if ristorni:
            parts.append(f"less {format_money(ristorni)} of ristorni")
        deductions = f"The base is {', '.join(parts)}: {format_money(base)}. "
    explained: list[dict] = []
    if deductions:
        explained.append({"step": "base", "net_profit": str(net_profit), "ristorni": str(ristorni),
                          "prior_losses_covered": str(prior_losses_covered), "base": str(base)})
    explained.append({"step": "rate", "rate": str(rate), "base": str(base), "amount": str(full_year),
                      "of": "base" if deductions else "net_profit"})
    reserve_step = {"step": "legal_reserve", "amount": str(legal_reserve), "share": str(legal_reserve_share)}
    calculation_text = f"{deductions}{rate_text} of {'the base' if deductions else 'net profit'} " \
                       f"{format_money(base)} is {format_money(full_year)}"

    if full_year < minimum:
        return Contribution(
            base=base, rate=rate, amount=ZERO, per_association=[ZERO] * associations, below_minimum=True,
            due_date=due_date, legal_reserve=legal_reserve, full_year_amount=full_year, **figures,
            steps=(*explained, {"step": "below_minimum", "minimum": str(minimum)}, reserve_step),
            explanation=(
                f"{calculation_text}, below the minimum of {format_money(minimum)}, "
                f"so nothing is due{reserve_text}."
            ),
        )

    amount = full_year
    pro_rata_text = ""
    if days_in_year is not None:
        amount = round_cents(full_year * days_member / days_in_year)
        explained.append({"step": "pro_rata", "days_member": str(days_member), "days_in_year": str(days_in_year),
                          "amount": str(amount)})
        pro_rata_text = (f"; the co-op belonged to the association {days_member} of the year's {days_in_year} "
                         f"days, so {format_money(amount)} is due here")
    per_association = split_equally(amount, associations)
    explained.append({"step": "due", "date": due_date.isoformat()})
    split_text = ""
    if associations > 1:
        explained.append({"step": "split", "associations": str(associations),
                          "shares": [str(share) for share in per_association]})
        shares = " + ".join(format_money(share) for share in per_association)
        split_text = f", split equally between {associations} associations as {shares}"
    return Contribution(
        base=base, rate=rate, amount=amount, per_association=per_association, below_minimum=False,
        due_date=due_date, legal_reserve=legal_reserve, full_year_amount=full_year, **figures,
        steps=(*explained, reserve_step),
        explanation=(
            f"{calculation_text}{pro_rata_text}, due by {due_date.isoformat()}{split_text}{reserve_text}."
        ),
    )


# --------------------------------------------------------------------------- loans


@dataclass(frozen=True)
class Instalment:
    """One monthly instalment of a loan schedule."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    balance_after: Decimal


def contribution_overdue(status: str, outstanding: Decimal, due_date: date, on: date) -> bool:
    """True once the due date has passed with money still owed; a reopened year waits for its correction."""
    return status in ("due", "part_paid") and outstanding > 0 and due_date < on


def annuity_payment(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """Return the constant monthly payment P*r / (1 - (1+r)^-n), rounded to the cent (P/n at zero rate)."""
    if monthly_rate == 0:
        return round_cents(principal / months)
    return round_cents(principal * monthly_rate / (1 - (1 + monthly_rate) ** -months))


def loan_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    method: LoanMethod,
    first_due: date,
) -> list[Instalment]:
    """Build the monthly repayment schedule of a loan (annuity or straight-line principal).

    Interest each month is the outstanding balance x annual_rate / 12 / 100, rounded half-up.
    The annuity payment (or the straight-line principal part, principal / months) is rounded to the
    cent; the last instalment repays whatever balance is left, so the principal parts add up to the
    loan exactly and the final balance is exactly zero. A rounded-up part is never allowed to take
    the balance below zero on a tiny loan. Instalment n is due on first_due + n months (dateutil
    keeps month ends sensible: 31 Jan, 29 Feb, 31 Mar, 30 Apr).
    """
    _require_decimal("principal", principal)
    if principal <= 0:
        raise ValueError(f"principal must be positive, got {principal}")
    if principal != round_cents(principal):
        raise ValueError(f"principal must be in whole cents, got {principal}")
    _require_non_negative("annual_rate", annual_rate)
    _require_int("months", months, 1)
    if method not in LOAN_METHODS:
        raise ValueError(f"method must be one of {', '.join(LOAN_METHODS)}, got {method!r}")
    _require_date("first_due", first_due)

    monthly_rate = annual_rate / 12 / HUNDRED
    payment = annuity_payment(principal, monthly_rate, months)
    straight_principal = round_cents(principal / months)

    schedule: list[Instalment] = []
    balance = principal
    for index in range(months):
        interest = round_cents(balance * monthly_rate)
        if index == months - 1:
            principal_part = balance
        elif method == "annuity":
            principal_part = min(payment - interest, balance)
        else:
            principal_part = min(straight_principal, balance)
        balance -= principal_part
        schedule.append(
            Instalment(
                number=index + 1,
                due_date=first_due + relativedelta(months=index),
                principal=principal_part,
                interest=interest,
                payment=principal_part + interest,
                balance_after=balance,
            )
        )
    return schedule


@dataclass(frozen=True)
class Arrears:
    """Where a borrower stands against the schedule on a given day."""

    due_to_date: Decimal
    paid_to_date: Decimal
    arrears_amount: Decimal
    instalments_overdue: int
    oldest_overdue_due_date: date | None
    days_overdue: int


def arrears(
    schedule: Sequence[Instalment],
    payments: Iterable[tuple[date, Decimal]],
    as_of: date,
) -> Arrears:
    """Compare payments received by `as_of` with the instalments fallen due by then.

    An instalment falls due on its due date (`due_to_date` counts one due on `as_of`) but is overdue
    only from the day after: the borrower has the whole due date to pay, so an instalment due today
    and unpaid is not arrears. Payments dated after `as_of` are ignored; the others are applied to the
    oldest instalment first, so a partly paid instalment stays overdue. `days_overdue` counts from the
    due date of the oldest overdue instalment not fully paid; a payment beyond what is due shows only
    as `paid_to_date` greater than `due_to_date`.
    """
    _require_date("as_of", as_of)
    paid = ZERO
    for row, payment in enumerate(payments):
        if not isinstance(payment, tuple | list) or len(payment) != 2:
            raise TypeError(f"payments[{row}] must be a (date, Decimal) pair, got {payment!r}")
        paid_on, amount = payment
        _require_date(f"payments[{row}] date", paid_on)
        _require_decimal(f"payments[{row}] amount", amount)
        if amount <= 0:
            raise ValueError(f"payments[{row}] amount must be positive, got {amount}")
        if paid_on <= as_of:
            paid += amount

    fallen_due = [instalment for instalment in schedule if instalment.due_date <= as_of]
    due_to_date = sum((instalment.payment for instalment in fallen_due), ZERO)
    past_due = [instalment for instalment in fallen_due if instalment.due_date < as_of]

    unallocated = paid
    unpaid: list[Instalment] = []
    for instalment in past_due:
        applied = min(unallocated, instalment.payment)
        unallocated -= applied
        if applied < instalment.payment:
            unpaid.append(instalment)

    oldest = unpaid[0].due_date if unpaid else None
    return Arrears(
        due_to_date=due_to_date,
        paid_to_date=paid,
        arrears_amount=max(sum((instalment.payment for instalment in past_due), ZERO) - paid, ZERO),
        instalments_overdue=len(unpaid),
        oldest_overdue_due_date=oldest,
        days_overdue=(as_of - oldest).days if oldest else 0,
    )


# --------------------------------------------------------------------------- exposure


class ExposureLimitExceeded(ValueError):
    """A new loan or guarantee would take the fund beyond its exposure limit."""

    def __init__(self, message: str, *, excess: Decimal, limit: Decimal, committed: Decimal) -> None:
        super().__init__(message)
        self.excess = excess
        self.limit = limit
        self.committed = committed


def exposure_headroom(
    fund_balance: Decimal,
    outstanding_loans: Decimal,
    live_guarantees: Decimal,
    multiple: Decimal,
) -> Decimal:
    """Return how much more the fund may lend or guarantee: balance x multiple - (loans + guarantees).

    Negative when the fund is already over its limit.
    """
    _require_decimal("fund_balance", fund_balance)
    _require_non_negative("outstanding_loans", outstanding_loans)
    _require_non_negative("live_guarantees", live_guarantees)
    _require_non_negative("multiple", multiple)
    return round_cents(fund_balance * multiple) - (outstanding_loans + live_guarantees)


def exposure_after(
    fund_balance: Decimal,
    outstanding_loans: Decimal,
    live_guarantees: Decimal,
    multiple: Decimal,
    new_amount: Decimal,
    *,
    kind: str = "loan",
) -> tuple[Decimal, Decimal]:
    """(headroom, stressed headroom) once a new loan or guarantee of `new_amount` is granted.

    With B the fund's balance, L the loans outstanding, G the live guarantees, m the multiple, X the new amount:

        headroom           H = round(B x m) - (L + G)
        stressed headroom  S = round((B - G) x m) - L      (as if every live guarantee were called in full)
        a loan of X:       B -> B - X and L -> L + X       (the payout leaves the fund's cash: H falls by X x (m + 1))
        a guarantee of X:  G -> G + X                      (nothing is paid until the bank calls it)

    A grant is allowed only when H and S are both at least 0 afterwards (`check_exposure`). Why that keeps the fund
    within its limit whatever happens next: a call of c lowers B and G by c together, so S does not move, and
    H = S + G x (m - 1) (to the cent) is at least S when m >= 1, while with m < 1 a call raises H; a repayment
    or interest raises B (and lowers L), raising both; an expiring guarantee lowers G, raising both.
    """
    _require_decimal("new_amount", new_amount)
    if new_amount <= 0:
        raise ValueError(f"new_amount must be positive, got {new_amount}")
    if kind == "loan":
        balance, loans, guarantees = fund_balance - new_amount, outstanding_loans + new_amount, live_guarantees
    else:
        balance, loans, guarantees = fund_balance, outstanding_loans, live_guarantees + new_amount
    return (exposure_headroom(balance, loans, guarantees, multiple),
            exposure_headroom(balance - guarantees, loans, ZERO, multiple))


def check_exposure(
    fund_balance: Decimal,
    outstanding_loans: Decimal,
    live_guarantees: Decimal,
    multiple: Decimal,
    new_amount: Decimal,
    *,
    kind: str = "loan",
) -> None:
    """Raise ExposureLimitExceeded unless the fund stays within its limit after the grant (see `exposure_after`)."""
    headroom, stressed = exposure_after(fund_balance, outstanding_loans, live_guarantees, multiple, new_amount,
                                        kind=kind)
    if headroom >= 0 and stressed >= 0:
        return
    balance = fund_balance - new_amount if kind == "loan" else fund_balance
    loans = outstanding_loans + new_amount if kind == "loan" else outstanding_loans
    guarantees = live_guarantees if kind == "loan" else live_guarantees + new_amount
    times = _format_number(multiple)
    if headroom <= stressed:
        excess, limit, committed = -headroom, round_cents(balance * multiple), loans + guarantees
        detail = (f"after it: limit {times} x balance {format_money(balance)} = {format_money(limit)}; "
                  f"committed {format_money(committed)} in loans and live guarantees")
    else:
        excess, limit, committed = -stressed, round_cents((balance - guarantees) * multiple), loans
        detail = (f"were every live guarantee called, the fund would hold {format_money(balance - guarantees)}: "
                  f"limit {times} x {format_money(balance - guarantees)} = {format_money(limit)}; "
                  f"loans {format_money(committed)}")
    raise ExposureLimitExceeded(
        f"this {kind} of {format_money(new_amount)} would exceed the fund's exposure limit by "
        f"{format_money(excess)} ({detail})",
        excess=excess,
        limit=limit,
        committed=committed,
    )


# --------------------------------------------------------------------------- double entry


@dataclass(frozen=True)
class Posting:
    """One line of a journal entry: an amount on the debit or the credit side of an account."""

    account: str
    debit: Decimal
    credit: Decimal
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.account, str) or not self.account.strip():
            raise ValueError(f"account must be a non-empty name, got {self.account!r}")
        _require_non_negative("debit", self.debit)
        _require_non_negative("credit", self.credit)
        if self.debit and self.credit:
            raise ValueError(
                f"a posting to {self.account} is either a debit or a credit, "
                f"got debit {self.debit} and credit {self.credit}"
            )


def balanced_pair(
    description: str,
    debit_account: str,
    credit_account: str,
    amount: Decimal,
) -> tuple[Posting, Posting]:
    """Return the debit and credit postings of one movement of `amount` between two accounts."""
    _require_decimal("amount", amount)
    if amount <= 0:
        raise ValueError(f"amount must be positive, got {amount}")
    if amount != round_cents(amount):
        raise ValueError(f"amount must be in whole cents, got {amount}")
    if debit_account == credit_account:
        raise ValueError(f"debit and credit account must differ, both are {debit_account!r}")
    return (
        Posting(debit_account, debit=amount, credit=ZERO, description=description),
        Posting(credit_account, debit=ZERO, credit=amount, description=description),
    )


def is_balanced(postings: Iterable[Posting]) -> bool:
    """Tell whether total debits equal total credits (an empty entry is balanced)."""
    debits = credits = ZERO
    for posting in postings:
        debits += posting.debit
        credits += posting.credit
    return debits == credits
