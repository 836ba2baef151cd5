"""A list's page and count statements are built once and shared by every co-op (issue 16): neither holds a
tenant, so each co-op pages only its own rows, by the ORM filter and, on PostgreSQL, by row-level security alone."""

import pytest
from flask_smorest.pagination import PaginationParameters

from consortium.api import SQLPage
from consortium.extensions import db
from consortium.tenancy import ORM_FILTER_KEY, tenant_scope
from tenants.members.service import member_rows_query
from tests.conftest import ON_POSTGRESQL


@pytest.mark.parametrize("orm_filter", [True, False], ids=["orm-filter", "rls-alone"])
def test_a_page_built_once_shows_each_coop_only_its_own_rows(app, factory, orm_filter):
    if not orm_filter and not ON_POSTGRESQL:
        pytest.skip("row-level security is PostgreSQL's")
    first, second = factory.tenant("page-one"), factory.tenant("page-two")
    factory.member(first, name="Ada of One")
    factory.member(second, name="Bea of Two")
    factory.member(second, name="Cy of Two")
    assert member_rows_query() is member_rows_query()  # the same statement for every request and co-op

    def page_of(tenant, number, size):
        with app.test_request_context(), tenant_scope(db.session, tenant.id):
            db.session.info[ORM_FILTER_KEY] = orm_filter
            page = SQLPage(member_rows_query(), PaginationParameters(number, size))
            seen = ([row.name for row in page.items], page.item_count)
            db.session.rollback()
            return seen

    assert page_of(first, 1, 50) == (["Ada of One"], 1)
    assert page_of(second, 1, 50) == (["Bea of Two", "Cy of Two"], 2)
    assert page_of(second, 2, 1) == (["Cy of Two"], 2)
    assert page_of(first, 1, 50) == (["Ada of One"], 1)
    assert page_of(first, 2, 1) == ([], 1)
