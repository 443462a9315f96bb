"""Server-rendered SVG bar charts. No script, no inline style (the CSP forbids both); the chart is
an image with a name, and every chart on a page sits beside a data table with the same numbers.

Each bar has its label on a line of its own above it, so labels keep their full length on a
phone; the drawing is 360 units wide, about the width of a phone, so text stays near its size."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 360
VALUE_WIDTH = 70
FONT_SIZE = 15
LABEL_LINE = 20
BAR_HEIGHT = 18
ROW_GAP = 12
ROW = LABEL_LINE + BAR_HEIGHT + ROW_GAP
BAR_COLOUR = "#0b4f8a"  # the brand blue: 8.9 : 1 on white
TEXT_COLOUR = "#1a1a1a"
MAX_LABEL = 23  # characters of a full-width label that fit in WIDTH at FONT_SIZE


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(chart_id: str, bars: list[tuple[str, float]], unit: str = "") -> SafeString:
    """A horizontal bar chart named by the element `chart_id`-title (the heading above it) and
    described by `chart_id`-table (the note pointing to the table with the same numbers)."""
    top = max((value for _label, value in bars), default=0) or 1
    span = WIDTH - VALUE_WIDTH
    height = max(1, len(bars)) * ROW
    rows = []
    for i, (label, value) in enumerate(bars):
        y = i * ROW
        length = round(span * (value / top), 1)
        rows.append(
            (
                y + LABEL_LINE - 5,
                _shorten(str(label)),
                y + LABEL_LINE,
                max(length, 1 if value else 0),
                BAR_HEIGHT,
                BAR_COLOUR,
                length + 6,
                y + LABEL_LINE + BAR_HEIGHT - 4,
                f"{_number(value)}{(' ' + unit) if unit else ''}",
            )
        )
    body = format_html_join(
        "",
        '<text x="0" y="{}">{}</text>'
        '<rect x="0" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}">{}</text>',
        rows,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%"'
        ' viewBox="0 0 {} {}" aria-labelledby="{}-title" aria-describedby="{}-table"'
        ' font-size="{}" fill="{}">{}</svg>',
        WIDTH,
        height,
        chart_id,
        chart_id,
        FONT_SIZE,
        TEXT_COLOUR,
        body,
    )
