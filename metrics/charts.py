"""Server-side SVG for the metrics page's charts: no script, no inline style
(the CSP refuses both), colours and dashes from classes in metrics/metrics.css.

A line chart draws values over time, one line per series, with a gap where a
value is None. A bar chart draws one horizontal bar per category (channel,
staff member), grouped by series: names of any length and script stay readable
on a phone. The SVG scales to its box (viewBox, width 100%); the table behind
every chart (Chart.table()) gives the exact values."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from metrics.formatting import format_value
from metrics.report import Chart

# Drawing units; the SVG scales to the width of its figure. Narrow on purpose: text of 10 units
# stays readable on a phone (about 9 px) and is about 14 px in a desktop column.
WIDTH = 320
LINE_HEIGHT = 190
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 10, 10, 24
# At most this many day labels under a line chart; the rest are in the table.
MAX_X_LABELS = 5
# Bar charts: the category names' column, and each bar's thickness.
BAR_LABEL_WIDTH = 96
BAR_THICKNESS = 14
BAR_GAP = 10
MAX_LABEL_CHARS = 14
# Series colours and dash patterns (metrics.css): distinct without colour too.
SERIES_CLASSES = 6

# Steps a duration axis ticks by, in seconds: 1 s ... 1 week.
DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800]
DURATION_STEPS += [604800]


@dataclass(frozen=True)
class DrawnChart:
    chart: Chart
    svg: SafeString
    # (series label, css class) for the legend; empty for a single series.
    legend: list[tuple[str, str]]


def series_class(index: int) -> str:
    return f"metrics-series-{index % SERIES_CLASSES}"


def chart_draw(chart: Chart) -> DrawnChart:
    svg = _line_svg(chart) if chart.kind == "line" else _bar_svg(chart)
    legend = [(s.label, series_class(i)) for i, s in enumerate(chart.series)] if len(chart.series) > 1 else []
    return DrawnChart(chart=chart, svg=svg, legend=legend)


def axis_ticks(low: float, high: float, unit: str, count: int = 4) -> list[float]:
    """Round tick values covering [low, high] (low <= 0 <= high); durations tick in
    whole seconds, minutes, hours or days."""
    span = high - low
    if span <= 0:
        span = 1 if unit != "seconds" else 60
    raw = span / count
    if unit == "seconds":
        step = next((s for s in DURATION_STEPS if s >= raw), DURATION_STEPS[-1] * math.ceil(raw / DURATION_STEPS[-1]))
    else:
        magnitude = 10 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
        if unit == "count":
            step = max(step, 1)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    if last == first:
        last = first + step
    ticks = []
    value = first
    while value <= last + step / 1000:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _values(chart: Chart) -> list[float]:
    return [v for s in chart.series for _x, v in s.points if v is not None]


def _svg(chart: Chart, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="metrics-chart-svg" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        WIDTH,
        height,
        chart.title,
        chart.title,
        body,
    )


def _line_svg(chart: Chart) -> SafeString:
    values = _values(chart)
    ticks = axis_ticks(min([0, *values]), max([0, *values]), chart.unit)
    low, high = ticks[0], ticks[-1]
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = LINE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    labels = [x for x, _v in chart.series[0].points] if chart.series else []
    n = len(labels)

    def x_at(i: int) -> float:
        return MARGIN_LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return MARGIN_TOP + plot_h * (high - value) / (high - low)

    parts = [_y_axis(ticks, chart.unit, y_at, MARGIN_LEFT, WIDTH - MARGIN_RIGHT)]
    # As many labels as fit side by side (long or Japanese day names take more room), evenly
    # spread from the first day to the last; those two are anchored at their outer ends, so a
    # neighbour needs one and a half widths.
    spacing = max((_text_width(label) for label in labels), default=0) * 1.5 + 6
    fit = min(n, MAX_X_LABELS, max(2, int(plot_w // spacing) + 1))
    shown = sorted({round(k * (n - 1) / (fit - 1)) for k in range(fit)}) if fit > 1 else list(range(n))
    parts.append(
        format_html_join(
            "",
            '<text class="metrics-axis-label" x="{}" y="{}" text-anchor="{}">{}</text>',
            # The first and last labels stay inside the chart.
            ((_n(x_at(i)), LINE_HEIGHT - 6, _anchor(i, n), labels[i]) for i in shown),
        )
    )
    for index, series in enumerate(chart.series):
        css = series_class(index)
        runs, run = [], []
        for i, (_x, value) in enumerate(series.points):
            if value is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x_at(i), y_at(value)))
        if run:
            runs.append(run)
        for run in runs:
            if len(run) > 1:
                d = "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in run)
                parts.append(format_html('<path class="metrics-line {}" d="{}"/>', css, d))
        # Dots mark each value when they fit, and always a value alone between gaps.
        dots = [p for run in runs for p in run] if n <= 31 else [run[0] for run in runs if len(run) == 1]
        parts.append(
            format_html_join(
                "", '<circle class="metrics-dot {}" cx="{}" cy="{}" r="2.5"/>', ((css, _n(x), _n(y)) for x, y in dots)
            )
        )
    return _svg(chart, LINE_HEIGHT, mark_safe("".join(parts)))  # noqa: S308 - every part is format_html output


def _bar_svg(chart: Chart) -> SafeString:
    values = _values(chart)
    ticks = axis_ticks(min([0, *values]), max([0, *values]), chart.unit)
    low, high = ticks[0], ticks[-1]
    labels = [x for x, _v in chart.series[0].points] if chart.series else []
    group = BAR_THICKNESS * max(1, len(chart.series)) + BAR_GAP
    height = MARGIN_TOP + group * max(1, len(labels)) + MARGIN_BOTTOM
    left, right = BAR_LABEL_WIDTH, WIDTH - MARGIN_RIGHT - 36  # room for the value after a bar

    def x_at(value: float) -> float:
        return left + (right - left) * (value - low) / (high - low)

    bottom = height - MARGIN_BOTTOM
    parts = [
        format_html_join(
            "",
            '<line class="metrics-grid" x1="{0}" x2="{0}" y1="{1}" y2="{2}"/>'
            '<text class="metrics-axis-label" x="{0}" y="{3}" text-anchor="middle">{4}</text>',
            ((_n(x_at(t)), MARGIN_TOP, bottom, height - 6, format_value(t, chart.unit)) for t in ticks),
        )
    ]
    for row, label in enumerate(labels):
        top = MARGIN_TOP + row * group + BAR_GAP / 2
        short = label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"
        parts.append(
            format_html(
                '<text class="metrics-bar-label" x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text>',
                left - 6,
                _n(top + group / 2 - BAR_GAP / 2 + 4),
                label,
                short,
            )
        )
        for index, series in enumerate(chart.series):
            value = series.points[row][1]
            y = top + index * BAR_THICKNESS
            if value is not None:
                start, end = sorted((x_at(0), x_at(value)))
                parts.append(
                    format_html(
                        '<rect class="metrics-bar {}" x="{}" y="{}" width="{}" height="{}"/>',
                        series_class(index),
                        _n(start),
                        _n(y + 1),
                        _n(max(end - start, 0.5)),
                        BAR_THICKNESS - 2,
                    )
                )
            parts.append(
                format_html(
                    '<text class="metrics-bar-value" x="{}" y="{}">{}</text>',
                    _n(max(x_at(0), x_at(value or 0)) + 4),
                    _n(y + BAR_THICKNESS - 3),
                    format_value(value, chart.unit),
                )
            )
    return _svg(chart, height, mark_safe("".join(parts)))  # noqa: S308 - every part is format_html output


def _y_axis(ticks, unit, y_at, x1, x2) -> SafeString:
    return format_html_join(
        "",
        '<line class="metrics-grid{5}" x1="{0}" x2="{1}" y1="{2}" y2="{2}"/>'
        '<text class="metrics-axis-label" x="{3}" y="{4}" text-anchor="end">{6}</text>',
        (
            (x1, x2, _n(y_at(t)), x1 - 4, _n(y_at(t) + 3.5), " is-zero" if t == 0 else "", format_value(t, unit))
            for t in ticks
        ),
    )


def _anchor(index: int, count: int) -> str:
    if count > 1 and index == 0:
        return "start"
    if count > 1 and index == count - 1:
        return "end"
    return "middle"


def _text_width(text: str, size: float = 10) -> float:
    """A label's width in drawing units, near enough to keep labels apart: CJK characters
    are about one em wide, Latin ones about half."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.58 for char in text)


def _n(value: float) -> str:
    """Coordinates to one decimal: smaller SVG, same picture."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
