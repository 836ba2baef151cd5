"""Loading and validating the Italian payroll data files, one per tax year (``years/2026.json``).

The Italian tax year is the calendar year. A file is read whole and every figure checked: each
block must cite its ``source`` with a ``confidence`` mark (C, S, U), figures must be decimal
strings, brackets in order with only the last open. Anything wrong raises
:class:`PayrollRulesError` naming the file and the entry. The file's SHA-256 is its fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from plugins.jurisdictions.base import PayrollRulesError

YEARS_PACKAGE = "plugins.jurisdictions.it.payroll"
CONFIDENCE = ("C", "S", "U")


@dataclass(frozen=True)
class Bracket:
    """Income up to ``up_to`` (None: no limit) taxed at ``rate`` percent."""

    up_to: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class Comune:
    """A comune's addizionale: progressive brackets, and incomes up to ``exempt_up_to`` exempt."""

    code: str
    label: str
    region: str
    brackets: tuple[Bracket, ...]
    exempt_up_to: Decimal | None
    source: str
    confidence: str


@dataclass(frozen=True)
class CcnlTable:
    """The CCNL's minimum monthly pay per level, from ``valid_from``."""

    valid_from: date
    levels: Mapping[str, Decimal]
    source: str
    confidence: str


@dataclass(frozen=True)
class YearData:
    """One tax year's figures, validated."""

    file_name: str
    fingerprint: str
    tax_year: str
    starts: date
    ends: date
    raw: Mapping[str, Any]
    irpef: tuple[Bracket, ...]
    regions: Mapping[str, tuple[str, tuple[Bracket, ...]]]
    comuni: Mapping[str, Comune]
    ccnl: tuple[CcnlTable, ...]

    def figure(self, *path: str) -> Decimal:
        """The decimal figure at ``path`` (validated at load)."""
        node: Any = self.raw
        for key in path:
            node = node[key]
        return Decimal(node)


