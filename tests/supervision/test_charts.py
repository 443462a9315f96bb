"""The SVG charts: named, escaped, bars in proportion."""

from __future__ import annotations

import re

from supervision import charts


def test_chart_is_a_named_image_described_by_its_table() -> None:
    svg = str(charts.bar_chart("chart-1", [("手話", 4), ("筆談", 2)]))
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-1-title"' in svg
    assert 'aria-describedby="chart-1-table"' in svg
    assert "<script" not in svg and "style=" not in svg


def test_bars_are_in_proportion_and_labels_escaped() -> None:
    svg = str(charts.bar_chart("c", [("<b>&", 10), ("半分", 5), ("ゼロ", 0)], unit="分"))
    widths = [float(w) for w in re.findall(r'<rect x="0" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths[0] == charts.WIDTH - charts.VALUE_WIDTH
    assert widths[1] == widths[0] / 2
    assert widths[2] == 0
    assert "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    assert "10 分" in svg


def test_an_empty_chart_still_renders() -> None:
    assert "<svg" in str(charts.bar_chart("c", []))
