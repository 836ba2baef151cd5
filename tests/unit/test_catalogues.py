"""Every marked string has its Italian translation, in the catalogue of the package that uses it."""

import re

import pytest
from babel.messages.pofile import read_po

from consortium.app import FEATURES
from consortium.i18n import catalogue_path, extract_messages, is_translated

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
               if not ((entry := catalogue.get(msgid if isinstance(msgid, str) else msgid[0]))
                       and is_translated(entry) and entry.pluralizable == isinstance(msgid, tuple))}
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


def test_a_plural_reads_in_italian_at_run_time(app):
    """ngettext finds the catalogue's plural entry (msgid_plural), for one and for many."""
    from consortium.i18n import force_locale, ngettext

    with app.test_request_context(), force_locale("it"):
        assert ngettext("%(num)s member today", "%(num)s members today", 1) == "1 socio oggi"
        assert ngettext("%(num)s member today", "%(num)s members today", 3) == "3 soci oggi"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_marked_string_is_skipped_by_the_extractor(package, capsys):
    """Babel skips an f-string inside a marked call (`_("... %(ref)s", ref=f"PO-{id}")`) and says so on stderr:
    such a call's text may not reach the catalogue, or carries English or unformatted numbers into Italian."""
    extract_messages(package, FEATURES)
    assert "Skipping f-string" not in capsys.readouterr().err
