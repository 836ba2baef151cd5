"""The month's Libro Unico del Lavoro entries as CSV, in the layout documented in ``docs/payroll.md``.

The LUL (DL 112/2008 art. 39; DM 9 July 2008) records, for each worker and month, who the worker
is, how they are employed and every amount paid or withheld. This export writes one row per
worker, month and voce (pay item, deduction, contribution, tax, TFR), so a labour consultant's
software can import it; amounts use a dot as decimal separator and two decimals.

Not included: the calendario delle presenze (the daily hours worked), which the app does not
record; the LUL also needs it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from . import ItalianEmployee, ItalianPayrollResult, PayItems

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
    """One worker's month for the LUL: who, the pay items and the calculated figures."""

    name: str
    employee: ItalianEmployee
    year: int
    month: int
    days_paid: int
    pay: PayItems
    result: ItalianPayrollResult


def _amounts(entry: LulEntry) -> dict[str, Decimal]:
    result, pay = entry.result, entry.pay
    return {
        "RETR": pay.basic, "SCAT": pay.seniority, "STRA": pay.overtime, "ALTR": pay.other,
        "ASSE": pay.absences, "TRED": pay.tredicesima, "IMPP": result.imponibile_previdenziale,
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


def lul_rows(entries: Iterable[LulEntry]) -> list[tuple]:
    """The export's rows (without the header): amounts of zero are left out, except the net pay."""
    rows = []
    for entry in sorted(entries, key=lambda e: (e.employee.codice_fiscale, e.year, e.month)):
        employee = entry.employee
        amounts = _amounts(entry)
        for voce, description, kind in VOCI:
            amount = amounts[voce]
            if amount == 0 and voce != "NETT":
                continue
            rows.append((employee.codice_fiscale, entry.name, entry.year, f"{entry.month:02d}", employee.ccnl_level,
                         employee.contract, f"{employee.part_time_percent:.2f}", entry.days_paid, voce,
                         description, kind, f"{amount:.2f}"))
    return rows


def lul_csv(entries: Iterable[LulEntry]) -> str:
    """The month's LUL entries as CSV text (semicolon-separated, UTF-8, header row first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(lul_rows(entries))
    return buffer.getvalue()
