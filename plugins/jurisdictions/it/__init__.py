"""Italian rule pack: IVA tables, partita IVA and codice fiscale, social co-operatives (Law 381/1991)."""

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from stdnum.it import codicefiscale, iva

from plugins.jurisdictions.base import (
    ComplianceRule,
    FundDefaults,
    InvalidIdentifier,
    Jurisdiction,
    LegalForm,
    RegisterSummary,
    RuleStatus,
    check_stdnum,
    describe_share,
    require_text,
    strip_country_prefix,
)
from plugins.jurisdictions.it.payroll import payroll_pack

# Cited as Italian law is cited (Legge 8 novembre 1991, n. 381), in both languages: a source is a name, not prose.
LAW_381 = "L. 381/1991"


def validate_vat_number(value: str) -> str:
    """The 11-digit partita IVA (without the IT prefix), or InvalidIdentifier."""
    text = require_text(value, field="vat_number", label="Partita IVA")
    compact = strip_country_prefix(text, "IT", field="vat_number", label="Partita IVA")
    return check_stdnum(
        iva, compact, field="vat_number", label="Partita IVA", expected=_("11 digits, optionally after IT")
    )


def validate_tax_code(value: str) -> str:
    """The codice fiscale (16 characters for people, 11 digits for companies), or InvalidIdentifier.

    A company's codice fiscale is its partita IVA, so 11 digits are checked as one.
    """
    text = require_text(value, field="tax_code", label="Codice fiscale")
    compact = "".join(ch for ch in text.upper() if ch not in " .-/")
    if compact.isdigit():
        return check_stdnum(
            iva, compact, field="tax_code", label="Codice fiscale", expected=_("11 digits for a company")
        )
    if len(compact) != 16:
        raise InvalidIdentifier(
            "tax_code",
            _("Codice fiscale has the wrong length (%(length)s); expected 16 characters for a person or 11 digits "
              "for a company", length=len(compact)),
        )
    return check_stdnum(
        codicefiscale,
        compact,
        field="tax_code",
        label="Codice fiscale",
        expected=_("16 characters: surname, name, birth date and place, check letter"),
    )


def _volunteers_at_most_half(register: RegisterSummary) -> tuple[RuleStatus, str]:
    total = register.total_members
    volunteers = register.members("volunteer")
    if total == 0:
        return "not_applicable", _("No current members recorded.")
    meets, share = describe_share(volunteers, total, Decimal(50), at_least=False)
    return (
        "pass" if meets else "fail",
        _("%(volunteers)s of %(members)s (%(share)s); at most %(limit)s allowed",
          volunteers=ngettext("%(num)s volunteer", "%(num)s volunteers", volunteers),
          members=ngettext("%(num)s member", "%(num)s members", total), share=share, limit="50%"),
    )


def _disadvantaged_at_least_30_percent(register: RegisterSummary) -> tuple[RuleStatus, str]:
    workers = register.workers
    disadvantaged = register.disadvantaged_workers
    if workers == 0:
        return "not_applicable", _("No workers recorded.")
    meets, share = describe_share(disadvantaged, workers, Decimal(30), at_least=True)
    return (
        "pass" if meets else "fail",
        _("%(disadvantaged)s of %(workers)s (%(share)s); at least %(limit)s required",
          disadvantaged=ngettext("%(num)s disadvantaged worker", "%(num)s disadvantaged workers", disadvantaged),
          workers=ngettext("%(num)s worker", "%(num)s workers", workers), share=share, limit="30%"),
    )


def _social_coops_at_least_70_percent(register: RegisterSummary) -> tuple[RuleStatus, str]:
    total = register.total_members
    entities = register.members("legal_entity")
    if total == 0:
        return "not_applicable", _("No current members recorded.")
    meets, share = describe_share(entities, total, Decimal(70), at_least=True)
    return (
        "pass" if meets else "fail",
        _("%(entities)s of %(members)s (%(share)s); at least %(limit)s must be social co-operatives (legal-entity "
          "members are counted as social co-operatives, as the register does not record their form)",
          entities=ngettext("%(num)s legal-entity member", "%(num)s legal-entity members", entities),
          members=ngettext("%(num)s member", "%(num)s members", total), share=share, limit="70%"),
    )


VOLUNTEERS_RULE = ComplianceRule(
    code="it.volunteers_at_most_half",
    title=_l("Volunteer members are at most half of all members"),
    source=f"{LAW_381} art. 2 c.2",
    check=_volunteers_at_most_half,
)
DISADVANTAGED_RULE = ComplianceRule(
    code="it.type_b_disadvantaged_at_least_30_percent",
    title=_l("Disadvantaged people are at least 30% of the workers"),
    source=f"{LAW_381} art. 4 c.2",
    check=_disadvantaged_at_least_30_percent,
    only_for=frozenset({"social_coop_b"}),
    only_for_label=_l("Type B social co-operatives (work integration)"),
)
CONSORTIUM_RULE = ComplianceRule(
    code="it.consortium_social_coops_at_least_70_percent",
    title=_l("Social co-operatives are at least 70% of the consortium's members"),
    source=f"{LAW_381} art. 8",
    check=_social_coops_at_least_70_percent,
)

LEGAL_FORMS = (
    LegalForm(
        "social_coop_a",
        _l("Type A social co-operative (social, health and educational services)"),
        (VOLUNTEERS_RULE, DISADVANTAGED_RULE),
        f"{LAW_381} art. 1 c.1 lett. a",
    ),
    LegalForm(
        "social_coop_b",
        _l("Type B social co-operative (work integration of disadvantaged people)"),
        (VOLUNTEERS_RULE, DISADVANTAGED_RULE),
        f"{LAW_381} art. 1 c.1 lett. b e art. 4",
    ),
    LegalForm(
        "social_coop_consortium",
        _l("Consortium of social co-operatives"),
        (CONSORTIUM_RULE,),
        f"{LAW_381} art. 8",
    ),
)

jurisdiction = Jurisdiction(
    code="it",
    name="Italy",
    default_currency="EUR",
    locale="it_IT",
    rates_package=__name__,
    forms=LEGAL_FORMS,
    mutual_fund_defaults=FundDefaults(
        rate=Decimal("3.00"),
        minimum=Decimal("10.33"),
        due_days=60,
        legal_reserve_share=Decimal("30.00"),
        source="Law 59/1992 art. 11 (3% of net profit to the mutual funds, due within 60 days of "
        "approval of the accounts); civil code art. 2545-quater (at least 30% of net profit "
        "to the legal reserve)",
    ),
    vat_number_validator=validate_vat_number,
    payroll=payroll_pack,
    tax_code_validator=validate_tax_code,
)
