"""An Italian Type B co-op runs its monthly payroll through the app with the Italian rule pack.

The figures are the pack's (tested against its sources in tests/payroll_engine_it); here the app must hand
the pack the right record (the register's Type B flag, the co-op's rates, the CCNL basic pay for the days
employed), store what comes back, refuse bad input naming the field with nothing saved, and keep another
co-op's payroll out of sight.
"""

import shutil
from datetime import date
from decimal import Decimal

import pytest

from plugins.jurisdictions.it.payroll import ItalianEmployee, ItalianEmployer, ItalianYearToDate, PayItems, payroll_pack
from tenants.payroll.models import Employee
from tests.conftest import count_rows, token_for

SLUG = "coop-fragole"
API = f"/api/v1/t/{SLUG}"
CLERK = "paghe@fragole.test"
APPROVER = "tesoriere@fragole.test"
CF_LAURA = "BNCLRA90A41F257R"
CF_MARIO = "RSSMRA85T10A562S"
RATES = {"employer_inps_percent": "28.98", "inail_percent": "1.10"}


@pytest.fixture
def coop(factory):
    tenant = factory.tenant(SLUG, name="Fragole Insieme", country="it", legal_form="social_coop_b",
                            city="Modena", postcode="41121")
    factory.user(CLERK, {"role": "payroll_clerk", "tenant": SLUG})
    factory.user(APPROVER, {"role": "treasurer", "tenant": SLUG})
    return tenant


@pytest.fixture
def clerk(client, coop):
    headers = token_for(client, CLERK)
    assert client.patch(f"{API}/payroll-settings", json={"jurisdiction_settings": RATES},
                        headers=headers).status_code == 200
    return headers


def italian(**fields) -> dict:
    return {"codice_fiscale": CF_MARIO, "ccnl_level": "C1", "contract": "indeterminato",
            "part_time_percent": "100", "region": "emilia-romagna", "comune": "modena", **fields}


