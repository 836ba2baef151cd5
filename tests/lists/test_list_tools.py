"""List tools (consortium/lists.py) on the pages: search, sort and pages each change what is shown; bad
arguments are refused with 400 or ignored, never a 500."""

import re
from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import login, token_for
from tests.mutual_fund.conftest import fund  # noqa: F401 - the fixture


def names_in(html: str, table_id: str) -> list[str]:
    """The first cell's text of each row of the table `table_id`."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r"<tr>\s*<td>(.*?)</td>", body, re.S)
    return [re.sub(r"<[^>]+>", "", cell).split("  ")[0].strip() for cell in cells]


@pytest.fixture
def register(client, factory):
    tenant = factory.tenant("coop-a")
    factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"})
    for index, name in enumerate(["Carla", "Anna", "Bruno", "Dario", "Elena"]):
        factory.member(tenant, name=name, joined_on=date(2020, 1 + index, 1), voting_rights=1,
                       category="worker" if index % 2 else "volunteer")
    login(client, "t@example.test")
    return tenant


def test_members_sorted_by_name_by_default_and_by_any_column_on_request(client, register):
    html = client.get("/t/coop-a/members/").get_data(as_text=True)
    assert names_in(html, "members") == ["Anna", "Bruno", "Carla", "Dario", "Elena"]
    assert 'aria-sort="ascending"' in html
    html = client.get("/t/coop-a/members/?sort=joined&dir=desc").get_data(as_text=True)
    assert names_in(html, "members") == ["Elena", "Dario", "Bruno", "Anna", "Carla"]
    assert 'aria-sort="descending"' in html
    html = client.get("/t/coop-a/members/?sort=name&dir=desc").get_data(as_text=True)
    assert names_in(html, "members") == ["Elena", "Dario", "Carla", "Bruno", "Anna"]


def test_members_search_filter_and_date_range(client, register):
    html = client.get("/t/coop-a/members/?q=ARL").get_data(as_text=True)
    assert names_in(html, "members") == ["Carla"]
    html = client.get("/t/coop-a/members/?q=100%25").get_data(as_text=True)  # LIKE wildcards are literal
    assert names_in(html, "members") == [] and "No member matches." in html
    html = client.get("/t/coop-a/members/?category=worker").get_data(as_text=True)
    assert names_in(html, "members") == ["Anna", "Dario"]
    html = client.get("/t/coop-a/members/?from=2020-02-01&to=2020-03-31").get_data(as_text=True)
    assert names_in(html, "members") == ["Anna", "Bruno"]


def test_members_pages_and_totals(client, register):
    html = client.get("/t/coop-a/members/?per=2").get_data(as_text=True)
    assert names_in(html, "members") == ["Anna", "Bruno"]
    assert "1–2 of 5" in html and "page 1 of 3" in html and 'rel="next"' in html
    html = client.get("/t/coop-a/members/?per=2&page=3").get_data(as_text=True)
    assert names_in(html, "members") == ["Elena"]
    assert 'rel="prev"' in html and 'rel="next"' not in html
    # A page past the end shows the last one.
    assert names_in(client.get("/t/coop-a/members/?per=2&page=99").get_data(as_text=True), "members") == ["Elena"]
    # The next-page link keeps the search and sort.
    html = client.get("/t/coop-a/members/?per=1&sort=joined&q=a").get_data(as_text=True)
    link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "q=a" in link and "sort=joined" in link and "page=2" in link


def sort_by_form(page: str):
    """The Sort by form of a phone (macro `sortable`) on `page`, parsed."""
    from lxml import html

    forms = html.fromstring(page).xpath('//form[@class="sort-by"]')
    assert len(forms) == 1, f"{len(forms)} Sort by forms"
    return forms[0]


def test_a_phone_sorts_a_card_list_by_a_form_that_keeps_the_search_filters_and_page_size(client, register):
    page = client.get("/t/coop-a/members/?q=a&category=worker&per=10&page=2&sort=joined&dir=desc",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    form = sort_by_form(page)
    assert form.get("method") == "get" and form.get("action") == "/t/coop-a/members/"
    column, order = form.xpath(".//label/select")  # each select inside its label
    assert [label.text.strip() for label in form.xpath(".//label")] == ["Sort by", "Order"]
    assert [(o.get("value"), o.text) for o in column.xpath("option")] == [
        ("name", "Name"), ("category", "Category"), ("joined", "Joined"), ("left", "Left"),
        ("subscribed", "Subscribed"), ("paid", "Paid"), ("votes", "Votes")]  # the sortable headings, in order
    assert column.xpath("option[@selected]/@value") == ["joined"]
    assert order.xpath("option[@selected]/@value") == ["desc"]
    hidden = {i.get("name"): i.get("value") for i in form.xpath('.//input[@type="hidden"]')}
    assert hidden == {"q": "a", "category": "worker", "per": "10"}  # the page goes back to 1
    assert not form.xpath(".//*[@data-autosubmit]") and form.xpath(".//button")  # sorts on its button only
    # What the form sends when Name, descending is chosen: the list sorted so, still searched and filtered.
    sent = client.get("/t/coop-a/members/", query_string={**hidden, "sort": "name", "dir": "desc"})
    assert names_in(sent.get_data(as_text=True), "members") == ["Dario", "Anna"]
    assert "selected" in sort_by_form(sent.get_data(as_text=True)).xpath('.//option[@value="name"]')[0].attrib


def test_the_sort_by_form_speaks_italian(client, register):
    page = client.get("/t/coop-a/members/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    form = sort_by_form(page)
    assert [label.text.strip() for label in form.xpath(".//label")] == ["Ordina per", "Ordine"]
    assert form.xpath('.//select[@name="dir"]/option/text()') == ["crescente", "decrescente"]
    assert form.xpath(".//button/text()") == ["Ordina"]
    headings = form.getnext().xpath(".//thead//th/a[@class='sort']/text()")  # the Italian column headings
    assert form.xpath('.//select[@name="sort"]/option/text()') == headings and "Name" not in headings


@pytest.mark.parametrize("query", ["page=0", "page=x", "per=1000", "per=-1", "page=99999999999999999999",
                                   "from=yesterday", "to=2026-13-01", "category=emperor", "disadvantaged=maybe"])
def test_bad_list_arguments_are_refused_by_name(client, register, query):
    response = client.get(f"/t/coop-a/members/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["sort=password", "sort=name&dir=sideways", "q=" + "x" * 500, "category="])
def test_unknown_sorts_and_filter_values_are_ignored(client, register, query):
    response = client.get(f"/t/coop-a/members/?{query}")
    assert response.status_code == 200


# --- the remaining lists (issue 15): every list of the demo searched, sorted and paged the same way ----------------

DEMO_LISTS = {
    # (demo user, URL, table id, the sort key of the first column, a filter argument): the demo has 2+ rows of each;
    # the search looks for the last row's first cell, or for SEARCHES[name]
    "accounts review": ("staff@example.coop", "/consortium/accounts/", "submissions", "coop", "status"),
    "contributions": ("staff@example.coop", "/consortium/mutual-fund/contributions", "contributions", "coop",
                      "status"),
    "tender notices": ("staff@example.coop", "/consortium/tenders/", "notices", "title", "opened"),
    "incubation projects": ("staff@example.coop", "/incubation/projects", "projects", "name", "stage"),
    "mentor's projects": ("mentor@example.coop", "/incubation/", "projects", "name", "overdue"),
    "purchasing rounds": ("staff@example.coop", "/consortium/purchasing/", "rounds", "title", "status"),
    "accounts versions": ("treasurer@example.coop", "/t/girasole/accounts/", "versions", "year", "status"),
    "training records": ("treasurer@example.coop", "/t/girasole/training/records", "records", "worker", "validity"),
    "payroll employees": ("payroll.uk@example.coop", "/t/riverside-care/payroll/employees/", "employees", "name",
                          "employed"),
    "pay runs": ("payroll.uk@example.coop", "/t/riverside-care/payroll/", "runs", "pay_date", "state"),
    # the lists issue 15 found still without the tools
    "social reports": ("treasurer@example.coop", "/t/girasole/social-reports/", "social-reports", "year", "state"),
    "a co-op's past rounds": ("treasurer@example.coop", "/t/girasole/purchasing/", "past-rounds", "title", "status"),
    "pooled sessions": ("staff@example.coop", "/consortium/training/sessions", "sessions", "date", "state"),
    "runner obligations": ("staff@example.coop", "/incubation/obligations", "obligations", "coop", "status"),
}
SEARCHES = {"pay runs": "2026-27",  # runs are found by tax year (their first cell is the pay date)
            "pooled sessions": "antincendio"}  # sessions by their course (their first cell is the date)
NO_DATES = {"social reports"}  # one report a year: the year is the list's date


@pytest.mark.parametrize("name", sorted(DEMO_LISTS))
def test_every_sortable_list_offers_its_sortable_headings_in_a_sort_by_form(client, demo, name):
    from lxml import html

    from consortium.demo import DEMO_PASSWORD

    email, url, table_id, _first, _filter = DEMO_LISTS[name]
    login(client, email, DEMO_PASSWORD)
    page = client.get(url).get_data(as_text=True)
    table = html.fromstring(page).get_element_by_id(table_id)
    headings = [(re.search(r"sort=([^&]+)", a.get("href")).group(1), a.text.strip())
                for a in table.xpath(".//thead//th/a[@class='sort']")]
    form = sort_by_form(page)
    assert [(o.get("value"), o.text) for o in form.xpath('.//select[@name="sort"]/option')] == headings
    assert form.getnext().get("id") == table_id  # just before the table it sorts


def first_cells(html: str, table_id: str) -> list[str]:
    """The first cell of each row of the table `table_id`: its link's text, else its text before any tag."""
    body = html.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r"<tr>\s*<td>(.*?)</td>", body, re.S)
    link = re.compile(r"<a [^>]*>(.*?)</a>", re.S)
    return [(link.search(cell).group(1) if link.search(cell) else cell.split("<", 1)[0]).strip() for cell in cells]


