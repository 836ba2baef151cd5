"""The month's Libro Unico del Lavoro entries as CSV, in the layout documented in ``docs/payroll.md``.

The LUL (DL 112/2008 art. 39; DM 9 July 2008) records, for each worker and month, who the worker
is, how they are employed and every amount paid or withheld. This export writes one row per
worker, month and voce (pay item, deduction, contribution, tax, TFR), so a labour consultant's
software can import it. It is written by `consortium.exports.to_csv` in the Italian convention whoever downloads
it (an Italian document for an Italian labour consultant): `;` between fields, amounts with a decimal comma and
two decimals, UTF-8 with a byte order mark.

Not included: the calendario delle presenze (the daily hours worked), which the app does not
record; the LUL also needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from consortium.exports import to_csv

from . import ItalianEmployee, ItalianPayrollResult, PayItems

CENT = Decimal("0.01")

HEADER = ("codice_fiscale", "cognome_nome", "anno", "mese", "livello_ccnl", "contratto", "percentuale_part_time",
          "giorni_retribuiti", "voce", "descrizione", "tipo", "importo")

# (voce, descrizione, tipo) for every row the export writes: tipo is C competenza, T trattenuta,
# I imponibile, A a carico della cooperativa, F fondo or accrual (informative).
VOCI = (
    ("RETR", "Retribuzione base (minimo CCNL)", "C"),
    ("SCAT", "Scatti di anzianità", "C"),
    ("STRA", "Lavoro straordinario", "C"),
    ("ALTR", "Altre competenze", "C"),
    ("ASSE", "Assenze non retribuite", "T"),
    ("TRED", "Tredicesima mensilità", "C"),
    ("QUAT", "Quattordicesima mensilità (50%, CCNL art. 79 bis)", "C"),
    ("IMPP", "Imponibile previdenziale", "I"),
    ("INPS", "Contributi INPS a carico del lavoratore", "T"),
    ("INP1", "di cui contributo aggiuntivo 1%", "T"),
    ("AGEB", "Agevolazione tipo B, quota lavoratore (L. 381/1991 art. 4)", "I"),
    ("IMPF", "Imponibile fiscale", "I"),
    ("IRPL", "IRPEF lorda", "I"),
    ("DETR", "Detrazioni d'imposta", "I"),
    ("IRPF", "Ritenuta IRPEF", "T"),
    ("TINT", "Trattamento integrativo", "C"),
    ("CUNE", "Somma esente riduzione cuneo fiscale", "C"),
    ("ADRE", "Addizionale regionale", "T"),
    ("ADCS", "Addizionale comunale saldo", "T"),
    ("ADCA", "Addizionale comunale acconto", "T"),
    ("NETT", "Netto in busta", "C"),
    ("INPD", "Contributi INPS a carico della cooperativa", "A"),
    ("AGED", "Agevolazione tipo B, quota cooperativa", "A"),
    ("INAI", "Premio INAIL", "A"),
    ("TFRQ", "Quota TFR del mese (retribuzione / 13,5)", "F"),
    ("TFRC", "Contributo 0,50% sul TFR", "F"),
    ("TFRM", "TFR maturato nel mese", "F"),
    ("TFRF", "Fondo TFR a fine mese", "F"),
)


@dataclass(frozen=True)
class LulEntry:
    """One worker's month for the LUL: who, how employed, and the amount of each voce (codes of :data:`VOCI`)."""

    name: str
    codice_fiscale: str
    ccnl_level: str
    contract: str
    part_time_percent: Decimal
    year: int
    month: int
    days_paid: int
    amounts: Mapping[str, Decimal]


