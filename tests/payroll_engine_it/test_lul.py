"""The LUL export: one row per worker, month and voce, in the documented layout (Italian CSV: `;` and a
decimal comma, as an Italian spreadsheet or labour consultant reads it)."""

import csv
import io

from plugins.jurisdictions.it.payroll import ItalianYearToDate, PayItems
from plugins.jurisdictions.it.payroll.lul import HEADER, entry_of, lul_csv

from .helpers import COOP_B, D, rules, worker


def test_lul_csv_lists_each_voce_of_each_worker():
    r = rules("2025")
    relieved = worker(codice_fiscale="BNCLRA90A41F257R", disadvantaged=True,
                      disadvantage_category="addiction", comune="modena")
    colleague = worker(comune="modena", part_time_percent=D(60))
    entries = []
    for name, person in (("Bianchi Laura", relieved), ("Rossi Mario", colleague)):
        pay = PayItems(basic=r.basic_pay_of(person, 1), overtime=D("45.00"))
        entries.append(entry_of(person, name, 2025, 1, 31, pay,
                                r.calculate_month(person, COOP_B, 1, pay, ItalianYearToDate())))
    rows = list(csv.reader(io.StringIO(lul_csv(entries).decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == HEADER
    by_voce = {(row[0], row[8]): row for row in rows[1:]}
    # the relieved worker: no INPS row, the relief shown instead; the colleague's INPS at 9.19%
    assert ("BNCLRA90A41F257R", "INPS") not in by_voce
    assert by_voce[("BNCLRA90A41F257R", "AGEB")][11] == "143,38"      # 9.19% x 1,560.21 = 143.383
    assert by_voce[("RSSMRA85T10A562S", "RETR")][11] == "909,13"      # 60% of 1,515.21
    assert by_voce[("RSSMRA85T10A562S", "INPS")][11] == "87,68"       # 9.19% x 954.13 = 87.684
    assert by_voce[("RSSMRA85T10A562S", "RETR")][6] == "60,00"
    assert by_voce[("RSSMRA85T10A562S", "NETT")][10] == "C"
    assert all(len(row) == len(HEADER) for row in rows)
