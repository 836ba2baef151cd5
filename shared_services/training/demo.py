"""Demo training: the cited catalogue, role requirements and five years of records in each demo co-op (most
current, some expiring or lapsed, a few never done), a pooled first-aid session already held, attended and
recharged, and coming sessions with seats left for the treasurers to enrol on.
"""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from consortium.clock import local_today
from consortium.tenancy import tenant_scope
from shared_services.training import service
from shared_services.training.models import TrainingCourse
from tenants.training import service as records

HISTORY_YEARS = 5
# Roles per country: (name, every worker?, share of workers holding it otherwise, course codes).
ROLES = {
    "it": [("Tutti i lavoratori", True, 0, ["IT-SIC-GEN", "IT-SIC-SPM"]),
           ("Addetti alle emergenze", False, 0.3, ["IT-PS-BC", "IT-AI-L2"]),
           ("Cucina e mensa", False, 0.2, ["IT-HACCP"])],
    "uk": [("Care worker", True, 0, ["UK-CC", "UK-MH", "UK-SGA", "UK-BLS", "UK-FIRE", "UK-IPC", "UK-MED"]),
           ("Team leader", False, 0.2, ["UK-SGC", "UK-MCA", "UK-FA"]),
           ("Kitchen staff", False, 0.2, ["UK-FOOD"])],
}
PROVIDERS = {"it": ["Ente Scuola Edile Bologna", "Croce Rossa Italiana - Comitato di Bologna", "Formart Emilia"],
             "uk": ["Skills Network Manchester", "St John Ambulance", "Care Training Partners"]}


def _history(rng, course: TrainingCourse, joined, today) -> list:
    """Completion dates of one worker's course: every validity period back to five years ago (or joining)."""
    if rng.random() < 0.06:
        return []  # never trained: a missing cell
    start = max(joined, today - timedelta(days=365 * HISTORY_YEARS))
    if course.validity_months is None:
        return [max(start, today - timedelta(days=rng.randint(30, 365 * HISTORY_YEARS)))]
    period = course.validity_months * 30
    # The latest completion falls anywhere in the last period and a little beyond: some expire soon, a few lapse.
    latest = today - timedelta(days=rng.randint(10, int(period * 1.08)))
    dates = []
    while latest >= start:
        dates.append(latest)
        latest -= timedelta(days=period - rng.randint(0, 20))
    return dates or [max(start, today - timedelta(days=rng.randint(10, 120)))]


def _coop_training(session, tenant, codes, rng, today) -> None:
    country = tenant.country if tenant.country in ROLES else "uk"
    with tenant_scope(session, tenant.id):
        workers = records.current_workers(session, today)
        if not workers:
            return
        roles = []
        for name, everyone, share, role_codes in ROLES[country]:
            holders = [] if everyone else [w.id for w in workers if rng.random() < share] or [workers[0].id]
            roles.append({"name": name, "all_workers": everyone, "course_ids": [codes[c].id for c in role_codes],
                          "member_ids": holders})
        records.replace_requirements(session, tenant.id, roles, today=today)
        rows = []
        for person in workers:
            required = {c for r in roles if r["all_workers"] or person.id in r["member_ids"] for c in r["course_ids"]}
            for course in (c for c in codes.values() if c.id in required):
                for completed in _history(rng, course, person.joined_on, today):
                    rows.append({"member_id": person.id, "course_id": course.id, "completed_on": completed,
                                 "provider": rng.choice(PROVIDERS[country])})
        records.import_records(session, tenant.id, rows, today=today)


def _pooled_sessions(session, tenants, codes, rng, today) -> None:
    issuer = tenants["consorzio-sol"]
    held = service.create_session(session, {
        "course_id": codes["IT-PS-BC"].id, "held_on": today - timedelta(days=12),
        "place": "Sala formazione, Piazza Maggiore 3, Bologna", "trainer": "Dott.ssa Laura Benassi (118 Bologna)",
        "seats": 16, "cost_basis": "per_session", "cost": Decimal("1440.00"), "split_by": "attendees",
        "invoicing_tenant": issuer.slug, "vat_category": "esente_art10"}, today=today)
    for slug, count in (("girasole", 4), ("fragola-lavoro", 3)):
        with tenant_scope(session, tenants[slug].id):
            workers = records.current_workers(session, today)[:count]
            service.enrol(session, tenants[slug], held.id, [w.id for w in workers], today=held.held_on)
    parts = service.session_parts(session, held)
    results = []
    for part in parts:
        for index, enrolment in enumerate(part.enrolments):
            results.append({"enrolment_id": enrolment.id,
                            "result": "absent" if index == 2 else "failed" if index == 3 else "passed"})
    service.record_attendance(session, held, results, today=today)
    service.recharge(session, held, today=today)
    # Held last week in Manchester: Riverside's carers attended, the results are still to be recorded.
    pending = service.create_session(session, {
        "course_id": codes["UK-BLS"].id, "held_on": today - timedelta(days=4),
        "place": "Riverside Care, 14 Mill Lane, Manchester", "trainer": "Sam Patel, BLS instructor",
        "seats": 8, "cost_basis": "per_session", "cost": Decimal("480.00"), "split_by": "attendees",
        "invoicing_tenant": issuer.slug, "vat_category": "non_soggetta"}, today=today)
    # Two VAT-registered co-ops: the recharge is an Italian e-invoice, which names each buyer's tax id (SdI 00417).
    for slug, count in (("riverside-care", 3), ("green-futures", 2)):
        with tenant_scope(session, tenants[slug].id):
            workers = records.current_workers(session, today)[-count:]
            service.enrol(session, tenants[slug], pending.id, [w.id for w in workers], today=pending.held_on)
    for code, days, place, trainer, seats, cost, basis in (
            ("IT-SIC-AGG", 21, "Online (Zoom del consorzio)", "Ing. Paolo Ferri, RSPP", 30, "35.00", "per_seat"),
            ("IT-AI-L2", 40, "Caserma VVF Bologna, via del Lazzaretto 20", "Vigili del Fuoco - formatori GSA", 12,
             "960.00", "per_session"),
            ("UK-MH", 18, "Community hall, 14 Mill Lane, Manchester", "Jo Barker, moving and handling trainer", 10,
             "600.00", "per_session"),
            ("UK-FIRE", 33, "Green Futures, 2 Canal Street, Leeds", "West Yorkshire Fire Safety Training", 14,
             "45.00", "per_seat")):
        service.create_session(session, {
            "course_id": codes[code].id, "held_on": today + timedelta(days=days),
            "place": place, "trainer": trainer, "seats": seats, "cost_basis": basis, "cost": Decimal(cost),
            "split_by": "seats" if basis == "per_seat" else "attendees", "invoicing_tenant": issuer.slug,
            "vat_category": "esente_art10" if code.startswith("IT") else "non_soggetta"}, today=today)


def load_demo_training(session, tenants, users, rng) -> None:
    """Catalogue, requirements, records, and pooled sessions for the demo consortium."""
    today = local_today()
    service.load_catalogue(session)
    codes = {c.code: c for c in session.scalars(select(TrainingCourse))}
    for tenant in tenants.values():
        if tenant.legal_form != "social_coop_consortium":
            _coop_training(session, tenant, codes, rng, today)
    _pooled_sessions(session, tenants, codes, rng, today)
