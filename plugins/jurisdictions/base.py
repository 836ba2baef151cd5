"""What every jurisdiction rule pack provides, and how packs are found.

A jurisdiction (``uk``, ``it``) is loaded through the ``consortium.jurisdictions`` entry
points with :func:`get_jurisdiction`. It answers VAT rates from data files, one per period
between the dates a rate changed (each value citing its source), validates identifiers with
python-stdnum, lists the legal forms a member co-op may take and checks a members register summary against the rules of
that form. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, Protocol

from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask_babel import get_locale, gettext
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

ENTRY_POINT_GROUP = "consortium.jurisdictions"

#: Categories a current member of a co-op is counted under in :class:`RegisterSummary`.
MEMBER_CATEGORIES = (
    "worker",
    "volunteer",
    "service_user",
    "family_member",
    "financing_member",
    "legal_entity",
)

#: EN 16931 VAT category codes (UNCL5305 subset) a rate table may use.
UBL_CATEGORIES = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M"})

RuleStatus = Literal["pass", "fail", "not_applicable"]


class JurisdictionError(LookupError):
    """Base class for lookups a jurisdiction cannot answer."""


class UnknownJurisdiction(JurisdictionError):
    """No jurisdiction plugin is registered under this code."""

    def __init__(self, code: str) -> None:
        self.code = code
        known = ", ".join(available_jurisdictions()) or "none"
        super().__init__(f"Unknown jurisdiction {code!r}; available jurisdictions: {known}")


class NoRateTable(JurisdictionError):
    """No VAT rate table covers the requested date."""


class UnknownVatCategory(JurisdictionError):
    """The VAT category code is not in the table for that date."""


class UnknownLegalForm(JurisdictionError):
    """The legal-form code is not one this jurisdiction knows."""


class RateTableError(ValueError):
    """A rate data file is malformed; the message names the file and the entry."""


class NoPayrollRules(JurisdictionError):
    """This jurisdiction has no payroll rule pack, or none for the requested tax year."""


class PayrollRulesError(ValueError):
    """A payroll data file is malformed or overlaps another; the message names the file and entry."""


class LocalText(str):
    """A message that reads in English as a plain ``str`` and can be given in another language.

    ``msgid`` is the English template with named placeholders (``%(code)s``) and ``params``
    its values; ``catalogue`` is the ``translations`` folder of the plugin that wrote it
    (``<folder>/it/LC_MESSAGES/messages.po``). The app shows ``text.in_language("it")``
    (Decimal values are written in that language's number format); anything that treats it
    as a ``str`` gets the English.
    """

    msgid: str
    params: Mapping[str, Any]
    catalogue: Path | None

    def __new__(cls, msgid: str, catalogue: Path | None = None, **params: Any) -> LocalText:
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid, text.params, text.catalogue = msgid, params, catalogue
        return text

    def in_language(self, language: str) -> str:
        """This message in ``language`` ("it", "en"); English when the catalogue lacks it."""
        if language == "en" or self.catalogue is None:
            return str(self)
        template = _catalogue_strings(self.catalogue, language).get(self.msgid) or self.msgid
        locale = {"it": "it_IT"}.get(language, language)
        params = {
            key: format_decimal(value, format="#,##0.00", locale=locale) if isinstance(value, Decimal) else value
            for key, value in self.params.items()
        }
        return template % params if params else template


@cache
def _catalogue_strings(folder: Path, language: str) -> dict[str, str]:
    po_path = folder / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return {}
    with po_path.open("rb") as po_file:
        catalogue = read_po(po_file, locale=language)
    return {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


class InvalidIdentifier(ValueError):
    """An identifier (VAT number, tax code, IBAN) failed validation."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class VatCategory:
    """One VAT category as it applies on a date.

    ``rate`` is a percentage (``Decimal("20.00")`` means 20%). ``exempt`` is true when no
    VAT is charged because the supply is exempt, not subject or excluded: such lines need
    ``exemption_reason`` (EN 16931) and, in Italy, a ``natura`` code. Zero-rated supplies
    are taxable at 0% and are not ``exempt``.
    """

    code: str
    label: str
    rate: Decimal
    exempt: bool
    natura: str | None
    ubl_category: str
    exemption_reason: str | None
    source: str
    stamp_duty: bool = False  # Italy: counts towards the imposta di bollo threshold (see StampDuty)


@dataclass(frozen=True)
class StampDuty:
    """A duty on invoices whose amounts not subject to VAT exceed ``threshold`` (Italy's imposta di bollo)."""

    amount: Decimal
    threshold: Decimal
    rule: str
    source: str

    def due_on(self, amount_not_subject: Decimal) -> Decimal | None:
        """The duty on an invoice with this much not subject to VAT, or None when none is due."""
        return self.amount if amount_not_subject > self.threshold else None


@dataclass(frozen=True)
class RateTable:
    """The VAT categories valid from ``valid_from`` to ``valid_to`` (both inclusive; date.max while in force)."""

    valid_from: date
    valid_to: date
    period: str
    categories: tuple[VatCategory, ...]
    file_name: str
    stamp_duty: StampDuty | None = None

    def covers(self, on: date) -> bool:
        """Whether ``on`` falls inside this table's validity period."""
        return self.valid_from <= on <= self.valid_to


@dataclass(frozen=True)
class RegisterSummary:
    """Counts from a co-op's members register that the compliance rules need.

    ``members_by_category`` counts CURRENT members by :data:`MEMBER_CATEGORIES` (missing
    categories count as 0). ``workers`` counts everyone working for the co-op, members or
    not (Law 381/1991 art. 4 measures disadvantaged people against all workers), and
    ``disadvantaged_workers`` those of them who are disadvantaged. ``total_members``
    defaults to the sum of the categories; members with no category recorded count only
    there. ``registered_societies`` counts the legal-entity members that are themselves
    registered societies (UK: a society of two such members may be registered).
    """

    members_by_category: Mapping[str, int] = field(default_factory=dict)
    workers: int = 0
    disadvantaged_workers: int = 0
    total_members: int | None = None
    registered_societies: int = 0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.members_by_category) - set(MEMBER_CATEGORIES))
        if unknown:
            raise ValueError(
                f"members_by_category: unknown categories {', '.join(unknown)}; "
                f"expected some of {', '.join(MEMBER_CATEGORIES)}"
            )
        for category, count in self.members_by_category.items():
            _require_count(f"members_by_category[{category!r}]", count)
        _require_count("workers", self.workers)
        _require_count("disadvantaged_workers", self.disadvantaged_workers)
        categorised = sum(self.members_by_category.values())
        if self.total_members is None:
            object.__setattr__(self, "total_members", categorised)
        else:
            _require_count("total_members", self.total_members)
            if categorised > self.total_members:
                raise ValueError(
                    f"total_members: {self.total_members} is less than the {categorised} members "
                    "counted in members_by_category"
                )
        _require_count("registered_societies", self.registered_societies)
        if self.registered_societies > self.members_by_category.get("legal_entity", 0):
            raise ValueError(
                f"registered_societies: {self.registered_societies} is more than the "
                f"{self.members_by_category.get('legal_entity', 0)} legal-entity members"
            )
        if self.disadvantaged_workers > self.workers:
            raise ValueError(
                f"disadvantaged_workers: {self.disadvantaged_workers} is more than the {self.workers} workers"
            )

    def members(self, category: str) -> int:
        """Current members in ``category`` (0 when none are recorded)."""
        if category not in MEMBER_CATEGORIES:
            raise ValueError(f"category: unknown member category {category!r}")
        return self.members_by_category.get(category, 0)


