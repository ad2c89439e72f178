"""What a metrics section hands the page: plain data, rendered by the page's
templates (numbers, SVG charts with a table behind each, CSV export).

Each section (metrics/sections/) is a function `build(period, *, user)` that
returns a `Section`. Sections read through selectors and run a fixed number
of queries, whatever the amount of data.

Units tell the page how to format a value: "count", "percent" (0-100),
"seconds" (a duration), "number" (any other figure). A value may be None when
it cannot be computed (no data in the period): the page shows a dash."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["count", "percent", "seconds", "number"]


@dataclass(frozen=True)
class Figure:
    """One headline number, compared with the same figure in the previous period."""

    key: str
    label: str
    value: float | int | None
    previous: float | int | None = None
    unit: Unit = "count"
    # Whether a higher value is better (the page colours the change); None: neutral.
    higher_is_better: bool | None = True
    help_text: str = ""


@dataclass(frozen=True)
class Series:
    label: str
    # (x label, value) in order; x labels are already formatted (a day, a week, a name).
    points: list[tuple[str, float | int | None]]


@dataclass(frozen=True)
class Chart:
    """A line chart (values over time) or a bar chart (values by channel, by staff...).
    The page draws it as SVG and puts `table()` behind it for screen readers and CSV."""

    key: str
    title: str
    kind: Literal["line", "bar"]
    series: list[Series]
    unit: Unit = "count"

    def table(self) -> Table:
        labels = [x for x, _value in self.series[0].points] if self.series else []
        rows = [[x] + [series.points[i][1] for series in self.series] for i, x in enumerate(labels)]
        return Table(
            key=self.key,
            title=self.title,
            columns=[""] + [s.label for s in self.series],
            rows=rows,
            units=["text"] + [self.unit] * len(self.series),
        )


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    # One unit per column ("text" for labels); empty: every column is text.
    units: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # Short sentences under the section's title: what is counted, what a read costs...
    notes: list[str] = field(default_factory=list)
    # Its computation raised: it holds only a notice (metrics.page.section_failed).
    failed: bool = False

    def exportable_tables(self) -> list[Table]:
        """Every table of the section, the charts' included: each has a CSV export."""
        return [chart.table() for chart in self.charts] + list(self.tables)