def labelled_cells(page: str, table_id: str, label: str) -> list[str]:
    """The text of the cells labelled `label` (data-label, as a phone shows them) in table `table_id`'s body."""
    from lxml import html

    table = html.fromstring(page).get_element_by_id(table_id)
    return [cell.text_content().strip() for cell in table.xpath(".//tbody//td[@data-label=$label]", label=label)]


@pytest.fixture
def demo(app):
    from consortium.demo import load_demo
    from consortium.extensions import db

    with app.app_context():
        load_demo(db.session)
        db.session.commit()


@pytest.mark.parametrize("name", sorted(DEMO_LISTS))
def test_every_list_searches_sorts_and_pages(client, demo, name):
    from consortium.demo import DEMO_PASSWORD

    email, url, table, first_sort, filter_name = DEMO_LISTS[name]
    login(client, email, DEMO_PASSWORD)
    page = client.get(f"{url}?per=100")
    assert page.status_code == 200
    rows = first_cells(page.get_data(as_text=True), table)
    assert len(rows) >= 2, f"{name}: the demo should show at least two rows"

    up_html = client.get(f"{url}?sort={first_sort}&dir=asc&per=100").get_data(as_text=True)
    down_html = client.get(f"{url}?sort={first_sort}&dir=desc&per=100").get_data(as_text=True)
    up, down = first_cells(up_html, table), first_cells(down_html, table)
    assert sorted(up) == sorted(rows) and up != down
    assert list(reversed(down)) == up or len(set(up)) < len(up)  # rows with equal values may keep their order
    assert 'aria-sort="ascending"><a class="sort"' in up_html  # the sorted column says so
    assert 'aria-sort="descending"><a class="sort"' in down_html

    wanted = SEARCHES.get(name, rows[-1])
    found = first_cells(client.get(url, query_string={"q": wanted, "per": 100}).get_data(as_text=True), table)
    assert found and (wanted in found or name in SEARCHES) and len(found) <= len(rows)
    nothing = client.get(url, query_string={"q": "zz-no-such-thing-zz"}).get_data(as_text=True)
    assert first_cells(nothing, table) == [] and "matches." in nothing

    assert f"of {len(rows)}" in client.get(f"{url}?per=10").get_data(as_text=True)
    second = client.get(f"{url}?sort={first_sort}&dir=asc&per=1&page=2").get_data(as_text=True)
    assert first_cells(second, table) == [up[1]] and 'rel="prev"' in second
    assert f"2–2 of {len(rows)}" in second

    for bad in ("page=x", f"{filter_name}=no-such-value", "from=31/12/2025"):
        if bad.startswith("from=") and name in NO_DATES:
            continue
        refused = client.get(f"{url}?{bad}")
        assert refused.status_code == 400, bad
        assert bad.split("=")[0] in refused.get_data(as_text=True)


