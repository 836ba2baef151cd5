"""Joint tendering: import notices (OCDS), match them to co-ops, collect co-ops' answers per lot, build the
joint bid (go / no-go, allocation, price, requirements), submit it, record the award as contracts, and
export the consortium's pipeline as OCDS.

Plain functions taking a session; they flush, never commit. Consortium-level reads of co-ops' answers
and profiles run inside `consortium_scope` with `execution_options(all_tenants=True)`; a co-op's own
reads go through the tenant filter.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from sqlalchemy import String, any_, bindparam, func, insert, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import selectinload

from consortium.db import as_utc, utcnow
from consortium.errors import Conflict, NotFound, ServiceError, field_error
from consortium.i18n import _
from consortium.models import Tenant
from consortium.tenancy import app_role_scope, consortium_scope, tenant_scope
from shared_services.tendering import ocds
from shared_services.tendering.models import (
    UNITS,
    BidAllocation,
    BidLot,
    BidRequirement,
    ContractShare,
    RequirementEvidence,
    TenderBid,
    TenderContract,
    TenderImport,
    TenderInterest,
    TenderInvitation,
    TenderLot,
    TenderNotice,
    TenderProfile,
    TenderRelease,
    TenderSource,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")
# PA 2023 s.32(4) (legislation.gov.uk/ukpga/2023/54/part/3/chapter/2/crossheading/reserving-contracts-to-
# certain-suppliers): at least 30% of the workforce, counting the combined workforce where more than one
# organisation performs the contract; D.Lgs. 36/2023 art. 61 (ius.lefebvregiuffre, art. 61 text): at least
# 30% of workers disabled or disadvantaged. Research notes: shared/research/wave2-facts.md section 3.
RESERVED_MIN_DISADVANTAGED_PERCENT = Decimal("30")
FETCH_TIMEOUT = (5, 30)  # seconds: connect, read
MAX_BACKOFF = timedelta(hours=6)
BACKOFF_BASE = timedelta(minutes=5)
ERROR_LIMIT = 1000
LIVE_BID = ("draft", "submitted", "won", "lost", "withdrawn")


def money(value: Decimal) -> Decimal:
    """Rounded half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


# --------------------------------------------------------------------------- CPV and areas


def cpv_prefix(code: str) -> str:
    """A CPV code as the prefix it stands for: 85300000 (a group) → '853'; at least the 2-digit division."""
    digits = "".join(ch for ch in str(code).split("-")[0] if ch.isdigit())[:8]
    stripped = digits.rstrip("0")
    return digits[:max(2, len(stripped))] if len(digits) >= 2 else digits


def check_cpv_codes(codes, field_name: str) -> list[str]:
    """Validated 8-digit CPV codes (the check digit after '-' may be given and is dropped)."""
    cleaned = []
    for index, code in enumerate(codes or []):
        digits = str(code).strip().split("-")[0]
        if len(digits) != 8 or not digits.isdigit():
            raise field_error(f"{field_name}[{index}]", _("%(code)s is not an 8-digit CPV code", code=code))
        if digits not in cleaned:
            cleaned.append(digits)
    return cleaned


def index_text(values) -> str:
    """' 85311000 90910000 ': values lower-cased and space-delimited, so '% 853%' finds a code under 853."""
    words = sorted({str(v).strip().lower().replace(" ", "_") for v in values or [] if str(v).strip()})
    return " " + " ".join(words) + " " if words else " "


def cpv_matches(profile_codes, notice_codes) -> bool:
    """True if a notice code falls under one of the profile's codes (CPV is a hierarchy of prefixes)."""
    prefixes = [cpv_prefix(code) for code in profile_codes]
    return any(str(code).startswith(prefix) for code in notice_codes for prefix in prefixes)


def areas_match(profile_areas, notice_areas) -> bool:
    """True if the areas overlap, or either side names none (then the area does not restrict).

    Areas are NUTS / ITL codes (UKD33, ITH55) or place names; a code matches its sub-regions ('UKD3' covers
    'UKD33'), names match case-insensitively.
    """
    if not profile_areas or not notice_areas:
        return True
    wanted = [a.strip().lower() for a in profile_areas if a and a.strip()]
    return any(n.strip().lower().startswith(w) for n in notice_areas if n for w in wanted)


# --------------------------------------------------------------------------- imports


@dataclass
class ImportCounts:
    """What one page or file did."""

    releases_new: int = 0
    releases_known: int = 0
    notices_new: int = 0
    notices_updated: int = 0


def _unit_code(name: str | None) -> str:
    word = (name or "").strip().lower().rstrip("s")
    return {"hour": "hour", "ora": "hour", "ore": "hour", "place": "place", "posto": "place", "visit": "visit",
            "meal": "meal", "pasto": "meal"}.get(word, "hour" if not word else "unit")


def _apply_release_to_notice(notice, data: ocds.ReleaseData, new_lot=TenderLot) -> None:
    """Bring a notice (an ORM row, or a plain namespace being built for a bulk insert) up to `data`."""
    for name in ("buyer_name", "buyer_id", "description", "status", "value", "currency", "procurement_method",
                 "main_category", "award_criteria", "award_criteria_details", "submission_deadline",
                 "enquiry_deadline", "language", "max_lots_bid", "max_lots_awarded"):
        value = getattr(data, name)
        if value is not None:
            setattr(notice, name, value)
    if data.title:
        notice.title = data.title[:500]
    elif not notice.title:
        notice.title = data.ocid
    if data.cpv_codes:
        notice.cpv_codes = data.cpv_codes
        notice.cpv_index = index_text(data.cpv_codes)
    if data.areas:
        notice.areas = data.areas
        notice.area_index = index_text(data.areas)
    if data.lot_groups is not None:  # a release stating lot groups states all of them
        notice.lot_groups = [group.as_json() for group in data.lot_groups]
    if data.documents:
        known = {d["id"]: d for d in notice.documents or []}
        for document in data.documents:
            known[document["id"]] = document
        notice.documents = list(known.values())
    lots = {lot.lot_id: lot for lot in notice.lots}
    for position, lot_data in enumerate(data.lots):
        lot = lots.get(lot_data.lot_id)
        if lot is None:
            lot = new_lot(lot_id=lot_data.lot_id, position=position, title=lot_data.title or lot_data.lot_id,
                          cpv_codes=[], unit="hour", description=None, status=None, value=None, currency=None,
                          quantity=None, contract_start=None, contract_end=None)
            notice.lots.append(lot)
            lots[lot.lot_id] = lot
        for name in ("description", "status", "value", "currency", "quantity"):
            if getattr(lot_data, name) is not None:
                setattr(lot, name, getattr(lot_data, name))
        if lot_data.title:
            lot.title = lot_data.title[:500]
        if lot_data.cpv_codes:
            lot.cpv_codes = lot_data.cpv_codes
        if lot_data.unit:
            lot.unit = _unit_code(lot_data.unit)
        lot.contract_start = _day(lot_data.contract_start) or lot.contract_start
        lot.contract_end = _day(lot_data.contract_end) or lot.contract_end
    if not notice.lots:
        # A notice without lots is bid as one lot, as OCDS reads it (the lots extension: no lot = the whole tender).
        notice.lots.append(new_lot(lot_id="1", position=0, title=notice.title, value=notice.value,
                                   currency=notice.currency, cpv_codes=notice.cpv_codes or [], unit="hour",
                                   description=None, status=None, quantity=None, contract_start=None,
                                   contract_end=None))


