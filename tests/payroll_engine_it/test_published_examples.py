"""The pack against figures published by the sources it cites (each test names its source)."""

from datetime import date
from decimal import Decimal

from plugins.jurisdictions.it.payroll import ItalianYearToDate, ratio4

from .helpers import D, rules, worker


def test_irpef_on_28000_is_6440_agenzia_entrate_circ_4e_2025():
    # edotto.com, "Novità Irpef della Legge di bilancio 2025: i primi chiarimenti del Fisco" (circ. 4/E/2025):
    # "6.440 euro + 35% del reddito che supera i 28.000 euro".
    r = rules("2025")
    assert r.irpef(D(28000)) == D("6440.00")
    assert r.irpef(D(30000)) == D("6440.00") + D("700.00")


def test_the_2026_second_bracket_saves_what_altroconsumo_computed():
    # calcolatoreforfettario.com "Taglio IRPEF 2026" (citing Altroconsumo): saving 20 a year at 29,000,
    # 240 at 40,000, 440 at 50,000 or more (L. 199/2025: 35% -> 33% between 28,000 and 50,000).
    before, after = rules("2025"), rules("2026")
    for income, saving in ((29000, 20), (40000, 240), (50000, 440), (80000, 440)):
        assert before.irpef(D(income)) - after.irpef(D(income)) == D(saving), income


def test_ulteriore_detrazione_at_37000_is_375_insiderpost():
    # insiderpost.it "Stipendi 2025": "un dipendente con un reddito annuo di 37.000 euro potrà beneficiare
    # di una detrazione di circa 375 euro" (L. 207/2024 art. 1 c. 6: 1,000 x (40,000 - 37,000) / 8,000).
    r = rules("2025")
    assert r.ulteriore_detrazione(D(37000)) == D("375.00")
    assert r.ulteriore_detrazione(D(25000)) == D("1000.00")
    assert r.ulteriore_detrazione(D(20000)) == D("0.00")  # up to 20,000 the somma applies instead
    assert r.ulteriore_detrazione(D(40001)) == D("0.00")


def test_somma_cuneo_percentages_of_the_budget_law():
    # pmi.it / lapresse.it on L. 207/2024 art. 1 c. 4: 7.1% up to 8,500, 5.3% to 15,000, 4.8% to 20,000,
    # applied to the whole reddito di lavoro dipendente (not by brackets); nothing above 20,000.
    r = rules("2025")
    assert r.somma_cuneo(D(8000), D(8000), D(8000)) == D("568.00")
    assert r.somma_cuneo(D(12000), D(12000), D(12000)) == D("636.00")
    assert r.somma_cuneo(D(18000), D(18000), D(18000)) == D("864.00")
    assert r.somma_cuneo(D("20000.01"), D("20000.01"), D("20000.01")) == D("0.00")


def test_bologna_addizionale_comunale_on_40000_is_320_tuttocalcolato():
    # tuttocalcolato.it "Calcolo IRPEF Bologna 2025": "Add. Comunale 0.8% - €320 su €40.000".
    r = rules("2025")
    assert r.addizionale_comunale("bologna", D(40000), irpef_netta=D(1)) == D("320.00")
    # MEF Add_comunale_irpef2025.csv, A944 (resolution 354/2016): "Esenzione per redditi imponibili fino a
    # euro 15.000,00"; bologna24ore.it 2022: "confermata la soglia di esenzione ... a 15 mila euro lordi".
    # Above the threshold the whole income is taxed (DL 138/2011 art. 1 c. 11).
    for year in ("2025", "2026"):
        r = rules(year)
        assert r.addizionale_comunale("bologna", D(15000), irpef_netta=D(1)) == D("0.00"), year
        assert r.addizionale_comunale("bologna", D(15001), irpef_netta=D(1)) == D("120.01"), year