def amounts_of(pay: PayItems, result: ItalianPayrollResult) -> dict[str, Decimal]:
    """The voci of a month the engine calculated."""
    return {
        "RETR": pay.basic, "SCAT": pay.seniority, "STRA": pay.overtime, "ALTR": pay.other,
        "ASSE": pay.absences, "TRED": pay.tredicesima, "QUAT": pay.quattordicesima,
        "IMPP": result.imponibile_previdenziale,
        "INPS": result.inps_employee, "INP1": result.inps_additional, "AGEB": result.relief_employee,
        "IMPF": result.imponibile_fiscale, "IRPL": result.irpef_lorda,
        "DETR": sum(result.detrazioni.values(), Decimal("0.00")), "IRPF": result.irpef,
        "TINT": result.trattamento_integrativo, "CUNE": result.somma_cuneo,
        "ADRE": result.addizionali["regionale"], "ADCS": result.addizionali["comunale_saldo"],
        "ADCA": result.addizionali["comunale_acconto"], "NETT": result.net_pay,
        "INPD": result.inps_employer, "AGED": result.relief_employer, "INAI": result.inail,
        "TFRQ": result.tfr_quota, "TFRC": result.tfr_contribution, "TFRM": result.tfr_accrual,
        "TFRF": result.tfr_fund,
    }


def entry_of(employee: ItalianEmployee, name: str, year: int, month: int, days: int, pay: PayItems,
             result: ItalianPayrollResult) -> LulEntry:
    """The LUL entry of a month the engine calculated."""
    return LulEntry(name, employee.codice_fiscale, employee.ccnl_level, employee.contract,
                    employee.part_time_percent, year, month, days, amounts_of(pay, result))


_DETAIL_VOCI = {"IMPP": "imponibile_previdenziale", "INPS": "inps_employee", "INP1": "inps_additional",
                "AGEB": "relief_employee", "IMPF": "imponibile_fiscale", "IRPL": "irpef_lorda", "IRPF": "irpef",
                "TINT": "trattamento_integrativo", "CUNE": "somma_cuneo", "ADRE": "addizionale_regionale",
                "ADCS": "addizionale_comunale_saldo", "ADCA": "addizionale_comunale_acconto",
                "INPD": "inps_employer", "AGED": "relief_employer", "INAI": "inail", "TFRQ": "tfr_quota",
                "TFRC": "tfr_contribution", "TFRM": "tfr_accrual", "TFRF": "tfr_fund", "TRED": "tredicesima",
                "QUAT": "quattordicesima"}
_LINE_VOCI = {"basic": "RETR", "overtime": "STRA", "hourly": "ALTR", "bonus": "ALTR", "holiday_pay": "ALTR",
              "statutory_pay": "ALTR"}


def entry_from_payslip(slip: Mapping) -> LulEntry:
    """The LUL entry of a payslip the app stored (``PayrollRules.run_export``'s plain values)."""
    details, fields = slip["details"], slip["fields"]
    amounts = {voce: Decimal(details.get(key, "0")) for voce, key in _DETAIL_VOCI.items()}
    amounts["DETR"] = sum((Decimal(value) for key, value in details.items() if key.startswith("detrazione_")),
                          Decimal("0.00"))
    for kind, amount in slip["lines"]:
        if kind in _LINE_VOCI:
            amounts[_LINE_VOCI[kind]] = amounts.get(_LINE_VOCI[kind], Decimal("0.00")) + amount
    amounts["NETT"] = slip["net_pay"]
    for voce, _description, _kind in VOCI:
        amounts.setdefault(voce, Decimal("0.00"))
    return LulEntry(slip["name"], fields.get("codice_fiscale", ""), fields.get("ccnl_level", ""),
                    fields.get("contract", ""), Decimal(fields.get("part_time_percent") or "100"),
                    int(slip["tax_year"]), int(slip["period"]), int(details.get("days", "0")), amounts)


def lul_rows(entries: Iterable[LulEntry]) -> list[tuple]:
    """The export's rows (without the header): amounts of zero are left out, except the net pay."""
    rows = []
    for entry in sorted(entries, key=lambda e: (e.codice_fiscale, e.year, e.month)):
        for voce, description, kind in VOCI:
            amount = entry.amounts[voce]
            if amount == 0 and voce != "NETT":
                continue
            rows.append((entry.codice_fiscale, entry.name, entry.year, f"{entry.month:02d}", entry.ccnl_level,
                         entry.contract, entry.part_time_percent.quantize(CENT), entry.days_paid, voce,
                         description, kind, amount.quantize(CENT)))
    return rows


def lul_csv(entries: Iterable[LulEntry]) -> bytes:
    """The month's LUL entries as a CSV file in the Italian convention (`;`, decimal comma, header row first)."""
    return to_csv(HEADER, lul_rows(entries), language="it")
