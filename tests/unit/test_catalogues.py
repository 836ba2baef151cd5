"""Every marked string has its Italian translation, in the catalogue of the package that uses it."""

import re

import pytest
from babel.messages.pofile import read_po

from consortium.app import FEATURES
from consortium.i18n import catalogue_path, extract_messages

PACKAGES = ["consortium", *FEATURES, "plugins"]
# Packages whose strings are not marked for translation yet; each one leaves this list when its
# catalogue arrives, and a new feature must come with its catalogue (the test below fails otherwise).
NOT_YET_TRANSLATED: set[str] = set()
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|\{(\w*)\}")


def _catalogue(package: str):
    with catalogue_path(package).open("rb") as po_file:
        return read_po(po_file, locale="it")


def test_every_feature_has_an_italian_catalogue_or_is_listed_as_not_yet_translated():
    with_catalogue = {p for p in PACKAGES if catalogue_path(p).exists()}
    assert with_catalogue & NOT_YET_TRANSLATED == set(), "translated now: remove from NOT_YET_TRANSLATED"
    assert set(PACKAGES) - with_catalogue == NOT_YET_TRANSLATED


@pytest.mark.parametrize("package", [p for p in PACKAGES if p not in NOT_YET_TRANSLATED])
def test_every_marked_string_is_translated_into_italian(package):
    catalogue = _catalogue(package)
    used = extract_messages(package, FEATURES)
    missing = {msgid: places[0] for msgid, places in used.items()
               if not (catalogue.get(msgid) and catalogue.get(msgid).string and not catalogue.get(msgid).fuzzy)}
    assert missing == {}, f"run `flask --app wsgi translations {package}` and translate these"


@pytest.mark.parametrize("package", [p for p in PACKAGES if p not in NOT_YET_TRANSLATED])
def test_translations_keep_every_placeholder(package):
    wrong = []
    for message in _catalogue(package):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        wrong += [(ids[0], s) for s in strings if set(PLACEHOLDER.findall(s)) != expected]
    assert wrong == []