def test_modena_2025_single_rate_above_a_15000_exemption_lapressa():
    # lapressa.it "Bilancio Modena, stangata Imu e Irpef": "Al netto di una soglia di esenzione Irpef per tutti
    # coloro che hanno un reddito pari o inferiore a 15.000 euro, l'Irpef sarà aumentata allo 0,8%"
    # (MEF Add_comunale_irpef2025.csv, F257: resolution 13 of 28/02/2025). The 2022 brackets no longer apply.
    r = rules("2025")
    assert r.addizionale_comunale("modena", D(15000), irpef_netta=D(1)) == D("0.00")
    assert r.addizionale_comunale("modena", D(20000), irpef_netta=D(1)) == D("160.00")   # 0.8% of all of it
    assert r.addizionale_comunale("modena", D(60000), irpef_netta=D(1)) == D("480.00")


def test_parma_taxes_the_whole_income_above_12000_legalclarity():
    # legalclarity.org "A Guide to Local Taxation in Parma, Italy": exemption threshold 12,000; "Those exceeding
    # the threshold pay the 0.80% rate on their entire taxable income" (MEF 2025 file, G337, resolution 86/2022).
    r = rules("2025")
    assert r.addizionale_comunale("parma", D(12000), irpef_netta=D(1)) == D("0.00")
    assert r.addizionale_comunale("parma", D(12001), irpef_netta=D(1)) == D("96.01")


def test_reggio_emilia_2026_single_rate_costs_at_most_32_euro_more_reggionline():
    # reggionline.com "Addizionale Irpef allo 0,8, viene meno la progressività": Reggio moves to 0.8% on every
    # income above 15,000 (MEF 2026 file, H223: resolution 10 of 19/01/2026) from 0.69/0.71/0.78/0.80 by bracket
    # with the same exemption (MEF 2025 file, resolution 12 of 20/01/2025); "a Reggio il maggiore carico fiscale
    # sarà al massimo di 32 euro". The rise peaks at 32.60 from 50,000 up.
    before, after = rules("2025"), rules("2026")
    assert before.addizionale_comunale("reggio-emilia", D(15000), D(1)) == D("0.00")
    assert after.addizionale_comunale("reggio-emilia", D(15000), D(1)) == D("0.00")
    assert before.addizionale_comunale("reggio-emilia", D(30000), D(1)) == D("211.40")  # 103.50 + 92.30 + 15.60
    assert after.addizionale_comunale("reggio-emilia", D(30000), D(1)) == D("240.00")
    rises = [after.addizionale_comunale("reggio-emilia", D(income), D(1))
             - before.addizionale_comunale("reggio-emilia", D(income), D(1))
             for income in range(15001, 200001, 997)]
    assert max(rises) == D("32.60")
    assert all(D(0) < rise <= D("32.60") for rise in rises)


def test_emilia_romagna_2025_rates_of_regional_law_1_2025():
    # LR Emilia-Romagna 1/2025 art. 2 (GU 91/2025) on the 1.23% base: 1.33 / 1.93 / 2.93 / 3.33 by bracket
    # (asteassistenza.cloud lists the same four rates). No published amount: the sums are the rates applied.
    r = rules("2025")
    assert r.addizionale_regionale("emilia-romagna", D(15000), D(1)) == D("199.50")
    assert r.addizionale_regionale("emilia-romagna", D(30000), D(1)) == D("199.50") + D("250.90") + D("58.60")
    assert r.addizionale_regionale("emilia-romagna", D(30000), irpef_netta=D(0)) == D("0.00")


def test_inps_2026_monthly_ceiling_for_the_extra_one_percent_is_4685_circ_6_2026():
    # geps.it on INPS circ. 6/2026: first bracket 56,224 a year, "4.685 al mese".
    r = rules("2026")
    assert r.data.figure("inps", "first_bracket") == D(56224)
    assert r._first_bracket_month == D(4685)


def test_inps_2025_first_pension_bracket_is_55448_and_4621_a_month_circ_26_2025():
    # INPS circ. 26 of 30 January 2025 par. 5: "la prima fascia di retribuzione pensionabile è stata determinata,
    # per l'anno 2025, in 55.448,00 euro, l'aliquota aggiuntiva dell'1% deve essere applicata sulla quota di
    # retribuzione eccedente il predetto tetto retributivo che, rapportato a dodici mesi, è pari a 4.621,00 euro".
    r = rules("2025")
    assert r.data.figure("inps", "first_bracket") == D(55448)
    assert r._first_bracket_month == D(4621)
    # the month's extra 1% is on the pay above 4,621; December settles it on the year's 55,448
    assert r._additional_due(D("5621.00"), ItalianYearToDate(), 5) == D("10.00")
    assert r._additional_due(D("4621.00"), ItalianYearToDate(), 5) == D("0.00")
    assert r._additional_due(D("6000.00"), ItalianYearToDate(imponibile_previdenziale=D(55448)), 12) == D("60.00")