@pytest.mark.parametrize(("email", "theirs", "ours", "table", "their_row"), [
    # a co-op's list is its own: another co-op's page answers 404, and searching for one of its rows finds nothing
    ("treasurer.uk@example.coop", "/t/girasole/training/records", "/t/riverside-care/training/records", "records",
     "Beatrice Giordano"),
    ("treasurer.uk@example.coop", "/t/girasole/accounts/", "/t/riverside-care/accounts/", "versions", None),
    ("treasurer.uk@example.coop", "/t/girasole/tenders/", "/t/riverside-care/tenders/", "invited", None),
    ("payroll.uk@example.coop", "/t/girasole/payroll/employees/", "/t/green-futures/payroll/employees/",
     "employees", "Grace Okafor"),
    ("payroll.uk@example.coop", "/t/girasole/payroll/", "/t/green-futures/payroll/", "runs", None),
])
def test_a_coops_list_shows_none_of_another_coops_rows(client, demo, email, theirs, ours, table, their_row):
    from consortium.demo import DEMO_PASSWORD

    login(client, email, DEMO_PASSWORD)
    assert client.get(theirs).status_code == 404
    assert client.get(f"{theirs}?q=a&sort=name&per=10").status_code == 404
    own = client.get(ours)
    assert own.status_code == 200
    if their_row:
        searched = client.get(ours, query_string={"q": their_row}).get_data(as_text=True)
        assert their_row not in " ".join(first_cells(searched, table))


def test_training_records_of_another_uk_coop_stay_out_of_riversides_list(client, demo):
    """Riverside's worker's records are listed at Riverside only, not in the other UK co-op of the same treasurer."""
    from consortium.demo import DEMO_PASSWORD

    login(client, "treasurer.uk@example.coop", DEMO_PASSWORD)
    riverside = first_cells(client.get("/t/riverside-care/training/records?per=100").get_data(as_text=True),
                            "records")
    assert "Grace Okafor" in riverside
    other = client.get("/t/green-futures/training/records", query_string={"q": "Grace Okafor"})
    assert other.status_code == 200 and "Grace Okafor" not in " ".join(first_cells(other.get_data(as_text=True),
                                                                                      "records"))


# --- lists the demo holds one row of: made here ---------------------------------------------------------------------