def apply_releases(session, releases: list[dict], *, import_row: TenderImport | None, source_id: int | None = None,
                   our_names: tuple[str, ...] = ()) -> ImportCounts:
    """Store each release not seen before (by ocid and release id) and bring its notice up to date.

    A newer release (by date) updates the notice; an older one arriving late is kept in the history
    only. Awards in a release are applied to a submitted bid when one of `our_names` is a supplier.
    """
    counts = ImportCounts()
    ocids = sorted({release["ocid"] for release in releases})
    known: set[tuple[str, str]] = set()
    if session.connection().dialect.name == "postgresql":
        # One SELECT with the ocids as one array parameter: batches of IN lists each scan the releases again
        # when the planner has no statistics yet (right after a large import).
        known.update(session.execute(select(TenderRelease.ocid, TenderRelease.release_id).where(
            TenderRelease.ocid == any_(bindparam("ocids", ocids, type_=ARRAY(String))))).all())
    else:
        for start in range(0, len(ocids), 500):
            known.update(session.execute(select(TenderRelease.ocid, TenderRelease.release_id)
                                         .where(TenderRelease.ocid.in_(ocids[start:start + 500]))).all())
    # Only notices with a release not seen before are loaded: a re-import reads no notice at all.
    changed = sorted({r["ocid"] for r in releases if (r["ocid"], str(r["id"])) not in known})
    notices: dict[str, TenderNotice] = {}
    for start in range(0, len(changed), 500):
        for notice in session.scalars(select(TenderNotice).where(TenderNotice.ocid.in_(changed[start:start + 500]))
                                      .options(selectinload(TenderNotice.lots))):
            notices[notice.ocid] = notice
    fresh: dict[str, list[ocds.ReleaseData]] = {}
    history: list[dict] = []  # releases of notices we have, one row each (no ORM object per release)
    import_id = import_row.id if import_row else None
    now = utcnow()
    for release in sorted(releases, key=lambda r: (str(r.get("date") or ""), str(r["id"]))):
        key = (release["ocid"], str(release["id"]))
        if key in known:
            counts.releases_known += 1
            continue
        known.add(key)
        data = ocds.read_release(release)
        data.payload = release
        notice = notices.get(data.ocid)
        if notice is None:
            fresh.setdefault(data.ocid, []).append(data)  # a notice new to us: inserted in bulk below
            continue
        newest = notice.latest_release_date is None or (data.date and data.date >= as_utc(notice.latest_release_date))
        if newest:
            _apply_release_to_notice(notice, data)
            notice.latest_release_id = data.release_id
            notice.latest_release_date = data.date
            counts.notices_updated += 1
        history.append(_release_row(data, notice.id, import_id, now))  # inserted in bulk below
        counts.releases_new += 1
        if data.awards and our_names:
            session.flush()
            _apply_ocds_awards(session, notice, data, our_names)
    session.flush()
    _insert_rows(session, TenderRelease.__table__, history)
    if fresh:
        _insert_new_notices(session, fresh, import_id=import_id, source_id=source_id, counts=counts)
    return counts


_NOTICE_COLUMNS = [c.key for c in TenderNotice.__table__.columns if c.key not in ("id",)]
_LOT_COLUMNS = [c.key for c in TenderLot.__table__.columns if c.key not in ("id", "notice_id")]


def _insert_new_notices(session, fresh: dict[str, list], *, import_id, source_id, counts: ImportCounts) -> None:
    """Notices seen for the first time, with their lots and releases: three COPYs on PostgreSQL (the notice ids
    drawn from their sequence first), multi-row INSERTs elsewhere.

    A large first import (10,000 releases) would spend most of its time in the ORM's unit of work and
    one audit row per notice and lot; these rows are public data copied from the publisher, and the
    import log (`tender_imports`, with the release ids in `tender_releases`) is their record.
    """
    now = utcnow()
    built = []
    for ocid, releases in fresh.items():
        notice = SimpleNamespace(
            ocid=ocid, origin="ocds", source_id=source_id, title=None, cpv_codes=[], cpv_index=" ", area_index=" ",
            areas=[], lot_groups=[],
            documents=[], lots=[], reserved=False, opened_at=None, opened_to=None, answers_due=None,
            created_at=now, updated_at=now, **{name: None for name in (
                "buyer_name", "buyer_id", "description", "status", "value", "currency", "procurement_method",
                "main_category", "award_criteria", "award_criteria_details", "submission_deadline",
                "enquiry_deadline", "language", "max_lots_bid", "max_lots_awarded")})
        for data in releases:  # oldest first: each newer release overrides what it states
            _apply_release_to_notice(notice, data, new_lot=SimpleNamespace)
            notice.latest_release_id, notice.latest_release_date = data.release_id, data.date
        built.append((notice, releases))
    rows = [{name: getattr(notice, name) for name in _NOTICE_COLUMNS} for notice, _ in built]
    postgresql = session.connection().dialect.name == "postgresql"
    ids = {}
    if postgresql:
        # The ids first (one round trip), so the notices, their lots and releases are three COPYs.
        new_ids = session.scalars(text("SELECT nextval(pg_get_serial_sequence('tender_notices', 'id')) "
                                       "FROM generate_series(1, :n)"), {"n": len(rows)}).all()
        for row, notice_id in zip(rows, new_ids, strict=True):
            row["id"] = ids[row["ocid"]] = notice_id
        _copy_rows(session, TenderNotice.__table__, rows)
    else:
        for start in range(0, len(rows), 1000):
            result = session.execute(insert(TenderNotice.__table__).returning(TenderNotice.__table__.c.id,
                                                                              TenderNotice.__table__.c.ocid),
                                     rows[start:start + 1000])
            ids.update({ocid: notice_id for notice_id, ocid in result})
    lots = [{"notice_id": ids[notice.ocid], **{name: getattr(lot, name, None) for name in _LOT_COLUMNS}}
            for notice, _ in built for lot in notice.lots]
    releases = [_release_row(data, ids[data.ocid], import_id, now) for _, datas in built for data in datas]
    _insert_rows(session, TenderLot.__table__, lots)
    _insert_rows(session, TenderRelease.__table__, releases)
    counts.notices_new += len(built)
    counts.releases_new += len(releases)


def _release_row(data: ocds.ReleaseData, notice_id: int, import_id: int | None, now: datetime) -> dict:
    return {"notice_id": notice_id, "ocid": data.ocid, "release_id": data.release_id, "date": data.date,
            "tags": data.tags, "payload": data.payload, "import_id": import_id, "created_at": now}


def _insert_rows(session, table, rows: list[dict]) -> None:
    """Rows (dicts with the same keys) into `table`: one COPY on PostgreSQL, else INSERTs of 1,000 rows."""
    if not rows:
        return
    if session.connection().dialect.name == "postgresql":
        _copy_rows(session, table, rows)
        return
    for start in range(0, len(rows), 1000):
        session.execute(insert(table), rows[start:start + 1000])


def _copy_rows(session, table, rows: list[dict]) -> None:
    """`COPY table (columns) FROM STDIN` in the session's transaction (PostgreSQL).

    Each value goes through its column type's bind processing, as an INSERT's would (JSON documents as
    psycopg's Jsonb, numbers and times as psycopg adapts them). A multi-row INSERT of 10,000 releases
    spends most of its time in the driver splitting a statement of tens of thousands of placeholders.
    """
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    pairs = list(zip(names, processors, strict=True))
    quote = dialect.identifier_preparer.quote
    statement = (f"COPY {dialect.identifier_preparer.format_table(table)} "
                 f"({', '.join(quote(name) for name in names)}) FROM STDIN")
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[name] if process is None else process(row[name]) for name, process in pairs])


def import_package(session, raw: bytes, *, origin: str, filename: str | None = None,
                   our_names: tuple[str, ...] = ()) -> TenderImport:
    """Import an uploaded OCDS release or record package; refuses the whole file if it does not validate."""
    try:
        kind, package = ocds.parse_package(raw)
    except ocds.OcdsError as error:
        raise ServiceError(error.message, error.errors) from None
    row = TenderImport(origin=origin, filename=filename, pages=1, started_at=utcnow())
    session.add(row)
    session.flush()
    counts = apply_releases(session, ocds.releases_of(kind, package), import_row=row, our_names=our_names)
    _finish_import(row, counts)
    session.flush()
    return row


def _finish_import(row: TenderImport, counts: ImportCounts) -> None:
    row.releases_new += counts.releases_new
    row.releases_known += counts.releases_known
    row.notices_new += counts.notices_new
    row.notices_updated += counts.notices_updated
    row.finished_at = utcnow()


def imports_query(source_id: int | None = None):
    """Imports and fetches, newest first."""
    query = select(TenderImport).order_by(TenderImport.started_at.desc(), TenderImport.id.desc())
    return query if source_id is None else query.where(TenderImport.source_id == source_id)


# --------------------------------------------------------------------------- sources and fetching


def check_source_url(url: str) -> str:
    """An http(s) URL, or a field error."""
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
        raise field_error("url", _("must be an http or https address"))
    return url


def create_source(session, data: dict) -> TenderSource:
    """Configure an OCDS endpoint to fetch on a schedule (e.g. Find a Tender's ocdsReleasePackages)."""
    source = TenderSource(name=data["name"].strip(), url=check_source_url(data["url"]),
                          interval_minutes=data.get("interval_minutes") or 360, max_pages=data.get("max_pages") or 20,
                          active=data.get("active", True), next_fetch_at=utcnow())
    session.add(source)
    session.flush()
    return source


def get_source(session, source_id: int) -> TenderSource:
    """One source, or NotFound."""
    source = session.get(TenderSource, source_id)
    if source is None:
        raise NotFound(_("No such notice source."))
    return source


def sources_query():
    """Every configured source, by name."""
    return select(TenderSource).order_by(TenderSource.name, TenderSource.id)


def backoff(failures: int) -> timedelta:
    """Wait after the `failures`-th failure in a row: 5 minutes doubling, at most 6 hours."""
    return min(BACKOFF_BASE * 2 ** max(failures - 1, 0), MAX_BACKOFF)


