"""A co-op's rows get their ids on SQLite from the table itself (consortium.db.sqlite_ids): the same data loaded
on an emptied database gets the same ids again, as the demo's links and the browser tests rely on."""

from datetime import date

import pytest
from sqlalchemy import select

from consortium.extensions import db
from consortium.tenancy import tenant_scope
from tests.conftest import TEST_DATABASE, unrestricted

pytestmark = pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="PostgreSQL gives ids from IDENTITY columns")


def test_rows_of_one_flush_get_their_own_ids_and_a_rolled_back_id_is_given_again(app, factory):
    from tenants.members import service
    from tenants.members.models import Member

    coop = factory.tenant("coop-a")
    first = factory.member(coop, name="Ada")
    with app.app_context(), tenant_scope(db.session, coop.id):
        for name in ("Bea", "Cy"):
            service.add_member(db.session, {"name": name, "category": "worker", "joined_on": date(2020, 1, 1)})
        db.session.flush()
        assert sorted(db.session.scalars(select(Member.id))) == [first, first + 1, first + 2]
        db.session.rollback()
    assert factory.member(coop, name="Bea") == first + 1  # after the rollback, not first + 3


def test_the_demo_gets_the_same_ids_on_an_emptied_database(app):
    from consortium.demo import load_demo

    def load() -> list[tuple]:
        with app.app_context():
            load_demo(db.session)
            db.session.commit()
        with unrestricted(app) as connection:
            return connection.exec_driver_sql("SELECT tenant_id, id FROM payroll_runs ORDER BY 1, 2").all()

    first = load()
    with app.app_context(), db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.exec_driver_sql(f"DELETE FROM {table.name}")
    assert load() == first
