"""Languages: Italian and English everywhere a person reads, through Flask-Babel.

Each feature package keeps its own catalogue (`<package>/translations/it/LC_MESSAGES/messages.po`,
English msgids); the app merges every catalogue it finds and compiles a `.po` to its `.mo` when the
`.mo` is missing or older, so no compiled file lives in git. The language is the user's choice
(`User.language`, or the session before login), else the browser's `Accept-Language`, else the
consortium's default (`CONSORTIUM_LANGUAGE`). The API follows the same choice for its messages;
its data stays locale-free (ISO dates, decimal strings).
"""

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask_babel import (
    Babel,
    Domain,
    force_locale,
    get_locale,
    lazy_gettext,
    lazy_pgettext,
    ngettext,
    npgettext,
    pgettext,
)
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

LANGUAGES = {"it": "Italiano", "en": "English"}
# The locale numbers, money and dates are written in for each language of the interface.
FORMAT_LOCALES = {"it": "it_IT", "en": "en_GB"}
SESSION_KEY = "language"
# The language a country's own texts are written in (its statutory course titles, its legal terms).
COUNTRY_LANGUAGES = {"it": "it", "uk": "en"}

babel = Babel()
_l = lazy_gettext

__all__ = ["LANGUAGES", "_", "_l", "ngettext", "pgettext", "npgettext", "lazy_pgettext", "force_locale",
           "current_language", "format_locale", "init_app", "format_date", "format_datetime", "format_number",
           "catalogue_directories", "feature_catalogue"]


def catalogue_directories(package_names: list[str]) -> list[Path]:
    """The `translations` folder of each named package that has one (the shell's first, the plugins' last)."""
    return list(_catalogues_by_package(package_names).values())


def _catalogues_by_package(package_names: list[str]) -> dict[str, Path]:
    folders: dict[str, Path] = {}
    for name in ["consortium", *package_names, "plugins"]:
        module = importlib.import_module(name)
        folder = Path(module.__file__).resolve().parent / "translations"
        if folder.is_dir() and folder not in folders.values():
            folders[name] = folder
    return folders


# The module whose feature is writing outside a request (a job's, a document's): see `feature_catalogue`.
_writing_module: ContextVar[str | None] = ContextVar("writing_module", default=None)


@contextmanager
def feature_catalogue(module_name: str) -> Iterator[None]:
    """Write with the catalogue of the feature owning `module_name` first, as its pages do (`FeatureFirstDomain`):
    the scheduler runs each job in it, so a job's emails and PDFs read its feature's words, not the last package's.
    It wins over the request's feature too (a document of one feature served by another's page)."""
    token = _writing_module.set(module_name)
    try:
        yield
    finally:
        _writing_module.reset(token)


class FeatureFirstDomain(Domain):
    """Every catalogue merged, with the catalogue of the feature that is writing merged last.

    The same English reads the same in every catalogue (`tests/unit/test_catalogues.py` checks it) and two meanings
    of one English have a context each (`pgettext("invoice", "Still owed")`), so the merge order decides nothing
    today; it keeps a feature's pages and API (found from the request's blueprint), and its jobs' emails and PDFs
    (`feature_catalogue`, set by the scheduler), reading their own words first, then the shell's (the top bar and
    the list tools of base.html and macros.html). Elsewhere (the shell's own pages, a command outside any job) the
    plain merge applies (later packages win).
    """

    def __init__(self, folders: dict[str, Path]):
        super().__init__(translation_directories=[str(folder) for folder in folders.values()])
        self.folders = folders

    def _feature(self) -> str | None:
        module = _writing_module.get()
        if module is None:
            if not has_request_context() or request.blueprint is None:
                return None
            blueprint = current_app.blueprints.get(request.blueprint.split(".")[0])
            module = getattr(blueprint, "import_name", "") or ""
        owners = [name for name in self.folders if module == name or module.startswith(name + ".")]
        return max(owners, key=len) if owners else None

    def get_translations(self):
        if not has_app_context():
            return support.NullTranslations()
        locale, feature = get_locale(), self._feature()
        key = (str(locale), feature)
        if key not in self.cache:
            last = [name for name in ("consortium", feature) if name in self.folders] if feature else []
            order = [folder for name, folder in self.folders.items() if name not in last]
            order += [self.folders[name] for name in dict.fromkeys(last)]
            translations = support.Translations()
            for folder in order:
                catalogue = support.Translations.load(str(folder), [locale], self.domain[0])
                translations.merge(catalogue)
                if hasattr(catalogue, "plural"):  # merge() does not copy it (as Flask-Babel's own Domain does)
                    translations.plural = catalogue.plural
            self.cache[key] = translations
        return self.cache[key]