def fetch_source(session, source: TenderSource, *, now: datetime, get=None,
                 our_names: tuple[str, ...] = ()) -> TenderImport:
    """Fetch the source's pages (following `links.next`) with `get` (requests.get by default), import each, and
    record the fetch.

    Pages imported before a failure stay imported; the failure is recorded, and the source is retried
    with backoff from its first page (releases already stored are recognised, so nothing is doubled).
    """
    import requests  # 5 MB, loaded where notices are fetched (the scheduler), not in every web worker (issue 16)

    get = get or requests.get
    row = TenderImport(source_id=source.id, origin="fetch", started_at=now)
    session.add(row)
    session.flush()
    url, seen = source.url, set()
    try:
        while url and row.pages < source.max_pages and url not in seen:
            seen.add(url)
            response = get(url, timeout=FETCH_TIMEOUT, headers={"Accept": "application/json"})
            response.raise_for_status()
            try:
                kind, package = ocds.parse_package(response.content)
            except ocds.OcdsError as error:
                details = "; ".join(f"{path}: {' '.join(m)}" for path, m in list(error.errors.items())[:5])
                raise ValueError(f"page {row.pages + 1} ({url}): {error.message} [{details}]") from None
            row.pages += 1
            counts = apply_releases(session, ocds.releases_of(kind, package), import_row=row, source_id=source.id,
                                    our_names=our_names)
            _finish_import(row, counts)
            url = ocds.next_page_url(package)
    except (requests.RequestException, ValueError) as error:
        row.ok = False
        row.error = f"{type(error).__name__}: {error}"[:ERROR_LIMIT]
        row.finished_at = utcnow()
        source.failures += 1
        source.last_error = row.error
        source.next_fetch_at = now + backoff(source.failures)
        logger.warning("tender source %s fetch failed (%s in a row): %s", source.id, source.failures, row.error)
    else:
        row.finished_at = row.finished_at or utcnow()
        source.failures = 0
        source.last_error = None
        source.next_fetch_at = now + timedelta(minutes=source.interval_minutes)
    session.flush()
    return row


def fetch_due_sources(session, *, now: datetime, get=None, our_names: tuple[str, ...] = ()) -> list:
    """Fetch every active source that is due; rows another run holds are skipped (PostgreSQL)."""
    query = (select(TenderSource).where(TenderSource.active.is_(True), TenderSource.next_fetch_at <= now)
             .order_by(TenderSource.next_fetch_at, TenderSource.id).with_for_update(skip_locked=True))
    return [fetch_source(session, source, now=now, get=get, our_names=our_names)
            for source in session.scalars(query).all()]


def fetch_now(session, source: TenderSource) -> TenderSource:
    """Make the source due at once (the next scheduler run fetches it)."""
    source.next_fetch_at = utcnow()
    session.flush()
    return source


# --------------------------------------------------------------------------- notices


def notices_query(*, status: str | None = None, search: str | None = None, opened: bool | None = None):
    """Notices, soonest deadline first (past deadlines last)."""
    query = select(TenderNotice).order_by(TenderNotice.submission_deadline.desc().nulls_last(), TenderNotice.id)
    if status:
        query = query.where(TenderNotice.status == status)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(or_(TenderNotice.title.ilike(like), TenderNotice.buyer_name.ilike(like),
                                TenderNotice.ocid.ilike(like)))
    if opened is not None:
        query = query.where(TenderNotice.opened_at.is_not(None) if opened else TenderNotice.opened_at.is_(None))
    return query


def get_notice(session, notice_id: int) -> TenderNotice:
    """One notice with its lots, or NotFound."""
    notice = session.scalar(select(TenderNotice).where(TenderNotice.id == notice_id)
                            .options(selectinload(TenderNotice.lots)))
    if notice is None:
        raise NotFound(_("No such tender notice."))
    return notice


def notice_releases(session, notice_id: int) -> list[TenderRelease]:
    """The notice's release history, oldest first."""
    return list(session.scalars(select(TenderRelease).where(TenderRelease.notice_id == notice_id)
                                .order_by(TenderRelease.date, TenderRelease.id)))


def create_manual_notice(session, data: dict) -> TenderNotice:
    """A notice typed in by staff (one not published as OCDS); its lots as given, else one lot."""
    reference = data["reference"].strip()
    ocid = f"manual-{reference}"
    if session.scalar(select(TenderNotice.id).where(TenderNotice.ocid == ocid)):
        raise Conflict(_("A notice with reference %(ref)s exists already.", ref=reference), {"reference": [
            _("already used")]})
    codes = check_cpv_codes(data.get("cpv_codes"), "cpv_codes")
    notice = TenderNotice(
        ocid=ocid, origin="manual", title=data["title"].strip(), buyer_name=data["buyer_name"].strip(),
        description=data.get("description"), value=data.get("value"), currency=data["currency"], status="active",
        submission_deadline=data["submission_deadline"], enquiry_deadline=data.get("enquiry_deadline"),
        award_criteria_details=data.get("award_criteria_details"), cpv_codes=codes, cpv_index=index_text(codes),
        areas=[a.strip() for a in data.get("areas") or [] if a.strip()],
        area_index=index_text(data.get("areas")),
        documents=[{"id": str(i + 1), "title": d.get("title") or d["url"], "url": d["url"], "type": None}
                   for i, d in enumerate(data.get("documents") or [])],
        reserved=data.get("reserved", False), latest_release_date=utcnow(),
    )
    lots = data.get("lots") or [{"lot_id": "1", "title": notice.title, "value": notice.value}]
    seen = set()
    for position, lot in enumerate(lots):
        if lot["lot_id"] in seen:
            raise field_error(f"lots[{position}].lot_id", _("lot %(lot)s is listed twice", lot=lot["lot_id"]))
        seen.add(lot["lot_id"])
        notice.lots.append(TenderLot(lot_id=lot["lot_id"], position=position, title=lot.get("title") or notice.title,
                                     value=lot.get("value"), currency=notice.currency, cpv_codes=codes,
                                     quantity=lot.get("quantity"), unit=lot.get("unit") or "hour"))
    session.add(notice)
    session.flush()
    return notice


def set_reserved(session, notice: TenderNotice, reserved: bool) -> TenderNotice:
    """Mark the notice reserved (supported employment providers / social co-ops) or not."""
    notice.reserved = reserved
    session.flush()
    return notice


def lot_by_key(notice: TenderNotice, lot_key: str, field_name: str = "lot") -> TenderLot:
    """The notice's lot named by its OCDS lot id, or a field error naming it."""
    for lot in notice.lots:
        if lot.lot_id == str(lot_key):
            return lot
    raise field_error(field_name, _("the notice has no lot %(lot)s", lot=lot_key))


# --------------------------------------------------------------------------- profiles and matching


def get_profile(session, tenant_id: int) -> TenderProfile | None:
    """The co-op's profile, or None if it has not written one."""
    return session.scalar(select(TenderProfile).where(TenderProfile.tenant_id == tenant_id))


def save_profile(session, tenant_id: int, data: dict) -> TenderProfile:
    """Create or replace the co-op's profile."""
    codes = check_cpv_codes(data.get("cpv_codes"), "cpv_codes")
    profile = get_profile(session, tenant_id) or TenderProfile(tenant_id=tenant_id)
    profile.cpv_codes = codes
    profile.areas = [a.strip() for a in data.get("areas") or [] if a and a.strip()]
    for name in ("hours_per_week", "places", "qualified_staff", "disadvantaged_percent", "notes"):
        setattr(profile, name, data.get(name))
    session.add(profile)
    session.flush()
    return profile


def matching_notices(session, profile: TenderProfile | None, *, now: datetime, limit: int = 100) -> list:
    """Notices still open whose CPV codes fall under the profile's and whose areas overlap, soonest deadline
    first, then those stating no deadline.

    Each profile code is a prefix LIKE on the notice's code index; each area a prefix LIKE on its area index
    (a notice naming no area matches every profile, as `areas_match` says). Open notices with a deadline are
    one range of the deadline index, read in its order until `limit` match (an OR with "no deadline" would
    make the database read every closed notice first); those without a deadline follow in a second SELECT.
    """
    if profile is None or not profile.cpv_codes:
        return []
    codes = or_(*[TenderNotice.cpv_index.like(f"% {cpv_prefix(code)}%") for code in profile.cpv_codes])
    query = select(TenderNotice).where(
        codes, or_(TenderNotice.status.is_(None), TenderNotice.status.in_(("active", "planned", "planning"))))
    areas = [a.strip().lower().replace(" ", "_") for a in profile.areas or [] if a.strip()]
    if areas:
        query = query.where(or_(TenderNotice.area_index == " ",
                                *[TenderNotice.area_index.like(f"% {area}%") for area in areas]))
    # The lots in one more SELECT, not one per notice (the API and the page list each notice's lots).
    query = query.options(selectinload(TenderNotice.lots))
    found = list(session.scalars(query.where(TenderNotice.submission_deadline >= now)
                                 .order_by(TenderNotice.submission_deadline, TenderNotice.id).limit(limit)))
    if len(found) < limit:
        found += session.scalars(query.where(TenderNotice.submission_deadline.is_(None))
                                 .order_by(TenderNotice.id).limit(limit - len(found)))
    return found


