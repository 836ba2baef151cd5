"""Plain data an e-invoice exporter renders; the invoicing feature maps its rows into these.

Money and quantities are ``Decimal`` (never float). The invoicing feature rounds line and
VAT amounts; exporters only format them (money with 2 decimals, half-up).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    """Round an amount to cents, half-up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_text(value: Decimal, min_places: int = 2, max_places: int = 2) -> str:
    """Format a Decimal in plain notation keeping its own decimals, clamped to [min_places, max_places]."""
    places = min(max(-value.as_tuple().exponent, min_places), max_places)
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


def _require_decimals(instance: object, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(instance, name)
        if value is not None and not isinstance(value, Decimal):
            raise TypeError(
                f"{type(instance).__name__}.{name} must be a Decimal, got {type(value).__name__} {value!r}"
            )


@dataclass(kw_only=True)
class Party:
    """A seller or buyer (codice_destinatario, pec, is_public_body: buyer; regime_fiscale, iban: seller)."""

    name: str
    street: str | None = None
    city: str | None = None
    postcode: str | None = None
    country_code: str | None = None  # ISO 3166-1 alpha-2
    vat_number: str | None = None  # with or without the country prefix
    tax_code: str | None = None  # Italian codice fiscale
    registration_number: str | None = None  # company / society register number
    email: str | None = None
    peppol_id: str | None = None  # "scheme:identifier", e.g. "0088:5012345678900"; email is the fallback
    codice_destinatario: str | None = None  # SDI code: 6 chars public body, 7 private, "0000000" with PEC
    pec: str | None = None
    is_public_body: bool = False
    regime_fiscale: str = "RF01"
    iban: str | None = None


@dataclass(kw_only=True)
class EInvoiceLine:
    """One invoice line; net_amount = quantity x unit_price - discount_amount, already rounded."""

    line_id: str
    description: str
    quantity: Decimal
    unit_code: str  # UN/ECE Recommendation 20, e.g. "C62" one, "HUR" hour
    unit_price: Decimal
    net_amount: Decimal
    vat_category_code: str  # UNCL5305: S, Z, E, AE, K, G, O, ...
    vat_rate: Decimal  # percent, e.g. Decimal("20.00")
    discount_amount: Decimal = Decimal("0.00")
    natura: str | None = None  # FatturaPA nature of a zero-rated line, e.g. "N4"
    exemption_reason: str | None = None

    def __post_init__(self) -> None:
        _require_decimals(self, ("quantity", "unit_price", "net_amount", "vat_rate", "discount_amount"))


@dataclass(kw_only=True)
class VatBreakdown:
    """VAT totals for one category, rate and (for FatturaPA) natura."""

    category_code: str
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    natura: str | None = None
    exemption_reason: str | None = None

    def __post_init__(self) -> None:
        _require_decimals(self, ("rate", "taxable_amount", "tax_amount"))


@dataclass(kw_only=True)
class InvoiceReference:
    """The invoice a credit note corrects."""

    number: str
    issue_date: date


@dataclass(kw_only=True)
class EInvoice:
    """An issued invoice or credit note, with its totals as the invoicing feature computed them."""

    kind: Literal["invoice", "credit_note"]
    number: str
    issue_date: date
    currency: str  # ISO 4217
    seller: Party
    buyer: Party
    lines: list[EInvoiceLine] = field(default_factory=list)
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)
    line_extension_total: Decimal
    tax_exclusive_total: Decimal
    tax_total: Decimal
    tax_inclusive_total: Decimal
    payable_amount: Decimal
    prepaid_amount: Decimal = Decimal("0.00")
    due_date: date | None = None
    payment_terms: str | None = None
    buyer_reference: str | None = None  # Peppol BT-10; the invoice number stands in when missing
    order_reference: str | None = None
    billing_reference: InvoiceReference | None = None  # for a credit note: the invoice it corrects
    note: str | None = None
    # Scissione dei pagamenti (DPR 633/1972 art. 17-ter): the public body pays the VAT to the
    # Treasury itself, so payable_amount is the total net of VAT.
    split_payment: bool = False
    # Imposta di bollo paid virtually on this document (DPR 642/1972 Tariffa art. 13), if due.
    stamp_duty: Decimal | None = None

    def __post_init__(self) -> None:
        _require_decimals(
            self,
            (
                "line_extension_total",
                "tax_exclusive_total",
                "tax_total",
                "tax_inclusive_total",
                "payable_amount",
                "prepaid_amount",
                "stamp_duty",
            ),
        )

    @property
    def effective_buyer_reference(self) -> str:
        """Buyer reference to print: the one given, else the invoice number."""
        return self.buyer_reference or self.number


def summarise_vat(lines: list[EInvoiceLine]) -> list[VatBreakdown]:
    """Group line nets by VAT category, rate and natura; tax per group is rounded half-up to cents."""
    groups: dict[tuple, Decimal] = defaultdict(Decimal)
    reasons: dict[tuple, str | None] = {}
    for line in lines:
        key = (line.vat_category_code, line.vat_rate, line.natura)
        groups[key] += line.net_amount
        reasons.setdefault(key, line.exemption_reason)
    return [
        VatBreakdown(
            category_code=category,
            rate=rate,
            natura=natura,
            exemption_reason=reasons[(category, rate, natura)],
            taxable_amount=round_money(taxable),
            tax_amount=round_money(taxable * rate / 100),
        )
        for (category, rate, natura), taxable in groups.items()
    ]
