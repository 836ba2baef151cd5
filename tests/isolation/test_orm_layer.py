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