def _all_profiles(session) -> list[TenderProfile]:
    with consortium_scope(session):
        return list(session.scalars(select(TenderProfile).execution_options(all_tenants=True)))


def matching_tenants_by_lot(session, notice: TenderNotice) -> dict[int, list[Tenant]]:
    """For each lot (by TenderLot.id), the active co-ops whose profile matches it."""
    profiles = _all_profiles(session)
    tenants = {t.id: t for t in session.scalars(select(Tenant).where(Tenant.status == "active"))}
    result = {}
    for lot in notice.lots:
        codes = lot.cpv_codes or notice.cpv_codes or []
        result[lot.id] = sorted(
            (tenants[p.tenant_id] for p in profiles if p.tenant_id in tenants and cpv_matches(p.cpv_codes, codes)
             and areas_match(p.areas, notice.areas)), key=lambda t: t.name)
    return result


def matching_tenants_by_group(notice: TenderNotice, by_lot: dict[int, list[Tenant]]) -> dict[str, list[Tenant]]:
    """For each lot group (by its OCDS id), the co-ops matching every lot of the group (from `by_lot`): those who
    could take the lots together if the buyer combines them."""
    lot_ids = {lot.lot_id: lot.id for lot in notice.lots}
    result = {}
    for group in notice.lot_groups or []:
        sets = [{t.id: t for t in by_lot.get(lot_ids[key], [])} for key in group["related_lots"] if key in lot_ids]
        common = set.intersection(*(set(s) for s in sets)) if sets else set()
        result[group["id"]] = sorted((sets[0][tid] for tid in common), key=lambda t: t.name)
    return result


# --------------------------------------------------------------------------- opening and answers


def open_notice(session, notice: TenderNotice, *, to: str, answers_due: date, today: date,
                notify=None) -> list[TenderInvitation]:
    """Open the notice to all active co-ops or the matching ones, until `answers_due`; returns new invitations.

    `notify(tenant_id, notice)` is called for each co-op newly invited (the caller queues the email). The co-ops
    are found as the consortium reader; every write (the notice, each invitation and its email in the invited
    co-op's scope) is made as the app role (on Citus one role writes, docs/scaling.md).
    """
    if answers_due < today:
        raise field_error("answers_due", _("must be today or later"))
    if notice.submission_deadline and answers_due > as_utc(notice.submission_deadline).date():
        raise field_error("answers_due", _("must be on or before the submission deadline"))
    if to == "matching":
        tenant_ids = sorted({t.id for lot_tenants in matching_tenants_by_lot(session, notice).values()
                             for t in lot_tenants})
        if not tenant_ids:
            raise field_error("to", _("no member co-op's profile matches this notice; open it to all"))
    else:
        tenant_ids = list(session.scalars(select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.id)))
    already = set(session.scalars(select(TenderInvitation.tenant_id).where(TenderInvitation.notice_id == notice.id)))
    new = []
    with app_role_scope(session):
        notice.opened_at = notice.opened_at or utcnow()
        notice.opened_to = to if notice.opened_to in (None, "matching") else notice.opened_to
        notice.answers_due = answers_due
        session.flush()
        for tenant_id in tenant_ids:
            if tenant_id in already:
                continue
            with tenant_scope(session, tenant_id):
                invitation = TenderInvitation(notice_id=notice.id, tenant_id=tenant_id)
                session.add(invitation)
                new.append(invitation)
                if notify:
                    notify(tenant_id, notice)
                session.flush()
    return new


def invited_tenants(session, notice_id: int) -> list[Tenant]:
    """The co-ops the notice is opened to, by name."""
    return list(session.scalars(select(Tenant).join(TenderInvitation, TenderInvitation.tenant_id == Tenant.id)
                                .where(TenderInvitation.notice_id == notice_id).order_by(Tenant.name)))


def is_invited(session, notice_id: int, tenant_id: int) -> bool:
    """True if the notice is opened to the co-op."""
    return session.scalar(select(TenderInvitation.id).where(TenderInvitation.notice_id == notice_id,
                                                            TenderInvitation.tenant_id == tenant_id)) is not None


def invited_notices(session, tenant_id: int) -> list[TenderNotice]:
    """The notices opened to the co-op, latest deadline first."""
    return list(session.scalars(select(TenderNotice)
                                .join(TenderInvitation, TenderInvitation.notice_id == TenderNotice.id)
                                .where(TenderInvitation.tenant_id == tenant_id)
                                .order_by(TenderNotice.submission_deadline.desc().nulls_last(), TenderNotice.id)
                                .options(selectinload(TenderNotice.lots))))


def notice_for_tenant(session, notice_id: int, tenant_id: int) -> TenderNotice:
    """A notice opened to the co-op; any other is 'not found' (it may not even exist)."""
    if not is_invited(session, notice_id, tenant_id):
        raise NotFound(_("No such tender notice."))
    return get_notice(session, notice_id)


def own_answers(session, tenant_id: int, notice_id: int) -> dict[int, TenderInterest]:
    """The co-op's answers for the notice, by TenderLot.id (the tenant filter applies)."""
    return {a.lot_id: a for a in session.scalars(select(TenderInterest).where(
        TenderInterest.tenant_id == tenant_id, TenderInterest.notice_id == notice_id))}


def answers_closed(session, notice: TenderNotice, today: date, now: datetime | None = None) -> str | None:
    """Why answers are no longer taken, or None while they are."""
    if notice.answers_due and today > notice.answers_due:
        return _("Answers closed on %(day)s.", day=notice.answers_due.isoformat())
    if notice.submission_deadline and (now or utcnow()) > as_utc(notice.submission_deadline):
        return _("The submission deadline has passed.")
    bid = current_bid(session, notice.id)
    if bid is not None and bid.status != "draft":
        return _("The consortium's bid has been submitted.")
    return None


def save_answers(session, tenant_id: int, notice_id: int, answers: list[dict], *, user_id: int | None,
                 today: date, now: datetime | None = None) -> dict[int, TenderInterest]:
    """Record the co-op's answers per lot (each replaces its earlier answer); all or nothing."""
    notice = notice_for_tenant(session, notice_id, tenant_id)
    closed = answers_closed(session, notice, today, now)
    if closed:
        raise Conflict(closed, {"answers": [closed]})
    if not answers:
        raise field_error("answers", _("give an answer for at least one lot"))
    resolved, errors = [], {}
    seen = set()
    for index, answer in enumerate(answers):
        where = f"answers[{index}]"
        lot = next((lot for lot in notice.lots if lot.lot_id == str(answer["lot"])), None)
        if lot is None:
            errors[f"{where}.lot"] = [_("the notice has no lot %(lot)s", lot=answer["lot"])]
            continue
        if lot.id in seen:
            errors[f"{where}.lot"] = [_("lot %(lot)s is answered twice", lot=lot.lot_id)]
        seen.add(lot.id)
        if answer["interested"]:
            for name in ("capacity", "unit_cost"):
                if answer.get(name) is None:
                    errors[f"{where}.{name}"] = [_("required when interested")]
        resolved.append((lot, answer))
    if errors:
        raise ServiceError(_("Answers not saved: %(problems)s", problems="; ".join(
            f"{k}: {' '.join(v)}" for k, v in errors.items())), errors)
    existing = own_answers(session, tenant_id, notice_id)
    for lot, answer in resolved:
        row = existing.get(lot.id) or TenderInterest(tenant_id=tenant_id, notice_id=notice_id, lot_id=lot.id)
        row.interested = answer["interested"]
        for name in ("capacity", "staff", "disadvantaged_percent", "unit_cost", "notes"):
            setattr(row, name, answer.get(name) if answer["interested"] or name == "notes" else None)
        row.answered_by = user_id
        row.answered_at = utcnow()
        session.add(row)
        existing[lot.id] = row
    session.flush()
    return existing


def all_answers(session, notice_id: int) -> list[TenderInterest]:
    """Every co-op's answers for the notice (the consortium reads what co-ops reported to it)."""
    with consortium_scope(session):
        return list(session.scalars(select(TenderInterest).where(TenderInterest.notice_id == notice_id)
                                    .order_by(TenderInterest.lot_id, TenderInterest.tenant_id)
                                    .execution_options(all_tenants=True)))


def unanswered_tenants(session, notice_id: int) -> list[Tenant]:
    """Invited co-ops that have not answered any lot."""
    answered = {a.tenant_id for a in all_answers(session, notice_id)}
    return [t for t in invited_tenants(session, notice_id) if t.id not in answered]


