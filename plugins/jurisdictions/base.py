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
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import metadata, resources
from types import ModuleType
from typing import Any, Literal

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
            detail = f"Applies only to {self.only_for_label}."
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
    text = f"{shown}%"
    if not meets and shown == limit:
        text += f", just {'under' if at_least else 'over'} {limit.normalize():f}%"
    return meets, text


def check_stdnum(module: ModuleType, value: str, *, field: str, label: str, expected: str) -> str:
    """Validate ``value`` with a python-stdnum module; return its compact form.

    Raises :class:`InvalidIdentifier` for ``field`` with a message saying what is wrong;
    ``expected`` describes the valid shape (e.g. "9 or 12 digits").
    """
    try:
        return module.validate(value)
    except InvalidChecksum:
        message = f"{label} has an invalid check digit"
    except InvalidLength:
        message = f"{label} has the wrong length; expected {expected}"
    except InvalidFormat:
        message = f"{label} contains characters that are not allowed; expected {expected}"
    except InvalidComponent:
        message = f"{label} has a part that is not valid; expected {expected}"
    except ValidationError:
        message = f"{label} is not valid; expected {expected}"
    raise InvalidIdentifier(field, message)


def require_text(value: object, *, field: str, label: str) -> str:
    """``value`` stripped, or :class:`InvalidIdentifier` when it is not text or is empty."""
    if not isinstance(value, str):
        raise InvalidIdentifier(field, f"{label} must be text, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise InvalidIdentifier(field, f"{label} is empty")
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
            field, f"{label} must start with {country} or have no country prefix, not {prefix}"
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
        expected="a country code, 2 check digits and the account",
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


@dataclass(frozen=True)
class Jurisdiction:
    """A country's rule pack: VAT, identifiers, legal forms, compliance, fund defaults.

    ``payroll_rules`` is not provided yet (None) and comes with the payroll feature.
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
    payroll_rules: None = None
    # Tells from a member's registration number whether it is a registered society (None: never counted).
    society_number_detector: Callable[[str], bool] | None = None

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


def get_jurisdiction(code: str) -> Jurisdiction:
    """The jurisdiction registered under ``code`` ("uk", "it"); raises :class:`UnknownJurisdiction`."""
    if not isinstance(code, str):
        raise UnknownJurisdiction(repr(code))
    return _load_jurisdiction(code.strip().lower())
