"""Money as people read it: a Decimal amount in a currency, written for a locale (`money`).

Pages and PDFs share it; it needs babel only (consortium.documents, the PDF base, re-exports it), so a
page that prints an amount does not load reportlab (issue 16: a web worker's memory).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    is_currency,
)

if TYPE_CHECKING:
    from consortium.documents import Letterhead


def parse_locale(value: str, field_name: str) -> Locale:
    try:
        return Locale.parse(value)
    except (UnknownLocaleError, ValueError, TypeError) as error:
        raise ValueError(f"{field_name}: unknown locale {value!r}") from error


def check_currency(value: str, field_name: str) -> None:
    if not isinstance(value, str) or not is_currency(value):
        raise ValueError(f"{field_name}: unknown ISO 4217 currency code {value!r}")


def money(amount: Decimal, currency: str | Letterhead, locale: str | None = None) -> str:
    """Format a Decimal amount in the currency's minor unit (half-up), e.g. '£1,234.50' for en_GB."""
    if not isinstance(amount, Decimal):
        raise TypeError(
            f"money amount must be a Decimal, not {type(amount).__name__} ({amount!r}); "
            "floats cannot hold cents exactly"
        )
    if not amount.is_finite():
        raise ValueError(f"money amount must be a finite number, got {amount!r}")
    if not isinstance(currency, str):  # a consortium.documents.Letterhead
        locale = locale or currency.locale
        currency = currency.currency
    else:  # the currency is checked once per (currency, locale), by _money_writer
        if locale is None:
            raise ValueError("money locale: required when a currency code is given instead of a Letterhead")
    writer = _money_writer(currency, locale)
    # babel rounds half-even; the law and our house rule round half-up, so quantize first.
    rounded = amount.quantize(writer.exponent, rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)  # never print "-0.00"
    return writer.write(rounded)


@dataclass(frozen=True)
class _MoneyWriter:
    """Writes amounts of one currency in one locale as babel's format_currency does, without re-reading
    the locale's pattern for every amount (a payslip prints dozens; babel took ~0.2 ms each).

    Only for the common pattern (groups of three, the currency's own number of decimals); any other
    locale goes through babel itself. tests/unit/test_documents.py checks both agree.
    """

    currency: str
    locale: Locale
    exponent: Decimal
    digits: int
    fast: bool
    prefixes: tuple[str, str]
    suffixes: tuple[str, str]
    group: str
    decimal: str

    def write(self, rounded: Decimal) -> str:
        if not self.fast:
            return format_currency(rounded, self.currency, locale=self.locale)
        negative = rounded < 0
        digits = f"{abs(rounded):,.{self.digits}f}".translate({ord(","): "\0", ord("."): "\1"})
        digits = digits.replace("\0", self.group).replace("\1", self.decimal)
        return f"{self.prefixes[negative]}{digits}{self.suffixes[negative]}"


@cache
def _money_writer(currency: str, locale: str) -> _MoneyWriter:
    check_currency(currency, "money currency")
    parsed = parse_locale(locale, "money locale")
    digits = get_currency_precision(currency)
    pattern = parsed.currency_formats["standard"]
    symbol = get_currency_symbol(currency, locale=parsed)
    writer = _MoneyWriter(
        currency=currency, locale=parsed, exponent=Decimal(1).scaleb(-digits), digits=digits,
        fast=pattern.grouping == (3, 3) and "¤¤" not in "".join(pattern.prefix + pattern.suffix),
        prefixes=tuple(text.replace("¤", symbol) for text in pattern.prefix),
        suffixes=tuple(text.replace("¤", symbol) for text in pattern.suffix),
        group=get_group_symbol(parsed), decimal=get_decimal_symbol(parsed))
    # the short way only where it writes what babel writes (some locales group or sign money differently)
    probes = [Decimal(value).scaleb(-digits) for value in (0, 5, -5, 123456789, -123456789, 1000, -100000)]
    if writer.fast and any(writer.write(p) != format_currency(p, currency, locale=parsed) for p in probes):
        writer = replace(writer, fast=False)
    return writer
