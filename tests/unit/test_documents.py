"""The shared PDF base: reproducible bytes, real searchable text in every script, page numbering, money."""

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from PIL import Image as PILImage
from reportlab.platypus import Paragraph

from consortium.documents import (
    CONTENT_WIDTH,
    Letterhead,
    build_pdf,
    data_table,
    heading,
    key_value_table,
    money,
    paragraph,
)

ITALIAN_NAME = "Società Cooperativa Sociale \"L'Àncora\""
POLISH_NAME = "Spółdzielnia Socjalna Łódź"
GREEK_NAME = "Κοινωνικός Συνεταιρισμός"
ISSUED_AT = datetime(2024, 1, 31, 9, 30, tzinfo=UTC)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdffonts) not installed: apt-get install poppler-utils",
)


def _png_logo() -> bytes:
    image = PILImage.new("RGB", (200, 80), (30, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _italian_coop(**overrides) -> Letterhead:
    values = {
        "name": ITALIAN_NAME,
        "address_lines": ["Via Garibaldi 12", "40121 Bologna (BO)"],
        "registration_number": "A123456",
        "vat_number": "IT01234567890",
        "logo": _png_logo(),
        "currency": "EUR",
        "locale": "it_IT",
    }
    values.update(overrides)
    return Letterhead(**values)


def _invoice_story(letterhead: Letterhead) -> list:
    return [
        heading("Riepilogo"),
        key_value_table([("Fattura n.", "2024/0001"), ("Cliente", POLISH_NAME)]),
        paragraph(f"Partner: {GREEK_NAME}"),
        data_table(
            ["Descrizione", "Importo"],
            [["Servizio di pulizia", money(Decimal("1234.50"), letterhead)]],
            numeric_columns={1},
        ),
    ]


def _pdf_text(pdf: bytes, tmp_path, page: int | None = None) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, check=True
    )
    # babel puts a no-break space between amount and symbol; compare with ordinary spaces.
    return result.stdout.decode("utf-8").replace("\xa0", " ")


def test_same_data_and_timestamp_give_identical_bytes(monkeypatch):
    letterhead = _italian_coop()
    first = build_pdf(letterhead, "Fattura 2024/0001", _invoice_story(letterhead), created_at=ISSUED_AT)
    # another document in between must not leak state (font subsets, image cache) into the next one
    build_pdf(_italian_coop(name="Altra Coop", logo=None), "Altro", [paragraph("x")], created_at=ISSUED_AT)
    from_story_builder = build_pdf(letterhead, "Fattura 2024/0001", _invoice_story, created_at=ISSUED_AT)
    # reportlab reads SOURCE_DATE_EPOCH on its own; the bytes must not depend on the environment
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "5")
    with_build_env = build_pdf(letterhead, "Fattura 2024/0001", _invoice_story, created_at=ISSUED_AT)

    assert first == from_story_builder == with_build_env


def test_a_different_timestamp_changes_only_the_embedded_date():
    letterhead = _italian_coop()
    later = datetime(2025, 6, 1, 17, 45, 5, tzinfo=UTC)
    first = build_pdf(letterhead, "Fattura 2024/0001", _invoice_story(letterhead), created_at=ISSUED_AT)
    second = build_pdf(letterhead, "Fattura 2024/0001", _invoice_story(letterhead), created_at=later)

    assert first != second
    assert b"D:20240131093000+00'00'" in first
    assert first.replace(b"D:20240131093000+00'00'", b"D:20250601174505+00'00'") == second


def test_created_at_must_carry_a_time_zone():
    letterhead = _italian_coop()
    with pytest.raises(ValueError, match="created_at"):
        build_pdf(letterhead, "Fattura", [paragraph("x")], created_at=datetime(2024, 1, 31))  # noqa: DTZ001


