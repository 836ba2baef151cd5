"""FatturaPA 1.2 e-invoices for the Italian exchange system (SDI): FPA12 to public bodies, FPR12 otherwise.

Elements are written in the order of the FatturaPA 1.2.3 XSDs (FPR12 and FPA12, specifications
1.8/1.9). Missing or malformed mandatory data is collected while building and raised together
as one EInvoiceError.

The VAT summary rule (SdI controls 00421 and 00422, Agenzia delle Entrate, FatturaPA
specifications, "elenco controlli"): each DatiRiepilogo's ImponibileImporto is the sum of its
lines' PrezzoTotale, and its Imposta is ImponibileImporto x AliquotaIVA / 100 rounded half-up to
the cent, computed on that summary amount. The co-op rounds VAT per line (see the invoicing
service), so the two can differ by a few cents (10 lines of 10.10 at 22%: 22.20 billed, 22.22
on the summary). The document keeps what the co-op billed: ImportoTotaleDocumento and the
amount to pay are the invoice's own totals, and the difference between them and the
summaries goes in DatiGeneraliDocumento/Arrotondamento (2.1.1.10, "eventuale arrotondamento
sul totale documento").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from stdnum import iban as iban_number
from stdnum.it import codicefiscale, iva

from plugins.exporters import EInvoiceError, Exporter
from plugins.exporters.model import EInvoice, EInvoiceLine, Party, decimal_text, round_money

if TYPE_CHECKING:  # lxml loads when an e-invoice is made (issue 16: not in every worker's memory)
    from lxml import etree

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
PUBLIC_BODY_FORMAT = "FPA12"
PRIVATE_FORMAT = "FPR12"
TIPO_DOCUMENTO = {"invoice": "TD01", "credit_note": "TD04"}
PEC_OR_UNKNOWN_CODE = "0000000"  # recipient reached by PEC, or through its own SDI area
FOREIGN_RECIPIENT_CODE = "XXXXXXX"
FOREIGN_CAP = "00000"  # the CAP must be 5 digits; SDI guidance for addresses abroad
DISCOUNT = "SC"  # TipoCessionePrestazione: the line is a discount
PAYMENT_IN_FULL = "TP02"
BANK_TRANSFER = "MP05"
UNIT_NAMES = {"C62": "pz", "H87": "pz", "HUR": "ore", "DAY": "giorni", "MON": "mesi", "KGM": "kg", "LTR": "l"}
AMOUNT_MAX_PLACES = 8  # Amount8DecimalType, for unit prices and line totals
CAUSALE_LENGTH = 200
REGIME_FISCALE = re.compile(r"RF(0[1-9]|1[0-9])")
SPLIT_PAYMENT = "S"  # EsigibilitaIVA: scissione dei pagamenti, DPR 633/1972 art. 17-ter
REVERSE_CHARGE_NATURE = "N6"  # N6.1 .. N6.9; control 00420 refuses them with EsigibilitaIVA S
VIRTUAL_STAMP = "SI"  # BolloVirtuale: the duty is paid virtually (DM 17 June 2014 art. 6)


class _Collector:
    """Gathers every problem found while building, so the caller sees them all at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def text(self, label: str, value: str | None, max_length: int | None, ascii_only: bool = False) -> str:
        """Return value if it fits its FatturaPA type, else record why not (and return a placeholder)."""
        if value is None or not str(value).strip():
            self.problems.append(_("%(field)s: required", field=label))
            return "-"
        value = str(value).strip()
        if max_length is not None and len(value) > max_length:
            self.problems.append(_("%(field)s: at most %(most)s characters, got %(length)s", field=label,
                                   most=max_length, length=len(value)))
        charset = "ascii" if ascii_only else "latin-1"
        try:
            value.encode(charset)
        except UnicodeEncodeError:
            self.problems.append(_("%(field)s: only %(charset)s characters are allowed", field=label, charset=charset))
        return value


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    from lxml import etree

    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _money(value: Decimal) -> str:
    return decimal_text(value, 2, 2)


