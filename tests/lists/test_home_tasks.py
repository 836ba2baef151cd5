"""The homes say what to do next, and what they say comes from the data: each task's count changes with it."""

import re
from datetime import timedelta

from consortium.clock import local_today
from tests.conftest import login
from tests.incubation.conftest import MENTOR_ONE, STAFF, incubation  # noqa: F401 - the fixture
from tests.invoicing.helpers import make_customer, make_invoice
from tests.notifications.helpers import make_failed_consortium_email, make_failed_email


def task_count(html: str, label: str) -> int:
    """The count beside a task of the to-do list; 0 when the task is not listed (nothing waits)."""
    found = re.search(re.escape(label) + r'</a> <span class="count">(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def test_treasurer_home_counts_draft_and_overdue_invoices(client, factory):
    tenant = factory.tenant("coop-a")
    factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"})
    login(client, "t@example.test")
    assert task_count(client.get("/t/coop-a/").get_data(as_text=True), "Draft invoices to issue") == 0
    customer = make_customer(factory, tenant)
    make_invoice(factory, tenant, issue=False, customer_id=customer)
    make_invoice(factory, tenant, issue=False, customer_id=customer)
    long_ago = local_today() - timedelta(days=120)
    make_invoice(factory, tenant, customer_id=customer, on=long_ago)  # due 30 days after: overdue now
    make_invoice(factory, tenant, customer_id=customer, on=local_today())  # not yet due
    for page in ("/t/coop-a/", "/"):
        html = client.get(page).get_data(as_text=True)
        assert task_count(html, "Draft invoices to issue") == 2, page
        assert task_count(html, "Overdue invoices to chase") == 1, page
    # The overdue task's link opens the list filtered to those invoices.
    link = re.search(r'href="([^"]+)">Overdue invoices to chase', client.get("/").get_data(as_text=True)).group(1)
    listing = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert listing.count('class="badge overdue"') == 1


def test_treasurer_is_asked_for_last_years_accounts(client, factory):
    factory.tenant("coop-a")
    factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"})
    login(client, "t@example.test")
    year = local_today().year - 1
    assert task_count(client.get("/t/coop-a/").get_data(as_text=True), f"Accounts for {year} to submit") == 1


def test_admin_home_counts_the_consortiums_failed_deliveries_not_a_coops(client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    login(client, "admin@example.test")
    assert task_count(client.get("/").get_data(as_text=True), "Failed deliveries to look at") == 0
    make_failed_email(factory, factory.tenant("coop-a"))  # the co-op's own: its treasurer retries it
    assert task_count(client.get("/").get_data(as_text=True), "Failed deliveries to look at") == 0
    make_failed_consortium_email(factory)
    assert task_count(client.get("/").get_data(as_text=True), "Failed deliveries to look at") == 1


def test_mentor_and_staff_homes_count_overdue_milestones(client, incubation):  # noqa: F811
    late = (local_today() - timedelta(days=3)).isoformat()
    soon = (local_today() + timedelta(days=2)).isoformat()
    for project, due in ((incubation["one"], late), (incubation["one"], soon), (incubation["two"], late)):
        response = client.post(f"/api/v1/incubation/projects/{project}/milestones", headers=incubation["staff"],
                               json={"title": "Statute drafted", "due_on": due})
        assert response.status_code == 201, response.get_json()
    login(client, MENTOR_ONE)
    html = client.get("/").get_data(as_text=True)
    assert task_count(html, "Milestones overdue in your projects") == 1  # project two is not theirs
    assert task_count(html, "Milestones due this week") == 1
    client.post("/logout")
    login(client, STAFF)
    assert task_count(client.get("/").get_data(as_text=True), "Incubation projects with overdue milestones") == 2
