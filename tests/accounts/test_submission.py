"""Submitting accounts to the consortium, the consortium's review as the mutual fund calls it, and who may do what."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consortium.clock import local_today
from consortium.errors import Conflict, NotFound, ServiceError
from consortium.extensions import db
from consortium.tenancy import consortium_scope, tenant_scope
from tenants.accounts import service
from tenants.accounts.models import FIGURE_CODES, AccountsVersion
from tenants.accounts.parsing import SUMMARY_LINES
from tests.accounts.conftest import URL, post_accounts, saved_versions
from tests.accounts.helpers import FIGURES, LAST_YEAR, assembly_date, filled_xlsx, upload_version


def upload(client, headers, name="a.xlsx", **kwargs):
    response = post_accounts(client, headers, filled_xlsx(**kwargs), name)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def submit(client, headers, version_id, assembly_approved_on=None):
    day = assembly_approved_on or assembly_date(LAST_YEAR).isoformat()
    return client.post(f"{URL}/{version_id}/submit", headers=headers, json={"assembly_approved_on": day})


def test_stored_figure_columns_are_the_template_lines():
    assert FIGURE_CODES == tuple(line.code for line in SUMMARY_LINES if line.code != "financial_year")


def test_treasurer_submits_a_draft(client, treasurer):
    version_id = upload(client, treasurer)

    response = submit(client, treasurer, version_id)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted" and body["submitted_at"].endswith("+00:00")
    assert client.get(f"{URL}/{version_id}", headers=treasurer).get_json()["status"] == "submitted"


def test_submitting_twice_is_refused(client, treasurer):
    version_id = upload(client, treasurer)
    submit(client, treasurer, version_id)

    response = submit(client, treasurer, version_id)

    assert response.status_code == 409
    assert "only a draft can be submitted" in response.get_json()["detail"]


def test_only_one_version_of_a_year_is_with_the_consortium_at_a_time(client, treasurer):
    first = upload(client, treasurer)
    second = upload(client, treasurer, "b.xlsx")
    submit(client, treasurer, first)

    response = submit(client, treasurer, second)

    assert response.status_code == 409
    assert "Version 1 of" in response.get_json()["detail"] and "already submitted" in response.get_json()["detail"]
    assert client.get(f"{URL}/{second}", headers=treasurer).get_json()["status"] == "draft"


def test_returned_version_shows_the_comment_and_a_corrected_one_can_be_submitted(client, treasurer, review):
    first = upload(client, treasurer)
    submit(client, treasurer, first)

    review(first, "return", comment="Staff costs leave out the December payroll.")

    returned = client.get(f"{URL}/{first}", headers=treasurer).get_json()
    assert returned["status"] == "returned"
    assert returned["return_comment"] == "Staff costs leave out the December payroll."
    corrected = upload(client, treasurer, "corrected.xlsx")
    assert submit(client, treasurer, corrected).status_code == 200
    assert submit(client, treasurer, first).status_code == 409


def test_accepted_version_shows_the_date_and_the_year_takes_no_more_uploads(app, client, treasurer, accept):
    version_id = upload(client, treasurer)
    submit(client, treasurer, version_id)

    accept(version_id)

    body = client.get(f"{URL}/{version_id}", headers=treasurer).get_json()
    assert body["status"] == "accepted" and body["accepted_on"] == local_today().isoformat()
    assert post_accounts(client, treasurer, filled_xlsx(), "late.xlsx").status_code == 409
    assert saved_versions(app) == 1


def test_reopened_year_takes_a_corrected_version(client, treasurer, accept, review):
    version_id = upload(client, treasurer)
    submit(client, treasurer, version_id)
    accept(version_id)

    review(version_id, "reopen", reason="The auditors restated other costs.")

    body = client.get(f"{URL}/{version_id}", headers=treasurer).get_json()
    assert (body["status"], body["reopen_reason"]) == ("reopened", "The auditors restated other costs.")
    corrected = upload(client, treasurer, "restated.xlsx")
    assert submit(client, treasurer, corrected).status_code == 200


def test_viewer_reads_but_cannot_upload_or_submit(app, client, treasurer, viewer):
    version_id = upload(client, treasurer)

    assert post_accounts(client, viewer, filled_xlsx(), "a.xlsx").status_code == 403
    assert submit(client, viewer, version_id).status_code == 403
    assert client.get(URL, headers=viewer).status_code == 200
    assert client.get(f"{URL}/{version_id}", headers=viewer).get_json()["net_profit"] == "28500.50"
    assert client.get(f"{URL}/{version_id}/file", headers=viewer).status_code == 200
    assert saved_versions(app) == 1


def test_payroll_clerk_sees_no_accounts(client, factory, coop, treasurer):
    from tests.conftest import token_for

    factory.user("clerk@conti.test", {"role": "payroll_clerk", "tenant": coop.slug})
    clerk = token_for(client, "clerk@conti.test")

    assert client.get(URL, headers=clerk).status_code == 403


def test_unknown_version_is_not_found(client, treasurer):
    assert client.get(f"{URL}/999", headers=treasurer).status_code == 404
    assert submit(client, treasurer, 999).status_code == 404


# --------------------------------------------------------------------------- consortium-facing service


@pytest.fixture
def two_submissions(factory):
    """Co-ops A and B: A has a draft and a submitted version, B a submitted one."""
    a, b = factory.tenant("coop-a"), factory.tenant("coop-b")
    draft = upload_version(factory, a)
    submitted_a = upload_version(factory, a, submit=True)
    submitted_b = upload_version(factory, b, submit=True)
    return {"a": a, "b": b, "draft": draft, "submitted_a": submitted_a, "submitted_b": submitted_b}


def test_submissions_query_lists_sent_versions_across_coops_but_no_drafts(app, two_submissions):
    with app.app_context(), consortium_scope(db.session):
        rows = db.session.scalars(service.submissions_query()).all()
        by_year = db.session.scalars(service.submissions_query(year=LAST_YEAR, tenant_id=two_submissions["b"].id))

        assert {row.id for row in rows} == {two_submissions["submitted_a"], two_submissions["submitted_b"]}
        assert {row.tenant_id for row in rows} == {two_submissions["a"].id, two_submissions["b"].id}
        assert [row.id for row in by_year] == [two_submissions["submitted_b"]]
        assert rows[0].net_profit == Decimal("28500.50") and rows[0].year == LAST_YEAR


def test_get_submission_finds_any_coops_submission_but_not_a_draft(app, two_submissions):
    with app.app_context(), consortium_scope(db.session):
        assert service.get_submission(db.session, two_submissions["submitted_b"]).tenant_id == two_submissions["b"].id
        with pytest.raises(NotFound):
            service.get_submission(db.session, two_submissions["draft"])


def test_mark_accepted_writes_the_coops_row_from_the_consortium_scope(app, factory, two_submissions):
    officer = factory.user("officer@consortium.test", {"role": "consortium_admin"})
    with app.app_context(), consortium_scope(db.session):
        version = service.get_submission(db.session, two_submissions["submitted_a"])
        service.mark_accepted(db.session, version, accepted_by=officer, accepted_on=local_today())
        db.session.commit()
    with app.app_context(), tenant_scope(db.session, two_submissions["a"].id):
        stored = db.session.scalar(select(AccountsVersion).where(AccountsVersion.id == two_submissions["submitted_a"]))
        assert (stored.status, stored.accepted_by_id, stored.accepted_on) == ("accepted", officer, local_today())
        assert service.accepted_version(db.session, LAST_YEAR).id == stored.id


def test_review_functions_refuse_the_wrong_status_and_missing_text(app, factory, two_submissions):
    officer = factory.user("officer@consortium.test", {"role": "consortium_admin"})
    with app.app_context(), consortium_scope(db.session):
        version = service.get_submission(db.session, two_submissions["submitted_a"])
        with pytest.raises(Conflict):
            service.reopen(db.session, version, reason="why", by=officer)
        with pytest.raises(ServiceError) as blank:
            service.mark_returned(db.session, version, comment="  ", returned_by=officer)
        assert blank.value.errors == {"comment": ["is required"]}
        service.mark_accepted(db.session, version, accepted_by=officer, accepted_on=local_today())
        with pytest.raises(Conflict):
            service.mark_accepted(db.session, version, accepted_by=officer, accepted_on=local_today())
        with pytest.raises(Conflict):
            service.mark_returned(db.session, version, comment="late", returned_by=officer)
        with pytest.raises(ServiceError) as no_reason:
            service.reopen(db.session, version, reason="", by=officer)
        assert no_reason.value.errors == {"reason": ["is required"]}
        db.session.rollback()


def test_figures_come_back_as_decimals(app, factory, two_submissions):
    with app.app_context(), consortium_scope(db.session):
        version = service.get_submission(db.session, two_submissions["submitted_b"])
        assert version.figures == FIGURES
        assert all(isinstance(amount, Decimal) for amount in version.figures.values())


def test_database_keeps_one_live_version_per_year_even_if_two_requests_race(app, factory):
    tenant = factory.tenant("coop-a")
    first, second = upload_version(factory, tenant, submit=True), upload_version(factory, tenant)
    with app.app_context(), tenant_scope(db.session, tenant.id):
        racer = db.session.scalar(select(AccountsVersion).where(AccountsVersion.id == second))
        racer.status = "submitted"  # as if its request had checked before the first one committed
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert service.get_version(db.session, first).status == "submitted"
