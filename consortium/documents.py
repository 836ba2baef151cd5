"""The one PDF base every document uses: letterhead, type scale, tables, money and page numbering.

A feature's ``documents.py`` builds a list of flowables with the helpers here (``heading``,
``paragraph``, ``key_value_table``, ``data_table``, ``money``) and hands it to ``build_pdf``,
which puts the issuing co-op's letterhead and the document title on every page, numbers the
pages "Page N of M" (in the letterhead's language), embeds DejaVu Sans (so Italian, Polish and
Greek text renders and stays searchable) and returns the PDF bytes. Same data and same
``created_at`` give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

from babel import Locale
from babel.numbers import format_decimal
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from consortium.money import check_currency, money, parse_locale  # noqa: F401 - money: part of this base

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

PAGE_SIZE = A4
PAGE_WIDTH, PAGE_HEIGHT = PAGE_SIZE
SIDE_MARGIN = 18 * mm
TOP_MARGIN = 14 * mm
BOTTOM_MARGIN = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN
LOGO_MAX_WIDTH = 45 * mm
LOGO_MAX_HEIGHT = 20 * mm
CELL_PADDING = 4

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b0b0b0")
HEADER_FILL = colors.HexColor("#e6e9ee")
STRIPE_FILL = colors.HexColor("#f5f6f8")

# The few words the base itself prints, by the letterhead's language; other languages print English.
BASE_WORDS = {
    "en": {"registration": "Reg. no.", "vat": "VAT", "page": "Page {page} of {pages}",
           "creator": "consortium back office"},
    "it": {"registration": "Iscr.", "vat": "P.IVA", "page": "Pagina {page} di {pages}",
           "creator": "gestionale del consorzio"},
}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


# The characters every document's font subsets start with, in this order (printable ASCII, then the
# letters and signs of Italian, Polish, Greek... text the documents commonly print). With the same
# starting glyphs, documents that use no other character embed byte-identical subsets, which
# `_SubsetCachingFont` then makes and compresses once per process instead of once per PDF.
PRESET_GLYPHS = "".join(map(chr, range(32, 127))) + "àèéìíòóùúÀÈÉÌÒÙçÇäöüÄÖÜß€£°–—…‘’“”•·×«»"
_SUBSET_CACHE_SIZE = 256


class _SubsetCachingFont(TTFont):
    """reportlab's TTFont, except that each font subset's embedded objects are made once and reused.

    reportlab (``TTFont.addObjects``, 4.x/5.x) subsets the TrueType file, compresses it and writes
    a ToUnicode map for every subset of every document: most of the cost of a short PDF. The
    bytes depend only on the subset's characters, so they are kept by (font, subset), bounded.
    """

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self._subset_objects: dict[tuple, tuple[int, bytes, bytes, bytes]] = {}

    def _objects_of(self, base_name: str, subset: list[int]) -> tuple[int, bytes, bytes, bytes]:
        """(font file length, compressed font file, compressed ToUnicode map, the widths array as PDF) of a subset."""
        key = (base_name, *subset)
        cached = self._subset_objects.get(key)
        if cached is None:
            from reportlab.pdfbase.ttfonts import makeToUnicodeCMap

            font_file = self.face.makeSubset(subset)
            cmap = makeToUnicodeCMap(base_name, subset)
            from reportlab.pdfbase.pdfdoc import PDFArray

            widths = PDFArray(list(map(self.face.getCharWidth, subset))).format(None)  # numbers only: no document
            cached = (len(font_file), zlib.compress(font_file), zlib.compress(cmap.encode("latin-1")), widths)
            if len(self._subset_objects) >= _SUBSET_CACHE_SIZE:
                self._subset_objects.clear()
            self._subset_objects[key] = cached
        return cached

    def addObjects(self, doc) -> None:  # reportlab's name
        """reportlab's ``TTFont.addObjects`` with the subset objects from `_objects_of` (always compressed)."""
        from reportlab.pdfbase import pdfdoc
        from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN

        state = self.state.get(doc) or self.State(self._asciiReadable)
        state.frozen = 1
        flate = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        face = self.face
        for number, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(number, doc)[1:]
            base_name = b"".join((SUBSETN(number), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            length, font_bytes, cmap_bytes, widths = self._objects_of(base_name, subset)
            font_file = pdfdoc.PDFStream(content=font_bytes)
            font_file.dictionary["Length1"] = length
            font_file.dictionary["Filter"] = flate
            cmap = pdfdoc.PDFStream(content=cmap_bytes)
            cmap.dictionary["Filter"] = flate
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
                "Descent": face.descent, "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(face.bbox), "FontName": pdfdoc.PDFName(base_name),
                "ItalicAngle": face.italicAngle, "StemV": face.stemV,
                "FontFile2": doc.Reference(font_file, f"fontFile:{face.filename}({base_name})"),
                "MissingWidth": face.defaultWidth,
            })
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {number}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = widths  # bytes are written as they are
            pdf_font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base_name)
            pdf_font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_name)
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        self.state.pop(doc, None)


