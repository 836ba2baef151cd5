"""The UK payroll data files: loaded through the jurisdiction, validated, fingerprinted, frozen."""

import hashlib
import json
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from plugins.jurisdictions.base import NoPayrollRules, PayrollRulesError, get_jurisdiction
from plugins.jurisdictions.uk.payroll.data import check_no_overlap, load_years, parse_year

YEARS = Path(resources.files("plugins.jurisdictions.uk.payroll")) / "years"

#: A paid year's figures never change: these are the fingerprints pay runs of each year were paid
#: under. Changing a file breaks this test on purpose; a correction to a year with paid runs goes
#: in a new file for the next year, never into this one.
FROZEN = {
    "2025-26": "ca91b16f5a9aaa7839421d86ab7747848d366dde91c3456c0a12e3d8b66a2176",
    "2026-27": "c96b50bb22830be4df89d9666e60c16e84dba21f72db761fd7b9c1dbb84a0551",
}


def _data(tax_year: str = "2026-27") -> dict:
    return json.loads((YEARS / f"{tax_year}.json").read_text(encoding="utf-8"))


def _parse(data: dict, name: str = "2026-27.json"):
    return parse_year(json.dumps(data), name)


def test_both_years_are_reached_through_the_jurisdiction():
    uk = get_jurisdiction("GB")
    assert uk.payroll.tax_years() == ("2025-26", "2026-27")
    assert uk.payroll_rules("2026-27").tax_year == "2026-27"
    assert (uk.payroll_tax_year(date(2026, 4, 5)), uk.payroll_tax_year(date(2026, 4, 6))) == ("2025-26", "2026-27")
    with pytest.raises(NoPayrollRules, match="2027-04-06.*2025-26, 2026-27"):
        uk.payroll_tax_year(date(2027, 4, 6))
    with pytest.raises(NoPayrollRules, match="'2030-31'"):
        uk.payroll_rules("2030-31")


def test_fingerprint_is_the_sha256_of_the_file_and_the_files_are_frozen():
    for tax_year, frozen in FROZEN.items():
        rules = get_jurisdiction("uk").payroll_rules(tax_year)
        assert rules.fingerprint == hashlib.sha256((YEARS / f"{tax_year}.json").read_bytes()).hexdigest()
        assert rules.fingerprint == frozen, f"{tax_year}.json changed after pay runs of {tax_year} were paid"


def test_changing_one_figure_changes_the_fingerprint():
    data = _data()
    before = _parse(data).fingerprint
    data["employment_allowance"]["value"] = "10500.01"
    assert _parse(data).fingerprint != before


def test_every_block_cites_a_source():
    for tax_year in ("2025-26", "2026-27"):
        data = _data(tax_year)
        for block in (
            "income_tax",
            "national_insurance",
            "student_loans",
            "auto_enrolment",
            "state_pension_age",
            "employment_allowance",
        ):
            assert data[block]["source"].strip()
    data = _data()
    data["student_loans"]["source"] = " "
    with pytest.raises(PayrollRulesError, match=r"^2026-27.json, student_loans: must cite its source"):
        _parse(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["income_tax"]["regions"]["scotland"]["bands"][2].update(width=None),
            r"2026-27.json, income_tax.regions.scotland.bands\[2\]: only the top band has no width",
        ),
        (
            lambda d: d["income_tax"]["regions"]["wales"]["bands"][0].update(rate="twenty"),
            r"income_tax.regions.wales.bands\[0\].rate: must be a decimal, got 'twenty'",
        ),
        (
            lambda d: d["national_insurance"]["thresholds"]["monthly"].update(PT="400"),
            r"national_insurance.thresholds.monthly: thresholds must satisfy LEL <= PT <= UEL",
        ),
        (
            lambda d: d["national_insurance"]["thresholds"]["fortnightly"].update(ST="2000"),
            r"national_insurance.thresholds.fortnightly: thresholds must satisfy LEL <= PT <= UEL and ST <= UEL",
        ),
        (
            lambda d: d["national_insurance"]["categories"]["A"]["employee"][1].update({"from": "ST"}),
            r"national_insurance.categories.A.employee\[1\]: slices must follow on",
        ),
        (lambda d: d["national_insurance"]["categories"].pop("H"), r"national_insurance.categories.H: is missing"),
        (
            lambda d: d["student_loans"]["plans"]["2"].update(rate="109"),
            r"student_loans.plans.2.rate: is a percentage and cannot exceed 100",
        ),
        (
            lambda d: d["auto_enrolment"]["earnings_trigger"].update(weekly="100"),
            r"auto_enrolment \(weekly\): needs lower qualifying < earnings trigger < upper qualifying",
        ),
        (
            lambda d: d["employment_allowance"].update(value=10500),
            r"employment_allowance.value: must be a decimal written as a string, got 10500",
        ),
        (lambda d: d.update(starts="2026-04-01"), r"starts: a UK tax year runs from 6 April 2026 to 5 April 2027"),
        (lambda d: d["state_pension_age"]["rules"].reverse(), r"state_pension_age.rules\[1\]: rules must be in order"),
    ],
)
def test_a_malformed_file_names_the_file_and_the_entry(change, message):
    data = _data()
    change(data)
    with pytest.raises(PayrollRulesError, match=message):
        _parse(data)


def test_file_name_must_match_its_tax_year_and_json_must_parse():
    with pytest.raises(PayrollRulesError, match=r"2027-28.json, tax_year: is '2026-27' but the file is named"):
        _parse(_data(), "2027-28.json")
    with pytest.raises(PayrollRulesError, match=r"2026-27.json: not valid JSON"):
        parse_year("{", "2026-27.json")


def test_overlapping_years_are_refused_naming_both_files():
    real = list(load_years())
    data = _data()
    data.update(tax_year="2026-27", starts="2026-04-06", ends="2027-04-05")
    duplicate = _parse(data)
    with pytest.raises(PayrollRulesError, match=r"2026-27.json overlaps 2026-27.json|2026-27.json overlaps"):
        check_no_overlap([*real, duplicate])
    check_no_overlap(real)  # the shipped files do not overlap