@needs_poppler
def test_text_in_italian_polish_and_greek_is_real_text_in_embedded_dejavu(tmp_path):
    letterhead = _italian_coop()
    pdf = build_pdf(letterhead, "Fattura 2024/0001", _invoice_story(letterhead), created_at=ISSUED_AT)

    text = _pdf_text(pdf, tmp_path)
    assert ITALIAN_NAME in text
    assert POLISH_NAME in text
    assert GREEK_NAME in text
    assert "1.234,50 €" in text
    # an Italian co-op's letterhead and footer speak Italian
    assert "Iscr. A123456" in text
    assert "P.IVA IT01234567890" in text
    assert "Pagina 1 di 1" in text
    assert "Reg. no." not in text and "Page 1" not in text

    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "document.pdf")], capture_output=True, check=True, text=True
    ).stdout
    embedded_subsets = [line for line in fonts.splitlines() if "DejaVuSans" in line]
    assert embedded_subsets, fonts
    for line in embedded_subsets:
        name, *_rest = line.split()
        assert re.fullmatch(r"[A-Z]{6}\+DejaVuSans(-Bold)?", name), line  # a subset, not the whole font
        assert " yes yes " in line, line  # embedded, subset


@needs_poppler
def test_long_table_repeats_its_header_and_numbers_pages(tmp_path):
    letterhead = _italian_coop(name=POLISH_NAME, currency="GBP", locale="en_GB")
    rows = [[f"Row {n}", money(Decimal(n) * Decimal("10.05"), letterhead)] for n in range(1, 301)]
    story = [data_table(["Description", "Amount"], rows, numeric_columns={1})]
    pdf = build_pdf(letterhead, "Fund annual report", story, created_at=ISSUED_AT)

    second_page = _pdf_text(pdf, tmp_path, page=2)
    page_count = int(re.search(r"Page 2 of (\d+)", second_page).group(1))
    assert page_count >= 3
    assert "Description" in second_page and "Amount" in second_page
    assert POLISH_NAME in second_page and "Fund annual report" in second_page
    assert "Reg. no. A123456" in second_page and "VAT IT01234567890" in second_page  # English letterhead
    assert "Row 1\n" not in second_page  # rows are not repeated, only the header

    last_page = _pdf_text(pdf, tmp_path, page=page_count)
    assert f"Page {page_count} of {page_count}" in last_page
    assert "Row 300" in last_page and "£3,015.00" in last_page


def test_money_is_formatted_for_the_currency_and_locale():
    assert money(Decimal("1234.5"), "EUR", "it_IT") == "1.234,50\xa0€"
    assert money(Decimal("1234.5"), "GBP", "en_GB") == "£1,234.50"
    assert money(Decimal("-20"), "GBP", "en_GB") == "-£20.00"
    assert money(Decimal("1234.5"), _italian_coop()) == "1.234,50\xa0€"


def test_money_rounds_half_up_and_never_shows_minus_zero():
    assert money(Decimal("0.125"), "GBP", "en_GB") == "£0.13"  # babel alone would say £0.12
    assert money(Decimal("-0.001"), "GBP", "en_GB") == "£0.00"


@pytest.mark.parametrize("amount", [1234.5, 12, "12.00"])
def test_money_refuses_anything_but_decimal(amount):
    with pytest.raises(TypeError, match="Decimal"):
        money(amount, "EUR", "it_IT")


def test_table_refuses_a_float_and_names_the_cell():
    with pytest.raises(TypeError, match=r"row 2, column 'Amount'"):
        data_table(["Item", "Amount"], [["a", "1.00"], ["b", 2.5]], numeric_columns={1})


def test_table_rows_must_match_the_header():
    with pytest.raises(ValueError, match="row 1: has 1 cells, the header has 2"):
        data_table(["Item", "Amount"], [["a"]])


def test_letterhead_refuses_unknown_currency_and_locale():
    with pytest.raises(ValueError, match="letterhead.currency"):
        _italian_coop(currency="EURO")
    with pytest.raises(ValueError, match="letterhead.locale"):
        _italian_coop(locale="xx_YY")
    with pytest.raises(ValueError, match="letterhead.logo"):
        _italian_coop(logo=b"GIF89a not a png")


@needs_poppler
def test_markup_in_user_text_is_printed_literally(tmp_path):
    letterhead = _italian_coop(name="Rossi & Figli <Coop>", locale="en_GB", currency="GBP")
    story = [
        heading("Client <b>Bold</b> & Co"),
        paragraph("Notes: <b>not bold</b> & <font size=40>big</font>"),
        key_value_table([("Customer", "A & B <i>Ltd</i>")]),
        data_table(["Name", "Amount"], [["Smith & <Jones>", money(Decimal("5"), letterhead)]], {1}),
    ]
    pdf = build_pdf(letterhead, "Statement <1> & more", story, created_at=ISSUED_AT)

    text = _pdf_text(pdf, tmp_path)
    assert "Rossi & Figli <Coop>" in text
    assert "Statement <1> & more" in text
    assert "Client <b>Bold</b> & Co" in text
    assert "Notes: <b>not bold</b> & <font size=40>big</font>" in text
    assert "A & B <i>Ltd</i>" in text
    assert "Smith & <Jones>" in text