# --------------------------------------------------------------------------- the bid


def current_bid(session, notice_id: int) -> TenderBid | None:
    """The notice's latest bid version (not superseded), or None."""
    return session.scalar(select(TenderBid).where(TenderBid.notice_id == notice_id, TenderBid.status.in_(LIVE_BID))
                          .order_by(TenderBid.version.desc()).limit(1)
                          .options(selectinload(TenderBid.lots).selectinload(BidLot.allocations),
                                   selectinload(TenderBid.requirements).selectinload(BidRequirement.evidence)))


def get_bid(session, notice_id: int) -> TenderBid:
    """The notice's current bid, or NotFound."""
    get_notice(session, notice_id)
    bid = current_bid(session, notice_id)
    if bid is None:
        raise NotFound(_("No bid has been started for this notice."))
    return bid


def bid_versions(session, notice_id: int) -> list[TenderBid]:
    """Every version of the notice's bid, newest first."""
    return list(session.scalars(select(TenderBid).where(TenderBid.notice_id == notice_id)
                                .order_by(TenderBid.version.desc())))


def deadline_passed(notice: TenderNotice, now: datetime) -> bool:
    return notice.submission_deadline is not None and now > as_utc(notice.submission_deadline)


def _new_bid_lots(bid: TenderBid, notice: TenderNotice) -> None:
    for position, lot in enumerate(notice.lots):
        bid.lots.append(BidLot(lot_id=lot.id, position=position, decision="pending", quantity=lot.quantity,
                               unit=lot.unit or "hour", result="open"))


def draft_bid(session, notice_id: int, *, now: datetime) -> TenderBid:
    """The bid to edit: the current draft, a new draft (first version), or a new version of a submitted bid.

    A submitted bid is never changed: a correction is a new version, allowed only before the deadline.
    """
    notice = get_notice(session, notice_id)
    bid = current_bid(session, notice_id)
    if bid is not None and bid.status == "draft":
        return bid
    if bid is not None and bid.status != "submitted":
        raise Conflict(_("The bid is %(status)s: it can no longer change.", status=bid.status),
                       {"status": [bid.status]})
    if deadline_passed(notice, now):
        raise Conflict(_("The submission deadline has passed: the bid can no longer change."),
                       {"submission_deadline": [_("passed")]})
    new = TenderBid(notice_id=notice.id, version=(bid.version + 1) if bid else 1, status="draft",
                    margin_percent=bid.margin_percent if bid else Decimal("5.00"),
                    lead_tenant_id=bid.lead_tenant_id if bid else None, notes=bid.notes if bid else None)
    if bid is None:
        _new_bid_lots(new, notice)
    else:
        bid.status = "superseded"
        for old in bid.lots:
            copy = BidLot(lot_id=old.lot_id, position=old.position, decision=old.decision, quantity=old.quantity,
                          unit=old.unit, price=old.price, result="open")
            for a in old.allocations:
                copy.allocations.append(BidAllocation(
                    tenant_id=a.tenant_id, share_percent=a.share_percent, quantity=a.quantity, unit_cost=a.unit_cost,
                    cost=a.cost, staff=a.staff, disadvantaged_percent=a.disadvantaged_percent, part=a.part))
            new.lots.append(copy)
        for old in bid.requirements:
            requirement = BidRequirement(kind=old.kind, label=old.label)
            for e in old.evidence:
                requirement.evidence.append(RequirementEvidence(tenant_id=e.tenant_id, reference=e.reference,
                                                                expires_on=e.expires_on))
            new.requirements.append(requirement)
    session.add(new)
    session.flush()
    return new


def _editable(bid: TenderBid) -> None:
    if bid.status != "draft":
        raise Conflict(_("Version %(version)s of the bid is %(status)s and frozen; start a new version to correct it.",
                         version=bid.version, status=bid.status), {"status": [bid.status]})


def bid_lot(bid: TenderBid, lot_key: str, field_name: str = "lot") -> BidLot:
    """The bid's lot named by the OCDS lot id, or a field error naming it."""
    for bl in bid.lots:
        if bl.lot.lot_id == str(lot_key):
            return bl
    raise field_error(field_name, _("the notice has no lot %(lot)s", lot=lot_key))


def set_bid_terms(session, bid: TenderBid, *, margin_percent: Decimal | None = None, lead_tenant_id=None,
                  notes: str | None = None) -> TenderBid:
    """The consortium's margin, the lead member (mandatario) and notes."""
    _editable(bid)
    if margin_percent is not None:
        bid.margin_percent = margin_percent
        for bl in bid.lots:
            if bl.allocations and bl.price is None:
                bl.price = suggested_price(bl, margin_percent)
    if lead_tenant_id is not None:
        bid.lead_tenant_id = lead_tenant_id
    if notes is not None:
        bid.notes = notes
    session.flush()
    return bid


def _too_many_go_lots(notice: TenderNotice, go: int) -> str | None:
    """The message when `go` lots exceed what the notice lets one supplier bid on (the consortium is one)."""
    limit = notice.max_lots_bid
    if limit is None or go <= limit:
        return None
    return _("maximumLotsBidPerSupplier: one supplier may bid on at most %(num)s of the notice's lots; "
             "%(go)s are 'go'", num=limit, go=go)


def decide_lot(session, bid: TenderBid, lot_key: str, decision: str, field_name: str = "decision") -> BidLot:
    """Go or no-go on one lot; no-go drops its allocation and price. A 'go' beyond the notice's
    maximumLotsBidPerSupplier (OCDS lots extension) is refused: the consortium bids as one supplier."""
    _editable(bid)
    bl = bid_lot(bid, lot_key)
    if decision == "go" and bl.decision != "go":
        too_many = _too_many_go_lots(bid.notice, 1 + sum(1 for other in bid.lots if other.decision == "go"))
        if too_many:
            raise field_error(field_name, too_many)
    bl.decision = decision
    if decision == "no_go":
        bl.allocations.clear()
        bl.price = None
    session.flush()
    return bl


def interested_offers(session, bl: BidLot) -> dict[int, TenderInterest]:
    """Co-ops' 'interested' answers for the lot, by tenant id."""
    return {a.tenant_id: a for a in all_answers(session, bl.bid.notice_id) if a.lot_id == bl.lot_id and a.interested}


def lot_cost(bl: BidLot) -> Decimal:
    """What the members' shares cost: each allocated quantity at its member's cost per unit."""
    return money(sum((a.cost or ZERO for a in bl.allocations), ZERO))


def suggested_price(bl: BidLot, margin_percent: Decimal) -> Decimal:
    """The members' cost plus the consortium's margin, rounded half-up to the cent."""
    return money(lot_cost(bl) * (HUNDRED + margin_percent) / HUNDRED)


def suggest_allocation(session, bl: BidLot) -> tuple[list[tuple[int, Decimal]], Decimal | None]:
    """Shares in proportion to the capacity each interested co-op offered, summing to exactly 100.

    Returns ([(tenant_id, share)], shortfall): shortfall is the quantity still uncovered when the
    co-ops together offered less than the lot asks for (then no allocation can respect capacities).
    """
    offers = interested_offers(session, bl)
    total = sum((o.capacity or ZERO for o in offers.values()), ZERO)
    if not offers or total <= 0:
        return [], bl.quantity
    shares = [(tid, (o.capacity * HUNDRED / total).quantize(CENT, rounding="ROUND_DOWN"))
              for tid, o in sorted(offers.items(), key=lambda item: (-item[1].capacity, item[0]))]
    remainder = HUNDRED - sum(s for _, s in shares)
    if shares and remainder:
        shares[0] = (shares[0][0], shares[0][1] + remainder)  # the largest offer absorbs the rounding
    shortfall = None
    if bl.quantity is not None and total < bl.quantity:
        shortfall = bl.quantity - total
    return [(tid, share) for tid, share in shares if share > 0], shortfall