def _fund_with_loans_and_guarantees(fund):  # noqa: F811
    from tests.mutual_fund.conftest import FUND, YEAR

    fund.accepted(Decimal("3000000.00"))  # a contribution of 90,000, paid: cash to lend
    paid = fund.client.post(f"{FUND}/payments", headers=fund.staff,
                            json={"reference": f"MF-{YEAR}-coop-a", "amount": "90000.00", "date": f"{YEAR + 1}-05-20"})
    assert paid.status_code == 201, paid.get_json()
    for tenant, principal, granted in (("coop-b", "1000.00", "2024-01-02"), ("coop-a", "3000.00", "2024-03-01"),
                                       ("coop-b", "2000.00", "2024-02-01")):
        loan = fund.client.post(f"{FUND}/loans", headers=fund.staff, json={
            "borrower_tenant": tenant, "principal": principal, "annual_rate": "6", "months": 12, "method": "annuity",
            "granted_on": granted, "first_due": granted[:8] + "28"})
        assert loan.status_code == 201, loan.get_json()
    for tenant, bank, expires in (("coop-a", "Banca Etica", "2030-12-31"), ("coop-b", "BPER Banca", "2031-06-30"),
                                  ("coop-b", "Emil Banca", "2024-12-31")):
        guarantee = fund.client.post(f"{FUND}/guarantees", headers=fund.staff, json={
            "tenant": tenant, "bank_name": bank, "amount": "5000.00", "issued_on": "2024-01-01", "expires_on": expires})
        assert guarantee.status_code == 201, guarantee.get_json()


def test_loans_list_searches_sorts_filters_and_pages(client, fund):  # noqa: F811
    _fund_with_loans_and_guarantees(fund)
    login(client, "staff@example.test")
    html = client.get("/consortium/mutual-fund/loans").get_data(as_text=True)
    assert first_cells(html, "loans") == ["Coop A Sociale", "Coop B Sociale", "Coop B Sociale"]  # newest first
    html = client.get("/consortium/mutual-fund/loans?sort=principal").get_data(as_text=True)
    assert re.findall(r'data-label="Principal">([^<]+)<', html) == ["€3,000.00", "€2,000.00", "€1,000.00"]
    assert len(first_cells(client.get("/consortium/mutual-fund/loans?q=coop+a").get_data(as_text=True),
                           "loans")) == 1
    assert first_cells(client.get("/consortium/mutual-fund/loans?from=2024-01-15&to=2024-02-15")
                       .get_data(as_text=True), "loans") == ["Coop B Sociale"]
    assert first_cells(client.get("/consortium/mutual-fund/loans?repaid=1").get_data(as_text=True), "loans") == []
    paged = client.get("/consortium/mutual-fund/loans?per=2&page=2").get_data(as_text=True)
    assert "3–3 of 3" in paged and len(first_cells(paged, "loans")) == 1
    assert client.get("/consortium/mutual-fund/loans?arrears=maybe").status_code == 400


def test_guarantees_list_searches_sorts_filters_and_pages(client, fund):  # noqa: F811
    _fund_with_loans_and_guarantees(fund)
    login(client, "staff@example.test")
    url = "/consortium/mutual-fund/guarantees"
    html = client.get(url).get_data(as_text=True)
    banks = re.findall(r'data-label="Bank">([^<]+)<', html)
    assert banks == ["Emil Banca", "Banca Etica", "BPER Banca"]  # soonest expiry first
    assert re.findall(r'data-label="Bank">([^<]+)<', client.get(f"{url}?sort=bank&dir=desc")
                      .get_data(as_text=True)) == ["Emil Banca", "BPER Banca", "Banca Etica"]
    live = client.get(f"{url}?live=1").get_data(as_text=True)
    assert "Emil Banca" not in live and "BPER Banca" in live  # the one expired in 2024 is not live
    assert re.findall(r'data-label="Bank">([^<]+)<', client.get(f"{url}?q=bper").get_data(as_text=True)) == [
        "BPER Banca"]
    assert "1–1 of 3" in client.get(f"{url}?per=1").get_data(as_text=True)
    assert client.get(f"{url}?to=soon").status_code == 400


def test_loans_and_guarantees_are_staff_lists(client, fund):  # noqa: F811
    login(client, "treasurer.a@example.test")
    assert client.get("/consortium/mutual-fund/loans").status_code == 403
    assert client.get("/consortium/mutual-fund/guarantees").status_code == 403


def test_contributions_overdue_filter_matches_the_badge(client, fund):  # noqa: F811
    fund.accepted(Decimal("12345.67"))  # due last year, never paid
    login(client, "staff@example.test")
    overdue = client.get("/consortium/mutual-fund/contributions?status=overdue").get_data(as_text=True)
    assert first_cells(overdue, "contributions") == ["Coop A Sociale"] and "badge fail" in overdue
    assert first_cells(client.get("/consortium/mutual-fund/contributions?status=paid").get_data(as_text=True),
                       "contributions") == []


