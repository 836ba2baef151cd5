"""The precompiled dump (consortium.dumping) gives exactly marshmallow's data, value for value."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump

from consortium.dumping import PlainDumpSchema
from consortium.fields import BoundedInt, Computed, DecimalString, Money, UtcDateTime
from shared_services.incubation.schemas import LineageSchema
from shared_services.mutual_fund.schemas import ContributionSchema
from tenants.invoicing.schemas import InvoiceSchema, InvoiceSummarySchema, LineSchema, VatGroupSchema
from tenants.members.schemas import MemberSchema


class Sample(PlainDumpSchema):
    id = BoundedInt()
    name = fields.Str()
    email = fields.Email(allow_none=True)
    on = fields.Date()
    flag = fields.Bool()
    amount = Money()
    rate = DecimalString(places=4)
    price = DecimalString(places=6)
    doubled = Computed(lambda obj: obj.id * 2)
    tags = fields.List(fields.Raw())
    renamed = fields.Str(attribute="name", data_key="label", dump_only=True)


def marshmallow_dump(schema, obj, many=False):
    return Schema.dump(schema, obj, many=many)


@given(id=st.integers(-2**31, 2**31 - 1), name=st.none() | st.text(max_size=20),
       on=st.none() | st.dates() | st.datetimes(), flag=st.none() | st.booleans(),
       amount=st.none() | st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**9, max_value=10**9),
       rate=st.none() | st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**3, max_value=10**3),
       price=st.none() | st.integers(-10**6, 10**6) | st.decimals(allow_nan=False, allow_infinity=False,
                                                                  min_value=-10**6, max_value=10**6))
def test_every_value_dumps_as_marshmallow_dumps_it(id, name, on, flag, amount, rate, price):
    obj = SimpleNamespace(id=id, name=name, email=None, on=on, flag=flag, amount=amount, rate=rate, price=price,
                          tags=({"a": [1, None]}, "b") if flag else None)
    schema = Sample()
    assert schema.dump(obj) == marshmallow_dump(schema, obj)
    assert schema.dump([obj, obj], many=True) == marshmallow_dump(schema, [obj, obj], many=True)


def test_half_cents_round_as_marshmallow_rounds_them():
    obj = SimpleNamespace(id=1, name="x", email="a@example.test", on=date(2026, 12, 1), flag=True,
                          amount=Decimal("2.665"), rate=Decimal("0.03"), price=Decimal("33.3333335"))
    dumped = Sample().dump(obj)
    assert dumped == marshmallow_dump(Sample(), obj)
    assert dumped["amount"] == "2.66" and dumped["rate"] == "0.0300" and dumped["label"] == "x"


def test_a_missing_attribute_leaves_its_key_out_as_marshmallow_does():
    obj = SimpleNamespace(id=3, name="only a name")
    schema = Sample(exclude=("doubled",))
    assert schema.dump(obj) == marshmallow_dump(schema, obj) == {"id": 3, "name": "only a name",
                                                                 "label": "only a name"}


def test_a_mapping_and_dump_hooks_go_through_marshmallow():
    class Hooked(PlainDumpSchema):
        name = fields.Str()

        @post_dump
        def shout(self, data, **kwargs):
            return {"name": data["name"].upper()}

    assert Hooked().dump(SimpleNamespace(name="quiet")) == {"name": "QUIET"}
    assert Sample(only=("name",)).dump({"name": "from a dict"}) == {"name": "from a dict"}


def test_an_unknown_field_type_falls_back_to_marshmallow():
    class WithTimestamp(PlainDumpSchema):
        at = UtcDateTime()

    assert WithTimestamp()._plain_plan() is None


@pytest.mark.parametrize("schema", [InvoiceSummarySchema(many=True), InvoiceSchema(), LineSchema(),
                                    VatGroupSchema(), MemberSchema(many=True),
                                    ContributionSchema(many=True), LineageSchema()], ids=type)
def test_the_hot_schemas_take_the_precompiled_path(schema):
    """Adding a field these plans do not know would silently bring marshmallow's cost back to the hot lists."""
    assert schema._plain_plan() is not None
