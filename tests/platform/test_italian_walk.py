"""Every page of the translated packages, read in Italian by each demo role, shows no English word.

The walk logs in as each demo user with `Accept-Language: it`, opens the URLs listed for them and
collects the visible text (element text plus `title`, `aria-label` and `placeholder`). A word is
English when it appears in the English msgids of the catalogues, or in the short list of common
English words below, and never in any Italian translation. Data (names of co-ops, people, places)
and proper nouns are allowed: the walk reads them from the demo records and ALLOWED.

To add a package, add its pages to PAGES (one list per demo user); they join the walk unchanged.
"""

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape
from sqlalchemy import select

from consortium.app import FEATURES
from consortium.demo import DEMO_PASSWORD
from consortium.extensions import db
from consortium.i18n import catalogue_path
from consortium.models import Tenant, User
from consortium.notifications.models import OutboxMessage
from tests.conftest import login

TRANSLATED = ["consortium", "consortium.directory", "consortium.notifications", "plugins", "shared_services.incubation"]
# Incubation pages (the demo's projects 1 and 2 are mentored by the demo mentor; 2 is at the registered stage).
INCUBATION_STAFF = ["/incubation/projects", "/incubation/projects/new", "/incubation/projects/1",
                    "/incubation/projects/2", "/incubation/projects/1/edit", "/incubation/checklist-template",
                    "/incubation/lineage", "/incubation/obligations"]

# Pages of the translated packages, by demo user; `{slug}` is one of the user's co-ops.
PAGES = {
    "admin@example.coop": ["/", "/consortium/tenants", "/consortium/tenants/new", "/consortium/tenants/girasole/edit",
                           "/consortium/users", "/consortium/users/new",
                           "/consortium/users?role=treasurer&sort=email&dir=desc",
                           "/consortium/tenants?q=coop&status=active&per=10", "/consortium/tenants/girasole",
                           "/consortium/outbox?status=delivered&sort=attempts",
                           "/account/password", "/no-such-page", "/consortium/outbox", "/consortium/webhooks",
                           "/account/notifications", "/consortium/jobs", "/consortium/jobs/runs?status=failed",
                           *INCUBATION_STAFF],
    # The audit logs are read to their last page: EVERY_PAGE.
    # Not /consortium/tenants/riverside-care: its tender answers name English notices (buyers' titles, data).
    "staff@example.coop": ["/", "/consortium/tenants", "/account/password", "/consortium/tenants/girasole",
                           "/consortium/reports/", *INCUBATION_STAFF,
                           "/consortium/purchasing/", "/consortium/purchasing/rounds/1",
                           "/consortium/purchasing/rounds/2", "/consortium/purchasing/rounds/new",
                           "/consortium/purchasing/suppliers", "/consortium/purchasing/suppliers/1",
                           "/consortium/purchasing/?status=recharged&sort=spend",
                           "/consortium/purchasing/suppliers?category=care_consumables&q=a",
                           "/incubation/projects?overdue=1&sort=stage",
                           # purchasing rounds 2 (awaiting delivery), 3 (cancelled), 4 (open); edit pages
                           "/consortium/purchasing/rounds/3", "/consortium/purchasing/rounds/4",
                           "/consortium/purchasing/rounds/2/deliveries", "/consortium/purchasing/rounds/4/cancel",
                           "/consortium/purchasing/suppliers/1/edit", "/consortium/purchasing/suppliers/1/items/1/edit",
                           "/consortium/purchasing/suppliers/2",
                           # the mutual fund's loan page and forms (the demo's loan 1)
                           "/consortium/mutual-fund/loans/1", "/consortium/mutual-fund/loans/new",
                           "/consortium/mutual-fund/guarantees/new"],
    # Not the tender and UK training lists: their rows are English data (buyers' notice titles, UK course titles).
    "treasurer@example.coop": ["/", "/t/girasole/", "/account/password", "/consortium/users",
                               "/t/girasole/webhooks", "/t/girasole/reports/", "/t/girasole/social-reports/",
                               "/t/girasole/social-reports/1", "/t/girasole/social-reports/2",
                               "/t/girasole/purchasing/", "/t/girasole/purchasing/1", "/t/girasole/purchasing/2",
                               "/t/girasole/training/records", "/t/girasole/training/records?validity=expired",
                               "/t/girasole/tenders/",
                               "/t/girasole/purchasing/4", "/t/girasole/purchasing/2/delivery",
                               "/t/girasole/payroll/", "/t/fragola-lavoro/payroll/runs/35",
                               "/t/girasole/invoices/", "/t/girasole/invoices/aged-debtors", "/t/girasole/accounts/",
                               "/t/girasole/contributions/"],
    # the Italian payroll of the Type B demo co-op (run 35: November, calculated; payslip 264 its first payslip)
    "payroll.it@example.coop": ["/", "/t/fragola-lavoro/", "/t/fragola-lavoro/payroll/",
                                "/t/fragola-lavoro/payroll/employees/", "/t/fragola-lavoro/payroll/employees/new",
                                "/t/fragola-lavoro/payroll/employees/25", "/t/fragola-lavoro/payroll/employees/25/edit",
                                "/t/fragola-lavoro/payroll/runs/new", "/t/fragola-lavoro/payroll/runs/35",
                                "/t/fragola-lavoro/payroll/payslips/264", "/t/fragola-lavoro/payroll/settings",
                                "/t/fragola-lavoro/payroll/year-end"],
    # payroll of a UK co-op read in Italian (the rule pack's terms, e.g. "National Insurance", stay HMRC's)
    "payroll.uk@example.coop": ["/", "/t/riverside-care/", "/t/riverside-care/payroll/",
                                "/t/riverside-care/payroll/employees/", "/t/riverside-care/payroll/employees/new",
                                "/t/riverside-care/payroll/runs/new", "/t/riverside-care/payroll/settings",
                                "/t/riverside-care/payroll/year-end",
                                "/t/riverside-care/payroll/?state=paid&sort=gross&dir=desc",
                                "/t/riverside-care/payroll/employees/?employed=1&member=1&sort=started"],
    "treasurer.uk@example.coop": ["/", "/t/riverside-care/", "/t/riverside-care/reports/"],
    "mentor@example.coop": ["/", "/account/password", "/incubation/", "/incubation/projects/1",
                            "/incubation/projects/2"],
}

