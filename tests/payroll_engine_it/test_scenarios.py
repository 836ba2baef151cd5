"""Whole-year and month scenarios the issue asks for.

No public worked payslip for the CCNL cooperative sociali with the 2025 rules was found (searched:
INPS and Agenzia delle Entrate circulars, consultants' examples), so each figure below is the cited
rule worked by hand, the arithmetic written beside it. The rules' own sources are in years/2025.json.
"""

from dataclasses import replace
from datetime import date

import pytest

from plugins.jurisdictions.it.payroll import AddizionaliDue, ItalianYearToDate, PayItems, certificazione_unica

from .helpers import COOP_A, COOP_B, D, rules, worker, year


def test_full_time_c1_all_year_with_tredicesima_and_conguaglio_in_december():
    results = year(worker())
    january, december = results[1], results[12]
    # CCNL minimum C1 from October 2024: 1,515.21; INPS 9.19% = 139.25; taxable 1,375.96.
    assert (january.gross, january.inps_employee, january.imponibile_fiscale) == (
        D("1515.21"), D("139.25"), D("1375.96"))
    # IRPEF of the month: 23% x 1,375.96 = 316.47 (the 28,000 bracket / 12 is not reached)
    assert january.irpef_lorda == D("316.47")
    # projected year 1,375.96 x 13 = 17,887.48: detrazione 1,910 + 1,190 x 0.7778 (10,112.52 / 13,000 cut to
    # four decimals, TUIR art. 13 c. 6) = 2,835.58, for January's 31 days of 365: 240.83
    assert january.detrazioni["lavoro"] == D("240.83")
    assert january.irpef == D("316.47") - D("240.83")
    # somma cuneo 4.8% (income 15,000-20,000) of 1,375.96 = 66.05; no trattamento integrativo above
    # 15,000 because the detrazioni (2,835.68) do not exceed the gross tax (4,114.12)
    assert january.somma_cuneo == D("66.05") and january.trattamento_integrativo == D("0.00")
    # June adds the half quattordicesima for January-June 2025 (CCNL art. 79 bis, its first year):
    # 1,515.21 x 50% x 6 / 12 = 378.80; INPS 9.19% x 1,894.01 = 174.06. Its taxable part, 378.80 less its
    # share of the INPS (174.06 x 378.80 / 1,894.01 = 34.81), 343.99, is taxed alone at 23%: 79.12
    june = results[6]
    assert (june.gross, june.inps_employee, june.irpef_quattordicesima) == (D("1894.01"), D("174.06"), D("79.12"))
    # October's table (C1 1,545.21) from October; the tredicesima = a full month of December's pay:
    # gross 3,090.42, INPS 284.01
    assert results[10].gross == D("1545.21")
    assert december.gross == D("3090.42")
    c = december.conguaglio
    # 8 months of 1,375.96, June 1,719.95, October and November 1,403.21, December 2,806.41
    assert c.reddito == D("1375.96") * 8 + D("1719.95") + D("1403.21") * 2 + D("2806.41") == D("18340.46")
    assert c.irpef_lorda == D("4218.31")                         # 23% x 18,340.46
    assert c.detrazioni["lavoro"] == D("2794.17")                 # 1,910 + 1,190 x 0.7430, 365 days
    assert c.irpef_netta == D("1424.14")
    assert december.to_date.irpef_withheld == c.irpef_netta
    assert december.to_date.somma_cuneo == D("880.34")           # 4.8% x 18,340.46
    # the year's addizionali, withheld from January 2026: ER 199.50 + 1.93% x 3,340.46; Bologna 0.8%
    assert c.addizionale_regionale == D("263.97")
    assert c.addizionale_comunale == D("146.72")
    # TFR: 1,515.21 / 13.5 = 112.24 less 0.5% x 1,515.21 = 7.58 -> 104.66 a month
    assert january.tfr_accrual == D("104.66")
    cu = certificazione_unica(december.to_date, c)
    assert cu["imponibile_fiscale"] == D("18340.46") and cu["days"] == 365


def test_part_time_60_percent_worker():
    results = year(worker(part_time_percent=D(60)), months=[1])
    # 1,515.21 x 60% = 909.126 -> 909.13; INPS 9.19% = 83.55
    assert results[1].gross == D("909.13")
    assert results[1].inps_employee == D("83.55")
    # projected 825.58 x 13 = 10,732.54: detrazione 1,955 (no reduction for part time: acli.it), 31 days
    assert results[1].detrazioni["lavoro"] == D("166.04")
    # IRPEF 23% x 825.58 = 189.88, all covered but for 23.84
    assert results[1].irpef == D("189.88") - D("166.04")
    # up to 15,000 the trattamento integrativo is due when the tax exceeds the detrazione less 75:
    # 23% x 10,732.54 = 2,468.48 > 1,880 -> 1,200 x 31 / 365 = 101.92
    assert results[1].trattamento_integrativo == D("101.92")
    # somma cuneo 5.3% (8,500-15,000) x 825.58 = 43.76
    assert results[1].somma_cuneo == D("43.76")


