"""Where two features translate the same English differently, each feature's pages read its own words
(consortium.i18n.FeatureFirstDomain): the merged catalogues used to give every page the last package's."""

import pytest
from flask_babel import force_locale

from consortium.i18n import _


@pytest.mark.parametrize("path, english, italian", [
    ("/t/x/invoices/", "Still owed", "Ancora dovuto"),           # an invoice's balance
    ("/t/x/contributions/", "Still owed", "Ancora da versare"),  # a contribution not yet paid to the fund
    ("/t/x/members/", "Tax code", "Codice fiscale"),             # the register's codice fiscale...
    ("/t/x/payroll/", "Tax code", "Codice d'imposta HMRC"),      # ...and payroll's HMRC tax code
    ("/login", "Schedule", "Pianificazione"),                    # the shell's jobs page, not the fund's loan plan
    # the shell's words on another feature's page: the co-op switcher's button, not tendering's decision to bid
    ("/t/x/payroll/", "Go", "Vai"),
    ("/t/x/members/", "Go", "Vai"),
])
def test_each_feature_reads_its_own_translation(app, path, english, italian):
    with app.test_request_context(path), force_locale("it"):
        assert _(english) == italian


def test_outside_a_request_the_merged_catalogue_still_translates(app):
    with app.app_context(), force_locale("it"):
        assert _("Still owed") in ("Ancora dovuto", "Ancora da versare")