def allocate_lot(session, bid: TenderBid, lot_key: str, allocations: list[dict], *, quantity: Decimal | None = None,
                 unit: str | None = None, price: Decimal | None = None) -> BidLot:
    """Split a 'go' lot between interested co-ops: shares sum to exactly 100 and none exceeds its capacity.

    `allocations` are {tenant_id, share_percent, part}; `price` defaults to the members' cost plus margin.
    """
    _editable(bid)
    bl = bid_lot(bid, lot_key)
    if bl.decision != "go":
        raise field_error("lot", _("decide 'go' on lot %(lot)s before allocating it", lot=lot_key))
    if quantity is not None:
        bl.quantity = quantity
    if unit is not None:
        if unit not in UNITS:
            raise field_error("unit", _("unknown unit %(unit)s", unit=unit))
        bl.unit = unit
    if bl.quantity is None:
        raise field_error("quantity", _("give the quantity of work the lot asks for"))
    if price is not None and price < 0:
        raise field_error("price", _("must not be below zero"))
    offers = interested_offers(session, bl)
    errors = {}
    total = sum((a["share_percent"] for a in allocations), ZERO)
    if not allocations:
        errors["allocations"] = [_("allocate the lot to at least one co-op")]
    elif total != HUNDRED:
        errors["allocations"] = [_("shares sum to %(total)s%%, not 100%%", total=total.quantize(CENT))]
    seen = set()
    for index, a in enumerate(allocations):
        where = f"allocations[{index}]"
        offer = offers.get(a["tenant_id"])
        if a["tenant_id"] in seen:
            errors[f"{where}.tenant"] = [_("this co-op is listed twice")]
        seen.add(a["tenant_id"])
        if offer is None:
            errors[f"{where}.tenant"] = [_("this co-op has not offered capacity for the lot")]
            continue
        if a["share_percent"] <= 0 or a["share_percent"] > HUNDRED:
            errors[f"{where}.share_percent"] = [_("must be above 0 and at most 100")]
            continue
        needed = (bl.quantity * a["share_percent"] / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        if needed > offer.capacity:
            errors[f"{where}.share_percent"] = [_(
                "%(share)s%% is %(needed)s %(unit)s, above the %(capacity)s the co-op offered",
                share=a["share_percent"], needed=needed, unit=bl.unit, capacity=offer.capacity)]
    if errors:
        raise ServiceError(_("Allocation not saved: %(problems)s", problems="; ".join(
            f"{k}: {' '.join(v)}" for k, v in errors.items())), errors)
    bl.allocations.clear()
    session.flush()
    for a in allocations:
        offer = offers[a["tenant_id"]]
        allocated = (bl.quantity * a["share_percent"] / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        bl.allocations.append(BidAllocation(
            tenant_id=a["tenant_id"], share_percent=a["share_percent"], quantity=allocated, unit_cost=offer.unit_cost,
            cost=money(allocated * offer.unit_cost), staff=offer.staff,
            disadvantaged_percent=offer.disadvantaged_percent, part=a.get("part")))
    session.flush()
    bl.price = price if price is not None else suggested_price(bl, bid.margin_percent)
    if bid.lead_tenant_id is None:
        bid.lead_tenant_id = max(bl.allocations, key=lambda x: (x.share_percent, -x.tenant_id)).tenant_id
    session.flush()
    return bl


def set_lot_price(session, bid: TenderBid, lot_key: str, price: Decimal) -> BidLot:
    """Staff's bid price for a lot (the suggestion is members' cost plus margin)."""
    _editable(bid)
    if price < 0:
        raise field_error("price", _("must not be below zero"))
    bl = bid_lot(bid, lot_key)
    bl.price = price
    session.flush()
    return bl


def combined_disadvantaged_percent(bl: BidLot) -> Decimal | None:
    """The disadvantaged share of the combined workforce performing the lot, weighted by each member's staff."""
    staff = sum((a.staff or 0 for a in bl.allocations), 0)
    if not staff:
        return None
    weighted = sum((Decimal(a.staff or 0) * (a.disadvantaged_percent or ZERO) for a in bl.allocations), ZERO)
    return (weighted / staff).quantize(CENT, rounding=ROUND_HALF_UP)


def add_requirement(session, bid: TenderBid, *, kind: str, label: str) -> BidRequirement:
    """A document every member of the bid must provide."""
    _editable(bid)
    requirement = BidRequirement(kind=kind, label=label.strip())
    bid.requirements.append(requirement)
    session.flush()
    return requirement


def _requirement(bid: TenderBid, requirement_id: int) -> BidRequirement:
    for requirement in bid.requirements:
        if requirement.id == requirement_id:
            return requirement
    raise field_error("requirement", _("the bid has no such requirement"))


def record_evidence(session, bid: TenderBid, requirement_id: int, *, tenant_id: int, reference: str,
                    expires_on: date | None) -> RequirementEvidence:
    """A member's document for a requirement (replacing any earlier one)."""
    _editable(bid)
    requirement = _requirement(bid, requirement_id)
    row = next((e for e in requirement.evidence if e.tenant_id == tenant_id), None)
    if row is None:
        row = RequirementEvidence(tenant_id=tenant_id, reference=reference, expires_on=expires_on)
        requirement.evidence.append(row)
    row.reference, row.expires_on = reference.strip(), expires_on
    session.flush()
    return row


def remove_requirement(session, bid: TenderBid, requirement_id: int) -> None:
    """Drop a requirement from the draft."""
    _editable(bid)
    bid.requirements.remove(_requirement(bid, requirement_id))
    session.flush()


def bid_members(bid: TenderBid) -> list[int]:
    """Tenant ids of every co-op with a share of a 'go' lot, lead first."""
    ids = sorted({a.tenant_id for bl in bid.lots if bl.decision == "go" for a in bl.allocations})
    if bid.lead_tenant_id in ids:
        ids.remove(bid.lead_tenant_id)
        ids.insert(0, bid.lead_tenant_id)
    return ids


def lot_group_problems(bid: TenderBid) -> list[tuple[str, str]]:
    """Lot groups (OCDS lots extension `tender.lotGroups[]`) whose maximum value the bid's prices for the group's
    'go' lots exceed: the buyer states the most it expects to pay for those lots together."""
    prices = {bl.lot.lot_id: bl.price for bl in bid.lots if bl.decision == "go" and bl.price is not None}
    problems = []
    for group in bid.notice.lot_groups or []:
        if group.get("maximum_value") is None:
            continue
        in_group = [lot for lot in group["related_lots"] if lot in prices]
        total = money(sum((prices[lot] for lot in in_group), ZERO))
        maximum = Decimal(group["maximum_value"])
        if in_group and total > maximum:
            problems.append((f"lot_groups.{group['id']}", _(
                "lot group %(group)s (lots %(lots)s): our prices add up to %(total)s, above the group's maximum "
                "value %(maximum)s", group=group["id"], lots=", ".join(in_group), total=total, maximum=maximum)))
    return problems


def bid_problems(session, bid: TenderBid) -> list[tuple[str, str]]:
    """What stops the bid from being submitted, as (field, message); empty when it is ready."""
    problems = []
    notice = bid.notice
    if any(bl.decision == "pending" for bl in bid.lots):
        problems.append(("lots", _("decide go or no-go on every lot")))
    go = [bl for bl in bid.lots if bl.decision == "go"]
    if not go:
        problems.append(("lots", _("the bid has no 'go' lot")))
    too_many = _too_many_go_lots(notice, len(go))  # a newer release may have lowered the limit
    if too_many:
        problems.append(("lots", too_many))
    for bl in go:
        where = f"lots.{bl.lot.lot_id}"
        total = sum((a.share_percent for a in bl.allocations), ZERO)
        if total != HUNDRED:
            problems.append((where, _("lot %(lot)s: shares sum to %(total)s%%, not 100%%", lot=bl.lot.lot_id,
                                      total=total)))
        if bl.price is None:
            problems.append((where, _("lot %(lot)s: set the bid price", lot=bl.lot.lot_id)))
        if notice.reserved and bl.allocations:
            combined = combined_disadvantaged_percent(bl)
            if combined is None or combined < RESERVED_MIN_DISADVANTAGED_PERCENT:
                problems.append((where, _(
                    "lot %(lot)s is reserved: the combined workforce must be at least %(minimum)s%% disabled or "
                    "disadvantaged (it is %(actual)s%%)", lot=bl.lot.lot_id,
                    minimum=RESERVED_MIN_DISADVANTAGED_PERCENT, actual=combined if combined is not None else "?")))
    problems.extend(lot_group_problems(bid))
    members = bid_members(bid)
    if members and bid.lead_tenant_id not in members:
        problems.append(("lead", _("the lead must be one of the members with a share")))
    names = dict(session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(members or [0]))).all())
    deadline = _day(as_utc(notice.submission_deadline)) if notice.submission_deadline else None
    for requirement in bid.requirements:
        evidence = {e.tenant_id: e for e in requirement.evidence}
        for tenant_id in members:
            row = evidence.get(tenant_id)
            if row is None:
                problems.append((f"requirements.{requirement.id}", _(
                    "%(member)s: %(document)s is missing", member=names[tenant_id], document=requirement.label)))
            elif deadline and row.expires_on and row.expires_on < deadline:
                problems.append((f"requirements.{requirement.id}", _(
                    "%(member)s: %(document)s expires on %(day)s, before the deadline", member=names[tenant_id],
                    document=requirement.label, day=row.expires_on.isoformat())))
    return problems


