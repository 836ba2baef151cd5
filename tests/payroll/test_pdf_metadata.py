"""Payroll PDFs describe themselves in the reader's language (issue 15): the title, subject, author and creator
a PDF viewer shows (document properties, the window title) read like the page text, as pdfinfo reads them."""

import shutil
import subprocess

import pytest

from tests.payroll.conftest import API, add_employee, pay_through, payslips

pytestmark = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
IT, EN = {"Accept-Language": "it"}, {"Accept-Language": "en"}


def metadata(pdf: bytes) -> dict[str, str]:
    """The PDF's document information, as poppler's pdfinfo reads it."""
    result = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    return {key: value.strip() for key, value in (line.split(":", 1) for line in
                                                  result.stdout.decode().splitlines() if ":" in line)}


def test_a_payslip_pdf_describes_itself_in_the_readers_language(client, coop, clerk, second_clerk):
    add_employee(client, clerk, name="Giulia Rossi", annual_salary="31000.00")
    run = pay_through(client, clerk, second_clerk)
    [slip] = payslips(client, clerk, run["id"])
    italian = metadata(client.get(f"{API}/payslips/{slip['id']}/pdf", headers={**clerk, **IT}).data)
    assert (italian["Title"], italian["Subject"]) == ("Busta paga", "Giulia Rossi - Mese 1 del 2026-27")
    assert (italian["Author"], italian["Creator"]) == ("Paga Workers Co-op", "gestionale del consorzio")
    english = metadata(client.get(f"{API}/payslips/{slip['id']}/pdf", headers={**clerk, **EN}).data)
    assert (english["Title"], english["Subject"]) == ("Payslip", "Giulia Rossi - Month 1 of 2026-27")
    assert english["Creator"] == "consortium back office"


def test_p45_and_p60_describe_themselves_in_italian(client, coop, clerk, second_clerk):
    assert client.patch(f"{API}/payroll-settings", json={"paye_reference": "123/AB45678"},
                        headers=clerk).status_code == 200
    employee = add_employee(client, clerk, name="Hannah Price", start_date="2025-04-01")
    pay_through(client, clerk, second_clerk, "2025-04-30")
    pay_through(client, clerk, second_clerk, "2025-05-30")
    p60 = metadata(client.get(f"{API}/employees/{employee['id']}/p60?tax_year=2025-26", headers={**clerk, **IT}).data)
    assert "P60" in p60["Title"] and p60["Title"] != "P60 End of Year Certificate"
    assert p60["Creator"] == "gestionale del consorzio" and p60["Subject"] == "P60 Hannah Price 2025-26"
    assert client.patch(f"{API}/employees/{employee['id']}", json={"leave_date": "2025-05-31"},
                        headers=clerk).status_code == 200
    p45 = metadata(client.get(f"{API}/employees/{employee['id']}/p45", headers={**clerk, **IT}).data)
    assert "P45" in p45["Title"] and p45["Title"] != "P45: details of employee leaving work"
    assert p45["Creator"] == "gestionale del consorzio"
