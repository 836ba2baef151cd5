"""Income tax by HMRC's "Specification for PAYE Tax Table Routines" (v24.0, Feb 2026).

Tax codes are parsed into :class:`TaxCode`; :func:`tax_to_date` works out the tax due on
the cumulative (or week 1 / month 1) basis. The stages and their rounding follow the
specification's paragraphs, cited beside each step; HMRC's 2026-27 developer test data
(``tests/data/hmrc``) checks them to the penny.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from functools import lru_cache

from plugins.jurisdictions.base import InvalidIdentifier

from .texts import _t

PENNY = Decimal("0.01")
POUND = Decimal("1")
FOUR_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)

#: Region of a code's prefix: none for England and Northern Ireland, C Wales, S Scotland.
PREFIX_REGIONS = {"": "rest_of_uk", "C": "wales", "S": "scotland"}

# Prefix, then one of: a number with a suffix letter (allowance), K and a number
# (additional pay), 0T, NT, or a flat-rate code (BR, D0..D9); then an optional basis marker.
_CODE = re.compile(
    r"(?P<prefix>[SC]?)"
    r"(?:(?P<number>\d{1,6})(?P<suffix>[LMNT])|K(?P<k>\d{1,6})|(?P<flat>BR|D\d|NT))"
    r"(?:\s*(?P<basis>W1|M1|X|WM1))?"
)

#: K codes run from K1 to K9999 (HMRC PAYE11015, as cited in wave2-facts 1.2).
MAX_K_NUMBER = 9999


@dataclass(frozen=True)
class TaxCode:
    """A parsed PAYE tax code.

    ``kind`` is "allowance" (a number and L, M, N or T: ``number`` x 10 + 9 of free pay),
    "k" (``number`` x 10 + 9 of additional pay), "flat" (``flat`` names BR, D0, D1...: all
    pay at one rate) or "no_tax" (NT). ``region`` is rest_of_uk, wales or scotland.
    """

    text: str
    region: str
    kind: str
    number: int = 0
    flat: str = ""
    week1_month1: bool = False


def parse_tax_code(value: str, flat_codes_by_region: dict[str, dict[str, Decimal]]) -> TaxCode:
    """Parse ``value`` ("1257L", "S1257L M1", "K475", "CBR") or raise InvalidIdentifier("tax_code").

    ``flat_codes_by_region`` lists the flat-rate codes (BR, D0...) each region has this year.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidIdentifier("tax_code", _t("Tax code is empty"))
    compact = "".join(value.upper().split())
    match = _CODE.fullmatch(compact)
    if match is None:
        raise InvalidIdentifier(
            "tax_code",
            _t(
                "Tax code %(code)s is not a UK tax code (e.g. 1257L, S1257L, C1257L, K475, BR, D0, NT, 0T; "
                "add W1 or M1 for the non-cumulative basis)",
                code=value.strip(),
            ),
        )
    prefix = match["prefix"]
    region = PREFIX_REGIONS[prefix]
    basis = bool(match["basis"])
    if match["flat"] == "NT":
        # NT carries no country prefix: it means no tax at all, wherever the employee lives.
        if prefix:
            raise InvalidIdentifier("tax_code", _t("Tax code NT has no %(prefix)s prefix; use NT", prefix=prefix))
        return TaxCode("NT", region, "no_tax", week1_month1=basis)
    if match["flat"]:
        flat = match["flat"]
        if flat not in flat_codes_by_region[region]:
            known = ", ".join(prefix + code for code in flat_codes_by_region[region])
            raise InvalidIdentifier(
                "tax_code",
                _t(
                    "Tax code %(code)s does not exist this tax year; the codes of its kind are %(known)s",
                    code=prefix + flat,
                    known=known,
                ),
            )
        return TaxCode(prefix + flat, region, "flat", flat=flat, week1_month1=basis)
    if match["k"] is not None:
        number = int(match["k"])
        if not 1 <= number <= MAX_K_NUMBER:
            raise InvalidIdentifier(
                "tax_code", _t("K codes run from K1 to K%(top)s, not K%(number)s", top=MAX_K_NUMBER, number=match["k"])
            )
        return TaxCode(f"{prefix}K{number}", region, "k", number=number, week1_month1=basis)
    number = int(match["number"])
    if number == 0 and match["suffix"] != "T":
        raise InvalidIdentifier(
            "tax_code", _t("Tax code %(code)s has no allowance; the code for none is 0T", code=value.strip())
        )
    return TaxCode(f"{prefix}{number}{match['suffix']}", region, "allowance", number=number, week1_month1=basis)


def _ceil_penny(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_CEILING)


@lru_cache(maxsize=4096)
def period_free_pay(number: int, periods: int, block: int, block_allowance: Decimal) -> Decimal:
    """Free pay (or K additional pay) for ONE period of a code number (spec §4.3.1, note for programmers).

    The code number is split into blocks of ``block`` (500) and a remainder 1..500; the
    remainder's allowance (remainder x 10 + 9) and each block's allowance (5,000) are each
    divided by the periods in the year and rounded UP to the penny, then added.
    """
    if number == 0:
        return Decimal("0.00")
    blocks, remainder = divmod(number - 1, block)
    remainder += 1
    per_remainder = _ceil_penny(Decimal(remainder * 10 + 9) / periods)
    per_block = _ceil_penny(block_allowance / periods)
    return per_remainder + blocks * per_block