def add(client, headers, status=201, **data):
    body = {"name": "Mario Rossi", "date_of_birth": "1985-12-10", "start_date": "2025-09-01",
            "jurisdiction_fields": italian(), **data}
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post(f"{API}/employees", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def run_month(client, clerk, approver, pay_date, pay=True):
    run = client.post(f"{API}/pay-runs", json={"frequency": "monthly", "pay_date": pay_date}, headers=clerk)
    assert run.status_code == 201, run.get_json()
    run_id = run.get_json()["id"]
    assert client.post(f"{API}/pay-runs/{run_id}/calculate", headers=clerk).status_code == 200
    if pay:
        assert client.post(f"{API}/pay-runs/{run_id}/approve", headers=approver).status_code == 200
        assert client.post(f"{API}/pay-runs/{run_id}/pay", headers=approver).status_code == 200
    slips = client.get(f"{API}/pay-runs/{run_id}/payslips", headers=clerk).get_json()
    return run_id, {slip["employee_name"]: slip for slip in slips}


def test_a_type_b_co_op_pays_a_disadvantaged_member_without_contributions_beside_a_colleague(client, factory,
                                                                                            coop, clerk):
    approver = token_for(client, APPROVER)
    member = factory.member(coop, name="Laura Bianchi", disadvantaged=True)
    add(client, clerk, name=None, member_id=member, date_of_birth="1990-01-01",
        jurisdiction_fields=italian(codice_fiscale=CF_LAURA, disadvantage_category="addiction"))
    add(client, clerk, jurisdiction_fields=italian(part_time_percent="60"))
    run_id, slips = run_month(client, clerk, approver, "2026-01-31")
    laura, mario = slips["Laura Bianchi"], slips["Mario Rossi"]
    # the pack's own figures for the same worker and month
    rules = payroll_pack.rules("2026")
    worker = ItalianEmployee(CF_LAURA, "C1", "indeterminato", Decimal(100), "emilia-romagna", "modena",
                             date(2025, 9, 1), disadvantaged=True, disadvantage_category="addiction")
    expected = rules.calculate_month(worker, ItalianEmployer(True, Decimal("28.98"), Decimal("1.10")), 1,
                                     PayItems(basic=Decimal("1545.21")), ItalianYearToDate())
    assert laura["gross_pay"] == "1545.21" and laura["employee_ni"] == "0.00"
    assert laura["net_pay"] == str(expected.net_pay)
    assert laura["details"]["relief_employee"] == "142.00" and laura["details"]["relief_employer"] == "447.80"
    assert laura["employer_ni"] == str(expected.inail)          # no INPS for the co-op either, INAIL still due
    # the colleague at 60%: 927.13 basic (October 2025's C1 1,545.21), INPS 9.19% = 85.20, the co-op's 28.98%
    # + INAIL 1.10%
    assert mario["gross_pay"] == "927.13" and mario["employee_ni"] == "85.20"
    assert mario["employer_ni"] == str(Decimal("268.68") + Decimal("10.20"))
    assert mario["tax_code"] == "" and "ni_number" not in (mario.get("details") or {})
    # February: the year to date carries on, and the TFR fund grows
    _run, february = run_month(client, clerk, approver, "2026-02-28", pay=False)
    assert Decimal(february["Mario Rossi"]["details"]["tfr_fund"]) == \
        2 * Decimal(mario["details"]["tfr_accrual"])
    # Laura's flag is removed from the register: the next calculation takes full contributions
    from consortium.extensions import db
    from consortium.tenancy import tenant_scope
    from tenants.members import service as members
    with factory.app.app_context(), tenant_scope(db.session, coop.id):
        members.update_member(db.session, members.get_member(db.session, member), {"disadvantaged": False})
        db.session.commit()
    assert client.post(f"{API}/pay-runs/{_run}/calculate", headers=clerk).status_code == 200
    slips = {s["employee_name"]: s for s in client.get(f"{API}/pay-runs/{_run}/payslips", headers=clerk).get_json()}
    assert slips["Laura Bianchi"]["employee_ni"] == "142.00"


@pytest.mark.parametrize(("fields", "named"), [
    ({"codice_fiscale": "RSSMRA85T10A562X"}, "codice_fiscale"),
    ({"ccnl_level": "Z9"}, "ccnl_level"),
    ({"comune": "milano"}, "comune"),
    ({"region": "lombardia"}, "region"),
    ({"part_time_percent": "0"}, "part_time_percent"),
    ({"part_time_percent": "120"}, "part_time_percent"),
    ({"tax_regime": "x"}, "tax_regime"),
])
def test_bad_italian_fields_are_refused_naming_the_field_and_nothing_is_saved(client, app, coop, clerk, fields,
                                                                            named):
    response = add(client, clerk, status=422, jurisdiction_fields=italian(**fields))
    assert named in response["errors"], response
    assert count_rows(app, Employee) == 0


def test_a_month_already_paid_is_refused_naming_the_pay_date(client, coop, clerk):
    approver = token_for(client, APPROVER)
    add(client, clerk)
    run_month(client, clerk, approver, "2026-03-31")
    again = client.post(f"{API}/pay-runs", json={"frequency": "monthly", "pay_date": "2026-03-27"}, headers=clerk)
    assert again.status_code == 409 and "pay_date" in again.get_json()["errors"]


def test_settings_refuse_a_rate_that_is_not_a_percentage(client, coop):
    headers = token_for(client, CLERK)
    response = client.patch(f"{API}/payroll-settings", json={"jurisdiction_settings": {"inail_percent": "abc"}},
                            headers=headers)
    assert response.status_code == 422 and "inail_percent" in response.get_json()["errors"]
    response = client.patch(f"{API}/payroll-settings", json={"jurisdiction_settings": {"bonus": "1"}},
                            headers=headers)
    assert response.status_code == 422 and "bonus" in response.get_json()["errors"]


def test_a_run_without_the_co_ops_rates_is_refused_naming_them(client, coop):
    headers = token_for(client, CLERK)
    add(client, headers)
    run = client.post(f"{API}/pay-runs", json={"frequency": "monthly", "pay_date": "2026-01-31"}, headers=headers)
    response = client.post(f"{API}/pay-runs/{run.get_json()['id']}/calculate", headers=headers)
    assert response.status_code == 422
    assert "employer_inps_percent" in str(response.get_json()["errors"])


def test_another_coop_sees_nothing_of_this_payroll(client, factory, coop, clerk):
    employee = add(client, clerk)
    factory.tenant("altra-coop", country="it", legal_form="social_coop_a")
    factory.user("paghe@altra.test", {"role": "payroll_clerk", "tenant": "altra-coop"})
    other = token_for(client, "paghe@altra.test")
    assert client.get(f"/api/v1/t/altra-coop/employees/{employee['id']}", headers=other).status_code == 404
    assert client.get(f"{API}/employees/{employee['id']}", headers=other).status_code in (403, 404)
    assert client.get("/api/v1/t/altra-coop/employees", headers=other).get_json() == []
    approver = token_for(client, APPROVER)
    run_id, _slips = run_month(client, clerk, approver, "2026-01-31")
    assert client.get(f"/api/v1/t/altra-coop/pay-runs/{run_id}/journal?format=lul", headers=other).status_code == 404
    assert client.get(f"{API}/pay-runs/{run_id}/journal?format=lul", headers=other).status_code in (403, 404)


def _pdf_text(pdf: bytes) -> str:
    import subprocess

    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


def test_the_cedolino_pdf_the_lul_and_the_journal_of_an_italian_run(client, coop, clerk):
    import csv
    import io
    import shutil

    approver = token_for(client, APPROVER)
    add(client, clerk)
    run_id, slips = run_month(client, clerk, approver, "2026-01-31")
    slip = slips["Mario Rossi"]
    lul = client.get(f"{API}/pay-runs/{run_id}/journal?format=lul", headers=clerk)
    assert lul.status_code == 200 and lul.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(lul.get_data().decode("utf-8-sig")), delimiter=";"))
    voci = {row[8]: row for row in rows[1:]}
    # the Italian CSV convention whoever downloads it: a decimal comma
    assert voci["RETR"][11] == "1545,21" and voci["INPS"][11] == "142,00"
    assert voci["NETT"][11] == slip["net_pay"].replace(".", ",")
    assert voci["RETR"][0] == CF_MARIO and voci["RETR"][7] == "31"
    unknown = client.get(f"{API}/pay-runs/{run_id}/journal?format=unilav", headers=clerk)
    assert unknown.status_code == 422 and "format" in unknown.get_json()["errors"]
    journal = client.get(f"{API}/pay-runs/{run_id}/journal?format=csv", headers=clerk).get_data(as_text=True)
    assert "Codice fiscale" in journal and CF_MARIO in journal and "NI number" not in journal
    if shutil.which("pdftotext"):
        pdf = client.get(f"{API}/payslips/{slip['id']}/pdf", headers={**clerk, "Accept-Language": "it"})
        text = _pdf_text(pdf.data)
        for words in ("Codice fiscale", CF_MARIO, "Livello CCNL cooperative sociali", "C1", "Imponibile fiscale",
                      "IRPEF lorda", "Detrazione per lavoro dipendente", "Quota TFR del mese", "Contributi INPS"):
            assert words in text, words
        assert "National Insurance" not in text and "Tax code" not in text