def test_worker_whose_income_crosses_the_28000_bracket():
    # F2 at 2,455.67 (2,504.10 from October) plus a 600 bonus in June: the year's taxable pay crosses 28,000
    results = year(worker(ccnl_level="F2"), extra={6: {"other": D(600)}})
    c = results[12].conguaglio
    monthly = D("2455.67") - D("225.68")                    # INPS 9.19% of 2,455.67 = 225.68
    # June: the bonus and the quattordicesima of January-June, 2,455.67 x 50% x 6 / 12 = 613.92
    june = D("3669.59") - D("337.24")                       # 9.19% of 3,669.59 = 337.24
    october = D("2504.10") - D("230.13")                    # 9.19% of 2,504.10 = 230.13
    december = D("5008.20") - D("460.25")                   # with the tredicesima; 9.19% of 5,008.20 = 460.25
    assert c.reddito == monthly * 8 + june + october * 2 + december == D("30268.16")
    # 6,440 + 35% x 2,268.16 = 7,233.856 -> 7,233.86
    assert c.irpef_lorda == D("7233.86")
    # detrazione 1,910 x (50,000 - 30,268.16) / 22,000 + 65 = 1,778.08; ulteriore detrazione 1,000
    assert c.detrazioni["lavoro"] == D("1778.08")
    assert c.detrazioni["cuneo"] == D("1000.00")
    assert results[12].to_date.irpef_withheld == c.irpef_lorda - D("2778.08")


def test_december_conguaglio_gives_back_tax_overwithheld():
    # A worker paid a bonus in March is overtaxed that month on the monthly brackets; the conguaglio
    # in December settles the year: what was withheld Jan-Nov plus December's adjustment is the year's tax.
    results = year(worker(), extra={3: {"other": D(3000)}})
    c = results[12].conguaglio
    withheld_to_november = results[11].to_date.irpef_withheld
    assert results[12].irpef == c.irpef_netta - withheld_to_november
    assert results[12].to_date.irpef_withheld == c.irpef_netta


def test_type_b_disadvantaged_worker_pays_no_contributions_beside_a_colleague_who_does():
    disadvantaged = worker(codice_fiscale="BNCLRA90A41F257R", disadvantaged=True,
                           disadvantage_category="physical_mental_sensory_disability", comune="modena")
    colleague = worker(comune="modena")
    r = rules("2025")
    pay = PayItems(basic=D("1515.21"))
    relieved = r.calculate_month(disadvantaged, COOP_B, 1, pay, ItalianYearToDate())
    full = r.calculate_month(colleague, COOP_B, 1, pay, ItalianYearToDate())
    assert (relieved.inps_employee, relieved.inps_employer, relieved.tfr_contribution) == (D(0), D(0), D(0))
    assert relieved.relief_employee == D("139.25")             # 9.19% x 1,515.21
    assert relieved.relief_employer == D("439.11")             # the co-op's 28.98% x 1,515.21
    assert full.inps_employee == D("139.25") and full.inps_employer == D("439.11")
    assert relieved.imponibile_fiscale == D("1515.21")         # no contributions to deduct
    assert relieved.inail == full.inail == D("15.15")          # INAIL is not relieved
    assert relieved.net_pay > full.net_pay
    assert "Law 381/1991" in relieved.notes[0]
    # the relief is for Type B co-ops only, and not for detainees inside (art. 4 c. 3-bis)
    assert r.calculate_month(disadvantaged, COOP_A, 1, pay, ItalianYearToDate()).inps_employee == D("139.25")
    detainee = replace(disadvantaged, disadvantage_category="detainee")
    assert r.calculate_month(detainee, COOP_B, 1, pay, ItalianYearToDate()).inps_employee == D("139.25")
    # a worker who stops being flagged pays full contributions the next month
    february = r.calculate_month(replace(disadvantaged, disadvantaged=False), COOP_B, 2, pay, relieved.to_date)
    assert february.inps_employee == D("139.25") and february.relief_employee == D(0)


