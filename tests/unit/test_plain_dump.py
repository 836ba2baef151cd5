"""The precompiled dump (consortium.dumping) gives exactly marshmallow's data, value for value."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump
from sqlalchemy import select

from consortium.dumping import PlainDumpSchema
from consortium.extensions import db
from consortium.fields import BoundedInt, Computed, DecimalString, Money, UtcDateTime
from consortium.tenancy import tenant_scope
from shared_services.incubation.schemas import LineageSchema
from shared_services.mutual_fund.schemas import ContributionSchema
from tenants.invoicing.schemas import InvoiceSchema, InvoiceSummarySchema, LineSchema, VatGroupSchema
from tenants.members.schemas import MemberSchema
from tenants.members.service import LIST_COLUMNS, member_rows_query


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


def _member_rows(app, factory, *statements):
    """The rows each statement reads of one co-op's members (Ada, Bea, Cy), one result after the other."""
    tenant = factory.tenant("plain-rows")
    for name, shares in (("Ada", "1.50"), ("Bea", "0.00"), ("Cy", "12.345")):
        factory.member(tenant, name=name, email=f"{name.lower()}@example.test", shares_subscribed=Decimal(shares))
    with app.app_context(), tenant_scope(db.session, tenant.id):
        return [row for statement in statements for row in db.session.execute(statement).all()]


def test_rows_of_a_select_of_columns_dump_as_marshmallow_dumps_them(app, factory):
    """A list read as columns (the members and invoices lists) is dumped by column position: the same data."""
    rows = _member_rows(app, factory, member_rows_query())
    schema = MemberSchema(many=True)
    dumped = schema.dump(rows)
    assert dumped == marshmallow_dump(schema, rows, many=True)
    assert [(m["name"], m["shares_subscribed"]) for m in dumped] == [("Ada", "1.50"), ("Bea", "0.00"),
                                                                    ("Cy", "12.35")]


def test_rows_of_two_results_with_their_columns_in_another_order_are_read_by_name(app, factory):
    rows = _member_rows(app, factory, select(*LIST_COLUMNS), select(*reversed(LIST_COLUMNS)))
    schema = MemberSchema(many=True)
    assert schema.dump(rows) == marshmallow_dump(schema, rows, many=True)
    assert [m["email"] for m in schema.dump(rows)] == ["ada@example.test", "bea@example.test", "cy@example.test"] * 2


def test_a_field_that_is_not_a_column_of_the_rows_is_left_out_as_marshmallow_does(app, factory):
    class NameAndTags(PlainDumpSchema):
        name = fields.Str()
        tags = fields.List(fields.Raw())
        doubled = Computed(lambda row: row.id * 2)

    rows = _member_rows(app, factory, member_rows_query())
    dumped = NameAndTags(many=True).dump(rows)
    assert dumped == marshmallow_dump(NameAndTags(many=True), rows, many=True)
    assert [sorted(m) for m in dumped] == [["doubled", "name"]] * 3
