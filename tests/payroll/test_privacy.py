"""Payroll is private to the co-op: consortium staff see no payroll page or API; viewers read, never write;
in PostgreSQL every payroll table has forced row-level security and no grant beyond the app's own role."""

import pytest
from sqlalchemy import text

from consortium.extensions import db
from tests.conftest import TEST_DATABASE, login, token_for
from tests.payroll.conftest import API, SLUG, VIEWER, add_employee, open_run, pay_through, payslips

PAYROLL_TABLES = ("payroll_settings", "payroll_employees", "payroll_capital_schedules", "payroll_runs",
                  "payroll_payslips", "payroll_payslip_lines", "payroll_payslip_emails")


@pytest.fixture
def paid_run(client, clerk, second_clerk):
    add_employee(client, clerk, name="Siobhan O'Neill")
    run = pay_through(client, clerk, second_clerk)
    return {"run": run, "payslip": payslips(client, clerk, run["id"])[0]}


def test_consortium_staff_and_admins_get_no_payroll_api_or_page(factory, client, paid_run):
    factory.user("staff@consortium.test", {"role": "consortium_staff"})
    factory.user("admin@consortium.test", {"role": "consortium_admin"})
    run_id, payslip_id = paid_run["run"]["id"], paid_run["payslip"]["id"]
    api_urls = [f"{API}/employees", f"{API}/pay-runs", f"{API}/pay-runs/{run_id}", f"{API}/payslips/{payslip_id}",
                f"{API}/payslips/{payslip_id}/pdf", f"{API}/pay-runs/{run_id}/journal", f"{API}/payroll/year-end"]
    for email in ("staff@consortium.test", "admin@consortium.test"):
        headers = token_for(client, email)
        for url in api_urls:
            response = client.get(url, headers=headers)
            assert response.status_code == 404 and "Siobhan" not in response.get_data(as_text=True), url
        login(client, email)
        for url in (f"/t/{SLUG}/payroll/", f"/t/{SLUG}/payroll/runs/{run_id}",
                    f"/t/{SLUG}/payroll/payslips/{payslip_id}/pdf"):
            assert client.get(url).status_code == 404, url
    consortium_rules = [rule.rule for rule in client.application.url_map.iter_rules()
                        if "payroll" in rule.rule or "payslip" in rule.rule or "pay-run" in rule.rule]
    assert all(rule.startswith(("/t/<slug>/", "/api/v1/t/<slug>/")) for rule in consortium_rules)


def test_a_viewer_reads_payroll_but_changes_nothing(client, paid_run, clerk):
    viewer = token_for(client, VIEWER)
    assert client.get(f"{API}/pay-runs/{paid_run['run']['id']}", headers=viewer).status_code == 200
    assert client.post(f"{API}/employees", json={}, headers=viewer).status_code == 403
    assert client.post(f"{API}/pay-runs", json={"frequency": "monthly", "pay_date": "2026-05-29"},
                       headers=viewer).status_code == 403
    run = open_run(client, clerk, "2026-05-29")
    assert client.post(f"{API}/pay-runs/{run['id']}/calculate", headers=viewer).status_code == 403
    assert client.patch(f"{API}/payroll-settings", json={"allow_self_approval": True}, headers=viewer).status_code \
        == 403


@pytest.mark.skipif(TEST_DATABASE != "postgresql", reason="row-level security and grants are PostgreSQL's")
def test_every_payroll_table_forces_rls_and_is_granted_to_no_reader_role(app, database):
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation')"
            " FROM pg_class c WHERE c.relname = ANY(:tables)"), {"tables": list(PAYROLL_TABLES)}).all()
        assert sorted((r[0], r[1], r[2], r[3]) for r in rows) == sorted((t, True, True, 1) for t in PAYROLL_TABLES)
        grantees = set(db.session.scalars(text(
            "SELECT DISTINCT grantee FROM information_schema.role_table_grants WHERE table_name = ANY(:tables)"),
            {"tables": list(PAYROLL_TABLES)}))
        db.session.rollback()
    # only the owner that ran the migrations and the app's own role: never a consortium reader role
    assert grantees <= {database["APP_DB_ROLE"], database["TEST_PG"].owner}
