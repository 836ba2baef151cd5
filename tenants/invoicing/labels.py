"""VAT categories and exemption reasons in words, in the reader's language: the invoicing pages and the PDF."""

from consortium.i18n import _l

# The VAT categories of the jurisdictions' rate tables (plugins/jurisdictions/*/rates), named in the reader's
# language; the tables' own label (in the country's language) for a category not listed here.
VAT_CATEGORY_LABELS = {
    "standard": _l("Standard rate"), "reduced": _l("Reduced rate"),
    "hospitality_temporary": _l("Temporary reduced rate (hospitality, holiday accommodation, attractions)"),
    "zero": _l("Zero rate"), "exempt": _l("Exempt (welfare services, including care by registered providers)"),
    "not_registered": _l("Not registered for VAT (outside the scope)"),
    "ordinaria_22": _l("Standard rate"), "ridotta_10": _l("Reduced rate"),
    "ridotta_5_sociale": _l("Reduced rate for social co-operatives' health, social and educational services"),
    "super_ridotta_4": _l("Super-reduced rate"),
    "esente_art10": _l("Exempt under art. 10 DPR 633/1972"), "non_soggetta": _l("Not subject to VAT"),
    "esclusa_art15": _l("Excluded under art. 15 DPR 633/1972"),
    "inversione_subappalto_edile": _l("Reverse charge: subcontracting in construction"),
    "inversione_pulizie_edili": _l("Reverse charge: cleaning, demolition, installation and completion of buildings"),
    "non_soggetta_art7ter": _l("Not subject to VAT under art. 7-ter: services to a business customer in another "
                               "EU country"),
}


def vat_category_label(code: str, fallback: str | None = None) -> str:
    """A VAT category in words, in the reader's language (the rate table's label, else the code, if unknown)."""
    label = VAT_CATEGORY_LABELS.get(code)
    return str(label) if label is not None else fallback or code


# The exemption reason each rate table (plugins/jurisdictions/*/rates/*.json) gives its exempt categories, as the
# e-invoices carry it (in the country's language), and the same reason for a reader of the PDF. An Italian table's
# reason is the msgid's Italian translation, word for word, so Italian readers read the table's own text.
EXEMPTION_REASONS = {
    "Operazione esente ai sensi dell'art. 10 del DPR 633/1972":
        _l("Exempt transaction under art. 10 of DPR 633/1972"),
    "Operazione non soggetta a IVA (Natura N2)": _l("Transaction not subject to VAT (nature N2)"),
    "Operazione non soggetta a IVA (Natura N2.2, altri casi)":
        _l("Transaction not subject to VAT (nature N2.2, other cases)"),
    "Importo escluso dalla base imponibile ai sensi dell'art. 15 del DPR 633/1972":
        _l("Amount excluded from the taxable base under art. 15 of DPR 633/1972"),
    "Inversione contabile, art. 17 c.6 lett. a) DPR 633/1972 (subappalto edile)":
        _l("Reverse charge, art. 17(6)(a) DPR 633/1972 (subcontracting in construction)"),
    "Inversione contabile, art. 17 c.6 lett. a-ter) DPR 633/1972 (servizi di pulizia relativi a edifici)":
        _l("Reverse charge, art. 17(6)(a-ter) DPR 633/1972 (cleaning services relating to buildings)"),
    "Operazione non soggetta ad IVA ai sensi dell'art. 7-ter DPR 633/1972 - inversione contabile":
        _l("Transaction not subject to VAT under art. 7-ter DPR 633/1972 - reverse charge"),
    "Exempt: welfare services supplied by a state-regulated provider (VAT Act 1994 Schedule 9 Group 7 item 9)":
        _l("Exempt: welfare services supplied by a state-regulated provider (VAT Act 1994 Schedule 9 Group 7 "
           "item 9)"),
    "Not subject to VAT: the supplier is not registered for VAT":
        _l("Not subject to VAT: the supplier is not registered for VAT"),
}


def exemption_reason_text(reason: str) -> str:
    """An exemption reason as stored on the invoice, in the reader's language (as stored if unknown)."""
    label = EXEMPTION_REASONS.get(reason)
    return str(label) if label is not None else reason
