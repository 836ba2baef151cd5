"""The rounding rule, against hand-worked examples: per line, half-up to the cent; totals are sums of lines."""

from decimal import Decimal

import pytest

from tenants.invoicing.service import line_amounts, round_money

D = Decimal


@pytest.mark.parametrize(("quantity", "price", "discount", "rate", "net", "vat"), [
    # 3 x 33.333 = 99.999 -> 100.00; 20% of 100.00 = 20.00
    ("3", "33.333", "0", "20", "100.00", "20.00"),
    # 1 x 33.333 = 33.333 -> 33.33; 20% of 33.33 = 6.666 -> 6.67
    ("1", "33.333", "0", "20", "33.33", "6.67"),
    # half a cent rounds up, never to even: 0.125 -> 0.13 (banker's rounding would give 0.12)
    ("1", "0.125", "0", "0", "0.13", "0.00"),
    # 22% of 10.25 = 2.255 -> 2.26
    ("1", "10.25", "0", "22", "10.25", "2.26"),
    # 7.5 hours x 19.99 = 149.925 -> 149.93, less a 10.00 discount = 139.925 -> 139.93; 5% = 6.9965 -> 7.00
    ("7.5", "19.99", "10", "5", "139.93", "7.00"),
    # exempt and zero-rated lines carry no VAT
    ("12", "48.00", "0", "0", "576.00", "0.00"),
])
def test_each_line_rounds_half_up_to_the_cent(quantity, price, discount, rate, net, vat):
    assert line_amounts(D(quantity), D(price), D(discount), D(rate)) == (D(net), D(vat))


def test_totals_per_rate_are_the_sum_of_rounded_lines_not_a_rerounded_total():
    lines = [line_amounts(D("1"), D("33.333"), D("0"), D("20")) for _ in range(3)]
    assert sum(net for net, _ in lines) == D("99.99")
    # 3 x 6.67 = 20.01, where rounding the rate total (99.99 x 20% = 19.998) would give 20.00
    assert sum(vat for _, vat in lines) == D("20.01")


def test_round_money_is_half_up():
    assert round_money(D("2.345")) == D("2.35")
    assert round_money(D("-2.345")) == D("-2.35")
