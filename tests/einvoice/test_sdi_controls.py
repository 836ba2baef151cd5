"""Each SdI control (codes from the Agenzia delle Entrate's published list, see tests/einvoice/sdi.py) fires on a
document that breaks it, and the clean documents break none, so the FatturaPA checks cannot pass vacuously."""

import pytest
from lxml import etree

from plugins.exporters import fatturapa
from tests.einvoice import sdi
from tests.einvoice.documents import spread
from tests.einvoice.official import parse

DOCUMENTS = spread()


def _root(name: str) -> etree._Element:
    return parse(fatturapa.render(DOCUMENTS[name]))


def _remove(root, path):
    for element in root.findall(path):
        element.getparent().remove(element)
    return root


def _set(root, path, text):
    for element in root.findall(path):
        element.text = text
    return root


def _add_nature(root, path, nature):
    for element in root.findall(path):
        etree.SubElement(element, "Natura").text = nature
        element.append(element.find("Natura"))  # order does not matter to the control
    return root


def _reverse_charge(root):
    """Every line and summary turned into reverse charge N6.7, keeping the split payment's EsigibilitaIVA S."""
    for path in (".//DatiRiepilogo/AliquotaIVA", ".//DettaglioLinee/AliquotaIVA", ".//DatiRiepilogo/Imposta"):
        _set(root, path, "0.00")
    return _add_nature(root, ".//DatiRiepilogo", "N6.7")


MIXED = "it-mixed-rates-and-exempt"
PLANTED = [
    ("00400", MIXED, lambda root: _remove(root, ".//DettaglioLinee/Natura")),
    ("00401", MIXED, lambda root: _set(root, ".//DettaglioLinee[Natura]/AliquotaIVA", "22.00")),
    ("00417", MIXED, lambda root: _remove(root, ".//CessionarioCommittente/DatiAnagrafici/IdFiscaleIVA")),
    ("00418", "it-credit-note-to-public-body", lambda root: _set(root, ".//DatiFattureCollegate/Data",
                                                                 "2099-01-01")),
    ("00419", MIXED, lambda root: _remove(root, ".//DatiRiepilogo[AliquotaIVA='4.00']")),
    ("00420", "it-public-body-split-payment", lambda root: _reverse_charge(root)),
    ("00421", "it-ten-lines-of-10.10-at-22", lambda root: _set(root, ".//DatiRiepilogo/Imposta", "22.20")),
    ("00422", MIXED, lambda root: _set(root, ".//DatiRiepilogo[AliquotaIVA='10.00']/ImponibileImporto", "770.00")),
    ("00423", MIXED, lambda root: _set(root, ".//DettaglioLinee[NumeroLinea='1']/PrezzoTotale", "770.00")),
    ("00425", MIXED, lambda root: _set(root, ".//DatiGeneraliDocumento/Numero", "FE/A")),
    ("00429", MIXED, lambda root: _remove(root, ".//DatiRiepilogo/Natura")),
    ("00430", MIXED, lambda root: _set(root, ".//DatiRiepilogo[Natura]/AliquotaIVA", "22.00")),
    ("00443", MIXED, lambda root: _remove(root, ".//DatiRiepilogo[AliquotaIVA='4.00']")),
    ("00444", MIXED, lambda root: _remove(root, ".//DatiRiepilogo[Natura='N4']")),
    ("00445", MIXED, lambda root: _set(root, ".//Natura", "N2")),
]


@pytest.mark.parametrize(("code", "name", "plant"), PLANTED, ids=[code for code, _, _ in PLANTED])
def test_each_sdi_control_fires_on_a_document_that_breaks_it(code, name, plant):
    assert sdi.controls(_root(name)) == []
    codes = {found for found, _ in sdi.controls(plant(_root(name)))}
    assert code in codes, codes
