"""Amounts and quantities typed with decimal commas on Italian pages (the API stays locale-free)."""

from decimal import Decimal

import pytest
from marshmallow import Schema, fields

from consortium.fields import Money
from consortium.forms import load_form
from consortium.i18n import force_locale


class _Form(Schema):
    amount = Money(required=True)
    quantity = fields.Decimal(required=True)
    note = fields.Str()


@pytest.mark.parametrize("language, typed, amount, quantity", [
    ("it", {"amount": "1.234,56", "quantity": "12,5"}, Decimal("1234.56"), Decimal("12.5")),
    ("it", {"amount": "23,50", "quantity": "3"}, Decimal("23.50"), Decimal("3")),
    ("it", {"amount": "23.50", "quantity": "0.5"}, Decimal("23.50"), Decimal("0.5")),  # a number input's value
    ("en", {"amount": "1234.56", "quantity": "12.5"}, Decimal("1234.56"), Decimal("12.5")),
])
def test_a_form_reads_numbers_in_the_readers_language(app, language, typed, amount, quantity):
    with app.test_request_context(), force_locale(language):
        data, errors = load_form(_Form(), {**typed, "note": "1.234,56"})
    assert errors == {} and data["amount"] == amount and data["quantity"] == quantity
    assert data["note"] == "1.234,56"  # text stays text


@pytest.mark.parametrize("language, typed, field", [
    ("it", {"amount": "1.234", "quantity": "1"}, "amount"),  # thousands point or decimal point?
    ("it", {"amount": "1,2,3", "quantity": "1"}, "amount"),
    ("it", {"amount": "5", "quantity": "2.500"}, "quantity"),
    ("en", {"amount": "12,5", "quantity": "1"}, "amount"),  # English pages keep the point
])
def test_an_ambiguous_or_foreign_number_is_refused_naming_the_field(app, language, typed, field):
    with app.test_request_context(), force_locale(language):
        data, errors = load_form(_Form(), typed)
    assert data is None and list(errors) == [field]
