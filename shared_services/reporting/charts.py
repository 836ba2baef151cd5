"""The dashboard's charts, drawn once with reportlab's own `graphics.charts` and used twice: as a Drawing in
the PDFs and, rendered to SVG by reportlab's `renderSVG`, inline on the pages.

Why reportlab for the pages too: it is already a dependency (no new package, no vendored JavaScript, nothing
for the CSP's `script-src 'self'` to allow), and the page and the PDF then show the very same chart. Every
bar carries its value as a label and every series its name in the legend with a distinct grey *and* a
distinct fill pattern order, so no information is carried by colour alone; every chart has its table beside it.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from consortium.documents import FONT_REGULAR

# Dark to light greys with strong contrast between neighbours: readable printed in black and white.
SHADES = (
    colors.HexColor("#1f3a5f"),
    colors.HexColor("#9fb3c8"),
    colors.HexColor("#4a6f8a"),
    colors.HexColor("#d9e2ec"),
    colors.HexColor("#6b7c93"),
)
_ids = itertools.count(1)
MARKERS = ("FilledSquare", "FilledCircle", "FilledTriangle", "FilledDiamond", "Cross")


def _number(value) -> float:
    return float(value or 0)


def _legend(drawing: Drawing, names, x: float, y: float) -> None:
    legend = Legend()
    legend.x, legend.y = max(drawing.width - 95 * len(names), 150), y
    legend.fontName, legend.fontSize = FONT_REGULAR, 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dxTextSpace = 4
    legend.deltax = 90
    legend.colorNamePairs = [(SHADES[i % len(SHADES)], str(name)) for i, name in enumerate(names)]
    drawing.add(legend)


def _title(drawing: Drawing, title: str) -> None:
    drawing.add(String(0, drawing.height - 10, str(title), fontName=FONT_REGULAR, fontSize=9))


def bar_chart(
    title: str,
    categories: list[str],
    series: dict[str, list],
    *,
    width: float = 460,
    height: float = 200,
    horizontal: bool = False,
    label_format=None,
) -> Drawing:
    """Grouped bars: one group per category, one bar per series (e.g. this year and the year before)."""
    drawing = Drawing(width, height)
    _title(drawing, title)
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    chart.x, chart.y = (110, 30) if horizontal else (45, 45)
    chart.width = width - chart.x - 20
    chart.height = height - chart.y - 40
    chart.data = [[_number(v) for v in values] for values in series.values()] or [[0]]
    chart.categoryAxis.categoryNames = [str(c) for c in categories]
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = FONT_REGULAR, 7
    if not horizontal:
        chart.categoryAxis.labels.angle = 20 if len(categories) > 4 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 4 else "n"
    chart.valueAxis.valueMin = 0
    chart.barLabelFormat = label_format or (lambda v: "" if v is None else f"{v:,.0f}")
    chart.barLabels.fontName, chart.barLabels.fontSize = FONT_REGULAR, 6
    chart.barLabels.nudge = 6
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = SHADES[i % len(SHADES)]
        chart.bars[i].strokeColor = colors.black
        chart.bars[i].strokeWidth = 0.4
    drawing.add(chart)
    if len(series) > 1:
        _legend(drawing, list(series), width - 10, height - 6)
    return drawing


def stacked_bar(title: str, categories: list[str], parts: dict[str, list], **kwargs) -> Drawing:
    """One bar per category, split into stacked parts (e.g. public and private revenue)."""
    drawing = bar_chart(title, categories, parts, horizontal=True, **kwargs)
    chart = next(c for c in drawing.contents if isinstance(c, HorizontalBarChart))
    chart.categoryAxis.style = "stacked"
    chart.barLabels.nudge = 0
    chart.barLabels.fillColor = colors.white
    chart.barLabelFormat = None
    if len(parts) == 1:
        _legend(drawing, list(parts), drawing.width - 10, drawing.height - 6)
    return drawing


def line_chart(
    title: str, categories: list[str], series: dict[str, list], *, width: float = 460, height: float = 180
) -> Drawing:
    """Lines over the years, each with its own marker shape as well as its shade."""
    drawing = Drawing(width, height)
    _title(drawing, title)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 55, 30, width - 75, height - 70
    chart.data = [[_number(v) if v is not None else None for v in values] for values in series.values()] or [[0]]
    chart.categoryAxis.categoryNames = [str(c) for c in categories]
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = FONT_REGULAR, 7
    chart.valueAxis.valueMin = 0
    chart.lineLabelFormat = lambda v: "" if v is None else money_label(v)
    chart.lineLabels.fontName, chart.lineLabels.fontSize = FONT_REGULAR, 6
    for i in range(len(chart.data)):
        chart.lines[i].strokeColor = SHADES[i % len(SHADES)]
        chart.lines[i].strokeWidth = 1.5
        chart.lines[i].symbol = makeMarker(MARKERS[i % len(MARKERS)])
    drawing.add(chart)
    _legend(drawing, list(series), width - 10, height - 6)
    return drawing


def svg(drawing: Drawing, label: str) -> str:
    """The drawing as inline SVG (no XML prolog), with an accessible name; the table beside it holds the data."""
    text = renderSVG.drawToString(drawing)
    text = text[text.index("<svg") :]
    text = re.sub(
        r'<svg width="[\d.]+" height="[\d.]+"',
        f'<svg role="img" aria-label="{_attr(label)}" class="chart" width="100%"',
        text,
        count=1,
    )
    text = text.replace("<title>...</title>", f"<title>{_attr(label)}</title>").replace("<desc>...</desc>", "")
    # one page holds several charts: their clip paths and groups need ids of their own
    suffix = f"-{next(_ids)}"
    text = re.sub(r'id="([a-z]+)"', lambda m: f'id="{m.group(1)}{suffix}"', text)
    text = re.sub(r"url\(#([a-z]+)\)", lambda m: f"url(#{m.group(1)}{suffix})", text)
    return text.replace("font-family: DejaVuSans;", "font-family: 'DejaVu Sans', Verdana, sans-serif;")


def _attr(text: str) -> str:
    return str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def money_label(value: float) -> str:
    """A compact bar label: 1.2M, 350k, 900."""
    value = Decimal(str(value))
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:.0f}"