def compile_catalogues(folders: list[Path]) -> None:
    """Write each `.mo` next to its `.po` when it is missing or older than the `.po`."""
    for po_path in (po for folder in folders for po in folder.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalogue)


def _select_language() -> str:
    from flask_login import current_user

    default = current_app.config["CONSORTIUM_LANGUAGE"]
    if not has_request_context():
        return default
    chosen = getattr(current_user, "language", None) if current_user and current_user.is_authenticated else None
    chosen = chosen or session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=default) or default


def _select_timezone() -> str:
    return current_app.config["CONSORTIUM_TIMEZONE"]


def init_app(app: Flask, package_names: list[str]) -> None:
    """Attach Flask-Babel with every feature's catalogue and the template helpers."""
    folders = _catalogues_by_package(package_names)
    compile_catalogues(list(folders.values()))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(folder) for folder in folders.values())
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["CONSORTIUM_LANGUAGE"])
    babel.init_app(app, locale_selector=_select_language, timezone_selector=_select_timezone)
    babel.domain_instance = FeatureFirstDomain(folders)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_number, "number")
    app.add_template_global(current_language)
    app.add_template_global(LANGUAGES, "languages")
    app.add_template_global(lang_attribute)
    app.add_template_global(COUNTRY_LANGUAGES, "country_languages")


def current_language() -> str:
    """The language being written (`it` or `en`): the request's, or the one `force_locale` set."""
    if not has_app_context():
        return "en"
    locale = get_locale()
    return locale.language if locale is not None else "en"


def lang_attribute(language: str | None) -> Markup:
    """` lang="it"` on a passage written in another language than the page's (WCAG 3.1.2), else nothing."""
    if not language or language == current_language():
        return Markup("")
    return Markup(' lang="%s"') % language


def format_locale() -> str:
    """The babel locale that numbers, money and dates are written in for this request."""
    return FORMAT_LOCALES.get(current_language(), "en_GB")


# One date format per language on pages: 01/12/2026 in Italian, 1 Dec 2026 in English.
DATE_FORMATS = {"it": "dd/MM/yyyy", "en": "d MMM yyyy"}


def format_date(value: date | datetime | None) -> str:
    """A date in the reader's language (`{{ d|date }}`); an empty string for none."""
    if value is None:
        return ""
    return babel_format_date(value, DATE_FORMATS.get(current_language(), "d MMM yyyy"))


def format_datetime(value: datetime | None) -> str:
    """A moment in the consortium's time zone, in the reader's language: 01/12/2026 17:00 or 1 Dec 2026 17:00."""
    if value is None:
        return ""
    return babel_format_datetime(value, DATE_FORMATS.get(current_language(), "d MMM yyyy") + " HH:mm")


def format_number(value: Decimal | int | float | None, digits: int | None = None) -> str:
    """A number in the reader's language (`{{ x|number }}`, or `{{ x|number(2) }}` for fixed decimals)."""
    if value is None:
        return ""
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return babel_format_decimal(Decimal(value), format=pattern, locale=format_locale(), decimal_quantization=True)


