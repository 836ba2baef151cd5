"""Loading and validating the UK payroll data files, one per tax year (``years/2026-27.json``).

A file is read whole, every figure checked, and refused with :class:`PayrollRulesError`
naming the file and the entry when anything is missing, malformed, out of order, or
overlaps another year. The file's SHA-256 is its fingerprint: a paid pay run stores it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from plugins.jurisdictions.base import PAY_FREQUENCIES, PayrollRulesError

from .paye import PREFIX_REGIONS, Band

YEARS_PACKAGE = "plugins.jurisdictions.uk.payroll"
_TAX_YEAR = re.compile(r"(\d{4})-(\d{2})")
NI_THRESHOLDS = ("LEL", "PT", "ST", "UEL", "UST", "AUST", "VUST", "FUST")
STUDENT_LOAN_PLANS = ("1", "2", "4", "5")


@dataclass(frozen=True)
class Region:
    """Income tax of one region (rest of UK, Wales, Scotland)."""

    name: str
    prefix: str
    label: str
    bands: tuple[Band, ...]
    flat_codes: Mapping[str, Decimal]


@dataclass(frozen=True)
class NiBand:
    """One slice of Class 1 NI: earnings above threshold ``start`` (up to ``end``) at ``rate`` percent."""

    start: str
    end: str | None
    rate: Decimal


@dataclass(frozen=True)
class NiCategory:
    """An NI category letter's employee (primary) and employer (secondary) slices."""

    letter: str
    label: str
    employee: tuple[NiBand, ...]
    employer: tuple[NiBand, ...]


@dataclass(frozen=True)
class LoanPlan:
    """A student or postgraduate loan plan: annual threshold and rate in percent."""

    name: str
    annual_threshold: Decimal
    rate: Decimal


@dataclass(frozen=True)
class PensionAgeRule:
    """People born before ``born_before`` reach State Pension age at ``years`` and ``months``."""

    born_before: date
    years: int
    months: int


@dataclass(frozen=True)
class YearData:
    """Everything a tax year's rules need, validated, with the file's fingerprint."""

    tax_year: str
    starts: date
    ends: date
    file_name: str
    fingerprint: str
    emergency_code: str
    limit_percent: Decimal
    code_block: int
    code_block_allowance: Decimal
    regions: Mapping[str, Region]
    ni_thresholds: Mapping[str, Mapping[str, Decimal]]
    ni_categories: Mapping[str, NiCategory]
    loan_plans: Mapping[str, LoanPlan]
    postgraduate: LoanPlan
    default_loan_plan: str | None
    ae_lower: Mapping[str, Decimal]
    ae_trigger: Mapping[str, Decimal]
    ae_upper: Mapping[str, Decimal]
    jobholder_min_age: int
    jobholder_max_age: int
    eligible_min_age: int
    minimum_total_percent: Decimal
    minimum_employer_percent: Decimal
    relief_at_source_percent: Decimal
    opt_out_months: int
    pension_ages: tuple[PensionAgeRule, ...]
    employment_allowance: Decimal


