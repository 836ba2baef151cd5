"""The treasurer's "Annual accounts" pages: templates, upload with preview or error list, history, submit."""

import io
import random
import re

from sqlalchemy import event, select

from consortium.extensions import db
from consortium.models import User
from consortium.tenancy import tenant_scope
from tenants.accounts import service
from tenants.accounts.demo import load_demo_accounts
from tests.accounts.conftest import SLUG, TREASURER, VIEWER, saved_versions
from tests.accounts.helpers import LAST_YEAR, assembly_date, filled_xlsx
from tests.conftest import login

PAGE = f"/t/{SLUG}/accounts/"


def upload_page(client, data, filename, year=LAST_YEAR):
    return client.post(PAGE, data={"year": str(year), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_page_offers_templates_and_upload_form_and_nav_link(client, coop):
    login(client, TREASURER)

    page = client.get(PAGE).get_data(as_text=True)

    assert "Download the template (XLSX)" in page and "Download the template (CSV)" in page
    assert 'type="file" name="file"' in page
    assert re.search(f'<a href="{PAGE}"[^>]*>Annual accounts</a>', page)  # the nav link
    template = client.get(f"/t/{SLUG}/accounts/template.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    assert f"annual-accounts-{LAST_YEAR}.xlsx" in template.headers["Content-Disposition"]


def test_good_upload_leads_to_the_preview_and_submit(client, coop):
    login(client, TREASURER)

    response = upload_page(client, filled_xlsx(), "accounts.xlsx")

    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "£28,500.50" in preview and "Net profit (computed)" in preview
    assert "Turnover: public contracts" in preview and "£100,000.00" in preview
    assert "Submit to the consortium" in preview
    submit_url = re.search(r'action="([^"]+/submit)"', preview).group(1)
    assert 'name="assembly_approved_on"' in preview
    after = client.post(submit_url, data={"assembly_approved_on": assembly_date(LAST_YEAR).isoformat()},
                        follow_redirects=True).get_data(as_text=True)
    assert "submitted to the consortium" in after
    assert 'id="status">submitted' in after and "Submit to the consortium</button>" not in after


def test_bad_upload_lists_errors_by_sheet_row_and_column_and_saves_nothing(app, client, coop):
    login(client, TREASURER)

    response = upload_page(client, filled_xlsx(amounts={"staff_costs": "=B7", "share_capital": -5}), "a.xlsx")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    table = page[page.index('id="upload-errors"'):]
    assert re.search(r"<td>Summary</td><td class=\"num\">7</td>\s*<td>amount</td><td>staff_costs: formulas are not "
                     r"evaluated; enter the value</td>", table)
    assert "share capital cannot be negative" in table
    assert "Nothing was saved" in page
    assert saved_versions(app) == 0


def test_upload_without_a_file_or_for_this_year_names_the_field(app, client, coop):
    login(client, TREASURER)

    no_file = client.post(PAGE, data={"year": str(LAST_YEAR)}, content_type="multipart/form-data")
    this_year = upload_page(client, filled_xlsx(), "a.xlsx", year=LAST_YEAR + 1)

    assert no_file.status_code == 422 and "choose the filled template" in no_file.get_data(as_text=True)
    assert this_year.status_code == 422
    # The message follows the year field and is tied to it for screen readers.
    assert re.search(r'name="year"[^>]*aria-invalid="true" aria-describedby="f-year-error">\s*'
                     r'<span class="errors" id="f-year-error">[^<]*is not over yet', this_year.get_data(as_text=True))
    assert saved_versions(app) == 0


def test_history_shows_versions_by_year_with_the_consortiums_comment(client, coop, review):
    login(client, TREASURER)
    upload_page(client, filled_xlsx(), "first.xlsx")
    second = upload_page(client, filled_xlsx(), "second.xlsx").headers["Location"]
    version_id = int(second.rstrip("/").rsplit("/", 1)[1])
    client.post(f"{second}/submit", data={"assembly_approved_on": assembly_date(LAST_YEAR).isoformat()})
    review(version_id, "return", comment="Please attach the trial balance.")

    page = client.get(PAGE).get_data(as_text=True)

    history = page[page.index('id="versions"'):]
    assert history.index("second.xlsx") < history.index("first.xlsx")
    assert "returned" in history and "Please attach the trial balance." in history
    detail = client.get(second).get_data(as_text=True)
    assert "Returned by the consortium:" in detail and "Please attach the trial balance." in detail


def test_viewer_sees_history_but_no_upload_form_and_cannot_post(app, client, coop, factory):
    login(client, VIEWER)

    page = client.get(PAGE).get_data(as_text=True)

    assert "Versions uploaded" in page and 'type="file"' not in page
    assert upload_page(client, filled_xlsx(), "a.xlsx").status_code == 403
    assert saved_versions(app) == 0


def test_demo_loader_uploads_and_submits_last_years_accounts(app, factory):
    girasole = factory.tenant("girasole", country="it", legal_form="social_coop_a")
    riverside = factory.tenant("riverside-care")
    factory.user("t@demo.test", {"role": "treasurer", "tenant": "girasole"})
    factory.user("uk@demo.test", {"role": "treasurer", "tenant": "riverside-care"})
    with app.app_context():
        users = {"treasurer": db.session.scalar(select(User).where(User.email == "t@demo.test")),
                 "uk_treasurer": db.session.scalar(select(User).where(User.email == "uk@demo.test"))}
        tenants = {"girasole": db.session.merge(girasole), "riverside-care": db.session.merge(riverside)}
        load_demo_accounts(db.session, tenants, users, random.Random(381))
        db.session.commit()
        for tenant in tenants.values():
            with tenant_scope(db.session, tenant.id):
                [version] = service.list_versions(db.session, LAST_YEAR)
                assert version.status == "submitted"
                figures = version.figures
                computed = (version.total_turnover - figures["staff_costs"] - figures["other_costs"]
                            - figures["tax"])
                assert version.net_profit == computed and version.net_profit > 0


def test_lists_of_versions_leave_the_stored_files_unread_and_the_download_returns_the_file(app, client, treasurer):
    login(client, TREASURER)
    uploaded = filled_xlsx()
    detail = upload_page(client, uploaded, "accounts.xlsx").headers["Location"]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = client.get(PAGE).get_data(as_text=True)
        api_list = client.get(f"/api/v1/t/{SLUG}/accounts", headers=treasurer).get_json()
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)

    assert "accounts.xlsx" in page and len(api_list) == 1
    # the rows fetched, not the page count (whose subquery names every column but returns none) nor the years
    # the list's filter offers
    reads = [sql for sql in statements if "accounts_versions" in sql and "count(*)" not in sql
             and "DISTINCT" not in sql]
    assert len(reads) == 2 and not any("file_data" in sql for sql in reads), reads
    assert client.get(f"{detail}/file").data == uploaded
