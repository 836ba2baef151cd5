"""Where the same English has two meanings, a message context tells them apart (`pgettext`): each reads its own
Italian on every page, in the API and in a job's emails and PDFs, whichever feature is writing. (Before contexts,
the merged catalogues gave each English one Italian, the last package's or the writing feature's.)"""

import pytest
from flask_babel import force_locale

from consortium.i18n import _, pgettext
from tests.platform.test_scheduler import declare_job  # noqa: F401  (the fixture)

MEANINGS = [
    ("invoice", "Still owed", "Ancora dovuto"),          # an invoice's balance
    ("contribution", "Still owed", "Ancora da versare"),  # a contribution not yet paid to the fund
    (None, "Tax code", "Codice fiscale"),                 # the register's and a customer's codice fiscale...
    ("HMRC", "Tax code", "Codice d'imposta HMRC"),        # ...and payroll's HMRC tax code
    (None, "Schedule", "Pianificazione"),                 # the jobs page...
    ("loan", "Schedule", "Piano di rimborso"),            # ...and a loan's repayment plan
    (None, "all", "tutti"),                               # the list tools' filter...
    ("co-ops", "all", "tutte"),                           # ...and the lineage's co-ops (le cooperative)
    ("bid", "Won", "Vinta"),                              # a bid (l'offerta)...
    ("lot", "Won", "Vinto"),                              # ...and a lot (il lotto)
    (None, "Lost", "Persa"),                              # a bid lost...
    ("lot", "Lost", "Perso"),                             # ...and a lot lost
    (None, "Paid", "Versato"),                            # money paid in: share capital, a contribution...
    ("payroll run", "Paid", "Pagata"),                    # ...and a payroll run paid out
]


def _read(context, english):
    return _(english) if context is None else pgettext(context, english)


@pytest.mark.parametrize("path", ["/login", "/t/x/invoices/", "/t/x/payroll/", "/consortium/mutual-fund/",
                                  "/api/v1/t/x/invoices"])
def test_each_meaning_reads_its_own_translation_on_every_page(app, path):
    with app.test_request_context(path), force_locale("it"):
        assert [_read(context, english) for context, english, _italian in MEANINGS] \
            == [italian for _context, _english, italian in MEANINGS]


def test_outside_a_request_each_meaning_reads_its_own_translation(app):
    with app.app_context(), force_locale("it"):
        assert [_read(context, english) for context, english, _italian in MEANINGS] \
            == [italian for _context, _english, italian in MEANINGS]


def test_one_meaning_reads_the_same_on_every_features_page(app):
    """The shell's error summary (base.html) reads one way on the shell's, payroll's and accounts' pages."""
    read = set()
    for path in ("/login", "/t/x/payroll/", "/t/x/accounts/", "/t/x/members/"):
        with app.test_request_context(path), force_locale("it"):
            read.add(_("Please correct the fields marked below."))
    assert read == {"Correggi i campi segnalati qui sotto."}


@pytest.mark.parametrize("module", ["tenants.invoicing.jobs", "shared_services.mutual_fund.jobs"])
def test_a_scheduled_job_writes_each_meaning_by_its_context(app, declare_job, module):  # noqa: F811
    """Whichever feature's job writes, an invoice's and a contribution's "Still owed" read by their context."""
    from consortium.scheduler import run_job

    written = []

    def job(session, today):
        with force_locale("it"):
            written.append((pgettext("invoice", "Still owed"), pgettext("contribution", "Still owed")))

    job.__module__ = module  # declared as if in that feature's jobs.py
    declare_job("test.feature_words", trigger="cron", hour=3)(job)
    assert run_job(app, "test.feature_words").failed == ()
    assert written == [("Ancora dovuto", "Ancora da versare")]
