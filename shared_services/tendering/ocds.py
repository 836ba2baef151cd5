"""OCDS 1.1.5 in and out: validate packages against the vendored JSON Schemas (with the lots and bid
extensions), and read from a release the parts a bidding consortium keeps.

The schemas are in `ocds_schema/` (see its README for sources and licence). Extensions are JSON Merge
Patches (RFC 7386) applied to the release schema, as the OCDS extension registry applies them.
No Flask, no database: plain functions on parsed JSON.
"""

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "ocds_schema"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
VERSIONED_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json"
EXTENSIONS = ("lots-release-schema.json", "bid-release-schema.json")
# Common Procurement Vocabulary: the classification scheme code in OCDS's itemClassificationScheme codelist.
CPV_SCHEME = "CPV"
MAX_ERRORS = 20


class OcdsError(ValueError):
    """The file is not an OCDS package we accept; `errors` maps JSON paths (or 'file') to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]]):
        super().__init__(message)
        self.message = message
        self.errors = errors


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch: `patch` applied to a copy of `target`."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def release_schema() -> dict:
    """The OCDS 1.1.5 release schema with the lots and bid extensions merged in."""
    schema = _load("release-schema.json")
    for name in EXTENSIONS:
        schema = merge_patch(schema, _load(f"extensions/{name}"))
    return schema


def _retrieve(uri: str) -> dict:
    if uri == RELEASE_SCHEMA_URL:
        return release_schema()
    if uri == VERSIONED_SCHEMA_URL:
        return {}  # not in the pinned copy; imports never read versionedRelease (see ocds_schema/README.md)
    raise ValueError(f"schema {uri} is not vendored")


@cache
def validator(kind: str):
    """A Draft 4 validator (jsonschema_rs.Draft4Validator) for 'release' (one release), 'release_package' or
    'record_package'.

    jsonschema-rs (a compiled validator): the pure-Python one takes minutes for 10,000 releases; the tests
    check our exports with the pure-Python `jsonschema` as well. Loaded (6 MB) where a package is validated, not
    in every web worker (issue 16).
    """
    import jsonschema_rs

    schema = release_schema() if kind == "release" else _load(f"{kind.replace('_', '-')}-schema.json")
    return jsonschema_rs.Draft4Validator(schema, retriever=_retrieve, validate_formats=False)


def json_path(parts) -> str:
    """['releases', 3, 'tender', 'id'] → '$.releases[3].tender.id'."""
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def schema_errors(document: dict, kind: str) -> dict[str, list[str]]:
    """Errors of `document` against the schema of `kind`, by JSON path (at most MAX_ERRORS paths)."""
    errors: dict[str, list[str]] = {}
    for error in validator(kind).iter_errors(document):
        errors.setdefault(json_path(error.instance_path), []).append(error.message)
        if len(errors) >= MAX_ERRORS:
            break
    return errors


def package_kind(document) -> str:
    """'release_package' or 'record_package'; anything else is refused naming what it looks like."""
    if isinstance(document, dict):
        if "releases" in document:
            return "release_package"
        if "records" in document:
            return "record_package"
        if "ocid" in document and "tag" in document:
            raise OcdsError("This is a single OCDS release, not a package: wrap it in a release package.",
                            {"$": ["a single release; expected a release package or a record package"]})
    raise OcdsError("This is not an OCDS release package or record package.",
                    {"$": ["expected an object with 'releases' (release package) or 'records' (record package)"]})


def parse_package(raw: bytes | str) -> tuple[str, dict]:
    """JSON text → (kind, package), validated; raises OcdsError naming each JSON path that fails."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OcdsError(f"The file is not JSON: {error}", {"file": [f"not JSON: {error}"]}) from None
    kind = package_kind(document)
    errors = schema_errors(document, kind)
    if errors:
        first = next(iter(errors.items()))
        raise OcdsError(f"The {kind.replace('_', ' ')} does not validate against OCDS 1.1.5: "
                        f"{first[0]}: {first[1][0]}", errors)
    return kind, document