def test_suppliers_list_searches_sorts_filters_and_pages(client, factory):
    from tests.purchasing.helpers import STAFF, make_world, post

    make_world(factory)
    staff = token_for(client, STAFF)
    for name, vat, category, terms in (("Sanitaria Emiliana srl", "IT04455660581", "care_consumables", 60),
                                       ("Pulito Bologna spa", "IT01122330010", "cleaning", 30),
                                       ("Alimenti Solidali srl", "IT02233440151", "food", 90)):
        post(client, staff, "/api/v1/consortium/purchasing/suppliers",
             {"name": name, "country": "it", "vat_number": vat, "category": category, "payment_terms_days": terms},
             201)
    login(client, STAFF)
    url = "/consortium/purchasing/suppliers"
    assert first_cells(client.get(url).get_data(as_text=True), "suppliers") == [
        "Alimenti Solidali srl", "Pulito Bologna spa", "Sanitaria Emiliana srl"]
    assert first_cells(client.get(f"{url}?sort=terms&dir=desc").get_data(as_text=True), "suppliers") == [
        "Alimenti Solidali srl", "Sanitaria Emiliana srl", "Pulito Bologna spa"]
    assert first_cells(client.get(f"{url}?category=cleaning").get_data(as_text=True), "suppliers") == [
        "Pulito Bologna spa"]
    assert first_cells(client.get(f"{url}?q=04455660581").get_data(as_text=True), "suppliers") == [
        "Sanitaria Emiliana srl"]
    assert "2–2 of 3" in client.get(f"{url}?per=1&page=2").get_data(as_text=True)
    assert client.get(f"{url}?category=weapons").status_code == 400