def _vat_code(party: Party) -> str | None:
    """The VAT number without spaces or its country prefix, as IdCodice wants it."""
    if not party.vat_number:
        return None
    number = party.vat_number.replace(" ", "").upper()
    if party.country_code and number.startswith(party.country_code):
        number = number[len(party.country_code) :]
    return number


def _is_italian(party: Party) -> bool:
    return (party.country_code or "").upper() == "IT"


def _add_id_fiscale(parent: etree._Element, party: Party, role: str, found: _Collector) -> None:
    vat_code = _vat_code(party)
    if not vat_code:
        wanted = _("the partita IVA of an Italian party") if _is_italian(party) else _("the VAT number")
        found.problems.append(_("%(role)s.vat_number: required (%(wanted)s)", role=role, wanted=wanted))
    elif _is_italian(party) and not iva.is_valid(vat_code):
        found.problems.append(_("%(role)s.vat_number: not a valid partita IVA: %(value)r", role=role,
                                value=party.vat_number))
    element = _add(parent, "IdFiscaleIVA")
    _add(element, "IdPaese", found.text(f"{role}.country_code", party.country_code, 2, ascii_only=True))
    _add(element, "IdCodice", vat_code or "-")


def _add_codice_fiscale(parent: etree._Element, party: Party, role: str, found: _Collector) -> None:
    tax_code = party.tax_code.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z0-9]{11,16}", tax_code) or (
        _is_italian(party) and not codicefiscale.is_valid(tax_code)
    ):
        found.problems.append(_("%(role)s.tax_code: not a valid codice fiscale: %(value)r", role=role,
                                value=party.tax_code))
    _add(parent, "CodiceFiscale", tax_code)


def _add_address(parent: etree._Element, party: Party, role: str, found: _Collector) -> None:
    address = _add(parent, "Sede")
    _add(address, "Indirizzo", found.text(f"{role}.street", party.street, 60))
    if _is_italian(party):
        postcode = (party.postcode or "").strip()
        if not re.fullmatch(r"[0-9]{5}", postcode):
            found.problems.append(_("%(role)s.postcode: an Italian CAP has 5 digits, got %(value)r", role=role,
                                    value=party.postcode))
    else:
        postcode = FOREIGN_CAP
    _add(address, "CAP", postcode)
    _add(address, "Comune", found.text(f"{role}.city", party.city, 60))
    _add(address, "Nazione", found.text(f"{role}.country_code", party.country_code, 2, ascii_only=True))


def _recipient_code(buyer: Party, found: _Collector) -> str:
    code = (buyer.codice_destinatario or "").strip().upper()
    if buyer.is_public_body:
        if not re.fullmatch(r"[A-Z0-9]{6}", code):
            found.problems.append(_(
                "buyer.codice_destinatario: a public body needs its 6-character codice univoco ufficio,"
                " got %(value)r", value=buyer.codice_destinatario))
        return code
    if not _is_italian(buyer):
        return FOREIGN_RECIPIENT_CODE
    code = code or PEC_OR_UNKNOWN_CODE
    if not re.fullmatch(r"[A-Z0-9]{7}", code):
        found.problems.append(
            _("buyer.codice_destinatario: a private recipient's SDI code has 7 characters, got %(value)r", value=code)
        )
    return code