class _Reader:
    """Reads entries of one file, naming the file and entry in every error."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name

    def fail(self, entry: str, problem: str) -> PayrollRulesError:
        return PayrollRulesError(f"{self.file_name}, {entry}: {problem}")

    def get(self, mapping: Any, key: str, entry: str) -> Any:
        if not isinstance(mapping, Mapping):
            raise self.fail(entry, "must be an object")
        if key not in mapping:
            raise self.fail(f"{entry}.{key}" if entry else key, "is missing")
        return mapping[key]

    def block(self, mapping: Any, key: str, entry: str = "") -> Mapping[str, Any]:
        """An object that must cite its source."""
        value = self.get(mapping, key, entry)
        where = f"{entry}.{key}" if entry else key
        if not isinstance(value, Mapping):
            raise self.fail(where, "must be an object")
        source = value.get("source")
        if not isinstance(source, str) or not source.strip():
            raise self.fail(where, "must cite its source (a non-empty 'source')")
        return value

    def decimal(self, mapping: Any, key: str, entry: str, *, allow_null: bool = False) -> Decimal | None:
        raw = self.get(mapping, key, entry)
        where = f"{entry}.{key}"
        if raw is None and allow_null:
            return None
        if not isinstance(raw, str):
            raise self.fail(where, f"must be a decimal written as a string, got {raw!r}")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise self.fail(where, f"must be a decimal, got {raw!r}") from None
        if not value.is_finite() or value < 0:
            raise self.fail(where, f"must be a finite amount of 0 or more, got {raw!r}")
        return value

    def percent(self, mapping: Any, key: str, entry: str) -> Decimal:
        value = self.decimal(mapping, key, entry)
        if value > 100:
            raise self.fail(f"{entry}.{key}", f"is a percentage and cannot exceed 100, got {value}")
        return value

    def integer(self, mapping: Any, key: str, entry: str) -> int:
        raw = self.get(mapping, key, entry)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise self.fail(f"{entry}.{key}", f"must be a whole number, got {raw!r}")
        return raw

    def date(self, mapping: Any, key: str, entry: str) -> date:
        raw = self.get(mapping, key, entry)
        try:
            return date.fromisoformat(raw)
        except (TypeError, ValueError):
            raise self.fail(f"{entry}.{key}" if entry else key, f"must be an ISO date, got {raw!r}") from None

    def per_frequency(self, mapping: Any, key: str, entry: str) -> dict[str, Decimal]:
        value = self.get(mapping, key, entry)
        where = f"{entry}.{key}"
        return {frequency: self.decimal(value, frequency, where) for frequency in PAY_FREQUENCIES}


def _regions(reader: _Reader, income_tax: Mapping[str, Any]) -> dict[str, Region]:
    raw_regions = reader.get(income_tax, "regions", "income_tax")
    regions = {}
    for prefix, name in PREFIX_REGIONS.items():
        where = f"income_tax.regions.{name}"
        raw = reader.get(raw_regions, name, "income_tax.regions")
        if reader.get(raw, "prefix", where) != prefix:
            raise reader.fail(f"{where}.prefix", f"must be {prefix!r}")
        raw_bands = reader.get(raw, "bands", where)
        if not isinstance(raw_bands, list) or not raw_bands:
            raise reader.fail(f"{where}.bands", "must list the bands, lowest first")
        bands = []
        for index, raw_band in enumerate(raw_bands):
            band_where = f"{where}.bands[{index}]"
            width = reader.decimal(raw_band, "width", band_where, allow_null=True)
            last = index == len(raw_bands) - 1
            if (width is None) != last:
                raise reader.fail(band_where, "only the top band has no width (null), and it must be last")
            if width is not None and width == 0:
                raise reader.fail(f"{band_where}.width", "must be more than 0")
            rate = reader.percent(raw_band, "rate", band_where)
            if bands and rate < bands[-1].rate:
                raise reader.fail(f"{band_where}.rate", "rates must not fall as pay rises")
            bands.append(Band(width, rate))
        raw_flat = reader.get(raw, "flat_codes", where)
        if not isinstance(raw_flat, Mapping) or "BR" not in raw_flat:
            raise reader.fail(f"{where}.flat_codes", "must give the rate of BR and the D codes")
        flat = {}
        for code in raw_flat:
            if not re.fullmatch(r"BR|D\d", code):
                raise reader.fail(f"{where}.flat_codes.{code}", "is not a flat-rate code (BR, D0, D1...)")
            flat[code] = reader.percent(raw_flat, code, f"{where}.flat_codes")
        regions[name] = Region(name, prefix, str(reader.get(raw, "label", where)), tuple(bands), flat)
    return regions


def _ni(reader: _Reader, ni: Mapping[str, Any]) -> tuple[dict[str, dict[str, Decimal]], dict[str, NiCategory]]:
    raw_thresholds = reader.get(ni, "thresholds", "national_insurance")
    thresholds = {}
    for frequency in PAY_FREQUENCIES:
        where = f"national_insurance.thresholds.{frequency}"
        raw = reader.get(raw_thresholds, frequency, "national_insurance.thresholds")
        values = {name: reader.decimal(raw, name, where) for name in NI_THRESHOLDS}
        if not values["LEL"] <= values["PT"] <= values["UEL"] or not values["ST"] <= values["UEL"]:
            raise reader.fail(where, "thresholds must satisfy LEL <= PT <= UEL and ST <= UEL")
        thresholds[frequency] = values
    if not str(reader.get(ni, "categories_source", "national_insurance")).strip():
        raise reader.fail("national_insurance.categories_source", "must cite the category rates' source")
    raw_categories = reader.get(ni, "categories", "national_insurance")
    categories = {}
    for letter, raw in raw_categories.items():
        where = f"national_insurance.categories.{letter}"
        if not re.fullmatch(r"[A-Z]", letter):
            raise reader.fail(where, "a category is one capital letter")
        sides = []
        for side in ("employee", "employer"):
            raw_bands = reader.get(raw, side, where)
            if not isinstance(raw_bands, list):
                raise reader.fail(f"{where}.{side}", "must list the slices (may be empty)")
            bands = []
            for index, raw_band in enumerate(raw_bands):
                band_where = f"{where}.{side}[{index}]"
                start = reader.get(raw_band, "from", band_where)
                end = raw_band.get("to")
                for label, threshold in (("from", start), ("to", end)):
                    if threshold is not None and threshold not in NI_THRESHOLDS:
                        raise reader.fail(f"{band_where}.{label}", f"must be one of {', '.join(NI_THRESHOLDS)}")
                if bands and (bands[-1].end is None or bands[-1].end != start):
                    raise reader.fail(band_where, "slices must follow on: each starts where the last ended")
                bands.append(NiBand(start, end, reader.percent(raw_band, "rate", band_where)))
            sides.append(tuple(bands))
        categories[letter] = NiCategory(letter, str(reader.get(raw, "label", where)), sides[0], sides[1])
    for required in ("A", "B", "C", "H", "J", "M", "X", "Z"):
        if required not in categories:
            raise reader.fail(f"national_insurance.categories.{required}", "is missing")
    return thresholds, categories


def _pension_ages(reader: _Reader, block: Mapping[str, Any]) -> tuple[PensionAgeRule, ...]:
    raw_rules = reader.get(block, "rules", "state_pension_age")
    rules = []
    for index, raw in enumerate(raw_rules):
        where = f"state_pension_age.rules[{index}]"
        rule = PensionAgeRule(
            reader.date(raw, "born_before", where),
            reader.integer(raw, "years", where),
            reader.integer(raw, "months", where),
        )
        if rules and rule.born_before <= rules[-1].born_before:
            raise reader.fail(where, "rules must be in order of born_before")
        rules.append(rule)
    if not rules:
        raise reader.fail("state_pension_age.rules", "must list at least one rule")
    return tuple(rules)


def parse_year(text: str, file_name: str) -> YearData:
    """Validate one year's file (its text as read) into :class:`YearData`."""
    reader = _Reader(file_name)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayrollRulesError(f"{file_name}: not valid JSON ({exc})") from None
    if reader.get(data, "jurisdiction", "") != "uk":
        raise reader.fail("jurisdiction", "must be 'uk'")
    tax_year = reader.get(data, "tax_year", "")
    match = _TAX_YEAR.fullmatch(str(tax_year))
    if not match or int(match[2]) != (int(match[1]) + 1) % 100:
        raise reader.fail("tax_year", f"must look like 2026-27, got {tax_year!r}")
    if file_name.removesuffix(".json") != tax_year:
        raise reader.fail("tax_year", f"is {tax_year!r} but the file is named {file_name}")
    starts, ends = reader.date(data, "starts", ""), reader.date(data, "ends", "")
    first = int(match[1])
    if (starts, ends) != (date(first, 4, 6), date(first + 1, 4, 5)):
        raise reader.fail("starts", f"a UK tax year runs from 6 April {first} to 5 April {first + 1}")

    income_tax = reader.block(data, "income_tax")
    emergency = reader.block(income_tax, "emergency_code", "income_tax")
    limit = reader.block(income_tax, "regulatory_limit_percent", "income_tax")
    code_block = reader.block(income_tax, "code_block", "income_tax")
    ni = reader.block(data, "national_insurance")
    ni_thresholds, ni_categories = _ni(reader, ni)
    loans = reader.block(data, "student_loans")
    raw_plans = reader.get(loans, "plans", "student_loans")
    plans = {}
    for name in raw_plans:
        if name not in STUDENT_LOAN_PLANS:
            raise reader.fail(f"student_loans.plans.{name}", f"plans are {', '.join(STUDENT_LOAN_PLANS)}")
        where = f"student_loans.plans.{name}"
        plans[name] = LoanPlan(
            name,
            reader.decimal(raw_plans[name], "annual_threshold", where),
            reader.percent(raw_plans[name], "rate", where),
        )
    raw_pg = reader.get(loans, "postgraduate", "student_loans")
    postgraduate = LoanPlan(
        "postgraduate",
        reader.decimal(raw_pg, "annual_threshold", "student_loans.postgraduate"),
        reader.percent(raw_pg, "rate", "student_loans.postgraduate"),
    )
    default_plan = reader.block(loans, "default_plan", "student_loans").get("value")
    if default_plan is not None and default_plan not in plans:
        raise reader.fail("student_loans.default_plan", f"{default_plan!r} is not a plan of this year")
    ae = reader.block(data, "auto_enrolment")
    lower, trigger, upper = (
        reader.per_frequency(ae, key, "auto_enrolment")
        for key in ("lower_qualifying", "earnings_trigger", "upper_qualifying")
    )
    for frequency in PAY_FREQUENCIES:
        if not lower[frequency] < trigger[frequency] < upper[frequency]:
            raise reader.fail(
                f"auto_enrolment ({frequency})", "needs lower qualifying < earnings trigger < upper qualifying"
            )
    opt_out = reader.block(ae, "opt_out", "auto_enrolment")
    relief = reader.block(ae, "relief_at_source_percent", "auto_enrolment")
    spa = reader.block(data, "state_pension_age")
    allowance = reader.block(data, "employment_allowance")
    raw_bytes = text.encode("utf-8")
    return YearData(
        tax_year=tax_year,
        starts=starts,
        ends=ends,
        file_name=file_name,
        fingerprint=hashlib.sha256(raw_bytes).hexdigest(),
        emergency_code=str(reader.get(emergency, "value", "income_tax.emergency_code")),
        limit_percent=reader.percent(limit, "value", "income_tax.regulatory_limit_percent"),
        code_block=int(reader.decimal(code_block, "value", "income_tax.code_block")),
        code_block_allowance=reader.decimal(code_block, "annual_allowance", "income_tax.code_block"),
        regions=_regions(reader, income_tax),
        ni_thresholds=ni_thresholds,
        ni_categories=ni_categories,
        loan_plans=plans,
        postgraduate=postgraduate,
        default_loan_plan=default_plan,
        ae_lower=lower,
        ae_trigger=trigger,
        ae_upper=upper,
        jobholder_min_age=reader.integer(ae, "jobholder_min_age", "auto_enrolment"),
        jobholder_max_age=reader.integer(ae, "jobholder_max_age", "auto_enrolment"),
        eligible_min_age=reader.integer(ae, "eligible_min_age", "auto_enrolment"),
        minimum_total_percent=reader.percent(ae, "minimum_total_percent", "auto_enrolment"),
        minimum_employer_percent=reader.percent(ae, "minimum_employer_percent", "auto_enrolment"),
        relief_at_source_percent=reader.percent(relief, "value", "auto_enrolment.relief_at_source_percent"),
        opt_out_months=reader.integer(opt_out, "months", "auto_enrolment.opt_out"),
        pension_ages=_pension_ages(reader, spa),
        employment_allowance=reader.decimal(allowance, "value", "employment_allowance"),
    )


def check_no_overlap(years: list[YearData]) -> None:
    """Refuse two files covering the same days, naming both."""
    ordered = sorted(years, key=lambda y: y.starts)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.starts <= earlier.ends:
            raise PayrollRulesError(
                f"{later.file_name} overlaps {earlier.file_name} ({later.starts} <= {earlier.ends})"
            )


@cache
def load_years() -> tuple[YearData, ...]:
    """Every ``years/*.json`` of the UK pack, validated, oldest first."""
    folder = resources.files(YEARS_PACKAGE) / "years"
    years = [
        parse_year(path.read_bytes().decode("utf-8"), path.name)
        for path in sorted(folder.iterdir(), key=lambda p: p.name)
        if path.name.endswith(".json")
    ]
    check_no_overlap(years)
    return tuple(sorted(years, key=lambda y: y.starts))
