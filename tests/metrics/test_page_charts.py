"""The SVG charts and the value formats of the metrics page, on their own."""

import re

import pytest
from django.utils import translation

from metrics.charts import axis_ticks, chart_draw
from metrics.formatting import figure_change, format_duration, format_value
from metrics.report import Chart, Figure, Series


@pytest.mark.parametrize(
    ("seconds", "en", "ja"),
    [
        (0, "0 s", "0秒"),
        (59.6, "1 min", "1分"),
        (45, "45 s", "45秒"),
        (3600, "1 h", "1時間"),
        (3900, "1 h 5 min", "1時間5分"),
        (86400 * 2 + 3 * 3600 + 59, "2 d 3 h", "2日3時間"),
        (86400, "1 d", "1日"),
    ],
)
def test_durations_in_both_languages(seconds, en, ja):
    with translation.override("en"):
        assert format_duration(seconds) == en
    with translation.override("ja"):
        assert format_duration(seconds) == ja


def test_values_by_unit():
    with translation.override("en"):
        assert format_value(1234567, "count") == "1,234,567"
        assert format_value(12.345, "percent") == "12.3%"
        assert format_value(100, "percent") == "100%"
        assert format_value(1.2567, "number") == "1.26"
        assert format_value(None, "seconds") == "–"


@pytest.mark.parametrize(
    ("figure", "text", "direction", "tone"),
    [
        (Figure("a", "A", 10, 10), "±0%", "same", "neutral"),
        (Figure("a", "A", 5, 0), "+5", "up", "good"),
        (Figure("a", "A", 50, 100), "−50%", "down", "bad"),
        (Figure("a", "A", 50, 100, higher_is_better=None), "−50%", "down", "neutral"),
        (Figure("a", "A", 600, 300, unit="seconds", higher_is_better=False), "+5 min", "up", "bad"),
        (Figure("a", "A", 40.0, 42.5, unit="percent"), "−2.5 points", "down", "bad"),
    ],
)
def test_the_change_against_the_previous_period(figure, text, direction, tone):
    with translation.override("en"):
        change = figure_change(figure)
    assert (change.text, change.direction, change.tone) == (text, direction, tone)
    assert figure_change(Figure("a", "A", None, 3)) is None


def test_ticks_are_round_and_cover_the_values():
    assert axis_ticks(0, 17, "count") == [0, 5, 10, 15, 20]
    assert axis_ticks(0, 0, "count") == [0, 1]
    assert axis_ticks(0, 3, "count") == [0, 1, 2, 3]
    assert axis_ticks(-12, 30, "number") == [-20, 0, 20, 40]
    # Durations tick in whole units: 2 h steps up to 8 h.
    assert axis_ticks(0, 26000, "seconds") == [0, 7200, 14400, 21600, 28800]


@pytest.mark.parametrize(
    "chart",
    [
        Chart("empty", "Empty", "line", []),
        Chart("empty", "Empty", "bar", []),
        Chart("none", "No data", "line", [Series("A", [("1", None), ("2", None)])]),
        Chart("one", "One day", "line", [Series("A", [("11-24", 3)])]),
        Chart("neg", "Growth", "bar", [Series("A", [("X", -12), ("Facebook", 30)])], unit="number"),
    ],
)
def test_odd_charts_still_draw(chart):
    svg = str(chart_draw(chart).svg)
    assert svg.startswith('<svg class="metrics-chart-svg" viewBox="0 0 320 ') and svg.endswith("</svg>")
    assert "nan" not in svg.lower()


def test_labels_are_escaped_and_long_names_shortened():
    chart = Chart(
        "x",
        "<b>Title</b>",
        "bar",
        [Series("<script>", [("<img src=x onerror=alert(1)>", 1), ("Alexandra Montgomery-Smith", 2)])],
    )
    drawn = chart_draw(chart)
    svg = str(drawn.svg)
    assert "<img" not in svg and "&lt;img src=x" in svg and "<b>" not in svg
    assert ">Alexandra Mon…</text>" in svg and "<title>Alexandra Montgomery-Smith</title>" in svg
    assert drawn.legend == []  # one series: its title says it


def test_a_long_line_chart_labels_a_few_days_and_dots_only_gaps():
    labels = [f"Nov {day}" for day in range(1, 91)]
    chart = Chart("d", "Per day", "line", [Series("A", [(x, i % 5) for i, x in enumerate(labels)])])
    svg = str(chart_draw(chart).svg)
    shown = re.findall(r'text-anchor="(?:start|middle|end)">(Nov \d+)</text>', svg)
    assert shown[0] == "Nov 1" and shown[-1] == "Nov 90" and 2 < len(shown) <= 5
    assert "<circle" not in svg  # 90 days: a line, no dots