def test_worker_starting_in_the_middle_of_a_month():
    starter = worker(start_date=date(2025, 3, 16))
    r = rules("2025")
    assert r.basic_pay_of(starter, 2) == D("0.00")
    results = year(starter, months=range(3, 13))
    # 16 days of March's 31: 1,515.21 x 16 / 31 = 782.044 -> 782.04
    assert results[3].gross == D("782.04")
    # detrazione for 16 days on the projected year of a full month: 2,835.68 x 16 / 365 = 124.30
    assert results[3].detrazioni["lavoro"] == D("124.30")
    # the year counts 291 days (16 + 275) and 10 months with pay; the tredicesima counts 9 months: March
    # 16-31 has 11 working days Monday to Friday, not more than 15 (CCNL art. 79), so it is not a month of service
    assert r.months_for_tredicesima(starter) == 9
    assert results[12].to_date.days == 291
    assert results[12].gross == D("1545.21") + D("1158.91")   # December's 1,545.21 x 9 / 12
    # the same start with a six-day week: March 16-31 has 14 working days, still not a month
    assert r.months_for_tredicesima(replace(starter, working_days_per_week=6)) == 9
    # starting on Monday 10 March instead: 16 working days, so March counts
    assert r.months_for_tredicesima(replace(starter, start_date=date(2025, 3, 10))) == 10
    # June pays the quattordicesima for the months of service since 1 January 2025: April, May, June
    assert r.quattordicesima(starter, 6) == D("189.40")      # 1,515.21 x 50% x 3 / 12


def test_worker_above_the_first_pension_bracket_pays_the_extra_one_percent():
    high = worker(ccnl_level="F2", seniority_pay=D("2495.90"))   # 2,504.10 + 2,495.90 = 5,000.00 a month
    results = year(high, year="2026")
    # 1% of the month's pay above 4,685 (56,224 / 12): 3.15
    assert results[1].inps_additional == D("3.15")
    assert results[1].inps_employee == D("459.50") + D("3.15")  # 9.19% x 5,000 + 1%
    # June adds the quattordicesima, 5,000 x 50% (twelve months of service, July 2025 to June 2026): 1% of
    # 7,500 - 4,685 = 28.15
    assert results[6].inps_additional == D("28.15")
    # December: the year's 67,500 (12 months, quattordicesima 2,500, tredicesima 5,000) less 56,224 at 1%
    # = 112.76; 10 x 3.15 + 28.15 = 59.65 withheld, so December takes 53.11
    assert results[12].to_date.inps_additional == D("112.76")
    assert results[12].inps_additional == D("112.76") - D("59.65")


def test_addizionali_of_last_year_are_withheld_in_instalments():
    r = rules("2026")
    due = AddizionaliDue(regionale=D("255.23"), comunale_saldo=D("143.10"), comunale_acconto=D("42.93"))
    to_date, seen = ItalianYearToDate(), {}
    for month in range(1, 12):
        result = r.calculate_month(worker(), COOP_A, month, PayItems(basic=D("1515.21")), to_date, due)
        seen[month], to_date = result.addizionali, result.to_date
    # regionale and comunale saldo in 11 instalments January-November; acconto in 9 from March
    assert seen[1]["regionale"] == D("23.20") and seen[1]["comunale_acconto"] == D(0)
    assert seen[3]["comunale_acconto"] == D("4.77")
    assert to_date.addizionale_regionale == D("255.23")
    assert to_date.addizionale_comunale_saldo == D("143.10")
    assert to_date.addizionale_comunale_acconto == D("42.93")


@pytest.mark.parametrize(("changes", "field"), [
    ({"codice_fiscale": "RSSMRA85T10A562X"}, "codice_fiscale"),
    ({"codice_fiscale": "RSSMRA85"}, "codice_fiscale"),
    ({"ccnl_level": "G9"}, "ccnl_level"),
    ({"region": "lombardia"}, "region"),
    ({"comune": "milano"}, "comune"),
    ({"part_time_percent": D(0)}, "part_time_percent"),
    ({"part_time_percent": D(101)}, "part_time_percent"),
    ({"contract": "somministrazione"}, "contract"),
    ({"disadvantaged": True}, "disadvantage_category"),
])
def test_bad_input_is_refused_naming_the_field(changes, field):
    r = rules("2025")
    problems = r.check_worker(worker(**changes))
    assert field in problems
    with pytest.raises(ValueError, match=f"^{field}:"):
        r.calculate_month(worker(**changes), COOP_A, 1, PayItems(basic=D(1000)), ItalianYearToDate())


def test_tredicesima_is_refused_outside_december():
    with pytest.raises(ValueError, match="^tredicesima:"):
        rules().calculate_month(worker(), COOP_A, 5, PayItems(basic=D(1000), tredicesima=D(1000)), ItalianYearToDate())


