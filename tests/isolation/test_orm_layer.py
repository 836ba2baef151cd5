"""Isolation layer 1 on its own: the ORM filter and the flush guard (any database)."""

import pytest
from sqlalchemy import select, update

from consortium.extensions import db
from consortium.tenancy import CrossTenantWrite, consortium_scope, set_tenant, tenant_scope
from tenants.members.models import Member


def test_every_select_sees_only_the_current_tenant(app, two_coops):
    with app.app_context():
        set_tenant(db.session, two_coops["a"].id)
        names = db.session.scalars(select(Member.name)).all()
        assert names == ["Alice of A"]
        assert db.session.scalar(select(Member).where(Member.id == two_coops["member_b"])) is None


# Built once, as the hot paths' prebuilt statements are: the filter keeps one filtered copy of it for every tenant.
_ALL_MEMBER_NAMES = select(Member.name)


def test_a_statement_built_once_shows_each_tenant_only_its_own_rows(app, two_coops):
    """The filtered copy kept per prebuilt statement holds no tenant: run under A, then B, then none, each run
    sees only its own co-op's rows (the ORM layer alone on SQLite)."""
    with app.app_context():
        set_tenant(db.session, two_coops["a"].id)
        assert db.session.scalars(_ALL_MEMBER_NAMES).all() == ["Alice of A"]
        set_tenant(db.session, two_coops["b"].id)
        assert db.session.scalars(_ALL_MEMBER_NAMES).all() == ["Bob of B"]
        set_tenant(db.session, None)
        assert db.session.scalars(_ALL_MEMBER_NAMES).all() == []


def test_no_tenant_in_scope_sees_nothing(app, two_coops):
    with app.app_context():
        assert db.session.scalars(select(Member)).all() == []


def test_cross_tenant_read_must_be_explicit(app, two_coops):
    # Only what co-ops report to the consortium is read across them (here the member counts' columns).
    with app.app_context(), consortium_scope(db.session):
        assert db.session.scalars(select(Member.joined_on)).all() == []
        everyone = db.session.scalars(select(Member.tenant_id).execution_options(all_tenants=True)).all()
        assert sorted(everyone) == sorted([two_coops["a"].id, two_coops["b"].id])


def test_flush_refuses_a_row_of_another_tenant(app, two_coops):
    from datetime import date

    with app.app_context():
        set_tenant(db.session, two_coops["a"].id)
        db.session.add(Member(tenant_id=two_coops["b"].id, name="Intruder", category="worker",
                              joined_on=date(2021, 1, 1)))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
        with tenant_scope(db.session, two_coops["b"].id):
            assert db.session.scalars(select(Member.name)).all() == ["Bob of B"]


def test_changing_a_loaded_row_while_scoped_elsewhere_is_refused(app, two_coops):
    with app.app_context():
        set_tenant(db.session, two_coops["b"].id)
        bob = db.session.scalar(select(Member))
        set_tenant(db.session, two_coops["a"].id)
        bob.name = "Renamed from A"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()


def test_bulk_update_is_filtered_too(app, two_coops):
    with app.app_context():
        set_tenant(db.session, two_coops["a"].id)
        db.session.execute(update(Member).values(voting_rights=7))
        db.session.commit()
        with tenant_scope(db.session, two_coops["b"].id):
            assert db.session.scalar(select(Member.voting_rights)) == 1


def test_the_only_statement_the_orm_filter_skips_reads_no_tenant_owned_table():
    """The API principal's statement says it reads no tenant-owned table (the ORM filter skips it, issue 16):
    true of every table it reads, so a co-op's row could never come through it unfiltered."""
    from sqlalchemy.sql.visitors import iterate

    from consortium.auth import _PRINCIPAL_QUERY
    from consortium.db import TenantOwned
    from consortium.tenancy import NO_TENANT_TABLES

    assert _PRINCIPAL_QUERY.get_execution_options()[NO_TENANT_TABLES] is True
    tenant_owned = {mapper.local_table.name for mapper in db.Model.registry.mappers
                    if issubclass(mapper.class_, TenantOwned)}
    read = {element.name for element in iterate(_PRINCIPAL_QUERY) if element.__visit_name__ == "table"}
    assert read == {"api_tokens", "users", "role_assignments", "tenants"}
    assert not read & tenant_owned and "members" in tenant_owned
