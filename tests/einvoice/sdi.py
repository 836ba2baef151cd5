"""The SdI's semantic controls on FatturaPA amounts and natures, as the codes the SdI rejects with.

The Agenzia delle Entrate publishes these controls in the FatturaPA specifications ("elenco
controlli", codes 00400-00474) as prose, not as a machine-readable artefact, so each check
here is written from the published wording, cited beside it. The wording was read from
servicematica.com, "Fattura elettronica, codici errore relativi alla verifica della coerenza sul
contenuto" (which reproduces the Agenzia's list), guide.pec.it "Codici di errore SdI
00400-00499", youdox.it (00445), doceasy.freshdesk.com (00443) and, for the tolerances,
softsystem.it (00423: SOGEI added a 1-cent tolerance on 13 June 2016) and
risorse.innoovaerp.com/faq/1049 (00421: 1 cent). No tolerance was found published for 00422:
it is checked exactly, the strictest reading.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

CENT = Decimal("0.01")
GENERIC_NATURES = {"N2", "N3", "N6"}  # 00445: not accepted on invoices from 1 January 2021


def _decimal(element: etree._Element, path: str, default: str | None = None) -> Decimal | None:
    text = element.findtext(path)
    if text is None:
        return None if default is None else Decimal(default)
    return Decimal(text)


def controls(root: etree._Element) -> list[tuple[str, str]]:
    """(code, what is wrong) for every control a FatturaPA document fails; an empty list is accepted."""
    found = []
    header = root.find("FatturaElettronicaHeader")
    buyer = header.find("CessionarioCommittente/DatiAnagrafici")
    # 00417: 1.4.1.1 IdFiscaleIVA and 1.4.1.2 CodiceFiscale both missing (at least one is required).
    if buyer.find("IdFiscaleIVA") is None and buyer.find("CodiceFiscale") is None:
        found.append(("00417", "the buyer has neither IdFiscaleIVA nor CodiceFiscale"))
    for body in root.findall("FatturaElettronicaBody"):
        general = body.find("DatiGenerali")
        document = general.find("DatiGeneraliDocumento")
        issued = document.findtext("Data")
        # 00418: 2.1.1.3 Data earlier than a date of the linked documents (2.1.2 to 2.1.6).
        for linked in general.iterfind("*/Data"):
            if linked.getparent() is not document and linked.text > issued:
                found.append(("00418", f"the invoice date {issued} is before {linked.getparent().tag} {linked.text}"))
        # 00425: 2.1.1.4 Numero without any digit.
        if not any(ch.isdigit() for ch in document.findtext("Numero") or ""):
            found.append(("00425", "Numero has no digit"))
        goods = body.find("DatiBeniServizi")
        lines = goods.findall("DettaglioLinee")
        summaries = goods.findall("DatiRiepilogo")
        for line in lines:
            number = line.findtext("NumeroLinea")
            rate = _decimal(line, "AliquotaIVA")
            nature = line.findtext("Natura")
            # 00400 / 00401: 2.2.1.14 Natura missing with a zero 2.2.1.12 AliquotaIVA, or present with a non-zero one.
            if rate == 0 and not nature:
                found.append(("00400", f"line {number}: rate 0 without Natura"))
            if rate != 0 and nature:
                found.append(("00401", f"line {number}: Natura {nature} with rate {rate}"))
            if nature in GENERIC_NATURES:
                found.append(("00445", f"line {number}: generic Natura {nature}"))
            # 00423: 2.2.1.11 PrezzoTotale = PrezzoUnitario x Quantita (with ScontoMaggiorazione), 1 cent tolerance.
            quantity = _decimal(line, "Quantita", "1")
            expected = _decimal(line, "PrezzoUnitario") * quantity
            for change in line.findall("ScontoMaggiorazione"):
                amount = _decimal(change, "Importo", "0")
                expected += -amount if change.findtext("Tipo") == "SC" else amount
            if abs(_decimal(line, "PrezzoTotale") - expected) > CENT:
                found.append(("00423", f"line {number}: PrezzoTotale {line.findtext('PrezzoTotale')}, expected"
                                       f" {expected}"))
        summary_keys = set()
        for summary in summaries:
            rate = _decimal(summary, "AliquotaIVA")
            nature = summary.findtext("Natura")
            summary_keys.add((rate, nature))
            # 00429 / 00430: 2.2.2.2 Natura missing with a zero 2.2.2.1 AliquotaIVA, or present with a non-zero one.
            if rate == 0 and not nature:
                found.append(("00429", "summary at rate 0 without Natura"))
            if rate != 0 and nature:
                found.append(("00430", f"summary with Natura {nature} at rate {rate}"))
            if nature in GENERIC_NATURES:
                found.append(("00445", f"summary with generic Natura {nature}"))
            # 00420: EsigibilitaIVA S (split payment) with a reverse-charge Natura N6.x.
            if summary.findtext("EsigibilitaIVA") == "S" and (nature or "").startswith("N6"):
                found.append(("00420", f"split payment with reverse charge {nature}"))
            taxable = _decimal(summary, "ImponibileImporto")
            # 00421: 2.2.2.6 Imposta = ImponibileImporto x AliquotaIVA / 100, 1 cent tolerance.
            tax = _decimal(summary, "Imposta")
            if abs(tax - taxable * rate / 100) > CENT:
                found.append(("00421", f"summary {rate}: Imposta {tax}, expected {taxable * rate / 100}"))
            # 00422: 2.2.2.5 ImponibileImporto = sum of the PrezzoTotale of the lines of that rate and nature
            # plus 2.2.2.4 Arrotondamento.
            lines_total = sum((_decimal(line, "PrezzoTotale") for line in lines
                               if (_decimal(line, "AliquotaIVA"), line.findtext("Natura")) == (rate, nature)),
                              Decimal(0))
            if taxable != lines_total + _decimal(summary, "Arrotondamento", "0"):
                found.append(("00422", f"summary {rate} {nature or ''}: ImponibileImporto {taxable}, lines"
                                       f" {lines_total}"))
        line_keys = {(_decimal(line, "AliquotaIVA"), line.findtext("Natura")) for line in lines}
        for rate, nature in sorted(line_keys - summary_keys, key=str):
            # 00419: 2.2.2 DatiRiepilogo missing for a rate or nature used on a line; 00443 (rates) and
            # 00444 (natures) are the same correspondence checked value by value.
            found.append(("00419", f"no DatiRiepilogo for rate {rate} {nature or ''}"))
            if rate not in {key[0] for key in summary_keys}:
                found.append(("00443", f"no DatiRiepilogo at rate {rate}"))
            if nature and nature not in {key[1] for key in summary_keys}:
                found.append(("00444", f"no DatiRiepilogo with Natura {nature}"))
    return found
