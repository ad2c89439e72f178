"""What the metrics page shows: every section of metrics.sections.SECTIONS for
the chosen period, made ready for the generic templates (formatted figures,
drawn charts, formatted tables, the CSV export key of each table)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import import_string

from metrics import sections as section_registry
from metrics.charts import DrawnChart, chart_draw
from metrics.formatting import Change, figure_change, format_value
from metrics.periods import Period
from metrics.report import Figure, Section, Table


@dataclass(frozen=True)
class ShownFigure:
    figure: Figure
    value: str
    previous: str
    change: Change | None


@dataclass(frozen=True)
class ShownTable:
    table: Table
    # Each cell as (text, is_a_number): numbers align right.
    rows: list[list[tuple[str, bool]]]
    export_key: str


@dataclass(frozen=True)
class ShownChart:
    drawn: DrawnChart
    table: ShownTable


@dataclass(frozen=True)
class ShownSection:
    section: Section
    figures: list[ShownFigure]
    charts: list[ShownChart]
    tables: list[ShownTable]


def sections_build(period: Period, *, user) -> list[Section]:
    """Every section for `period`, in page order. Each runs a fixed number of queries."""
    return [import_string(path)(period, user=user) for path in section_registry.SECTIONS]


def figure_show(figure: Figure) -> ShownFigure:
    return ShownFigure(
        figure=figure,
        value=format_value(figure.value, figure.unit),
        previous=format_value(figure.previous, figure.unit),
        change=figure_change(figure),
    )


def table_show(section: Section, table: Table) -> ShownTable:
    units = table.units or ["text"] * len(table.columns)
    rows = [
        [
            (str(cell) if unit == "text" else format_value(cell, unit), unit != "text")
            for cell, unit in zip(row, units, strict=False)
        ]
        for row in table.rows
    ]
    return ShownTable(table=table, rows=rows, export_key=f"{section.key}.{table.key}")


def section_show(section: Section) -> ShownSection:
    return ShownSection(
        section=section,
        figures=[figure_show(f) for f in section.figures],
        charts=[ShownChart(drawn=chart_draw(c), table=table_show(section, c.table())) for c in section.charts],
        tables=[table_show(section, t) for t in section.tables],
    )


def table_find(sections: list[Section], export_key: str) -> Table | None:
    """The table a CSV export names ("<section key>.<table key>"), charts' tables included."""
    section_key, _dot, table_key = export_key.partition(".")
    for section in sections:
        if section.key == section_key:
            return next((t for t in section.exportable_tables() if t.key == table_key), None)
    return None