def _register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) once, as a family so ``<b>`` picks the bold face."""
    if FONT_REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(_SubsetCachingFont(FONT_REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(_SubsetCachingFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        FONT_REGULAR, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_REGULAR, boldItalic=FONT_BOLD
    )


_register_fonts()


def _style(name: str, size: float, leading: float, *, bold: bool = False, **extra) -> ParagraphStyle:
    extra.setdefault("textColor", INK)
    font = FONT_BOLD if bold else FONT_REGULAR
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, **extra)


# The type scale, defined once; features use these rather than making their own.
STYLES = SimpleNamespace(
    letterhead_name=_style("letterhead_name", 13, 16, bold=True),
    title=_style("title", 16, 20, bold=True, spaceAfter=2),
    h2=_style("h2", 12, 15, bold=True, spaceBefore=8, spaceAfter=4),
    body=_style("body", 9.5, 13, spaceAfter=4),
    small=_style("small", 8, 10, textColor=MUTED),
    table_header=_style("table_header", 8.5, 10.5, bold=True),
    table_header_right=_style("table_header_right", 8.5, 10.5, bold=True, alignment=TA_RIGHT),
    table_cell=_style("table_cell", 8.5, 10.5),
    table_cell_right=_style("table_cell_right", 8.5, 10.5, alignment=TA_RIGHT),
    table_total=_style("table_total", 8.5, 10.5, bold=True),
    table_total_right=_style("table_total_right", 8.5, 10.5, bold=True, alignment=TA_RIGHT),
    footer=_style("footer", 8, 10, textColor=MUTED, alignment=TA_RIGHT),
)


@dataclass(frozen=True, kw_only=True)
class Letterhead:
    """The issuing co-op as printed at the top of every page, plus how its money is written."""

    name: str
    address_lines: Sequence[str] = field(default_factory=tuple)
    registration_number: str | None = None
    vat_number: str | None = None
    logo: bytes | None = None
    currency: str = "EUR"
    locale: str = "it_IT"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("letterhead.name: must be a non-empty string")
        if isinstance(self.address_lines, str):
            raise TypeError("letterhead.address_lines: must be a list of lines, not one string")
        lines = tuple(self.address_lines)
        for number, line in enumerate(lines, start=1):
            if not isinstance(line, str):
                raise TypeError(f"letterhead.address_lines[{number}]: must be a string, got {line!r}")
        object.__setattr__(self, "address_lines", lines)
        for name in ("registration_number", "vat_number"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise TypeError(f"letterhead.{name}: must be a string or None")
        check_currency(self.currency, "letterhead.currency")
        parse_locale(self.locale, "letterhead.locale")
        if self.logo is not None:
            if not isinstance(self.logo, bytes | bytearray):
                raise TypeError("letterhead.logo: must be the bytes of a PNG or JPEG image, or None")
            if not (self.logo.startswith(_PNG_MAGIC) or self.logo.startswith(_JPEG_MAGIC)):
                raise ValueError("letterhead.logo: not a PNG or JPEG image")


def _base_words(letterhead: Letterhead) -> dict[str, str]:
    return BASE_WORDS.get(Locale.parse(letterhead.locale).language, BASE_WORDS["en"])


def _markup_safe(text: str, where: str) -> str:
    """Escape user text for reportlab's Paragraph mini-markup, keeping line breaks."""
    if not isinstance(text, str):
        raise TypeError(f"{where}: expected text (str), got {type(text).__name__} {text!r}")
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def paragraph(text: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of plain text (markup characters such as < and & are printed as they are)."""
    return Paragraph(_markup_safe(text, "paragraph text"), style or STYLES.body)


def heading(text: str) -> Paragraph:
    """A section heading in the h2 style (plain text, never markup)."""
    return Paragraph(_markup_safe(text, "heading text"), STYLES.h2)


def _cell_text(value: object, where: str, locale: str | None) -> str | Flowable:
    """Turn one table value into text or a flowable, refusing floats and unformatted numbers."""
    if value is None:
        return ""
    if isinstance(value, str | Flowable):
        return value
    if isinstance(value, float):
        raise TypeError(f"{where}: float {value!r} refused; use Decimal for amounts")
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        if locale is None:
            raise TypeError(
                f"{where}: number {value!r} needs a locale; "
                "pass locale= or format it first (money(), babel)"
            )
        places = max(0, -value.as_tuple().exponent) if isinstance(value, Decimal) else 0
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(value, format=pattern, locale=locale)
    raise TypeError(f"{where}: unsupported value {value!r} ({type(value).__name__}); give text")


def _natural_width(value: str | Flowable, style: ParagraphStyle) -> float:
    if isinstance(value, Flowable):
        return getattr(value, "width", 0) or 0
    longest = max((pdfmetrics.stringWidth(line, style.fontName, style.fontSize) for line in value.split("\n")),
                   default=0)
    return longest + 2 * CELL_PADDING + 1


def _fit_column_widths(natural: list[float], fixed: set[int], available: float) -> list[float]:
    """Fixed columns keep their natural width; the others share the rest, so the table spans the page.

    Of the others, short ones (codes, names) keep their natural width and only the long ones wrap.
    """
    fixed_total = sum(width for index, width in enumerate(natural) if index in fixed)
    text_columns = [index for index in range(len(natural)) if index not in fixed]
    if not text_columns or fixed_total >= available * 0.8:
        scale = available / (sum(natural) or 1)
        return [width * scale for width in natural]
    widths = list(natural)
    remaining = available - fixed_total
    pending = sorted(text_columns, key=lambda index: natural[index])
    while pending and natural[pending[0]] <= remaining / len(pending):
        remaining -= natural[pending.pop(0)]
    if pending:
        for index in pending:
            widths[index] = remaining / len(pending)
    else:
        text_total = sum(natural[index] for index in text_columns) or 1
        for index in text_columns:
            widths[index] = natural[index] + remaining * natural[index] / text_total
    return widths


def _table_cell(text: str | Flowable, style: ParagraphStyle, width: float) -> str | Flowable:
    """Text that fits its column stays a string, which reportlab draws directly; longer text wraps in a Paragraph.

    A Paragraph in every cell made a typical invoice PDF half as slow again (9.5 ms against 6.3 ms of
    CPU), too slow for a run of 1,000 invoices. Either way markup characters are printed as they are.
    """
    if isinstance(text, Flowable):
        return text
    text = text.replace("\r\n", "\n")
    if _natural_width(text, style) <= width:
        return text
    return Paragraph(_markup_safe(text, "table cell"), style)


def _text_style(style: ParagraphStyle, first: tuple[int, int], last: tuple[int, int]) -> list[tuple]:
    """TableStyle commands that draw the string cells in this range like a Paragraph in ``style``."""
    return [("FONT", first, last, style.fontName, style.fontSize, style.leading),
            ("TEXTCOLOR", first, last, style.textColor)]


def _check_columns(indexes: set[int], column_count: int, where: str) -> None:
    for index in indexes:
        if not 0 <= index < column_count:
            raise ValueError(f"{where}: {index} is not a column (0..{column_count - 1})")


def data_table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    numeric_columns: set[int] | None = None,
    col_widths: Sequence[float] | None = None,
    totals_row: Sequence[object] | None = None,
    *,
    locale: str | None = None,
    wrap_columns: set[int] | None = None,
) -> Table:
    """A full-width table that splits across pages repeating its header; numeric columns right-aligned.

    Cells are text, flowables or None; int/Decimal cells are formatted with ``locale`` (floats refused).
    Format money cells with ``money()`` and list their columns in ``numeric_columns``. Columns are as
    wide as their text; ``wrap_columns`` (e.g. a description) take all the spare width and wrap long
    text, otherwise the spare width goes to the text columns. Text too long for its column wraps.
    """
    header = list(header)
    if not header:
        raise ValueError("data_table header: must name at least one column")
    column_count = len(header)
    numeric = set(numeric_columns or ())
    _check_columns(numeric, column_count, "data_table numeric_columns")
    wrap = set(wrap_columns or ())
    _check_columns(wrap, column_count, "data_table wrap_columns")
    if locale is not None:
        parse_locale(locale, "data_table locale")

    def styled_row(values: Sequence[object], where: str, left: ParagraphStyle, right: ParagraphStyle):
        values = list(values)
        if len(values) != column_count:
            raise ValueError(f"{where}: has {len(values)} cells, the header has {column_count}")
        texts = []
        for index, value in enumerate(values):
            text = _cell_text(value, f"{where}, column {header[index]!r}", locale)
            texts.append((text, right if index in numeric else left))
        return texts

    text_rows = [styled_row(header, "data_table header", STYLES.table_header, STYLES.table_header_right)]
    for number, row in enumerate(rows, start=1):
        where = f"data_table row {number}"
        text_rows.append(styled_row(row, where, STYLES.table_cell, STYLES.table_cell_right))
    if totals_row is not None:
        where = "data_table totals_row"
        text_rows.append(styled_row(totals_row, where, STYLES.table_total, STYLES.table_total_right))

    if col_widths is None:
        natural = [0.0] * column_count
        for row in text_rows:
            for index, (text, style) in enumerate(row):
                natural[index] = max(natural[index], _natural_width(text, style))
        fixed = set(range(column_count)) - wrap if wrap else numeric
        widths = _fit_column_widths(natural, fixed, CONTENT_WIDTH)
    else:
        widths = list(col_widths)
        if len(widths) != column_count:
            raise ValueError(
                f"data_table col_widths: has {len(widths)} widths, the header has {column_count}"
            )

    cells = [[_table_cell(text, style, width) for (text, style), width in zip(row, widths, strict=True)]
             for row in text_rows]
    commands = [
        *_text_style(STYLES.table_cell, (0, 0), (-1, -1)),
        *_text_style(STYLES.table_header, (0, 0), (-1, 0)),
        *[("ALIGN", (index, 0), (index, -1), "RIGHT") for index in sorted(numeric)],
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
    ]
    last_body_row = -2 if totals_row is not None else -1
    if len(cells) > 1 + (totals_row is not None):
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, last_body_row), [colors.white, STRIPE_FILL]))
    if totals_row is not None:
        commands += _text_style(STYLES.table_total, (0, -1), (-1, -1))
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK))
        if len(cells) > 2:
            # a totals row alone on the last page, away from the rows it adds up, reads as a mistake
            commands.append(("NOSPLIT", (0, -2), (-1, -1)))
    return Table(
        cells, colWidths=widths, repeatRows=1, hAlign="LEFT", spaceAfter=6, style=TableStyle(commands)
    )


def key_value_table(rows: Iterable[tuple[str, object]], *, locale: str | None = None) -> Table:
    """A two-column label/value block (e.g. invoice number, customer); values as in ``data_table`` cells."""
    labels, values = [], []
    for number, pair in enumerate(rows, start=1):
        if len(pair) != 2:
            raise ValueError(f"key_value_table row {number}: expected (label, value), got {pair!r}")
        label, value = pair
        if not isinstance(label, str):
            raise TypeError(f"key_value_table row {number} label: expected text (str), got {label!r}")
        labels.append(label)
        values.append(_cell_text(value, f"key_value_table row {number} ({label!r}) value", locale))
    if not labels:
        raise ValueError("key_value_table rows: must have at least one (label, value) pair")
    label_width = min(max(_natural_width(label, STYLES.table_header) for label in labels), CONTENT_WIDTH * 0.4)
    value_width = CONTENT_WIDTH - label_width
    # labels have no left padding (they line up with the text above), so they fit one padding more
    cells = [[_table_cell(label, STYLES.table_header, label_width + CELL_PADDING),
              _table_cell(value, STYLES.table_cell, value_width)]
             for label, value in zip(labels, values, strict=True)]
    return Table(
        cells,
        colWidths=[label_width, value_width],
        hAlign="LEFT",
        spaceAfter=6,
        style=TableStyle([
            *_text_style(STYLES.table_cell, (1, 0), (1, -1)),
            *_text_style(STYLES.table_header, (0, 0), (0, -1)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (0, -1), 0),  # labels line up with the text above and below
            ("LEFTPADDING", (1, 0), (1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]),
    )


def _logo_flowable(logo: bytes) -> Image:
    """The logo scaled to fit the letterhead box, keeping its aspect ratio."""
    try:
        pixel_width, pixel_height = ImageReader(io.BytesIO(logo)).getSize()
    except Exception as error:  # reportlab/Pillow raise many kinds for a broken image
        raise ValueError("letterhead.logo: the image cannot be read") from error
    scale = min(LOGO_MAX_WIDTH / pixel_width, LOGO_MAX_HEIGHT / pixel_height)
    return Image(io.BytesIO(logo), width=pixel_width * scale, height=pixel_height * scale, hAlign="RIGHT")


def _letterhead_block(letterhead: Letterhead) -> Table:
    """Name, address, registration and VAT lines on the left; the logo, if any, on the right."""
    lines = [Paragraph(_markup_safe(letterhead.name, "letterhead.name"), STYLES.letterhead_name)]
    lines += [Paragraph(_markup_safe(line, "letterhead.address_lines"), STYLES.small)
              for line in letterhead.address_lines]
    words = _base_words(letterhead)
    if letterhead.registration_number:
        registration = _markup_safe(letterhead.registration_number, "letterhead.registration_number")
        lines.append(Paragraph(f"{words['registration']} {registration}", STYLES.small))
    if letterhead.vat_number:
        vat = _markup_safe(letterhead.vat_number, "letterhead.vat_number")
        lines.append(Paragraph(f"{words['vat']} {vat}", STYLES.small))
    if letterhead.logo:
        row = [lines, _logo_flowable(letterhead.logo)]
        widths = [CONTENT_WIDTH - LOGO_MAX_WIDTH - 4 * mm, LOGO_MAX_WIDTH + 4 * mm]
    else:
        row, widths = [lines], [CONTENT_WIDTH]
    return Table(
        [row],
        colWidths=widths,
        style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]),
    )


class _PageHeader:
    """Draws the letterhead, the title and a rule at the top of a page; knows how tall that is."""

    gap = 4 * mm

    def __init__(self, letterhead: Letterhead, title: str):
        self.block = _letterhead_block(letterhead)
        self.title = Paragraph(_markup_safe(title, "title"), STYLES.title)
        _, self.block_height = self.block.wrap(CONTENT_WIDTH, PAGE_HEIGHT)
        _, self.title_height = self.title.wrap(CONTENT_WIDTH, PAGE_HEIGHT)
        self.height = self.block_height + self.gap + self.title_height + self.gap

    def draw(self, canvas: Canvas, _doc) -> None:
        """Page callback for the doc template."""
        canvas.saveState()
        top = PAGE_HEIGHT - TOP_MARGIN
        self.block.drawOn(canvas, SIDE_MARGIN, top - self.block_height)
        title_top = top - self.block_height - self.gap
        self.title.drawOn(canvas, SIDE_MARGIN, title_top - self.title_height)
        rule_y = title_top - self.title_height - 2
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.line(SIDE_MARGIN, rule_y, PAGE_WIDTH - SIDE_MARGIN, rule_y)
        canvas.restoreState()


class _NumberedCanvas(Canvas):
    """Holds every page back until the end so the footer can say 'Page N of M' with the real M."""

    def __init__(self, *args, pdf_date: str, page_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._page_label = page_label
        self._held_pages: list[dict] = []
        # With invariant=1 reportlab stamps 2000-01-01; print the document's own creation date instead.
        self.setDateFormatter(lambda *_ignored: pdf_date)
        # reportlab seeds the document /ID with SOURCE_DATE_EPOCH when that variable is set; reseed it
        # so the same data give the same bytes whatever the environment (it still adds title/author).
        self._doc.signature = hashlib.md5(b"consortium document", usedforsecurity=False)
        # every document's subsets start with the same glyphs, so their embedded fonts are reused
        for name in (FONT_REGULAR, FONT_BOLD):
            pdfmetrics.getFont(name).splitString(PRESET_GLYPHS, self._doc)

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        self.saveState()
        line_y = BOTTOM_MARGIN - 6 * mm
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(SIDE_MARGIN, line_y, PAGE_WIDTH - SIDE_MARGIN, line_y)
        self.setFont(FONT_REGULAR, STYLES.footer.fontSize)
        self.setFillColor(MUTED)
        page_label = self._page_label.format(page=self._pageNumber, pages=total)
        self.drawRightString(PAGE_WIDTH - SIDE_MARGIN, line_y - 4 * mm, page_label)
        self.restoreState()


def _pdf_date(created_at: datetime) -> str:
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise ValueError("created_at: must be timezone-aware (timestamps are UTC)")
    return created_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def build_pdf(
    letterhead: Letterhead,
    title: str,
    content: Iterable[Flowable] | Callable[[Letterhead], Iterable[Flowable]],
    *,
    created_at: datetime | None = None,
    subject: str | None = None,
    author: str | None = None,
) -> bytes:
    """Render flowables (or a function of the letterhead returning them) as an A4 PDF and return its bytes."""
    if not isinstance(letterhead, Letterhead):
        raise TypeError(f"letterhead: expected a Letterhead, got {type(letterhead).__name__}")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("title: must be a non-empty string")
    flowables = list(content(letterhead) if callable(content) else content)
    if not flowables:
        raise ValueError("content: the document has nothing to print")
    for number, item in enumerate(flowables, start=1):
        if not isinstance(item, Flowable):
            raise TypeError(f"content item {number}: expected a Flowable, got {type(item).__name__}")
    pdf_date = _pdf_date(created_at or datetime.now(UTC))

    page_header = _PageHeader(letterhead, title)
    output = io.BytesIO()
    top_margin = TOP_MARGIN + page_header.height
    # No frame padding: flowables line up with the letterhead and tables can use CONTENT_WIDTH exactly.
    frame = Frame(
        SIDE_MARGIN,
        BOTTOM_MARGIN,
        CONTENT_WIDTH,
        PAGE_HEIGHT - top_margin - BOTTOM_MARGIN,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="content",
    )
    document = BaseDocTemplate(
        output,
        pagesize=PAGE_SIZE,
        pageTemplates=[PageTemplate(id="page", frames=[frame], onPage=page_header.draw)],
        title=title,
        author=author or letterhead.name,
        subject=subject or title,
        creator=_base_words(letterhead)["creator"],  # the document properties read as the page does
        lang=letterhead.locale.replace("_", "-"),
        invariant=1,  # no random document ID, no wall-clock date
    )
    document.build(flowables, canvasmaker=partial(_NumberedCanvas, pdf_date=pdf_date,
                                                     page_label=_base_words(letterhead)["page"]))
    return output.getvalue()