def _decimal(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise PayrollRulesError(f"{where}: expected a decimal string, got {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise PayrollRulesError(f"{where}: not a decimal: {value!r}") from None
    if number < 0:
        raise PayrollRulesError(f"{where}: must not be negative")
    return number


def _cited(block: Mapping[str, Any], where: str, key: str = "confidence") -> None:
    if not str(block.get("source", "")).strip():
        raise PayrollRulesError(f"{where}: source must cite where the figures come from")
    if block.get(key) not in CONFIDENCE:
        raise PayrollRulesError(f"{where}: {key} must be one of C, S, U")


def _brackets(entries: Any, where: str) -> tuple[Bracket, ...]:
    if not isinstance(entries, list) or not entries:
        raise PayrollRulesError(f"{where}: brackets must be a non-empty list")
    brackets, last = [], Decimal(0)
    for index, entry in enumerate(entries):
        at = f"{where}[{index}]"
        rate = _decimal(entry.get("rate"), f"{at}.rate")
        if rate > 100:
            raise PayrollRulesError(f"{at}.rate: a percentage must be at most 100")
        up_to = entry.get("up_to")
        if up_to is None:
            if index != len(entries) - 1:
                raise PayrollRulesError(f"{at}: only the last bracket may be open")
            brackets.append(Bracket(None, rate))
            continue
        limit = _decimal(up_to, f"{at}.up_to")
        if limit <= last:
            raise PayrollRulesError(f"{at}.up_to: brackets must rise")
        last = limit
        brackets.append(Bracket(limit, rate))
    if brackets[-1].up_to is not None:
        raise PayrollRulesError(f"{where}: the last bracket must be open (up_to null)")
    return tuple(brackets)


_FIGURES = {
    "detrazione_lavoro": ("full", "full_up_to", "middle_base", "middle_extra", "middle_up_to", "upper_up_to",
                          "minimum_permanent", "minimum_fixed_term", "bonus_from", "bonus_to", "bonus"),
    "trattamento_integrativo": ("amount", "full_up_to", "partial_up_to", "capienza_reduction"),
    "cuneo": ("somma_up_to", "detrazione_from", "detrazione_full_up_to", "detrazione_up_to", "detrazione"),
    "inps": ("employee_percent", "additional_percent", "first_bracket"),
    "tfr": ("divisor", "contribution_percent"),
    "quattordicesima": ("percent_of_monthly_pay",),
}


def _parse(file_name: str, text: str) -> YearData:
    where = f"{YEARS_PACKAGE.replace('.', '/')}/years/{file_name}"
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayrollRulesError(f"{where}: not valid JSON ({exc})") from None
    if raw.get("jurisdiction") != "it":
        raise PayrollRulesError(f"{where}: jurisdiction must be 'it'")
    tax_year = raw.get("tax_year")
    if f"{tax_year}.json" != file_name:
        raise PayrollRulesError(f"{where}: tax_year {tax_year!r} does not match the file name")
    try:
        starts, ends = date.fromisoformat(raw["starts"]), date.fromisoformat(raw["ends"])
    except (KeyError, TypeError, ValueError):
        raise PayrollRulesError(f"{where}: starts and ends must be ISO dates") from None
    if (starts, ends) != (date(int(tax_year), 1, 1), date(int(tax_year), 12, 31)):
        raise PayrollRulesError(f"{where}: an Italian tax year runs 1 January to 31 December")
    for block in ("irpef", "withholding", "detrazione_lavoro", "trattamento_integrativo", "cuneo", "inps", "tfr",
                  "tredicesima", "quattordicesima", "type_b_relief"):
        if not isinstance(raw.get(block), dict):
            raise PayrollRulesError(f"{where}, {block}: missing")
        _cited(raw[block], f"{where}, {block}")
    for block, keys in _FIGURES.items():
        for key in keys:
            _decimal(raw[block].get(key), f"{where}, {block}.{key}")
    for band_index, band in enumerate(raw["cuneo"].get("somma_bands", [])):
        _decimal(band.get("up_to"), f"{where}, cuneo.somma_bands[{band_index}].up_to")
        _decimal(band.get("percent"), f"{where}, cuneo.somma_bands[{band_index}].percent")
    for member in ("spouse", "children", "others"):
        block = raw.get("familiari", {}).get(member)
        if not isinstance(block, dict):
            raise PayrollRulesError(f"{where}, familiari.{member}: missing")
        _cited(block, f"{where}, familiari.{member}")
        for key, value in block.items():
            if key not in ("source", "confidence", "increments"):
                _decimal(value, f"{where}, familiari.{member}.{key}")
    try:
        date.fromisoformat(raw["quattordicesima"]["accrues_from"])
        if not 1 <= int(raw["quattordicesima"]["month"]) <= 12:
            raise ValueError
    except (KeyError, TypeError, ValueError):
        raise PayrollRulesError(f"{where}, quattordicesima: month (1-12) and accrues_from (an ISO date) "
                                "are needed") from None
    relief = raw["type_b_relief"]
    unknown = set(relief.get("zero_rated", [])) - set(relief.get("categories", {}))
    if unknown:
        raise PayrollRulesError(f"{where}, type_b_relief.zero_rated: unknown categories {sorted(unknown)}")
    additions = raw.get("addizionali")
    if not isinstance(additions, dict):
        raise PayrollRulesError(f"{where}, addizionali: missing")
    if not str(additions.get("schedule_source", "")).strip() or additions.get("schedule_confidence") not in CONFIDENCE:
        raise PayrollRulesError(f"{where}, addizionali: schedule_source and schedule_confidence are needed")
    _decimal(additions.get("comunale_acconto_percent"), f"{where}, addizionali.comunale_acconto_percent")
    regions = {}
    for code, region in additions.get("regions", {}).items():
        _cited(region, f"{where}, addizionali.regions.{code}")
        regions[code] = (region["label"], _brackets(region.get("brackets"), f"{where}, addizionali.regions.{code}"))
    comuni = {}
    for code, comune in additions.get("comuni", {}).items():
        at = f"{where}, addizionali.comuni.{code}"
        _cited(comune, at)
        if comune.get("region") not in regions:
            raise PayrollRulesError(f"{at}: region {comune.get('region')!r} has no data in this file")
        exempt = comune.get("exempt_up_to")
        comuni[code] = Comune(code, comune["label"], comune["region"], _brackets(comune.get("brackets"), at),
                              None if exempt is None else _decimal(exempt, f"{at}.exempt_up_to"),
                              comune["source"], comune["confidence"])
    tables = []
    for index, table in enumerate(raw.get("ccnl", {}).get("tables", [])):
        at = f"{where}, ccnl.tables[{index}]"
        _cited(table, at)
        levels = {level: _decimal(pay, f"{at}.levels.{level}") for level, pay in table.get("levels", {}).items()}
        if not levels:
            raise PayrollRulesError(f"{at}: levels are missing")
        tables.append(CcnlTable(date.fromisoformat(table["valid_from"]), levels, table["source"],
                                table["confidence"]))
    if not tables:
        raise PayrollRulesError(f"{where}, ccnl.tables: at least one table is needed")
    tables.sort(key=lambda t: t.valid_from)
    return YearData(
        file_name=file_name,
        fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        tax_year=tax_year,
        starts=starts,
        ends=ends,
        raw=raw,
        irpef=_brackets(raw["irpef"].get("brackets"), f"{where}, irpef.brackets"),
        regions=regions,
        comuni=comuni,
        ccnl=tuple(tables),
    )


@cache
def load_years() -> dict[str, YearData]:
    """Every year's data file, by tax year ("2025", "2026")."""
    folder = resources.files(YEARS_PACKAGE) / "years"
    years = {}
    for path in sorted(p for p in folder.iterdir() if p.name.endswith(".json")):
        data = _parse(path.name, path.read_text(encoding="utf-8"))
        years[data.tax_year] = data
    return years