@dataclass(frozen=True)
class Band:
    """One income tax band: its annual width (None for the top band) and rate in percent."""

    width: Decimal | None
    rate: Decimal


@lru_cache(maxsize=1024)
def _band_limits(
    bands: tuple[Band, ...], period: int, periods: int
) -> tuple[tuple[Decimal, Decimal | None, Decimal, Decimal], ...]:
    """For each band: (bottom to date, top to date rounded up to the pound, tax of the bands below, rate).

    Spec Definitions 9 to 11: a cumulative bandwidth to date is the annual figure x n /
    periods taken to 4 decimal places WITHOUT rounding the last place; the band test uses
    the top rounded UP to the whole pound; the tax of the bands below is prorated the same way.
    """
    limits = []
    annual_bottom = Decimal(0)
    annual_tax_below = Decimal(0)
    for band in bands:
        bottom = _to_date(annual_bottom, period, periods)
        tax_below = _to_date(annual_tax_below, period, periods)
        if band.width is None:
            limits.append((bottom, None, tax_below, band.rate))
            break
        annual_bottom += band.width
        top = _to_date(annual_bottom, period, periods).quantize(POUND, rounding=ROUND_CEILING)
        limits.append((bottom, top, tax_below, band.rate))
        annual_tax_below += band.width * band.rate / HUNDRED
    return tuple(limits)


def _to_date(annual: Decimal, period: int, periods: int) -> Decimal:
    return (annual * period / periods).quantize(FOUR_PLACES, rounding=ROUND_DOWN)


def banded_tax(taxable: Decimal, bands: tuple[Band, ...], period: int, periods: int) -> Decimal:
    """Tax due to date on whole-pound ``taxable`` pay to date, by band (spec §4.5), in pence.

    Tax = tax of the bands below + (taxable pay - bottom of its band) x rate, taken to 4
    places, then rounded DOWN to the penny.
    """
    if taxable <= 0:
        return Decimal("0.00")
    for bottom, top, tax_below, rate in _band_limits(bands, period, periods):
        if top is None or taxable <= top:
            tax = tax_below + ((taxable - bottom) * rate / HUNDRED).quantize(FOUR_PLACES, rounding=ROUND_DOWN)
            return tax.quantize(PENNY, rounding=ROUND_DOWN)
    raise ValueError("bands: the top band must have no upper limit (width null)")


@dataclass(frozen=True)
class TaxOutcome:
    """Tax for a period: what is deducted, the new tax to date, and whether the limit bit."""

    tax: Decimal
    tax_to_date: Decimal
    taxable_to_date: Decimal
    limited_by: Decimal


def tax_for_period(
    code: TaxCode,
    *,
    bands: tuple[Band, ...],
    flat_rate: Decimal | None,
    periods: int,
    period: int,
    pay: Decimal,
    pay_to_date: Decimal,
    tax_paid_to_date: Decimal,
    block: int,
    block_allowance: Decimal,
    limit_percent: Decimal,
) -> TaxOutcome:
    """Income tax for one period by the cumulative method (or week 1 / month 1 when ``period`` is 1
    and ``pay_to_date``/``tax_paid_to_date`` are this period's figures alone).

    ``pay`` is this period's taxable pay, ``pay_to_date`` the taxable pay to date INCLUDING
    this period, ``tax_paid_to_date`` the tax deducted before this period.
    """
    if code.kind == "no_tax":
        # NT: no tax is due at all, so tax to date is nil and anything deducted comes back.
        tax_due = Decimal("0.00")
        taxable = Decimal(0)
    else:
        if code.kind == "allowance":
            # §4.4: taxable pay to date = pay to date - free pay to date, never below nil.
            free = period_free_pay(code.number, periods, block, block_allowance) * period
            taxable = max(pay_to_date - free, Decimal(0))
        elif code.kind == "k":
            # K codes ADD the additional pay to date to the pay to date.
            taxable = pay_to_date + period_free_pay(code.number, periods, block, block_allowance) * period
        else:
            taxable = max(pay_to_date, Decimal(0))
        # §4.4.4: taxable pay to date is rounded DOWN to the whole pound.
        taxable = taxable.quantize(POUND, rounding=ROUND_DOWN)
        if code.kind == "flat":
            # BR, D0, D1 (and Scotland's D2, D3): all taxable pay at one rate, rounded down to the penny.
            tax_due = (taxable * flat_rate / HUNDRED).quantize(PENNY, rounding=ROUND_DOWN)
        else:
            tax_due = banded_tax(taxable, bands, period, periods)
    tax = tax_due - tax_paid_to_date
    # §4.5 overriding (regulatory) limit: the tax deducted in a period may not exceed 50% of
    # the period's pay; what is not deducted stays due and is collected later cumulatively.
    limit = (max(pay, Decimal(0)) * limit_percent / HUNDRED).quantize(PENNY, rounding=ROUND_DOWN)
    limited_by = Decimal("0.00")
    if tax > limit:
        limited_by = tax - limit
        tax = limit
    return TaxOutcome(tax=tax, tax_to_date=tax_paid_to_date + tax, taxable_to_date=taxable, limited_by=limited_by)
