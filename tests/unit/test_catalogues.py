"""Every marked string has its Italian translation, in the catalogue of the package that uses it."""

import re

import pytest
from babel.messages.pofile import read_po

from consortium.app import FEATURES
from consortium.i18n import catalogue_entry, catalogue_path, extract_messages, is_translated, package_folder

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
    missing = {key: places[0] for key, places in used.items()
               if not ((entry := catalogue_entry(catalogue, key))
                       and is_translated(entry) and entry.pluralizable == isinstance(key[1], tuple))}
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


def test_a_message_context_is_extracted_written_compiled_and_read_in_italian(tmp_path, monkeypatch):
    """`pgettext` / `npgettext` / `lazy_pgettext` in Python and `pgettext` in a template become msgctxt entries of
    the catalogue that `flask translations` writes; once translated they compile and read per context."""
    from babel import support

    from consortium.i18n import compile_catalogues, update_catalogue

    package = tmp_path / "contextdemo"
    (package / "templates" / "contextdemo").mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from consortium.i18n import lazy_pgettext, npgettext, pgettext\n"
        "SALARY = lazy_pgettext('salary', 'Paid')\n"
        "def invoice_state():\n    return pgettext('invoice', 'Paid')\n"
        "def rows(n):\n    return npgettext('invoice', '%(num)s row', '%(num)s rows', n)\n")
    (package / "templates" / "contextdemo" / "page.html").write_text("{{ pgettext('bid decision', 'Go') }}\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    untranslated = update_catalogue("contextdemo", [])
    assert sorted(map(str, untranslated)) == sorted(map(str, [
        ("bid decision", "Go"), ("invoice", "Paid"), ("invoice", ("%(num)s row", "%(num)s rows")),
        ("salary", "Paid")]))
    path = catalogue_path("contextdemo")
    with path.open("rb") as po_file:
        catalogue = read_po(po_file, locale="it")
    assert (catalogue.get("Paid", context="invoice").context, catalogue.get("Paid", context="salary").context) \
        == ("invoice", "salary")
    assert 'msgctxt "bid decision"\nmsgid "Go"' in path.read_text()

    catalogue.get("Paid", context="invoice").string = "Pagata"
    catalogue.get("Paid", context="salary").string = "Pagato"
    catalogue.get("Go", context="bid decision").string = "Partecipare"
    catalogue.get("%(num)s row", context="invoice").string = ("%(num)s riga", "%(num)s righe", "%(num)s righe")
    from babel.messages.pofile import write_po
    with path.open("wb") as po_file:
        write_po(po_file, catalogue)
    assert update_catalogue("contextdemo", []) == []  # a second run keeps every translated context entry
    compile_catalogues([package / "translations"])
    italian = support.Translations.load(str(package / "translations"), ["it"])
    assert italian.pgettext("invoice", "Paid") == "Pagata"
    assert italian.pgettext("salary", "Paid") == "Pagato"
    assert italian.gettext("Paid") == "Paid"  # no entry without a context
    assert italian.npgettext("invoice", "%(num)s row", "%(num)s rows", 2) == "%(num)s righe"


def test_a_context_of_the_real_catalogues_reads_in_italian_at_run_time(app):
    """The merged catalogues carry msgctxt entries: the same English reads by its meaning, on any page."""
    from consortium.i18n import force_locale, pgettext

    with app.test_request_context("/t/x/payroll/"), force_locale("it"):
        assert (pgettext("invoice", "Still owed"), pgettext("contribution", "Still owed")) \
            == ("Ancora dovuto", "Ancora da versare")


def _every_catalogue():
    """Each Italian catalogue in the packages: the features' and the shell's, merged at run time, and the rule
    packs' own (read by `LocalText`), which a user reads beside them on the same pages."""
    for top in ("consortium", "tenants", "shared_services", "plugins"):
        for path in sorted(package_folder(top).rglob("translations/it/LC_MESSAGES/messages.po")):
            with path.open("rb") as po_file:
                yield path.relative_to(package_folder(top).parent), read_po(po_file, locale="it")


def test_one_translation_per_message_across_catalogues():
    """The same English, in the same context, reads the same in every catalogue: two meanings of one word get a
    context each (`pgettext("salary", "Paid")`), and one meaning has one translation wherever it is written."""
    translations: dict[tuple, dict[str, str]] = {}
    for path, catalogue in _every_catalogue():
        for message in catalogue:
            if message.id and is_translated(message):
                translations.setdefault((message.context, message.id), {})[str(path)] = message.string
    differing = {key: by_catalogue for key, by_catalogue in translations.items()
                 if len(set(by_catalogue.values())) > 1}
    assert differing == {}
