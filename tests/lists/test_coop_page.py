"""The staff page of one co-op: its registration and what it reports to the consortium, nothing else."""

from datetime import date

from tests.conftest import login


def test_staff_see_one_coop_with_its_reported_figures(client, factory):
    sponsor = factory.tenant("coop-a", name="Alpha Co-op", registration_number="A1")
    factory.tenant("coop-b", name="Beta Co-op", sponsor="coop-a")
    factory.member(sponsor, name="Private Person", category="worker", joined_on=date(2020, 1, 1))
    factory.member(sponsor, name="Another Person", category="volunteer", joined_on=date(2020, 1, 1))
    factory.user("staff@example.test", {"role": "consortium_staff"})
    login(client, "staff@example.test")
    listing = client.get("/consortium/tenants").get_data(as_text=True)
    assert 'href="/consortium/tenants/coop-a"' in listing  # the list links each co-op to its page
    page = client.get("/consortium/tenants/coop-a").get_data(as_text=True)
    assert "Alpha Co-op" in page and "A1" in page
    assert "2 members today" in page and "Worker: 1" in page and "Volunteer: 1" in page
    assert "Private Person" not in page  # the register's names stay the co-op's
    assert 'href="/consortium/tenants/coop-b"' in page  # its spin-out
    for section in ("coop-accounts", "coop-contributions", "coop-loans", "coop-training", "coop-tenders"):
        assert f'id="{section}"' in page
    assert "/consortium/fund/coops/coop-a/statement.pdf" in page or "statement.pdf" in page


def test_the_coop_page_is_for_consortium_roles_only(client, factory):
    factory.tenant("coop-a")
    factory.user("t@example.test", {"role": "treasurer", "tenant": "coop-a"})
    login(client, "t@example.test")
    assert client.get("/consortium/tenants/coop-a").status_code == 403
    factory.user("staff@example.test", {"role": "consortium_staff"})
    client.post("/logout")
    login(client, "staff@example.test")
    assert client.get("/consortium/tenants/no-such-coop").status_code == 404