def test_the_pages_of_an_italian_coops_payroll_read_in_italian(client, coop, clerk):
    from tests.conftest import login

    login(client, CLERK)
    it = {"Accept-Language": "it"}
    form = client.get(f"/t/{SLUG}/payroll/employees/new", headers=it).get_data(as_text=True)
    assert "Codice fiscale" in form and "Livello CCNL cooperative sociali" in form and "Coniuge a carico" in form
    assert "National Insurance" not in form and "P45" not in form
    page = client.post(f"/t/{SLUG}/payroll/employees/new", headers=it, data={
        "csrf_token": "", "name": "Anna Verdi", "date_of_birth": "1980-01-01", "start_date": "2025-01-01",
        "pay_frequency": "monthly", "codice_fiscale": "VRDGNN80A01A944X", "ccnl_level": "D1",
        "contract": "indeterminato", "part_time_percent": "75", "region": "emilia-romagna", "comune": "bologna",
        "children_share": "100", "spouse_dependent": "y"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Anna Verdi" in text and "VRDGNN80A01A944X" in text, text[:3000]
    bad = client.post(f"/t/{SLUG}/payroll/employees/new", headers=it, data={
        "csrf_token": "", "name": "Errata", "date_of_birth": "1980-01-01", "start_date": "2025-01-01",
        "codice_fiscale": "ABC", "ccnl_level": "D1", "contract": "indeterminato", "part_time_percent": "75",
        "region": "emilia-romagna", "comune": "bologna", "children_share": "100"}).get_data(as_text=True)
    assert "Il codice fiscale ha 3 caratteri" in bad
    # the list and the run form speak of the Italian payroll, not of HMRC's tax code, NI letters or 6 April
    employees = client.get(f"/t/{SLUG}/payroll/employees/", headers=it).get_data(as_text=True)
    assert "Anna Verdi" in employees and "In servizio" in employees
    assert "NI" not in employees and "HMRC" not in employees and "Impiegato" not in employees
    run_form = client.get(f"/t/{SLUG}/payroll/runs/new", headers=it).get_data(as_text=True)
    assert "il periodo è il mese di calendario" in run_form and "6 aprile" not in run_form
    run = client.post(f"/t/{SLUG}/payroll/runs/new", headers=it, data={"csrf_token": "", "frequency": "monthly",
                                                                        "pay_date": "2026-01-31"},
                      follow_redirects=True)
    review = run.get_data(as_text=True)
    assert "IRPEF e addizionali" in review and "Dovuto a HMRC" not in review
    run_id = int(run.request.path.rsplit("/", 1)[-1])
    client.post(f"/t/{SLUG}/payroll/runs/{run_id}/calculate", headers=it, data={"csrf_token": ""})
    review = client.get(f"/t/{SLUG}/payroll/runs/{run_id}", headers=it).get_data(as_text=True)
    assert "Libro Unico del Lavoro (CSV)" in review
    slip_id = client.get(f"{API}/pay-runs/{run_id}/payslips", headers=clerk).get_json()[0]["id"]
    payslip = client.get(f"/t/{SLUG}/payroll/payslips/{slip_id}", headers=it).get_data(as_text=True)
    for words in ("Imponibile previdenziale", "Detrazione per coniuge a carico", "Fondo TFR maturato",
                  "Progressivi dell&#39;anno"):
        assert words in payslip, words
    settings = client.get(f"/t/{SLUG}/payroll/settings", headers=it).get_data(as_text=True)
    assert "Tasso del premio INAIL" in settings and "PAYE" not in settings


def test_the_year_end_shows_each_workers_certificazione_unica_figures(client, coop, clerk):
    from tests.conftest import login

    approver = token_for(client, APPROVER)
    add(client, clerk)
    run_month(client, clerk, approver, "2026-01-31")
    _run, slips = run_month(client, clerk, approver, "2026-02-27")
    login(client, CLERK)
    page = client.get(f"/t/{SLUG}/payroll/year-end?tax_year=2026", headers={"Accept-Language": "it"})
    text = page.get_data(as_text=True)
    assert "Certificazione Unica" in text and "P60" not in text and "HMRC" not in text
    # January's 31 and February's 28 days of detrazione; the imponibile fiscale of the two months
    assert ">59<" in text
    imponibile = Decimal(slips["Mario Rossi"]["to_date"]["imponibile_fiscale"])
    assert imponibile == 2 * (Decimal("1545.21") - Decimal("142.00"))
    assert "2.806,42" in text


def test_a_june_run_pays_the_half_quattordicesima_as_its_own_line(client, coop, clerk):
    # CCNL cooperative sociali art. 79 bis (source in the pack's years/2026.json): half of June's monthly pay,
    # a twelfth for each month of service July 2025 - June 2026. Mario started on 1 September 2025 at 60%:
    # 1,545.21 x 60% = 927.126, x 50% x 10 / 12 = 386.30. No public worked payslip was found; worked by hand.
    approver = token_for(client, APPROVER)
    add(client, clerk, jurisdiction_fields=italian(part_time_percent="60"))
    run_id, slips = run_month(client, clerk, approver, "2026-06-30")
    slip = slips["Mario Rossi"]
    assert slip["details"]["quattordicesima"] == "386.30"
    assert slip["gross_pay"] == "1313.43"                        # 927.13 + 386.30
    # INPS on all of it (9.19% x 1,313.43 = 120.70); its IRPEF withheld on its own, with no detrazioni
    assert slip["employee_ni"] == "120.70"
    assert Decimal(slip["details"]["irpef_quattordicesima"]) > 0
    lul = client.get(f"{API}/pay-runs/{run_id}/journal?format=lul", headers=clerk).get_data().decode("utf-8-sig")
    assert "QUAT;Quattordicesima mensilità (50%, CCNL art. 79 bis);C;386,30" in lul
    if shutil.which("pdftotext"):
        text = _pdf_text(client.get(f"{API}/payslips/{slip['id']}/pdf", headers={**clerk, "Accept-Language": "it"})
                         .data)
        assert "Quattordicesima (metà)" in text and "386,30" in text
    # July pays none
    _run, july = run_month(client, clerk, approver, "2026-07-31", pay=False)
    assert july["Mario Rossi"]["details"]["quattordicesima"] == "0.00"
    assert july["Mario Rossi"]["gross_pay"] == "927.13"
