"""Demo tendering: UK (Find a Tender) and Italian (ANAC) notices imported from OCDS files, co-ops' profiles
and answers, a draft bid, a submitted bid awarded by a later OCDS release, and its contract."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import select

from consortium.tenancy import consortium_scope, tenant_scope
from shared_services.tendering import service
from shared_services.tendering.models import TenderNotice

FILES = Path(__file__).resolve().parent / "demo_notices"

PROFILES = {
    "girasole": {"cpv_codes": ["85300000", "85311000"], "areas": ["ITH55"], "hours_per_week": Decimal("600"),
                 "qualified_staff": 42, "disadvantaged_percent": Decimal("8"),
                 "notes": "Accreditamento socio-sanitario regionale per assistenza domiciliare."},
    "fragola-lavoro": {"cpv_codes": ["90910000", "77311000"], "areas": ["ITH55", "ITH54"],
                       "hours_per_week": Decimal("900"), "qualified_staff": 55, "disadvantaged_percent": Decimal("41"),
                       "notes": "Cooperativa di tipo B: pulizie civili, verde pubblico, facchinaggio."},
    "piccola-fragola": {"cpv_codes": ["90919200"], "areas": ["ITH55"], "hours_per_week": Decimal("120"),
                        "qualified_staff": 9, "disadvantaged_percent": Decimal("55")},
    "riverside-care": {"cpv_codes": ["85312000", "85311200"], "areas": ["UKD3"], "hours_per_week": Decimal("450"),
                       "qualified_staff": 38, "disadvantaged_percent": Decimal("12"),
                       "notes": "CQC rated Good; Care Certificate for every carer."},
    "green-futures": {"cpv_codes": ["85312100", "77311000"], "areas": ["UKE42", "UKE44"], "places": 30,
                      "qualified_staff": 14, "disadvantaged_percent": Decimal("48")},
    "northfield-cic": {"cpv_codes": ["85312000", "85312100"], "areas": ["UKD3", "UKE42", "UKE32"],
                       "hours_per_week": Decimal("260"), "qualified_staff": 21, "disadvantaged_percent": Decimal("35")},
}


def _our_names() -> tuple[str, ...]:
    return (current_app.config["CONSORTIUM_NAME"] if has_app_context() else "Consorzio Fragola", "Consorzio Fragola")


def _import(session, name: str):
    service.import_package(session, (FILES / name).read_bytes(), origin="upload", filename=name,
                           our_names=_our_names())


def _notice(session, ocid: str) -> TenderNotice:
    return session.scalar(select(TenderNotice).where(TenderNotice.ocid == ocid))


def _answer(session, tenant, notice, answers, user_id=None):
    with tenant_scope(session, tenant.id):
        service.save_answers(session, tenant.id, notice.id, answers, user_id=user_id, today=notice.answers_due,
                             now=datetime.combine(notice.answers_due, datetime.min.time(), UTC))


def load_demo_tendering(session, tenants, users, rng) -> None:
    """Notices, profiles, answers, two bids (one awarded, one draft) and a contract."""
    for slug, profile in PROFILES.items():
        with tenant_scope(session, tenants[slug].id):
            service.save_profile(session, tenants[slug].id, profile)
    with consortium_scope(session):
        for name in ("fts-manchester-home-care.json", "fts-leeds-day-opportunities.json", "anac-bologna.json"):
            _import(session, name)
        session.add(service.TenderSource(
            name="Find a Tender: tender notices", active=False, interval_minutes=360, max_pages=20,
            url="https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages?stages=tender&limit=100",
            next_fetch_at=None))
        session.add(service.TenderSource(
            name="Contracts Finder: published notices", active=False, interval_minutes=720, max_pages=10,
            url="https://www.contractsfinder.service.gov.uk/Published/Notices/OCDS/Search?stages=tender&limit=100",
            next_fetch_at=None))

        # Leeds (earlier in 2026): answered, bid, submitted; the award arrives as a later OCDS release.
        leeds = _notice(session, "ocds-h6vhtk-03f7a2")
        leeds.reserved = True
        service.open_notice(session, leeds, to="matching", answers_due=date(2026, 5, 15), today=date(2026, 4, 22))
    lot = leeds.lots[0]
    _answer(session, tenants["green-futures"], leeds, [{"lot": lot.lot_id, "interested": True,
                                                       "capacity": Decimal("7000"),
                                                       "staff": 14, "disadvantaged_percent": Decimal("48"),
                                                       "unit_cost": Decimal("41.50"), "notes": "Two sites in Leeds."}])
    _answer(session, tenants["northfield-cic"], leeds, [{"lot": lot.lot_id, "interested": True,
                                                        "capacity": Decimal("6000"), "staff": 9,
                                                        "disadvantaged_percent": Decimal("35"),
                                                        "unit_cost": Decimal("44.00"), "notes": None}])
    with consortium_scope(session):
        submitted_at = datetime(2026, 5, 27, 10, 0, tzinfo=UTC)
        bid = service.draft_bid(session, leeds.id, now=submitted_at)
        service.decide_lot(session, bid, "1", "go")
        service.allocate_lot(session, bid, "1", [
            {"tenant_id": tenants["green-futures"].id, "share_percent": Decimal("55"),
             "part": "Day opportunities and supported volunteering, Leeds"},
            {"tenant_id": tenants["northfield-cic"].id, "share_percent": Decimal("45"),
             "part": "Work tasters and transport, Kirklees"}])
        insurance = service.add_requirement(session, bid, kind="insurance", label="Public liability insurance £5m")
        for slug, ref in (("green-futures", "PL-77120-GF"), ("northfield-cic", "PL-30981-NF")):
            service.record_evidence(session, bid, insurance.id, tenant_id=tenants[slug].id, reference=ref,
                                    expires_on=date(2027, 3, 31))
        service.submit_bid(session, bid, user_id=users["staff"].id, now=submitted_at)
        _import(session, "fts-leeds-day-opportunities-award.json")  # the UK6 award names the consortium

        # Bologna cleaning and parks (reserved, art. 61): open, answered by the type-B co-ops, draft bid.
        bologna = _notice(session, "ocds-hu01ve-B8E31C4A27")
        bologna.reserved = True
        service.open_notice(session, bologna, to="matching", answers_due=date(2027, 1, 12), today=date(2026, 11, 20))
    first, second = bologna.lots[0], bologna.lots[1]
    _answer(session, tenants["fragola-lavoro"], bologna, [
        {"lot": first.lot_id, "interested": True, "capacity": Decimal("20000"), "staff": 24,
         "disadvantaged_percent": Decimal("41"), "unit_cost": Decimal("19.80"),
         "notes": "Squadre già attive in Navile."},
        {"lot": second.lot_id, "interested": True, "capacity": Decimal("14000"), "staff": 12,
         "disadvantaged_percent": Decimal("50"), "unit_cost": Decimal("22.40"), "notes": None}], users["treasurer"].id)
    with consortium_scope(session):
        service.open_notice(session, bologna, to="all", answers_due=date(2027, 1, 12), today=date(2026, 11, 20))
    _answer(session, tenants["piccola-fragola"], bologna, [
        {"lot": first.lot_id, "interested": True, "capacity": Decimal("9000"), "staff": 8,
         "disadvantaged_percent": Decimal("55"), "unit_cost": Decimal("18.90"), "notes": "Solo uffici e scuole."},
        {"lot": second.lot_id, "interested": False, "notes": "Non abbiamo mezzi per il verde."}])
    with consortium_scope(session):
        draft = service.draft_bid(session, bologna.id, now=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        service.set_bid_terms(session, draft, margin_percent=Decimal("6.00"))
        service.decide_lot(session, draft, "1", "go")
        service.allocate_lot(session, draft, "1", [
            {"tenant_id": tenants["fragola-lavoro"].id, "share_percent": Decimal("70"),
             "part": "Pulizia scuole e uffici, zona Bolognina"},
            {"tenant_id": tenants["piccola-fragola"].id, "share_percent": Decimal("30"),
             "part": "Pulizia uffici, zona Corticella"}])
        durc = service.add_requirement(session, draft, kind="durc", label="DURC in corso di validità")
        service.record_evidence(session, draft, durc.id, tenant_id=tenants["fragola-lavoro"].id,
                                reference="INPS_48812093", expires_on=date(2027, 3, 2))
        service.add_requirement(session, draft, kind="regional_register",
                                label="Iscrizione all'albo regionale delle cooperative sociali")

        # Manchester home care: opened to the matching co-ops; Riverside answered, Northfield not yet.
        manchester = _notice(session, "ocds-h6vhtk-04b3e9")
        service.open_notice(session, manchester, to="matching", answers_due=date(2027, 1, 11), today=date(2026, 11, 26))
    _answer(session, tenants["riverside-care"], manchester, [
        {"lot": "1", "interested": True, "capacity": Decimal("18000"), "staff": 22,
         "disadvantaged_percent": Decimal("12"),
         "unit_cost": Decimal("23.10"), "notes": "Existing rounds in Crumpsall."},
        {"lot": "2", "interested": False, "notes": None}], users["uk_treasurer"].id)