# What the catalogue test and `flask --app wsgi translations` extract: Python and Jinja templates. A context
# (`pgettext("invoice", "Paid")`) tells apart two meanings of the same English; it becomes the entry's msgctxt.
EXTRACT_METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2")]
EXTRACT_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                    "N_": None, "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2),
                    "npgettext": ((1, "c"), 2, 3)}

#: A marked message: (context or None, msgid), the msgid a (singular, plural) pair for a plural.
MessageKey = tuple[str | None, str | tuple[str, str]]


def package_folder(package_name: str) -> Path:
    """Where a package's files live."""
    return Path(importlib.import_module(package_name).__file__).resolve().parent


def extract_messages(package_name: str, nested_features: list[str]) -> dict[MessageKey, list[str]]:
    """Every message marked in a package's Python and templates, as (context, msgid), with where it is used.

    Folders of other feature packages inside this one (`consortium.directory` inside
    `consortium`) are left to their own catalogues.
    """
    from babel.messages.extract import extract_from_dir

    root = package_folder(package_name)
    skipped = [package_folder(name) for name in nested_features if name.startswith(package_name + ".")]
    found: dict[MessageKey, list[str]] = {}
    for filename, line, message, _comments, context in extract_from_dir(
        str(root), EXTRACT_METHODS, keywords=EXTRACT_KEYWORDS, comment_tags=(),
        callback=None, strip_comment_tags=True,
    ):
        path = root / filename
        if any(folder in path.parents for folder in skipped):
            continue
        # ngettext gives (singular, plural): kept together, so the catalogue gets a plural entry
        # (msgid_plural) that ngettext finds at run time, not two unrelated singular ones.
        msgid = tuple(message[:2]) if isinstance(message, tuple) else message
        if msgid and all(msgid):
            found.setdefault((context, msgid), []).append(f"{filename}:{line}")
    return found


def catalogue_path(package_name: str, language: str = "it") -> Path:
    """The `.po` file of a package's catalogue for `language`."""
    return package_folder(package_name) / "translations" / language / "LC_MESSAGES" / "messages.po"


def catalogue_entry(catalogue, key: MessageKey):
    """The catalogue's entry for a marked message (its singular msgid and context), or None."""
    context, msgid = key
    return catalogue.get(msgid if isinstance(msgid, str) else msgid[0], context=context)


def update_catalogue(package_name: str, nested_features: list[str], language: str = "it") -> list[str]:
    """Add the package's new messages to its catalogue (untranslated) and drop unused ones; returns the
    untranslated msgids."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    path = catalogue_path(package_name, language)
    if path.exists():
        with path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=language)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue = Catalog(locale=language, project="consortium-backoffice", charset="utf-8",
                            header_comment=f"# {language} catalogue of {package_name}; msgids are the English text.")
    catalogue.fuzzy = False
    used = extract_messages(package_name, nested_features)
    wanted = {(context, msgid if isinstance(msgid, str) else msgid[0]): msgid for context, msgid in used}
    for message in list(catalogue):
        if not message.id:
            continue
        key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
        if key not in wanted or isinstance(wanted[key], tuple) != message.pluralizable:
            catalogue.delete(message.id, context=message.context)  # unused, or now singular / plural: added below
    for (context, msgid), places in used.items():
        if catalogue_entry(catalogue, (context, msgid)) is None:
            catalogue.add(msgid, ("", "") if isinstance(msgid, tuple) else "", context=context,
                          locations=[(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1])) for p in places])
    with path.open("wb") as po_file:
        write_po(po_file, catalogue, width=120, omit_header=False, sort_output=True, include_lineno=False)
    return [m.id if m.context is None else (m.context, m.id) for m in catalogue if m.id and not is_translated(m)]


def is_translated(message) -> bool:
    """A catalogue entry with its translation: every plural form of a plural one, and not fuzzy."""
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(message.string) and all(strings) and not message.fuzzy