def test_jobs_page_names_each_job_in_the_readers_language(client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    login(client, "admin@example.test")
    english = client.get("/consortium/jobs").get_data(as_text=True)
    assert "<strong>Overdue invoice reminders</strong> <code>invoicing.overdue_reminders</code>" in english
    assert "Sends the emails and webhook deliveries that are due" in english
    italian = client.get("/consortium/jobs", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "<strong>Solleciti delle fatture scadute</strong>" in italian
    assert "Invia le email e le consegne webhook in scadenza" in italian
    assert "Remind treasurers" not in italian and "Send due emails" not in italian  # no docstring shows through


def test_ledger_list_by_movement_description_and_date(client, fund):  # noqa: F811
    _fund_with_loans_and_guarantees(fund)
    login(client, "staff@example.test")
    url = "/consortium/mutual-fund/ledger"
    loans_out = client.get(f"{url}?kind=loan_out").get_data(as_text=True)
    assert loans_out.count('data-label="Movement">loan paid out<') == 3
    assert 'data-label="Movement">contribution received<' not in loans_out
    dated = client.get(f"{url}?kind=loan_out&from=2024-02-01&to=2024-02-29").get_data(as_text=True)
    assert dated.count('data-label="Movement">loan paid out<') == 1
    oldest_first = client.get(f"{url}?sort=date&dir=asc&per=10").get_data(as_text=True)
    assert 'aria-sort="ascending"' in oldest_first
    # the contribution due, its payment and the three loans
    assert "1–5 of 5" in client.get(f"{url}?per=10").get_data(as_text=True)
    assert client.get(f"{url}?kind=theft").status_code == 400


def test_a_coops_contributions_are_its_own_and_filtered(client, fund):  # noqa: F811
    from tests.mutual_fund.conftest import YEAR

    fund.accepted(Decimal("12345.67"))  # coop A's, due last year, never paid
    login(client, "treasurer.b@example.test")
    assert f"MF-{YEAR}-coop-a" not in client.get("/t/coop-b/contributions/").get_data(as_text=True)
    assert client.get("/t/coop-a/contributions/").status_code == 404
    client.post("/logout")
    login(client, "treasurer.a@example.test")
    assert f"MF-{YEAR}-coop-a" in client.get("/t/coop-a/contributions/?status=overdue").get_data(as_text=True)
    assert f"MF-{YEAR}-coop-a" not in client.get("/t/coop-a/contributions/?status=paid").get_data(as_text=True)
    assert client.get("/t/coop-a/contributions/?year=1066").status_code == 400


def test_job_runs_list_by_job_status_coop_and_day(app, client, factory):
    from datetime import UTC, datetime

    from consortium.extensions import db
    from consortium.jobs import JobRun

    coop = factory.tenant("coop-a", name="Alpha Co-op")
    factory.tenant("coop-b", name="Beta Co-op")
    with app.app_context():
        for job, tenant, day, status, error in (
                ("invoicing.overdue_reminders", coop.id, 1, "ok", None),
                ("invoicing.overdue_reminders", coop.id, 2, "failed", "Traceback ...\nValueError: no SMTP host"),
                ("notifications.deliver_outbox", None, 3, "ok", None)):
            moment = datetime(2026, 3, day, 9, tzinfo=UTC)
            db.session.add(JobRun(job_id=job, tenant_id=tenant, started_at=moment, finished_at=moment, status=status,
                                  error=error))
        db.session.commit()
    factory.user("admin@example.test", {"role": "consortium_admin"})
    login(client, "admin@example.test")
    url = "/consortium/jobs/runs"
    html = client.get(url).get_data(as_text=True)
    assert first_cells(html, "job-runs") == ["3 Mar 2026 10:00", "2 Mar 2026 10:00", "1 Mar 2026 10:00"]  # Rome
    assert "Deliver emails and webhooks" in html and "Alpha Co-op" in html and "Beta Co-op" not in html
    failed = client.get(f"{url}?status=failed").get_data(as_text=True)
    assert first_cells(failed, "job-runs") == ["2 Mar 2026 10:00"] and "ValueError: no SMTP host" in failed
    assert len(first_cells(client.get(f"{url}?job=notifications.deliver_outbox").get_data(as_text=True),
                           "job-runs")) == 1
    assert first_cells(client.get(f"{url}?q=smtp").get_data(as_text=True), "job-runs") == ["2 Mar 2026 10:00"]
    assert first_cells(client.get(f"{url}?from=2026-03-02&to=2026-03-02").get_data(as_text=True),
                       "job-runs") == ["2 Mar 2026 10:00"]
    assert first_cells(client.get(f"{url}?sort=started&dir=asc&per=1&page=2").get_data(as_text=True),
                       "job-runs") == ["2 Mar 2026 10:00"]
    assert client.get(f"{url}?job=no.such.job").status_code == 400
    # the jobs page links each job's last run to its runs
    assert f'{url}?job=invoicing.overdue_reminders' in client.get("/consortium/jobs").get_data(as_text=True)
    client.post("/logout")
    factory.user("staff@example.test", {"role": "consortium_staff"})
    login(client, "staff@example.test")
    assert client.get(url).status_code == 403


def test_a_coops_accounts_years_are_its_own(client, fund):  # noqa: F811
    from tests.mutual_fund.conftest import YEAR

    fund.submit(fund.a, Decimal("1000.00"), YEAR)
    fund.submit(fund.b, Decimal("2000.00"), YEAR - 3)  # only coop B has accounts for this year
    login(client, "treasurer.a@example.test")
    page = client.get("/t/coop-a/accounts/").get_data(as_text=True)
    assert f'<option value="{YEAR}"' in page and f'<option value="{YEAR - 3}"' not in page
    assert first_cells(page, "versions") == [str(YEAR)]
    assert client.get(f"/t/coop-a/accounts/?year={YEAR - 3}").status_code == 400  # not one of coop A's years


def test_a_refused_guarantee_call_redisplays_the_page_of_the_list_it_was_made_on(client, fund):  # noqa: F811
    """Issue 20: the call form posts the list's state along, so a refusal shows the same page, search and sort,
    its links lead back to the list, and a call recorded returns to that page."""
    _fund_with_loans_and_guarantees(fund)
    login(client, "staff@example.test")
    url = "/consortium/mutual-fund/guarantees"
    shown = client.get(f"{url}?sort=bank&dir=asc&per=1&page=2").get_data(as_text=True)
    assert re.findall(r'data-label="Bank">([^<]+)<', shown) == ["BPER Banca"]
    action = re.search(r'action="([^"]+/calls[^"]*)"', shown).group(1).replace("&amp;", "&")
    assert "page=2" in action and "sort=bank" in action and "per=1" in action
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown)
    form = {"amount": "999999.00", "date": "2026-01-10", **({"csrf_token": token.group(1)} if token else {})}
    refused = client.post(action, data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert re.findall(r'data-label="Bank">([^<]+)<', html) == ["BPER Banca"]  # still page 2 of the bank order
    assert "2–2 of 3" in html and 'value="999999.00"' in html and 'aria-invalid="true"' in html
    prev = re.search(r'rel="prev" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert prev.startswith(url + "?") and "page=1" in prev and "sort=bank" in prev  # the list, not the form's URL
    assert 'action="/consortium/mutual-fund/guarantees"' in html  # the search form too
    recorded = client.post(action, data={**form, "amount": "100.00"})
    assert recorded.status_code == 302
    back = recorded.headers["Location"]
    assert back.startswith(url) and "page=2" in back and "sort=bank" in back


# --- tendering's contracts and imports: the demo has one contract and imports made in the same minute ------------

def _second_contract(app):
    """A contract on the demo's Bologna bid (lot 1), shared by Il Girasole (70%) and Fragola (30%)."""
    from datetime import date as day

    from sqlalchemy import select

    from consortium.extensions import db
    from consortium.models import Tenant
    from consortium.tenancy import consortium_scope
    from shared_services.tendering.models import BidLot, ContractShare, TenderBid, TenderContract, TenderNotice

    with app.app_context(), consortium_scope(db.session):  # the award writes co-ops' shares, as the service does
        taken = select(TenderContract.bid_lot_id)
        bid_lot = db.session.scalars(
            select(BidLot).join(TenderBid).join(TenderNotice, TenderNotice.id == TenderBid.notice_id)
            .where(TenderNotice.buyer_name.ilike("%bologna%"), BidLot.id.not_in(taken))
            .order_by(BidLot.position)).first()
        assert bid_lot is not None, "the demo's Bologna bid"
        bid = db.session.get(TenderBid, bid_lot.bid_id)
        tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
        contract = TenderContract(notice_id=bid.notice_id, bid_lot_id=bid_lot.id, title="Servizi educativi Bologna",
                                  value=Decimal("480000.00"), currency="EUR", awarded_on=day(2025, 3, 1),
                                  starts_on=day(2025, 4, 1), ends_on=day(2027, 3, 31))
        contract.shares = [ContractShare(tenant_id=tenants["girasole"].id, share_percent=Decimal("70"),
                                         value=Decimal("336000.00"), part="asili nido"),
                           ContractShare(tenant_id=tenants["fragola-lavoro"].id, share_percent=Decimal("30"),
                                         value=Decimal("144000.00"), part="pulizie")]
        db.session.add(contract)
        db.session.commit()


def test_contracts_won_are_searched_sorted_filtered_by_member_and_paged(app, client, demo):
    from consortium.demo import DEMO_PASSWORD

    _second_contract(app)
    login(client, "staff@example.coop", DEMO_PASSWORD)
    url = "/consortium/tenders/contracts"
    rows = first_cells(client.get(url).get_data(as_text=True), "contracts")
    assert len(rows) == 2 and rows[-1] == "Servizi educativi Bologna"  # latest award first: Leeds is 2026
    by_value = first_cells(client.get(f"{url}?sort=value&dir=asc").get_data(as_text=True), "contracts")
    assert by_value == list(reversed(first_cells(client.get(f"{url}?sort=value&dir=desc").get_data(as_text=True),
                                                 "contracts"))) and sorted(by_value) == sorted(rows)
    assert first_cells(client.get(f"{url}?member=girasole").get_data(as_text=True), "contracts") == [
        "Servizi educativi Bologna"]
    assert first_cells(client.get(f"{url}?q=BOLOGNA").get_data(as_text=True), "contracts") == [
        "Servizi educativi Bologna"]
    assert first_cells(client.get(f"{url}?from=2025-01-01&to=2025-12-31").get_data(as_text=True), "contracts") == [
        "Servizi educativi Bologna"]
    paged = client.get(f"{url}?per=1&page=2").get_data(as_text=True)
    assert "2–2 of 2" in paged and first_cells(paged, "contracts") == ["Servizi educativi Bologna"]
    assert "Il Girasole" in paged and "70%" in paged  # each member's share is in the row
    assert 'aria-sort="descending"' in client.get(url).get_data(as_text=True)
    for bad in ("member=nobody", "page=x", "to=March"):
        assert client.get(f"{url}?{bad}").status_code == 400, bad


def test_a_coops_contract_parts_are_its_own_searched_and_sorted(app, client, demo):
    from consortium.demo import DEMO_PASSWORD

    _second_contract(app)
    login(client, "treasurer@example.coop", DEMO_PASSWORD)
    url = "/t/girasole/tenders/contracts"
    html = client.get(url).get_data(as_text=True)
    assert first_cells(html, "contract-parts") == ["Servizi educativi Bologna"]
    assert "asili nido" in html and "pulizie" not in html  # Fragola's part stays Fragola's
    assert first_cells(client.get(f"{url}?q=nido").get_data(as_text=True), "contract-parts") == [
        "Servizi educativi Bologna"]
    nothing = client.get(f"{url}?q=leeds").get_data(as_text=True)
    assert first_cells(nothing, "contract-parts") == [] and "No contract matches." in nothing
    assert client.get(f"{url}?running=perhaps").status_code == 400
    fragola = client.get("/t/fragola-lavoro/tenders/contracts").get_data(as_text=True)
    assert "pulizie" in fragola and "asili nido" not in fragola


def test_imports_are_searched_sorted_filtered_and_paged(app, client, factory):
    from datetime import UTC, datetime

    from consortium.extensions import db
    from shared_services.tendering.models import TenderImport

    factory.user("staff@example.test", {"role": "consortium_staff"})
    with app.app_context():
        for day, origin, name, ok, error, new in ((1, "upload", "anac-2026-01.json", True, None, 4),
                                                  (2, "fetch", None, False, "HTTP 503 from the source", 0),
                                                  (3, "api", None, True, None, 9)):
            moment = datetime(2026, 3, day, 9, tzinfo=UTC)
            db.session.add(TenderImport(origin=origin, filename=name, started_at=moment, finished_at=moment,
                                        ok=ok, error=error, notices_new=new))
        db.session.commit()
    login(client, "staff@example.test")
    url = "/consortium/tenders/import"
    html = client.get(url).get_data(as_text=True)
    assert first_cells(html, "imports") == ["3 Mar 2026 10:00", "2 Mar 2026 10:00", "1 Mar 2026 10:00"]  # Rome
    assert first_cells(client.get(f"{url}?result=failed").get_data(as_text=True), "imports") == ["2 Mar 2026 10:00"]
    assert first_cells(client.get(f"{url}?origin=upload").get_data(as_text=True), "imports") == ["1 Mar 2026 10:00"]
    assert first_cells(client.get(f"{url}?q=503").get_data(as_text=True), "imports") == ["2 Mar 2026 10:00"]
    assert first_cells(client.get(f"{url}?sort=new_notices&dir=desc").get_data(as_text=True), "imports")[0] == (
        "3 Mar 2026 10:00")
    assert first_cells(client.get(f"{url}?from=2026-03-02&to=2026-03-02").get_data(as_text=True), "imports") == [
        "2 Mar 2026 10:00"]
    assert "3–3 of 3" in client.get(f"{url}?per=2&page=2").get_data(as_text=True)
    assert client.get(f"{url}?origin=carrier-pigeon").status_code == 400
    sources = client.get("/consortium/tenders/sources").get_data(as_text=True)
    assert "/consortium/tenders/import?origin=fetch" in sources  # the sources page links every fetch


def test_course_catalogue_is_searched_sorted_filtered_and_paged(client, factory):
    from tests.training.helpers import make_course

    factory.user("staff@example.test", {"role": "consortium_staff"})
    make_course(factory, code="ZZ-IT-G", title="Zeta formazione generale", country="it", topic="sicurezza_generale",
                validity_months=None)
    make_course(factory, code="ZZ-UK-MH", title="Zeta moving people", country="uk", validity_months=36)
    make_course(factory, code="ZZ-UK-SG", title="Zeta safeguarding", country="uk", topic="safeguarding_adults",
                validity_months=12)
    login(client, "staff@example.test")
    url = "/consortium/training/courses"

    def titles(query: str) -> list[str]:
        html = client.get(f"{url}?{query}").get_data(as_text=True)
        body = html.split('id="courses"', 1)[1].split("</tbody>", 1)[0]
        return re.findall(r'<a href="[^"]+/courses/\d+[^"]*"[^>]*>(Zeta[^<]*)</a>', body)

    assert titles("q=zeta") == ["Zeta formazione generale", "Zeta moving people", "Zeta safeguarding"]
    assert titles("q=zeta&sort=validity&dir=desc") == ["Zeta moving people", "Zeta safeguarding",
                                                       "Zeta formazione generale"]  # no expiry last
    assert titles("q=zeta&country=uk") == ["Zeta moving people", "Zeta safeguarding"]
    assert titles("q=zeta&topic=safeguarding_adults") == ["Zeta safeguarding"]
    assert titles("q=ZZ-IT") == ["Zeta formazione generale"]
    assert titles("q=zeta&per=1&page=3") == ["Zeta safeguarding"]
    assert client.get(f"{url}?country=fr").status_code == 400


def test_italian_terms_and_course_titles_on_english_pages_say_they_are_italian(client, demo):
    """WCAG 3.1.2 (issue 20): on the English pages the Italian words carry lang="it"; on the Italian pages, where
    they are plain Italian, nothing is marked."""
    from consortium.demo import DEMO_PASSWORD

    login(client, "treasurer@example.coop", DEMO_PASSWORD)
    english, italian = {"Accept-Language": "en"}, {"Accept-Language": "it"}
    reports = client.get("/t/girasole/social-reports/", headers=english).get_data(as_text=True)
    assert '(<i lang="it">bilancio sociale</i>)' in reports
    assert 'at the <span lang="it">Registro delle imprese</span>' in reports
    reports = client.get("/t/girasole/social-reports/", headers=italian).get_data(as_text=True)
    assert "redige il bilancio sociale nelle otto sezioni" in reports and 'lang="it">bilancio' not in reports

    records = client.get("/t/girasole/training/records?per=100", headers=english).get_data(as_text=True)
    marked = re.findall(r'data-label="Course"><span lang="it">([^<]+)</span>', records)
    assert marked and all(title == title.strip() for title in marked)  # Girasole's courses are Italian ones
    assert "Addetti primo soccorso" in " ".join(marked)
    record = re.search(r'href="(/t/girasole/training/records/\d+)"', records).group(1)
    assert re.search(r'<h1 lang="it">[^<]+</h1>', client.get(record, headers=english).get_data(as_text=True))
    matrix = client.get("/t/girasole/training/", headers=english).get_data(as_text=True)
    assert '<th class="course" lang="it">' in matrix
    for url in ("/t/girasole/training/records?per=100", record, "/t/girasole/training/"):
        page = client.get(url, headers=italian).get_data(as_text=True)
        assert 'lang="it">' not in page.split('<main id="main"', 1)[1], url  # Italian already


def test_the_page_size_changes_on_its_show_button_only(client, register):
    """WCAG 3.2.2: choosing a page size does not submit the list by itself; the Show button does, keeping the list."""
    from lxml import html

    page = client.get("/t/coop-a/members/?q=a&sort=name", headers={"Accept-Language": "en"}).get_data(as_text=True)
    form = html.fromstring(page).xpath('//form[@class="per-page"]')[0]
    assert not form.xpath(".//*[@data-autosubmit]") and not form.xpath(".//noscript")
    assert form.xpath(".//button/text()") == ["Show"]
    hidden = {i.get("name"): i.get("value") for i in form.xpath('.//input[@type="hidden"]')}
    assert hidden == {"q": "a", "sort": "name"}