def _add_transmission(header: etree._Element, doc: EInvoice, versione: str, found: _Collector) -> None:
    transmission = _add(header, "DatiTrasmissione")
    sender = _add(transmission, "IdTrasmittente")
    _add(sender, "IdPaese", found.text("seller.country_code", doc.seller.country_code, 2, ascii_only=True))
    sender_code = _vat_code(doc.seller) or doc.seller.tax_code
    _add(sender, "IdCodice", found.text("seller.vat_number or seller.tax_code", sender_code, 28))
    # ProgressivoInvio only has to be unique per sender; the gapless invoice number already is.
    progressive = re.sub(r"[^A-Za-z0-9]", "", doc.number or "")[-10:]
    _add(transmission, "ProgressivoInvio", found.text("number", progressive, 10, ascii_only=True))
    _add(transmission, "FormatoTrasmissione", versione)
    code = _recipient_code(doc.buyer, found)
    _add(transmission, "CodiceDestinatario", code)
    if code == PEC_OR_UNKNOWN_CODE and doc.buyer.pec:
        _add(transmission, "PECDestinatario", found.text("buyer.pec", doc.buyer.pec, 256))


def _add_seller(header: etree._Element, seller: Party, found: _Collector) -> None:
    element = _add(header, "CedentePrestatore")
    personal = _add(element, "DatiAnagrafici")
    _add_id_fiscale(personal, seller, "seller", found)
    if seller.tax_code:
        _add_codice_fiscale(personal, seller, "seller", found)
    _add(_add(personal, "Anagrafica"), "Denominazione", found.text("seller.name", seller.name, 80))
    if not REGIME_FISCALE.fullmatch(seller.regime_fiscale or ""):
        found.problems.append(_("seller.regime_fiscale: must be RF01..RF19, got %(value)r",
                                value=seller.regime_fiscale))
    _add(personal, "RegimeFiscale", seller.regime_fiscale)
    _add_address(element, seller, "seller", found)
    if seller.email:
        _add(_add(element, "Contatti"), "Email", seller.email)


def _add_buyer(header: etree._Element, buyer: Party, found: _Collector) -> None:
    element = _add(header, "CessionarioCommittente")
    personal = _add(element, "DatiAnagrafici")
    if not buyer.vat_number and not buyer.tax_code:
        found.problems.append(_("buyer: needs a vat_number (partita IVA) or a tax_code (codice fiscale)"))
    if buyer.vat_number:
        _add_id_fiscale(personal, buyer, "buyer", found)
    if buyer.tax_code:
        _add_codice_fiscale(personal, buyer, "buyer", found)
    _add(_add(personal, "Anagrafica"), "Denominazione", found.text("buyer.name", buyer.name, 80))
    _add_address(element, buyer, "buyer", found)


@dataclass
class _Summary:
    """One DatiRiepilogo: the lines of a rate and nature, with the tax computed on their sum."""

    rate: Decimal
    natura: str | None
    reason: str | None
    taxable: Decimal = Decimal("0.00")

    @property
    def tax(self) -> Decimal:
        """Imposta on the summary's own taxable amount (control 00421), half-up to the cent."""
        return round_money(self.taxable * self.rate / 100)


def summaries(doc: EInvoice) -> list[_Summary]:
    """The DatiRiepilogo blocks of a document, in the order their rate and nature first appear."""
    groups: dict[tuple, _Summary] = {}
    for line in doc.lines:
        key = (line.vat_rate, line.natura)
        group = groups.setdefault(key, _Summary(line.vat_rate, line.natura, line.exemption_reason))
        group.taxable += line.net_amount
    reasons = {(group.rate, group.natura): group.exemption_reason for group in doc.vat_breakdown}
    for key, group in groups.items():
        group.reason = group.reason or reasons.get(key)
    return list(groups.values())


def rounding_difference(doc: EInvoice) -> Decimal:
    """What the billed total differs by from the summaries' taxable amounts plus their tax (2.1.1.10)."""
    found = summaries(doc)
    return doc.tax_inclusive_total - sum((group.taxable + group.tax for group in found), Decimal("0.00"))


