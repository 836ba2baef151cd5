"""Jurisdiction rule packs: loading, VAT tables, identifiers, legal-form compliance, fund defaults."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import metadata, resources

import pytest
from babel import Locale

from plugins.jurisdictions.base import (
    InvalidIdentifier,
    Jurisdiction,
    NoPayrollRules,
    NoRateTable,
    RateTableError,
    RegisterSummary,
    UnknownJurisdiction,
    UnknownLegalForm,
    UnknownVatCategory,
    available_jurisdictions,
    get_jurisdiction,
    load_rate_tables,
    validate_iban,
)


@pytest.fixture(scope="module")
def uk() -> Jurisdiction:
    return get_jurisdiction("uk")


@pytest.fixture(scope="module")
def it() -> Jurisdiction:
    return get_jurisdiction("it")


def result(jurisdiction: Jurisdiction, form: str, register: RegisterSummary, rule_code: str):
    """The one result of ``rule_code`` when checking ``register`` as ``form``."""
    (found,) = [r for r in jurisdiction.check_compliance(form, register) if r.rule_code == rule_code]
    return found


# --- loading ------------------------------------------------------------------------------


def test_both_jurisdictions_load_through_their_entry_points():
    entry_points = {ep.name: ep for ep in metadata.entry_points(group="consortium.jurisdictions")}
    assert available_jurisdictions() == ["it", "uk"]
    for code in ("uk", "it"):
        loaded = get_jurisdiction(code)
        assert loaded is entry_points[code].load()
        assert loaded.code == code
        assert get_jurisdiction(code.upper()) is loaded


def test_unknown_jurisdiction_names_the_code_and_the_choices():
    with pytest.raises(UnknownJurisdiction, match=r"'fr'.*available jurisdictions: it, uk"):
        get_jurisdiction("fr")


@pytest.mark.parametrize(
    ("code", "currency", "locale", "territory"), [("uk", "GBP", "en_GB", "GB"), ("it", "EUR", "it_IT", "IT")]
)
def test_currency_and_locale_are_usable_for_formatting(code, currency, locale, territory):
    jurisdiction = get_jurisdiction(code)
    assert jurisdiction.default_currency == currency
    assert Locale.parse(jurisdiction.locale).territory == territory


def test_italy_has_its_payroll_rules_by_calendar_year(it):
    assert it.payroll is not None and it.payroll.tax_years() == ("2025", "2026")
    assert it.payroll_tax_year(date(2026, 12, 31)) == "2026"
    with pytest.raises(NoPayrollRules, match="No Italian payroll rules for tax year '2026-27'"):
        it.payroll_rules("2026-27")


def test_iso_country_code_gb_names_the_uk_jurisdiction(uk):
    assert get_jurisdiction("GB") is uk


# --- VAT rates ----------------------------------------------------------------------------


def test_uk_rates_on_a_date(uk):
    on = date(2025, 1, 15)
    assert [c.code for c in uk.vat_categories(on)] == ["standard", "reduced", "zero", "exempt", "not_registered"]
    standard = uk.vat_rate("standard", on)
    assert (standard.rate, standard.ubl_category, standard.exempt) == (Decimal("20.00"), "S", False)
    assert uk.vat_rate("reduced", on).rate == Decimal("5.00")
    zero = uk.vat_rate("zero", on)
    assert (zero.rate, zero.ubl_category, zero.exempt) == (Decimal("0.00"), "Z", False)


def test_uk_care_services_are_exempt_with_a_reason_citing_schedule_9(uk):
    exempt = uk.vat_rate("exempt", date(2026, 6, 1))
    assert exempt.exempt and exempt.rate == 0 and exempt.ubl_category == "E"
    assert "Schedule 9 Group 7 item 9" in exempt.exemption_reason
    assert "701/2" in exempt.source


def test_uk_rates_follow_the_supply_date_not_the_tax_year(uk):
    # A supply in February 2024 (before the 2024-25 tax year) finds its rates.
    assert uk.vat_rate("standard", date(2024, 2, 14)).rate == Decimal("20.00")
    # The temporary hospitality rate (ATT summary of HMRC Revenue and Customs Brief 10 (2020) and the
    # 3 March 2021 Budget): 5% from 15 July 2020 to 30 September 2021, 12.5% to 31 March 2022.
    with pytest.raises(UnknownVatCategory):
        uk.vat_rate("hospitality_temporary", date(2020, 7, 14))
    assert uk.vat_rate("hospitality_temporary", date(2020, 7, 15)).rate == Decimal("5.00")
    assert uk.vat_rate("hospitality_temporary", date(2021, 9, 30)).rate == Decimal("5.00")
    assert uk.vat_rate("hospitality_temporary", date(2021, 10, 1)).rate == Decimal("12.50")
    assert uk.vat_rate("hospitality_temporary", date(2022, 3, 31)).rate == Decimal("12.50")
    with pytest.raises(UnknownVatCategory):
        uk.vat_rate("hospitality_temporary", date(2022, 4, 1))
    assert uk.rate_table(date(2031, 1, 1)).valid_from == date(2022, 4, 1)


def test_a_timestamp_is_refused_because_its_date_depends_on_the_time_zone(uk):
    with pytest.raises(TypeError, match="on: expected a date"):
        uk.vat_rate("standard", datetime(2025, 1, 1, 23, 30, tzinfo=UTC))


def test_italian_natura_codes_change_on_1_january_2021(it):
    # Specifications 1.6.1 (Provvedimento 99922 of 28 February 2020): generic N2 and N6 end on 31 December 2020.
    assert it.vat_rate("non_soggetta", date(2020, 12, 31)).natura == "N2"
    assert it.vat_rate("non_soggetta", date(2021, 1, 1)).natura == "N2.2"
    assert it.vat_rate("inversione_pulizie_edili", date(2020, 6, 1)).natura == "N6"
    assert it.vat_rate("inversione_pulizie_edili", date(2026, 6, 1)).natura == "N6.7"
    assert it.rate_table(date(2024, 2, 14)) is it.rate_table(date(2026, 12, 31))


def test_italian_rates_and_natura_codes(it):
    on = date(2025, 3, 1)
    rates = {c.code: c.rate for c in it.vat_categories(on)}
    assert rates == {
        "ordinaria_22": Decimal("22.00"),
        "ridotta_10": Decimal("10.00"),
        "ridotta_5_sociale": Decimal("5.00"),
        "super_ridotta_4": Decimal("4.00"),
        "esente_art10": Decimal("0.00"),
        "non_soggetta": Decimal("0.00"),
        "esclusa_art15": Decimal("0.00"),
        "inversione_subappalto_edile": Decimal("0.00"),
        "inversione_pulizie_edili": Decimal("0.00"),
        "non_soggetta_art7ter": Decimal("0.00"),
    }
    social = it.vat_rate("ridotta_5_sociale", on)
    assert "Tabella A parte II-bis n.1" in social.source and social.natura is None
    natura = {c.code: (c.natura, c.ubl_category) for c in it.vat_categories(on) if c.exempt}
    assert natura == {
        "esente_art10": ("N4", "E"),
        "non_soggetta": ("N2.2", "O"),
        "esclusa_art15": ("N1", "O"),
        "inversione_subappalto_edile": ("N6.3", "AE"),
        "inversione_pulizie_edili": ("N6.7", "AE"),
        "non_soggetta_art7ter": ("N2.1", "AE"),
    }
    assert "lett. a-ter" in it.vat_rate("inversione_pulizie_edili", on).source
    assert all(c.exemption_reason for c in it.vat_categories(on) if c.exempt)


def test_a_date_without_a_table_is_named_in_the_error(uk, it):
    with pytest.raises(NoRateTable, match=r"2019-12-31.*2020-01-01 to today"):
        uk.vat_rate("standard", date(2019, 12, 31))
    with pytest.raises(NoRateTable, match="2019-06-01"):
        it.vat_categories(date(2019, 6, 1))


def test_an_unknown_category_is_named_with_the_known_ones(uk, it):
    with pytest.raises(UnknownVatCategory, match=r"'ordinaria_22'.*known categories: standard, reduced"):
        uk.vat_rate("ordinaria_22", date(2025, 1, 1))
    with pytest.raises(UnknownVatCategory, match="'standard'"):
        it.vat_rate("standard", date(2025, 1, 1))


def test_every_rate_in_every_data_file_cites_a_source():
    checked = 0
    for code in ("uk", "it"):
        files = sorted(
            (resources.files(f"plugins.jurisdictions.{code}") / "rates").iterdir(), key=lambda p: p.name
        )
        assert [f.name for f in files] == {"uk": ["2020-01-01.json", "2020-07-15.json", "2021-10-01.json",
                                                  "2022-04-01.json"],
                                           "it": ["2020-01-01.json", "2021-01-01.json"]}[code]
        for path in files:
            data = json.loads(path.read_text(encoding="utf-8"))
            assert data["jurisdiction"] == code and data["selection"], path.name
            for category in data["categories"]:
                assert isinstance(category["source"], str) and category["source"].strip(), (
                    path.name,
                    category,
                )
                checked += 1
    assert checked == (5 + 6 + 6 + 5) + 2 * 10


def test_rate_tables_leave_no_gap_between_periods():
    for code in ("uk", "it"):
        tables = load_rate_tables(f"plugins.jurisdictions.{code}", code)
        for earlier, later in zip(tables, tables[1:], strict=False):
            assert (later.valid_from - earlier.valid_to).days == 1, (code, earlier.file_name, later.file_name)


def test_a_rate_without_a_source_is_refused_naming_the_file(tmp_path, monkeypatch):
    package = tmp_path / "badrates"
    (package / "rates").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    entry = {
        "code": "standard",
        "label": "Standard",
        "rate": "20.00",
        "exempt": False,
        "natura": None,
        "ubl_category": "S",
        "exemption_reason": None,
        "source": " ",
    }
    table = {
        "jurisdiction": "uk",
        "valid_from": "2024-04-06",
        "valid_to": "2025-04-05",
        "categories": [entry],
    }
    (package / "rates" / "2024.json").write_text(json.dumps(table))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RateTableError, match=r"badrates/rates/2024.json, category 'standard': source"):
        load_rate_tables("badrates", "uk")


# --- identifiers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("980780684", "980780684"),
        ("GB 980 7806 84", "980780684"),
        ("gb980780684", "980780684"),
        ("GB980780684001", "980780684001"),
        ("GD001", "GD001"),
    ],
)
def test_valid_uk_vat_numbers_are_normalised(uk, value, expected):
    assert uk.validate_vat_number(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("GB980780683", "GB VAT number has an invalid check digit"),
        ("98078068", "GB VAT number has the wrong length"),
        ("IT00743110157", "must start with GB or have no country prefix, not IT"),
        ("98078068X", "characters that are not allowed"),
        ("   ", "GB VAT number is empty"),
    ],
)
def test_invalid_uk_vat_numbers_say_what_is_wrong(uk, value, message):
    with pytest.raises(InvalidIdentifier, match=message) as raised:
        uk.validate_vat_number(value)
    assert raised.value.field == "vat_number"


@pytest.mark.parametrize("value", ["00743110157", "IT00743110157", "it 007 4311 0157"])
def test_valid_partita_iva_is_normalised(it, value):
    assert it.validate_vat_number(value) == "00743110157"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("00743110158", "Partita IVA has an invalid check digit"),
        ("0074311015", "Partita IVA has the wrong length"),
        ("GB980780684", "must start with IT or have no country prefix, not GB"),
    ],
)
def test_invalid_partita_iva_says_what_is_wrong(it, value, message):
    with pytest.raises(InvalidIdentifier, match=message) as raised:
        it.validate_vat_number(value)
    assert raised.value.field == "vat_number"


def test_codice_fiscale_of_a_person_and_of_a_company(it):
    assert it.validate_tax_code("rccmnl83s18d969h") == "RCCMNL83S18D969H"
    assert it.validate_tax_code("00743110157") == "00743110157"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("RCCMNL83S18D969A", "Codice fiscale has an invalid check digit"),
        ("RCCMNL83S18D969", r"wrong length \(15\); expected 16 characters for a person or 11 digits"),
        ("00743110158", "Codice fiscale has an invalid check digit"),
    ],
)
def test_invalid_codice_fiscale_says_what_is_wrong(it, value, message):
    with pytest.raises(InvalidIdentifier, match=message) as raised:
        it.validate_tax_code(value)
    assert raised.value.field == "tax_code"


def test_uk_registration_numbers(uk):
    assert uk.validate_tax_code("12345") == "00012345"
    assert uk.validate_tax_code("sc 123456") == "SC123456"
    assert uk.validate_tax_code("28046R") == "28046R"
    with pytest.raises(InvalidIdentifier, match="Companies House number"):
        uk.validate_tax_code("ABC")


def test_iban_is_validated_the_same_everywhere(uk):
    assert validate_iban("GB82 WEST 1234 5698 7654 32") == "GB82WEST12345698765432"
    assert uk.validate_iban("IT60 X054 2811 1010 0000 0123 456") == "IT60X0542811101000000123456"
    with pytest.raises(InvalidIdentifier, match="iban: IBAN has an invalid check digit"):
        validate_iban("GB82WEST12345698765433")


# --- legal forms and compliance -----------------------------------------------------------


def test_legal_forms_offered(uk, it):
    assert [f.code for f in uk.legal_forms()] == ["coop_society", "cbs", "cbs_asset_locked", "cic", "clg"]
    assert [f.code for f in it.legal_forms()] == ["social_coop_a", "social_coop_b", "social_coop_consortium"]
    assert "L. 381/1991 art. 8" in it.legal_form("social_coop_consortium").source
    with pytest.raises(UnknownLegalForm, match="'cic'.*social_coop_a"):
        it.legal_form("cic")


@pytest.mark.parametrize("form", ["social_coop_a", "social_coop_b"])
def test_exactly_half_volunteers_passes(it, form):
    register = RegisterSummary({"worker": 5, "volunteer": 5})
    found = result(it, form, register, "it.volunteers_at_most_half")
    assert found.status == "pass"
    assert found.detail == "5 volunteers of 10 members (50.0%); at most 50% allowed"
    assert found.source == "L. 381/1991 art. 2 c.2"


def test_more_than_half_volunteers_fails(it):
    found = result(
        it, "social_coop_a", RegisterSummary({"worker": 5, "volunteer": 6}), "it.volunteers_at_most_half"
    )
    assert found.status == "fail"
    assert found.detail == "6 volunteers of 11 members (54.5%); at most 50% allowed"


def test_type_b_with_30_percent_disadvantaged_passes(it):
    register = RegisterSummary({"worker": 10}, workers=10, disadvantaged_workers=3)
    found = result(it, "social_coop_b", register, "it.type_b_disadvantaged_at_least_30_percent")
    assert found.status == "pass"
    assert found.detail == "3 disadvantaged workers of 10 workers (30.0%); at least 30% required"


def test_type_b_just_under_30_percent_fails(it):
    register = RegisterSummary({"worker": 24}, workers=24, disadvantaged_workers=7)
    found = result(it, "social_coop_b", register, "it.type_b_disadvantaged_at_least_30_percent")
    assert found.status == "fail"
    assert "7 disadvantaged workers of 24 workers (29.2%)" in found.detail


def test_a_share_that_rounds_to_the_limit_still_fails_and_says_so(it):
    register = RegisterSummary({"worker": 10}, workers=997, disadvantaged_workers=299)
    found = result(it, "social_coop_b", register, "it.type_b_disadvantaged_at_least_30_percent")
    assert found.status == "fail"
    assert "(30.0%, just under 30%)" in found.detail


def test_disadvantaged_rule_not_applicable_without_workers_or_outside_type_b(it):
    no_workers = RegisterSummary({"volunteer": 3, "service_user": 4})
    found = result(it, "social_coop_b", no_workers, "it.type_b_disadvantaged_at_least_30_percent")
    assert (found.status, found.detail) == ("not_applicable", "No workers recorded.")
    type_a = RegisterSummary({"worker": 10}, workers=10, disadvantaged_workers=0)
    found = result(it, "social_coop_a", type_a, "it.type_b_disadvantaged_at_least_30_percent")
    assert found.status == "not_applicable" and "Type B" in found.detail


def test_consortium_needs_70_percent_social_coops_counted_by_legal_entity_members(it):
    passing = RegisterSummary({"legal_entity": 7, "financing_member": 3})
    found = result(it, "social_coop_consortium", passing, "it.consortium_social_coops_at_least_70_percent")
    assert found.status == "pass"
    assert found.detail.startswith("7 legal-entity members of 10 members (70.0%)")
    assert "counted as social co-operatives" in found.detail
    failing = RegisterSummary({"legal_entity": 2, "financing_member": 1})
    found = result(it, "social_coop_consortium", failing, "it.consortium_social_coops_at_least_70_percent")
    assert found.status == "fail" and "(66.7%)" in found.detail


def test_uk_minimum_members(uk):
    for form in ("coop_society", "cbs", "cbs_asset_locked"):
        assert [r.status for r in uk.check_compliance(form, RegisterSummary({"worker": 3}))] == ["pass"]
        (two,) = uk.check_compliance(form, RegisterSummary({"worker": 2}))
        assert (two.status, two.detail) == (
            "fail", "2 current members; at least 3 required, or 2 that are both registered societies")
        assert "Co-operative and Community Benefit Societies Act 2014 s.2" in two.source
    for form in ("cic", "clg"):
        (one,) = uk.check_compliance(form, RegisterSummary({"legal_entity": 1}))
        assert (one.status, one.detail) == ("pass", "1 current member; at least 1 required")
        (none,) = uk.check_compliance(form, RegisterSummary())
        assert none.status == "fail"


def test_compliance_for_an_unknown_legal_form_is_refused(uk):
    with pytest.raises(UnknownLegalForm, match="'social_coop_b'"):
        uk.check_compliance("social_coop_b", RegisterSummary({"worker": 3}))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"members_by_category": {"partner": 2}}, "members_by_category: unknown categories partner"),
        ({"members_by_category": {"worker": -1}}, r"members_by_category\['worker'\]: must be a whole number"),
        ({"workers": 2, "disadvantaged_workers": 3}, "disadvantaged_workers: 3 is more than the 2 workers"),
        ({"members_by_category": {"worker": 4}, "total_members": 3}, "total_members: 3 is less than the 4"),
    ],
)
def test_register_summary_refuses_inconsistent_counts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RegisterSummary(**kwargs)


def test_total_members_defaults_to_the_categories_and_may_include_uncategorised(uk):
    assert RegisterSummary({"worker": 2, "volunteer": 1}).total_members == 3
    (found,) = uk.check_compliance("coop_society", RegisterSummary({"worker": 2}, total_members=3))
    assert found.status == "pass"


# --- mutual fund --------------------------------------------------------------------------


def test_mutual_fund_defaults(it, uk):
    fund = it.mutual_fund_defaults
    assert (fund.rate, fund.minimum, fund.due_days, fund.legal_reserve_share) == (
        Decimal("3.00"),
        Decimal("10.33"),
        60,
        Decimal("30.00"),
    )
    assert "Law 59/1992 art. 11" in fund.source and "2545-quater" in fund.source
    assert uk.mutual_fund_defaults.rate == fund.rate
    assert uk.mutual_fund_defaults.source.startswith("Consortium rules (adopting the Italian model")


def test_uk_society_of_two_members_that_are_both_registered_societies_passes(uk):
    # Co-operative and Community Benefit Societies Act 2014 s.2(2)(b): at least three members, or two that are
    # both registered societies (e.g. two co-operatives forming a secondary co-operative).
    both = RegisterSummary({"legal_entity": 2}, registered_societies=2)
    one = RegisterSummary({"legal_entity": 2}, registered_societies=1)
    for form in ("coop_society", "cbs", "cbs_asset_locked"):
        (passing,) = uk.check_compliance(form, both)
        (failing,) = uk.check_compliance(form, one)
        assert passing.status == "pass" and "both registered societies" in passing.detail
        assert passing.source == "Co-operative and Community Benefit Societies Act 2014 s.2(2)(b)"
        assert failing.status == "fail" and "1 of them a registered society" in failing.detail
    (alone,) = uk.check_compliance("coop_society", RegisterSummary({"legal_entity": 1}, registered_societies=1))
    assert alone.status == "fail"


def test_uk_registered_society_numbers_are_told_apart_from_company_numbers(uk, it):
    # FCA mutuals-register numbers: digits ending in R (older societies) or RS and 6 digits
    assert uk.is_registered_society_number("12345R") and uk.is_registered_society_number("rs 007654")
    assert not uk.is_registered_society_number("01234567") and not uk.is_registered_society_number("SC123456")
    assert not uk.is_registered_society_number(None)
    assert not it.is_registered_society_number("12345R")  # the Italian pack counts no registered societies


def test_register_summary_refuses_more_societies_than_legal_entity_members():
    with pytest.raises(ValueError, match="registered_societies"):
        RegisterSummary({"worker": 2}, registered_societies=1)