# Lists read page by page to their last page (`per=100`), by demo user: the audit logs each of them may open.
EVERY_PAGE = {
    "admin@example.coop": ["/consortium/audit"],
    "treasurer@example.coop": ["/t/girasole/audit", "/t/fragola-lavoro/audit"],
    "treasurer.uk@example.coop": ["/t/riverside-care/audit"],
}

# Pages whose ids the demo does not fix, found by a link on another page: (page, link pattern, suffix).
FOLLOW = {
    "treasurer@example.coop": [
        ("/t/girasole/invoices/aged-debtors", r"/t/girasole/invoices/customers/\d+", ""),  # a customer who owes
        ("/t/girasole/invoices/?status=issued", r"/t/girasole/invoices/\d+", "/payments/new"),  # an unpaid invoice
    ],
}

# Labels that packages not translated yet put on these pages (nav links, home panels): each owner's
# catalogue will translate them; delete a line when its package leaves NOT_YET_TRANSLATED.
OWED_BY_OTHER_PACKAGES: dict[str, list[str]] = {}

# Proper nouns and words shared by both languages that the catalogues' English side also uses.
ALLOWED = {
    "api", "email", "password", "slug", "cic", "iva", "eur", "gbp", "uk", "it", "en", "english", "italiano",
    "europe", "rome", "london", "utc", "pdf", "csv", "xlsx", "ok", "tutor", "consortium", "b", "a", "bologna",
    "social", "cooperativa", "consorzio",
    "signature", "delivery",  # the header names X-Consortium-Signature and X-Consortium-Delivery
    "comma",  # Italian for a paragraph of a law article ("art. 4, comma 1"), in the Italian pack's labels
}
# Short English words the msgids may lack (a page that has them untranslated shows them).
COMMON_ENGLISH = set("""the of and to in is are was no not yet with for your you this that these those there here
on at by from or as be has have had will can may must an it its their them they we our all any each every none
new edit save cancel delete remove add show back home log out next last open done due today yesterday days ago
""".split())

WORD = re.compile(r"[A-Za-zÀ-ÿ’']+")


