"""Peppol electronic addresses (participant identifiers): an EAS scheme code and the identifier in it.

The scheme codes are those of the Peppol Electronic Address Scheme (EAS) code list, as the
Peppol BIS Billing 3.0 rules 3.0.19 carry it (`$eaid` in PEPPOL-EN16931-UBL.sch, rule
PEPPOL-EN16931-CL008; vendored under tests/data/schemas/peppol-bis-billing-3/). We offer the
schemes a UK or Italian co-op and its customers use; each identifier is checked the way the
Peppol rules check it (PEPPOL-COMMON-R040 GLN check digit, R042 Danish CVR, R044 IPA code,
R045 codice fiscale, R047 partita IVA), and more strictly with python-stdnum where the scheme's
number has a check digit of its own (CVR, UK VAT, partita IVA, codice fiscale).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from stdnum import ean
from stdnum.dk import cvr
from stdnum.gb import vat as gb_vat
from stdnum.it import codicefiscale, iva


class InvalidEndpoint(ValueError):
    """An electronic address that Peppol would refuse; ``message`` says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Scheme:
    """One EAS scheme: its code, its name and how its identifiers are normalised and checked."""

    code: str
    name: str
    normalise: Callable[[str], str]


def _compact(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch not in " .-/")


def _gln(value: str) -> str:
    # GS1 General Specifications 7.9: a GLN is 13 digits with the GS1 mod-10 check digit, the
    # EAN-13 algorithm python-stdnum's ean module implements (PEPPOL-COMMON-R040).
    number = _compact(value)
    if not re.fullmatch(r"[0-9]{13}", number):
        raise InvalidEndpoint(_("a GLN (scheme 0088) has 13 digits"))
    if not ean.is_valid(number):
        raise InvalidEndpoint(_("this GLN (scheme 0088) has a wrong check digit"))
    return number


def _danish_cvr(value: str) -> str:
    number = _compact(value).removeprefix("DK")
    if not re.fullmatch(r"[0-9]{8}", number) or not cvr.is_valid(number):
        raise InvalidEndpoint(_("a Danish CVR number (scheme 0184) has 8 digits with a valid check digit"))
    return number


def _uk_vat(value: str) -> str:
    number = _compact(value).removeprefix("GB")
    if not gb_vat.is_valid(number):
        raise InvalidEndpoint(_("not a valid UK VAT number (scheme 9932): 9 or 12 digits with a valid check"))
    return "GB" + gb_vat.compact(number)


def _partita_iva(value: str) -> str:
    # PEPPOL-COMMON-R047 wants the country prefix: IT followed by the 11 digits.
    number = _compact(value).removeprefix("IT")
    if not iva.is_valid(number):
        raise InvalidEndpoint(_("not a valid partita IVA (scheme 0211): IT and 11 digits with a valid check digit"))
    return "IT" + number


def _ipa_code(value: str) -> str:
    # PEPPOL-COMMON-R044: the IPA office code (codice univoco ufficio) is 6 letters or digits.
    code = _compact(value)
    if not re.fullmatch(r"[A-Z0-9]{6}", code):
        raise InvalidEndpoint(_("an IPA office code (scheme 0201) has 6 letters or digits"))
    return code


def _codice_fiscale(value: str) -> str:
    code = _compact(value)
    if not (codicefiscale.is_valid(code) or (len(code) == 11 and iva.is_valid(code))):
        raise InvalidEndpoint(_("not a valid codice fiscale (scheme 0210)"))
    return code


SCHEMES: dict[str, Scheme] = {scheme.code: scheme for scheme in (
    Scheme("0088", "GLN (GS1 Global Location Number)", _gln),
    Scheme("0184", "Danish CVR number", _danish_cvr),
    Scheme("0201", "Italian IPA office code (public bodies)", _ipa_code),
    Scheme("0210", "Italian codice fiscale", _codice_fiscale),
    Scheme("0211", "Italian partita IVA", _partita_iva),
    Scheme("9932", "UK VAT number", _uk_vat),
)}


def split_endpoint(endpoint: str | None) -> tuple[str, str] | None:
    """("0088", "5012345678900") from "0088:5012345678900"; None for no address."""
    if not endpoint or ":" not in endpoint:
        return None
    scheme, identifier = endpoint.split(":", 1)
    return scheme, identifier


def validate_endpoint(scheme: str | None, identifier: str | None) -> str | None:
    """The address as stored, "scheme:identifier", or None when both are empty; InvalidEndpoint says why not."""
    scheme = (scheme or "").strip()
    identifier = (identifier or "").strip()
    if not scheme and not identifier:
        return None
    if not scheme:
        raise InvalidEndpoint(_("choose the scheme of the electronic address (e.g. 0088 GLN)"))
    if scheme not in SCHEMES:
        raise InvalidEndpoint(_("scheme %(scheme)s is not one we support: %(supported)s", scheme=scheme,
                                supported=", ".join(SCHEMES)))
    if not identifier:
        raise InvalidEndpoint(_("give the identifier in scheme %(scheme)s (%(name)s)", scheme=scheme,
                                name=SCHEMES[scheme].name))
    return f"{scheme}:{SCHEMES[scheme].normalise(identifier)}"


def parse_endpoint(endpoint: str | None) -> str | None:
    """Validate an address given as one string, "scheme:identifier"."""
    if not endpoint or not endpoint.strip():
        return None
    parts = split_endpoint(endpoint.strip())
    if parts is None:
        raise InvalidEndpoint(_("write the electronic address as scheme:identifier, e.g. 0088:5012345678900"))
    return validate_endpoint(*parts)