def _add_general_data(body: etree._Element, doc: EInvoice, found: _Collector) -> None:
    general = _add(body, "DatiGenerali")
    document = _add(general, "DatiGeneraliDocumento")
    _add(document, "TipoDocumento", TIPO_DOCUMENTO[doc.kind])
    _add(document, "Divisa", found.text("currency", doc.currency, 3, ascii_only=True))
    if doc.issue_date is None:
        found.problems.append(_("issue_date: required"))
    _add(document, "Data", doc.issue_date.isoformat() if doc.issue_date else "")
    number = found.text("number", doc.number, 20, ascii_only=True)
    if not re.search(r"[0-9]", number):
        found.problems.append(_("number: SDI requires at least one digit, got %(value)r", value=doc.number))
    _add(document, "Numero", number)
    if doc.stamp_duty:
        stamp = _add(document, "DatiBollo")
        _add(stamp, "BolloVirtuale", VIRTUAL_STAMP)
        _add(stamp, "ImportoBollo", _money(doc.stamp_duty))
    if doc.tax_inclusive_total is not None:
        _add(document, "ImportoTotaleDocumento", _money(doc.tax_inclusive_total))
        if doc.lines and (difference := rounding_difference(doc)):
            _add(document, "Arrotondamento", _money(difference))
    if doc.note:
        note = found.text("note", doc.note, None)
        for start in range(0, len(note), CAUSALE_LENGTH):
            _add(document, "Causale", note[start : start + CAUSALE_LENGTH])
    if doc.order_reference:
        order = _add(general, "DatiOrdineAcquisto")
        _add(order, "IdDocumento", found.text("order_reference", doc.order_reference, 20, ascii_only=True))
    if doc.kind == "credit_note":
        if doc.billing_reference is None:
            found.problems.append(_("billing_reference: a credit note (TD04) must name the invoice it corrects"))
            return
        original = _add(general, "DatiFattureCollegate")
        reference_number = found.text("billing_reference.number", doc.billing_reference.number, 20, True)
        _add(original, "IdDocumento", reference_number)
        if doc.billing_reference.issue_date:
            _add(original, "Data", doc.billing_reference.issue_date.isoformat())


def _check_natura(line: EInvoiceLine, label: str, found: _Collector) -> None:
    if line.vat_rate == 0 and not line.natura:
        found.problems.append(_("%(line)s.natura: a 0%% line needs its natura (e.g. N4 exempt)", line=label))
    if line.vat_rate != 0 and line.natura:
        found.problems.append(
            _("%(line)s.natura: only 0%% lines carry a natura, this one is at %(rate)s%%", line=label,
              rate=line.vat_rate)
        )


def _add_line(
    goods: etree._Element,
    number: int,
    line: EInvoiceLine,
    label: str,
    found: _Collector,
    discount: bool = False,
) -> None:
    element = _add(goods, "DettaglioLinee")
    _add(element, "NumeroLinea", str(number))
    if discount:
        _add(element, "TipoCessionePrestazione", DISCOUNT)
        description = f"Sconto: {line.description}"[:1000]
        unit_price = total = -line.discount_amount
    else:
        description = found.text(f"{label}.description", line.description, 1000)
        unit_price = line.unit_price
        # The discount goes on its own line (below), so this line's total is before discount.
        total = line.net_amount + line.discount_amount
    _add(element, "Descrizione", description)
    if not discount:
        if line.quantity <= 0:
            found.problems.append(_("%(line)s.quantity: must be positive, got %(value)s", line=label,
                                    value=line.quantity))
        _add(element, "Quantita", decimal_text(line.quantity, 2, 4))
        _add(element, "UnitaMisura", UNIT_NAMES.get(line.unit_code, line.unit_code)[:10])
    _add(element, "PrezzoUnitario", decimal_text(unit_price, 2, AMOUNT_MAX_PLACES))
    _add(element, "PrezzoTotale", decimal_text(total, 2, AMOUNT_MAX_PLACES))
    _add(element, "AliquotaIVA", decimal_text(line.vat_rate, 2, 2))
    if line.natura:
        _add(element, "Natura", line.natura)