def submit_bid(session, bid: TenderBid, *, user_id: int | None, now: datetime) -> TenderBid:
    """Freeze the draft as submitted; refused after the deadline or while anything is missing."""
    _editable(bid)
    if deadline_passed(bid.notice, now):
        raise Conflict(_("The submission deadline has passed."), {"submission_deadline": [_("passed")]})
    problems = bid_problems(session, bid)
    if problems:
        errors = defaultdict(list)
        for where, message in problems:
            errors[where].append(message)
        raise ServiceError(_("The bid is not ready: %(problems)s", problems="; ".join(m for _f, m in problems)),
                           dict(errors))
    bid.status = "submitted"
    bid.submitted_at = now
    bid.submitted_by = user_id
    session.flush()
    return bid


def withdraw_bid(session, bid: TenderBid, *, now: datetime) -> TenderBid:
    """Withdraw a draft or submitted bid."""
    if bid.status not in ("draft", "submitted"):
        raise Conflict(_("The bid is %(status)s and cannot be withdrawn.", status=bid.status), {"status": [bid.status]})
    bid.status = "withdrawn"
    bid.closed_at = now
    session.flush()
    return bid


def _split_value(value: Decimal, allocations: list[BidAllocation], lead_id: int | None) -> dict[int, Decimal]:
    parts = {a.tenant_id: money(value * a.share_percent / HUNDRED) for a in allocations}
    remainder = money(value) - sum(parts.values(), ZERO)
    if remainder and parts:
        target = lead_id if lead_id in parts else max(allocations, key=lambda a: a.share_percent).tenant_id
        parts[target] += remainder  # rounding goes to the lead, so the parts add up to the contract value
    return parts


def award_bid(session, bid: TenderBid, *, won: list[dict], lost: list[str], awarded_on: date) -> TenderBid:
    """Record the buyer's award: each won lot becomes a contract with members' shares; lost lots are closed.

    `won` items are {lot, value, starts_on, ends_on, award_id}. A lot not bid ('go') cannot be awarded.
    """
    if bid.status not in ("submitted", "won", "lost"):
        raise Conflict(_("Only a submitted bid can be awarded (this one is %(status)s).", status=bid.status),
                       {"status": [bid.status]})
    if not won and not lost:
        raise field_error("won", _("name at least one lot won or lost"))
    resolved = []
    for index, item in enumerate(won):
        bl = bid_lot(bid, item["lot"], f"won[{index}].lot")
        if bl.decision != "go":
            raise field_error(f"won[{index}].lot", _("lot %(lot)s was not bid", lot=item["lot"]))
        if bl.result != "open":
            raise Conflict(_("Lot %(lot)s is already %(result)s.", lot=item["lot"], result=bl.result),
                           {f"won[{index}].lot": [bl.result]})
        if item["value"] < 0:
            raise field_error(f"won[{index}].value", _("must not be below zero"))
        resolved.append((bl, item))
    limit = bid.notice.max_lots_awarded
    already_won = sum(1 for bl in bid.lots if bl.result == "won")
    if limit is not None and resolved and already_won + len(resolved) > limit:
        raise field_error("won", _("maximumLotsAwardedPerSupplier: one supplier may win at most %(num)s of the "
                                   "notice's lots", num=limit))
    lost_lots = []
    for index, key in enumerate(lost):
        bl = bid_lot(bid, key, f"lost[{index}]")
        if bl.decision != "go":
            raise field_error(f"lost[{index}]", _("lot %(lot)s was not bid", lot=key))
        lost_lots.append(bl)
    for bl, item in resolved:
        notice = bid.notice
        contract = TenderContract(
            notice_id=notice.id, bid_lot_id=bl.id, award_id=item.get("award_id"),
            title=f"{notice.title} — {bl.lot.title}"[:500], value=money(item["value"]),
            currency=bl.lot.currency or notice.currency or "EUR",
            starts_on=item.get("starts_on") or bl.lot.contract_start,
            ends_on=item.get("ends_on") or bl.lot.contract_end,
            awarded_on=awarded_on)
        for tenant_id, value in _split_value(item["value"], bl.allocations, bid.lead_tenant_id).items():
            allocation = next(a for a in bl.allocations if a.tenant_id == tenant_id)
            contract.shares.append(ContractShare(tenant_id=tenant_id, share_percent=allocation.share_percent,
                                                 value=value, part=allocation.part))
        session.add(contract)
        bl.result = "won"
    for bl in lost_lots:
        bl.result = "lost"
    go = [bl for bl in bid.lots if bl.decision == "go"]
    if any(bl.result == "won" for bl in go):
        bid.status = "won"
    elif all(bl.result == "lost" for bl in go):
        bid.status = "lost"
    if bid.status in ("won", "lost") and all(bl.result != "open" for bl in go):
        bid.closed_at = bid.closed_at or utcnow()
    session.flush()
    return bid


def _apply_ocds_awards(session, notice: TenderNotice, data: ocds.ReleaseData, our_names: tuple[str, ...]) -> None:
    """A later release with awards: lots awarded to the consortium become contracts, others are lost."""
    bid = current_bid(session, notice.id)
    if bid is None or bid.status not in ("submitted", "won", "lost"):
        return
    ours = {name.strip().lower() for name in our_names}
    won, lost = [], []
    open_go = {bl.lot.lot_id for bl in bid.lots if bl.decision == "go" and bl.result == "open"}
    for award in data.awards:
        if award.status not in (None, "active", "pending"):
            continue
        lots = [lot for lot in (award.related_lots or ([bid.lots[0].lot.lot_id] if len(bid.lots) == 1 else []))
                if lot in open_go]
        is_ours = any((s.get("name") or "").strip().lower() in ours for s in award.suppliers)
        for lot in lots:
            open_go.discard(lot)
            if is_ours:
                value = award.value if award.value is not None else bid_lot(bid, lot).price or ZERO
                won.append({"lot": lot, "value": value, "award_id": award.award_id,
                            "starts_on": _day(award.contract_start), "ends_on": _day(award.contract_end)})
            else:
                lost.append(lot)
    if won or lost:
        award_bid(session, bid, won=won, lost=lost, awarded_on=_day(data.date) or utcnow().date())


# --------------------------------------------------------------------------- contracts and results


def contracts_query():
    """Every contract won, newest award first."""
    return (select(TenderContract).options(selectinload(TenderContract.shares))
            .order_by(TenderContract.awarded_on.desc(), TenderContract.id.desc()))


def tenant_contract_shares(session, tenant_id: int) -> list[ContractShare]:
    """The co-op's parts of contracts won (its own shares only)."""
    return list(session.scalars(select(ContractShare).join(ContractShare.contract)
                                .where(ContractShare.tenant_id == tenant_id)
                                .order_by(TenderContract.awarded_on.desc(), ContractShare.id)))


def tenant_allocations(session, tenant_id: int) -> list[BidAllocation]:
    """The co-op's shares in bids (its own rows only)."""
    return list(session.scalars(select(BidAllocation).join(BidAllocation.bid_lot).join(BidLot.bid)
                                .where(BidAllocation.tenant_id == tenant_id, TenderBid.status.in_(LIVE_BID))))


@dataclass(frozen=True)
class YearResult:
    """One year of the consortium's bidding: bids decided, won, win rate, value won by currency."""

    year: int
    decided: int
    won: int
    win_rate: Decimal | None
    value_won: dict[str, Decimal]


def results_by_year(session) -> list[YearResult]:
    """Win rate (bids won of bids decided, by the year they closed) and contract value won per award year."""
    decided = defaultdict(lambda: [0, 0])
    for status, closed_at in session.execute(select(TenderBid.status, TenderBid.closed_at)
                                             .where(TenderBid.status.in_(("won", "lost")))):
        year = as_utc(closed_at).year if closed_at else utcnow().year
        decided[year][0] += 1
        decided[year][1] += status == "won"
    values = defaultdict(lambda: defaultdict(lambda: ZERO))
    for awarded_on, currency, value in session.execute(
            select(TenderContract.awarded_on, TenderContract.currency, func.sum(TenderContract.value))
            .group_by(TenderContract.awarded_on, TenderContract.currency)):
        values[awarded_on.year][currency] += Decimal(value)
    years = sorted(set(decided) | set(values), reverse=True)
    return [YearResult(year, decided[year][0], decided[year][1],
                       (Decimal(decided[year][1]) * HUNDRED / decided[year][0]).quantize(CENT)
                       if decided[year][0] else None,
                       {c: money(v) for c, v in sorted(values[year].items())}) for year in years]


# --------------------------------------------------------------------------- reminders


def notices_needing_answers(session, today: date, *, within_days: int) -> list[TenderNotice]:
    """Opened notices whose answers are due within `within_days` (not past)."""
    return list(session.scalars(select(TenderNotice).where(
        TenderNotice.answers_due.is_not(None), TenderNotice.answers_due >= today,
        TenderNotice.answers_due <= today + timedelta(days=within_days)).order_by(TenderNotice.id)))