def test_emilia_romagna_2026_third_bracket_is_2_78_reggionline():
    # reggionline.com: the 28,000-50,000 bracket rises "al 2,93 per cento del 2025, per poi scendere al 2,78 nel
    # '26" (LR Emilia-Romagna 1/2025 art. 2 c. 2, GU 91/2025: 1.23 + 1.55). Other brackets as in 2025.
    before, after = rules("2025"), rules("2026")
    assert after.addizionale_regionale("emilia-romagna", D(40000), D(1)) == D("784.00")  # 199.50 + 250.90 + 333.60
    assert (before.addizionale_regionale("emilia-romagna", D(50000), D(1))
            - after.addizionale_regionale("emilia-romagna", D(50000), D(1))) == D("33.00")  # 22,000 x 0.15%
    assert (before.addizionale_regionale("emilia-romagna", D(28000), D(1))
            == after.addizionale_regionale("emilia-romagna", D(28000), D(1)))


def test_detrazione_lavoro_follows_art_13_tuir():
    # Formula of TUIR art. 13 c. 1 as quoted by commercialistaefisco.it and studiosalardiconsulenzalavoro.it;
    # no published amount for a given income was found, so the amounts are the formula worked by hand.
    # The ratios are cut to four decimals (TUIR art. 13 c. 6, "si assume nelle prime quattro cifre decimali", as
    # the 730/2026 instructions' TABELLA 6 note 2 repeat it, both as quoted in public repositories' sources, one of
    # them with the example 0.623381 -> 0.6233).
    r = rules("2025")
    assert r.detrazione_lavoro(D(14000)) == D("1955.00")
    assert r.detrazione_lavoro(D(20000)) == D("2642.21")        # 1,910 + 1,190 x 0.6153 (8,000 / 13,000)
    assert r.detrazione_lavoro(D(26000)) == D("2158.02")        # 1,910 + 1,190 x 0.1538 (2,000 / 13,000) + 65
    assert r.detrazione_lavoro(D(40000)) == D("868.10")         # 1,910 x 0.4545 (10,000 / 22,000)
    assert ratio4(D(28000) - D("19896.05"), D(13000)) == D("0.6233")   # 0.62338... -> 0.6233
    assert r.detrazione_lavoro(D(50001)) == D("0.00")
    # the minimum of 690 (1,380 fixed term) is not brought to the days worked (fisco7.it, CGN)
    assert r.detrazione_lavoro(D(5000), days=73) == D("690.00")
    assert r.detrazione_lavoro(D(5000), days=73, contract="determinato") == D("1380.00")
    assert r.detrazione_lavoro(D(5000), days=219) == D("1173.00")  # 1,955 x 219 / 365


def test_spouse_detrazione_of_art_12_tuir():
    # impresalavoro.eu on art. 12 TUIR: 800 - 110 x income / 15,000; 690 up to 40,000 (+20 between 29,200
    # and 34,700); 690 x (80,000 - income) / 40,000 up to 80,000.
    r = rules("2025")
    assert r.detrazione_coniuge(D(15000)) == D("690.00")
    assert r.detrazione_coniuge(D(7500)) == D("745.00")
    assert r.detrazione_coniuge(D(30000)) == D("710.00")
    assert r.detrazione_coniuge(D(60000)) == D("345.00")
    assert r.detrazione_coniuge(D(80000)) == Decimal("0.00")


def test_spouse_detrazione_at_10000_is_727_blastingnews():
    # it.blastingnews.com "Guida al calcolo delle detrazioni teoriche ed effettive per i carichi di famiglia":
    # at 10,000 "La sua detrazione sarà di 727 euro e non di 800 euro" (800 - 110 x 10,000 / 15,000 = 726.67).
    assert rules("2025").detrazione_coniuge(D(10000)) == D("726.67")