class _VisibleText(HTMLParser):
    """The text a reader sees (and hears from a screen reader): element text and a few attributes."""

    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):  # <code>: literal identifiers (headers, commands, slugs)
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_words(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return WORD.findall(" ".join(parser.parts))


def _catalogue_words():
    english, italian = set(), set()
    for package in ["consortium", *FEATURES, "plugins"]:
        path = catalogue_path(package)
        if not path.exists():
            continue
        with path.open("rb") as po_file:
            for message in read_po(po_file, locale="it"):
                if not message.id:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in ids:
                    english.update(w.lower() for w in WORD.findall(re.sub(r"%\(\w+\)\w", " ", text)))
                for text in strings:
                    italian.update(w.lower() for w in WORD.findall(re.sub(r"%\(\w+\)\w", " ", text or "")))
    return english | COMMON_ENGLISH, italian


ENGLISH_WORDS, ITALIAN_WORDS = _catalogue_words()


def _owed_labels() -> list[str]:
    """OWED_BY_OTHER_PACKAGES, and the email kinds and webhook events other packages registered unmarked."""
    from consortium.notifications.service import EMAIL_KINDS, EVENT_TYPES

    unmarked = [label for label in [*EMAIL_KINDS.values(), *(e.label for e in EVENT_TYPES.values())]
                if type(label) is str]
    return sorted([*unmarked, *(label for labels in OWED_BY_OTHER_PACKAGES.values() for label in labels)],
                  key=len, reverse=True)


def english_words_in(html: str, data_words: set[str]) -> set[str]:
    """The words of a page that are English and neither Italian, data nor allowed."""
    for label in _owed_labels():
        shown = str(escape(label))
        html = html.replace(f">{shown}<", "><").replace(f">{shown} <", "><")
    return {w for w in (word.lower().strip("’'") for word in visible_words(html))
            if w in ENGLISH_WORDS and w not in ITALIAN_WORDS and w not in ALLOWED and w not in data_words}


def _data_words(app) -> set[str]:
    """Names of co-ops, people and places: data, shown as entered."""
    from tests.conftest import unrestricted

    words = set()
    with unrestricted(app) as connection:
        for row in connection.execute(select(Tenant.name, Tenant.slug, Tenant.city, Tenant.address)):
            words.update(w.lower() for text in row for w in WORD.findall((text or "").replace("-", " ")))
        for name, email in connection.execute(select(User.name, User.email)):
            words.update(w.lower() for w in WORD.findall(f"{name} {email.replace('.', ' ')}"))
        # What people typed into incubation records (project names and needs, checklist items, milestones).
        from shared_services.incubation.models import (
            ChecklistItem,
            ChecklistTemplateItem,
            IncubationProject,
            Milestone,
        )

        for row in connection.execute(select(IncubationProject.working_name, IncubationProject.need,
                                             IncubationProject.intended_type)):
            words.update(w.lower() for text in row for w in WORD.findall(text or ""))
        for (text,) in [*connection.execute(select(ChecklistItem.label)), *connection.execute(select(Milestone.title)),
                        *connection.execute(select(ChecklistTemplateItem.label))]:
            words.update(w.lower() for w in WORD.findall(text or ""))
        # What the audit log recorded as it was typed or received (a course's title, a notice's buyer, a note):
        # the string values of fields with no words registered for their codes.
        from consortium.audit import AUDIT_WORDS
        from consortium.models import AuditEntry

        for object_type, changes in connection.execute(select(AuditEntry.object_type, AuditEntry.changes)):
            words_of = AUDIT_WORDS.get(object_type)
            coded = set(words_of.values) if words_of is not None else set()
            for key, values in changes.items():
                if key not in coded:
                    words.update(w.lower().strip("’'") for value in values if isinstance(value, str)
                                 for w in WORD.findall(value))
        # Emails and webhooks are stored as they were sent, in their reader's language.
        for subject, recipient in connection.execute(select(OutboxMessage.subject, OutboxMessage.recipient)):
            words.update(w.lower() for w in WORD.findall(f"{subject or ''} {recipient.replace('.', ' ')}"))
    return words


@pytest.fixture
def demo(app):
    from consortium.demo import load_demo

    with app.app_context():
        load_demo(db.session)
        db.session.commit()
    return _data_words(app)


def test_the_detector_finds_english_left_on_a_page():
    page = ("<html><body><h1>Cooperative associate</h1><p>No member co-ops yet.</p>"
            "<button title='Run now'>Esegui</button>")
    assert english_words_in(page, set()) >= {"member", "yet", "run"}
    assert english_words_in("<p>Ancora nessuna cooperativa associata.</p>", set()) == set()


@pytest.mark.parametrize("email", sorted(PAGES))
def test_every_page_reads_in_italian(app, demo, email):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it-IT,it;q=0.9"
    assert login(client, email, DEMO_PASSWORD).status_code == 302
    found = {}
    followed = []
    for page, pattern, suffix in FOLLOW.get(email, []):
        link = re.search(f'href="({pattern})"', client.get(page).get_data(as_text=True))
        assert link, (page, pattern)
        followed.append(link.group(1) + suffix)
    for path in EVERY_PAGE.get(email, []):
        for page in range(1, 100):
            followed.append(f"{path}?per=100&page={page}")
            if f"page={page + 1}" not in client.get(followed[-1]).get_data(as_text=True):
                break
    for url in [*PAGES[email], *followed]:
        answer = client.get(url)
        assert answer.status_code in (200, 403, 404), url
        html = answer.get_data(as_text=True)
        assert '<html lang="it">' in html, url
        left = english_words_in(html, demo)
        if left:
            found[url] = sorted(left)
    assert found == {}
