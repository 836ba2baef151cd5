"""OCDS packages shaped like Find a Tender's (`GET /api/1.0/ocdsReleasePackages`, documented at
find-tender.service.gov.uk/apidocumentation/1.0/GET-ocdsReleasePackages: publisher Cabinet Office,
ocid prefix `ocds-h6vhtk-`, `links.next` for the next page) and ANAC's (ocid prefix `ocds-hu01ve-`, CIG as
tender id). The notices are invented; their shape follows OCDS 1.1.5 with the lots extension."""

import copy
import json
from datetime import UTC, datetime, timedelta

# Deadlines a few weeks from today, so the notices stay open whenever the tests run.
DEADLINE = (datetime.now(UTC) + timedelta(days=45)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
ANSWERS_DUE = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
FTS_PUBLISHER = {"name": "Cabinet Office", "scheme": "GB-GOR", "uid": "D2"}
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def fts_release(number: int = 1, *, release_suffix: str = "tender", date: str = "2026-11-20T09:00:00Z",
                deadline: str = DEADLINE, title: str | None = None, awards: list | None = None,
                tag: list | None = None) -> dict:
    """A UK4 tender notice for home care in two lots, as Find a Tender publishes it (invented buyer data)."""
    ocid = f"ocds-h6vhtk-{number:06x}"
    release = {
        "ocid": ocid,
        "id": f"{number:06d}-2026-{release_suffix}",
        "date": date,
        "tag": tag or ["tender"],
        "initiationType": "tender",
        "language": "en",
        "parties": [{
            "id": "GB-PPON-PVMB-1234-ABCD", "name": "Greater Manchester Combined Authority",
            "roles": ["buyer"],
            "address": {"streetAddress": "56 Oxford Street", "locality": "Manchester", "postalCode": "M1 6EU",
                        "region": "UKD33", "countryName": "United Kingdom"},
        }],
        "buyer": {"id": "GB-PPON-PVMB-1234-ABCD", "name": "Greater Manchester Combined Authority"},
        "tender": {
            "id": f"{number:06d}-2026",
            "title": title or f"Domiciliary care and reablement services {number}",
            "description": "Home care for adults in Manchester and Salford, reserved for supported employment "
                           "providers under section 32 of the Procurement Act 2023 (lot 2 only).",
            "status": "active",
            "value": {"amount": 1850000, "currency": "GBP"},
            "procurementMethod": "selective",
            "procurementMethodDetails": "Competitive flexible procedure",
            "mainProcurementCategory": "services",
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": "Quality 60%, social value 10%, price 30%",
            "submissionMethod": ["electronicSubmission"],
            "tenderPeriod": {"endDate": deadline},
            "enquiryPeriod": {"endDate": DEADLINE},
            "lots": [
                {"id": "1", "title": "Manchester North", "description": "Domiciliary care, north Manchester",
                 "status": "active", "value": {"amount": 1100000, "currency": "GBP"},
                 "contractPeriod": {"startDate": "2027-04-01T00:00:00Z", "endDate": "2030-03-31T23:59:59Z"}},
                {"id": "2", "title": "Salford reablement", "description": "Reablement after hospital discharge",
                 "status": "active", "value": {"amount": 750000, "currency": "GBP"},
                 "contractPeriod": {"startDate": "2027-04-01T00:00:00Z", "endDate": "2030-03-31T23:59:59Z"}},
            ],
            "items": [
                {"id": "1", "relatedLot": "1", "classification": {"scheme": "CPV", "id": "85312000",
                                                                   "description": "Social work services"},
                 "quantity": 10400, "unit": {"name": "hour"},
                 "deliveryAddresses": [{"region": "UKD33", "locality": "Manchester"}]},
                {"id": "2", "relatedLot": "2", "classification": {"scheme": "CPV", "id": "85311200",
                                                                   "description": "Welfare services"},
                 "quantity": 6000, "unit": {"name": "hour"},
                 "deliveryAddresses": [{"region": "UKD34", "locality": "Salford"}]},
            ],
            "documents": [{"id": "1", "documentType": "tenderNotice", "title": "UK4 tender notice",
                           "url": f"https://www.find-tender.service.gov.uk/Notice/{number:06d}-2026"}],
        },
    }
    if awards is not None:
        release["awards"] = awards
    return release


def release_package(releases: list, *, next_url: str | None = None) -> dict:
    """A release package as Find a Tender publishes it."""
    package = {
        "uri": "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages",
        "version": "1.1",
        "publishedDate": "2026-11-30T08:00:00Z",
        "publisher": FTS_PUBLISHER,
        "license": OGL,
        "publicationPolicy": "https://www.find-tender.service.gov.uk/Home/PublicationPolicy",
        "releases": releases,
    }
    if next_url:
        package["links"] = {"next": next_url}
    return package


def record_package(releases: list) -> dict:
    """A record package (`GET /api/1.0/ocdsRecordPackages/{ocid}`) with embedded releases."""
    return {
        "uri": "https://www.find-tender.service.gov.uk/api/1.0/ocdsRecordPackages",
        "version": "1.1", "publishedDate": "2026-11-30T08:00:00Z", "publisher": FTS_PUBLISHER, "license": OGL,
        "publicationPolicy": "https://www.find-tender.service.gov.uk/Home/PublicationPolicy",
        "packages": ["https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages"],
        "records": [{"ocid": releases[0]["ocid"], "releases": copy.deepcopy(releases)}],
    }


def award_for(lot_id: str, supplier: str, amount: int, award_id: str = "1") -> dict:
    """A UK6 contract award for one lot."""
    return {"id": award_id, "status": "active", "date": "2027-02-20T10:00:00Z", "relatedLots": [lot_id],
            "value": {"amount": amount, "currency": "GBP"}, "suppliers": [{"id": "GB-COH-00000001", "name": supplier}],
            "contractPeriod": {"startDate": "2027-04-01T00:00:00Z", "endDate": "2030-03-31T23:59:59Z"}}


def as_bytes(document: dict) -> bytes:
    """The document as the JSON bytes a file upload carries."""
    return json.dumps(document).encode()