def _require_count(field_name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{field_name}: must be a whole number of people, 0 or more (got {value!r})")


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one compliance rule for one register."""

    rule_code: str
    title: str
    status: RuleStatus
    detail: str
    source: str


#: A rule's test: a register summary in, ``(status, detail)`` out.
RuleCheck = Callable[[RegisterSummary], tuple[RuleStatus, str]]


@dataclass(frozen=True)
class ComplianceRule:
    """A legal requirement on the make-up of a co-op's membership or workforce.

    ``check`` returns ``(status, detail)`` for a register. When ``only_for`` names legal
    forms, other forms listing the rule get ``not_applicable`` with ``only_for_label`` in
    the detail, so a compliance page can show why a rule does not bind them.
    """

    code: str
    title: str
    source: str
    check: RuleCheck
    only_for: frozenset[str] = frozenset()
    only_for_label: str = ""

    def evaluate(self, register: RegisterSummary, legal_form_code: str) -> RuleResult:
        """Apply the rule to ``register`` for a co-op of ``legal_form_code``."""
        if self.only_for and legal_form_code not in self.only_for:
            status: RuleStatus = "not_applicable"
            detail = gettext("Applies only to %(forms)s.", forms=self.only_for_label)
        else:
            status, detail = self.check(register)
        return RuleResult(self.code, self.title, status, detail, self.source)


@dataclass(frozen=True)
class LegalForm:
    """A legal form a member co-op may take, with the rules it must keep."""

    code: str
    label: str
    rules: tuple[ComplianceRule, ...]
    source: str


@dataclass(frozen=True)
class FundDefaults:
    """Default terms of the mutual-fund contribution.

    ``rate`` and ``legal_reserve_share`` are percentages of net profit; ``minimum`` is in
    the jurisdiction's default currency; ``due_days`` counts from approval of the accounts.
    """

    rate: Decimal
    minimum: Decimal
    due_days: int
    legal_reserve_share: Decimal
    source: str


def count_of(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` with the noun in singular or plural, e.g. "1 volunteer", "3 volunteers"."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def share_percent(part: int, whole: int) -> Decimal:
    """``part`` as an exact percentage of ``whole`` (``whole`` must be positive)."""
    return Decimal(part) * 100 / Decimal(whole)


def describe_share(part: int, whole: int, limit: Decimal, *, at_least: bool) -> tuple[bool, str]:
    """Whether ``part/whole`` meets ``limit`` percent, and the share as shown to a person.

    The comparison is exact; the shown figure is rounded half-up to one decimal, and when
    that rounding lands on the limit while the exact share misses it, the text says so
    rather than showing a number that looks compliant.
    """
    # Compare without dividing, so a repeating decimal can never round into compliance.
    scaled_part, scaled_limit = Decimal(part) * 100, limit * whole
    meets = scaled_part >= scaled_limit if at_least else scaled_part <= scaled_limit
    shown = share_percent(part, whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = percent_text(shown, "#,##0.0")
    if not meets and shown == limit:
        limit_text = percent_text(limit.normalize())
        text += (gettext(", just under %(limit)s", limit=limit_text) if at_least else
                 gettext(", just over %(limit)s", limit=limit_text))
    return meets, text


def percent_text(value: Decimal, pattern: str | None = None) -> str:
    """A percentage in the reader's language (33.3% or 33,3%); English outside a request."""
    return format_decimal(value, format=pattern, locale=get_locale() or "en") + "%"


def check_stdnum(module: ModuleType, value: str, *, field: str, label: str, expected: str) -> str:
    """Validate ``value`` with a python-stdnum module; return its compact form.

    Raises :class:`InvalidIdentifier` for ``field`` with a message saying what is wrong;
    ``expected`` describes the valid shape (e.g. "9 or 12 digits").
    """
    try:
        return module.validate(value)
    except InvalidChecksum:
        message = gettext("%(label)s has an invalid check digit", label=label)
    except InvalidLength:
        message = gettext("%(label)s has the wrong length; expected %(expected)s", label=label, expected=expected)
    except InvalidFormat:
        message = gettext("%(label)s contains characters that are not allowed; expected %(expected)s", label=label,
                          expected=expected)
    except InvalidComponent:
        message = gettext("%(label)s has a part that is not valid; expected %(expected)s", label=label,
                          expected=expected)
    except ValidationError:
        message = gettext("%(label)s is not valid; expected %(expected)s", label=label, expected=expected)
    raise InvalidIdentifier(field, message)


def require_text(value: object, *, field: str, label: str) -> str:
    """``value`` stripped, or :class:`InvalidIdentifier` when it is not text or is empty."""
    if not isinstance(value, str):
        raise InvalidIdentifier(field, gettext("%(label)s must be text, not %(kind)s", label=label,
                                               kind=type(value).__name__))
    text = value.strip()
    if not text:
        raise InvalidIdentifier(field, gettext("%(label)s is empty", label=label))
    return text


def strip_country_prefix(
    value: str, country: str, *, field: str, label: str, keep: tuple[str, ...] = ()
) -> str:
    """Upper-case ``value`` without separators and without a leading ``country`` prefix.

    A different two-letter prefix is refused (it is another country's number), unless it
    is one of ``keep`` (letter prefixes that belong to the number itself).
    """
    compact = "".join(ch for ch in value.upper() if ch not in " .-/")
    if compact.startswith(country):
        return compact[len(country) :]
    prefix = compact[:2]
    if len(prefix) == 2 and prefix.isalpha() and prefix not in keep:
        raise InvalidIdentifier(
            field, gettext("%(label)s must start with %(country)s or have no country prefix, not %(prefix)s",
                           label=label, country=country, prefix=prefix)
        )
    return compact


def validate_iban(value: str) -> str:
    """Return the compact IBAN (upper case, no spaces) or raise :class:`InvalidIdentifier`."""
    text = require_text(value, field="iban", label="IBAN")
    return check_stdnum(
        stdnum_iban,
        text,
        field="iban",
        label="IBAN",
        expected=gettext("a country code, 2 check digits and the account"),
    )


def _parse_date(raw: Any, where: str, key: str) -> date:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise RateTableError(f"{where}: {key} must be an ISO date (YYYY-MM-DD), got {raw!r}") from None


def _parse_category(entry: Mapping[str, Any], where: str) -> VatCategory:
    code = entry.get("code")
    where = f"{where}, category {code!r}"
    missing = [
        key
        for key in ("code", "label", "rate", "exempt", "natura", "ubl_category", "exemption_reason", "source")
        if key not in entry
    ]
    if missing:
        raise RateTableError(f"{where}: missing {', '.join(missing)}")
    if not str(entry["source"]).strip():
        raise RateTableError(f"{where}: source must cite the law or notice the rate comes from")
    try:
        rate = Decimal(str(entry["rate"])).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise RateTableError(f"{where}: rate must be a decimal percentage, got {entry['rate']!r}") from None
    if entry["ubl_category"] not in UBL_CATEGORIES:
        raise RateTableError(
            f"{where}: ubl_category {entry['ubl_category']!r} is not an EN 16931 VAT category"
        )
    exempt = entry["exempt"]
    if not isinstance(exempt, bool) or not isinstance(entry.get("stamp_duty", False), bool):
        raise RateTableError(f"{where}: exempt and stamp_duty must be true or false")
    if exempt and (rate != 0 or not entry["exemption_reason"]):
        raise RateTableError(f"{where}: an exempt category needs rate 0 and an exemption_reason")
    return VatCategory(
        code=entry["code"],
        label=entry["label"],
        rate=rate,
        exempt=exempt,
        natura=entry["natura"],
        ubl_category=entry["ubl_category"],
        exemption_reason=entry["exemption_reason"],
        source=entry["source"],
        stamp_duty=entry.get("stamp_duty", False),
    )


def _parse_stamp_duty(entry: Mapping[str, Any] | None, where: str) -> StampDuty | None:
    if entry is None:
        return None
    try:
        amount, threshold = Decimal(str(entry["amount"])), Decimal(str(entry["threshold"]))
        rule, source = str(entry["rule"]), str(entry["source"]).strip()
    except (KeyError, ArithmeticError):
        raise RateTableError(f"{where}: stamp_duty needs a decimal amount and threshold, a rule and a source") from None
    if not source:
        raise RateTableError(f"{where}: stamp_duty: source must cite the law it comes from")
    return StampDuty(amount, threshold, rule, source)


@cache
def load_rate_tables(package: str, code: str) -> tuple[RateTable, ...]:
    """Read every ``rates/*.json`` file of ``package`` into rate tables, oldest first.

    Raises :class:`RateTableError` naming the file for malformed data or overlapping periods.
    """
    tables = []
    rates_dir = resources.files(package) / "rates"
    for path in sorted((p for p in rates_dir.iterdir() if p.name.endswith(".json")), key=lambda p: p.name):
        where = f"{package}/rates/{path.name}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RateTableError(f"{where}: not valid JSON ({exc})") from None
        if data.get("jurisdiction") != code:
            raise RateTableError(f"{where}: jurisdiction is {data.get('jurisdiction')!r}, expected {code!r}")
        valid_from = _parse_date(data.get("valid_from"), where, "valid_from")
        # A null valid_to is the period still in force.
        valid_to = date.max if data.get("valid_to") is None else _parse_date(data["valid_to"], where, "valid_to")
        if valid_to < valid_from:
            raise RateTableError(f"{where}: valid_to {valid_to} is before valid_from {valid_from}")
        categories = tuple(_parse_category(entry, where) for entry in data.get("categories", []))
        codes = [c.code for c in categories]
        if not categories or len(set(codes)) != len(codes):
            raise RateTableError(f"{where}: categories must be present and have distinct codes")
        tables.append(RateTable(valid_from, valid_to, str(data.get("period", "")), categories, path.name,
                                _parse_stamp_duty(data.get("stamp_duty"), where)))
    tables.sort(key=lambda t: t.valid_from)
    for earlier, later in zip(tables, tables[1:], strict=False):
        if later.valid_from <= earlier.valid_to:
            raise RateTableError(f"{package}/rates: {later.file_name} overlaps {earlier.file_name}")
    return tuple(tables)


# --- payroll --------------------------------------------------------------------------------
# The payroll interface every jurisdiction's payroll pack implements. The app
# (tenants/payroll) stores employees and pay runs and hands the rules plain values; the
# rules return plain values. No database, no Flask, money is Decimal throughout.

#: Pay frequencies a pay run may have, with the number of regular periods in a tax year.
PAY_FREQUENCIES: Mapping[str, int] = {"weekly": 52, "fortnightly": 26, "four_weekly": 13, "monthly": 12}

#: How an employee's pension contributions get tax relief.
PENSION_ARRANGEMENTS = ("relief_at_source", "net_pay")

#: Outcomes of the auto-enrolment assessment in :attr:`PayrollResult.auto_enrolment`.
#: "outside_age_range" is a worker under 16 or 75 and over, to whom the duties do not apply.
AUTO_ENROLMENT_STATUSES = ("eligible_jobholder", "non_eligible_jobholder", "entitled_worker", "outside_age_range")

#: A new starter's statement on the HMRC starter checklist (no P45 handed in).
STARTER_DECLARATIONS = ("A", "B", "C")

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PensionScheme:
    """The co-op's workplace pension scheme as it applies to one employee.

    ``employee_percent`` and ``employer_percent`` are percentages of the pay the scheme
    measures (``Decimal("5")`` means 5%); the UK pack applies them to qualifying earnings
    for the period (the band between the lower and upper qualifying-earnings limits).
    ``arrangement`` is one of :data:`PENSION_ARRANGEMENTS`: ``"net_pay"`` takes the
    employee's contribution from pay before tax (taxable pay falls); ``"relief_at_source"``
    takes it after tax, net of basic-rate relief (the deduction is 80% of the contribution
    the scheme receives: the scheme claims the rest from HMRC).
    """

    employee_percent: Decimal
    employer_percent: Decimal
    arrangement: str


@dataclass(frozen=True)
class PayrollEmployee:
    """What the rules need to know about an employee, as the app stores it.

    ``tax_code`` as HMRC issued it, without the basis (e.g. "1257L", "S1257L", "K475",
    "BR", "D0", "NT"); a trailing " W1", " M1" or " X" is accepted and means
    ``week1_month1``. ``week1_month1`` is the non-cumulative basis. ``ni_category`` is the
    NI category letter (UK: A, B, C, H, J, M, V, X, Z and the freeport and investment
    zone letters F, I, L, S, N, E, D, K; ``ni_categories()`` lists them with labels).
    ``student_loan_plans`` are the undergraduate plans
    ("1", "2", "4", "5"); ``postgraduate_loan`` whether a postgraduate loan is repaid too.
    ``date_of_birth`` is used for the auto-enrolment age test. ``pension`` is the scheme the
    employee is (or would be) enrolled in, None when the co-op has none;
    ``pension_opted_out`` true once the employee has opted out (no contributions taken).
    ``pension_member`` true once the employee is an active member (auto-enrolled in an
    earlier period, or opted in / joined as a non-eligible jobholder or entitled worker):
    contributions are taken when the employee is a member, or is an eligible jobholder
    this period, and has not opted out. When a result's ``auto_enrolment`` is
    "eligible_jobholder" for a non-member, contributions start in that period: the app
    records the enrolment (``pension_member`` true from then on).
    Validate with :meth:`PayrollRules.check_employee` before calculating.
    """

    tax_code: str
    week1_month1: bool
    ni_category: str
    student_loan_plans: tuple[str, ...]
    postgraduate_loan: bool
    date_of_birth: date
    pension: PensionScheme | None
    pension_opted_out: bool
    pension_member: bool = False
    #: The jurisdiction's own employee fields (``PayrollRules.employee_fields()``) as ``(name, value)``
    #: text pairs, with what the app knows of the employment: "start_date", "leave_date" (ISO dates),
    #: "disadvantaged" ("1" when the linked member is flagged in the register), "legal_form" (the
    #: co-op's) and the co-op's jurisdiction settings (``PayrollRules.settings_fields()``). Empty for the UK.
    fields: tuple[tuple[str, str], ...] = ()

    def field(self, name: str, default: str = "") -> str:
        """One of :attr:`fields` by name."""
        return dict(self.fields).get(name, default)


@dataclass(frozen=True)
class PayrollPeriod:
    """One tax period of one pay frequency.

    ``tax_year`` as "2026-27"; ``frequency`` one of :data:`PAY_FREQUENCIES`; ``period`` the
    tax period number counted from the start of the tax year (6 April in the UK: month 1
    is 6 April to 5 May, week 1 is 6 to 12 April), as :meth:`PayrollRules.period_for`
    gives it for ``pay_date``. Week 53 (54, 56) pay is taxed on the week 1 basis.
    """

    tax_year: str
    frequency: str
    period: int
    pay_date: date


@dataclass(frozen=True)
class YearToDate:
    """Cumulative figures of the tax year BEFORE a period (all Decimal, pounds and pence).

    For a new starter with a P45 these include the previous employment's ``gross_pay``,
    ``taxable_pay`` and ``tax`` (see :meth:`PayrollRules.starter`). ``taxable_pay`` is pay
    after net-pay pension contributions (what tax is worked out on); ``gross_pay`` is all
    pay. The app keeps one per employee and tax year: start from :meth:`zero`, and after
    each period store :attr:`PayrollResult.to_date`.
    """

    gross_pay: Decimal = ZERO
    taxable_pay: Decimal = ZERO
    tax: Decimal = ZERO
    employee_ni: Decimal = ZERO
    employer_ni: Decimal = ZERO
    student_loan: Decimal = ZERO
    postgraduate_loan: Decimal = ZERO
    pension_employee: Decimal = ZERO
    pension_employer: Decimal = ZERO

    #: Figures a jurisdiction keeps beyond these (Italy: detrazione days, TFR fund, addizionali due...),
    #: as ``(name, decimal text)`` pairs; the app stores and hands them back untouched.
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def zero(cls) -> YearToDate:
        """Nothing paid yet this tax year."""
        return cls()

    def as_dict(self) -> dict[str, str]:
        """Every figure as text, to store (the standard ones and :attr:`extra`)."""
        values = {f.name: str(getattr(self, f.name)) for f in fields(self) if f.name != "extra"}
        return values | dict(self.extra)

    @classmethod
    def from_dict(cls, values: Mapping[str, str] | None) -> YearToDate:
        """Back from :meth:`as_dict` (missing standard figures are zero; other keys go to :attr:`extra`)."""
        if not values:
            return cls()
        standard = {f.name for f in fields(cls) if f.name != "extra"}
        return cls(**{key: Decimal(values[key]) for key in standard if key in values},
                   extra=tuple(sorted((key, str(value)) for key, value in values.items() if key not in standard)))


@dataclass(frozen=True)
class PayrollResult:
    """One employee's statutory figures for one period, from :meth:`PayrollRules.calculate`.

    ``gross_pay`` is the period's pay as given; ``taxable_pay`` the period's pay for tax
    (gross less net-pay pension contributions). ``income_tax`` is this period's tax: it
    may be NEGATIVE (a refund on the cumulative basis). ``employee_ni`` / ``employer_ni``
    are Class 1 NI for the period. ``student_loan`` and ``postgraduate_loan`` are this
    period's deductions. ``pension_employee`` is what is deducted from the employee's pay
    (under relief at source: net of basic-rate relief; negative when a refund after
    opting out is paid back) and ``pension_employer`` the employer's contribution.
    ``auto_enrolment`` is one of :data:`AUTO_ENROLMENT_STATUSES` for this period's
    earnings and age. ``net_pay`` is gross pay less tax, employee NI, loans and the
    employee pension deduction: the app's own deductions (e.g. capital instalments) come
    off this. ``employer_cost`` is gross pay plus employer NI and employer pension.
    ``to_date`` is the year to date INCLUDING this period: store it for the next period.
    ``notes`` are plain English sentences for the payslip review (e.g. "Tax limited to 50%
    of pay (regulatory limit): 123.45 carried forward"); ``ni_earnings`` the period's pay
    split at the NI thresholds as the P60 and FPS report it: ``{"at_lel": ..., "lel_to_pt":
    ..., "pt_to_uel": ...}``; ``tax_code`` the code actually applied, with " W1"/" M1"
    when non-cumulative.
    """

    gross_pay: Decimal
    taxable_pay: Decimal
    income_tax: Decimal
    employee_ni: Decimal
    employer_ni: Decimal
    student_loan: Decimal
    postgraduate_loan: Decimal
    pension_employee: Decimal
    pension_employer: Decimal
    auto_enrolment: str
    net_pay: Decimal
    employer_cost: Decimal
    to_date: YearToDate
    notes: tuple[str, ...]
    ni_earnings: Mapping[str, Decimal]
    tax_code: str
    #: A jurisdiction's further figures for the payslip (Italy: detrazioni, TFR, relief...), by the keys of
    #: ``PayrollRules.payslip_sections()``, as decimal text; empty for the UK.
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PreviousEmployment:
    """The figures on a new starter's P45 (parts 2 and 3).

    ``leaving_date`` the date left the previous job; ``tax_code`` and ``week1_month1`` the
    code and basis shown; ``pay_to_date`` and ``tax_to_date`` the total pay and tax to
    date in the tax year of leaving (parts 1A/2 "Total pay to date" and "Total tax to date").
    """

    leaving_date: date
    tax_code: str
    week1_month1: bool
    pay_to_date: Decimal
    tax_to_date: Decimal


@dataclass(frozen=True)
class StarterSetup:
    """How to start a new employee: code, basis and the year's figures brought forward.

    ``to_date`` holds the P45's pay and tax when HMRC's rules say to carry them forward
    (as ``gross_pay``, ``taxable_pay`` and ``tax``), else zeros. ``reason`` is one plain
    sentence saying which rule chose the code, for the employee's record.
    """

    tax_code: str
    week1_month1: bool
    to_date: YearToDate
    reason: str


@dataclass(frozen=True)
class EmploymentAllowanceUse:
    """What the employment allowance covers of one pay run's employer NI.

    ``used`` is taken off the employer NI due for the run, ``remaining`` is what is left
    for later runs of the tax year, ``employer_ni_due`` what the employer still pays.
    """

    used: Decimal
    remaining: Decimal
    employer_ni_due: Decimal


@dataclass(frozen=True)
class OptOutRefund:
    """The contributions to give back when an employee opts out of the pension.

    ``within_window`` whether the opt-out came inside the opt-out period (only then is a
    refund due); ``window_ends`` the last day of that period; ``employee_refund`` is what
    goes back to the employee in their next pay (pass it to :meth:`PayrollRules.calculate`
    as ``pension_refund``); ``employer_refund`` what the scheme returns to the employer.
    """

    within_window: bool
    window_ends: date
    employee_refund: Decimal
    employer_refund: Decimal


def apply_employment_allowance(remaining: Decimal, employer_ni: Decimal) -> EmploymentAllowanceUse:
    """Offset a pay run's total employer NI against what is left of the year's allowance.

    The app calls this for each pay run of the tax year in pay-date order, starting with
    ``remaining = rules.employment_allowance()`` and storing ``used`` on the run. Employer
    NI is never reduced below zero, and the allowance is never used past what is left.
    """
    if remaining < 0 or employer_ni < 0:
        raise ValueError("remaining and employer_ni must not be negative")
    used = min(remaining, employer_ni)
    return EmploymentAllowanceUse(used=used, remaining=remaining - used, employer_ni_due=employer_ni - used)


class PayrollRules(Protocol):
    """One tax year of a jurisdiction's payroll rules (UK: ``plugins.jurisdictions.uk.payroll``).

    Reached as ``get_jurisdiction(tenant.country).payroll_rules("2026-27")``; the tax year
    of a payment is ``get_jurisdiction(...).payroll_tax_year(pay_date)``. A pack also answers
    the members of :class:`PayrollRulesDefaults` (its own employee and settings fields, basic pay,
    the opening year to date, labels and payslip sections), inheriting the defaults where it needs nothing.
    """

    uses_tax_code: bool

    def employee_fields(self) -> tuple[EmployeeField, ...]: ...

    def settings_fields(self) -> tuple[EmployeeField, ...]: ...

    def basic_pay(self, employee: PayrollEmployee, period: PayrollPeriod) -> Decimal | None: ...

    def annual_pay(self, employee: PayrollEmployee) -> Decimal | None: ...

    def opening_to_date(self, employee: PayrollEmployee, previous: YearToDate | None) -> YearToDate: ...

    def figure_labels(self) -> dict[str, str]: ...

    def payslip_sections(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]: ...

    def run_exports(self) -> dict[str, str]: ...

    def year_end_columns(self) -> tuple[tuple[str, str], ...]: ...

    def run_export(self, name: str, payslips: list[Mapping[str, Any]]) -> tuple[bytes, str, str]: ...

    #: The tax year these rules are for, e.g. "2026-27".
    tax_year: str
    #: First and last day of the tax year (both inclusive).
    starts: date
    ends: date
    #: SHA-256 (hex) of the year's data file. The app stores it on a paid run and refuses
    #: to go on if it differs later: a paid year's figures never change.
    fingerprint: str
    #: Name of the data file the figures come from, for messages.
    source_file: str

    def period_for(self, pay_date: date, frequency: str) -> int:
        """The tax period number of a payment on ``pay_date`` (ValueError outside the year)."""
        ...

    def periods_in_year(self, frequency: str) -> int:
        """Regular periods of ``frequency`` in a tax year (52, 26, 13, 12)."""
        ...

    def check_employee(self, employee: PayrollEmployee) -> dict[str, list[str]]:
        """Problems with ``employee`` as ``{field: [message, ...]}``; empty when it can be paid.

        Fields are the :class:`PayrollEmployee` attribute names ("tax_code", "ni_category",
        "student_loan_plans", "pension", ...), so the app can show them next to its form fields.
        Messages (here, in :class:`InvalidIdentifier`, ``StarterSetup.reason`` and
        ``PayrollResult.notes``) are :class:`LocalText`: English as a ``str``, Italian with
        ``message.in_language("it")``.
        """
        ...

    def validate_ni_number(self, value: str) -> str:
        """The NI number in its compact form ("AB123456C") or :class:`InvalidIdentifier` (field "ni_number")."""
        ...

    def ni_categories(self) -> dict[str, str]:
        """The year's NI category letters with their labels, for choice lists and payslips.

        Each label reads in English as a ``str``; a :class:`LocalText` label also gives the reader's
        language (``in_language``). The app takes its labels only from here, so a jurisdiction with other
        categories (or none) needs no change in the app.
        """
        ...

    def normalise_tax_code(self, value: str) -> tuple[str, bool]:
        """``(code, week1_month1)`` from a code as typed ("s1257l m1" -> ("S1257L", True)).

        Raises :class:`InvalidIdentifier` (field "tax_code") for a code this year does not know.
        """
        ...

    def starter(
        self,
        start_date: date,
        declaration: str | None,
        previous: PreviousEmployment | None = None,
    ) -> StarterSetup:
        """The starting code, basis and figures for a new employee, by HMRC's starter rules.

        ``declaration`` is the starter checklist statement ("A", "B", "C"), needed when no
        usable P45 is given; raises :class:`InvalidIdentifier` (field "declaration" or
        "previous") when the input cannot decide.
        """
        ...

    def calculate(
        self,
        employee: PayrollEmployee,
        period: PayrollPeriod,
        gross_pay: Decimal,
        pensionable_pay: Decimal,
        to_date: YearToDate,
        pension_refund: Decimal = ZERO,
    ) -> PayrollResult:
        """Tax, NI, student loans and pension of one employee for one period.

        ``gross_pay`` is all pay of the period (taxable and NI-able); ``pensionable_pay``
        the part the scheme measures contributions on (usually the same). ``to_date`` the
        year's figures before this period. ``pension_refund`` an opt-out refund of the
        employee's contributions paid back this period (from :meth:`opt_out_refund`).
        Raises ValueError naming the field for input :meth:`check_employee` would refuse.
        """
        ...

    def employment_allowance(self) -> Decimal:
        """The year's employment allowance per employer, offset against employer NI."""
        ...

    def opt_out_refund(
        self, enrolled_on: date, opted_out_on: date, to_date: YearToDate
    ) -> OptOutRefund:
        """The refund due when an employee opts out on ``opted_out_on`` after enrolment on ``enrolled_on``.

        ``to_date`` holds the contributions taken so far (``pension_employee``,
        ``pension_employer``); outside the opt-out window nothing is refunded.
        """
        ...


@dataclass(frozen=True)
class EmployeeField:
    """A field a jurisdiction's payroll needs on each employee (or in the co-op's settings) beyond the common ones.

    ``name`` is the key the app stores it under (in the employee's ``jurisdiction_fields``); ``label`` is
    shown beside it (a :class:`LocalText`); ``kind`` is "text", "choice", "decimal", "integer" or "boolean";
    ``choices`` are ``(code, label)`` pairs for a choice; ``default`` the value of a new record.
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""


class PayrollRulesDefaults:
    """What a jurisdiction whose payroll needs nothing beyond the common employee record answers (the UK).

    A pack inherits it and overrides what it needs: its own employee and settings fields, the basic pay
    of a period, the year to date a new tax year opens with, its labels for the common figures and the
    sections of its payslip.
    """

    #: Whether employees carry a tax code, an NI number and the UK starter rules (the app's own fields).
    uses_tax_code: bool = True

    def employee_fields(self) -> tuple[EmployeeField, ...]:
        """The jurisdiction's own fields on each employee (none here)."""
        return ()

    def settings_fields(self) -> tuple[EmployeeField, ...]:
        """The jurisdiction's own fields in the co-op's payroll settings (none here)."""
        return ()

    def basic_pay(self, employee: PayrollEmployee, period: PayrollPeriod) -> Decimal | None:
        """The basic pay of a period when the rules fix it (a collective agreement's minimum); None: the app's
        own (annual salary / periods, or standard hours x rate)."""
        return None

    def annual_pay(self, employee: PayrollEmployee) -> Decimal | None:
        """The employee's contractual annual pay when the rules fix it (stored as the annual salary); else None."""
        return None

    def opening_to_date(self, employee: PayrollEmployee, previous: YearToDate | None) -> YearToDate:
        """The year to date a tax year opens with, given the previous tax year's last (None: none paid)."""
        return YearToDate.zero()

    def figure_labels(self) -> dict[str, str]:
        """Labels for the common payslip figures where the jurisdiction names them otherwise
        ("income_tax", "employee_ni", "employer_ni", "taxable_pay"); none here."""
        return {}

    def payslip_sections(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        """The jurisdiction's own payslip sections: ``(title, ((detail key, label), ...))``; none here."""
        return ()

    def run_exports(self) -> dict[str, str]:
        """Files the jurisdiction's law wants from a pay run, by name, with their labels (none here)."""
        return {}

    def year_end_columns(self) -> tuple[tuple[str, str], ...]:
        """The year's figures per employee the jurisdiction's year-end return needs, as ``(year-to-date key,
        label)`` (Italy: the Certificazione Unica's); none here (the UK's P60 figures are the app's own)."""
        return ()

    def run_export(self, name: str, payslips: list[Mapping[str, Any]]) -> tuple[bytes, str, str]:
        """(content, media type, file name) of export ``name`` of a run, from its payslips as plain values:
        ``{"name", "fields" (the employee's pack fields), "lines" ([(kind, amount)]), "details", "gross_pay",
        "net_pay", "tax_year", "period"}``. KeyError for a name :meth:`run_exports` does not list."""
        raise KeyError(name)


class PayrollPack(Protocol):
    """A jurisdiction's payroll rules across tax years."""

    def tax_years(self) -> tuple[str, ...]:
        """The tax years that have data, oldest first."""
        ...

    def tax_year_for(self, pay_date: date) -> str:
        """The tax year a payment on ``pay_date`` belongs to; :class:`NoPayrollRules` if none."""
        ...

    def rules(self, tax_year: str) -> PayrollRules:
        """The rules of ``tax_year``; :class:`NoPayrollRules` if there is no data for it."""
        ...


@dataclass(frozen=True)
class Jurisdiction:
    """A country's rule pack: VAT, identifiers, legal forms, compliance, fund defaults.

    ``payroll`` is the jurisdiction's :class:`PayrollPack` (None where payroll is not
    provided yet); reach a tax year's rules with :meth:`payroll_rules`.
    """

    code: str
    name: str
    default_currency: str
    locale: str
    rates_package: str
    forms: tuple[LegalForm, ...]
    mutual_fund_defaults: FundDefaults
    vat_number_validator: Callable[[str], str]
    tax_code_validator: Callable[[str], str]
    # Tells from a member's registration number whether it is a registered society (None: never counted).
    society_number_detector: Callable[[str], bool] | None = None
    payroll: PayrollPack | None = None

    def payroll_rules(self, tax_year: str) -> PayrollRules:
        """The payroll rules of ``tax_year`` (e.g. "2026-27"); :class:`NoPayrollRules` if none."""
        return self._payroll_pack().rules(tax_year)

    def payroll_tax_year(self, pay_date: date) -> str:
        """The payroll tax year a payment made on ``pay_date`` belongs to (e.g. "2026-27")."""
        return self._payroll_pack().tax_year_for(pay_date)

    def _payroll_pack(self) -> PayrollPack:
        if self.payroll is None:
            raise NoPayrollRules(f"{self.name} has no payroll rule pack yet")
        return self.payroll

    def rate_tables(self) -> tuple[RateTable, ...]:
        """All VAT rate tables of this jurisdiction, oldest first."""
        return load_rate_tables(self.rates_package, self.code)

    def rate_table(self, on: date) -> RateTable:
        """The VAT rate table whose validity period covers ``on``."""
        # A timestamp's date depends on the time zone, so the caller must pick the local date.
        if isinstance(on, datetime) or not isinstance(on, date):
            raise TypeError(f"on: expected a date (the date of supply), got {type(on).__name__}")
        tables = self.rate_tables()
        for table in tables:
            if table.covers(on):
                return table
        last = "today" if tables and tables[-1].valid_to == date.max else (tables[-1].valid_to if tables else None)
        span = f"{tables[0].valid_from} to {last}" if tables else "no dates"
        raise NoRateTable(
            f"No {self.code.upper()} VAT rate table covers {on.isoformat()}; tables cover {span}"
        )

    def vat_categories(self, on: date) -> list[VatCategory]:
        """The VAT categories in force on ``on``."""
        return list(self.rate_table(on).categories)

    def vat_rate(self, category: str, on: date) -> VatCategory:
        """The VAT category ``category`` as in force on ``on``."""
        table = self.rate_table(on)
        for vat_category in table.categories:
            if vat_category.code == category:
                return vat_category
        known = ", ".join(c.code for c in table.categories)
        raise UnknownVatCategory(
            f"Unknown {self.code.upper()} VAT category {category!r} on {on.isoformat()}; "
            f"known categories: {known}"
        )

    def legal_forms(self) -> list[LegalForm]:
        """The legal forms a member co-op may take in this jurisdiction."""
        return list(self.forms)

    def legal_form(self, code: str) -> LegalForm:
        """The legal form with this code."""
        for form in self.forms:
            if form.code == code:
                return form
        known = ", ".join(f.code for f in self.forms)
        raise UnknownLegalForm(f"Unknown {self.code.upper()} legal form {code!r}; known legal forms: {known}")

    def check_compliance(self, legal_form_code: str, register: RegisterSummary) -> list[RuleResult]:
        """Evaluate every rule of the legal form against the register summary."""
        return [rule.evaluate(register, legal_form_code) for rule in self.legal_form(legal_form_code).rules]

    def validate_vat_number(self, value: str) -> str:
        """The compact VAT number (no country prefix), or :class:`InvalidIdentifier`."""
        return self.vat_number_validator(value)

    def validate_tax_code(self, value: str) -> str:
        """The compact tax/registration code, or :class:`InvalidIdentifier`."""
        return self.tax_code_validator(value)

    def is_registered_society_number(self, value: str | None) -> bool:
        """Whether a member's registration number is that of a registered society in this jurisdiction."""
        return bool(value) and self.society_number_detector is not None and self.society_number_detector(value)

    def validate_iban(self, value: str) -> str:
        """The compact IBAN, or :class:`InvalidIdentifier` (same for every jurisdiction)."""
        return validate_iban(value)


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available_jurisdictions() -> list[str]:
    """Codes of the installed jurisdiction plugins, sorted."""
    return sorted(_entry_points())


@cache
def _load_jurisdiction(code: str) -> Jurisdiction:
    entry_point = _entry_points().get(code)
    if entry_point is None:
        raise UnknownJurisdiction(code)
    loaded = entry_point.load()
    if not isinstance(loaded, Jurisdiction) or loaded.code != code:
        raise TypeError(
            f"Entry point {entry_point.value} for {code!r} is not a Jurisdiction with code {code!r}"
        )
    return loaded


#: ISO 3166 country codes that name a jurisdiction registered under another code.
COUNTRY_ALIASES = {"gb": "uk"}


def get_jurisdiction(code: str) -> Jurisdiction:
    """The jurisdiction under ``code`` ("uk", "it"; ISO "GB" means "uk"); else :class:`UnknownJurisdiction`."""
    if not isinstance(code, str):
        raise UnknownJurisdiction(repr(code))
    key = code.strip().lower()
    return _load_jurisdiction(COUNTRY_ALIASES.get(key, key))
