"""Where two features translate the same English differently, each feature's pages read its own words
(consortium.i18n.FeatureFirstDomain): the merged catalogues used to give every page the last package's."""

import pytest
from flask_babel import force_locale

from consortium.i18n import _, feature_catalogue
from tests.platform.test_scheduler import declare_job  # noqa: F401  (the fixture)


@pytest.mark.parametrize("path, english, italian", [
    ("/t/x/invoices/", "Still owed", "Ancora dovuto"),           # an invoice's balance
    ("/t/x/contributions/", "Still owed", "Ancora da versare"),  # a contribution not yet paid to the fund
    ("/t/x/members/", "Tax code", "Codice fiscale"),             # the register's codice fiscale...
    ("/t/x/payroll/", "Tax code", "Codice d'imposta HMRC"),      # ...and payroll's HMRC tax code
    ("/login", "Schedule", "Pianificazione"),                    # the shell's jobs page, not the fund's loan plan
    # the shell's words on another feature's page: the error summary of base.html, not accounts' wording
    ("/t/x/payroll/", "Please correct the fields marked below.", "Correggi i campi segnalati qui sotto."),
    ("/t/x/members/", "Please correct the fields marked below.", "Correggi i campi segnalati qui sotto."),
])
def test_each_feature_reads_its_own_translation(app, path, english, italian):
    with app.test_request_context(path), force_locale("it"):
        assert _(english) == italian


def test_outside_a_request_the_merged_catalogue_still_translates(app):
    with app.app_context(), force_locale("it"):
        assert _("Still owed") in ("Ancora dovuto", "Ancora da versare")


@pytest.mark.parametrize("module, italian", [
    ("tenants.invoicing.documents", "Ancora dovuto"),            # an invoice PDF made by a job
    ("shared_services.mutual_fund.jobs", "Ancora da versare"),   # a fund reminder
])
def test_outside_a_request_the_writing_features_catalogue_comes_first(app, module, italian):
    with app.app_context(), force_locale("it"), feature_catalogue(module):
        assert _("Still owed") == italian


def test_a_document_of_one_feature_on_another_features_page_reads_its_own_words(app):
    with app.test_request_context("/t/x/invoices/"), force_locale("it"), \
            feature_catalogue("shared_services.mutual_fund.documents"):
        assert _("Still owed") == "Ancora da versare"


@pytest.mark.parametrize("module, italian", [
    ("tenants.invoicing.jobs", "Ancora dovuto"),
    ("shared_services.mutual_fund.jobs", "Ancora da versare"),
])
def test_a_scheduled_job_writes_with_its_features_words(app, declare_job, module, italian):  # noqa: F811
    """The scheduler runs a job in its feature's catalogue: the job declared in invoicing's jobs.py (or the
    fund's) writes "Still owed" as that feature's pages do, not as whichever package loads last."""
    from consortium.scheduler import run_job

    written = []

    def job(session, today):
        with force_locale("it"):
            written.append(_("Still owed"))

    job.__module__ = module  # declared as if in that feature's jobs.py
    declare_job("test.feature_words", trigger="cron", hour=3)(job)
    assert run_job(app, "test.feature_words").failed == ()
    assert written == [italian]