def _add_goods_services(body: etree._Element, doc: EInvoice, found: _Collector) -> None:
    goods = _add(body, "DatiBeniServizi")
    if not doc.lines:
        found.problems.append(_("lines: at least one line is required"))
    number = 0
    for index, line in enumerate(doc.lines):
        label = f"lines[{index}] ({line.line_id})"
        _check_natura(line, label, found)
        number += 1
        _add_line(goods, number, line, label, found)
        if line.discount_amount:
            number += 1
            _add_line(goods, number, line, label, found, discount=True)
    if number > 9999:
        found.problems.append(_("lines: FatturaPA allows at most 9999 lines, this document needs %(number)s",
                                number=number))
    if not doc.vat_breakdown:
        found.problems.append(_("vat_breakdown: at least one VAT summary is required"))
    for index, group in enumerate(summaries(doc)):
        summary = _add(goods, "DatiRiepilogo")
        _add(summary, "AliquotaIVA", decimal_text(group.rate, 2, 2))
        if group.rate == 0 and not group.natura:
            found.problems.append(_("vat_breakdown[%(index)s].natura: a 0%% summary needs its natura", index=index))
        if group.natura:
            _add(summary, "Natura", group.natura)
        _add(summary, "ImponibileImporto", _money(group.taxable))
        _add(summary, "Imposta", _money(group.tax))
        if doc.split_payment and group.rate > 0:
            _add(summary, "EsigibilitaIVA", SPLIT_PAYMENT)
        if doc.split_payment and (group.natura or "").startswith(REVERSE_CHARGE_NATURE):
            found.problems.append(_("vat_breakdown[%(index)s].natura: reverse charge (%(natura)s) cannot be"
                                    " paid by split payment (control 00420)", index=index, natura=group.natura))
        if group.natura:
            reason = found.text(f"vat_breakdown[{index}].exemption_reason", group.reason, 100)
            _add(summary, "RiferimentoNormativo", reason)


def _add_payment(body: etree._Element, doc: EInvoice, found: _Collector) -> None:
    payment = _add(body, "DatiPagamento")
    _add(payment, "CondizioniPagamento", PAYMENT_IN_FULL)
    detail = _add(payment, "DettaglioPagamento")
    _add(detail, "ModalitaPagamento", BANK_TRANSFER)
    _add(detail, "DataScadenzaPagamento", doc.due_date.isoformat())
    _add(detail, "ImportoPagamento", _money(doc.payable_amount))
    if doc.seller.iban:
        account = iban_number.compact(doc.seller.iban)
        if not iban_number.is_valid(account):
            found.problems.append(_("seller.iban: not a valid IBAN: %(value)r", value=doc.seller.iban))
        _add(detail, "IBAN", account)


def render(doc: EInvoice) -> bytes:
    """Render a document as FatturaPA 1.2 XML; raise EInvoiceError listing every missing or bad field."""
    from lxml import etree

    if doc.kind not in TIPO_DOCUMENTO:
        raise EInvoiceError([_("kind: must be 'invoice' or 'credit_note', got %(value)r", value=doc.kind)])
    found = _Collector()
    versione = PUBLIC_BODY_FORMAT if doc.buyer.is_public_body else PRIVATE_FORMAT
    root = etree.Element(
        f"{{{NAMESPACE}}}FatturaElettronica",
        {"versione": versione},
        nsmap={"p": NAMESPACE, "ds": XMLDSIG_NAMESPACE},
    )
    header = _add(root, "FatturaElettronicaHeader")
    _add_transmission(header, doc, versione, found)
    _add_seller(header, doc.seller, found)
    _add_buyer(header, doc.buyer, found)
    body = _add(root, "FatturaElettronicaBody")
    _add_general_data(body, doc, found)
    _add_goods_services(body, doc, found)
    if doc.due_date:
        _add_payment(body, doc, found)
    if found.problems:
        raise EInvoiceError(found.problems)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


exporter = Exporter(code="fatturapa", media_type="application/xml", file_extension="xml", render=render)