def test_a_worker_leaving_gets_the_conguaglio_and_the_years_addizionali_at_once():
    # DPR 600/1973 art. 23 c. 3: the conguaglio is made at the end of the employment too; D.Lgs. 446/1997
    # art. 50 c. 4: on leaving, the addizionali still due are withheld at once. No public worked example.
    leaver = worker(leave_date=date(2025, 6, 30))
    results = year(leaver, months=range(1, 7))
    june = results[6]
    c = june.conguaglio
    assert c is not None and june.to_date.days == 181          # 31+28+31+30+31+30
    # five months of 1,375.96 and June with the quattordicesima of January-June: 1,894.01 - 174.06 INPS
    assert c.reddito == D("1375.96") * 5 + D("1719.95")
    assert june.to_date.irpef_withheld == c.irpef_netta
    # the year's addizionali on 8,599.75 (IRPEF is due): ER 1.33%; Bologna exempt up to 15,000
    assert june.addizionali["regionale"] == D("114.38")
    assert june.addizionali["comunale_saldo"] == D("0.00")


# The half quattordicesima, CCNL cooperative sociali art. 79 bis (text in ccnlcooperative.it and consulenza.it;
# its source and reading are in years/2025.json, "quattordicesima"). No public worked payslip with it was found
# (searched: lexplain.it, consulenza.it, the signatories' and consultants' pages in the stored corpora), so
# these figures are the article worked by hand.

def test_quattordicesima_part_time_worker_in_june_2026():
    part_time = worker(part_time_percent=D(60))
    r = rules("2026")
    # half of June 2026's pay, 1,545.21 x 60% = 927.126, for twelve months (July 2025 to June 2026): 463.56
    assert r.quattordicesima(part_time, 6) == D("463.56")
    pay = PayItems(basic=r.basic_pay_of(part_time, 6), quattordicesima=D("463.56"))
    june = r.calculate_month(part_time, COOP_A, 6, pay, ItalianYearToDate())
    # INPS on the whole pay: 9.19% x (927.13 + 463.56 = 1,390.69) = 127.80
    assert (june.gross, june.inps_employee) == (D("1390.69"), D("127.80"))
    # the quattordicesima's taxable part, 463.56 less 127.80 x 463.56 / 1,390.69 = 42.60, is 420.96,
    # taxed alone at 23%: 96.82, with no detrazione; the rest of the month is taxed as any month
    regular = r.calculate_month(part_time, COOP_A, 6, replace(pay, quattordicesima=D(0)), ItalianYearToDate())
    assert june.irpef_quattordicesima == D("96.82")
    assert june.detrazioni == regular.detrazioni
    # it counts for the TFR (art. 79 bis): (927.13 + 463.56) / 13.5 = 103.01
    assert june.tfr_quota == D("103.01")


def test_quattordicesima_of_a_leaver_and_of_a_first_year():
    r = rules("2025")
    # June 2025, the first: only January to June 2025 count (accrued from 1 January 2025): 1,515.21 x 50% x 6/12
    assert r.quattordicesima(worker(), 6) == D("378.80")
    # a worker leaving in September 2025 gets the twelfths since June: July and August, and September only if
    # it has more than 15 working days: 1-19 September has 15 (Monday to Friday), 1-22 September 16
    assert r.quattordicesima(worker(leave_date=date(2025, 9, 19)), 9) == D("126.27")   # 1,515.21 x 50% x 2/12
    assert r.quattordicesima(worker(leave_date=date(2025, 9, 22)), 9) == D("189.40")   # 1,515.21 x 50% x 3/12
    # a worker who started on 1 February 2026 gets five twelfths in June 2026
    assert rules("2026").quattordicesima(worker(start_date=date(2026, 2, 1)), 6) == D("321.92")  # 1,545.21 x 5/24


def test_quattordicesima_is_refused_outside_june():
    with pytest.raises(ValueError, match="^quattordicesima:"):
        rules().calculate_month(worker(), COOP_A, 5, PayItems(basic=D(1000), quattordicesima=D(500)),
                                ItalianYearToDate())


def test_quattordicesima_of_a_type_b_disadvantaged_worker_is_relieved_and_taxed_whole():
    disadvantaged = worker(codice_fiscale="BNCLRA90A41F257R", disadvantaged=True,
                           disadvantage_category="addiction", comune="modena")
    r = rules("2026")
    pay = PayItems(basic=D("1545.21"), quattordicesima=r.quattordicesima(disadvantaged, 6))
    june = r.calculate_month(disadvantaged, COOP_B, 6, pay, ItalianYearToDate())
    # no contributions on 1,545.21 + 772.61: the relief is 9.19% of 2,317.82 = 213.01; all 772.61 taxable at 23%
    assert june.inps_employee == D(0) and june.relief_employee == D("213.01")
    assert june.irpef_quattordicesima == D("177.70")
