"""The rule pack's messages read in Italian and English: every message has its Italian translation."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from plugins.jurisdictions.base import InvalidIdentifier, LocalText, get_jurisdiction
from plugins.jurisdictions.uk.payroll.texts import CATALOGUE

from .helpers import calculate, employee, rules

PACKAGE = Path(CATALOGUE).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _used() -> set[str]:
    in_code = {
        message
        for _f, _l, message, *_ in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords={"_t": None}
        )
    }
    # the NI category labels are in the data files and read through the same catalogue
    labels = {label.msgid for year in get_jurisdiction("uk").payroll.tax_years()
              for label in get_jurisdiction("uk").payroll_rules(year).ni_categories().values()}
    return in_code | labels


def _catalogue():
    with (CATALOGUE / "it" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale="it")


def test_every_message_has_an_italian_translation_with_the_same_placeholders():
    catalogue = _catalogue()
    used = _used()
    assert len(used) > 30
    missing = [m for m in used if not (catalogue.get(m) and catalogue.get(m).string)]
    assert missing == []
    wrong = [m for m in used if set(PLACEHOLDER.findall(m)) != set(PLACEHOLDER.findall(catalogue.get(m).string))]
    assert wrong == []
    assert {m.id for m in catalogue if m.id} - used == set(), "the catalogue holds messages no longer used"


def test_a_refusal_reads_in_italian_and_english():
    with pytest.raises(InvalidIdentifier) as raised:
        rules().validate_ni_number("GB123456A")
    message = raised.value.message
    assert isinstance(message, LocalText)
    assert message == "NI number prefix GB is never issued to a person"
    assert message.in_language("it") == "Il prefisso GB non viene mai assegnato a una persona"
    assert message.in_language("en") == str(message)


def test_notes_write_amounts_in_the_language_s_number_format():
    result = calculate("1000.00", emp=employee(tax_code="K2000"))
    (note,) = [n for n in result.notes if "regulatory limit" in n]
    assert note == "Tax limited to 50% of pay (regulatory limit): 33.40 not deducted this period"
    assert note.in_language("it") == (
        "Imposta limitata al 50% della retribuzione (limite regolamentare): 33,40 non trattenuti in questo periodo"
    )


def test_employee_check_messages_are_translatable():
    problems = rules().check_employee(employee(student_loan_plans=("3",)))
    (message,) = problems["student_loan_plans"]
    assert message.in_language("it") == (
        "Il piano di prestito studentesco 3 non è tra quelli previsti per il 2026-27 (1, 2, 4, 5)"
    )
    assert (
        LocalText("Pension contributions refunded after opting out: %(amount)s", CATALOGUE, amount=Decimal("1234.5"))
        .in_language("it")
        .endswith("1.234,50")
    )


def test_ni_category_labels_come_from_the_data_file_in_both_languages():
    labels = rules().ni_categories()
    assert labels["H"] == "Apprentice under 25"
    assert labels["H"].in_language("it") == "Apprendista sotto i 25 anni"
    assert labels["C"].in_language("it") == "Oltre l'età della pensione statale"