def drafts_near_deadline(session, now: datetime, *, within_days: int) -> list[TenderBid]:
    """Draft bids whose notice's submission deadline falls within `within_days`."""
    return list(session.scalars(select(TenderBid).join(TenderBid.notice).where(
        TenderBid.status == "draft", TenderNotice.submission_deadline >= now,
        TenderNotice.submission_deadline <= now + timedelta(days=within_days)).order_by(TenderBid.id)))


# --------------------------------------------------------------------------- OCDS export


def _party_id(tenant: Tenant) -> str:
    return f"member-{tenant.slug}"


def _ocds_lot_group(group: dict) -> dict:
    """A kept lot group back in the OCDS lots extension's shape."""
    out = {"id": group["id"], "relatedLots": group["related_lots"]}
    if group.get("option_to_combine") is not None:
        out["optionToCombine"] = group["option_to_combine"]
    if group.get("maximum_value") is not None:
        out["maximumValue"] = {"amount": float(group["maximum_value"]), "currency": group.get("currency") or "EUR"}
    return out


def export_package(session, *, consortium_name: str, base_url: str, published: datetime) -> dict:
    """The consortium's pipeline (bids submitted or decided, their awards and contracts) as a release package."""
    bids = list(session.scalars(select(TenderBid).where(TenderBid.status.in_(("submitted", "won", "lost",
                                                                               "withdrawn")))
                                .order_by(TenderBid.notice_id, TenderBid.version)
                                .options(selectinload(TenderBid.lots).selectinload(BidLot.allocations))))
    tenants = {t.id: t for t in session.scalars(select(Tenant))}
    contracts = {c.bid_lot_id: c for c in session.scalars(select(TenderContract))}
    consortium_party = {"id": "consortium", "name": consortium_name, "roles": ["tenderer", "supplier"]}
    releases = []
    for bid in bids:
        notice = bid.notice
        date_ = as_utc(bid.closed_at or bid.submitted_at or bid.created_at)
        members = bid_members(bid)
        parties = [consortium_party]
        if notice.buyer_name:
            parties.append({"id": notice.buyer_id or "buyer", "name": notice.buyer_name, "roles": ["buyer"]})
        parties += [{"id": _party_id(tenants[tid]), "name": tenants[tid].name, "roles": ["tenderer"]}
                    for tid in members]
        go = [bl for bl in bid.lots if bl.decision == "go"]
        bid_id = f"bid-{bid.id}"
        total = sum((bl.price or ZERO for bl in go), ZERO)
        currency = notice.currency or (go[0].lot.currency if go else None) or "EUR"
        release = {
            "ocid": notice.ocid,
            "id": f"{notice.ocid}-consortium-bid-{bid.id}-v{bid.version}-{bid.status}",
            "date": date_.isoformat().replace("+00:00", "Z"),
            "tag": ["award"] if bid.status == "won" else ["tender"],
            "initiationType": "tender",
            "language": "en",
            "parties": parties,
            "tender": {"id": notice.ocid, "title": notice.title,
                       "lots": [{"id": bl.lot.lot_id, "title": bl.lot.title} for bl in bid.lots],
                       **({"lotGroups": [_ocds_lot_group(g) for g in notice.lot_groups]} if notice.lot_groups else {})},
            "bids": {"details": [{
                "id": bid_id,
                "date": as_utc(bid.submitted_at or bid.created_at).isoformat().replace("+00:00", "Z"),
                "status": "withdrawn" if bid.status == "withdrawn" else "valid" if bid.status == "won" else "pending",
                "tenderers": [{"id": "consortium", "name": consortium_name}]
                + [{"id": _party_id(tenants[tid]), "name": tenants[tid].name} for tid in members],
                "value": {"amount": float(total), "currency": currency},
                "relatedLots": [bl.lot.lot_id for bl in go],
            }]},
        }
        awards, contract_rows = [], []
        for bl in go:
            contract = contracts.get(bl.id)
            if contract is None:
                continue
            award_id = f"award-{contract.id}"
            period = {k: v for k, v in (("startDate", _iso_day(contract.starts_on)),
                                        ("endDate", _iso_day(contract.ends_on))) if v}
            awards.append({"id": award_id, "status": "active", "relatedLots": [bl.lot.lot_id], "relatedBid": bid_id,
                           "value": {"amount": float(contract.value), "currency": contract.currency},
                           "suppliers": [{"id": "consortium", "name": consortium_name}],
                           **({"contractPeriod": period} if period else {}),
                           "date": f"{contract.awarded_on.isoformat()}T00:00:00Z"})
            contract_rows.append({"id": f"contract-{contract.id}", "awardID": award_id, "status": "active",
                                  "title": contract.title,
                                  "value": {"amount": float(contract.value), "currency": contract.currency},
                                  **({"period": period} if period else {})})
        if awards:
            release["awards"] = awards
            release["contracts"] = contract_rows
        releases.append(release)
    if not releases:
        # OCDS requires at least one release in a package (release-package-schema: releases minItems 1).
        raise Conflict(_("Nothing to export yet: no bid has been submitted."), {"releases": [_("none yet")]})
    return {
        "uri": f"{base_url.rstrip('/')}/api/v1/consortium/ocds",
        "version": "1.1",
        "extensions": [
            "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
            "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
        ],
        "publishedDate": as_utc(published).isoformat().replace("+00:00", "Z"),
        "publisher": {"name": consortium_name},
        "releases": releases,
    }


def _iso_day(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if day else None


def now_utc() -> datetime:
    """The current time (UTC); one place so pages and jobs agree."""
    return datetime.now(UTC)



# --------------------------------------------------------------------------- the bid as one document


def annotate_bid(session, bid: TenderBid) -> TenderBid:
    """Attach what pages and the API show beside the stored figures: cost, suggested price, workforce, problems."""
    for bl in bid.lots:
        bl.cost_total = lot_cost(bl)
        bl.suggested = suggested_price(bl, bid.margin_percent)
        bl.combined = combined_disadvantaged_percent(bl)
    bid.problems = bid_problems(session, bid) if bid.status == "draft" else []
    return bid


def write_bid(session, notice_id: int, data: dict, *, now: datetime) -> TenderBid:
    """Apply a whole bid document to the draft (a new version if the bid was submitted): all or nothing.

    `data` has tenant slugs already resolved to ids: `lead_tenant_id`, `lots[].allocations[].tenant_id`,
    `requirements[].evidence[].tenant_id`.
    """
    bid = draft_bid(session, notice_id, now=now)
    set_bid_terms(session, bid, margin_percent=data.get("margin_percent"), lead_tenant_id=data.get("lead_tenant_id"),
                  notes=data.get("notes"))
    seen = set()
    for index, item in enumerate(data.get("lots") or []):
        if item["lot"] in seen:
            raise field_error(f"lots[{index}].lot", _("lot %(lot)s is listed twice", lot=item["lot"]))
        seen.add(item["lot"])
        bid_lot(bid, item["lot"], f"lots[{index}].lot")
        decide_lot(session, bid, item["lot"], item["decision"], f"lots[{index}].decision")
        if item["decision"] == "go" and item.get("allocations"):
            try:
                allocate_lot(session, bid, item["lot"], item["allocations"], quantity=item.get("quantity"),
                             unit=item.get("unit"), price=item.get("price"))
            except ServiceError as error:
                raise ServiceError(error.message, {f"lots[{index}].{k}": v for k, v in error.errors.items()}) from None
        elif item.get("price") is not None:
            set_lot_price(session, bid, item["lot"], item["price"])
    if "requirements" in data:
        bid.requirements.clear()
        session.flush()
        for item in data["requirements"]:
            requirement = add_requirement(session, bid, kind=item["kind"], label=item["label"])
            for evidence in item.get("evidence") or []:
                record_evidence(session, bid, requirement.id, tenant_id=evidence["tenant_id"],
                                reference=evidence["reference"], expires_on=evidence.get("expires_on"))
    session.flush()
    return bid


def answers_of_tenant(session, tenant_id: int) -> list[tuple[TenderNotice, list[TenderInterest]]]:
    """One co-op's answers to the consortium's notices, newest notice first (the consortium reads what co-ops
    reported to it)."""
    with consortium_scope(session):
        answers = list(session.scalars(select(TenderInterest).where(TenderInterest.tenant_id == tenant_id)
                                       .order_by(TenderInterest.notice_id.desc(), TenderInterest.lot_id)
                                       .execution_options(all_tenants=True)))
        notices = {n.id: n for n in session.scalars(
            select(TenderNotice).where(TenderNotice.id.in_({a.notice_id for a in answers} or {-1})))}
    by_notice: dict[int, list[TenderInterest]] = {}
    for answer in answers:
        by_notice.setdefault(answer.notice_id, []).append(answer)
    return [(notices[notice_id], rows) for notice_id, rows in by_notice.items() if notice_id in notices]
