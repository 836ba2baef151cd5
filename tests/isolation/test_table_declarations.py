"""Every table says what it is for tenancy, and on PostgreSQL has the policy and the grants it declares.

A new table with a `tenant_id` column and no declaration (or a declaration without its policy) fails here:
declare `__tenancy__` on the model and give the table its policy in the migration (docs/tenancy.md).
"""

import pytest
from flask import current_app
from sqlalchemy import text

from consortium.db import TenantOwned
from consortium.extensions import db
from consortium.rls import consortium_read_columns, consortium_reader_role, table_declarations
from tests.conftest import ON_POSTGRESQL

KINDS = ("tenant", "consortium", "platform", "audit")
# The policies each kind's migration helper makes (consortium.rls), which every role obeys.
POLICIES = {
    "tenant": {"tenant_isolation"},
    "consortium": {"consortium_rows"},
    "platform": {"platform_rows"},
    "audit": {"audit_visibility", "audit_append"},
}
# Tables that must never be granted to the consortium reader, whatever a later change declares.
NEVER_READ_BY_THE_CONSORTIUM = ("invoices", "invoice_lines", "invoice_payments", "customers",
                                "invoicing_settings", "invoice_number_counters", "webhook_subscriptions",
                                # payroll is the co-op's alone, line by line and person by person
                                "payroll_settings", "payroll_employees", "payroll_capital_schedules",
                                "payroll_runs", "payroll_payslips", "payroll_payslip_lines",
                                # a worker's own training records; the consortium sees the co-op's counts
                                "training_records", "training_roles", "training_requirements",
                                "training_role_holders")


def models():
    return table_declarations(db.metadata, db.Model.registry)


def tenant_id_tables(app) -> dict[str, type]:
    with app.app_context():
        return {name: model for name, model in models().items() if "tenant_id" in model.__table__.c}


def test_every_table_with_a_tenant_id_declares_what_it_is(app):
    for name, model in tenant_id_tables(app).items():
        assert model.__tenancy__ in KINDS, name
        assert (model.__tenancy__ == "tenant") == issubclass(model, TenantOwned), name
        if model.__tenancy__ == "platform":
            assert model.__platform_reason__, f"{name}: a platform table says why every request may see its rows"
        if model.__tenancy__ == "consortium" and name not in ("fund_entries", "fund_guarantees", "fund_bank_lines",
                                                              "outbox_messages", "outbox_attachments",
                                                              "tender_invitations",
                                                              "tender_bid_allocations", "tender_requirement_evidence",
                                                              "tender_contract_shares", "purchase_recharges"):
            pytest.fail(f"{name}: a new consortium table with a co-op reference; add it here once its policy is "
                        f"chosen (consortium.rls.enable_consortium_rls)")


def test_what_the_consortium_reads_is_declared_only_on_tenant_tables_and_names_real_columns(app):
    with app.app_context():
        for name, model in models().items():
            if not model.__consortium_read__:
                continue
            assert model.__tenancy__ == "tenant", name
            assert name not in NEVER_READ_BY_THE_CONSORTIUM, name
            columns = consortium_read_columns(model)
            assert columns is None or set(columns) <= set(model.__table__.c.keys()), name
        assert models()["members"].__consortium_read__ == ("tenant_id", "id", "category", "joined_on", "left_on")


postgres_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="row-level security is PostgreSQL's")


@postgres_only
def test_every_table_with_a_tenant_id_column_has_forced_rls_and_its_declared_policy(app):
    with app.app_context():
        declared = tenant_id_tables(app)
        tables = db.session.execute(text(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'tenant_id' ORDER BY 1")).scalars().all()
        assert set(tables) == set(declared), "a table with tenant_id outside the models, or a model not migrated"
        for table in tables:
            assert table in declared, f"{table} has a tenant_id but no model declares what it is"
            forced = db.session.execute(text("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class "
                                             "WHERE relname = :t"), {"t": table}).scalar()
            assert forced, f"{table}: row-level security is not forced"
            policies = set(db.session.execute(text(
                "SELECT policyname FROM pg_policies WHERE tablename = :t"), {"t": table}).scalars())
            expected = POLICIES[declared[table].__tenancy__]
            assert expected <= policies, f"{table}: {sorted(policies)} lacks {sorted(expected - policies)}"
            text_of = " ".join(db.session.execute(text(
                "SELECT coalesce(qual, '') || coalesce(with_check, '') FROM pg_policies WHERE tablename = :t"),
                {"t": table}).scalars())
            assert "all_tenants" not in text_of, f"{table}: a policy still opens on app.all_tenants"


@postgres_only
def test_the_consortium_reader_holds_exactly_the_declared_privileges(app):
    with app.app_context():
        reader = consortium_reader_role(current_app.config)
        for name, model in models().items():
            privilege = db.session.execute(text(
                "SELECT has_table_privilege(:r, :t, 'SELECT'), has_any_column_privilege(:r, :t, 'SELECT'), "
                "has_table_privilege(:r, :t, 'INSERT')"), {"r": reader, "t": name}).one()
            whole, some_columns, insert = privilege
            if model.__tenancy__ == "tenant":
                columns = consortium_read_columns(model) if model.__consortium_read__ else ()
                assert whole == (columns is None), name
                assert some_columns == (columns is None or bool(columns)), name
                assert not insert, name
                for column in model.__table__.c.keys():
                    granted = db.session.execute(text("SELECT has_column_privilege(:r, :t, :c, 'SELECT')"),
                                                 {"r": reader, "t": name, "c": column}).scalar()
                    assert granted == (columns is None or column in columns), f"{name}.{column}"
            else:
                assert whole and insert, name
        for name in NEVER_READ_BY_THE_CONSORTIUM:
            assert not db.session.execute(text("SELECT has_any_column_privilege(:r, :t, 'SELECT')"),
                                          {"r": reader, "t": name}).scalar(), name