def releases_of(kind: str, package: dict) -> list[dict]:
    """The releases a package carries: a record package's embedded releases, else its compiled release."""
    if kind == "release_package":
        return list(package.get("releases") or [])
    releases = []
    for record in package.get("records") or []:
        embedded = [r for r in record.get("releases") or [] if "tag" in r]
        if embedded:
            releases.extend(embedded)
        elif record.get("compiledRelease"):
            releases.append(record["compiledRelease"])
    return releases


def next_page_url(package: dict) -> str | None:
    """The package's `links.next` (Find a Tender and Contracts Finder paginate this way), if any."""
    links = package.get("links") or {}
    return links.get("next") if isinstance(links, dict) else None


# --- reading a release ------------------------------------------------------------------------


def parse_datetime(value) -> datetime | None:
    """An OCDS date-time as aware UTC (a date without zone is taken as UTC)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _amount(value) -> tuple[Decimal | None, str | None]:
    if not isinstance(value, dict) or value.get("amount") is None:
        return None, (value or {}).get("currency") if isinstance(value, dict) else None
    try:
        return Decimal(str(value["amount"])).quantize(Decimal("0.01")), value.get("currency")
    except InvalidOperation:
        return None, value.get("currency")


def _cpv_codes(items) -> list[str]:
    codes = []
    for item in items or []:
        for classification in [item.get("classification") or {}, *(item.get("additionalClassifications") or [])]:
            if str(classification.get("scheme", "")).upper() == CPV_SCHEME and classification.get("id"):
                code = str(classification["id"]).split("-")[0]  # "85311200-4": the check digit is dropped
                if code not in codes:
                    codes.append(code)
    return codes


def _areas(items, parties) -> list[str]:
    areas = []
    for item in items or []:
        addresses = list(item.get("deliveryAddresses") or [])
        if item.get("deliveryAddress"):
            addresses.append(item["deliveryAddress"])
        for address in addresses:
            for key in ("region", "locality"):
                if address.get(key) and address[key] not in areas:
                    areas.append(address[key])
    if not areas:
        for party in parties or []:
            if "buyer" in (party.get("roles") or []):
                address = party.get("address") or {}
                for key in ("region", "locality"):
                    if address.get(key) and address[key] not in areas:
                        areas.append(address[key])
    return areas


@dataclass
class LotData:
    """One lot as a release states it."""

    lot_id: str
    title: str | None = None
    description: str | None = None
    status: str | None = None
    value: Decimal | None = None
    currency: str | None = None
    cpv_codes: list[str] = field(default_factory=list)
    quantity: Decimal | None = None
    unit: str | None = None
    contract_start: datetime | None = None
    contract_end: datetime | None = None


@dataclass
class LotGroupData:
    """One lot group (OCDS lots extension `tender.lotGroups[]`): lots the buyer may combine when awarding, or
    whose total estimated value is capped by `maximum_value` (which can be below the sum of the lots' values)."""

    group_id: str
    related_lots: list[str]
    option_to_combine: bool | None = None
    maximum_value: Decimal | None = None
    currency: str | None = None

    def as_json(self) -> dict:
        return {"id": self.group_id, "related_lots": self.related_lots, "option_to_combine": self.option_to_combine,
                "maximum_value": None if self.maximum_value is None else str(self.maximum_value),
                "currency": self.currency}


@dataclass
class AwardData:
    """One award as a release states it."""

    award_id: str
    status: str | None
    value: Decimal | None
    currency: str | None
    suppliers: list[dict]
    related_lots: list[str]
    date: datetime | None
    contract_start: datetime | None
    contract_end: datetime | None


@dataclass
class ReleaseData:
    """What the consortium keeps of one release; None means the release does not say."""

    ocid: str
    release_id: str
    date: datetime | None
    tags: list[str]
    buyer_name: str | None = None
    buyer_id: str | None = None
    title: str | None = None
    description: str | None = None
    status: str | None = None
    value: Decimal | None = None
    currency: str | None = None
    procurement_method: str | None = None
    main_category: str | None = None
    award_criteria: str | None = None
    award_criteria_details: str | None = None
    max_lots_bid: int | None = None  # tender.lotDetails.maximumLotsBidPerSupplier
    max_lots_awarded: int | None = None  # tender.lotDetails.maximumLotsAwardedPerSupplier
    submission_deadline: datetime | None = None
    enquiry_deadline: datetime | None = None
    cpv_codes: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    lots: list[LotData] = field(default_factory=list)
    lot_groups: list[LotGroupData] | None = None  # None: the release states no lot groups
    awards: list[AwardData] = field(default_factory=list)
    language: str | None = None
    payload: dict | None = None  # the release as published


def _period(period) -> tuple[datetime | None, datetime | None]:
    period = period or {}
    return parse_datetime(period.get("startDate")), parse_datetime(period.get("endDate"))


def read_release(release: dict) -> ReleaseData:
    """The parts of a (validated) release a bidder needs: buyer, tender, lots, documents, awards."""
    tender = release.get("tender") or {}
    parties = release.get("parties") or []
    buyer = release.get("buyer") or next(
        ({"name": p.get("name"), "id": p.get("id")} for p in parties if "buyer" in (p.get("roles") or [])), {})
    value, currency = _amount(tender.get("value"))
    items = tender.get("items") or []
    data = ReleaseData(
        ocid=release["ocid"], release_id=str(release["id"]), date=parse_datetime(release.get("date")),
        tags=list(release.get("tag") or []), buyer_name=buyer.get("name"), buyer_id=buyer.get("id"),
        title=tender.get("title"), description=tender.get("description"), status=tender.get("status"),
        value=value, currency=currency, procurement_method=tender.get("procurementMethod"),
        main_category=tender.get("mainProcurementCategory"), award_criteria=tender.get("awardCriteria"),
        award_criteria_details=tender.get("awardCriteriaDetails")
        or (tender.get("lotDetails") or {}).get("awardCriteriaDetails"),
        max_lots_bid=(tender.get("lotDetails") or {}).get("maximumLotsBidPerSupplier"),
        max_lots_awarded=(tender.get("lotDetails") or {}).get("maximumLotsAwardedPerSupplier"),
        submission_deadline=_period(tender.get("tenderPeriod"))[1],
        enquiry_deadline=_period(tender.get("enquiryPeriod"))[1],
        cpv_codes=_cpv_codes(items), areas=_areas(items, parties), language=release.get("language"),
        documents=[{"id": str(d.get("id")), "title": d.get("title") or d.get("documentType") or str(d.get("id")),
                    "url": d.get("url"), "type": d.get("documentType")} for d in tender.get("documents") or []],
    )
    for lot in tender.get("lots") or []:
        lot_value, lot_currency = _amount(lot.get("value"))
        lot_items = [i for i in items if i.get("relatedLot") == lot["id"]]
        quantities = [Decimal(str(i["quantity"])) for i in lot_items if i.get("quantity") is not None]
        units = [(i.get("unit") or {}).get("name") for i in lot_items if (i.get("unit") or {}).get("name")]
        start, end = _period(lot.get("contractPeriod") or tender.get("contractPeriod"))
        data.lots.append(LotData(
            lot_id=str(lot["id"]), title=lot.get("title"), description=lot.get("description"),
            status=lot.get("status"), value=lot_value, currency=lot_currency or currency,
            cpv_codes=_cpv_codes(lot_items), quantity=sum(quantities) if quantities else None,
            unit=units[0] if units else None, contract_start=start, contract_end=end))
    if tender.get("lotGroups") is not None:
        data.lot_groups = []
        for position, group in enumerate(tender["lotGroups"]):
            group_value, group_currency = _amount(group.get("maximumValue"))
            data.lot_groups.append(LotGroupData(
                group_id=str(group.get("id") or position + 1), related_lots=[str(lot) for lot in
                                                                          group.get("relatedLots") or []],
                option_to_combine=group.get("optionToCombine"), maximum_value=group_value,
                currency=group_currency or currency))
    for award in release.get("awards") or []:
        award_value, award_currency = _amount(award.get("value"))
        start, end = _period(award.get("contractPeriod"))
        data.awards.append(AwardData(
            award_id=str(award["id"]), status=award.get("status"), value=award_value, currency=award_currency,
            suppliers=[{"name": s.get("name"), "id": s.get("id")} for s in award.get("suppliers") or []],
            related_lots=[str(lot) for lot in award.get("relatedLots") or []], date=parse_datetime(award.get("date")),
            contract_start=start, contract_end=end))
    return data