def test_short_cells_are_drawn_as_text_and_only_long_ones_wrap():
    long_text = "Day centre places for the autumn programme, including transport, lunch and an activity " * 3
    table = data_table(["Description", "Qty", "Net"],
                       [["Garden", "3", "£56.25"], [long_text, "4", "£192.00"], ["Two\nlines", "1", "£1.00"]],
                       numeric_columns={1, 2}, totals_row=["", "", "£249.25"])
    cells = table._cellvalues
    # reportlab draws plain strings directly; a Paragraph per cell made a 1,000-invoice run too slow
    assert cells[0] == ["Description", "Qty", "Net"]
    assert cells[1] == ["Garden", "3", "£56.25"]
    assert cells[3] == ["Two\nlines", "1", "£1.00"]
    assert cells[4] == ["", "", "£249.25"]
    assert isinstance(cells[2][0], Paragraph) and cells[2][1:] == ["4", "£192.00"]
    assert sum(table._colWidths) == pytest.approx(CONTENT_WIDTH)


def test_wrap_columns_take_the_spare_width_and_other_columns_keep_theirs():
    rows = [["Garden maintenance", "hours", "£56.25"]]
    table = data_table(["Description", "Unit", "Net"], rows, numeric_columns={2}, wrap_columns={0})
    narrow_unit = table._colWidths[1]
    assert narrow_unit < 40  # just "hours" and its padding
    assert table._colWidths[0] == pytest.approx(CONTENT_WIDTH - narrow_unit - table._colWidths[2])
    with pytest.raises(ValueError, match="wrap_columns: 3 is not a column"):
        data_table(["Description", "Unit", "Net"], rows, wrap_columns={3})


@needs_poppler
def test_text_cells_and_wrapped_cells_print_on_their_rows(tmp_path):
    """Text cells and a wrapped Paragraph cell share one baseline grid: header bold, amounts right-aligned."""
    letterhead = _italian_coop(locale="en_GB", currency="GBP")
    long_text = "Day centre places for the autumn programme, including transport to and from the centre " * 2
    story = [data_table(["Description", "Amount"],
                        [["Garden maintenance", "£56.25"], [long_text, "£1,192.00"]],
                        numeric_columns={1}, wrap_columns={0}, totals_row=["Total", "£1,248.25"])]
    path = tmp_path / "document.pdf"
    path.write_bytes(build_pdf(letterhead, "Statement", story, created_at=ISSUED_AT))
    layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                            text=True).stdout
    lines = [line.split() for line in layout.splitlines()]
    assert ["Garden", "maintenance", "£56.25"] in lines
    assert ["Total", "£1,248.25"] in lines
    assert any(line[:3] == ["Day", "centre", "places"] and line[-1] == "£1,192.00" for line in lines)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    assert "DejaVuSans-Bold" in fonts  # header and totals in the bold face


def test_money_writes_what_babel_writes_in_every_locale_shape():
    """money()'s short way (a cached pattern per currency and locale) agrees with babel's format_currency,
    half-up rounding first; locales whose money pattern differs (de_CH, hi_IN) go through babel itself."""
    import random

    from babel.numbers import format_currency, get_currency_precision

    from consortium.documents import money

    generator = random.Random(9)
    for locale in ("en_GB", "it_IT", "en_US", "de_DE", "fr_FR", "pl_PL", "el_GR", "de_CH", "hi_IN"):
        for currency in ("GBP", "EUR", "JPY", "PLN"):
            exponent = Decimal(1).scaleb(-get_currency_precision(currency))
            amounts = [Decimal("0"), Decimal("-0.001"), Decimal("999.995"), Decimal("-12.5")]
            amounts += [Decimal(generator.randint(-10**12, 10**12)) / 100 for _ in range(40)]
            for amount in amounts:
                rounded = abs(r) if (r := amount.quantize(exponent, rounding="ROUND_HALF_UP")).is_zero() else r
                assert money(amount, currency, locale) == format_currency(rounded, currency, locale=locale), \
                    (locale, currency, amount)
