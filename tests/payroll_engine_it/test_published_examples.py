"""The pack against figures published by the sources it cites (each test names its source)."""

from decimal import Decimal

from .helpers import D, rules


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
    # Comune di Bologna: incomes up to 12,000 are exempt; above, the whole income is taxed.
    assert r.addizionale_comunale("bologna", D(12000), irpef_netta=D(1)) == D("0.00")
    assert r.addizionale_comunale("bologna", D(12001), irpef_netta=D(1)) == D("96.01")


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


def test_detrazione_lavoro_follows_art_13_tuir():
    # Formula of TUIR art. 13 c. 1 as quoted by commercialistaefisco.it and studiosalardiconsulenzalavoro.it;
    # no published amount for a given income was found, so the amounts are the formula worked by hand.
    r = rules("2025")
    assert r.detrazione_lavoro(D(14000)) == D("1955.00")
    assert r.detrazione_lavoro(D(20000)) == D("2642.31")        # 1,910 + 1,190 x 8,000 / 13,000
    assert r.detrazione_lavoro(D(26000)) == D("2158.08")        # 1,910 + 1,190 x 2,000 / 13,000 + 65
    assert r.detrazione_lavoro(D(40000)) == D("868.18")         # 1,910 x 10,000 / 22,000
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