def test_children_detrazione_of_art_12_tuir_ateneoweb():
    # ateneoweb.com quoting TUIR art. 12 c. 1 lett. c: "La detrazione spetta per la parte corrispondente al
    # rapporto tra l'importo di 95.000 euro diminuito del reddito complessivo e 95.000 euro. In presenza di più
    # figli, l'importo di 95.000 euro è aumentato per tutti di 15.000 euro per ogni figlio successivo al primo";
    # 950 per child aged 21 to 29 from 2025 (L. 207/2024; ntpluslavoro.ilsole24ore.com). No published amount was
    # found, so the amounts are the quoted rule worked by hand.
    for year in ("2025", "2026"):
        r = rules(year)
        # the ratio cut to four decimals (TUIR art. 12 c. 4)
        assert r.detrazione_figli(D(35000), 1) == D("599.93")           # 950 x 0.6315 (60,000 / 95,000)
        assert r.detrazione_figli(D(35000), 2) == D("1295.42")          # 2 x 950 x 0.6818 (75,000 / 110,000)
        assert r.detrazione_figli(D(35000), 1, share=D(50)) == D("299.96")
        assert r.detrazione_figli(D(95000), 1) == D("0.00")
        assert r.detrazione_figli(D(100000), 2) == D("172.71")          # two children: zero only at 110,000


def test_ascendant_detrazione_at_25000_is_about_515_medium_gambina():
    # antonio-gambina.medium.com "Detrazioni per altri familiari": 750 x (80.000 - reddito complessivo) / 80.000;
    # "per un contribuente con un reddito complessivo di 25.000 euro ... sarà pari a circa 515 euro".
    for year in ("2025", "2026"):
        r = rules(year)
        assert r.detrazione_altri(D(25000), 1) == D("515.63")
        assert r.detrazione_altri(D(25000), 2) == D("1031.25")
        assert r.detrazione_altri(D(80000), 1) == D("0.00")


def test_the_october_2024_ccnl_table_is_the_published_one_studioavvocatolandi():
    # studioavvocatolandi.it "Quali sono le tabelle retributive per le cooperative sociali per il 2024-2025?",
    # the minimums from October 2024 (the same table in studiocordoni.it).
    published = {"A1": "1333.54", "A2": "1345.95", "B1": "1408.89", "C1": "1515.21", "C2": "1560.27",
                 "C3": "1605.99", "D1": "1605.99", "D2": "1694.41", "D3": "1803.62", "E1": "1803.62",
                 "E2": "1947.00", "F1": "2150.18", "F2": "2455.67"}
    levels = rules("2025").ccnl_levels(date(2025, 9, 30))
    assert {level: str(pay) for level, pay in levels.items()} == published


def test_the_october_2025_ccnl_table_is_the_published_one_lexplain():
    # lexplain.it "Tabelle retributive CCNL cooperative sociali 2024-2025 e anni precedenti", the minimums from
    # October 2025 as kept in github.com/lucas-puerari/ccnl-engine (cooperative-sociali.json); C1 = 1,515.21 +
    # 30.00 (agenzianova.com, studiocordoni.it); E2, F1 and F2 also in businessonline.it.
    published = {"A1": "1359.88", "A2": "1372.53", "B1": "1436.78", "C1": "1545.21", "C2": "1591.06",
                 "C3": "1637.56", "D1": "1637.56", "D2": "1727.83", "D3": "1839.16", "E1": "1839.16",
                 "E2": "1985.39", "F1": "2192.55", "F2": "2504.10"}
    for year, on in (("2025", date(2025, 10, 1)), ("2026", date(2026, 1, 1)), ("2026", date(2026, 12, 31))):
        levels = rules(year).ccnl_levels(on)
        assert {level: str(pay) for level, pay in levels.items()} == published, on
    # September 2025 still pays October 2024's minimum, October the new one
    assert rules("2025").basic_pay_of(worker(), 9) == D("1515.21")
    assert rules("2025").basic_pay_of(worker(), 10) == D("1545.21")
