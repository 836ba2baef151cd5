"""The official e-invoice validation artefacts, run from Python: one source of truth for the rules.

- CEN EN 16931 rules for UBL (validation-1.3.16, compiled XSLT) and the Peppol BIS Billing 3.0
  rules (3.0.19, compiled XSLT), run with Saxon-HE (saxonche); each outputs SVRL, in which a
  broken rule is an `svrl:failed-assert` with its `id` and `flag` (fatal or warning).
- The UBL 2.1 and FatturaPA 1.2.3 (FPR12, FPA12) XSDs, run with lxml.

Compiling the XSLT takes about a second, so :class:`Validators` compiles each once and the
test session shares them (see `tests/einvoice/conftest.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "schemas"
CEN_XSLT = SCHEMAS / "en16931-ubl-1.3.16" / "EN16931-UBL-validation.xslt"
PEPPOL_XSLT = SCHEMAS / "peppol-bis-billing-3" / "PEPPOL-EN16931-UBL.xsl"
CEN_EXAMPLES = SCHEMAS / "en16931-ubl-1.3.16" / "examples"
SVRL = "http://purl.oclc.org/dsdl/svrl"
UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
FATTURAPA_XSD = {"FPR12": "fatturapa-1.2.3/Schema_VFPR12_v1.2.3.xsd",
                 "FPA12": "fatturapa-1.2.3/Schema_VFPA12_v1.2.3.xsd"}


@dataclass(frozen=True)
class Assert:
    """One failed assert of a rule set."""

    rule: str
    flag: str
    text: str

    def __str__(self) -> str:
        return f"{self.rule} [{self.flag}] {self.text}"


class _LocalFilesOnly(etree.Resolver):
    """Fail loudly if a schema import ever reaches for the network instead of the local copy."""

    def resolve(self, system_url, public_id, context):
        if "://" in system_url and not system_url.startswith("file:"):
            raise AssertionError(f"schema import tried to fetch {system_url}")
        return None


def load_xsd(relative_path: str) -> etree.XMLSchema:
    """One vendored XSD, imports resolved from the same folder."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalFilesOnly())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / relative_path), parser))


def parse(xml: bytes) -> etree._Element:
    """XML bytes parsed without network or entities."""
    return etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))


class Validators:
    """The compiled rule sets and schemas; build one per test session."""

    def __init__(self) -> None:
        self._processor = PySaxonProcessor(license=False)
        compiler = self._processor.new_xslt30_processor()
        self._rules = {"cen": compiler.compile_stylesheet(stylesheet_file=str(CEN_XSLT)),
                       "peppol": compiler.compile_stylesheet(stylesheet_file=str(PEPPOL_XSLT))}
        self._xsd = {"Invoice": load_xsd("ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"),
                     "CreditNote": load_xsd("ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"),
                     **{version: load_xsd(path) for version, path in FATTURAPA_XSD.items()}}
        self.counts = {"cen": 0, "peppol": 0, "ubl-xsd": 0, "FPR12": 0, "FPA12": 0}

    def asserts(self, rule_set: str, xml: bytes) -> list[Assert]:
        """Every failed assert of `cen` or `peppol` on a UBL document."""
        node = self._processor.parse_xml(xml_text=xml.decode("utf-8-sig"))
        svrl = parse(self._rules[rule_set].transform_to_string(xdm_node=node).encode("utf-8"))
        self.counts[rule_set] += 1
        return [Assert(failed.get("id"), failed.get("flag"), " ".join(failed.findtext(f"{{{SVRL}}}text").split()))
                for failed in svrl.iter(f"{{{SVRL}}}failed-assert")]

    def fatal(self, rule_set: str, xml: bytes) -> list[Assert]:
        """The failed asserts flagged fatal (what makes an access point refuse the document)."""
        return [found for found in self.asserts(rule_set, xml) if found.flag == "fatal"]

    def ubl_xsd_errors(self, xml: bytes) -> list[str]:
        """UBL 2.1 XSD errors of an Invoice or CreditNote."""
        root = parse(xml)
        schema = self._xsd["Invoice" if root.tag == f"{{{UBL_INVOICE_NS}}}Invoice" else "CreditNote"]
        self.counts["ubl-xsd"] += 1
        return [] if schema.validate(root) else [str(error) for error in schema.error_log]

    def fatturapa_xsd_errors(self, xml: bytes) -> list[str]:
        """FatturaPA errors against the XSD of the document's own version (FPR12 or FPA12)."""
        root = parse(xml)
        version = root.get("versione")
        schema = self._xsd[version]
        self.counts[version] += 1
        return [] if schema.validate(root) else [str(error) for error in schema.error_log]

    def ubl_problems(self, xml: bytes) -> list[str]:
        """Everything that would make a UBL document bounce: XSD errors and fatal asserts of both rule sets."""
        return [*self.ubl_xsd_errors(xml), *(str(found) for rule_set in ("cen", "peppol")
                                             for found in self.fatal(rule_set, xml))]
