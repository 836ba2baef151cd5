"""List tools (consortium/lists.py) on a pay run's payslips: search, sort (with aria-sort), filters, pages, the
state in the URL, 400 on bad arguments, cards on a phone, Italian, and another co-op's run never shown."""

import re

import pytest

from tests.conftest import login
from tests.lists.test_list_tools import first_cells, labelled_cells
from tests.payroll.conftest import API, CLERK, SLUG, act, add_employee, open_run, pay_through, payslips
from tests.payroll.helpers import make_run

RUN_PAGE = f"/t/{SLUG}/payroll/runs"


@pytest.fixture
def may_run(client, clerk, second_clerk):
    """April paid for three employees; May opened for them and a new starter, Arjun's May with a £400 bonus.
    Bea's tax is on a month 1 basis, so her May is April's to the penny; Cara's cumulative tax moves by pennies
    of rounding. The run is returned uncalculated (every payslip 'to calculate')."""
    for name, salary, basis in (("Arjun Khan", "30000", "cumulative"), ("Bea Carter", "24000", "week1_month1"),
                                ("Cara Doyle", "36000", "cumulative")):
        add_employee(client, clerk, name=name, annual_salary=salary, tax_basis=basis)
    pay_through(client, clerk, second_clerk, "2026-04-30")
    add_employee(client, clerk, name="Dan Evans", annual_salary="18000", start_date="2026-05-01")
    run = open_run(client, clerk, "2026-05-29")
    arjun = next(s for s in payslips(client, clerk, run["id"]) if s["employee_name"] == "Arjun Khan")
    added = client.post(f"{API}/payslips/{arjun['id']}/lines", json={"kind": "bonus", "amount": "400"},
                        headers=clerk)
    assert added.status_code == 201, added.get_json()
    return run["id"]


def test_a_runs_payslips_are_searched_sorted_filtered_and_paged(client, clerk, may_run):
    login(client, CLERK)
    url = f"{RUN_PAGE}/{may_run}"
    draft = client.get(url).get_data(as_text=True)
    assert first_cells(draft, "review") == ["Arjun Khan", "Bea Carter", "Cara Doyle", "Dan Evans"]  # by name
    assert first_cells(client.get(f"{url}?calculated=0").get_data(as_text=True), "review") == [
        "Arjun Khan", "Bea Carter", "Cara Doyle", "Dan Evans"]
    act(client, clerk, may_run, "calculate")

    shown = client.get(url).get_data(as_text=True)
    assert 'aria-sort="ascending"><a class="sort"' in shown and "Run total (4 payslips)" in shown
    assert "No payslip matches." in client.get(f"{url}?calculated=0").get_data(as_text=True)
    by_net = client.get(f"{url}?sort=net_pay&dir=desc").get_data(as_text=True)
    assert first_cells(by_net, "review") == ["Cara Doyle", "Arjun Khan", "Bea Carter", "Dan Evans"]
    assert re.search(r'aria-sort="descending"><a class="sort" href="[^"]*sort=net_pay', by_net)
    assert first_cells(client.get(f"{url}?sort=net_pay&dir=asc").get_data(as_text=True), "review") == [
        "Dan Evans", "Bea Carter", "Arjun Khan", "Cara Doyle"]
    # against April: Arjun's bonus and Cara's rounding changed figures, Bea's are as they were, Dan had no April
    assert first_cells(client.get(f"{url}?changed=1").get_data(as_text=True), "review") == ["Arjun Khan",
                                                                                            "Cara Doyle"]
    assert first_cells(client.get(f"{url}?changed=0").get_data(as_text=True), "review") == ["Bea Carter"]
    assert first_cells(client.get(f"{url}?changed=new").get_data(as_text=True), "review") == ["Dan Evans"]
    assert first_cells(client.get(f"{url}?q=carter").get_data(as_text=True), "review") == ["Bea Carter"]
    assert "No payslip matches." in client.get(f"{url}?q=zz-nobody").get_data(as_text=True)

    second = client.get(f"{url}?sort=employee&dir=desc&per=10&page=1&changed=1").get_data(as_text=True)
    assert first_cells(second, "review") == ["Cara Doyle", "Arjun Khan"] and "1–2 of 2" in second
    # the state stays in the URL: the search form and the next page keep the sort
    paged = client.get(f"{url}?sort=net_pay&dir=desc&per=1").get_data(as_text=True)
    assert '<input type="hidden" name="sort" value="net_pay">' in paged
    following = re.search(r'rel="next" href="([^"]+)"', paged).group(1).replace("&amp;", "&")
    assert "sort=net_pay" in following and "dir=desc" in following and "page=2" in following
    assert first_cells(client.get(following).get_data(as_text=True), "review") == ["Arjun Khan"]
    # the run's totals stay the whole run's, whatever the page shows
    filtered = client.get(f"{url}?q=carter").get_data(as_text=True)
    assert "Run total (4 payslips)" in filtered


def test_a_runs_payslip_pages_and_bad_arguments(client, clerk, may_run):
    login(client, CLERK)
    url = f"{RUN_PAGE}/{may_run}"
    page_two = client.get(f"{url}?per=1&page=2").get_data(as_text=True)
    assert first_cells(page_two, "review") == ["Bea Carter"] and "2–2 of 4" in page_two
    assert 'rel="prev"' in page_two and 'rel="next"' in page_two
    assert first_cells(client.get(f"{url}?per=1&page=9").get_data(as_text=True), "review") == ["Dan Evans"]  # last
    for bad in ("changed=maybe", "calculated=yes", "page=x", "per=1000"):
        refused = client.get(f"{url}?{bad}")
        assert refused.status_code == 400, bad
        assert bad.split("=")[0] in refused.get_data(as_text=True)
    # an unknown sort falls back to the default, never a 500
    assert first_cells(client.get(f"{url}?sort=password").get_data(as_text=True), "review")[0] == "Arjun Khan"


def test_a_runs_payslips_are_cards_on_a_phone_and_read_in_italian(client, clerk, may_run):
    login(client, CLERK)
    act(client, clerk, may_run, "calculate")
    page = client.get(f"{RUN_PAGE}/{may_run}?sort=net_pay&dir=desc", headers={"Accept-Language": "it"})
    text = page.get_data(as_text=True)
    assert 'id="review" class="wide cards-narrow"' in text  # cards on a phone, its own scroll box on a desktop
    assert len(labelled_cells(text, "review", "Netto")) == 4  # every figure is labelled on its card
    assert "Cerca dipendente o codice fiscale HMRC" in text and "Rispetto al periodo precedente" in text
    assert "Totale dell'elaborazione (4 buste paga)" in text.replace("&#39;", "'")
    assert "cambiata rispetto al periodo precedente" in text and "da calcolare" in text


def test_another_coops_pay_run_is_not_found_with_or_without_list_arguments(client, factory, clerk, may_run):
    other = factory.tenant("coop-other", name="Other Co-op", address="1 High Street", city="York", postcode="YO1 7HH")
    their_run = make_run(factory, other, calculate=True)
    login(client, CLERK)
    for url in (f"{RUN_PAGE}/{their_run}", f"/t/coop-other/payroll/runs/{their_run}"):
        assert client.get(url).status_code == 404
        assert client.get(f"{url}?q=Employee&sort=net_pay&changed=1").status_code == 404
    ours = client.get(f"{RUN_PAGE}/{may_run}?q=Employee of coop-other").get_data(as_text=True)
    assert first_cells(ours, "review") == [] and "No payslip matches." in ours
