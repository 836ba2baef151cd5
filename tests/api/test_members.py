"""The members register: entries, bad input, the summary by category and the compliance check."""

from datetime import date

import pytest

from tests.conftest import token_for


@pytest.fixture
def type_b(client, factory):
    tenant = factory.tenant("lavoro", country="it", legal_form="social_coop_b")
    factory.user("t@example.test", {"role": "treasurer", "tenant": "lavoro"})
    return tenant, token_for(client, "t@example.test")


GOOD = {"name": "Giulia Rossi", "category": "worker", "joined_on": "2020-02-01",
        "shares_subscribed": "250.00", "shares_paid": "100.00"}


@pytest.mark.parametrize(("change", "field"), [
    ({"shares_paid": "300.00"}, "shares_paid"),
    ({"left_on": "2019-01-01"}, "left_on"),
    ({"category": "volunteer", "disadvantaged": True}, "disadvantaged"),
    ({"shares_subscribed": "-5"}, "shares_subscribed"),
    ({"voting_rights": "many"}, "voting_rights"),
    ({"joined_on": None}, "joined_on"),
])
def test_bad_member_input_names_the_field_and_saves_nothing(client, type_b, change, field):
    _, headers = type_b
    response = client.post("/api/v1/t/lavoro/members", headers=headers, json={**GOOD, **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert client.get("/api/v1/t/lavoro/members", headers=headers).get_json() == []


def test_patch_checks_the_whole_entry(client, type_b):
    _, headers = type_b
    member = client.post("/api/v1/t/lavoro/members", headers=headers, json=GOOD).get_json()
    response = client.patch(f"/api/v1/t/lavoro/members/{member['id']}", headers=headers,
                            json={"shares_paid": "251.00"})
    assert response.status_code == 422 and "shares_paid" in response.get_json()["errors"]
    response = client.patch(f"/api/v1/t/lavoro/members/{member['id']}", headers=headers, json={"left_on": "2024-06-30"})
    assert response.status_code == 200 and response.get_json()["left_on"] == "2024-06-30"
    assert client.get(f"/api/v1/t/lavoro/members/{member['id']}", headers=headers).get_json()["shares_paid"] == "100.00"


def test_delete_removes_an_entry(client, type_b):
    _, headers = type_b
    member = client.post("/api/v1/t/lavoro/members", headers=headers, json=GOOD).get_json()
    assert client.delete(f"/api/v1/t/lavoro/members/{member['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/t/lavoro/members/{member['id']}", headers=headers).status_code == 404


def test_summary_counts_voting_shares_and_type_b_compliance(client, factory, type_b):
    tenant, headers = type_b
    for index in range(7):
        factory.member(tenant, name=f"Worker {index}", category="worker", disadvantaged=index < 2)
    factory.member(tenant, name="Volunteer", category="volunteer", voting_rights=2)
    factory.member(tenant, name="Former", category="worker", disadvantaged=True, left_on=date(2021, 1, 1))
    summary = client.get("/api/v1/t/lavoro/members/summary", headers=headers).get_json()
    assert summary["total_members"] == 8
    assert summary["workers"] == 7 and summary["disadvantaged_workers"] == 2
    by_category = {c["category"]: c for c in summary["categories"]}
    assert by_category["worker"]["members"] == 7
    assert by_category["volunteer"]["voting_share_percent"] == "22.2"  # 2 of 9 votes
    rules = {r["rule_code"]: r for r in summary["compliance"]}
    disadvantaged = rules["it.type_b_disadvantaged_at_least_30_percent"]
    assert disadvantaged["status"] == "fail" and "2" in disadvantaged["detail"] and "7" in disadvantaged["detail"]
    assert rules["it.volunteers_at_most_half"]["status"] == "pass"
    factory.member(tenant, name="Worker 8", category="worker", disadvantaged=True)
    summary = client.get("/api/v1/t/lavoro/members/summary", headers=headers).get_json()
    rules = {r["rule_code"]: r["status"] for r in summary["compliance"]}
    assert rules["it.type_b_disadvantaged_at_least_30_percent"] == "pass"  # 3 of 8 = 37.5%


def test_list_filters_current_members_and_category(client, factory, type_b):
    tenant, headers = type_b
    factory.member(tenant, name="Still here", category="worker")
    factory.member(tenant, name="Gone", category="worker", left_on=date(2021, 1, 1))
    factory.member(tenant, name="Helper", category="volunteer")
    current = client.get("/api/v1/t/lavoro/members?current=true", headers=headers).get_json()
    assert [m["name"] for m in current] == ["Helper", "Still here"]
    volunteers = client.get("/api/v1/t/lavoro/members?category=volunteer", headers=headers).get_json()
    assert [m["name"] for m in volunteers] == ["Helper"]


def test_register_page_shows_summary_and_compliance(client, factory, type_b):
    from tests.conftest import login

    tenant, _ = type_b
    factory.member(tenant, name="Giulia Rossi", category="worker", disadvantaged=True)
    login(client, "t@example.test")
    page = client.get("/t/lavoro/members/").get_data(as_text=True)
    assert "Giulia Rossi" in page and "disadvantaged" in page
    assert "Type B" in page or "30%" in page
    response = client.post("/t/lavoro/members/new", data={"name": "Marco", "category": "worker",
                                                          "joined_on": "2021-01-01", "shares_subscribed": "50",
                                                          "shares_paid": "80"})
    assert "must not exceed the share capital subscribed" in response.get_data(as_text=True)
    response = client.post("/t/lavoro/members/new", data={"name": "Marco", "category": "worker",
                                                          "joined_on": "2021-01-01", "shares_subscribed": "50",
                                                          "shares_paid": "50"})
    assert response.status_code == 302
    assert "Marco" in client.get("/t/lavoro/members/").get_data(as_text=True)


def test_coop_home_summarises_the_compliance_check_and_links_to_it(client, factory, type_b):
    from tests.conftest import login

    tenant, _ = type_b
    for index in range(4):
        factory.member(tenant, name=f"Worker {index}", category="worker", disadvantaged=index == 0)
    factory.user("viewer@example.test", {"role": "viewer", "tenant": "lavoro"})
    login(client, "viewer@example.test")
    page = client.get("/t/lavoro/").get_data(as_text=True)
    summary = page[page.index('id="compliance-summary"'):]
    assert "1 pass" in summary and "1 fail" in summary and "0 not applicable" in summary
    assert "Disadvantaged people are at least 30% of the workers" in summary  # the failed rule, with its numbers
    assert "1 disadvantaged worker of 4 workers (25.0%)" in summary
    assert "/t/lavoro/members/#compliance-check" in summary

    factory.member(tenant, name="Worker 5", category="worker", disadvantaged=True)  # 2 of 5 = 40%
    page = client.get("/t/lavoro/").get_data(as_text=True)
    assert "2 pass" in page and "0 fail" in page


def test_uk_secondary_co_op_of_two_registered_societies_passes_the_member_count(client, factory):
    # Co-operative and Community Benefit Societies Act 2014 s.2(2)(b): two members suffice when both are
    # registered societies; the register tells them by their FCA mutuals-register numbers.
    def rule(slug, members):
        tenant = factory.tenant(slug, country="uk", legal_form="coop_society", currency="GBP")
        factory.user(f"{slug}@example.test", {"role": "treasurer", "tenant": slug})
        for name, number in members:
            factory.member(tenant, name=name, category="legal_entity", tax_code=number)
        summary = client.get(f"/api/v1/t/{slug}/members/summary",
                             headers=token_for(client, f"{slug}@example.test")).get_json()
        return {r["rule_code"]: r for r in summary["compliance"]}["uk.society_min_members"]

    societies = rule("secondary", [("Riverside Care Co-operative Ltd", "RS007654"),
                                   ("Hillside Workers Co-operative Ltd", "31234R")])
    mixed = rule("mixed", [("Riverside Care Co-operative Ltd", "RS007654"), ("Care Homes Ltd", "01234567")])

    assert societies["status"] == "pass" and "both registered societies" in societies["detail"]
    assert mixed["status"] == "fail" and "1 of them a registered society" in mixed["detail"]


def test_the_list_read_as_columns_answers_what_the_members_dumped(app, client, type_b):
    """The API list reads columns and dumps them with a precompiled plan (issue 16): the same data as
    marshmallow's dump of the Member objects, empty optional fields and odd amounts included."""
    from marshmallow import Schema
    from sqlalchemy import select

    from consortium.extensions import db
    from consortium.tenancy import tenant_scope
    from tenants.members.models import Member
    from tenants.members.schemas import MemberSchema

    tenant, headers = type_b
    for entry in (GOOD, {"name": "Bruno Bianchi", "category": "volunteer", "joined_on": "2021-05-03",
                         "left_on": "2024-01-31", "email": "bruno@example.test", "tax_code": "BNCBRN80A01A944X"},
                  {"name": "Anna Verdi", "category": "worker", "joined_on": "2019-09-09", "disadvantaged": True,
                   "shares_subscribed": "25.5", "voting_rights": 0}):
        assert client.post("/api/v1/t/lavoro/members", headers=headers, json=entry).status_code == 201
    listed = client.get("/api/v1/t/lavoro/members", headers=headers).get_json()
    assert [m["name"] for m in listed] == ["Anna Verdi", "Bruno Bianchi", "Giulia Rossi"]
    assert listed[0]["shares_subscribed"] == "25.50" and listed[1]["email"] == "bruno@example.test"
    with app.app_context(), tenant_scope(db.session, tenant.id):
        members = db.session.scalars(select(Member).order_by(Member.name, Member.id)).all()
        assert listed == Schema.dump(MemberSchema(), members, many=True)
def test_an_italian_treasurer_reads_the_compliance_details_in_italian(client, factory, type_b):
    # Issue 15: the jurisdiction plugin's rule details were English on Italian pages.
    from tests.conftest import login

    tenant, _ = type_b
    factory.member(tenant, name="Giulia Rossi", category="worker", disadvantaged=True)
    factory.member(tenant, name="Marco Bianchi", category="worker")
    factory.member(tenant, name="Anna Verdi", category="worker")
    factory.member(tenant, name="Luca Neri", category="volunteer")
    login(client, "t@example.test")
    page = client.get("/t/lavoro/members/", headers={"Accept-Language": "it"}).get_data(as_text=True)

    assert "1 socio volontario su 4 soci (25,0%); ammesso al massimo il 50%" in page
    assert "1 persona svantaggiata su 3 lavoratori (33,3%); richiesto almeno il 30%" in page
    assert "allowed" not in page and "required" not in page
