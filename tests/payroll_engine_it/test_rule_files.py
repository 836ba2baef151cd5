"""The Italian data files: every block cited with a confidence mark, malformed files refused naming the entry."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from plugins.jurisdictions.base import NoPayrollRules, PayrollRulesError
from plugins.jurisdictions.it.payroll import CATALOGUE, payroll_pack, validate_codice_fiscale
from plugins.jurisdictions.it.payroll.data import _parse

from .helpers import worker

YEARS = Path(CATALOGUE).parent / "years"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_one_file_per_year_2025_and_2026():
    assert payroll_pack.tax_years() == ("2025", "2026")
    assert payroll_pack.tax_year_for(date(2026, 12, 27)) == "2026"
    with pytest.raises(NoPayrollRules):
        payroll_pack.tax_year_for(date(2024, 12, 31))
    with pytest.raises(NoPayrollRules):
        payroll_pack.rules("2027")


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


@pytest.mark.parametrize("name", ["2025.json", "2026.json"])
def test_every_block_with_figures_cites_its_source_and_confidence(name):
    data = json.loads((YEARS / name).read_text(encoding="utf-8"))
    for path, block in _walk(data):
        if "source" in block:
            assert block["source"].strip(), path
            assert block.get("confidence", block.get("schedule_confidence")) in ("C", "S", "U"), path


def _broken(change):
    text = (YEARS / "2025.json").read_text(encoding="utf-8")
    data = json.loads(text)
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["irpef"].pop("source"), "irpef: source"),
    (lambda d: d["irpef"].update(confidence="maybe"), "irpef: confidence"),
    (lambda d: d["inps"].update(employee_percent=9.19), "inps.employee_percent"),
    (lambda d: d.pop("quattordicesima"), "quattordicesima: missing"),
    (lambda d: d["quattordicesima"].update(percent_of_monthly_pay="half"), "quattordicesima.percent_of_monthly_pay"),
    (lambda d: d["quattordicesima"].update(accrues_from="2025"), "quattordicesima: month (1-12) and accrues_from"),
    (lambda d: d["irpef"]["brackets"].reverse(), "irpef.brackets"),
    (lambda d: d["addizionali"]["comuni"]["modena"].update(region="lombardia"), "comuni.modena"),
    (lambda d: d.update(ends="2026-04-05"), "1 January to 31 December"),
])
def test_a_malformed_file_is_refused_naming_the_entry(change, where):
    with pytest.raises(PayrollRulesError, match=re.escape(where)):
        _parse("2025.json", _broken(change))


def test_the_fingerprint_is_the_files_sha256():
    import hashlib
    rules = payroll_pack.rules("2025")
    assert rules.fingerprint == hashlib.sha256((YEARS / "2025.json").read_bytes()).hexdigest()


def test_codice_fiscale_is_checked_with_stdnum():
    assert validate_codice_fiscale("rssmra85t10a562s") == "RSSMRA85T10A562S"
    for bad in ("RSSMRA85T10A562X", "RSSMRA85", "12345678901"):
        with pytest.raises(Exception) as caught:
            validate_codice_fiscale(bad)
        assert caught.value.field == "codice_fiscale"


def test_every_message_has_its_italian_with_the_same_placeholders():
    package = Path(CATALOGUE).parent
    used = {message for _f, _l, message, *_ in extract_from_dir(
        str(package), method_map=[("**.py", "python")], keywords={"_t": None})}
    with (Path(CATALOGUE) / "it" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        italian = {m.id: m.string for m in read_po(handle, locale="it") if m.id}
    for msgid in used:
        assert italian.get(msgid), msgid
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(italian[msgid])), msgid


@pytest.mark.parametrize("year", ["2025", "2026"])
def test_the_clerk_can_choose_the_four_emilian_comuni_with_data_and_no_other(year):
    rules = payroll_pack.rules(year)
    field = next(f for f in rules.employee_fields() if f.name == "comune")
    assert dict(field.choices) == {"bologna": "Bologna", "modena": "Modena", "reggio-emilia": "Reggio Emilia",
                                   "parma": "Parma"}
    for comune in ("reggio-emilia", "parma"):
        assert rules.check_worker(worker(comune=comune)) == {}, comune
    assert "comune" in rules.check_worker(worker(comune="ferrara"))
